//! Publishes the audit log's signed checkpoint when the app lifts off (after demo fixtures are
//! loaded: the binary loads them before it builds the app) and then at the configured interval.

use std::sync::Arc;

use rocket::fairing::AdHoc;

use crate::clock::Clock;
use crate::domain::checkpoint::LogKey;
use crate::storage::Db;
use crate::web::AppState;

pub fn fairing() -> AdHoc {
    AdHoc::on_liftoff("audit checkpoints", |rocket| {
        Box::pin(async move {
            let (Some(db), Some(app)) = (rocket.state::<Db>().cloned(), rocket.state::<AppState>()) else {
                return;
            };
            let (key, clock, every) = (app.log_key.clone(), app.clock.clone(), app.config.checkpoint_interval);
            publish_logged(&db, &key, clock.as_ref()).await;
            let mut shutdown = rocket.shutdown();
            rocket::tokio::spawn(async move {
                let mut ticks = rocket::tokio::time::interval(every);
                ticks.tick().await;
                loop {
                    rocket::tokio::select! {
                        _ = ticks.tick() => publish_logged(&db, &key, clock.as_ref()).await,
                        _ = &mut shutdown => break,
                    }
                }
            });
        })
    })
}

async fn publish_logged(db: &Db, key: &Arc<LogKey>, clock: &dyn Clock) {
    match crate::services::checkpoints::publish(db, key, clock).await {
        Ok(Some(published)) => log::info!("audit checkpoint published: size {}", published.head.size),
        Ok(None) => {}
        Err(e) => log::error!("audit checkpoint not published: {e}"),
    }
}
