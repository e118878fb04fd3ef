use ppp_registry::domain::audit::AuditContext;
use ppp_registry::domain::localized::LocalizedText;
use ppp_registry::domain::organization::{NewOrganization, OrganizationKind};
use ppp_registry::services::{ServiceError, organizations};
use ppp_registry::storage::types::{DbAmount, DbDecimal};
use ppp_registry::storage::{Engine, Tx};
use rust_decimal::Decimal;

use crate::support::spawn;

fn municipality(code: &str) -> NewOrganization {
    NewOrganization {
        kind: OrganizationKind::Municipality,
        name: LocalizedText {
            ru: format!("Айыл окмоту {code}"),
            ky: None,
            en: None,
        },
        code: Some(code.to_string()),
        inn: None,
        company: None,
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

#[rocket::async_test]
async fn migrations_are_idempotent() {
    let app = spawn().await;
    let before = app.db.schema_version().await.unwrap();
    app.db.migrate().await.unwrap();
    assert_eq!(app.db.schema_version().await.unwrap(), before);
    assert_eq!(before, app.db.latest_known_version());
}

/// Money and rates survive a round trip exactly, and SQL sums amounts exactly, on both engines.
#[rocket::async_test]
async fn money_and_rates_are_stored_exactly() {
    let app = spawn().await;
    let ddl = match app.db.engine() {
        Engine::Sqlite => "CREATE TEMPORARY TABLE figures (amount INTEGER NOT NULL, rate TEXT NOT NULL)",
        Engine::Postgres => "CREATE TEMPORARY TABLE figures (amount NUMERIC(20, 2) NOT NULL, rate NUMERIC NOT NULL)",
    };
    let mut tx: Tx = app.db.begin_write().await.unwrap();
    let amounts = ["1250000.10", "0.20", "79228162514.99"];
    let (sum, first, max_rate, refused) = ppp_registry::on_tx!(&mut tx, conn => {
        sqlx::query(ddl).execute(&mut *conn).await.unwrap();
        for (amount, rate) in amounts.iter().zip(["0.139257510466", "0.1", "12.5"]) {
            sqlx::query("INSERT INTO figures (amount, rate) VALUES ($1, $2)")
                .bind(DbAmount(dec(amount)))
                .bind(DbDecimal(dec(rate)))
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        let sum: DbAmount = sqlx::query_scalar("SELECT SUM(amount) FROM figures").fetch_one(&mut *conn).await.unwrap();
        let first: (DbAmount, DbDecimal) = sqlx::query_as("SELECT amount, rate FROM figures ORDER BY amount LIMIT 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let rates: Vec<DbDecimal> = sqlx::query_scalar("SELECT rate FROM figures").fetch_all(&mut *conn).await.unwrap();
        let max_rate = rates.into_iter().map(|r| r.0).max().unwrap();
        // Finer than a tyiyn: refused on SQLite by the encoder (never rounded); PostgreSQL's
        // NUMERIC(20, 2) would round, so the domain must round before storing (money.rs).
        let refused = sqlx::query("INSERT INTO figures (amount, rate) VALUES ($1, $2)")
            .bind(DbAmount(dec("0.005")))
            .bind(DbDecimal(dec("0")))
            .execute(&mut *conn)
            .await
            .is_err();
        (sum.0, first, max_rate, refused)
    });
    assert_eq!(sum, dec("79229412515.29"));
    assert_eq!(first.0.0.to_string(), "0.20");
    assert_eq!(first.1.0.to_string(), "0.1");
    assert_eq!(max_rate, dec("12.5"));
    assert_eq!(refused, app.db.engine() == Engine::Sqlite);
}

#[rocket::async_test]
async fn duplicate_municipality_codes_are_refused_and_change_nothing() {
    let app = spawn().await;
    organizations::create(&app.db, &*app.clock, &AuditContext::system(), &municipality("KARAKOL"))
        .await
        .unwrap();
    let again = organizations::create(&app.db, &*app.clock, &AuditContext::system(), &municipality("KARAKOL")).await;
    assert!(matches!(again, Err(ServiceError::Duplicate("code"))), "{again:?}");
    assert_eq!(
        ppp_registry::storage::organizations::count_all(&app.db).await.unwrap(),
        1
    );
}

#[rocket::async_test]
async fn invalid_organisations_are_refused_before_storage() {
    let app = spawn().await;
    let bad = NewOrganization {
        code: Some("karakol".into()),
        ..municipality("X")
    };
    let refused = organizations::create(&app.db, &*app.clock, &AuditContext::system(), &bad).await;
    let Err(ServiceError::Invalid(violations)) = refused else {
        panic!("expected a validation error, got {refused:?}");
    };
    assert_eq!(violations.fields().map(|(f, _)| f).collect::<Vec<_>>(), vec!["code"]);
    assert_eq!(
        ppp_registry::storage::organizations::count_all(&app.db).await.unwrap(),
        0
    );
}

/// Many writers at once, each reading then writing in one transaction, never see "database is
/// locked" (SQLite takes the write lock at BEGIN IMMEDIATE) and lose nothing.
#[rocket::async_test]
async fn concurrent_writers_all_succeed() {
    let app = spawn().await;
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let db = app.db.clone();
        let clock = app.clock.clone();
        tasks.push(rocket::tokio::spawn(async move {
            for n in 0..10u8 {
                let code = format!("W{}{}", (b'A' + writer) as char, (b'A' + n) as char);
                organizations::create(&db, &*clock, &AuditContext::system(), &municipality(&code)).await?;
            }
            Ok::<_, ServiceError>(())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(
        ppp_registry::storage::organizations::count_all(&app.db).await.unwrap(),
        80
    );
}

#[rocket::async_test]
async fn times_come_from_the_injected_clock() {
    let app = spawn().await;
    app.clock.advance(chrono::Duration::days(3));
    let org = organizations::create(&app.db, &*app.clock, &AuditContext::system(), &municipality("NARYN"))
        .await
        .unwrap();
    assert_eq!(org.created_at, crate::support::test_start() + chrono::Duration::days(3));
    let stored = ppp_registry::storage::organizations::find(&app.db, org.id)
        .await
        .unwrap();
    assert_eq!(stored, org);
}
