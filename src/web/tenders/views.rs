//! The tender as the API shows it (in lists as in the single record, which adds its
//! amendments), its procedure's rules, and its questions.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::procedure::{DayKind, Period, Procedure};
use crate::domain::tender::{CancellationReason, TenderStatus, TenderTerms, ocid};
use crate::storage::tenders::{Question, Tender, TenderVersion};

#[derive(Debug, Serialize, ToSchema)]
pub struct TenderView {
    pub id: String,
    /// The OCDS id of the contracting process (`<ocid_prefix>-<id>`), fixed at creation.
    pub ocid: String,
    pub project_id: String,
    pub municipality_id: String,
    /// `draft`, `active_enquiries`, `active_tendering`, `closed` or `cancelled`: computed from the
    /// stored instants and the server's clock when read.
    pub status: TenderStatus,
    /// 1 (a two-stage tender's second stage is 2).
    #[schema(minimum = 1, maximum = 2)]
    pub stage: u8,
    /// Null until a reviewer freezes the tender (`{"reason", "since", "by"}`).
    #[schema(value_type = Option<Object>)]
    pub review_hold: Option<serde_json::Value>,
    /// Whether an open complaint suspends the award.
    pub award_suspended: bool,
    /// 1 for a draft and at publication; one more per amendment.
    pub version: i32,
    #[serde(flatten)]
    pub terms: TenderTerms,
    /// The procedure's rules, as data.
    pub rules: RulesView,
    pub published_at: Option<DateTime<Utc>>,
    pub cancellation: Option<CancellationView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The published versions after the first, with their reasons and differences (on
    /// single-tender answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amendments: Option<Vec<AmendmentView>>,
}

impl TenderView {
    pub fn new(t: Tender, ocid_prefix: &str, now: DateTime<Utc>) -> Self {
        let rules = Procedure::of(t.terms.procedure).map(RulesView::from);
        Self {
            id: t.id.to_string(),
            ocid: ocid(ocid_prefix, t.id),
            project_id: t.project_id.to_string(),
            municipality_id: t.municipality_id.to_string(),
            status: t.status(now),
            stage: 1,
            review_hold: t
                .hold
                .as_ref()
                .map(|h| serde_json::json!({"reason": h.reason, "since": h.since, "by": h.by.to_string()})),
            award_suspended: t.award_suspended,
            version: t.version,
            rules: rules.unwrap_or_default(),
            published_at: t.published_at,
            cancellation: t.cancellation.map(|c| CancellationView {
                reason: c.reason,
                explanation: c.explanation,
                document_id: c.document_id.map(|d| d.to_string()),
                at: c.at,
            }),
            created_at: t.created_at,
            updated_at: t.updated_at,
            terms: t.terms,
            amendments: None,
        }
    }

    /// With the amendments among `versions` (every version after the first).
    pub fn with_versions(mut self, versions: Vec<TenderVersion>) -> Self {
        self.amendments = Some(
            versions
                .into_iter()
                .filter(|v| v.version > 1)
                .map(|v| AmendmentView {
                    version: v.version,
                    at: v.at,
                    reason: v.reason,
                    changes: v.changes,
                })
                .collect(),
        );
        self
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CancellationView {
    pub reason: CancellationReason,
    pub explanation: String,
    /// The public document recording the decision; null when the project's cancellation took
    /// the tender with it.
    pub document_id: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentView {
    pub version: i32,
    pub at: DateTime<Utc>,
    pub reason: String,
    /// `{"before": {...}, "after": {...}}` of the terms this amendment changed.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

/// A period of a procedure: a number of `calendar` or `working` days.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PeriodView {
    pub days: u32,
    /// `calendar`, or `working` (skipping weekends and public holidays).
    pub kind: &'static str,
}

impl From<Period> for PeriodView {
    fn from(p: Period) -> Self {
        Self {
            days: p.days,
            kind: match p.kind {
                DayKind::Calendar => "calendar",
                DayKind::Working => "working",
            },
        }
    }
}

/// A procedure's rules (domain.md section 3).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RulesView {
    pub tendering_min: PeriodView,
    pub tendering_max: PeriodView,
    pub enquiry_cutoff: PeriodView,
    pub amendment_min_remaining: PeriodView,
    pub standstill: PeriodView,
    pub complaint_window: PeriodView,
    pub min_bids: u32,
    pub quorum: u32,
    pub qualification_stage: bool,
}

impl From<Procedure> for RulesView {
    fn from(p: Procedure) -> Self {
        Self {
            tendering_min: p.tendering_min.into(),
            tendering_max: p.tendering_max.into(),
            enquiry_cutoff: p.enquiry_cutoff.into(),
            amendment_min_remaining: p.amendment_min_remaining.into(),
            standstill: p.standstill.into(),
            complaint_window: p.complaint_window.into(),
            min_bids: p.min_bids,
            quorum: p.quorum,
            qualification_stage: p.qualification_stage,
        }
    }
}

/// A clarification: never who asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionView {
    pub id: String,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    /// Null until answered.
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl From<Question> for QuestionView {
    fn from(q: Question) -> Self {
        Self {
            id: q.id.to_string(),
            question: q.question,
            asked_at: q.asked_at,
            answer: q.answer,
            answered_at: q.answered_at,
        }
    }
}
