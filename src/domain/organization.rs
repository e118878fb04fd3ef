//! Organisations and the rules for creating them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use rust_decimal::Decimal;

use crate::domain::ids::OrgId;
use crate::domain::inn::{is_company_inn, is_natural_person_inn};
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

/// A person who ultimately owns a share of a company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficialOwner {
    pub name: String,
    /// Percent of the company, exact (`"25.5"`).
    #[schema(value_type = crate::domain::strict_json::PlainDecimal, example = "50")]
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]
    pub share_percent: Decimal,
    /// A natural person's INN, when known.
    #[serde(default)]
    pub inn: Option<String>,
}

/// What a company carries besides its name and INN: what reviewers compare between bidders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct CompanyProfile {
    pub registration_number: String,
    pub legal_address: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// The director's full name.
    pub director: String,
    #[serde(default)]
    pub beneficial_owners: Vec<BeneficialOwner>,
}

/// What is needed to create an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewOrganization {
    pub kind: OrganizationKind,
    pub name: LocalizedText,
    /// Municipalities only: the code in registry numbers (`OSH` in `OSH-PPP-2026-001`).
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub inn: Option<String>,
    /// Companies only, and required for them.
    #[serde(default)]
    pub company: Option<CompanyProfile>,
}

const MAX_NAME_CHARS: usize = 300;
const MAX_FIELD_CHARS: usize = 500;

impl NewOrganization {
    /// Checks the fields; a violation names the field and the rule (`required`, `too_long`, ...).
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.texts_of(self);
        self.name.check(&mut v, "name", MAX_NAME_CHARS);
        match (self.kind, &self.code) {
            (OrganizationKind::Municipality, None) => v.add("code", "required"),
            (OrganizationKind::Municipality, Some(code)) if !is_municipality_code(code) => {
                v.add("code", "municipality_code")
            }
            (OrganizationKind::Municipality, Some(_)) | (_, None) => {}
            (_, Some(_)) => v.add("code", "only_municipality"),
        }
        if let Some(inn) = &self.inn
            && !is_company_inn(inn)
        {
            v.add("inn", "inn_format");
        }
        match (self.kind, &self.company) {
            (OrganizationKind::Company, None) => v.add("company", "required"),
            (OrganizationKind::Company, Some(profile)) => {
                if self.inn.is_none() {
                    v.add("inn", "required");
                }
                profile.check(&mut v);
            }
            (_, Some(_)) => v.add("company", "only_company"),
            (_, None) => {}
        }
        v.into_result()
    }
}

impl CompanyProfile {
    fn check(&self, v: &mut Violations) {
        for (field, value) in [
            ("company.registration_number", &self.registration_number),
            ("company.legal_address", &self.legal_address),
            ("company.director", &self.director),
        ] {
            check_text(v, field, Some(value), true);
        }
        check_text(v, "company.phone", self.phone.as_ref(), false);
        if !crate::domain::validation::is_email(&self.email) {
            v.add("company.email", "email");
        }
        let mut total = Decimal::ZERO;
        for (i, owner) in self.beneficial_owners.iter().enumerate() {
            let field = |name: &str| format!("company.beneficial_owners.{i}.{name}");
            check_text(v, &field("name"), Some(&owner.name), true);
            if owner.share_percent <= Decimal::ZERO || owner.share_percent > Decimal::ONE_HUNDRED {
                v.add(field("share_percent"), "share_range");
            }
            if owner.inn.as_deref().is_some_and(|inn| !is_natural_person_inn(inn)) {
                v.add(field("inn"), "person_inn");
            }
            total = total.saturating_add(owner.share_percent);
        }
        if total > Decimal::ONE_HUNDRED {
            v.add("company.beneficial_owners", "shares_total");
        }
    }
}

/// A text field: required ones must not be blank; none may exceed the length limit.
fn check_text(v: &mut Violations, field: &str, value: Option<&String>, required: bool) {
    match value {
        Some(text) if text.chars().count() > MAX_FIELD_CHARS => v.add(field, "too_long"),
        Some(text) if required && text.trim().is_empty() => v.add(field, "required"),
        None if required => v.add(field, "required"),
        _ => {}
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
            company: None,
        }
    }

    fn company() -> NewOrganization {
        NewOrganization {
            kind: OrganizationKind::Company,
            name: LocalizedText {
                ru: "ОсОО «Ош Транзит Карт»".into(),
                ky: None,
                en: None,
            },
            code: None,
            inn: Some("01204200910123".into()),
            company: Some(CompanyProfile {
                registration_number: "123456-3301-ООО".into(),
                legal_address: "г. Ош, ул. Ленина, 205".into(),
                phone: Some("+996 3222 5 55 55".into()),
                email: "info@oshtransit.kg".into(),
                director: "Абдыкадыров Нурлан".into(),
                beneficial_owners: vec![
                    BeneficialOwner {
                        name: "Абдыкадыров Нурлан".into(),
                        share_percent: Decimal::new(60, 0),
                        inn: Some("21503198710015".into()),
                    },
                    BeneficialOwner {
                        name: "Токтогулова Айгүл".into(),
                        share_percent: Decimal::new(405, 1),
                        inn: None,
                    },
                ],
            }),
        }
    }

    #[test]
    fn companies_need_a_profile_and_owners_within_100_percent() {
        let mut c = company();
        assert_eq!(
            codes(&c.validate().unwrap_err()),
            vec![("company.beneficial_owners".into(), vec!["shares_total"])]
        );
        c.company.as_mut().unwrap().beneficial_owners[1].share_percent = Decimal::new(40, 0);
        assert_eq!(c.validate(), Ok(()));
        c.company.as_mut().unwrap().beneficial_owners[0].inn = Some("21513198710015".into());
        c.company.as_mut().unwrap().email = "not-an-email".into();
        assert_eq!(
            codes(&c.validate().unwrap_err()),
            vec![
                ("company.beneficial_owners.0.inn".into(), vec!["person_inn"]),
                ("company.email".into(), vec!["email"]),
            ]
        );
        let bare = NewOrganization {
            company: None,
            inn: None,
            ..company()
        };
        assert_eq!(
            codes(&bare.validate().unwrap_err()),
            vec![("company".into(), vec!["required"])]
        );
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
            company: None,
        };
        assert_eq!(
            codes(&org.validate().unwrap_err()),
            vec![
                ("code".into(), vec!["only_municipality"]),
                ("company".into(), vec!["required"]),
                ("inn".into(), vec!["inn_format"]),
                ("name.ky".into(), vec!["too_long"]),
                ("name.ru".into(), vec!["required"]),
            ]
        );
    }
}
