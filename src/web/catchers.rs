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
pub fn json(status: Status, req: &Request<'_>) -> WithAllow {
    // A data guard that refused the body left its precise error here (web::json).
    match req.local_cache(|| None::<ApiError>) {
        Some(error) if error.status == status => WithAllow(error.clone(), None),
        // No route took the method (404), or Rocket does not know the method at all (400, e.g.
        // QUERY): when the path is served with others, say so.
        _ if matches!(status, Status::NotFound | Status::BadRequest) && req.route().is_none() => {
            match allowed_methods(req) {
                Some(allow) => WithAllow(ApiError::for_status(Status::MethodNotAllowed), Some(allow)),
                None => WithAllow(ApiError::for_status(status), None),
            }
        }
        _ => WithAllow(ApiError::for_status(status), None),
    }
}

/// An API error with, for a 405, the `Allow` header naming the methods the path takes.
pub struct WithAllow(ApiError, Option<String>);

impl<'r> rocket::response::Responder<'r, 'static> for WithAllow {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        let mut response = self.0.respond_to(req)?;
        if let Some(methods) = self.1 {
            response.set_header(rocket::http::Header::new("Allow", methods));
        }
        Ok(response)
    }
}

/// The methods the request's path is served with, when no route answered its method (then the
/// answer is 405 with `Allow`, not 404).
fn allowed_methods(req: &Request<'_>) -> Option<String> {
    let path = req.uri().path().as_str();
    let matching: Vec<_> = req
        .rocket()
        .routes()
        .filter(|route| path_matches(route.uri.path(), path))
        .collect();
    // As Rocket routes: a static segment wins over a parameter (`/projects/export` is not
    // `/projects/<id>`), so only the most specific matches count.
    let dynamic = |route: &&rocket::Route| route.uri.path().matches('<').count();
    let fewest = matching.iter().map(dynamic).min()?;
    let mut methods: Vec<&str> = matching
        .iter()
        .filter(|route| dynamic(route) == fewest)
        .map(|route| route.method.as_str())
        .collect();
    if methods.is_empty() {
        return None;
    }
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    methods.sort_unstable();
    methods.dedup();
    Some(methods.join(", "))
}

/// Whether a route's path (`/api/v1/projects/<id>`, `<rest..>` taking the rest) matches a path.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_matches('/').split('/').collect();
    for (i, segment) in pattern.iter().enumerate() {
        if segment.starts_with('<') && segment.ends_with("..>") {
            return path.len() >= i;
        }
        match path.get(i) {
            Some(given) if segment.starts_with('<') || segment == given => {}
            _ => return false,
        }
    }
    pattern.len() == path.len()
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn route_paths_match_by_segment() {
        assert!(path_matches("/api/v1/projects/<id>", "/api/v1/projects/17"));
        assert!(!path_matches("/api/v1/projects/<id>", "/api/v1/projects/17/documents"));
        assert!(path_matches("/api/v1/me", "/api/v1/me"));
        assert!(path_matches("/static/<path..>", "/static/a/b.css"));
        assert!(!path_matches("/api/v1/me", "/api/v1/me/sessions"));
    }
}
