//! Spawns the app for one test on a fresh database of the engine under test.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{TimeZone, Utc};
use ppp_registry::clock::ManualClock;
use ppp_registry::config::Config;
use ppp_registry::storage::{Db, Engine};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};

/// Names the PostgreSQL server to test against (a URL with a user allowed to create databases).
pub const PG_URL_VAR: &str = "PPP_TEST_DATABASE_URL";

pub struct TestApp {
    pub client: Client,
    pub db: Db,
    pub clock: Arc<ManualClock>,
    pub url: String,
    /// Where this test's uploads go.
    pub upload_dir: PathBuf,
    sqlite_dir: Option<PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        let _ = std::fs::remove_dir_all(&self.upload_dir);
    }
}

/// The engine this run tests, from the environment.
pub fn engine_under_test() -> Engine {
    match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.is_empty() => Engine::Postgres,
        _ => Engine::Sqlite,
    }
}

/// A name no other test of this run (or an earlier run) uses.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = Utc::now().timestamp_subsec_nanos();
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A fresh, migrated, empty database of the engine under test; for SQLite also its directory.
pub async fn fresh_database() -> (String, Option<PathBuf>) {
    match std::env::var(PG_URL_VAR) {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = unique_name("ppp_test");
            let admin = Db::connect(&admin_url)
                .await
                .expect("connect to the PostgreSQL test server");
            ppp_registry::on_pool!(admin, pool => {
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(pool)
                    .await
                    .expect("create the test database");
            });
            admin.close().await;
            (with_database_name(&admin_url, &name), None)
        }
        _ => {
            let dir = std::env::temp_dir().join(unique_name("ppp-test"));
            std::fs::create_dir_all(&dir).expect("create the test directory");
            let url = format!("sqlite://{}", dir.join("registry.sqlite3").display());
            (url, Some(dir))
        }
    }
}

/// `postgres://u@h/admin?host=/tmp` with the database `name` instead of `admin`.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// The moment tests start at: a Saturday noon in Bishkek (06:00 UTC).
pub fn test_start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 6, 0, 0).unwrap()
}

/// The app on a fresh, migrated database, with a manual clock at [`test_start`].
pub async fn spawn() -> TestApp {
    let (url, sqlite_dir) = fresh_database().await;
    let db = Db::connect(&url).await.expect("connect to the test database");
    db.migrate().await.expect("migrate the test database");
    let clock = ManualClock::new(test_start());
    let upload_dir = std::env::temp_dir().join(unique_name("ppp-uploads"));
    let rocket = ppp_registry::build(Config::for_tests(&url, &upload_dir), db.clone(), clock.clone());
    let client = Client::tracked(rocket).await.expect("the app ignites");
    TestApp {
        client,
        db,
        clock,
        url,
        upload_dir,
        sqlite_dir,
    }
}

/// The app with the demo fixtures loaded.
pub async fn spawn_with_fixtures() -> TestApp {
    let app = spawn().await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let config = Config::for_tests(&app.url, &app.upload_dir);
    let blobs = ppp_registry::storage::blobs::LocalDirectory::new(&config.app.upload_dir);
    ppp_registry::fixtures::load_dir(&app.db, &dir, test_start(), true, config.app.keyring.as_deref(), &blobs)
        .await
        .expect("fixtures load");
    // As the binary does: the demo data is loaded before the first checkpoint is published.
    app.publish_checkpoint().await;
    app
}

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password";

impl TestApp {
    /// Another browser on the same app and database, with its own cookie jar.
    pub async fn browser(&self) -> Client {
        let config = Config::for_tests(&self.url, &self.upload_dir);
        let rocket = ppp_registry::build(config, self.db.clone(), self.clock.clone());
        Client::tracked(rocket).await.expect("the app ignites")
    }

    /// Publishes a checkpoint of the log as it stands, as the app does each interval.
    pub async fn publish_checkpoint(&self) -> Option<ppp_registry::domain::checkpoint::SignedCheckpoint> {
        let config = Config::for_tests(&self.url, &self.upload_dir);
        let key = config.app.log_key.expect("the test configuration has a signing key");
        ppp_registry::services::checkpoints::publish(&self.db, &key, &*self.clock)
            .await
            .expect("a checkpoint is published")
    }

    /// A bearer token for a demo account.
    pub async fn token(&self, email: &str) -> String {
        let response = self
            .client
            .post("/api/v1/auth/token")
            .header(ContentType::JSON)
            .body(serde_json::json!({"email": email, "password": DEMO_PASSWORD}).to_string())
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Created, "sign-in of {email}");
        let body: serde_json::Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
        body["token"].as_str().unwrap().to_string()
    }
}

/// The CSRF token a page handed this browser (from the page's hidden form field).
pub async fn csrf_token(browser: &Client) -> String {
    let html = browser.get("/sign-in").dispatch().await.into_string().await.unwrap();
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..start + 64].to_string()
}

/// Signs a browser in through the sign-in form; the response's status.
pub async fn sign_in_browser(browser: &Client, email: &str, password: &str) -> Status {
    let token = csrf_token(browser).await;
    browser
        .post("/sign-in")
        .header(ContentType::Form)
        .body(format!("csrf_token={token}&email={email}&password={password}"))
        .dispatch()
        .await
        .status()
}

impl TestApp {
    pub async fn get(&self, uri: &str) -> LocalResponse<'_> {
        self.client.get(uri.to_string()).dispatch().await
    }

    pub async fn get_json(&self, uri: &str) -> (Status, serde_json::Value) {
        let response = self.get(uri).await;
        let status = response.status();
        let text = response.into_string().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {text}"));
        (status, body)
    }

    pub async fn get_with(&self, uri: &str, header: (&'static str, &'static str)) -> (Status, String) {
        let response = self
            .client
            .get(uri.to_string())
            .header(Header::new(header.0, header.1))
            .dispatch()
            .await;
        let status = response.status();
        (status, response.into_string().await.unwrap_or_default())
    }
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        with_database_name("postgres://postgres@/postgres?host=/tmp/pg", "t1"),
        "postgres://postgres@/t1?host=/tmp/pg"
    );
    assert_eq!(
        with_database_name("postgres://u:p@localhost:5432/x", "t2"),
        "postgres://u:p@localhost:5432/t2"
    );
    assert_eq!(
        with_database_name("postgres://localhost", "t3"),
        "postgres://localhost/t3"
    );
}
