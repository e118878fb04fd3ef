//! Interface languages and message lookup. Strings live in Fluent files under `locales/`
//! (ru is the default and the fallback; ky and en follow it key for key).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use serde::{Deserialize, Serialize};

fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "./locales",
        fallback_language: "ru",
        // Fluent wraps arguments in invisible bidi isolation marks by default; our three languages
        // are all left-to-right, and the marks would leak into JSON messages and copied text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The interface languages, in the order they are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ru,
    Ky,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Ru, Lang::Ky, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::Ky => "ky",
            Lang::En => "en",
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Ru => "Русский",
            Lang::Ky => "Кыргызча",
            Lang::En => "English",
        }
    }

    pub fn identifier(self) -> LanguageIdentifier {
        // The three codes are valid BCP 47 primary subtags; parsing cannot fail.
        self.code().parse().unwrap_or_default()
    }

    /// The message `key` in this language (falling back to Russian, then to the key itself).
    pub fn text(self, key: &str) -> String {
        LOCALES.lookup(&self.identifier(), key)
    }

    /// The message `key` with its named arguments filled in.
    pub fn text_with(self, key: &str, args: &[(&str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| (Cow::Owned(name.to_string()), FluentValue::from(value.as_str())))
            .collect();
        LOCALES.lookup_with_args(&self.identifier(), key, &args)
    }

    /// Picks the best supported language from an `Accept-Language` header (RFC 9110 section
    /// 12.5.4): the highest quality wins, ties keep the header's order, `q=0` excludes.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, u16)> = None;
        for range in header.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_quality);
            let (Some(quality), Some(lang)) = (quality, primary_language(tag)) else {
                continue;
            };
            if quality > 0 && best.is_none_or(|(_, q)| quality > q) {
                best = Some((lang, quality));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

/// A quality value as thousandths (`0.8` is 800), or `None` when malformed.
fn parse_quality(q: &str) -> Option<u16> {
    let q = q.trim();
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_thousandths = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_thousandths),
        "1" if frac_thousandths == 0 => Some(1000),
        _ => None,
    }
}

fn primary_language(tag: &str) -> Option<Lang> {
    let primary = tag.split(['-', '_']).next()?;
    primary.parse().ok()
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language {0:?}: expected ru, ky or en")]
pub struct UnsupportedLanguage(pub String);

impl FromStr for Lang {
    type Err = UnsupportedLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ru" => Ok(Lang::Ru),
            "ky" => Ok(Lang::Ky),
            "en" => Ok(Lang::En),
            _ => Err(UnsupportedLanguage(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn accept_language_picks_the_best_supported_quality() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de-DE, ky;q=0.5, en;q=0.4"), Some(Lang::Ky));
        assert_eq!(Lang::from_accept_language("en;q=0.3, ru-RU;q=0.8"), Some(Lang::Ru));
        assert_eq!(Lang::from_accept_language("ky;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_accept_language("en;q=banana"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn messages_resolve_in_every_language() {
        assert_eq!(Lang::Ru.text("lang-name"), "Русский");
        assert_eq!(Lang::Ky.text("lang-name"), "Кыргызча");
        assert_eq!(Lang::En.text("lang-name"), "English");
    }

    fn message_ids(lang: Lang) -> BTreeSet<String> {
        let path = format!("{}/locales/{}/main.ftl", env!("CARGO_MANIFEST_DIR"), lang.code());
        let text = std::fs::read_to_string(&path).expect("locale file");
        text.lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_string()))
            .collect()
    }

    /// A key missing in Kyrgyz or English would silently show Russian: every file must have all.
    #[test]
    fn every_language_has_every_message() {
        let ru = message_ids(Lang::Ru);
        assert!(ru.len() > 20, "ru has only {} messages", ru.len());
        for lang in [Lang::Ky, Lang::En] {
            let other = message_ids(lang);
            let missing: Vec<_> = ru.difference(&other).collect();
            let extra: Vec<_> = other.difference(&ru).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang}: missing {missing:?}, extra {extra:?}"
            );
        }
    }
}
