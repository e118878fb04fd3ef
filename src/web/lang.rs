//! The interface language of a request: the `lang` cookie, then `Accept-Language`, then the
//! configured default. The switch in the header sets the cookie.

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::Redirect;
use rocket::time::Duration;

use crate::i18n::Lang;
use crate::web::AppState;

pub const LANG_COOKIE: &str = "lang";

/// The language for this request; never fails.
pub fn request_lang(req: &Request<'_>) -> Lang {
    let from_cookie = req.cookies().get(LANG_COOKIE).and_then(|c| c.value().parse().ok());
    let from_header = || {
        req.headers()
            .get_one("Accept-Language")
            .and_then(Lang::from_accept_language)
    };
    let default = || {
        req.rocket()
            .state::<AppState>()
            .map(|s| s.config.default_language)
            .unwrap_or_default()
    };
    from_cookie.or_else(from_header).unwrap_or_else(default)
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Lang {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(request_lang(req))
    }
}

/// Only a path on this site may be returned to, never another host (`//evil.example`).
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/",
    }
}

/// `GET /language/<code>?next=/path`: remembers the choice for a year and goes back.
#[rocket::get("/language/<code>?<next>")]
pub fn switch(code: &str, next: Option<&str>, cookies: &CookieJar<'_>) -> Option<Redirect> {
    let lang: Lang = code.parse().ok()?;
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365));
    cookies.add(cookie);
    Some(Redirect::to(local_path(next).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/organizations?kind=x")), "/organizations?kind=x");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
