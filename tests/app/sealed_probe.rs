//! The sealed-bid probe: before the opening every role (anonymous, another bidder, officer,
//! approver, commission member and chair, reviewer, administrator, and the bidder itself) tries
//! every page and API route that reads, and the exports, against a tender holding a sealed bid
//! with a document. The bid-reading routes refuse them all (each caller's refusal recorded); no
//! answer carries the bid's figures, salt or documents; and, for all but the reviewers and the
//! bidding party, neither the bid's identity nor a trace of its existence: what they read of the
//! tender, its page and the log is byte for byte what they read before the bid.

use rocket::http::{ContentType, Header, Method, Status};
use rocket::local::asynchronous::Client;
use serde_json::Value;

use crate::bids::{bid, published_tender};
use crate::documents::PDF;
use crate::projects::call;
use crate::support::{DEMO_PASSWORD, TestApp, sign_in_browser, spawn_with_fixtures};

const BOUNDARY: &str = "----ppp-probe-boundary";

struct Prober {
    label: &'static str,
    browser: Client,
    token: Option<String>,
    /// Reviewers and the bidding party may know who bid.
    may_know_bidder: bool,
    /// The bidding party reads its own receipt (its salt, its documents' names and hashes).
    bidding_party: bool,
}

async fn probers(app: &TestApp) -> Vec<Prober> {
    let mut all = vec![Prober {
        label: "anonymous",
        browser: app.browser().await,
        token: None,
        may_know_bidder: false,
        bidding_party: false,
    }];
    for (email, may_know_bidder) in [
        ("bidder2@demo.kg", false),
        ("officer.osh@demo.kg", false),
        ("approver.osh@demo.kg", false),
        ("member.osh@demo.kg", false),
        ("chair.osh@demo.kg", false),
        ("admin@demo.kg", false),
        ("reviewer@demo.kg", true),
        ("bidder1@demo.kg", true),
    ] {
        let browser = app.browser().await;
        assert_eq!(sign_in_browser(&browser, email, DEMO_PASSWORD).await, Status::SeeOther);
        all.push(Prober {
            label: email,
            browser,
            token: Some(app.token(email).await),
            may_know_bidder,
            bidding_party: email == "bidder1@demo.kg",
        });
    }
    all
}

async fn get(prober: &Prober, uri: &str) -> (Status, String) {
    let mut request = prober
        .browser
        .get(uri.to_string())
        .header(Header::new("Accept-Language", "ru"));
    if let (true, Some(token)) = (uri.starts_with("/api/"), &prober.token) {
        request = request.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    let response = request.dispatch().await;
    let status = response.status();
    let bytes = response.into_bytes().await.unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// What each role reads of the tender, its page and the log: compared before and after the bid.
/// (Not the exports: each is itself an event of the log. The probe below reads them.)
fn observed(tender: &str) -> Vec<String> {
    vec![
        format!("/api/v1/tenders/{tender}"),
        format!("/tenders/{tender}"),
        "/api/v1/tenders?limit=200".into(),
        "/tenders".into(),
        "/api/v1/audit/events?limit=200".into(),
        "/audit".into(),
    ]
}

#[rocket::async_test]
async fn before_the_opening_no_role_reads_a_sealed_bid_or_learns_that_it_exists_by_any_route() {
    let app = spawn_with_fixtures().await;
    let tender = published_tender(&app).await;
    let project = app.get_json(&format!("/api/v1/tenders/{tender}")).await.1["project_id"]
        .as_str()
        .unwrap()
        .to_string();
    let probers = probers(&app).await;
    let mut before = Vec::new();
    for prober in &probers {
        for uri in observed(&tender) {
            before.push(get(prober, &uri).await);
        }
    }

    // bidder1's sealed bid with a document.
    let sent = bid(&["41234567.89", "41234567.89"]);
    let mut body = Vec::new();
    body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{sent}\r\n").as_bytes());
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Probe-Секрет-Предложение.pdf\"\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend([PDF, b"PROBE-TECH-5150"].concat());
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    // With the token bidder1 already holds: a new one would be an event an administrator sees.
    let token = probers
        .iter()
        .find(|p| p.bidding_party)
        .and_then(|p| p.token.clone())
        .unwrap();
    let response = app
        .client
        .post(format!("/api/v1/tenders/{tender}/bids"))
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY)))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(body)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Created);
    let receipt: Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    let bid_id = receipt["bid_id"].as_str().unwrap().to_string();
    let document = receipt["documents"][0]["id"].as_str().unwrap().to_string();
    // The content: nobody's before the opening, the bidder's own included.
    let content = ["41234567".to_string(), "PROBE-TECH-5150".into()];
    // The receipt's secrets: the bidding party's alone.
    let receipt_only = [
        "Probe-Секрет".to_string(),
        receipt["salt"].as_str().unwrap().into(),
        receipt["documents"][0]["sha256"].as_str().unwrap().into(),
    ];
    let identity = [bid_id.clone(), receipt["sha256"].as_str().unwrap().to_string()];

    // What the others read of the tender, its page and the log is unchanged by the bid.
    let mut after = Vec::new();
    for prober in &probers {
        for uri in observed(&tender) {
            after.push(get(prober, &uri).await);
        }
    }
    let uris = observed(&tender);
    for (i, (was, is)) in before.iter().zip(&after).enumerate() {
        let prober = &probers[i / uris.len()];
        let uri = &uris[i % uris.len()];
        if !prober.may_know_bidder {
            assert_eq!(was, is, "{} GET {uri} changed with a sealed bid", prober.label);
        }
    }

    // Every page and API route that reads, with the tender's, project's, bid's and document's
    // ids where it takes them, and the exports in each format.
    let mut uris: Vec<String> = app
        .client
        .rocket()
        .routes()
        .filter(|r| r.method == Method::Get)
        .map(|r| r.uri.path().to_string())
        .filter(|p| !p.contains("<path..>") && !p.contains("<date>") && !p.contains("<code>"))
        .map(|p| {
            let id = if p.contains("/projects/") { &project } else { &tender };
            p.replace("<id>", id)
                .replace("<bid_id>", &bid_id)
                .replace("<document_id>", &document)
        })
        .collect();
    uris.sort();
    uris.dedup();
    uris.extend([
        "/api/v1/audit/export?format=csv".to_string(),
        "/api/v1/audit/export?format=jsonl".into(),
        "/api/v1/audit/events?entity_type=bid&limit=200".to_string(),
        format!("/api/v1/tenders/{tender}/bids/mine/receipt"),
    ]);
    let sealed = [
        format!("/api/v1/tenders/{tender}/bids"),
        format!("/api/v1/tenders/{tender}/protocol"),
        format!("/api/v1/bids/{bid_id}"),
        format!("/api/v1/bids/{bid_id}/documents/{document}"),
    ];
    let mut failures = Vec::new();
    for prober in &probers {
        for uri in &uris {
            let (status, text) = get(prober, uri).await;
            let own = if prober.bidding_party {
                &[][..]
            } else {
                &receipt_only[..]
            };
            for secret in content.iter().chain(own) {
                if text.contains(secret.as_str()) {
                    failures.push(format!("{} GET {uri} ({status}): the bid's {secret}", prober.label));
                }
            }
            if !prober.may_know_bidder {
                for id in &identity {
                    if text.contains(id.as_str()) {
                        failures.push(format!("{} GET {uri} ({status}): the bid's identity", prober.label));
                    }
                }
            }
            if sealed.contains(uri) {
                let refused = status == Status::Conflict || (prober.token.is_none() && status == Status::Unauthorized);
                if !refused {
                    failures.push(format!("{} GET {uri}: {status}, not refused", prober.label));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Every caller's refusal is recorded, once per burst, for the reviewers to see.
    let reviewer = app.token("reviewer@demo.kg").await;
    let (_, refusals) = call(
        &app,
        "GET",
        "/api/v1/audit/events?action=tender.sealed_read_refused&limit=200",
        Some(&reviewer),
        Value::Null,
    )
    .await;
    assert_eq!(refusals["items"].as_array().unwrap().len(), probers.len(), "{refusals}");
}
