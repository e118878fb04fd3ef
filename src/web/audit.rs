//! The audit log for people and programs: the reviewers' list and export, verification, and the
//! public checkpoint and consistency check (the transparency page).

use chrono::{DateTime, Utc};
use rocket::State;
use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket_dyn_templates::Template;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::domain::access::{Identity, Role};
use crate::domain::audit::{AuditContext, Event, NewEvent, Verdict, from_hex};
use crate::domain::policy;
use crate::domain::validation::Violations;
use crate::storage::Db;
use crate::storage::audit::{self, EventFilter, Visibility};
use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, Policy};
use crate::web::download::{Chunks, StreamedFile, csv_record};
use crate::web::page::{PageContext, PageError};
use crate::web::paging::{ListPage, check_limit};

/// Who may read the log: reviewers and administrators (everything), municipal officers and
/// approvers (their own municipality's records).
pub struct AuditReaders;

impl Policy for AuditReaders {
    const ROLES: &'static [Role] = policy::AUDIT_READERS;
}

/// Who may run the full verification: reviewers and administrators.
pub struct Auditors;

impl Policy for Auditors {
    const ROLES: &'static [Role] = policy::AUDITORS;
}

fn visibility_of(who: &Identity) -> Visibility {
    // The route's guard admitted only audit readers; the fallback is the narrowest scope.
    policy::audit_scope(Some(who)).unwrap_or(Visibility::Organization {
        viewer_org: who.organization_id.0,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActorView {
    /// The account's id; null for the system or an anonymous caller.
    pub id: Option<String>,
    pub name: String,
    pub organization: Option<String>,
    pub role: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": 42, "at": "2026-11-28T06:00:00Z", "actor": {"id": "1", "name": "Сыдыков Айбек Нурланович",
    "organization": "Оператор реестра МЧП", "role": "admin"}, "client_address": "10.20.0.15",
    "action": "account.status_changed", "entity_type": "account", "entity_id": "7",
    "payload": {"before": {"status": "pending"}, "after": {"status": "active"}},
    "hash": "9f2c4b0e6a1d3f5e7c9b2a4d6f8e0c1b3a5d7f9e2c4b6a8d0f1e3c5b7a9d2f4e"}))]
pub struct EventView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: ActorView,
    pub client_address: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub hash: String,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: ActorView {
                id: e.actor.user_id.map(|id| id.to_string()),
                name: e.actor.name,
                organization: e.actor.organization,
                role: e.actor.role,
            },
            client_address: e.client_address,
            payload: serde_json::from_str(&e.payload).unwrap_or(Value::String(e.payload)),
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            hash: e.hash,
        }
    }
}

/// The query parameters of the list, the export and the page, checked.
struct Query {
    filter: EventFilter,
    before: Option<i64>,
    limit: u32,
}

/// The filters the list, the export and the page share, as given. The description states each
/// as `parse_query` reads it.
#[derive(Debug, Default, rocket::form::FromForm, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// `organization`, `account`, `project`, ...
    #[param(pattern = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$")]
    entity_type: Option<String>,
    /// The entity's id.
    #[param(pattern = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$")]
    entity_id: Option<String>,
    /// The acting account's id.
    #[param(pattern = "^[0-9]{1,18}$")]
    actor_id: Option<String>,
    /// The organisation the record belongs to.
    #[param(pattern = "^[0-9]{1,18}$")]
    organization_id: Option<String>,
    /// An action code such as `account.signed_in`.
    #[param(pattern = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$")]
    action: Option<String>,
    /// RFC 3339; events at or after.
    #[param(format = DateTime)]
    from: Option<String>,
    /// RFC 3339; events before.
    #[param(format = DateTime)]
    to: Option<String>,
}

impl EventQuery {
    /// As a page's form sends them: every field, blank when unused, maybe with spaces around
    /// what was pasted. The API reads its parameters exactly as given.
    fn cleaned_like_a_form(self) -> Self {
        let clean = |s: Option<String>| s.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        Self {
            entity_type: clean(self.entity_type),
            entity_id: clean(self.entity_id),
            actor_id: clean(self.actor_id),
            organization_id: clean(self.organization_id),
            action: clean(self.action),
            from: clean(self.from),
            to: clean(self.to),
        }
    }
}

fn parse_query(q: &EventQuery, after: Option<&str>, limit: Option<&str>) -> Result<Query, Violations> {
    // Read exactly as given; a blank text filter is no filter.
    let mut v = Violations::new();
    for (field, value) in [
        ("entity_type", &q.entity_type),
        ("entity_id", &q.entity_id),
        ("action", &q.action),
    ] {
        if let Some(text) = value {
            v.text(field, text);
        }
    }
    let text = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    let mut number = |field: &str, code: &'static str, s: Option<&str>| {
        let id = crate::domain::ids::parse_id(s?);
        if id.is_none() {
            v.add(field, code);
        }
        id
    };
    let actor_id = number("actor_id", "id", q.actor_id.as_deref());
    let organization_id = number("organization_id", "id", q.organization_id.as_deref());
    let before = number("after", "cursor", after);
    let mut time = |field: &str, s: Option<&str>| {
        s.and_then(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| v.add(field, "time"))
                .ok()
        })
    };
    let from = time("from", q.from.as_deref());
    let to = time("to", q.to.as_deref());
    let limit = match check_limit(limit) {
        Ok(limit) => limit,
        Err(_) => {
            v.add("limit", "limit_range");
            0
        }
    };
    v.into_result()?;
    Ok(Query {
        filter: EventFilter {
            entity_type: text(&q.entity_type),
            entity_id: text(&q.entity_id),
            actor_id,
            organization_id,
            action: text(&q.action),
            from,
            to,
        },
        before,
        limit,
    })
}

/// Events, newest first, that the caller may see.
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit",
    params(EventQuery,
        ("after" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "Cursor from the previous page's `next`"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50"),
    ),
    responses((status = 200, description = "One page, newest first", body = ListPage<EventView>),
        (status = 422, description = "A parameter is invalid", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/audit/events?<after>&<limit>&<filter..>")]
pub async fn events(
    reader: Authorized<AuditReaders>,
    _once: crate::web::query_once::QueryOnce,
    after: Option<&str>,
    limit: Option<&str>,
    filter: EventQuery,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<ListPage<EventView>>, ApiError> {
    let q = parse_query(&filter, after, limit).map_err(|v| ApiError::validation(&v))?;
    let rows = audit::list(
        db,
        &q.filter,
        visibility_of(&reader.0),
        q.before,
        q.limit + 1,
        app.clock.now(),
    )
    .await?;
    Ok(Json(crate::web::paging::page_of(
        rows,
        q.limit,
        |e| e.seq.to_string(),
        EventView::from,
    )))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum VerifyView {
    Intact {
        ok: bool,
        events: i64,
        head: String,
    },
    Broken {
        ok: bool,
        events: i64,
        first_bad_seq: i64,
        reason: String,
    },
}

/// Checks every link of the log.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "`ok` true with the head, or false with the first bad event", body = VerifyView,
        example = json!({"ok": true, "events": 1520, "head": "3b8e…"}))),
    security(("bearer" = [])))]
#[rocket::get("/audit/verify")]
pub async fn verify(_who: Authorized<Auditors>, db: &State<Db>) -> Result<Json<VerifyView>, ApiError> {
    Ok(Json(match audit::verify(db).await? {
        Verdict::Intact { events, head } => VerifyView::Intact { ok: true, events, head },
        Verdict::Broken {
            events,
            first_bad_seq,
            reason,
        } => VerifyView::Broken {
            ok: false,
            events,
            first_bad_seq,
            reason,
        },
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"events": 1520, "head": "3b8e0f…", "at": "2026-11-28T06:00:00Z"}))]
pub struct Checkpoint {
    pub events: i64,
    pub head: String,
    pub at: DateTime<Utc>,
}

/// The log's current size and head: save it, and later check that the log still extends it.
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, description = "The latest checkpoint", body = Checkpoint)))]
#[rocket::get("/audit/checkpoint")]
pub async fn checkpoint(db: &State<Db>, app: &State<AppState>) -> Result<Json<Checkpoint>, ApiError> {
    let (events, head) = audit::head(db).await?;
    Ok(Json(Checkpoint {
        events,
        head,
        at: app.clock.now(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Consistency {
    /// Whether today's log begins with exactly the checkpoint's events.
    pub consistent: bool,
    pub events: i64,
    pub head: String,
}

fn parse_checkpoint(events: Option<&str>, head: Option<&str>) -> Result<(i64, String), Violations> {
    let mut v = Violations::new();
    // Digits only (no sign, no spaces), as the description's integer says.
    let count = |e: &str| crate::domain::validation::whole_number::<i64>(e, 19);
    let events = match events.map(count) {
        Some(Some(n)) => n,
        None => {
            v.add("events", "required");
            0
        }
        Some(None) => {
            v.add("events", "cursor");
            0
        }
    };
    let head = head.map(str::to_ascii_lowercase).unwrap_or_default();
    if from_hex(&head).is_none() {
        v.add("head", "hash");
    }
    v.into_result().map(|()| (events, head))
}

/// Whether today's log extends an earlier checkpoint.
#[utoipa::path(get, path = "/api/v1/audit/consistency", tag = "audit",
    params(("events" = i64, Query, minimum = 0, description = "The checkpoint's event count"),
        ("head" = String, Query, pattern = "^[0-9a-fA-F]{64}$", description = "The checkpoint's head, 64 hex digits")),
    responses((status = 200, description = "The answer and today's checkpoint", body = Consistency),
        (status = 422, description = "A malformed checkpoint", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/audit/consistency?<events>&<head>")]
pub async fn consistency(
    _once: crate::web::query_once::QueryOnce,
    events: Option<&str>,
    head: Option<&str>,
    db: &State<Db>,
) -> Result<Json<Consistency>, ApiError> {
    let (events, head) = parse_checkpoint(events, head).map_err(|v| ApiError::validation(&v))?;
    let consistent = audit::extends(db, events, &head).await?;
    let (now_events, now_head) = audit::head(db).await?;
    Ok(Json(Consistency {
        consistent,
        events: now_events,
        head: now_head,
    }))
}

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

/// The filtered events as CSV (`format=csv`) or JSON lines (`format=jsonl`), newest first,
/// streamed page by page. The export itself is recorded first.
#[utoipa::path(get, operation_id = "audit_export", path = "/api/v1/audit/export", tag = "audit",
    params(("format" = String, Query, pattern = "^(csv|jsonl)$", description = "`csv` or `jsonl`"), EventQuery),
    responses((status = 200, description = "The file: CSV, or JSON lines for `format=jsonl`",
            content(("text/csv"), ("application/x-ndjson"))),
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
    let stream = async_stream(db, filter, visibility, now, csv);
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
/// large the log.
fn async_stream(db: Db, filter: EventFilter, visibility: Visibility, now: DateTime<Utc>, csv: bool) -> Chunks {
    const PAGE: u32 = 500;
    let start = if csv {
        csv_record(&CSV_HEADER.map(String::from))
    } else {
        Vec::new()
    };
    let state = (db, filter, Some(i64::MAX), Some(start));
    Box::pin(rocket::futures::stream::unfold(
        state,
        move |(db, filter, before, first)| async move {
            if let Some(first) = first.filter(|f| !f.is_empty()) {
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
            let mut bytes = Vec::new();
            for e in &rows {
                if csv {
                    bytes.extend(csv_row(e));
                } else {
                    let line = serde_json::to_string(&EventView::from(e.clone())).unwrap_or_default();
                    bytes.extend(line.as_bytes());
                    bytes.push(b'\n');
                }
            }
            Some((bytes, (db, filter, next, None)))
        },
    ))
}

// ---- Pages ----

#[rocket::get("/audit?<after>&<filter..>")]
pub async fn page(
    ctx: PageContext,
    reader: Authorized<AuditReaders>,
    after: Option<&str>,
    filter: EventQuery,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    // What was typed, shown back in the form as typed.
    let typed = |s: &Option<String>| s.clone().unwrap_or_default();
    let values = json!({"entity_type": typed(&filter.entity_type), "entity_id": typed(&filter.entity_id),
        "actor_id": typed(&filter.actor_id), "organization_id": typed(&filter.organization_id),
        "action": typed(&filter.action), "from": typed(&filter.from), "to": typed(&filter.to)});
    let filter = filter.cleaned_like_a_form();
    let q = match parse_query(&filter, form_value(after), None) {
        Ok(q) => q,
        Err(v) => {
            let errors = ctx.field_messages(&v);
            return Ok(ctx.render(
                "audit",
                "audit-title",
                json!({"values": values, "errors": errors, "items": []}),
            ));
        }
    };
    let mut rows = audit::list(
        db,
        &q.filter,
        visibility_of(&reader.0),
        q.before,
        q.limit + 1,
        app.clock.now(),
    )
    .await?;
    let more = rows.len() > q.limit as usize;
    rows.truncate(q.limit as usize);
    let next = if more { rows.last().map(|e| e.seq) } else { None };
    let lang = ctx.lang;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|e| {
            let label = lang.text(&format!("audit-action-{}", e.action.replace(['.', '_'], "-")));
            let payload = serde_json::from_str::<Value>(&e.payload)
                .map(|p| serde_json::to_string_pretty(&p).unwrap_or_default())
                .unwrap_or(e.payload.clone());
            json!({"seq": e.seq, "at": e.at, "actor": e.actor.name, "organization": e.actor.organization,
                   "role": e.actor.role, "client_address": e.client_address, "action": e.action, "label": label,
                   "entity": format!("{} {}", e.entity_type, e.entity_id), "payload": payload, "hash": e.hash})
        })
        .collect();
    let mut next_query = url_query(&values);
    if let Some(seq) = next {
        next_query.push_str(&format!("&after={seq}"));
    }
    Ok(ctx.render(
        "audit",
        "audit-title",
        json!({"values": values, "errors": {}, "items": items, "next": next.map(|_| next_query.clone()),
               "export_query": url_query(&values)}),
    ))
}

/// The filter values as a query string (for the "older" link and the export links).
fn url_query(values: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(map) = values.as_object() {
        for (key, value) in map {
            if let Some(text) = value.as_str().filter(|t| !t.is_empty()) {
                parts.push(format!("{key}={}", rocket::http::RawStr::new(text).percent_encode()));
            }
        }
    }
    parts.join("&")
}

/// A page form's value: every field is sent, blank when unused, and people type spaces around
/// what they paste. The API reads its parameters exactly as given.
fn form_value(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

#[rocket::get("/transparency?<events>&<head>")]
pub async fn transparency(
    ctx: PageContext,
    events: Option<&str>,
    head: Option<&str>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let (count, current) = audit::head(db).await?;
    let (events, head) = (form_value(events), form_value(head));
    let check = match (events, head) {
        (None, None) => None,
        _ => Some(match parse_checkpoint(events, head) {
            Ok((n, h)) => {
                let consistent = audit::extends(db, n, &h).await?;
                json!({"consistent": consistent, "events": n, "head": h})
            }
            Err(v) => json!({"errors": ctx.field_messages(&v)}),
        }),
    };
    Ok(ctx.render(
        "transparency",
        "transparency-title",
        json!({"events": count, "head": current, "at": app.clock.now(), "check": check,
               "values": {"events": events.unwrap_or(""), "head": head.unwrap_or("")}}),
    ))
}
