//! The audit log for people and programs: the reviewers' list and export, verification, and the
//! public checkpoint and consistency check (the transparency page).

use chrono::{DateTime, Utc};
use rocket::State;
use rocket::serde::json::Json;
use rocket_dyn_templates::Template;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::domain::access::{Identity, Role};
use crate::domain::audit::{Event, Verdict};
use crate::domain::policy;
use crate::domain::validation::Violations;
use crate::storage::Db;
use crate::storage::audit::{self, EventFilter, Visibility};
use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::auth::{Authorized, Policy};
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

pub(crate) fn visibility_of(who: &Identity) -> Visibility {
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
pub(crate) struct Query {
    pub(crate) filter: EventFilter,
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

pub(crate) fn parse_query(q: &EventQuery, after: Option<&str>, limit: Option<&str>) -> Result<Query, Violations> {
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
        /// The hash chain's last link.
        head: String,
        /// The root of the Merkle tree rebuilt from the events.
        root_hash: String,
        /// Published checkpoints found signed by the log's key and equal to the rebuilt tree.
        checkpoints: usize,
    },
    Broken {
        ok: bool,
        events: i64,
        first_bad_seq: i64,
        reason: String,
    },
}

/// Checks the whole log: every event's link, every stored hash of its Merkle tree (rebuilt
/// from the events), and every published checkpoint (signature and root).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "`ok` true with the head, or false with the first fault", body = VerifyView,
        example = json!({"ok": true, "events": 1520, "head": "3b8e…", "root_hash": "9f2c…", "checkpoints": 12}))),
    security(("bearer" = [])))]
#[rocket::get("/audit/verify")]
pub async fn verify(
    _who: Authorized<Auditors>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<VerifyView>, ApiError> {
    let check = crate::services::checkpoints::verify_log(db, Some(&app.log_key.public()), None).await?;
    let v = check.verification;
    Ok(Json(match (v.verdict, check.bad_checkpoints.first()) {
        (Verdict::Intact { events, .. }, Some(bad)) => VerifyView::Broken {
            ok: false,
            events,
            first_bad_seq: events,
            reason: bad.clone(),
        },
        (Verdict::Intact { events, head }, None) => VerifyView::Intact {
            ok: true,
            events,
            head,
            root_hash: v.root_hash,
            checkpoints: v.heads_checked,
        },
        (
            Verdict::Broken {
                events,
                first_bad_seq,
                reason,
            },
            _,
        ) => VerifyView::Broken {
            ok: false,
            events,
            first_bad_seq,
            reason,
        },
    }))
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

#[rocket::get("/transparency?<note>")]
pub async fn transparency(
    ctx: PageContext,
    note: Option<&str>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let latest = crate::storage::checkpoints::latest(db).await?;
    let public = app.log_key.public();
    let note = form_value(note);
    let check = match note {
        None => None,
        // A pasted note loses or gains blanks at its ends and may come with CRLF line breaks;
        // the signed text is the note's lines, each ending in a newline.
        Some(text) => Some(match public.open(&format!("{}\n", text.replace("\r\n", "\n").trim())) {
            Ok(saved) => {
                let size = crate::storage::audit_tree::size(db).await?;
                // The stored tree of the saved size, computed from a few stored hashes.
                let consistent = saved.head.size <= size
                    && crate::storage::audit_tree::root(db, saved.head.size).await? == saved.head.root;
                json!({"consistent": consistent, "size": saved.head.size, "published_at": saved.published_at})
            }
            Err(e) => {
                let mut v = Violations::new();
                v.add("note", "checkpoint_signature");
                json!({"errors": ctx.field_messages(&v), "reason": e.to_string()})
            }
        }),
    };
    Ok(ctx.render(
        "transparency",
        "transparency-title",
        json!({"checkpoint": latest, "key": crate::web::audit_proofs::key_view(&public), "check": check,
               "values": {"note": note.unwrap_or("")}}),
    ))
}
