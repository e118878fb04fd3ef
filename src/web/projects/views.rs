//! The project as the API shows it: the whole record with its timeline, and the list's summary.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::localized::LocalizedText;
use crate::domain::money::Money;
use crate::domain::project::{
    Appraisal, Initiation, PaymentMechanism, PppModel, ProjectFields, ProponentAdvantage, Sector, Stage,
};
use crate::storage::Db;
use crate::storage::projects::{self, Project, ProjectSummary, TimelineEntry};
use crate::web::api_error::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectView {
    pub id: String,
    /// Assigned at the first submission (`OSH-PPP-2026-001`); null for a draft never submitted.
    pub registry_number: Option<String>,
    pub stage: Stage,
    pub municipality_id: String,
    #[serde(flatten)]
    pub fields: ProjectFields,
    pub appraisal: Appraisal,
    /// Why the project was last returned to draft.
    pub return_reason: Option<String>,
    /// A private initiative: the proposing company, its advantage, and when the municipality's
    /// completeness check is due.
    pub proponent_id: Option<String>,
    pub advantage: Option<ProponentAdvantage>,
    pub completeness_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The lifecycle so far (on single-project answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineEntry>>,
}

impl From<Project> for ProjectView {
    fn from(p: Project) -> Self {
        Self {
            id: p.id.to_string(),
            registry_number: p.registry_number,
            stage: p.stage,
            municipality_id: p.municipality_id.to_string(),
            fields: p.fields,
            appraisal: p.appraisal,
            return_reason: p.return_reason,
            proponent_id: p.proponent_id.map(|o| o.to_string()),
            advantage: p.advantage,
            completeness_due_at: p.completeness_due_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
            timeline: None,
        }
    }
}

/// A project as the list shows it; `GET /api/v1/projects/{id}` gives the whole record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectSummaryView {
    pub id: String,
    /// Assigned at the first submission (`OSH-PPP-2026-001`); null for a draft never submitted.
    pub registry_number: Option<String>,
    pub stage: Stage,
    pub municipality_id: String,
    pub title: LocalizedText,
    pub sector: Sector,
    pub model: PppModel,
    pub initiation: Initiation,
    pub payment_mechanism: PaymentMechanism,
    /// Estimated capital cost, exact: `{"amount": "1250000.00", "currency": "KGS"}`.
    pub capital_cost: Money,
    pub term_years: u32,
    pub proponent_id: Option<String>,
    pub completeness_due_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProjectSummary> for ProjectSummaryView {
    fn from(p: ProjectSummary) -> Self {
        Self {
            id: p.id.to_string(),
            registry_number: p.registry_number,
            stage: p.stage,
            municipality_id: p.municipality_id.to_string(),
            title: p.title,
            sector: p.sector,
            model: p.model,
            initiation: p.initiation,
            payment_mechanism: p.payment_mechanism,
            capital_cost: p.capital_cost,
            term_years: p.term_years,
            proponent_id: p.proponent_id.map(|o| o.to_string()),
            completeness_due_at: p.completeness_due_at,
            updated_at: p.updated_at,
        }
    }
}

pub(super) async fn with_timeline(db: &Db, project: Project) -> Result<ProjectView, ApiError> {
    let timeline = projects::timeline(db, project.id).await?;
    let mut view = ProjectView::from(project);
    view.timeline = Some(timeline);
    Ok(view)
}
