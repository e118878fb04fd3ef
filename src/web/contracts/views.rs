//! The JSON view of a contract: its summary, parties, terms as signed and as amended, the
//! cumulative change, milestones with their status, amendments, performance against the plan
//! and documents, as the caller may see them (internal documents and the agreed model only for
//! the municipality, the parties and the reviewers).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::contract::{AmendmentReason, MilestoneKind, MilestoneStatus, expiry};
use crate::domain::contract_request::Signatory;
use crate::domain::document::DocumentVisibility;
use crate::domain::money::Money;
use crate::domain::project::PaymentMechanism;
use crate::services::contracts::{
    ContractRecord, ContractSummary, Cumulative, QuarterView, VarianceView, quarters, signatory, status_of,
};

/// A contract as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractView {
    #[serde(flatten)]
    pub summary: ContractSummary,
    /// The value and the term as signed.
    pub signed_value: Money,
    pub signed_term_months: u32,
    #[schema(value_type = String, format = Date)]
    pub start_date: NaiveDate,
    /// When the contract expires with its current term.
    #[schema(value_type = Option<String>, format = Date)]
    pub expiry_date: Option<NaiveDate>,
    pub payment_mechanism: PaymentMechanism,
    pub shareholders: Vec<ShareholderView>,
    pub signatories: Signatories,
    pub guarantee: GuaranteeView,
    pub signed_at: Option<DateTime<Utc>>,
    /// When the bid securities were released (at signing).
    pub bid_securities_released_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<NaiveDate>,
    pub termination: Option<TerminationView>,
    /// The SHA-256 of the agreed model (the winner's offer and financial model as opened).
    pub agreed_model_sha256: String,
    /// The agreed model itself, for the contract's insiders only.
    #[schema(value_type = Option<Object>)]
    pub agreed_model: Option<serde_json::Value>,
    pub milestones: Vec<MilestoneView>,
    pub amendments: Vec<AmendmentView>,
    pub performance: Vec<QuarterView>,
    /// Totals over the quarters that have a plan.
    pub variance: Option<VarianceView>,
    pub documents: Vec<DocumentView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShareholderView {
    pub company_id: String,
    pub name: String,
    #[schema(value_type = String)]
    pub share: Decimal,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Signatories {
    pub municipality: Signatory,
    pub supplier: Signatory,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuaranteeView {
    pub issuer: String,
    pub reference: String,
    pub amount: Money,
    #[schema(value_type = String, format = Date)]
    pub valid_until: NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TerminationView {
    pub reason: String,
    pub payment: Option<Money>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MilestoneView {
    pub kind: MilestoneKind,
    #[schema(value_type = String, format = Date)]
    pub planned_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub met_on: Option<NaiveDate>,
    /// At the server's date in Asia/Bishkek.
    pub status: MilestoneStatus,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AmendmentView {
    /// The contract's version this amendment made (the signed contract is version 1).
    pub version: i64,
    pub reason: AmendmentReason,
    pub description: String,
    #[schema(value_type = String, format = Date)]
    pub agreed_on: NaiveDate,
    /// The value and term it left.
    pub value: Money,
    pub term_months: u32,
    /// The document of the amendment, when the caller may see it.
    pub document_id: Option<String>,
    /// The change against the signed contract once this amendment applied.
    pub cumulative: Cumulative,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub title: String,
    pub visibility: DocumentVisibility,
    /// Where its latest version downloads.
    pub url: String,
}

impl ContractView {
    pub fn new(r: &ContractRecord, ocid_prefix: &str, threshold: Decimal, today: NaiveDate) -> Self {
        let c = &r.contract;
        let (performance, variance) = quarters(c, &r.milestones, &r.performance);
        Self {
            summary: ContractSummary::new(c, ocid_prefix, threshold),
            signed_value: Money::new(c.signed_value, c.currency),
            signed_term_months: c.signed_term_months,
            start_date: c.start_date,
            expiry_date: expiry(c.start_date, c.term_months),
            payment_mechanism: c.payment_mechanism,
            shareholders: r
                .shareholders
                .iter()
                .map(|s| ShareholderView {
                    company_id: s.company_id.to_string(),
                    name: s.name.clone(),
                    share: s.share.0,
                })
                .collect(),
            signatories: Signatories {
                municipality: signatory(&c.municipality_signatory),
                supplier: signatory(&c.supplier_signatory),
            },
            guarantee: GuaranteeView {
                issuer: c.guarantee_issuer.clone(),
                reference: c.guarantee_reference.clone(),
                amount: Money::new(c.guarantee_amount, c.currency),
                valid_until: c.guarantee_valid_until,
            },
            signed_at: c.signed_at,
            bid_securities_released_at: c.securities_released_at,
            ended_on: c.ended_on,
            termination: c.termination_reason.as_ref().map(|reason| TerminationView {
                reason: reason.clone(),
                payment: c.termination_payment.map(|p| Money::new(p, c.currency)),
            }),
            agreed_model_sha256: c.agreed_model_sha256.clone(),
            agreed_model: r.insider.then(|| serde_json::from_str(&c.agreed_model).ok()).flatten(),
            milestones: r
                .milestones
                .iter()
                .map(|m| MilestoneView {
                    kind: m.kind,
                    planned_on: m.planned_on,
                    met_on: m.met_on,
                    status: status_of(m, today),
                    note: m.note.clone(),
                })
                .collect(),
            amendments: r
                .amendments
                .iter()
                .map(|a| AmendmentView {
                    version: a.version,
                    reason: a.reason,
                    description: a.description.clone(),
                    agreed_on: a.agreed_on,
                    value: Money::new(a.value, c.currency),
                    term_months: a.term_months,
                    document_id: a
                        .document_id
                        .filter(|d| r.amendment_documents.contains(d))
                        .map(|d| d.to_string()),
                    cumulative: Cumulative::between(
                        (c.signed_value, c.signed_term_months),
                        (a.value, a.term_months),
                        threshold,
                    ),
                })
                .collect(),
            performance,
            variance,
            documents: r
                .documents
                .iter()
                .map(|d| DocumentView {
                    id: d.document_id.to_string(),
                    title: d.title.clone(),
                    visibility: d.visibility,
                    url: format!("/api/v1/documents/{}", d.version_id),
                })
                .collect(),
        }
    }
}
