//! The stylesheet, compiled into the binary: the app works offline and from any directory.

use rocket::http::Header;

const STYLESHEET: &str = include_str!("../../static/app.css");

#[derive(rocket::Responder)]
#[response(content_type = "text/css")]
pub struct Css {
    body: &'static str,
    cache: Header<'static>,
}

#[rocket::get("/static/app.css")]
pub fn stylesheet() -> Css {
    Css {
        body: STYLESHEET,
        cache: Header::new("Cache-Control", "public, max-age=3600"),
    }
}
