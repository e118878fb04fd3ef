//! What a request that no route answered, or that failed, gets back: a JSON error under `/api`,
//! an error page everywhere else. Rocket turns a handler panic into a 500 that lands here too.

use rocket::http::Status;
use rocket::request::Request;
use rocket_dyn_templates::Template;

use crate::web::api_error::ApiError;
use crate::web::page::PageError;

#[rocket::catch(default)]
pub fn html(status: Status, req: &Request<'_>) -> (Status, Template) {
    (status, PageError::render(status, req))
}

#[rocket::catch(default)]
pub fn json(status: Status, req: &Request<'_>) -> ApiError {
    // A data guard that refused the body left its precise error here (web::json).
    match req.local_cache(|| None::<ApiError>) {
        Some(error) if error.status == status => error.clone(),
        _ => ApiError::for_status(status),
    }
}
