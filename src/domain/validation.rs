//! Field-level rule violations, as codes. The web edge turns each code into a message in the
//! caller's language (message id `invalid-<code>`), so the domain stays free of wording.

use std::collections::BTreeMap;

use validator::ValidateEmail;

/// Whether the text is an email address (at most 254 bytes). Also what the sign-in asks before
/// the database: an email no account could have is refused without a lookup.
pub fn is_email(email: &str) -> bool {
    let email = email.trim();
    email.len() <= 254 && email.validate_email()
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Violations {
    by_field: BTreeMap<String, Vec<&'static str>>,
}

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, code: &'static str) {
        self.by_field.entry(field.into()).or_default().push(code);
    }

    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty()
    }

    /// Each field with the codes of the rules it breaks.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &[&'static str])> {
        self.by_field.iter().map(|(f, codes)| (f.as_str(), codes.as_slice()))
    }

    /// Adds every violation of `other`.
    pub fn merge(&mut self, other: Violations) {
        for (field, codes) in other.by_field {
            self.by_field.entry(field).or_default().extend(codes);
        }
    }

    /// Adds every violation of `other` under `prefix.` (`account.email`).
    pub fn merge_prefixed(&mut self, prefix: &str, other: Violations) {
        for (field, codes) in other.by_field {
            self.by_field
                .entry(format!("{prefix}.{field}"))
                .or_default()
                .extend(codes);
        }
    }

    /// Refuses control characters (NUL and the like; line breaks and tabs are text) in `text`:
    /// neither engine should store them, and PostgreSQL cannot.
    pub fn text(&mut self, field: impl Into<String>, text: &str) {
        if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            self.add(field, "control_character");
        }
    }

    /// [`Violations::text`] for every string of a record, named by its path (`title.ru`).
    pub fn texts_of<T: serde::Serialize>(&mut self, record: &T) {
        fn walk(v: &mut Violations, path: &str, value: &serde_json::Value) {
            let join = |key: &str| {
                if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                }
            };
            match value {
                serde_json::Value::String(s) => v.text(path.to_string(), s),
                serde_json::Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        walk(v, &join(&i.to_string()), item);
                    }
                }
                serde_json::Value::Object(map) => {
                    for (key, item) in map {
                        v.text(join(key), key);
                        walk(v, &join(key), item);
                    }
                }
                _ => {}
            }
        }
        if let Ok(value) = serde_json::to_value(record) {
            walk(self, "", &value);
        }
    }

    /// `Ok(())` when nothing was violated.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_email_addresses_pass() {
        assert!(is_email("chair.osh@demo.kg"));
        assert!(!is_email("no-at-sign"));
        assert!(!is_email("nul\u{0}@demo.kg"));
        assert!(!is_email(&format!("{}@demo.kg", "a".repeat(300))));
    }
}
