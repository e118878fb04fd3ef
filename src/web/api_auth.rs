//! Tokens for programs: `POST /api/v1/auth/token` trades an email and password for a bearer
//! token; `DELETE` revokes it; `GET /api/v1/me` tells who the token belongs to.

use chrono::{DateTime, Utc};
use rocket::State;
use rocket::http::{Header, Status};
use rocket::response::Responder;
use rocket::serde::json::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::audit::AuditContext;
use crate::services::accounts::{self, SignInError};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::account::ClientAddress;
use crate::web::api_error::{ApiError, Message};
use crate::web::auth::{Audit, SignedIn};
use crate::web::json::ApiJson;
use crate::web::views::UserView;

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"email": "officer.osh@demo.kg", "password": "demo-password"}))]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

#[derive(Responder)]
pub struct Created<T> {
    body: Json<T>,
    location: Header<'static>,
}

pub(crate) fn created_response<T>(body: T, location: String) -> (Status, Created<T>) {
    (
        Status::Created,
        Created {
            body: Json(body),
            location: Header::new("Location", location),
        },
    )
}

/// Signs in a program: 201 with a token, 401 on a wrong email or password, 403 for an account
/// not (yet) active, 429 after five failures in fifteen minutes.
#[utoipa::path(
    post,
    path = "/api/v1/auth/token",
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 201, description = "A new token", body = TokenResponse),
        (status = 400, description = "Not JSON, or a field of the wrong type", body = crate::web::api_error::ErrorBody),
        (status = 401, description = "Wrong email or password", body = crate::web::api_error::ErrorBody),
        (status = 403, description = "The account or its organisation is not active", body = crate::web::api_error::ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = crate::web::api_error::ErrorBody),
    )
)]
#[rocket::post("/auth/token", data = "<body>")]
pub async fn issue(
    body: ApiJson<TokenRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    client: ClientAddress,
) -> Result<(Status, Created<TokenResponse>), ApiError> {
    let request = body.0;
    let identity = match accounts::sign_in(
        db,
        &*app.clock,
        &request.email,
        &request.password,
        client.ip.as_deref(),
        None,
    )
    .await
    {
        Ok(identity) => identity,
        Err(SignInError::BadCredentials) => {
            return Err(ApiError::new(
                Status::Unauthorized,
                "unauthenticated",
                Message::new("error-bad-credentials"),
            ));
        }
        Err(SignInError::NotActive) => {
            return Err(ApiError::new(
                Status::Forbidden,
                "forbidden",
                Message::new("error-account-inactive"),
            ));
        }
        Err(SignInError::Throttled(seconds)) => {
            let mut error = ApiError::for_status(Status::TooManyRequests);
            error.retry_after = Some(seconds);
            return Err(error);
        }
        Err(SignInError::Store(e)) => return Err(e.into()),
    };
    let ctx = AuditContext::person(&identity, client.ip.clone());
    let (token, expires_at) =
        accounts::issue_token(db, &*app.clock, &ctx, &identity, app.config.token_lifetime).await?;
    Ok(created_response(
        TokenResponse {
            token,
            expires_at,
            user: UserView::from(&identity),
        },
        "/api/v1/me".into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    pub revoked: bool,
}

/// Revokes the bearer token this request carries.
#[utoipa::path(
    delete,
    path = "/api/v1/auth/token",
    tag = "auth",
    responses(
        (status = 200, description = "The token no longer works", body = Revoked),
        (status = 401, description = "No live token", body = crate::web::api_error::ErrorBody),
    ),
    security(("bearer" = []))
)]
#[rocket::delete("/auth/token")]
pub async fn revoke(
    _who: SignedIn,
    bearer: BearerToken,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Revoked>, ApiError> {
    let Some(token) = bearer.0 else {
        // A browser session has no token to revoke: it signs out through the page instead.
        return Err(ApiError::for_status(Status::Unauthorized));
    };
    let revoked = accounts::revoke_token(db, &*app.clock, &audit.0, &token).await?;
    Ok(Json(Revoked { revoked }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEnded {
    /// How many browser sessions were live and are now ended.
    pub sessions_ended: u64,
}

/// Ends every browser session of the caller's account, on every device (API tokens stay: each
/// is revoked on its own).
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions",
    tag = "auth",
    responses(
        (status = 200, description = "Every browser session of the account has ended", body = SessionsEnded),
        (status = 401, description = "No valid credentials", body = crate::web::api_error::ErrorBody),
    ),
    security(("bearer" = []))
)]
#[rocket::delete("/me/sessions")]
pub async fn end_sessions(
    who: SignedIn,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<SessionsEnded>, ApiError> {
    let sessions_ended = accounts::sign_out_everywhere(db, &*app.clock, &audit.0, &who.0).await?;
    Ok(Json(SessionsEnded { sessions_ended }))
}

/// Who this token (or session) belongs to.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "auth",
    responses(
        (status = 200, description = "The signed-in user", body = UserView),
        (status = 401, description = "No valid credentials", body = crate::web::api_error::ErrorBody),
    ),
    security(("bearer" = []))
)]
#[rocket::get("/me")]
pub fn me(who: SignedIn) -> Json<UserView> {
    Json(UserView::from(&who.0))
}

/// The raw bearer token of the request, if it carries one.
pub struct BearerToken(pub Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for BearerToken {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        let token = req
            .headers()
            .get_one("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        rocket::request::Outcome::Success(BearerToken(token))
    }
}
