//! Who is asking: the browser session (a private cookie) or a bearer token, resolved once per
//! request into an [`Identity`], and the guards that let a route demand a role. The rules
//! themselves are data in [`crate::web::permissions`]; these guards enforce them.

use std::marker::PhantomData;

use rocket::http::{Cookie, CookieJar, Method, SameSite, Status};
use rocket::request::{FromRequest, Outcome, Request};

use crate::credentials::{random_token, same_secret, token_hash};
use crate::domain::access::{Identity, Role};
use crate::domain::audit::AuditContext;
use crate::domain::policy;
use crate::services::accounts;
use crate::storage::{Db, users};
use crate::web::AppState;

pub const SESSION_COOKIE: &str = "session";
pub const CSRF_COOKIE: &str = "csrf";
/// The form field every state-changing HTML form carries.
pub const CSRF_FIELD: &str = "csrf_token";
/// The header a JSON API write authenticated by a browser session must carry its CSRF token in.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// The browser session's secret as its cookie carries it (64 hex digits), if well-formed. The
/// session itself lives on the server (`storage::sessions`), under the secret's SHA-256.
fn session_secret(cookies: &CookieJar<'_>) -> Option<String> {
    let secret = cookies.get_private(SESSION_COOKIE)?.value().to_string();
    (secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())).then_some(secret)
}

/// The CSRF token of a signed-in browser: derived from its session's secret, so it works with
/// that session only and changes with every sign-in.
fn session_csrf(secret: &str) -> String {
    token_hash(&format!("csrf:{secret}"))
}

/// The hash under which the server keeps this browser's session, if it has one.
pub fn session_hash(cookies: &CookieJar<'_>) -> Option<String> {
    session_secret(cookies).map(|s| token_hash(&s))
}

/// A new session's secret (for the cookie) and its hash (for the server).
pub fn new_session() -> (String, String) {
    let secret = random_token();
    let hash = token_hash(&secret);
    (secret, hash)
}

fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// Cookies are `Secure` outside the debug profile (deployments serve HTTPS).
pub fn secure_cookies(req: &Request<'_>) -> bool {
    req.rocket().config().profile != rocket::Config::DEBUG_PROFILE
}

/// Gives the browser the secret of the session the sign-in recorded, and rotates the
/// anonymous CSRF token.
pub fn start_session(cookies: &CookieJar<'_>, secure: bool, secret: String) {
    cookies.add_private(session_cookie(secret, secure));
    cookies.add_private(csrf_cookie(random_token(), secure));
}

/// Ends the browser session and rotates the CSRF token.
pub fn end_session(cookies: &CookieJar<'_>, secure: bool) {
    cookies.remove_private(Cookie::build(SESSION_COOKIE).path("/"));
    cookies.add_private(csrf_cookie(random_token(), secure));
}

/// How the request identified itself.
#[derive(Debug, Clone)]
enum Resolved {
    Anonymous,
    /// Credentials were presented but are forged, expired or revoked: a 401, never anonymous.
    Invalid,
    User(Identity),
}

/// Resolves the caller once per request (guards may ask several times).
async fn resolve<'r>(req: &'r Request<'_>) -> &'r Resolved {
    req.local_cache_async(async {
        match resolve_uncached(req).await {
            Ok(resolved) => resolved,
            Err(e) => {
                log::error!("identity lookup failed: {e}");
                Resolved::Invalid
            }
        }
    })
    .await
}

async fn resolve_uncached(req: &Request<'_>) -> Result<Resolved, crate::storage::StoreError> {
    let (Some(db), Some(app)) = (req.rocket().state::<Db>(), req.rocket().state::<AppState>()) else {
        return Ok(Resolved::Anonymous);
    };
    if let Some(header) = req.headers().get_one("Authorization") {
        let token = header.strip_prefix("Bearer ").map(str::trim).unwrap_or("");
        if token.is_empty() {
            return Ok(Resolved::Invalid);
        }
        return Ok(match accounts::identity_for_token(db, &*app.clock, token).await? {
            Some(identity) => Resolved::User(identity),
            None => Resolved::Invalid,
        });
    }
    let cookies = req.cookies();
    let Some(secret) = session_secret(cookies) else {
        return Ok(Resolved::Anonymous);
    };
    // The JSON API takes a browser session for a write only with the session's CSRF token in
    // a header: a cross-site form or fetch cannot send one.
    let write = !matches!(req.method(), Method::Get | Method::Head | Method::Options);
    // Decided by the route that serves the request (mounted under /api), not the path's raw
    // text, which `//api/...` or `/%61pi/...` would slip past.
    let api = match req.route() {
        Some(route) => route.uri.base().starts_with("/api"),
        None => req.uri().path().segments().next() == Some("api"),
    };
    if write && api {
        let sent = req.headers().get_one(CSRF_HEADER).unwrap_or("");
        if sent.is_empty() || !same_secret(&session_csrf(&secret), sent) {
            return Ok(Resolved::Anonymous);
        }
    }
    let config = &app.config;
    let owner = accounts::session_owner(
        db,
        &*app.clock,
        &token_hash(&secret),
        config.session_idle,
        config.session_absolute,
    )
    .await
    .map_err(|e| match e {
        crate::services::ServiceError::Store(store) => store,
        other => crate::storage::StoreError::Database(other.to_string()),
    })?;
    let identity = match owner {
        Some(user) => users::active_identity(db, user).await?,
        None => None,
    };
    match identity {
        Some(identity) => Ok(Resolved::User(identity)),
        None => {
            cookies.remove_private(Cookie::build(SESSION_COOKIE).path("/"));
            Ok(Resolved::Anonymous)
        }
    }
}

/// The caller's identity, or nobody; never refuses (for pages that show who is signed in).
pub struct MaybeUser(pub Option<Identity>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MaybeUser {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match resolve(req).await {
            Resolved::User(identity) => Outcome::Success(MaybeUser(Some(identity.clone()))),
            Resolved::Invalid if req.headers().contains("Authorization") => Outcome::Error((Status::Unauthorized, ())),
            _ => Outcome::Success(MaybeUser(None)),
        }
    }
}

/// A signed-in caller; 401 otherwise.
pub struct SignedIn(pub Identity);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for SignedIn {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match resolve(req).await {
            Resolved::User(identity) => Outcome::Success(SignedIn(identity.clone())),
            _ => Outcome::Error((Status::Unauthorized, ())),
        }
    }
}

/// A rule naming the roles a guarded route admits.
pub trait Policy: Send + Sync + 'static {
    const ROLES: &'static [Role];
}

/// A signed-in caller holding one of `P::ROLES`: 401 when not signed in, 403 otherwise.
pub struct Authorized<P: Policy>(pub Identity, PhantomData<P>);

#[rocket::async_trait]
impl<'r, P: Policy> FromRequest<'r> for Authorized<P> {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match resolve(req).await {
            Resolved::User(identity) if identity.has_any_role(P::ROLES) => {
                Outcome::Success(Authorized(identity.clone(), PhantomData))
            }
            Resolved::User(_) => Outcome::Error((Status::Forbidden, ())),
            _ => Outcome::Error((Status::Unauthorized, ())),
        }
    }
}

/// Platform administrators.
pub struct Admins;

impl Policy for Admins {
    const ROLES: &'static [Role] = policy::ADMINISTRATORS;
}

pub type Admin = Authorized<Admins>;

/// Municipal investment-department officers.
pub struct Officers;

impl Policy for Officers {
    const ROLES: &'static [Role] = policy::PROJECT_FILERS;
}

pub type Officer = Authorized<Officers>;

/// Company representatives.
pub struct Bidders;

impl Policy for Bidders {
    const ROLES: &'static [Role] = policy::PROPOSERS;
}

/// Who may act on a project at all: its authors (municipal officers, or a proponent's bidders)
/// and the municipality's approvers; the service decides per project and action.
pub struct ProjectActors;

impl Policy for ProjectActors {
    const ROLES: &'static [Role] = policy::PROJECT_ACTORS;
}

/// Authors of projects: municipal officers, and companies' bidders for private initiatives.
pub struct ProjectAuthors;

impl Policy for ProjectAuthors {
    const ROLES: &'static [Role] = policy::PROJECT_AUTHORS;
}

/// A municipality's project staff: officers and approvers (the action decides which).
pub struct ProjectStaff;

impl Policy for ProjectStaff {
    const ROLES: &'static [Role] = policy::PROJECT_STAFF;
}

/// Who prepares tenders: a municipality's officers.
pub struct TenderPreparers;

impl Policy for TenderPreparers {
    const ROLES: &'static [Role] = policy::TENDER_PREPARERS;
}

/// Who publishes and cancels tenders: a municipality's approvers.
pub struct TenderApprovers;

impl Policy for TenderApprovers {
    const ROLES: &'static [Role] = policy::TENDER_APPROVERS;
}

/// Who amends tenders and answers their questions: a municipality's officers and approvers.
pub struct TenderStaff;

impl Policy for TenderStaff {
    const ROLES: &'static [Role] = policy::TENDER_STAFF;
}

/// Who asks clarification questions: companies' bidders.
pub struct Questioners;

impl Policy for Questioners {
    const ROLES: &'static [Role] = policy::QUESTIONERS;
}

/// Who submits bids: companies' bidders.
pub struct BidSubmitters;

impl Policy for BidSubmitters {
    const ROLES: &'static [Role] = policy::BIDDERS;
}

/// Who may open bids: commission members (the policy then asks for the chair or the deputy).
pub struct Openers;

impl Policy for Openers {
    const ROLES: &'static [Role] = policy::OPENERS;
}

/// Who may decline for a winner: bidders and approvers (the policy then asks whose bid it is).
pub struct Decliners;

impl Policy for Decliners {
    const ROLES: &'static [Role] = policy::DECLINERS;
}

/// Who files complaints: companies' bidders.
pub struct Complainants;

impl Policy for Complainants {
    const ROLES: &'static [Role] = policy::COMPLAINANTS;
}

/// Who reads a tender's complaints: bidders, the municipality's staff, reviewers (the policy
/// then says which complaints).
pub struct ComplaintReaders;

impl Policy for ComplaintReaders {
    const ROLES: &'static [Role] = policy::COMPLAINT_READERS;
}

/// Who decides complaints and holds tenders: the antimonopoly reviewers.
pub struct Reviewers;

impl Policy for Reviewers {
    const ROLES: &'static [Role] = policy::REVIEWERS;
}

/// Who drafts contracts and records their milestones and performance: a municipality's officers.
pub struct ContractKeepers;

impl Policy for ContractKeepers {
    const ROLES: &'static [Role] = policy::CONTRACT_KEEPERS;
}

/// Who records a contract's signing, amendments and termination: a municipality's approvers.
pub struct ContractApprovers;

impl Policy for ContractApprovers {
    const ROLES: &'static [Role] = policy::CONTRACT_APPROVERS;
}

/// Who evaluates: commission members (the service then asks where they stand: declared,
/// withdrawn, acting chair).
pub struct Evaluators;

impl Policy for Evaluators {
    const ROLES: &'static [Role] = policy::COMMISSION;
}

fn csrf_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((CSRF_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// The CSRF token to put in this page's forms; created (and remembered in a private cookie)
/// on first use. A POST must send it back in [`CSRF_FIELD`].
pub struct CsrfToken(pub String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        if let Some(secret) = live_session_secret(req).await {
            return Outcome::Success(CsrfToken(session_csrf(&secret)));
        }
        let cookies = req.cookies();
        if let Some(existing) = cookies.get_private(CSRF_COOKIE) {
            return Outcome::Success(CsrfToken(existing.value().to_string()));
        }
        let token = random_token();
        cookies.add_private(csrf_cookie(token.clone(), secure_cookies(req)));
        Outcome::Success(CsrfToken(token))
    }
}

/// The secret of the browser's session when it is live (an ended or expired one is dropped
/// while the request is resolved, and its forms fall back to the anonymous token).
async fn live_session_secret(req: &Request<'_>) -> Option<String> {
    let signed_in = matches!(resolve(req).await, Resolved::User(_)) && !req.headers().contains("Authorization");
    if signed_in { session_secret(req.cookies()) } else { None }
}

/// Whether a submitted form's token matches the browser's (its live session's, once signed
/// in); checked first by every HTML POST.
async fn csrf_ok(req: &Request<'_>, submitted: &str) -> bool {
    if let Some(secret) = live_session_secret(req).await {
        return !submitted.is_empty() && same_secret(&session_csrf(&secret), submitted);
    }
    match req.cookies().get_private(CSRF_COOKIE) {
        Some(expected) => !submitted.is_empty() && same_secret(expected.value(), submitted),
        None => false,
    }
}

/// Who is acting and from where, for the audit event of whatever this request changes.
pub struct Audit(pub AuditContext);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Audit {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let client = req.client_ip().map(|ip| ip.to_string());
        let ctx = match resolve(req).await {
            Resolved::User(identity) => AuditContext::person(identity, client),
            _ => AuditContext::anonymous(client),
        };
        Outcome::Success(Audit(ctx))
    }
}

/// A form that carries the CSRF token of [`CsrfToken`] in its `csrf_token` field.
pub trait CsrfProtected {
    fn csrf_token(&self) -> &str;
}

/// Implements [`CsrfProtected`] for forms with a `csrf_token: String` field.
macro_rules! csrf_protected {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::auth::CsrfProtected for $form {
            fn csrf_token(&self) -> &str {
                &self.csrf_token
            }
        })+
    };
}
pub(crate) use csrf_protected;

/// A state-changing HTML form, accepted only with the browser's CSRF token: checked here, before
/// any handler runs, so no form route can forget it. Refusal: 403, nothing changed.
pub struct CsrfForm<T>(pub T);

impl<T> std::ops::Deref for CsrfForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

#[rocket::async_trait]
impl<'r, T> rocket::data::FromData<'r> for CsrfForm<T>
where
    T: rocket::form::FromForm<'r> + CsrfProtected + Send + 'r,
{
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: rocket::Data<'r>) -> rocket::data::Outcome<'r, Self> {
        use rocket::outcome::Outcome as O;
        match <rocket::form::Form<T> as rocket::data::FromData<'r>>::from_data(req, data).await {
            O::Success(form) => {
                let form = form.into_inner();
                if csrf_ok(req, form.csrf_token()).await {
                    O::Success(CsrfForm(form))
                } else {
                    O::Error((Status::Forbidden, ()))
                }
            }
            O::Forward(forward) => O::Forward(forward),
            O::Error((status, _)) => O::Error((status, ())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sessions_csrf_token_is_its_own() {
        let (a, _) = new_session();
        let (b, _) = new_session();
        assert_eq!(session_csrf(&a), session_csrf(&a));
        assert_ne!(session_csrf(&a), session_csrf(&b));
        assert_ne!(
            session_csrf(&a),
            token_hash(&a),
            "the token does not reveal the session's hash"
        );
    }
}
