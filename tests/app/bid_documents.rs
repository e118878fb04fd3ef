//! Bid documents: sent with the bid (multipart), sealed into the blob store, listed by name and
//! SHA-256 on the receipt and inside its hash, kept or replaced by a replacement, refused by
//! type and number, sealed to everyone before the opening and read after it only by those who
//! may read the bid, each read recorded.

use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::bids::{bid, opened_by_chair, published_tender, recomputed};
use crate::documents::PDF;
use crate::projects::call;
use crate::support::{TestApp, spawn_with_fixtures};

const BOUNDARY: &str = "----ppp-bid-boundary";

/// A `meta` part holding the bid and one `file` part per document.
fn parts(meta: &Value, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{meta}\r\n").as_bytes());
    for (name, content) in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(*content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn send(app: &TestApp, put: bool, uri: &str, token: &str, body: Vec<u8>) -> (Status, Value) {
    let request = if put { app.client.put(uri) } else { app.client.post(uri) };
    let response = request
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY)))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(body)
        .dispatch()
        .await;
    let status = response.status();
    let text = response.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn download(app: &TestApp, uri: &str, token: &str) -> (Status, Option<String>, Vec<u8>) {
    let response = app
        .client
        .get(uri)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    let status = response.status();
    let kind = response.content_type().map(|c| c.to_string());
    (status, kind, response.into_bytes().await.unwrap_or_default())
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file under `dir`, read whole.
fn files_under(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    entries
        .flatten()
        .flat_map(|e| {
            if e.path().is_dir() {
                files_under(&e.path())
            } else {
                vec![std::fs::read(e.path()).unwrap_or_default()]
            }
        })
        .collect()
}

fn holds(bytes: &[u8], text: impl AsRef<[u8]>) -> bool {
    let text = text.as_ref();
    bytes.windows(text.len()).any(|w| w == text)
}

#[rocket::async_test]
async fn bid_documents_are_sealed_on_the_receipt_and_read_after_the_opening_by_the_bid_s_readers_only() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let bids = format!("/api/v1/tenders/{id}/bids");
    let mine = format!("/api/v1/tenders/{id}/bids/mine");
    let (b1, b2) = (app.token("bidder1@demo.kg").await, app.token("bidder2@demo.kg").await);
    let technical: Vec<u8> = [PDF, "Техническое предложение: котельная №3, TECH-7731".as_bytes()].concat();
    let scan: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR SCAN-4410 bank guarantee";
    let sent = bid(&["41234567.89", "41234567.89"]);

    // Refused before anything is kept: a type that is not accepted (told by content, not by
    // name), more than ten files.
    let (status, body) = send(&app, false, &bids, &b1, parts(&sent, &[("offer.pdf", b"plain text")])).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (Status::UnsupportedMediaType, json!("unsupported_media_type")),
        "{body}"
    );
    let eleven: Vec<(&str, &[u8])> = (0..11).map(|_| ("page.pdf", PDF)).collect();
    let (status, body) = send(&app, false, &bids, &b1, parts(&sent, &eleven)).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(
        body["error"]["fields"]["documents"],
        json!(["Слишком много элементов."]),
        "{body}"
    );
    let (status, body) = send(&app, false, &bids, &b1, parts(&json!({"offer": 1}), &[("a.pdf", PDF)])).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    let (status, body) = send(
        &app,
        false,
        &bids,
        &b1,
        parts(&sent, &[("a.pdf", PDF), ("empty.pdf", b"")]),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert!(body["error"]["fields"]["file.1"].is_array(), "{body}");
    // Refused bids stored nothing, not even ciphertext.
    assert_eq!(files_under(&app.upload_dir).len(), 0);
    assert_eq!(
        call(&app, "GET", &mine, Some(&b1), Value::Null).await.0,
        Status::NotFound
    );

    // Accepted: the receipt names each document with its SHA-256, and its hash covers them.
    let files: [(&str, &[u8]); 2] = [
        ("ТехПредложение-Котельная3.pdf", &technical),
        ("guarantee-scan.png", scan),
    ];
    let (status, receipt) = send(&app, false, &bids, &b1, parts(&sent, &files)).await;
    assert_eq!(status, Status::Created, "{receipt}");
    let documents = receipt["documents"].as_array().unwrap().clone();
    assert_eq!(documents.len(), 2);
    for (document, (name, content)) in documents.iter().zip(files) {
        assert_eq!(document["name"], name);
        assert_eq!(document["sha256"], sha256(content));
        assert_eq!(document["id"].as_str().unwrap().len(), 32);
    }
    assert_eq!(receipt["sha256"], json!(recomputed(&receipt, &sent, 1)));
    let (status, own) = call(&app, "GET", &mine, Some(&b1), Value::Null).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(own["receipt"]["documents"], json!(documents));
    let (_, b2_receipt) = send(&app, false, &bids, &b2, parts(&bid(&["40000000", "40000000"]), &[])).await;
    assert_eq!(b2_receipt["documents"], json!([]));

    // A replacement sent as JSON keeps the documents; one sent with files carries only those.
    let replacement = bid(&["40999999.99", "40999999.99"]);
    let (status, kept) = call(&app, "PUT", &mine, Some(&b1), replacement.clone()).await;
    assert_eq!(status, Status::Ok, "{kept}");
    assert_eq!(kept["documents"], json!(documents));
    assert_eq!(kept["sha256"], json!(recomputed(&kept, &replacement, 1)));
    let (status, kept_too) = send(&app, true, &mine, &b1, parts(&replacement, &[])).await;
    assert_eq!(status, Status::Ok, "{kept_too}");
    assert_eq!(
        kept_too["documents"],
        json!(documents),
        "a multipart replacement without files keeps them"
    );
    let (status, swapped) = send(
        &app,
        true,
        &mine,
        &b1,
        parts(&replacement, &[("ТехПредложение-Котельная3 v2.pdf", &technical)]),
    )
    .await;
    assert_eq!(status, Status::Ok, "{swapped}");
    let swapped_docs = swapped["documents"].as_array().unwrap().clone();
    assert_eq!(swapped_docs.len(), 1);
    assert_ne!(swapped_docs[0]["id"], documents[0]["id"], "a new document");
    assert_eq!(swapped_docs[0]["sha256"], sha256(&technical));

    // Neither the blob directory nor the database holds a document's content or name, or
    // the names' or contents' hashes.
    let blobs = files_under(&app.upload_dir);
    assert!(blobs.len() >= 3, "the ciphertexts are stored: {}", blobs.len());
    // Each padded to 64 KiB: a scan and a proposal of different sizes look alike.
    assert!(blobs.iter().all(|b| b.len() == blobs[0].len()), "sizes differ");
    for blob in &blobs {
        // Whole signatures only: a three-byte "PNG" turns up by chance in about one run in
        // two hundred of 64 KiB random ciphertexts.
        for secret in [&b"TECH-7731"[..], b"SCAN-4410", b"%PDF-1.", b"\x89PNG\r\n"] {
            assert!(
                !holds(blob, secret),
                "{:?} in the blob store",
                String::from_utf8_lossy(secret)
            );
        }
    }
    if let Some(path) = app.url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap();
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        assert!(holds(&bytes, "bid.submitted"), "the files read are the ones written");
        for secret in [
            "TECH-7731",
            "guarantee-scan",
            "Котельная3",
            documents[0]["sha256"].as_str().unwrap(),
        ] {
            assert!(!holds(&bytes, secret), "{secret} in the database files");
        }
    }

    // Before the opening a document is sealed to everyone, its own bidder and a reviewer too.
    let doc_uri = format!(
        "/api/v1/bids/{}/documents/{}",
        swapped["bid_id"].as_str().unwrap(),
        swapped_docs[0]["id"].as_str().unwrap()
    );
    let reviewer = app.token("reviewer@demo.kg").await;
    for token in [&b1, &reviewer] {
        let (status, _, body) = download(&app, &doc_uri, token).await;
        assert_eq!(status, Status::Conflict, "{}", String::from_utf8_lossy(&body));
        assert!(!holds(&body, "TECH-7731"));
    }

    // After the opening the protocol lists the documents; the bidding party, the approver and
    // the reviewers read them (recorded), another bidder may not, an earlier document is gone.
    let protocol = opened_by_chair(&app, &id).await;
    let entry = protocol["bids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["bid_id"] == swapped["bid_id"])
        .unwrap();
    assert_eq!(entry["hash_matches"], true);
    assert_eq!(entry["documents"], json!(swapped_docs));
    for email in ["bidder1@demo.kg", "approver.osh@demo.kg", "reviewer@demo.kg"] {
        let token = app.token(email).await;
        let (status, kind, body) = download(&app, &doc_uri, &token).await;
        assert_eq!(
            (status, kind.as_deref()),
            (Status::Ok, Some("application/pdf")),
            "{email}"
        );
        assert_eq!(body, technical, "{email}");
    }
    let b2 = app.token("bidder2@demo.kg").await;
    assert_eq!(download(&app, &doc_uri, &b2).await.0, Status::Forbidden);
    let b1 = app.token("bidder1@demo.kg").await;
    let reviewer = app.token("reviewer@demo.kg").await;
    let old = format!(
        "/api/v1/bids/{}/documents/{}",
        swapped["bid_id"].as_str().unwrap(),
        documents[0]["id"].as_str().unwrap()
    );
    assert_eq!(download(&app, &old, &b1).await.0, Status::NotFound);
    let (_, reads) = call(
        &app,
        "GET",
        "/api/v1/audit/events?action=bid.document_read",
        Some(&reviewer),
        Value::Null,
    )
    .await;
    assert_eq!(reads["items"].as_array().unwrap().len(), 3, "{reads}");
}

#[rocket::async_test]
async fn ciphertext_sealed_for_a_refused_bid_is_collected_after_its_grace_and_nothing_referred_to_goes() {
    use ppp_registry::services::blob_collection::{Collected, collect};
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let bids = format!("/api/v1/tenders/{id}/bids");
    let b1 = app.token("bidder1@demo.kg").await;
    let proposal: Vec<u8> = [PDF, "Техническое предложение".as_bytes()].concat();
    let sent = bid(&["41000000", "41000000"]);
    let (status, receipt) = send(&app, false, &bids, &b1, parts(&sent, &[("proposal.pdf", &proposal)])).await;
    assert_eq!(status, Status::Created, "{receipt}");
    // A second submission is sendable as far as the check before sealing can tell, so its file
    // is sealed and stored; its transaction then refuses it (the company has a bid).
    let (status, refused) = send(&app, false, &bids, &b1, parts(&sent, &[("again.pdf", &proposal)])).await;
    assert_eq!(status, Status::Conflict, "{refused}");
    assert_eq!(
        files_under(&app.upload_dir).len(),
        2,
        "the refused bid's ciphertext is left"
    );

    let blobs = ppp_registry::storage::blobs::LocalDirectory::new(&app.upload_dir);
    let ctx = ppp_registry::domain::audit::AuditContext::system();
    let hour = std::time::Duration::from_secs(3600);
    let fresh = collect(&app.db, &*app.clock, &ctx, &blobs, hour).await.unwrap();
    assert_eq!(fresh, Collected { removed: 0, kept: 0 }, "within the grace period");
    let due = collect(&app.db, &*app.clock, &ctx, &blobs, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(due, Collected { removed: 1, kept: 1 });
    assert_eq!(files_under(&app.upload_dir).len(), 1);
    let again = collect(&app.db, &*app.clock, &ctx, &blobs, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(again, Collected { removed: 0, kept: 1 });
    // Recorded once, for the collection that removed something.
    let collected: Vec<_> = crate::audit::all_events(&app.db)
        .await
        .into_iter()
        .filter(|e| e.action == "blobs.collected")
        .collect();
    assert_eq!(collected.len(), 1);
    let payload: Value = serde_json::from_str(&collected[0].payload).unwrap();
    assert_eq!(payload, json!({"removed": 1, "kept": 1, "grace_seconds": 0}));
    // The bid's own document is intact: it opens and reads whole after the opening.
    let protocol = opened_by_chair(&app, &id).await;
    assert_eq!(protocol["bids"][0]["document_faults"], json!([]));
    let uri = format!(
        "/api/v1/bids/{}/documents/{}",
        receipt["bid_id"].as_str().unwrap(),
        receipt["documents"][0]["id"].as_str().unwrap()
    );
    let reviewer = app.token("reviewer@demo.kg").await;
    let (status, _, body) = download(&app, &uri, &reviewer).await;
    assert_eq!((status, body), (Status::Ok, proposal));
}

/// Where the blob store keeps document `document_id`'s ciphertext.
async fn blob_path(app: &TestApp, document_id: &str) -> std::path::PathBuf {
    let (blob,): (String,) = ppp_registry::on_pool!(app.db, pool => {
        sqlx::query_as("SELECT blob FROM bid_documents WHERE id = $1")
            .bind(document_id)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    app.upload_dir.join(&blob[0..2]).join(&blob[2..4]).join(&blob)
}

#[rocket::async_test]
async fn the_opening_checks_each_listed_document_and_the_protocol_reports_the_missing_and_the_altered() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let bids = format!("/api/v1/tenders/{id}/bids");
    let (b1, b2, b3) = (
        app.token("bidder1@demo.kg").await,
        app.token("bidder2@demo.kg").await,
        app.token("bidder3@demo.kg").await,
    );
    let proposal: Vec<u8> = [PDF, "Техническое предложение ОсОО «Ош Транзит Карт»".as_bytes()].concat();
    let guarantee: Vec<u8> = [PDF, "Банковская гарантия BG-2026-118".as_bytes()].concat();
    let (s1, r1) = send(
        &app,
        false,
        &bids,
        &b1,
        parts(
            &bid(&["41000000", "41000000"]),
            &[("proposal.pdf", &proposal), ("guarantee.pdf", &guarantee)],
        ),
    )
    .await;
    let (s2, r2) = send(
        &app,
        false,
        &bids,
        &b2,
        parts(&bid(&["40500000", "40500000"]), &[("proposal.pdf", &guarantee[..20])]),
    )
    .await;
    let (s3, r3) = call(&app, "POST", &bids, Some(&b3), bid(&["40000000", "40000000"])).await;
    assert_eq!((s1, s2, s3), (Status::Created, Status::Created, Status::Created));
    let altered = r1["documents"][0]["id"].as_str().unwrap().to_string();
    let missing = r2["documents"][0]["id"].as_str().unwrap().to_string();

    // Someone with the blob directory flips a byte of one ciphertext and deletes another.
    let path = blob_path(&app, &altered).await;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    std::fs::remove_file(blob_path(&app, &missing).await).unwrap();

    let protocol = opened_by_chair(&app, &id).await;
    let entry = |receipt: &Value| {
        protocol["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["bid_id"] == receipt["bid_id"])
            .unwrap()
            .clone()
    };
    // The bids themselves are intact; their documents are reported, each by id and fault.
    for receipt in [&r1, &r2, &r3] {
        assert_eq!(entry(receipt)["hash_matches"], true);
        assert_eq!(entry(receipt)["documents"], receipt["documents"]);
    }
    assert_eq!(
        entry(&r1)["document_faults"],
        json!([{"id": altered, "fault": "altered"}])
    );
    assert_eq!(
        entry(&r2)["document_faults"],
        json!([{"id": missing, "fault": "missing"}])
    );
    assert_eq!(entry(&r3)["document_faults"], json!([]));
    // The public protocol says the same, and so does the opening's audit event.
    let (_, public) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/protocol"),
        None,
        Value::Null,
    )
    .await;
    assert_eq!(public["bids"], protocol["bids"]);
    let reviewer = app.token("reviewer@demo.kg").await;
    let (_, events) = call(
        &app,
        "GET",
        "/api/v1/audit/events?action=tender.opened",
        Some(&reviewer),
        Value::Null,
    )
    .await;
    let opened = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["entity_id"] == json!(id))
        .unwrap()
        .clone();
    let mut faulty: Vec<String> = opened["payload"]["document_faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    faulty.sort();
    let mut expected = vec![
        r1["bid_id"].as_str().unwrap().to_string(),
        r2["bid_id"].as_str().unwrap().to_string(),
    ];
    expected.sort();
    assert_eq!(faulty, expected, "{opened}");
    // The public tender page shows each fault beside its document.
    let page = app
        .client
        .get(format!("/tenders/{id}"))
        .header(Header::new("Accept-Language", "ru"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap_or_default();
    assert!(
        page.contains(r#"data-fault="altered">изменён: не совпадает с указанным хешем"#),
        "{page}"
    );
    assert!(page.contains(r#"data-fault="missing">отсутствует"#));
    // Documents are links only for those who may read them (the others would get a 403).
    assert!(
        !page.contains("/api/v1/bids/"),
        "an anonymous page links no bid document"
    );
    let (reviewer_browser, _) = crate::tenders::signed_in(&app, "reviewer@demo.kg").await;
    let reviewer_page = crate::bids::page_of(&reviewer_browser, &format!("/tenders/{id}")).await;
    assert!(reviewer_page.contains(&format!(
        "href=\"/api/v1/bids/{}/documents/{missing}\"",
        r2["bid_id"].as_str().unwrap()
    )));
    let (rival, _) = crate::tenders::signed_in(&app, "bidder3@demo.kg").await;
    let rival_page = crate::bids::page_of(&rival, &format!("/tenders/{id}")).await;
    assert!(
        !rival_page.contains("/api/v1/bids/"),
        "no link to the others' documents"
    );
    let (owner, _) = crate::tenders::signed_in(&app, "bidder2@demo.kg").await;
    let owner_page = crate::bids::page_of(&owner, &format!("/tenders/{id}")).await;
    let own_link = format!("/api/v1/bids/{}/documents/", r2["bid_id"].as_str().unwrap());
    let rival_link = format!("/api/v1/bids/{}/documents/", r1["bid_id"].as_str().unwrap());
    assert!(owner_page.contains(&own_link) && !owner_page.contains(&rival_link));
    // Offers are shown as money, grouped and labelled in the page's language.
    assert!(
        page.contains("41\u{a0}000\u{a0}000,00\u{a0}сом · 41\u{a0}000\u{a0}000,00\u{a0}сом"),
        "{page}"
    );
    // The intact document still reads whole; the missing one is not found.
    let intact = format!(
        "/api/v1/bids/{}/documents/{}",
        r1["bid_id"].as_str().unwrap(),
        r1["documents"][1]["id"].as_str().unwrap()
    );
    let (status, _, body) = download(&app, &intact, &reviewer).await;
    assert_eq!((status, body), (Status::Ok, guarantee.clone()));
    let gone = format!("/api/v1/bids/{}/documents/{missing}", r2["bid_id"].as_str().unwrap());
    assert_eq!(download(&app, &gone, &reviewer).await.0, Status::NotFound);
    // The altered one is refused in plain words, not with a server error.
    let changed = format!("/api/v1/bids/{}/documents/{altered}", r1["bid_id"].as_str().unwrap());
    let (status, _, body) = download(&app, &changed, &reviewer).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    assert_eq!(
        body["error"]["message"],
        "Документ не совпадает с хешем, указанным в заявке: он изменён после подачи заявки (это отражено в протоколе)."
    );
}
