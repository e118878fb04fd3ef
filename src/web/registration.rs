//! Bidder self-registration: a company's representative registers the company and their own
//! account; both stay pending until an administrator activates them.

use std::collections::BTreeMap;
use std::str::FromStr;

use rocket::State;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket_dyn_templates::Template;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::domain::access::Role;
use crate::domain::account::NewAccount;
use crate::domain::localized::LocalizedText;
use crate::domain::organization::{BeneficialOwner, CompanyProfile, NewOrganization, OrganizationKind};
use crate::domain::validation::Violations;
use crate::services::{ServiceError, accounts};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::account::PageWithStatus;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, CsrfForm};
use crate::web::json::ApiJson;
use crate::web::page::{PageContext, PageError};
use crate::web::views::{AccountView, OrganizationView};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyRegistration {
    pub name: LocalizedText,
    /// A legal entity's INN (14 digits, the first 0), or an individual entrepreneur's.
    #[schema(pattern = "^[0-9]{14}$")]
    pub inn: String,
    #[serde(flatten)]
    pub profile: CompanyProfile,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountRegistration {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(max_length = 200)]
    pub full_name: String,
    /// At least 12 characters.
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "company": {"name": {"ru": "ОсОО «Ош Транзит Карт»"}, "inn": "01204200910123",
        "registration_number": "145872-3300-ООО", "legal_address": "г. Ош, ул. Ленина, 205",
        "phone": "+996 3222 5 55 55", "email": "info@oshtransit.kg", "director": "Абдыкадыров Нурлан Токтосунович",
        "beneficial_owners": [{"name": "Абдыкадыров Нурлан Токтосунович", "share_percent": "60", "inn": "21503198710015"},
                              {"name": "Токтогулова Айгүл Маратовна", "share_percent": "40"}]},
    "account": {"email": "n.abdykadyrov@oshtransit.kg", "full_name": "Абдыкадыров Нурлан Токтосунович",
        "password": "a long passphrase"}
}))]
pub struct RegistrationRequest {
    pub company: CompanyRegistration,
    pub account: AccountRegistration,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationResponse {
    pub organization: OrganizationView,
    pub user: AccountView,
}

fn parts(company: CompanyRegistration, account: AccountRegistration) -> (NewOrganization, NewAccount) {
    (
        NewOrganization {
            kind: OrganizationKind::Company,
            name: company.name,
            code: None,
            inn: Some(company.inn),
            company: Some(company.profile),
        },
        NewAccount {
            email: account.email,
            full_name: account.full_name,
            password: account.password,
            roles: vec![Role::Bidder],
            chair: false,
            deputy_chair: false,
        },
    )
}

/// Registers a company and its bidder account, both pending.
#[utoipa::path(
    post,
    path = "/api/v1/registrations",
    tag = "organizations",
    request_body = RegistrationRequest,
    responses(
        (status = 201, description = "Registered; pending until an administrator activates it", body = RegistrationResponse),
        (status = 409, description = "The INN or the email is already registered; the field is named", body = crate::web::api_error::ErrorBody),
        (status = 400, description = "Not JSON, or a field of the wrong type", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::api_error::ErrorBody),
    )
)]
#[rocket::post("/registrations", data = "<body>")]
pub async fn register_api(
    body: ApiJson<RegistrationRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<RegistrationResponse>), ApiError> {
    let request = body.0;
    let (company, account) = parts(request.company, request.account);
    let (org, user) = accounts::register_company(db, &*app.clock, &audit.0, &company, &account).await?;
    let location = format!("/api/v1/organizations/{}", org.id);
    let profile = company.company;
    Ok(created_response(
        RegistrationResponse {
            organization: OrganizationView::of(org, &app.config.party_scheme).with_profile(profile),
            user: user.into(),
        },
        location,
    ))
}

#[derive(FromForm, Default)]
pub struct OwnerForm {
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    share: String,
    #[field(default = String::new())]
    inn: String,
}

#[derive(FromForm)]
pub struct RegisterForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    name_ru: String,
    #[field(default = String::new())]
    name_ky: String,
    #[field(default = String::new())]
    name_en: String,
    #[field(default = String::new())]
    inn: String,
    #[field(default = String::new())]
    registration_number: String,
    #[field(default = String::new())]
    legal_address: String,
    #[field(default = String::new())]
    phone: String,
    #[field(default = String::new())]
    company_email: String,
    #[field(default = String::new())]
    director: String,
    owners: Vec<OwnerForm>,
    #[field(default = String::new())]
    full_name: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    password: String,
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Rows for the form: what was typed (to show it again) with each cell's messages; at least three.
fn owner_rows(form: Option<&RegisterForm>, errors: &BTreeMap<String, Vec<String>>) -> Vec<serde_json::Value> {
    let cell = |i: usize, name: &str| errors.get(&format!("owners.{i}.{name}")).cloned().unwrap_or_default();
    let typed: &[OwnerForm] = form.map(|f| f.owners.as_slice()).unwrap_or_default();
    (0..typed.len().max(3))
        .map(|i| {
            let (name, share, inn) = typed.get(i).map_or(("", "", ""), |o| (&o.name, &o.share, &o.inn));
            json!({
                "name": name, "share": share, "inn": inn,
                "errors": {"name": cell(i, "name"), "share": cell(i, "share_percent"), "inn": cell(i, "inn")},
            })
        })
        .collect()
}

fn register_page(ctx: &PageContext, form: Option<&RegisterForm>, errors: Option<&Violations>) -> Template {
    let values = form.map(|f| {
        json!({
            "name_ru": f.name_ru, "name_ky": f.name_ky, "name_en": f.name_en, "inn": f.inn,
            "registration_number": f.registration_number, "legal_address": f.legal_address,
            "phone": f.phone, "company_email": f.company_email, "director": f.director,
            "full_name": f.full_name, "email": f.email,
        })
    });
    let errors = errors.map(|v| ctx.field_messages(v)).unwrap_or_default();
    ctx.render(
        "register",
        "register-title",
        json!({
            "values": values.unwrap_or_else(|| json!({})),
            "owners": owner_rows(form, &errors),
            "errors": errors,
        }),
    )
}

#[rocket::get("/register")]
pub fn register_form(ctx: PageContext) -> Template {
    register_page(&ctx, None, None)
}

/// The form's field names for the domain's field paths, so errors show beside their inputs.
fn form_field(domain_field: &str) -> String {
    match domain_field {
        "name.ru" => "name_ru".into(),
        "name.ky" => "name_ky".into(),
        "name.en" => "name_en".into(),
        "company.email" => "company_email".into(),
        f if f.starts_with("company.beneficial_owners") => f.replace("company.beneficial_owners", "owners"),
        f if f.starts_with("company.") => f.trim_start_matches("company.").into(),
        f if f.starts_with("account.") => f.trim_start_matches("account.").into(),
        f => f.into(),
    }
}

#[rocket::post("/register", data = "<form>")]
pub async fn register(
    ctx: PageContext,
    form: CsrfForm<RegisterForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Result<Template, PageWithStatus>, PageError> {
    let mut shares_invalid = Violations::new();
    let owners: Vec<BeneficialOwner> = form
        .owners
        .iter()
        .enumerate()
        .filter(|(_, o)| !(o.name.trim().is_empty() && o.share.trim().is_empty() && o.inn.trim().is_empty()))
        .map(|(i, o)| {
            let share = Decimal::from_str(o.share.trim().replace(',', ".").as_str()).unwrap_or_else(|_| {
                shares_invalid.add(format!("owners.{i}.share_percent"), "number");
                Decimal::ZERO
            });
            BeneficialOwner {
                name: o.name.trim().to_string(),
                share_percent: share,
                inn: optional(&o.inn),
            }
        })
        .collect();
    let company = CompanyRegistration {
        name: LocalizedText {
            ru: form.name_ru.trim().to_string(),
            ky: optional(&form.name_ky),
            en: optional(&form.name_en),
        },
        inn: form.inn.trim().to_string(),
        profile: CompanyProfile {
            registration_number: form.registration_number.clone(),
            legal_address: form.legal_address.clone(),
            phone: optional(&form.phone),
            email: form.company_email.clone(),
            director: form.director.clone(),
            beneficial_owners: owners,
        },
    };
    let account = AccountRegistration {
        email: form.email.clone(),
        full_name: form.full_name.clone(),
        password: form.password.clone(),
    };
    let (company, account) = parts(company, account);
    let outcome = if shares_invalid.is_empty() {
        accounts::register_company(db, &*app.clock, &audit.0, &company, &account)
            .await
            .map(|_| ())
    } else {
        Err(ServiceError::Invalid(shares_invalid))
    };
    let violations = match outcome {
        Ok(()) => return Ok(Ok(ctx.render("registered", "registered-title", json!({})))),
        Err(ServiceError::Invalid(v)) => v,
        Err(ServiceError::Duplicate(field)) => {
            let mut v = Violations::new();
            v.add(field, "duplicate");
            v
        }
        Err(other) => return Err(other.into()),
    };
    let mut on_form = Violations::new();
    for (field, codes) in violations.fields() {
        for code in codes {
            on_form.add(form_field(field), code);
        }
    }
    Ok(Err(PageWithStatus::new(
        Status::UnprocessableEntity,
        register_page(&ctx, Some(&form), Some(&on_form)),
    )))
}

crate::web::auth::csrf_protected!(RegisterForm);
