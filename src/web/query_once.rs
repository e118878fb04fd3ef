//! Refuses a query that gives one parameter twice (`?stage=a&stage=b`): Rocket would read such
//! a parameter as absent, so the request would quietly answer as if unfiltered. Every API route
//! that reads query parameters takes this guard.

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};

use crate::web::api_error::ApiError;

/// The request's query names each parameter at most once.
pub struct QueryOnce;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for QueryOnce {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let Some(query) = req.uri().query() else {
            return Outcome::Success(QueryOnce);
        };
        let mut seen = std::collections::BTreeSet::new();
        for (name, _) in query.segments() {
            if !seen.insert(name) {
                let error = ApiError::field(name, "repeated_parameter");
                // The API's catcher answers with this error (see web::catchers).
                req.local_cache(|| Some(error.clone()));
                return Outcome::Error((Status::UnprocessableEntity, error));
            }
        }
        Outcome::Success(QueryOnce)
    }
}
