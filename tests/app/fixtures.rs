use std::path::PathBuf;

use chrono::Duration;
use ppp_registry::config::Config;
use ppp_registry::fixtures::{LoadOutcome, load_dir};
use ppp_registry::storage::{organizations, users};

use crate::support::{spawn, test_start, unique_name};

fn demo_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The keys the test app seals and opens bids with.
fn keyring(app: &crate::support::TestApp) -> Option<std::sync::Arc<ppp_registry::domain::sealing::Keyring>> {
    Config::for_tests(&app.url, &app.upload_dir).app.keyring
}

fn blobs(app: &crate::support::TestApp) -> ppp_registry::storage::blobs::LocalDirectory {
    ppp_registry::storage::blobs::LocalDirectory::new(&app.upload_dir)
}

#[rocket::async_test]
async fn fixtures_replay_through_the_app_with_times_relative_to_loading() {
    let app = spawn().await;
    let keys = keyring(&app);
    let outcome = load_dir(
        &app.db,
        &demo_fixtures(),
        test_start(),
        false,
        keys.as_deref(),
        &blobs(&app),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        LoadOutcome::Loaded {
            files: 9,
            steps: 9,
            skipped: 121
        }
    );
    // Outside demo mode no account with a known password exists.
    assert!(users::list(&app.db, None, None, 50).await.unwrap().is_empty());
    let all = organizations::list_public(&app.db, None, None, 50).await.unwrap();
    let summary: Vec<_> = all
        .iter()
        .map(|o| (o.kind.as_str(), o.code.as_deref(), o.created_at))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("antimonopoly", None, test_start() - Duration::days(720)),
            ("municipality", Some("BISH"), test_start() - Duration::days(719)),
            ("municipality", Some("OSH"), test_start() - Duration::days(718)),
        ]
    );
}

#[rocket::async_test]
async fn fixtures_load_only_into_an_empty_database() {
    let app = spawn().await;
    let keys = keyring(&app);
    let first = load_dir(
        &app.db,
        &demo_fixtures(),
        test_start(),
        true,
        keys.as_deref(),
        &blobs(&app),
    )
    .await
    .unwrap();
    assert_eq!(
        first,
        LoadOutcome::Loaded {
            files: 9,
            steps: 130,
            skipped: 0
        }
    );
    let again = load_dir(
        &app.db,
        &demo_fixtures(),
        test_start(),
        true,
        keys.as_deref(),
        &blobs(&app),
    )
    .await
    .unwrap();
    assert_eq!(again, LoadOutcome::SkippedNotEmpty);
    assert_eq!(organizations::count_all(&app.db).await.unwrap(), 9);
    assert_eq!(users::list(&app.db, None, None, 50).await.unwrap().len(), 18);
}

#[rocket::async_test]
async fn a_bad_step_names_its_file_and_number() {
    let app = spawn().await;
    let dir = std::env::temp_dir().join(unique_name("ppp-fixtures"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("01.json"),
        r#"{"steps": [
            {"op": "create_organization", "at": "-1d", "kind": "municipality", "code": "TALAS", "name": {"ru": "Мэрия города Талас"}},
            {"op": "create_organization", "at": "-1d", "kind": "municipality", "code": "talas", "name": {"ru": "Дубль"}}
        ]}"#,
    )
    .unwrap();
    let err = load_dir(&app.db, &dir, test_start(), false, None, &blobs(&app))
        .await
        .unwrap_err()
        .to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        err.ends_with("01.json: step 2: invalid: code: municipality_code"),
        "{err}"
    );
}
