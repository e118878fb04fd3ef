//! Who is asking: the browser session (a private cookie) or a bearer token, resolved once per
//! request into an [`Identity`], and the guards that let a route demand a role. The rules
//! themselves are data in [`crate::web::permissions`]; these guards enforce them.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome, Request};

use crate::credentials::{random_token, same_secret};
use crate::domain::access::{Identity, Role};
use crate::domain::audit::AuditContext;
use crate::domain::ids::UserId;
use crate::domain::policy;
use crate::services::accounts;
use crate::storage::{Db, users};
use crate::web::AppState;

pub const SESSION_COOKIE: &str = "session";
pub const CSRF_COOKIE: &str = "csrf";
/// The form field every state-changing HTML form carries.
pub const CSRF_FIELD: &str = "csrf_token";

/// The browser session: who, since when, last seen when. Kept in a private (encrypted and
/// signed) cookie, so any app instance with the same secret key can read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Session {
    user: UserId,
    signed_in_at: i64,
    seen_at: i64,
}

impl Session {
    fn encode(self) -> String {
        format!("{}:{}:{}", self.user.0, self.signed_in_at, self.seen_at)
    }

    fn decode(text: &str) -> Option<Session> {
        let mut parts = text.split(':').map(|p| p.parse::<i64>().ok());
        let (user, signed_in_at, seen_at) = (parts.next()??, parts.next()??, parts.next()??);
        Some(Session {
            user: UserId(user),
            signed_in_at,
            seen_at,
        })
    }
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

/// Starts a browser session for `user` and rotates the CSRF token.
pub fn start_session(cookies: &CookieJar<'_>, secure: bool, user: UserId, now: DateTime<Utc>) {
    let session = Session {
        user,
        signed_in_at: now.timestamp(),
        seen_at: now.timestamp(),
    };
    cookies.add_private(session_cookie(session.encode(), secure));
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
    let Some(session) = cookies
        .get_private(SESSION_COOKIE)
        .and_then(|c| Session::decode(c.value()))
    else {
        return Ok(Resolved::Anonymous);
    };
    let now = app.clock.now().timestamp();
    let idle = now - session.seen_at >= app.config.session_idle.num_seconds();
    let too_old = now - session.signed_in_at >= app.config.session_absolute.num_seconds();
    if idle || too_old {
        cookies.remove_private(Cookie::build(SESSION_COOKIE).path("/"));
        return Ok(Resolved::Anonymous);
    }
    match users::active_identity(db, session.user).await? {
        Some(identity) => {
            let refreshed = Session {
                seen_at: now,
                ..session
            };
            cookies.add_private(session_cookie(refreshed.encode(), secure_cookies(req)));
            Ok(Resolved::User(identity))
        }
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
        let cookies = req.cookies();
        if let Some(existing) = cookies.get_private(CSRF_COOKIE) {
            return Outcome::Success(CsrfToken(existing.value().to_string()));
        }
        let token = random_token();
        cookies.add_private(csrf_cookie(token.clone(), secure_cookies(req)));
        Outcome::Success(CsrfToken(token))
    }
}

/// Whether a submitted form's token matches the browser's; checked first by every HTML POST.
pub fn csrf_ok(cookies: &CookieJar<'_>, submitted: &str) -> bool {
    match cookies.get_private(CSRF_COOKIE) {
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
                if csrf_ok(req.cookies(), form.csrf_token()) {
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
    fn sessions_round_trip_and_reject_garbage() {
        let s = Session {
            user: UserId(7),
            signed_in_at: 100,
            seen_at: 160,
        };
        assert_eq!(Session::decode(&s.encode()), Some(s));
        assert_eq!(Session::decode("7:100"), None);
        assert_eq!(Session::decode("x:1:2"), None);
    }
}
