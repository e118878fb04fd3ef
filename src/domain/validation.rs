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

/// `text` when it is 1 to `most` ASCII digits, nothing else (no sign, no spaces, no other
/// script's digits): how every whole number in a query, a cursor or an id is written.
pub fn digits(text: &str, most: usize) -> Option<&str> {
    ((1..=most).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

/// A whole number of at most `most` digits, as [`digits`] reads it.
pub fn whole_number<T: std::str::FromStr>(text: &str, most: usize) -> Option<T> {
    digits(text, most)?.parse().ok()
}

/// Whether `text` is an unsigned fixed-point number: 1 to `whole` digits, then optionally a point
/// and 1 to `fraction` digits (`1250000.00`, `7`).
pub fn is_fixed_point(text: &str, whole: usize, fraction: usize) -> bool {
    match text.split_once('.') {
        Some((w, f)) => digits(w, whole).is_some() && digits(f, fraction).is_some(),
        None => digits(text, whole).is_some(),
    }
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
    fn whole_numbers_are_ascii_digits_only() {
        assert_eq!(digits("007", 3), Some("007"));
        for refused in ["", "1234", "+1", "-1", " 1", "1 ", "1.0", "١٢"] {
            assert_eq!(digits(refused, 3), None, "{refused:?}");
        }
        assert_eq!(whole_number::<u8>("255", 3), Some(255));
        assert_eq!(whole_number::<u8>("256", 3), None, "out of the type's range");
        assert!(is_fixed_point("1250000.00", 12, 2) && is_fixed_point("7", 1, 2));
        for refused in ["1.", ".5", "1.005", "1e3", "-1", "1,5", "1234567890123"] {
            assert!(!is_fixed_point(refused, 12, 2), "{refused:?}");
        }
    }

    #[test]
    fn only_email_addresses_pass() {
        assert!(is_email("chair.osh@demo.kg"));
        assert!(!is_email("no-at-sign"));
        assert!(!is_email("nul\u{0}@demo.kg"));
        assert!(!is_email(&format!("{}@demo.kg", "a".repeat(300))));
    }
}
