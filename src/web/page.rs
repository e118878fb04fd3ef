//! What every HTML page shares: the layout's data (language, switch links, navigation) and the
//! error page that HTML routes answer with.

use rocket::http::{RawStr, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder};
use rocket_dyn_templates::Template;
use serde::Serialize;
use serde_json::{Value, json};

use std::collections::BTreeMap;

use crate::domain::access::Identity;
use crate::domain::validation::Violations;
use crate::i18n::Lang;
use crate::services::ServiceError;
use crate::storage::StoreError;
use crate::web::auth::{CSRF_COOKIE, CsrfToken, MaybeUser};
use crate::web::lang::request_lang;

#[derive(Serialize)]
struct LanguageLink {
    code: &'static str,
    name: &'static str,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct NavLink {
    href: &'static str,
    label: String,
    current: bool,
}

#[derive(Serialize)]
struct SignedInAs {
    name: String,
    organization: String,
}

/// The layout's data for one request.
#[derive(Serialize)]
struct Layout {
    lang: &'static str,
    title: String,
    path: String,
    languages: Vec<LanguageLink>,
    nav: Vec<NavLink>,
    user: Option<SignedInAs>,
    csrf_token: Option<String>,
}

/// The request facts a page needs to render its layout.
pub struct PageContext {
    pub lang: Lang,
    path: String,
    pub user: Option<Identity>,
    csrf_token: Option<String>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PageContext {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let mut ctx = PageContext::of(req);
        ctx.user = match req.guard::<MaybeUser>().await {
            Outcome::Success(MaybeUser(user)) => user,
            _ => None,
        };
        // Every page may carry a form (sign-out in the header at least).
        if let Outcome::Success(CsrfToken(token)) = req.guard::<CsrfToken>().await {
            ctx.csrf_token = Some(token);
        }
        Outcome::Success(ctx)
    }
}

/// Pages in the main navigation: path, message id, and the roles that see it (none: everyone).
/// The header's links; each shows to whoever the permission table lets open it.
const NAVIGATION: [(&str, &str); 13] = [
    ("/", "nav-home"),
    ("/projects", "nav-projects"),
    ("/tenders", "nav-tenders"),
    ("/contracts", "nav-contracts"),
    ("/bids", "nav-bids"),
    ("/dashboard", "nav-dashboard"),
    ("/inbox", "nav-inbox"),
    ("/review", "nav-review"),
    ("/organizations", "nav-organizations"),
    ("/audit", "nav-audit"),
    ("/transparency", "nav-transparency"),
    ("/admin/organizations", "nav-admin-organizations"),
    ("/admin/users", "nav-admin-users"),
];

impl PageContext {
    /// The context without looking up the user (for error pages, which must not fail).
    pub fn of(req: &Request<'_>) -> Self {
        Self {
            lang: request_lang(req),
            path: req.uri().to_string(),
            user: None,
            csrf_token: req.cookies().get_private(CSRF_COOKIE).map(|c| c.value().to_string()),
        }
    }

    /// Field messages in the user's language, for re-rendering a form.
    pub fn field_messages(&self, violations: &Violations) -> BTreeMap<String, Vec<String>> {
        violations
            .fields()
            .map(|(field, codes)| {
                let messages = codes
                    .iter()
                    .map(|c| self.lang.text(&format!("invalid-{}", c.replace('_', "-"))));
                (field.to_string(), messages.collect())
            })
            .collect()
    }

    fn layout(&self, title: String) -> Layout {
        let next = RawStr::new(&self.path).percent_encode().to_string();
        let path_only = self.path.split('?').next().unwrap_or("/");
        Layout {
            lang: self.lang.code(),
            title,
            path: self.path.clone(),
            languages: Lang::ALL
                .iter()
                .map(|&l| LanguageLink {
                    code: l.code(),
                    name: l.native_name(),
                    href: format!("/language/{}?next={next}", l.code()),
                    current: l == self.lang,
                })
                .collect(),
            nav: NAVIGATION
                .iter()
                .filter(|&&(href, _)| {
                    crate::web::permissions::rule_for("GET", href).is_some_and(|r| r.access.allows(self.user.as_ref()))
                })
                .map(|&(href, key)| NavLink {
                    href,
                    label: self.lang.text(key),
                    current: href == path_only,
                })
                .collect(),
            user: self.user.as_ref().map(|u| SignedInAs {
                name: u.full_name.clone(),
                organization: u.organization_name.get(self.lang).to_string(),
            }),
            csrf_token: self.csrf_token.clone(),
        }
    }

    /// A code list as a form's options: each code with its label, message `<prefix>-<code>`
    /// (underscores as dashes).
    pub fn options<T: Copy>(&self, all: &[T], code: fn(T) -> &'static str, prefix: &str) -> Vec<Value> {
        all.iter()
            .map(|v| {
                let label = self.lang.text(&format!("{prefix}-{}", code(*v).replace('_', "-")));
                json!({"value": code(*v), "label": label})
            })
            .collect()
    }

    /// Renders `template` with the layout (`layout`) and the page's own data (`page`).
    pub fn render(&self, template: &'static str, title_id: &str, page: Value) -> Template {
        let layout = self.layout(self.lang.text(title_id));
        Template::render(template, json!({ "layout": layout, "page": page }))
    }
}

/// An HTML route's refusal or failure: an error page in the user's language, with a way back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageError {
    pub status: Status,
}

impl PageError {
    pub fn new(status: Status) -> Self {
        Self { status }
    }

    /// Renders the error page for `status` (used by the catchers too).
    pub fn render(status: Status, req: &Request<'_>) -> Template {
        let ctx = PageContext::of(req);
        let known = [400, 401, 403, 404, 409, 413, 415, 422, 429, 503];
        let key = if known.contains(&status.code) {
            status.code.to_string()
        } else {
            "500".to_string()
        };
        ctx.render(
            "error",
            &format!("page-error-{key}-title"),
            json!({
                "status": status.code,
                "message": ctx.lang.text(&format!("page-error-{key}-message")),
            }),
        )
    }
}

impl<'r> Responder<'r, 'static> for PageError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = PageError::render(self.status, req).respond_to(req)?;
        response.set_status(self.status);
        Ok(response)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(reason) => {
                log::warn!("database unavailable: {reason}");
                PageError::new(Status::ServiceUnavailable)
            }
            StoreError::Contention(reason) => {
                log::warn!("contention outlasted every retry: {reason}");
                PageError::new(Status::ServiceUnavailable)
            }
            StoreError::NotFound(_) => PageError::new(Status::NotFound),
            StoreError::Conflict(_) => PageError::new(Status::Conflict),
            other => {
                log::error!("storage error: {other}");
                PageError::new(Status::InternalServerError)
            }
        }
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(_) => PageError::new(Status::UnprocessableEntity),
            ServiceError::NotFound(_) => PageError::new(Status::NotFound),
            ServiceError::Duplicate(_) => PageError::new(Status::Conflict),
            ServiceError::Forbidden | ServiceError::Refused(_) => PageError::new(Status::Forbidden),
            ServiceError::UnsupportedMediaType => PageError::new(Status::UnsupportedMediaType),
            ServiceError::TooLarge => PageError::new(Status::PayloadTooLarge),
            ServiceError::Busy | ServiceError::KeyMissing(_) => PageError::new(Status::ServiceUnavailable),
            ServiceError::DeadlinePassed | ServiceError::Sealed | ServiceError::ReviewHold(_) => {
                PageError::new(Status::Conflict)
            }
            ServiceError::InvalidTransition { .. }
            | ServiceError::PreconditionFailed(_)
            | ServiceError::NotTopRanked(_)
            | ServiceError::Conflict(_) => PageError::new(Status::Conflict),
            ServiceError::Store(store) => store.into(),
        }
    }
}
