//! Organisations and the rules for creating them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::OrgId;
use crate::domain::localized::LocalizedText;
use crate::domain::validation::Violations;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// A city hall or rural administration: the public partner.
    Municipality,
    /// A private company: bidder or private partner.
    Company,
    /// The antimonopoly authority: reviews everything.
    Antimonopoly,
    /// The operator of the platform.
    Operator,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 4] = [
        OrganizationKind::Municipality,
        OrganizationKind::Company,
        OrganizationKind::Antimonopoly,
        OrganizationKind::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::Municipality => "municipality",
            OrganizationKind::Company => "company",
            OrganizationKind::Antimonopoly => "antimonopoly",
            OrganizationKind::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationStatus {
    /// Registered, waiting for an administrator (self-registered companies).
    Pending,
    Active,
    Inactive,
}

impl OrganizationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationStatus::Pending => "pending",
            OrganizationStatus::Active => "active",
            OrganizationStatus::Inactive => "inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Active, Self::Inactive]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An organisation as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub id: OrgId,
    pub kind: OrganizationKind,
    pub status: OrganizationStatus,
    pub name: LocalizedText,
    pub code: Option<String>,
    pub inn: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What is needed to create an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NewOrganization {
    pub kind: OrganizationKind,
    pub name: LocalizedText,
    /// Municipalities only: the code in registry numbers (`OSH` in `OSH-PPP-2026-001`).
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub inn: Option<String>,
}

const MAX_NAME_CHARS: usize = 300;

impl NewOrganization {
    /// Checks the fields; a violation names the field and the rule (`required`, `too_long`, ...).
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        if self.name.ru.trim().is_empty() {
            v.add("name.ru", "required");
        }
        for (field, text) in [
            ("name.ru", Some(&self.name.ru)),
            ("name.ky", self.name.ky.as_ref()),
            ("name.en", self.name.en.as_ref()),
        ] {
            if text.is_some_and(|t| t.chars().count() > MAX_NAME_CHARS) {
                v.add(field, "too_long");
            }
        }
        match (self.kind, &self.code) {
            (OrganizationKind::Municipality, None) => v.add("code", "required"),
            (OrganizationKind::Municipality, Some(code)) if !is_municipality_code(code) => {
                v.add("code", "municipality_code")
            }
            (OrganizationKind::Municipality, Some(_)) | (_, None) => {}
            (_, Some(_)) => v.add("code", "only_municipality"),
        }
        if let Some(inn) = &self.inn
            && !(inn.len() == 14 && inn.bytes().all(|b| b.is_ascii_digit()))
        {
            v.add("inn", "inn_format");
        }
        v.into_result()
    }
}

/// Two to ten capital Latin letters: `OSH`, `BISH`.
pub fn is_municipality_code(code: &str) -> bool {
    (2..=10).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn osh() -> NewOrganization {
        NewOrganization {
            kind: OrganizationKind::Municipality,
            name: LocalizedText {
                ru: "Мэрия города Ош".into(),
                ky: None,
                en: None,
            },
            code: Some("OSH".into()),
            inn: None,
        }
    }

    fn codes(v: &Violations) -> Vec<(String, Vec<&'static str>)> {
        v.fields().map(|(f, c)| (f.to_string(), c.to_vec())).collect()
    }

    #[test]
    fn a_municipality_needs_a_code_of_capital_letters() {
        assert_eq!(osh().validate(), Ok(()));
        let no_code = NewOrganization { code: None, ..osh() };
        assert_eq!(
            codes(&no_code.validate().unwrap_err()),
            vec![("code".into(), vec!["required"])]
        );
        let bad = NewOrganization {
            code: Some("osh-1".into()),
            ..osh()
        };
        assert_eq!(
            codes(&bad.validate().unwrap_err()),
            vec![("code".into(), vec!["municipality_code"])]
        );
    }

    #[test]
    fn names_and_inn_are_checked() {
        let org = NewOrganization {
            kind: OrganizationKind::Company,
            name: LocalizedText {
                ru: " ".into(),
                ky: Some("ы".repeat(301)),
                en: None,
            },
            code: Some("X".into()),
            inn: Some("123".into()),
        };
        assert_eq!(
            codes(&org.validate().unwrap_err()),
            vec![
                ("code".into(), vec!["only_municipality"]),
                ("inn".into(), vec!["inn_format"]),
                ("name.ky".into(), vec!["too_long"]),
                ("name.ru".into(), vec!["required"]),
            ]
        );
    }
}
