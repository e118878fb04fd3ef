//! Signing in and out in the browser, and the signed-in person's own page.

use rocket::form::FromForm;
use rocket::http::{CookieJar, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Redirect, Responder};
use rocket::{Either, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use crate::services::accounts::{self, SignInError};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::auth::{
    Audit, CsrfForm, MaybeUser, SignedIn, end_session, new_session, secure_cookies, session_hash, start_session,
};
use crate::web::lang::local_path;
use crate::web::page::{PageContext, PageError};

#[derive(FromForm)]
pub struct SignInForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    password: String,
    #[field(default = String::new())]
    next: String,
}

/// A page with a status other than 200 and, for 429, a `Retry-After` header.
pub struct PageWithStatus {
    status: Status,
    retry_after: Option<i64>,
    page: Template,
}

impl PageWithStatus {
    pub fn new(status: Status, page: Template) -> Self {
        Self {
            status,
            retry_after: None,
            page,
        }
    }
}

impl<'r> Responder<'r, 'static> for PageWithStatus {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = self.page.respond_to(req)?;
        response.set_status(self.status);
        if let Some(seconds) = self.retry_after {
            response.set_header(Header::new("Retry-After", seconds.to_string()));
        }
        Ok(response)
    }
}

fn sign_in_page(ctx: &PageContext, email: &str, next: &str, error: Option<String>) -> Template {
    ctx.render(
        "sign_in",
        "sign-in-title",
        json!({ "email": email, "next": next, "error": error }),
    )
}

#[rocket::get("/sign-in?<next>")]
pub fn sign_in_form(ctx: PageContext, next: Option<&str>) -> Template {
    sign_in_page(&ctx, "", local_path(next), None)
}

#[rocket::post("/sign-in", data = "<form>")]
pub async fn sign_in(
    req_ctx: PageContext,
    form: CsrfForm<SignInForm>,
    cookies: &CookieJar<'_>,
    db: &State<Db>,
    app: &State<AppState>,
    client: ClientAddress,
) -> Result<Either<Redirect, PageWithStatus>, PageError> {
    let ctx = req_ctx;
    let next = local_path(Some(&form.next)).to_string();
    let refuse = |status: Status, key: &str, retry_after: Option<i64>| {
        Either::Right(PageWithStatus {
            status,
            retry_after,
            page: sign_in_page(&ctx, &form.email, &next, Some(ctx.lang.text(key))),
        })
    };
    if form.email.trim().is_empty() || form.password.is_empty() {
        return Ok(refuse(Status::UnprocessableEntity, "sign-in-missing", None));
    }
    let (secret, session) = new_session();
    let previous = session_hash(cookies);
    let browser = accounts::BrowserSession {
        new: &session,
        previous: previous.as_deref(),
    };
    let ip = client.ip.as_deref();
    match accounts::sign_in(db, &*app.clock, &form.email, &form.password, ip, Some(browser)).await {
        Ok(_) => {
            start_session(cookies, client.secure_cookies, secret);
            let target = if next == "/" { "/account".to_string() } else { next };
            Ok(Either::Left(Redirect::to(target)))
        }
        Err(SignInError::BadCredentials) => Ok(refuse(Status::Unauthorized, "sign-in-wrong", None)),
        Err(SignInError::NotActive) => Ok(refuse(Status::Forbidden, "sign-in-inactive", None)),
        Err(SignInError::Throttled(seconds)) => Ok(refuse(Status::TooManyRequests, "sign-in-throttled", Some(seconds))),
        Err(SignInError::Store(e)) => Err(e.into()),
    }
}

#[derive(FromForm)]
pub struct CsrfOnly {
    #[field(default = String::new())]
    csrf_token: String,
}

#[rocket::post("/sign-out", data = "<_form>")]
pub async fn sign_out(
    // Checked for its CSRF token before the handler runs.
    _form: CsrfForm<CsrfOnly>,
    cookies: &CookieJar<'_>,
    client: ClientAddress,
    who: MaybeUser,
    audit: Audit,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Redirect, PageError> {
    if let Some(identity) = &who.0 {
        let session = session_hash(cookies);
        accounts::record_sign_out(db, &*app.clock, &audit.0, identity, session.as_deref()).await?;
    }
    end_session(cookies, client.secure_cookies);
    Ok(Redirect::to("/"))
}

/// Ends every session of the signed-in account, this browser's included.
#[rocket::post("/sign-out-everywhere", data = "<_form>")]
pub async fn sign_out_everywhere(
    // Checked for its CSRF token before the handler runs.
    _form: CsrfForm<CsrfOnly>,
    cookies: &CookieJar<'_>,
    client: ClientAddress,
    who: SignedIn,
    audit: Audit,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Redirect, PageError> {
    accounts::sign_out_everywhere(db, &*app.clock, &audit.0, &who.0).await?;
    end_session(cookies, client.secure_cookies);
    Ok(Redirect::to("/sign-in"))
}

#[rocket::get("/account")]
pub fn account(ctx: PageContext, who: SignedIn) -> Template {
    let who = who.0;
    let roles: Vec<String> = who
        .roles
        .iter()
        .map(|r| ctx.lang.text(&format!("role-{}", r.as_str())))
        .collect();
    ctx.render(
        "account",
        "account-title",
        json!({
            "full_name": who.full_name,
            "email": who.email,
            "organization": who.organization_name.get(ctx.lang),
            "roles": roles,
            "chair": who.chair,
            "deputy_chair": who.deputy_chair,
        }),
    )
}

/// The client's address (as Rocket sees it, after the configured proxy header) and whether
/// cookies must be `Secure` (everywhere but the debug profile).
pub struct ClientAddress {
    pub ip: Option<String>,
    pub secure_cookies: bool,
}

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for ClientAddress {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        rocket::request::Outcome::Success(ClientAddress {
            ip: req.client_ip().map(|ip| ip.to_string()),
            secure_cookies: secure_cookies(req),
        })
    }
}

crate::web::auth::csrf_protected!(SignInForm, CsrfOnly);
