//! Administration: organisations and accounts, as pages and as API. Administrators manage
//! records; they never hold another role (domain::account), so they cannot grant one to
//! themselves.

use rocket::State;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::serde::json::Json;
use rocket_dyn_templates::Template;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::domain::access::Role;
use crate::domain::account::NewAccount;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::localized::LocalizedText;
use crate::domain::organization::{NewOrganization, Organization, OrganizationKind, OrganizationStatus};
use crate::domain::validation::Violations;
use crate::services::{ServiceError, accounts, organizations as org_service};
use crate::storage::users::Account;
use crate::storage::{Db, StoreError, organizations, users};
use crate::web::AppState;
use crate::web::account::PageWithStatus;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Admin, Audit, CsrfForm};
use crate::web::json::ApiJson;
use crate::web::organizations::parse_cursor;
use crate::web::page::{PageContext, PageError};
use crate::web::paging::{ListPage, MAX_LIMIT, check_limit, page_of};
use crate::web::views::{AccountView, OrganizationView};

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"status": "active"}))]
pub struct StatusChange {
    /// `active` or `inactive`.
    #[schema(pattern = "^(active|inactive)$")]
    pub status: String,
}

fn parse_status(text: &str) -> Result<OrganizationStatus, ServiceError> {
    match OrganizationStatus::parse(text) {
        Some(s @ (OrganizationStatus::Active | OrganizationStatus::Inactive)) => Ok(s),
        _ => {
            let mut v = Violations::new();
            v.add("status", "status_value");
            Err(ServiceError::Invalid(v))
        }
    }
}

fn parse_user_id(id: &str) -> Result<UserId, ServiceError> {
    id.parse().map_err(|_| ServiceError::NotFound("account"))
}

fn parse_org_id(id: &str) -> Result<OrgId, ServiceError> {
    id.parse().map_err(|_| ServiceError::NotFound("organization"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": "3", "email": "member2.osh@osh.gov.kg", "full_name": "Асанов Талант",
    "password": "a long passphrase", "roles": ["commission"], "chair": false}))]
pub struct AccountRequest {
    #[schema(value_type = String, pattern = "^[0-9]{1,18}$")]
    pub organization_id: OrgId,
    #[serde(flatten)]
    pub account: NewAccount,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordReset {
    /// At least 12 characters.
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetDone {
    /// The password was replaced and the account's tokens revoked.
    pub reset: bool,
}

/// Every organisation, of every kind and status.
#[utoipa::path(get, path = "/api/v1/admin/organizations", tag = "admin",
    params(("after" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "Cursor"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses((status = 200, description = "One page", body = ListPage<OrganizationView>),
        (status = 401, description = "Not signed in", body = crate::web::api_error::ErrorBody),
        (status = 403, description = "Not an administrator", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/admin/organizations?<after>&<limit>")]
pub async fn list_organizations(
    _admin: Admin,
    _once: crate::web::query_once::QueryOnce,
    after: Option<&str>,
    limit: Option<&str>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<ListPage<OrganizationView>>, ApiError> {
    let after = parse_cursor(after)?;
    let limit = check_limit(limit)?;
    let rows = organizations::list_all(db, after, limit + 1).await?;
    let scheme = &app.config.party_scheme;
    Ok(Json(page_of(
        rows,
        limit,
        |o| o.id.to_string(),
        |o| OrganizationView::of(o, scheme),
    )))
}

/// Creates an active organisation of any kind (a company with its profile).
#[utoipa::path(post, path = "/api/v1/admin/organizations", tag = "admin", request_body = NewOrganization,
    responses((status = 201, description = "Created", body = OrganizationView),
        (status = 409, description = "A value is already registered; the field is named", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/admin/organizations", data = "<body>")]
pub async fn create_organization(
    _admin: Admin,
    body: ApiJson<NewOrganization>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<OrganizationView>), ApiError> {
    let new = body.0;
    let org = org_service::create(db, &*app.clock, &audit.0, &new).await?;
    let location = format!("/api/v1/organizations/{}", org.id);
    Ok(created_response(
        OrganizationView::of(org, &app.config.party_scheme).with_profile(new.company),
        location,
    ))
}

/// Activates (`active`) or deactivates (`inactive`) an organisation.
#[utoipa::path(post, path = "/api/v1/admin/organizations/{id}/status", tag = "admin", request_body = StatusChange,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "Changed", body = OrganizationView),
        (status = 404, description = "No such organisation", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Unknown status", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/admin/organizations/<id>/status", data = "<body>")]
pub async fn set_organization_status(
    _admin: Admin,
    id: &str,
    body: ApiJson<StatusChange>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<OrganizationView>, ApiError> {
    let id = parse_org_id(id)?;
    let status = parse_status(&body.0.status)?;
    let org = org_service::set_status(db, &*app.clock, &audit.0, id, status).await?;
    Ok(Json(OrganizationView::of(org, &app.config.party_scheme)))
}

/// Every account, optionally of one organisation.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    params(("organization" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "Organisation id"),
        ("after" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "Cursor"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses((status = 200, description = "One page", body = ListPage<AccountView>)),
    security(("bearer" = [])))]
#[rocket::get("/admin/users?<organization>&<after>&<limit>")]
pub async fn list_users(
    _admin: Admin,
    _once: crate::web::query_once::QueryOnce,
    organization: Option<&str>,
    after: Option<&str>,
    limit: Option<&str>,
    db: &State<Db>,
) -> Result<Json<ListPage<AccountView>>, ApiError> {
    let organization = parse_cursor(organization).map_err(|_| ApiError::field("organization", "cursor"))?;
    let after = after
        .map(|a| a.parse::<UserId>().map_err(|_| ApiError::field("after", "cursor")))
        .transpose()?;
    let limit = check_limit(limit)?;
    let rows = users::list(db, organization, after, limit + 1).await?;
    Ok(Json(page_of(rows, limit, |a| a.id.to_string(), AccountView::from)))
}

/// Creates an active account; its roles must fit its organisation.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = AccountRequest,
    responses((status = 201, description = "Created", body = AccountView),
        (status = 409, description = "A value is already registered; the field is named", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/admin/users", data = "<body>")]
pub async fn create_user(
    _admin: Admin,
    body: ApiJson<AccountRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<AccountView>), ApiError> {
    let request = body.0;
    let account = match accounts::create(db, &*app.clock, &audit.0, request.organization_id, &request.account).await {
        Err(ServiceError::NotFound(_)) => return Err(ApiError::field("organization_id", "unknown_organization")),
        other => other?,
    };
    Ok(created_response(account.into(), "/api/v1/admin/users".into()))
}

/// Activates or deactivates an account (not one's own).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/status", tag = "admin", request_body = StatusChange,
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "Changed", body = AccountView),
        (status = 404, description = "No such account", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/admin/users/<id>/status", data = "<body>")]
pub async fn set_user_status(
    admin: Admin,
    id: &str,
    body: ApiJson<StatusChange>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<AccountView>, ApiError> {
    let id = parse_user_id(id)?;
    let status = parse_status(&body.0.status)?;
    Ok(Json(
        accounts::set_status(db, &*app.clock, &audit.0, &admin.0, id, status)
            .await?
            .into(),
    ))
}

/// Sets a new password (at least 12 characters) and revokes the account's tokens.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/password", tag = "admin", request_body = PasswordReset,
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "Replaced", body = PasswordResetDone),
        (status = 422, description = "Too short", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/admin/users/<id>/password", data = "<body>")]
pub async fn reset_password(
    _admin: Admin,
    id: &str,
    body: ApiJson<PasswordReset>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<PasswordResetDone>, ApiError> {
    let id = parse_user_id(id)?;
    accounts::reset_password(db, &*app.clock, &audit.0, id, &body.0.password).await?;
    Ok(Json(PasswordResetDone { reset: true }))
}

// ---- Pages ----

/// Every record of a listing, page by page.
async fn all_organizations(db: &Db) -> Result<Vec<Organization>, StoreError> {
    let mut rows: Vec<Organization> = Vec::new();
    loop {
        let page = organizations::list_all(db, rows.last().map(|o| o.id), MAX_LIMIT).await?;
        let done = page.len() < MAX_LIMIT as usize;
        rows.extend(page);
        if done {
            return Ok(rows);
        }
    }
}

async fn all_accounts(db: &Db) -> Result<Vec<Account>, StoreError> {
    let mut rows: Vec<Account> = Vec::new();
    loop {
        let page = users::list(db, None, rows.last().map(|a| a.id), MAX_LIMIT).await?;
        let done = page.len() < MAX_LIMIT as usize;
        rows.extend(page);
        if done {
            return Ok(rows);
        }
    }
}

async fn organizations_page(
    ctx: &PageContext,
    db: &Db,
    flash: Option<FlashMessage<'_>>,
    values: serde_json::Value,
    errors: Option<&Violations>,
) -> Result<Template, PageError> {
    let lang = ctx.lang;
    let items: Vec<_> = all_organizations(db)
        .await?
        .into_iter()
        .map(|o| {
            json!({
                "id": o.id.to_string(),
                "name": o.name.get(lang),
                "kind": lang.text(&format!("org-kind-{}", o.kind.as_str())),
                "code": o.code,
                "inn": o.inn,
                "status": o.status.as_str(),
                "status_label": lang.text(&format!("status-{}", o.status.as_str())),
                "created_at": o.created_at,
            })
        })
        .collect();
    let kinds: Vec<_> = [
        OrganizationKind::Municipality,
        OrganizationKind::Antimonopoly,
        OrganizationKind::Operator,
    ]
    .iter()
    .map(|k| json!({"value": k.as_str(), "label": lang.text(&format!("org-kind-{}", k.as_str()))}))
    .collect();
    Ok(ctx.render(
        "admin_organizations",
        "admin-organizations-title",
        json!({
            "items": items,
            "kinds": kinds,
            "flash": flash.map(|f| flash_text(ctx, &f)),
            "values": values,
            "errors": errors.map(|v| ctx.field_messages(v)).unwrap_or_default(),
        }),
    ))
}

#[rocket::get("/admin/organizations")]
pub async fn organizations_admin_page(
    ctx: PageContext,
    _admin: Admin,
    flash: Option<FlashMessage<'_>>,
    db: &State<Db>,
) -> Result<Template, PageError> {
    let empty = json!({"kind": "", "name_ru": "", "name_ky": "", "name_en": "", "code": "", "inn": ""});
    organizations_page(&ctx, db, flash, empty, None).await
}

#[derive(FromForm)]
pub struct OrganizationForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    kind: String,
    #[field(default = String::new())]
    name_ru: String,
    #[field(default = String::new())]
    name_ky: String,
    #[field(default = String::new())]
    name_en: String,
    #[field(default = String::new())]
    code: String,
    #[field(default = String::new())]
    inn: String,
}

/// Flash cookies carry a message id (ASCII, safe in a header), put in the reader's language here.
fn flash_text(ctx: &PageContext, flash: &FlashMessage<'_>) -> String {
    let id = flash.message();
    if FLASH_MESSAGES.contains(&id) {
        ctx.lang.text(id)
    } else {
        String::new()
    }
}

const FLASH_MESSAGES: [&str; 5] = [
    "admin-created",
    "admin-saved",
    "admin-password-reset",
    "invalid-not-self",
    "invalid-password-short",
];

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// A refused form: the page again with the field messages, status 422.
fn violations_of(error: ServiceError) -> Result<Violations, PageError> {
    match error {
        ServiceError::Invalid(v) => Ok(v),
        ServiceError::Duplicate(field) => {
            let mut v = Violations::new();
            v.add(field, "duplicate");
            Ok(v)
        }
        other => Err(other.into()),
    }
}

#[rocket::post("/admin/organizations", data = "<form>")]
pub async fn organizations_admin_create(
    ctx: PageContext,
    _admin: Admin,
    form: CsrfForm<OrganizationForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Result<Flash<Redirect>, PageWithStatus>, PageError> {
    let kind = OrganizationKind::parse(&form.kind).filter(|k| *k != OrganizationKind::Company);
    let outcome = match kind {
        Some(kind) => {
            let new = NewOrganization {
                kind,
                name: LocalizedText {
                    ru: form.name_ru.clone(),
                    ky: optional(&form.name_ky),
                    en: optional(&form.name_en),
                },
                code: optional(&form.code),
                inn: optional(&form.inn),
                company: None,
            };
            org_service::create(db, &*app.clock, &audit.0, &new).await.map(|_| ())
        }
        None => {
            let mut v = Violations::new();
            v.add("kind", "org_kind");
            Err(ServiceError::Invalid(v))
        }
    };
    match outcome {
        Ok(()) => Ok(Ok(Flash::success(
            Redirect::to("/admin/organizations"),
            "admin-created",
        ))),
        Err(e) => {
            let mut v = Violations::new();
            for (field, codes) in violations_of(e)?.fields() {
                for code in codes {
                    v.add(field.replace("name.", "name_"), code);
                }
            }
            let values = json!({"kind": form.kind, "name_ru": form.name_ru, "name_ky": form.name_ky,
                "name_en": form.name_en, "code": form.code, "inn": form.inn});
            let page = organizations_page(&ctx, db, None, values, Some(&v)).await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
    }
}

#[derive(FromForm)]
pub struct StatusForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    status: String,
}

#[rocket::post("/admin/organizations/<id>/status", data = "<form>")]
pub async fn organizations_admin_status(
    _admin: Admin,
    id: &str,
    form: CsrfForm<StatusForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Flash<Redirect>, PageError> {
    let id = parse_org_id(id)?;
    let status = parse_status(&form.status)?;
    org_service::set_status(db, &*app.clock, &audit.0, id, status).await?;
    Ok(Flash::success(Redirect::to("/admin/organizations"), "admin-saved"))
}

async fn users_page(
    ctx: &PageContext,
    db: &Db,
    flash: Option<FlashMessage<'_>>,
    values: serde_json::Value,
    errors: Option<&Violations>,
) -> Result<Template, PageError> {
    let lang = ctx.lang;
    let orgs = all_organizations(db).await?;
    let org_name = |id: OrgId| orgs.iter().find(|o| o.id == id).map(|o| o.name.get(lang).to_string());
    let items: Vec<_> = all_accounts(db)
        .await?
        .into_iter()
        .map(|a| {
            let roles: Vec<String> = a
                .roles
                .iter()
                .map(|r| lang.text(&format!("role-{}", r.as_str())))
                .collect();
            json!({
                "id": a.id.to_string(),
                "full_name": a.full_name,
                "email": a.email,
                "organization": org_name(a.organization_id),
                "roles": roles,
                "chair": a.chair,
                "deputy_chair": a.deputy_chair,
                "status": a.status.as_str(),
                "status_label": lang.text(&format!("status-{}", a.status.as_str())),
                "last_sign_in_at": a.last_sign_in_at,
            })
        })
        .collect();
    let org_options: Vec<_> = orgs
        .iter()
        .map(|o| json!({"id": o.id.to_string(), "name": o.name.get(lang)}))
        .collect();
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| json!({"value": r.as_str(), "label": lang.text(&format!("role-{}", r.as_str()))}))
        .collect();
    Ok(ctx.render(
        "admin_users",
        "admin-users-title",
        json!({
            "items": items,
            "organizations": org_options,
            "roles": roles,
            "flash": flash.map(|f| flash_text(ctx, &f)),
            "values": values,
            "errors": errors.map(|v| ctx.field_messages(v)).unwrap_or_default(),
        }),
    ))
}

#[rocket::get("/admin/users")]
pub async fn users_admin_page(
    ctx: PageContext,
    _admin: Admin,
    flash: Option<FlashMessage<'_>>,
    db: &State<Db>,
) -> Result<Template, PageError> {
    let empty = json!({"organization_id": "", "email": "", "full_name": "", "roles": [], "chair": false});
    users_page(&ctx, db, flash, empty, None).await
}

#[derive(FromForm)]
pub struct UserForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    organization_id: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    full_name: String,
    #[field(default = String::new())]
    password: String,
    roles: Vec<String>,
    #[field(default = false)]
    chair: bool,
    #[field(default = false)]
    deputy_chair: bool,
}

#[rocket::post("/admin/users", data = "<form>")]
pub async fn users_admin_create(
    ctx: PageContext,
    _admin: Admin,
    form: CsrfForm<UserForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Result<Flash<Redirect>, PageWithStatus>, PageError> {
    let new = NewAccount {
        email: form.email.clone(),
        full_name: form.full_name.clone(),
        password: form.password.clone(),
        roles: form.roles.iter().filter_map(|r| Role::parse(r)).collect(),
        chair: form.chair,
        deputy_chair: form.deputy_chair,
    };
    let outcome = match form.organization_id.parse::<OrgId>() {
        Ok(org) => match accounts::create(db, &*app.clock, &audit.0, org, &new).await {
            Err(ServiceError::NotFound(_)) => {
                let mut v = Violations::new();
                v.add("organization_id", "unknown_organization");
                Err(ServiceError::Invalid(v))
            }
            other => other.map(|_| ()),
        },
        Err(_) => {
            let mut v = Violations::new();
            v.add("organization_id", "required");
            Err(ServiceError::Invalid(v))
        }
    };
    match outcome {
        Ok(()) => Ok(Ok(Flash::success(Redirect::to("/admin/users"), "admin-created"))),
        Err(e) => {
            let v = violations_of(e)?;
            let values = json!({"organization_id": form.organization_id, "email": form.email,
                "full_name": form.full_name, "roles": form.roles, "chair": form.chair,
                "deputy_chair": form.deputy_chair});
            let page = users_page(&ctx, db, None, values, Some(&v)).await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
    }
}

#[rocket::post("/admin/users/<id>/status", data = "<form>")]
pub async fn users_admin_status(
    admin: Admin,
    id: &str,
    form: CsrfForm<StatusForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Flash<Redirect>, PageError> {
    let id = parse_user_id(id)?;
    let status = parse_status(&form.status)?;
    match accounts::set_status(db, &*app.clock, &audit.0, &admin.0, id, status).await {
        Ok(_) => Ok(Flash::success(Redirect::to("/admin/users"), "admin-saved")),
        Err(ServiceError::Invalid(_)) => Ok(Flash::error(Redirect::to("/admin/users"), "invalid-not-self")),
        Err(e) => Err(e.into()),
    }
}

#[derive(FromForm)]
pub struct PasswordForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    password: String,
}

#[rocket::post("/admin/users/<id>/password", data = "<form>")]
pub async fn users_admin_password(
    _admin: Admin,
    id: &str,
    form: CsrfForm<PasswordForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Flash<Redirect>, PageError> {
    let id = parse_user_id(id)?;
    match accounts::reset_password(db, &*app.clock, &audit.0, id, &form.password).await {
        Ok(()) => Ok(Flash::success(Redirect::to("/admin/users"), "admin-password-reset")),
        Err(ServiceError::Invalid(_)) => Ok(Flash::error(Redirect::to("/admin/users"), "invalid-password-short")),
        Err(e) => Err(e.into()),
    }
}

crate::web::auth::csrf_protected!(OrganizationForm, StatusForm, UserForm, PasswordForm);
