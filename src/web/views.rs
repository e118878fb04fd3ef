//! The JSON shapes of records, shared by the API routes and described in OpenAPI.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::access::{Identity, Role};
use crate::domain::ids::{OrgId, UserId};
use crate::domain::localized::LocalizedText;
use crate::domain::organization::{CompanyProfile, Organization, OrganizationKind};
use crate::storage::users::Account;

/// An OCDS organisation identifier: the configured register scheme and the INN.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyIdentifier {
    pub scheme: String,
    pub id: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "3", "kind": "municipality", "status": "active",
    "name": {"ru": "Мэрия города Ош", "ky": "Ош шаарынын мэриясы", "en": "Osh City Hall"},
    "code": "OSH", "identifier": null, "created_at": "2026-08-02T06:00:00Z"
}))]
pub struct OrganizationView {
    /// Opaque id.
    #[schema(value_type = String)]
    pub id: OrgId,
    pub kind: OrganizationKind,
    /// `pending`, `active` or `inactive`.
    #[schema(value_type = String)]
    pub status: &'static str,
    pub name: LocalizedText,
    /// Municipalities: the code used in registry numbers (`OSH-PPP-2026-001`).
    pub code: Option<String>,
    /// The OCDS party identifier, when the INN is known.
    pub identifier: Option<PartyIdentifier>,
    /// Companies, to those who may see it: registration, contacts, director, beneficial owners.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<CompanyProfile>,
    pub created_at: DateTime<Utc>,
}

impl OrganizationView {
    pub fn of(org: Organization, scheme: &str) -> Self {
        Self {
            id: org.id,
            kind: org.kind,
            status: org.status.as_str(),
            identifier: org.inn.map(|inn| PartyIdentifier {
                scheme: scheme.to_string(),
                id: inn,
            }),
            name: org.name,
            code: org.code,
            company: None,
            created_at: org.created_at,
        }
    }

    pub fn with_profile(mut self, profile: Option<CompanyProfile>) -> Self {
        self.company = profile;
        self
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationRef {
    #[schema(value_type = String)]
    pub id: OrgId,
    pub kind: OrganizationKind,
    pub name: LocalizedText,
}

/// The signed-in user, as `/api/v1/me` and the token answer show them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "4", "email": "officer.osh@demo.kg", "full_name": "Жыргалбек Мамытов", "roles": ["officer"],
    "chair": false, "deputy_chair": false, "organization": {"id": "3", "kind": "municipality",
    "name": {"ru": "Мэрия города Ош", "ky": "Ош шаарынын мэриясы", "en": "Osh City Hall"}}
}))]
pub struct UserView {
    #[schema(value_type = String)]
    pub id: UserId,
    pub email: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    /// Chair of the tender commission.
    pub chair: bool,
    /// Deputy chair of the tender commission.
    pub deputy_chair: bool,
    pub organization: OrganizationRef,
}

impl From<&Identity> for UserView {
    fn from(who: &Identity) -> Self {
        Self {
            id: who.user_id,
            email: who.email.clone(),
            full_name: who.full_name.clone(),
            roles: who.roles.clone(),
            chair: who.chair,
            deputy_chair: who.deputy_chair,
            organization: OrganizationRef {
                id: who.organization_id,
                kind: who.organization_kind,
                name: who.organization_name.clone(),
            },
        }
    }
}

/// An account as administrators see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "4", "organization_id": "3", "email": "officer.osh@demo.kg", "full_name": "Жыргалбек Мамытов",
    "status": "active", "roles": ["officer"], "chair": false, "deputy_chair": false, "last_sign_in_at": null,
    "created_at": "2026-08-05T06:00:00Z"
}))]
pub struct AccountView {
    #[schema(value_type = String)]
    pub id: UserId,
    #[schema(value_type = String)]
    pub organization_id: OrgId,
    pub email: String,
    pub full_name: String,
    #[schema(value_type = String)]
    pub status: &'static str,
    pub roles: Vec<Role>,
    pub chair: bool,
    pub deputy_chair: bool,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            organization_id: a.organization_id,
            email: a.email,
            full_name: a.full_name,
            status: a.status.as_str(),
            roles: a.roles,
            chair: a.chair,
            deputy_chair: a.deputy_chair,
            last_sign_in_at: a.last_sign_in_at,
            created_at: a.created_at,
        }
    }
}
