//! Fills a database with the demo fixtures and 100,000 generated projects, for the registry load
//! run (`benches/registry.sh`). `PPP_DATABASE_URL` names the (empty) database; `PPP_BENCH_PROJECTS`
//! changes the count.

use std::time::Instant;

use chrono::Utc;
use ppp_registry::domain::ids::UserId;
use ppp_registry::domain::localized::LocalizedText;
use ppp_registry::domain::money::{Currency, Money};
use ppp_registry::domain::project::{Initiation, PaymentMechanism, PppModel, ProjectFields, Sector, Stage};
use ppp_registry::storage::{Db, organizations, projects};
use rust_decimal::Decimal;

const WORDS: [&str; 12] = [
    "освещение",
    "транспорт",
    "рынок",
    "школа",
    "больница",
    "водопровод",
    "мост",
    "парк",
    "котельная",
    "дорога",
    "детский сад",
    "полигон",
];

#[rocket::main]
async fn main() {
    let url = std::env::var("PPP_DATABASE_URL").expect("PPP_DATABASE_URL names the database to fill");
    let count: usize = std::env::var("PPP_BENCH_PROJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let db = Db::connect(&url).await.expect("database");
    db.migrate().await.expect("migrate");
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    // The fixtures' sealed bids are sealed under a key of this run (the registry bench never
    // opens them).
    let (keyring, _) = ppp_registry::domain::sealing::Keyring::generate("bench").expect("a sealing key");
    let blobs = ppp_registry::storage::blobs::LocalDirectory::new(std::env::temp_dir().join("ppp-bench-blobs"));
    ppp_registry::fixtures::load_dir(&db, fixtures.as_ref(), Utc::now(), true, Some(&keyring), &blobs)
        .await
        .expect("fixtures");
    let osh = organizations::find_by_code(&db, "OSH").await.expect("Osh").id;
    let bishkek = organizations::find_by_code(&db, "BISH").await.expect("Bishkek").id;
    let started = Instant::now();
    let mut tx = db.begin_write().await.expect("begin");
    for i in 0..count {
        let word = WORDS[i % WORDS.len()];
        let fields = ProjectFields {
            title: LocalizedText {
                ru: format!("Проект {i}: {word} №{}", i % 997),
                ky: None,
                en: Some(format!("Project {i}")),
            },
            sector: Sector::ALL[i % Sector::ALL.len()],
            model: PppModel::ALL[i % PppModel::ALL.len()],
            initiation: Initiation::Public,
            description: format!("Сгенерированный проект для нагрузочного теста: {word}."),
            objectives: String::new(),
            address: String::new(),
            latitude: None,
            longitude: None,
            capital_cost: Money::new(
                Decimal::new(100_000_000 + (i as i64 % 5000) * 10_000_000, 2),
                Currency::Kgs,
            ),
            term_years: 5 + (i % 25) as u32,
            payment_mechanism: PaymentMechanism::ALL[i % 3],
            risks: Default::default(),
        };
        let municipality = if i % 2 == 0 { osh } else { bishkek };
        let project = projects::insert(&mut tx, municipality, &fields, UserId(3), None, Utc::now())
            .await
            .expect("insert");
        // Nine in ten are public (submitted, appraisal or approved); one in ten stays a draft.
        let stage = [
            Stage::Approved,
            Stage::Submitted,
            Stage::Appraisal,
            Stage::Approved,
            Stage::Approved,
        ][i % 5];
        if i % 10 != 0 {
            projects::set_stage(&mut tx, project.id, stage, None, None, None, Utc::now())
                .await
                .expect("stage");
        }
    }
    tx.commit().await.expect("commit");
    db.refresh_statistics().await.expect("statistics");
    println!("filled {count} projects in {:.1} s", started.elapsed().as_secs_f64());
}
