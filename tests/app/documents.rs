//! Documents: upload by content type, stored once per content, versions, visibility, audited
//! downloads.

use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::support::{TestApp, spawn_with_fixtures};

pub(crate) const BOUNDARY: &str = "----ppp-test-boundary";

pub(crate) fn multipart(meta: &Value, filename: &str, content: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{meta}\r\n").as_bytes());
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(content);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    project: &str,
    meta: Value,
    filename: &str,
    content: &[u8],
) -> (Status, Value) {
    let response = app
        .client
        .post(format!("/api/v1/projects/{project}/documents"))
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY)))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(multipart(&meta, filename, content))
        .dispatch()
        .await;
    let status = response.status();
    (
        status,
        serde_json::from_str(&response.into_string().await.unwrap_or_default()).unwrap_or(Value::Null),
    )
}

fn files_in(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| if e.path().is_dir() { files_in(&e.path()) } else { 1 })
        .sum()
}

pub(crate) const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";

#[rocket::async_test]
async fn a_document_uploaded_twice_is_stored_once_and_versioned() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let meta = json!({"kind": "feasibility_study", "title": "ТЭО АСОП Ош", "visibility": "public"});
    let (status, first) = upload(&app, &officer, "2", meta.clone(), "teo-v1.pdf", PDF).await;
    assert_eq!(status, Status::Created, "{first}");
    assert_eq!(
        (first["version"].clone(), first["file_type"].clone()),
        (json!(1), json!("pdf"))
    );
    let sha = first["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha.len(), 64);
    let (status, second) = upload(&app, &officer, "2", meta, "teo-copy.pdf", PDF).await;
    assert_eq!(status, Status::Created);
    assert_eq!(second["version"], 2);
    assert_eq!(second["sha256"], sha.as_str());
    assert_eq!(files_in(&app.upload_dir), 1, "the same content is stored once");

    // Anyone may download a public document of a public project.
    let response = app
        .get(&format!("/api/v1/documents/{}", first["id"].as_str().unwrap()))
        .await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.content_type(), Some(ContentType::PDF));
    assert_eq!(response.into_bytes().await.unwrap(), PDF);
    let (status, listed) = app.get_json("/api/v1/projects/2/documents").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
}

#[rocket::async_test]
async fn a_renamed_executable_is_refused_as_the_wrong_type() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let meta = json!({"kind": "vfm_report", "title": "Отчёт VfM", "visibility": "public"});
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0";
    let (status, body) = upload(&app, &officer, "2", meta, "vfm-report.pdf", elf).await;
    assert_eq!(status, Status::UnsupportedMediaType);
    assert_eq!(body["error"]["code"], "unsupported_media_type");
    assert_eq!(files_in(&app.upload_dir), 0, "nothing stored");
    let (_, listed) = app.get_json("/api/v1/projects/2/documents").await;
    assert!(listed["items"].as_array().unwrap().is_empty());
}

#[rocket::async_test]
async fn internal_documents_stay_inside_and_their_downloads_are_audited() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let meta = json!({"kind": "affordability_report", "title": "Бюджетный прогноз", "visibility": "internal"});
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    let (status, doc) = upload(&app, &officer, "2", meta, "forecast.png", png).await;
    assert_eq!(status, Status::Created);
    let uri = format!("/api/v1/documents/{}", doc["id"].as_str().unwrap());
    assert_eq!(app.get(&uri).await.status(), Status::NotFound, "anonymous");
    let bidder = app.token("bidder2@demo.kg").await;
    let outsider = app
        .client
        .get(uri.clone())
        .header(Header::new("Authorization", format!("Bearer {bidder}")))
        .dispatch()
        .await;
    assert_eq!(outsider.status(), Status::NotFound);
    let (_, listed) = app.get_json("/api/v1/projects/2/documents").await;
    assert!(listed["items"].as_array().unwrap().is_empty(), "not listed publicly");

    let reviewer = app.token("reviewer@demo.kg").await;
    let response = app
        .client
        .get(uri)
        .header(Header::new("Authorization", format!("Bearer {reviewer}")))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.content_type(), Some(ContentType::PNG));
    let downloads = ppp_registry::storage::audit::list(
        &app.db,
        &ppp_registry::storage::audit::EventFilter {
            action: Some("document.downloaded".into()),
            ..Default::default()
        },
        ppp_registry::storage::audit::Visibility::Everything,
        None,
        10,
        crate::support::test_start(),
    )
    .await
    .unwrap();
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].actor.name, "Асанова Чолпон Бакытовна");

    let bishkek = app.token("officer.bishkek@demo.kg").await;
    let meta = json!({"kind": "other", "title": "Чужой", "visibility": "public"});
    assert_eq!(
        upload(&app, &bishkek, "2", meta, "x.pdf", PDF).await.0,
        Status::Forbidden
    );
}

#[rocket::async_test]
async fn each_version_keeps_its_own_visibility() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let title = "Проект концессионного соглашения";
    let internal = json!({"kind": "other", "title": title, "visibility": "internal"});
    let public = json!({"kind": "other", "title": title, "visibility": "public"});
    let (status, first) = upload(
        &app,
        &officer,
        "2",
        internal.clone(),
        "draft-v1.pdf",
        b"%PDF-1.7 internal draft",
    )
    .await;
    assert_eq!(status, Status::Created, "{first}");
    let (_, second) = upload(
        &app,
        &officer,
        "2",
        public,
        "redacted-v2.pdf",
        b"%PDF-1.7 redacted for publication",
    )
    .await;
    let (_, third) = upload(
        &app,
        &officer,
        "2",
        internal,
        "draft-v3.pdf",
        b"%PDF-1.7 next internal draft",
    )
    .await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    let client = &app.client;
    let anonymous = |uri: String| async move { client.get(uri).dispatch().await.status() };
    // Publishing the redacted version did not publish the draft before it, and the next
    // internal draft did not withdraw the published one.
    assert_eq!(
        anonymous(format!("/api/v1/documents/{}", id(&first))).await,
        Status::NotFound
    );
    assert_eq!(
        anonymous(format!("/api/v1/documents/{}", id(&second))).await,
        Status::Ok
    );
    assert_eq!(
        anonymous(format!("/api/v1/documents/{}", id(&third))).await,
        Status::NotFound
    );
    let (_, listed) = app.get_json("/api/v1/projects/2/documents").await;
    let versions: Vec<(String, String)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["title"] == title)
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["visibility"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(versions, vec![(id(&second), "public".to_string())]);
}

#[rocket::async_test]
async fn a_large_upload_is_stored_whole_from_its_spooled_file() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let mut content = b"%PDF-1.7\n".to_vec();
    content.extend((0..3 * 1024 * 1024_u32).map(|i| (i % 251) as u8));
    let meta = json!({"kind": "feasibility_study", "title": "ТЭО с приложениями", "visibility": "public"});
    let (status, version) = upload(&app, &officer, "2", meta, "teo-full.pdf", &content).await;
    assert_eq!(status, Status::Created, "{version}");
    assert_eq!(version["size_bytes"], content.len());
    assert_eq!(version["file_type"], "pdf");
    let response = app
        .get(&format!("/api/v1/documents/{}", version["id"].as_str().unwrap()))
        .await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_bytes().await.unwrap(), content);
}
