//! Accounts: who may sign in, for which organisation, with which roles.

use serde::Deserialize;

use crate::domain::access::Role;
use crate::domain::organization::OrganizationKind;
use crate::domain::validation::{Violations, is_email};

pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = 1024;
const MAX_NAME_CHARS: usize = 200;

/// What is needed to create an account (the organisation is given separately).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(max_length = 200)]
    pub full_name: String,
    /// At least 12 characters.
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
    pub roles: Vec<Role>,
    /// Chair of the tender commission; needs the `commission` role.
    #[serde(default)]
    pub chair: bool,
    /// Deputy chair of the tender commission (acts when the chair has withdrawn); needs the
    /// `commission` role, and is not also the chair.
    #[serde(default)]
    pub deputy_chair: bool,
}

/// The key emails are compared by: trimmed and lower-cased.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks a new password: at least 12 characters.
pub fn check_password(v: &mut Violations, field: &str, password: &str) {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        v.add(field, "password_short");
    } else if chars > MAX_PASSWORD_CHARS {
        v.add(field, "too_long");
    }
}

impl NewAccount {
    /// Checks the fields and that the roles fit an organisation of `kind`: municipal roles in a
    /// municipality, `bidder` in a company, `reviewer` in the antimonopoly authority, `admin` in
    /// the operator and alone (an administrator holds no other role, so cannot grant one to
    /// themselves).
    pub fn validate(&self, kind: OrganizationKind) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.text("email", &self.email);
        v.text("full_name", &self.full_name);
        v.text("password", &self.password);
        if !is_email(&self.email) {
            v.add("email", "email");
        }
        let name_chars = self.full_name.trim().chars().count();
        if name_chars == 0 {
            v.add("full_name", "required");
        } else if name_chars > MAX_NAME_CHARS {
            v.add("full_name", "too_long");
        }
        check_password(&mut v, "password", &self.password);
        if self.roles.is_empty() {
            v.add("roles", "required");
        }
        if self.roles.iter().any(|r| r.organization_kind() != kind) {
            v.add("roles", "role_kind");
        }
        if self.roles.contains(&Role::Admin) && self.roles.len() > 1 {
            v.add("roles", "admin_alone");
        }
        if self.chair && !self.roles.contains(&Role::Commission) {
            v.add("chair", "chair_needs_commission");
        }
        if self.deputy_chair && !self.roles.contains(&Role::Commission) {
            v.add("deputy_chair", "chair_needs_commission");
        }
        if self.chair && self.deputy_chair {
            v.add("deputy_chair", "chair_or_deputy");
        }
        v.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer() -> NewAccount {
        NewAccount {
            email: "Officer.Osh@Demo.kg".into(),
            full_name: "Жыргалбек Мамытов".into(),
            password: "correct horse battery".into(),
            roles: vec![Role::Officer, Role::Approver],
            chair: false,
            deputy_chair: false,
        }
    }

    fn codes(v: Violations) -> Vec<(String, Vec<&'static str>)> {
        v.fields().map(|(f, c)| (f.to_string(), c.to_vec())).collect()
    }

    #[test]
    fn a_valid_account_passes() {
        assert_eq!(officer().validate(OrganizationKind::Municipality), Ok(()));
        assert_eq!(email_key(" Officer.Osh@Demo.KG "), "officer.osh@demo.kg");
    }

    #[test]
    fn roles_must_fit_the_organisation_and_admins_stand_alone() {
        assert_eq!(
            codes(officer().validate(OrganizationKind::Company).unwrap_err()),
            vec![("roles".into(), vec!["role_kind"])]
        );
        let admin = NewAccount {
            roles: vec![Role::Admin, Role::Reviewer],
            ..officer()
        };
        assert_eq!(
            codes(admin.validate(OrganizationKind::Operator).unwrap_err()),
            vec![("roles".into(), vec!["role_kind", "admin_alone"])]
        );
        let chair = NewAccount {
            chair: true,
            ..officer()
        };
        assert_eq!(
            codes(chair.validate(OrganizationKind::Municipality).unwrap_err()),
            vec![("chair".into(), vec!["chair_needs_commission"])]
        );
    }

    #[test]
    fn a_deputy_chair_sits_on_the_commission_and_is_not_also_the_chair() {
        let deputy = NewAccount {
            roles: vec![Role::Officer],
            deputy_chair: true,
            ..officer()
        };
        assert_eq!(
            codes(deputy.validate(OrganizationKind::Municipality).unwrap_err()),
            vec![("deputy_chair".into(), vec!["chair_needs_commission"])]
        );
        let both = NewAccount {
            roles: vec![Role::Commission],
            chair: true,
            deputy_chair: true,
            ..officer()
        };
        assert_eq!(
            codes(both.validate(OrganizationKind::Municipality).unwrap_err()),
            vec![("deputy_chair".into(), vec!["chair_or_deputy"])]
        );
    }

    #[test]
    fn passwords_have_twelve_characters_and_emails_are_checked() {
        let bad = NewAccount {
            email: "officer at osh".into(),
            full_name: " ".into(),
            password: "elevenchars".into(),
            roles: vec![],
            chair: false,
            deputy_chair: false,
        };
        assert_eq!(
            codes(bad.validate(OrganizationKind::Municipality).unwrap_err()),
            vec![
                ("email".into(), vec!["email"]),
                ("full_name".into(), vec!["required"]),
                ("password".into(), vec!["password_short"]),
                ("roles".into(), vec!["required"]),
            ]
        );
        // Twelve Cyrillic characters are twelve characters, whatever their bytes.
        let mut v = Violations::new();
        check_password(&mut v, "password", "пароль-длинн");
        assert!(v.is_empty());
    }
}
