//! The JSON API's one error type, and how every lower-layer error becomes one.
//! Body (api.md): `{"error": {"code", "message", "fields"?}}`, the message in the caller's
//! language (`Accept-Language`, then Russian).

use std::collections::BTreeMap;
use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::domain::validation::Violations;
use crate::i18n::Lang;
use crate::services::ServiceError;
use crate::storage::StoreError;

/// A message to be put in the caller's language: a Fluent id and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub args: Vec<(&'static str, String)>,
}

impl Message {
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn render(&self, lang: Lang) -> String {
        lang.text_with(&self.id, &self.args)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: Status,
    pub code: &'static str,
    pub message: Message,
    /// Field-level messages: for 422, and for a 409 on a value already registered.
    pub fields: Option<BTreeMap<String, Vec<Message>>>,
    /// Seconds until a throttled request may be retried (429).
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: Status, code: &'static str, message: Message) -> Self {
        Self {
            status,
            code,
            message,
            fields: None,
            retry_after: None,
        }
    }

    /// The generic error for a status, as the catchers answer it.
    pub fn for_status(status: Status) -> Self {
        let code = match status.code {
            401 => "unauthenticated",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            409 => "conflict",
            413 => "payload_too_large",
            415 => "unsupported_media_type",
            422 => "validation_failed",
            429 => "too_many_requests",
            503 => "unavailable",
            400..=499 => "bad_request",
            _ => "internal",
        };
        let status = if code == "internal" {
            Status::InternalServerError
        } else {
            status
        };
        let mut error = Self::new(status, code, Message::new(format!("error-{}", code.replace('_', "-"))));
        if status == Status::UnprocessableEntity {
            error.fields = Some(BTreeMap::new());
        }
        error
    }

    pub fn not_found() -> Self {
        Self::for_status(Status::NotFound)
    }

    /// 422 with one message per broken rule, each under its field.
    pub fn validation(violations: &Violations) -> Self {
        let fields = violations
            .fields()
            .map(|(field, codes)| {
                let messages = codes
                    .iter()
                    .map(|code| Message::new(format!("invalid-{}", code.replace('_', "-"))));
                (field.to_string(), messages.collect())
            })
            .collect();
        Self {
            fields: Some(fields),
            ..Self::for_status(Status::UnprocessableEntity)
        }
    }

    /// 422 for a single field.
    pub fn field(field: &str, code: &'static str) -> Self {
        let mut v = Violations::new();
        v.add(field, code);
        Self::validation(&v)
    }

    /// The JSON body in `lang`.
    pub fn body(&self, lang: Lang) -> serde_json::Value {
        let mut error = json!({"code": self.code, "message": self.message.render(lang)});
        if let Some(fields) = &self.fields {
            let rendered: BTreeMap<&str, Vec<String>> = fields
                .iter()
                .map(|(f, ms)| (f.as_str(), ms.iter().map(|m| m.render(lang)).collect()))
                .collect();
            error["fields"] = json!(rendered);
        }
        json!({ "error": error })
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        // api.md: API messages follow Accept-Language, then Russian (not the page cookie).
        let lang = req
            .headers()
            .get_one("Accept-Language")
            .and_then(Lang::from_accept_language)
            .unwrap_or_default();
        let body = self.body(lang).to_string();
        let mut response = Response::build();
        response
            .status(self.status)
            .header(ContentType::JSON)
            .sized_body(body.len(), Cursor::new(body));
        if self.status == Status::ServiceUnavailable {
            response.header(Header::new("Retry-After", "5"));
        }
        if let Some(seconds) = self.retry_after {
            response.header(Header::new("Retry-After", seconds.to_string()));
        }
        response.ok()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(reason) => {
                log::warn!("database unavailable: {reason}");
                ApiError::for_status(Status::ServiceUnavailable)
            }
            StoreError::Contention(reason) => {
                log::warn!("contention outlasted every retry: {reason}");
                ApiError::for_status(Status::ServiceUnavailable)
            }
            StoreError::NotFound(_) => ApiError::not_found(),
            StoreError::Conflict(_) => ApiError::for_status(Status::Conflict),
            other => {
                log::error!("storage error: {other}");
                ApiError::for_status(Status::InternalServerError)
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(violations) => ApiError::validation(&violations),
            ServiceError::NotFound(_) => ApiError::not_found(),
            // A value already registered conflicts with the state, not with the rules: 409, with
            // the field named as a 422 names it.
            ServiceError::Duplicate(field) => ApiError {
                fields: ApiError::field(field, "duplicate").fields,
                ..ApiError::for_status(Status::Conflict)
            },
            ServiceError::Forbidden => ApiError::for_status(Status::Forbidden),
            ServiceError::Refused(message) => ApiError::new(Status::Forbidden, "forbidden", Message::new(message)),
            ServiceError::InvalidTransition { stage, action } => ApiError::new(
                Status::Conflict,
                "invalid_transition",
                Message::new("error-invalid-transition")
                    .arg("stage", stage)
                    .arg("action", action),
            ),
            ServiceError::PreconditionFailed(missing) => ApiError::new(
                Status::Conflict,
                "precondition_failed",
                Message::new("error-precondition-failed").arg("missing", missing.join(", ")),
            ),
            ServiceError::Conflict(message) => ApiError::new(Status::Conflict, "conflict", Message::new(message)),
            ServiceError::NotTopRanked(top) => ApiError::new(
                Status::Conflict,
                "precondition_failed",
                Message::new("error-not-top-ranked").arg("top", top),
            ),
            ServiceError::UnsupportedMediaType => ApiError::for_status(Status::UnsupportedMediaType),
            ServiceError::TooLarge => ApiError::for_status(Status::PayloadTooLarge),
            ServiceError::Busy => ApiError::for_status(Status::ServiceUnavailable),
            ServiceError::DeadlinePassed => ApiError::new(
                Status::Conflict,
                "deadline_passed",
                Message::new("error-deadline-passed"),
            ),
            ServiceError::Sealed => ApiError::new(Status::Conflict, "sealed", Message::new("error-sealed")),
            ServiceError::KeyMissing(key) => ApiError::new(
                Status::ServiceUnavailable,
                "unavailable",
                Message::new("error-sealing-key-missing").arg("key", key),
            ),
            ServiceError::ReviewHold(reason) => ApiError::new(
                Status::Conflict,
                "review_hold",
                Message::new("error-review-hold").arg("reason", reason),
            ),
            ServiceError::Store(store) => store.into(),
        }
    }
}

/// The error body every refusal carries, as the OpenAPI description shows it (api.md).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": {"code": "validation_failed", "message": "Some fields are invalid.",
    "fields": {"limit": ["A whole number from 1 to 200."]}}}))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthenticated`, `forbidden`, `not_found`, `conflict`, `invalid_transition`,
    /// `deadline_passed`, `sealed`, `precondition_failed`, `payload_too_large`,
    /// `unsupported_media_type`, `validation_failed`, `too_many_requests`, `internal`, `unavailable`.
    pub code: String,
    /// In the caller's language (Accept-Language, then Russian).
    pub message: String,
    /// Each refused field's messages: for 422, and for a 409 on a value already registered.
    pub fields: Option<BTreeMap<String, Vec<String>>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_list_each_field_in_the_callers_language() {
        let mut v = Violations::new();
        v.add("code", "required");
        let body = ApiError::validation(&v).body(Lang::En);
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["fields"]["code"][0], "This field is required.");
        let ru = ApiError::validation(&v).body(Lang::Ru);
        assert_eq!(ru["error"]["fields"]["code"][0], "Обязательное поле.");
    }

    #[test]
    fn only_422_carries_fields() {
        let body = ApiError::not_found().body(Lang::En);
        assert_eq!(body["error"]["code"], "not_found");
        assert!(body["error"].get("fields").is_none());
        let status = ApiError::for_status(Status::new(418));
        assert_eq!((status.status.code, status.code), (418, "bad_request"));
        assert_eq!(ApiError::for_status(Status::BadGateway).status.code, 500);
    }
}
