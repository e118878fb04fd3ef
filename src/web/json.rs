//! JSON request bodies: a body that is not JSON is a 400 `bad_request` that says what is wrong
//! (api.md); too large is a 413; JSON that does not read strictly as the type
//! ([`crate::domain::strict_json`]: unknown fields, arrays for objects, control characters, wrong
//! types, missing fields) is a 422 naming each field.

use rocket::data::{Data, FromData, Outcome};
use rocket::http::Status;
use rocket::request::Request;
use rocket::serde::json::Json;
use serde::de::DeserializeOwned;

use crate::domain::strict_json;
use crate::web::api_error::{ApiError, Message};

/// A JSON body of type `T`.
pub struct ApiJson<T>(pub T);

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Send + 'static> FromData<'r> for ApiJson<T> {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self> {
        use rocket::serde::json::Error;
        // Read as text first: a number's digits are checked as written, before the parser
        // turns a fraction into a binary float (strict_json::numbers_as_written).
        match Json::<Box<serde_json::value::RawValue>>::from_data(req, data).await {
            Outcome::Success(Json(raw)) => match strict_json::read_body::<T>(&raw) {
                Ok(read) => Outcome::Success(ApiJson(read)),
                Err(e) => {
                    let api_error = ApiError::validation(&e.violations());
                    let status = api_error.status;
                    req.local_cache(|| Some(api_error.clone()));
                    Outcome::Error((status, api_error))
                }
            },
            Outcome::Forward(f) => Outcome::Forward(f),
            Outcome::Error((_, error)) => {
                let api_error = match error {
                    Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                        ApiError::for_status(Status::PayloadTooLarge)
                    }
                    Error::Io(_) => ApiError::for_status(Status::BadRequest),
                    Error::Parse(_, e) => ApiError::new(
                        Status::BadRequest,
                        "bad_request",
                        Message::new("error-bad-json").arg("detail", e.to_string()),
                    ),
                };
                let status = api_error.status;
                // The error travels to the catcher through the request's cache.
                req.local_cache(|| Some(api_error.clone()));
                Outcome::Error((status, api_error))
            }
        }
    }
}
