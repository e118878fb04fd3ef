//! The audit log's exports: CSV for spreadsheets, and self-verifying JSON lines (the format of
//! [`crate::domain::audit_export`]) that `ppp-registry audit verify --file` checks offline.

use chrono::{DateTime, Utc};
use rocket::State;
use rocket::http::{ContentType, Status};
use serde_json::json;

use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, Event, NewEvent};
use crate::domain::audit_export::{ExportedEvent, Header, Line};
use crate::storage::audit::{self, EventFilter, Visibility};
use crate::storage::{Db, audit_tree, checkpoints};
use crate::web::AppState;
use crate::web::api_error::{ApiError, Message};
use crate::web::audit::{AuditReaders, EventQuery, parse_query, visibility_of};
use crate::web::auth::{Audit, Authorized};
use crate::web::download::{Chunks, StreamedFile, csv_record};

const CSV_HEADER: [&str; 11] = [
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "actor_organization",
    "actor_role",
    "client_address",
    "action",
    "entity_type",
    "entity_id",
    "payload",
];

fn csv_row(e: &Event) -> Vec<u8> {
    csv_record(&[
        e.seq.to_string(),
        crate::domain::audit::time_text(e.at),
        e.actor.user_id.map(|i| i.to_string()).unwrap_or_default(),
        e.actor.name.clone(),
        e.actor.organization.clone().unwrap_or_default(),
        e.actor.role.clone().unwrap_or_default(),
        e.client_address.clone().unwrap_or_default(),
        e.action.clone(),
        e.entity_type.clone(),
        e.entity_id.clone(),
        e.payload.clone(),
    ])
}

/// The filtered events as CSV (`format=csv`) or self-verifying JSON lines (`format=jsonl`: the
/// latest signed checkpoint, then each event up to it with its inclusion proof), newest first,
/// streamed page by page. The export itself is recorded first.
#[utoipa::path(get, operation_id = "audit_export", path = "/api/v1/audit/export", tag = "audit",
    params(("format" = String, Query, pattern = "^(csv|jsonl)$", description = "`csv` or `jsonl`"), EventQuery),
    responses((status = 200, description = "The file: CSV, or JSON lines for `format=jsonl`",
            content(("text/csv"), ("application/x-ndjson"))),
        (status = 409, description = "`format=jsonl` before any checkpoint was published", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A parameter is invalid", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/audit/export?<format>&<filter..>")]
pub async fn export(
    reader: Authorized<AuditReaders>,
    _once: crate::web::query_once::QueryOnce,
    format: Option<&str>,
    filter: EventQuery,
    db: &State<Db>,
    app: &State<AppState>,
    audit_ctx: Audit,
) -> Result<StreamedFile, ApiError> {
    let csv = match format {
        Some("csv") => true,
        Some("jsonl") => false,
        _ => return Err(ApiError::field("format", "export_format")),
    };
    let q = parse_query(&filter, None, None).map_err(|v| ApiError::validation(&v))?;
    // The checkpoint is read before the export is recorded, so it never covers that event.
    let proven = if csv {
        None
    } else {
        let latest = checkpoints::latest(db)
            .await?
            .ok_or_else(|| ApiError::new(Status::Conflict, "no_checkpoint", Message::new("error-no-checkpoint")))?;
        let checkpoint = app.log_key.public().open(&latest.note).map_err(|e| {
            log::error!("the latest stored checkpoint does not open with the log's key: {e}");
            ApiError::for_status(Status::InternalServerError)
        })?;
        Some(Header::new(&checkpoint, &app.log_key.public()))
    };
    record_export(
        db,
        app,
        &audit_ctx.0,
        &reader.0,
        &q.filter,
        if csv { "csv" } else { "jsonl" },
    )
    .await?;
    let visibility = visibility_of(&reader.0);
    let now = app.clock.now();
    let db = db.inner().clone();
    let filter = q.filter;
    let stream = async_stream(db, filter, visibility, now, proven);
    Ok(if csv {
        StreamedFile::csv("audit.csv", stream)
    } else {
        StreamedFile {
            content_type: ContentType::new("application", "x-ndjson"),
            filename: "audit.jsonl",
            chunks: stream,
        }
    })
}

async fn record_export(
    db: &Db,
    app: &AppState,
    ctx: &AuditContext,
    who: &Identity,
    filter: &EventFilter,
    format: &str,
) -> Result<(), ApiError> {
    let event = NewEvent::new("audit.exported", "audit_log", "events")
        .organization(who.organization_id.0)
        .payload(json!({"format": format, "filter": {
            "entity_type": filter.entity_type, "entity_id": filter.entity_id, "actor_id": filter.actor_id,
            "organization_id": filter.organization_id, "action": filter.action, "from": filter.from, "to": filter.to,
        }}));
    crate::services::unit_of_work!(db, &*app.clock, ctx, |uow| uow.record(event.clone()))?;
    Ok(())
}

/// Pages of 500 events turned into bytes as the client reads them; memory stays flat however
/// large the log. With a checkpoint (JSON lines), only the events it covers, each with its
/// inclusion proof (read for 50 events at a time).
fn async_stream(
    db: Db,
    filter: EventFilter,
    visibility: Visibility,
    now: DateTime<Utc>,
    proven: Option<Header>,
) -> Chunks {
    const PAGE: u32 = 500;
    let (start, before) = match &proven {
        None => (csv_record(&CSV_HEADER.map(String::from)), i64::MAX),
        Some(header) => {
            let mut line = serde_json::to_vec(&Line::Checkpoint(header.clone())).unwrap_or_default();
            line.push(b'\n');
            (line, i64::try_from(header.size).unwrap_or(i64::MAX).saturating_add(1))
        }
    };
    let size = proven.as_ref().map(|h| h.size);
    let state = (db, filter, Some(before), Some(start));
    Box::pin(rocket::futures::stream::unfold(
        state,
        move |(db, filter, before, first)| async move {
            if let Some(first) = first {
                return Some((first, (db, filter, before, None)));
            }
            let before = before?;
            let rows = match audit::list(&db, &filter, visibility, Some(before), PAGE, now).await {
                Ok(rows) => rows,
                Err(e) => {
                    log::error!("audit export stopped: {e}");
                    return None;
                }
            };
            let last = rows.last()?.seq;
            let next = (rows.len() as u32 == PAGE).then_some(last);
            let bytes = match size {
                None => rows.iter().flat_map(csv_row).collect(),
                Some(size) => match proven_lines(&db, &rows, size).await {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        log::error!("audit export stopped: {e}");
                        return None;
                    }
                },
            };
            Some((bytes, (db, filter, next, None)))
        },
    ))
}

/// The JSON lines of `rows`, each with its inclusion proof in the tree of `size` events.
async fn proven_lines(db: &Db, rows: &[Event], size: u64) -> Result<Vec<u8>, crate::storage::StoreError> {
    let mut bytes = Vec::new();
    for chunk in rows.chunks(50) {
        let indexes: Vec<u64> = chunk.iter().map(|e| (e.seq - 1) as u64).collect();
        let proofs = audit_tree::inclusions(db, &indexes, size).await?;
        for (e, (leaf, path)) in chunk.iter().zip(proofs) {
            let line = Line::Event(ExportedEvent::new(e, &leaf, &path));
            bytes.extend(serde_json::to_vec(&line).unwrap_or_default());
            bytes.push(b'\n');
        }
    }
    Ok(bytes)
}
