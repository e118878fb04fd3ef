//! The role matrix: every mounted route, for every role and for anonymous callers, against the
//! permission table (src/web/permissions.rs). A route missing from the table fails here.

use ppp_registry::domain::access::{Identity, Role};
use ppp_registry::domain::ids::{OrgId, UserId};
use ppp_registry::domain::localized::LocalizedText;
use ppp_registry::web::permissions::{self, ROUTES};
use rocket::http::{ContentType, Header, Method, Status};
use rocket::local::asynchronous::Client;

use crate::support::{DEMO_PASSWORD, TestApp, csrf_token, sign_in_browser, spawn_with_fixtures};

/// One caller of the matrix: anonymous, or a demo account holding one role.
struct Caller {
    label: &'static str,
    role: Option<Role>,
    browser: Client,
    token: Option<String>,
    csrf: String,
}

const ACCOUNTS: [(&str, Role); 6] = [
    ("officer.osh@demo.kg", Role::Officer),
    ("approver.osh@demo.kg", Role::Approver),
    // The chair: opening bids is the chair's (or deputy's) among commission members.
    ("chair.osh@demo.kg", Role::Commission),
    ("bidder1@demo.kg", Role::Bidder),
    ("reviewer@demo.kg", Role::Reviewer),
    ("admin@demo.kg", Role::Admin),
];

async fn callers(app: &TestApp) -> Vec<Caller> {
    let anonymous = app.browser().await;
    let csrf = csrf_token(&anonymous).await;
    let mut all = vec![Caller {
        label: "anonymous",
        role: None,
        browser: anonymous,
        token: None,
        csrf,
    }];
    for (email, role) in ACCOUNTS {
        let browser = app.browser().await;
        assert_eq!(sign_in_browser(&browser, email, DEMO_PASSWORD).await, Status::SeeOther);
        let csrf = csrf_token(&browser).await;
        all.push(Caller {
            label: email,
            role: Some(role),
            browser,
            token: Some(app.token(email).await),
            csrf,
        });
    }
    all
}

/// A stand-in identity with the caller's role, for asking the table what it allows.
fn identity(role: Role) -> Identity {
    Identity {
        user_id: UserId(1),
        email: String::new(),
        full_name: String::new(),
        organization_id: OrgId(1),
        organization_kind: role.organization_kind(),
        organization_name: LocalizedText {
            ru: String::new(),
            ky: None,
            en: None,
        },
        roles: vec![role],
        chair: false,
        deputy_chair: false,
    }
}

#[rocket::async_test]
async fn every_route_answers_every_role_as_the_permission_table_says() {
    let app = spawn_with_fixtures().await;
    let osh = ppp_registry::storage::organizations::find_by_code(&app.db, "OSH")
        .await
        .unwrap()
        .id;
    let member = ppp_registry::storage::users::find_for_sign_in(&app.db, "member.bishkek@demo.kg")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;

    let mut mounted: Vec<(Method, String)> = app
        .client
        .rocket()
        .routes()
        .map(|r| (r.method, r.uri.path().to_string()))
        .collect();
    mounted.sort_by_key(|(method, path)| {
        // Routes that end the caller's sessions go last (each signs the browser in afresh
        // first), and the one that revokes the caller's token after them.
        let rank = match (method, path.as_str()) {
            (Method::Delete, "/api/v1/auth/token") => 2,
            (Method::Delete, _) | (_, "/sign-out" | "/sign-out-everywhere") => 1,
            _ => 0,
        };
        (rank, path.clone(), method.as_str())
    });
    // One path answered by two routes (a JSON body or a multipart one) is one row: the same
    // rule decides both.
    mounted.dedup();
    let missing: Vec<String> = mounted
        .iter()
        .filter(|(m, p)| permissions::rule_for(m.as_str(), p).is_none())
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from the permission table: {missing:?}"
    );
    let stale: Vec<_> = ROUTES
        .iter()
        .filter(|r| !mounted.iter().any(|(m, p)| m.as_str() == r.method && p == r.path))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(stale.is_empty(), "table rows with no route: {stale:?}");

    // A public document on Osh's e-ticketing project, for the download route.
    let officer = ppp_registry::storage::users::find_for_sign_in(&app.db, "officer.osh@demo.kg")
        .await
        .unwrap()
        .unwrap()
        .0;
    let officer = ppp_registry::storage::users::active_identity(&app.db, officer.id)
        .await
        .unwrap()
        .unwrap();
    let blobs = ppp_registry::storage::blobs::LocalDirectory::new(&app.upload_dir);
    let meta = ppp_registry::domain::document::UploadMeta {
        kind: ppp_registry::domain::document::DocumentKind::FeasibilityStudy,
        title: "ТЭО".into(),
        visibility: ppp_registry::domain::document::DocumentVisibility::Public,
    };
    let document = ppp_registry::services::documents::upload(
        &app.db,
        &blobs,
        &*app.clock,
        &ppp_registry::domain::audit::AuditContext::system(),
        &officer,
        2,
        &meta,
        "teo.pdf",
        ppp_registry::services::documents::Content::Bytes(b"%PDF-1.7 feasibility study"),
        1 << 20,
    )
    .await
    .unwrap();

    // Osh's e-ticketing tender, published in the fixtures, and its question.
    let (_, open) = app.get_json("/api/v1/tenders?status=active_enquiries").await;
    let tender = open["items"][0]["id"].as_str().unwrap().to_string();
    let (_, questions) = app.get_json(&format!("/api/v1/tenders/{tender}/questions")).await;
    let question = questions["items"][0]["id"].as_str().unwrap().to_string();
    // For the bid routes: bidder 2's sealed bid on it (in the fixtures), replaced to invite the
    // matrix bidder's company into its consortium.
    let lead = app.token("bidder2@demo.kg").await;
    let invited = ppp_registry::storage::users::find_for_sign_in(&app.db, "bidder1@demo.kg")
        .await
        .unwrap()
        .unwrap()
        .0
        .organization_id;
    let replacement = serde_json::json!({
        "consortium": {"lead_role": "оператор", "lead_share": "80",
                       "members": [{"company_id": invited.0.to_string(), "role": "подрядчик", "share": "20"}]},
        "offer": {"currency": "KGS", "amount": "13.90"},
        "bid_security": {"issuer": "ОАО «Оптима Банк»", "reference": "ГО-5521", "amount": {"amount": "1850000", "currency": "KGS"}},
        "declarations": {"eligible": true, "no_collusion": true, "accepts_terms": true}
    });
    let uri = format!("/api/v1/tenders/{tender}/bids/mine");
    let (status, receipt) = crate::projects::call(&app, "PUT", &uri, Some(&lead), replacement).await;
    assert_eq!(status, Status::Ok, "{receipt}");
    let bid = receipt["bid_id"].as_str().unwrap().to_string();
    // For the complaint routes: the matrix bidder's complaint against the tender's terms.
    let (status, complaint) = crate::projects::call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{tender}/complaints"),
        Some(&app.token("bidder1@demo.kg").await),
        serde_json::json!({"against": "terms", "grounds": "Срок подачи заявок слишком короткий", "remedy": "Продлить срок"}),
    )
    .await;
    assert_eq!(status, Status::Created, "{complaint}");
    let complaint = complaint["id"].as_str().unwrap().to_string();
    // For a complaint's document: the proposed winner's complaint, with a file, against the award
    // on Osh's boiler-house tender (the matrix bidder's company is a consortium member in that
    // protocol, so it reads complaints against the award there).
    let (_, standstill) = app.get_json("/api/v1/tenders?status=standstill").await;
    let heating = standstill["items"][0]["id"].as_str().unwrap().to_string();
    let response = app
        .client
        .post(format!("/api/v1/tenders/{heating}/complaints"))
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", crate::documents::BOUNDARY)))
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", app.token("bidder3@demo.kg").await),
        ))
        .body(crate::documents::multipart(
            &serde_json::json!({"against": "award", "grounds": "Тариф победителя ниже себестоимости", "remedy": "Запросить обоснование"}),
            "обоснование.pdf",
            crate::documents::PDF,
        ))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Created);
    let with_document: serde_json::Value =
        serde_json::from_str(&response.into_string().await.unwrap_or_default()).unwrap();
    let complaint_document = (
        with_document["id"].as_str().unwrap().to_string(),
        with_document["documents"][0]["id"].as_str().unwrap().to_string(),
    );

    // For the contract routes: a contract of Osh's, drafted and signed on a test tender awarded
    // to the matrix bidder's company; the clock then goes back to the fixtures' time.
    let contract = crate::contracts::signed_osh_contract(&app).await;
    app.clock.set(crate::support::test_start());

    let callers = callers(&app).await;
    let mut failures = Vec::new();
    let mut outcomes = Vec::new();
    for (method, path) in &mounted {
        let rule = permissions::rule_for(method.as_str(), path).unwrap();
        let id = if path.contains("/users/") {
            member.to_string()
        } else if path.starts_with("/api/v1/documents/") {
            document.id.clone()
        } else if path.contains("/projects/") {
            // Osh's e-ticketing project, in tender (public) in the fixtures.
            "2".to_string()
        } else if path.contains("/tenders/") {
            tender.clone()
        } else if path.contains("/questions/") {
            question.clone()
        } else if path.contains("/complaints/") {
            complaint.clone()
        } else if path.contains("/contracts/") {
            contract.clone()
        } else {
            osh.to_string()
        };
        let (id, document_id) = if path.starts_with("/api/v1/complaints/<id>/documents/") {
            complaint_document.clone()
        } else {
            (id, "0123456789abcdef0123456789abcdef".to_string())
        };
        let uri = path
            .replace("<id>", &id)
            .replace("<code>", "en")
            .replace("<bid_id>", &bid)
            .replace("<document_id>", &document_id)
            .replace("<kind>", "financial_close")
            // Each holiday route removes its own (the page's runs before the API's).
            .replace(
                "<date>",
                if path.starts_with("/api/") {
                    "2027-01-07"
                } else {
                    "2027-01-01"
                },
            );
        let api = path.starts_with("/api/");
        for caller in &callers {
            let mut csrf = caller.csrf.clone();
            if caller.role.is_some() && (path == "/sign-out" || path == "/sign-out-everywhere") {
                assert_eq!(
                    sign_in_browser(&caller.browser, caller.label, DEMO_PASSWORD).await,
                    Status::SeeOther
                );
                csrf = csrf_token(&caller.browser).await;
            }
            let mut request = caller.browser.req(*method, uri.clone());
            if api {
                request = request.header(ContentType::JSON).body("{}");
                if let Some(token) = &caller.token {
                    request = request.header(Header::new("Authorization", format!("Bearer {token}")));
                }
            } else if *method == Method::Post {
                request = request.header(ContentType::Form).body(format!("csrf_token={csrf}"));
            }
            let status = request.dispatch().await.status();
            outcomes.push(format!("{method} {path} {} {}", caller.label, status.code));
            let who = caller.role.map(identity);
            let expected_ok = rule.access.allows(who.as_ref());
            let ok = match (expected_ok, &caller.role) {
                // Allowed: any answer but a refusal, and never a server error.
                (true, _) => {
                    ![Status::Unauthorized, Status::Forbidden, Status::NotFound].contains(&status) && status.code < 500
                }
                (false, None) => status == Status::Unauthorized,
                (false, Some(_)) => status == Status::Forbidden,
            };
            if !ok {
                failures.push(format!(
                    "{method} {uri} as {}: {status} (allowed: {expected_ok})",
                    caller.label
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // And each answer exactly as recorded (the same on both engines).
    let expected_file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/role-matrix.txt");
    let actual = outcomes.join("\n") + "\n";
    if std::env::var("PPP_WRITE_ROLE_MATRIX").is_ok_and(|v| v == "1") {
        std::fs::write(expected_file, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(expected_file).unwrap_or_default();
    let differences: Vec<String> = expected
        .lines()
        .zip(actual.lines())
        .filter(|(e, a)| e != a)
        .map(|(e, a)| format!("expected {e}\n     got {a}"))
        .collect();
    assert!(
        differences.is_empty() && expected.lines().count() == actual.lines().count(),
        "the role matrix differs from tests/data/role-matrix.txt ({} vs {} lines; rewrite it with \
         PPP_WRITE_ROLE_MATRIX=1 once the change is intended):\n{}",
        expected.lines().count(),
        actual.lines().count(),
        differences.join("\n")
    );
}

#[rocket::async_test]
async fn another_organisations_private_records_are_404() {
    let app = spawn_with_fixtures().await;
    let bidder1_company = ppp_registry::storage::users::find_for_sign_in(&app.db, "bidder1@demo.kg")
        .await
        .unwrap()
        .unwrap()
        .0
        .organization_id;
    let uri = format!("/api/v1/organizations/{bidder1_company}");
    let get = |token: Option<String>| {
        let client = &app.client;
        let uri = uri.clone();
        async move {
            let mut request = client.get(uri);
            if let Some(token) = token {
                request = request.header(Header::new("Authorization", format!("Bearer {token}")));
            }
            let response = request.dispatch().await;
            let status = response.status();
            let body: serde_json::Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
            (status, body)
        }
    };
    assert_eq!(get(None).await.0, Status::NotFound);
    for outsider in ["bidder2@demo.kg", "officer.osh@demo.kg"] {
        let (status, body) = get(Some(app.token(outsider).await)).await;
        assert_eq!(status, Status::NotFound, "{outsider}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    for insider in ["bidder1@demo.kg", "reviewer@demo.kg", "admin@demo.kg"] {
        let (status, body) = get(Some(app.token(insider).await)).await;
        assert_eq!(status, Status::Ok, "{insider}");
        assert_eq!(
            body["company"]["beneficial_owners"][0]["share_percent"], "60",
            "{insider}"
        );
        assert_eq!(
            body["identifier"],
            serde_json::json!({"scheme": "KG-INN", "id": "01204200910123"})
        );
    }
}

/// The README shows the permission table exactly as the code has it.
#[test]
fn the_readme_shows_the_current_permission_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = permissions::markdown();
    assert!(
        readme.contains(&table),
        "README.md's permission table is out of date; replace it with:\n{table}"
    );
}
