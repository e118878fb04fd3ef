//! Text that people type in up to three languages: Russian is required, Kyrgyz and English optional.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    pub ru: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ky: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl LocalizedText {
    /// Checks a name typed in up to three languages: Russian required, none over `max_chars`;
    /// a violation names `<field>.ru`, `<field>.ky` or `<field>.en`.
    pub fn check(&self, v: &mut crate::domain::validation::Violations, field: &str, max_chars: usize) {
        if self.ru.trim().is_empty() {
            v.add(format!("{field}.ru"), "required");
        }
        for (lang, text) in [
            ("ru", Some(&self.ru)),
            ("ky", self.ky.as_ref()),
            ("en", self.en.as_ref()),
        ] {
            if text.is_some_and(|t| t.chars().count() > max_chars) {
                v.add(format!("{field}.{lang}"), "too_long");
            }
        }
    }

    /// The text in `lang`, or in Russian when that version was not given.
    pub fn get(&self, lang: Lang) -> &str {
        let chosen = match lang {
            Lang::Ru => None,
            Lang::Ky => self.ky.as_deref(),
            Lang::En => self.en.as_deref(),
        };
        chosen.filter(|s| !s.trim().is_empty()).unwrap_or(&self.ru)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_russian() {
        let text = LocalizedText {
            ru: "Мэрия города Ош".into(),
            ky: Some("Ош шаарынын мэриясы".into()),
            en: None,
        };
        assert_eq!(text.get(Lang::Ky), "Ош шаарынын мэриясы");
        assert_eq!(text.get(Lang::En), "Мэрия города Ош");
        assert_eq!(text.get(Lang::Ru), "Мэрия города Ош");
    }
}
