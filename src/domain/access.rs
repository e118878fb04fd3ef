//! Who may act: roles, the organisation kinds they belong to, and the signed-in identity.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{OrgId, UserId};
use crate::domain::localized::LocalizedText;
use crate::domain::organization::OrganizationKind;

/// The roles of domain.md section 1. A user holds one or more, valid in their organisation only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Officer,
    Approver,
    Commission,
    Bidder,
    Reviewer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Officer,
        Role::Approver,
        Role::Commission,
        Role::Bidder,
        Role::Reviewer,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Approver => "approver",
            Role::Commission => "commission",
            Role::Bidder => "bidder",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// The kind of organisation a holder of this role belongs to.
    pub fn organization_kind(self) -> OrganizationKind {
        match self {
            Role::Officer | Role::Approver | Role::Commission => OrganizationKind::Municipality,
            Role::Bidder => OrganizationKind::Company,
            Role::Reviewer => OrganizationKind::Antimonopoly,
            Role::Admin => OrganizationKind::Operator,
        }
    }
}

/// The signed-in person, as every authorisation decision sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: UserId,
    pub email: String,
    pub full_name: String,
    pub organization_id: OrgId,
    pub organization_kind: OrganizationKind,
    pub organization_name: LocalizedText,
    pub roles: Vec<Role>,
    /// Chair of the tender commission (with the `commission` role).
    pub chair: bool,
    /// Deputy chair of the tender commission.
    pub deputy_chair: bool,
}

impl Identity {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has_role(*r))
    }

    /// Whether records private to organisation `owner` are visible to this person: members of
    /// the organisation, the antimonopoly reviewers and the platform's administrators.
    pub fn may_see_private_records_of(&self, owner: OrgId) -> bool {
        self.organization_id == owner || self.has_any_role(&[Role::Reviewer, Role::Admin])
    }

    /// Whether this person may change records owned by organisation `owner`: members only.
    pub fn acts_for(&self, owner: OrgId) -> bool {
        self.organization_id == owner
    }
}

/// Who may use a route or action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person.
    SignedIn,
    /// A signed-in person holding one of these roles.
    AnyOf(&'static [Role]),
}

impl Access {
    /// Whether `who` may pass; `None` is an anonymous caller.
    pub fn allows(self, who: Option<&Identity>) -> bool {
        match (self, who) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::SignedIn, Some(_)) => true,
            (Access::AnyOf(roles), Some(identity)) => identity.has_any_role(roles),
        }
    }
}

/// A person of organisation `org` holding `roles`, for the rules' unit tests.
#[cfg(test)]
pub(crate) fn test_person(org: i64, roles: &[Role]) -> Identity {
    Identity {
        user_id: UserId(1),
        email: "a@b.kg".into(),
        full_name: "A".into(),
        organization_id: OrgId(org),
        organization_kind: roles[0].organization_kind(),
        organization_name: LocalizedText {
            ru: "X".into(),
            ky: None,
            en: None,
        },
        roles: roles.to_vec(),
        chair: false,
        deputy_chair: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(org: i64, roles: &[Role]) -> Identity {
        test_person(org, roles)
    }

    #[test]
    fn access_rules() {
        let officer = person(2, &[Role::Officer]);
        assert!(Access::Public.allows(None));
        assert!(!Access::SignedIn.allows(None));
        assert!(Access::SignedIn.allows(Some(&officer)));
        assert!(Access::AnyOf(&[Role::Officer, Role::Approver]).allows(Some(&officer)));
        assert!(!Access::AnyOf(&[Role::Admin]).allows(Some(&officer)));
    }

    #[test]
    fn private_records_are_scoped_to_their_organisation() {
        let osh_officer = person(3, &[Role::Officer]);
        let reviewer = person(1, &[Role::Reviewer]);
        assert!(osh_officer.may_see_private_records_of(OrgId(3)));
        assert!(!osh_officer.may_see_private_records_of(OrgId(2)));
        assert!(reviewer.may_see_private_records_of(OrgId(2)));
        assert!(!reviewer.acts_for(OrgId(2)));
    }

    #[test]
    fn roles_belong_to_one_kind_of_organisation() {
        assert_eq!(Role::Commission.organization_kind(), OrganizationKind::Municipality);
        assert_eq!(Role::Bidder.organization_kind(), OrganizationKind::Company);
        assert_eq!(Role::parse("reviewer"), Some(Role::Reviewer));
        assert_eq!(Role::parse("root"), None);
    }
}
