//! Tenders (domain.md section 3): the terms a municipality prepares (title, description,
//! procedure, documents, qualification requirements, evaluation criteria, bid security,
//! timeline), the rules a draft must keep to be saved and all the rules it must keep to be
//! published, the status a tender shows at an instant, and the reasons of a cancellation. Pure:
//! the clock's time and the holidays are given.

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Timelike, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::codes::codes;
use crate::domain::localized::LocalizedText;
use crate::domain::money::{Currency, Money, round_money};
use crate::domain::procedure::{
    ClockStatus, DayCount, Procedure, ProcedureCode, Timeline, accelerator_violation, publication_violations, status_at,
};
use crate::domain::validation::Violations;

/// The zone the law states deadlines in: a timeline typed without an offset is read here.
pub const DEADLINE_ZONE: chrono_tz::Tz = chrono_tz::Asia::Bishkek;

codes!(
    /// What the database keeps; the clock-driven statuses are computed from it (see [`status`]).
    TenderState {
        Draft = "draft",
        Published = "published",
        Cancelled = "cancelled",
    }
);

codes!(
    /// The status a tender shows (domain.md section 3); later issues add the evaluation's.
    TenderStatus {
        Draft = "draft",
        ActiveEnquiries = "active_enquiries",
        ActiveTendering = "active_tendering",
        Closed = "closed",
        Evaluation = "evaluation",
        Standstill = "standstill",
        Awarded = "awarded",
        Complete = "complete",
        Unsuccessful = "unsuccessful",
        Cancelled = "cancelled",
    }
);

codes!(
    /// What follows the clock-driven statuses of a published tender, as the database keeps it
    /// (`None` while the clock decides): the opening starts the evaluation, or ends the tender
    /// unsuccessful when nobody bid; the confirmed award proposal starts the standstill.
    TenderPhase {
        Evaluation = "evaluation",
        Standstill = "standstill",
        Awarded = "awarded",
        Complete = "complete",
        Unsuccessful = "unsuccessful",
    }
);

codes!(
    /// Why a tender was cancelled.
    CancellationReason {
        NoDemand = "no_demand",
        UnfixableDefects = "unfixable_defects",
        ForceMajeure = "force_majeure",
        BudgetCut = "budget_cut",
        Other = "other",
    }
);

codes!(
    /// The offer figure a financial criterion evaluates: availability payments and concession
    /// fees are yearly streams (evaluated at their present value), a tariff and a public
    /// subsidy single figures.
    FinancialFigure {
        AvailabilityPayment = "availability_payment",
        ConcessionFee = "concession_fee",
        Tariff = "tariff",
        PublicSubsidy = "public_subsidy",
    }
);

codes!(
    /// Which way a financial figure wins.
    Better {
        Lower = "lower",
        Higher = "higher",
    }
);

impl FinancialFigure {
    /// Whether the figure is a stream of yearly payments, discounted at the tender's rate.
    pub fn is_yearly_stream(self) -> bool {
        matches!(self, Self::AvailabilityPayment | Self::ConcessionFee)
    }
}

/// How the financial criterion reads the offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinancialBasis {
    pub figure: FinancialFigure,
    /// What one unit of the figure is (`KGS per year`, `KGS per trip`).
    pub unit: String,
    pub currency: Currency,
    pub better: Better,
    /// The yearly discount rate of a stream of payments, as a fraction (`0.12`); only for a
    /// stream.
    #[serde(
        default,
        deserialize_with = "optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub discount_rate: Option<Decimal>,
}

fn optional_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    #[derive(Deserialize)]
    struct Plain(#[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")] Decimal);
    Ok(Option::<Plain>::deserialize(d)?.map(|p| p.0))
}

/// One evaluation criterion: exactly one of a tender's criteria is financial (it has
/// `financial`); the others are scored 0 to 100 by the commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: LocalizedText,
    /// Points out of 100; a tender's weights sum to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub weight: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub financial: Option<FinancialBasis>,
}

/// The timeline as typed: each instant RFC 3339 with its offset, or a local date and time
/// (`2027-01-11T12:00`) read in Asia/Bishkek. A draft may leave any of them out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineTerms {
    /// Questions close.
    #[serde(default, deserialize_with = "deadline_instant")]
    #[schema(value_type = Option<String>, example = "2027-01-01T12:00")]
    pub enquiry_end: Option<DateTime<Utc>>,
    /// Bids close: a bid received at this instant is late.
    #[serde(default, deserialize_with = "deadline_instant")]
    #[schema(value_type = Option<String>, example = "2027-01-11T12:00")]
    pub deadline: Option<DateTime<Utc>>,
    /// Bids may be opened from this instant (not before the deadline).
    #[serde(default, deserialize_with = "deadline_instant")]
    #[schema(value_type = Option<String>, example = "2027-01-11T14:00")]
    pub opening: Option<DateTime<Utc>>,
}

impl TimelineTerms {
    /// The whole timeline, once every instant is set.
    pub fn complete(&self) -> Option<Timeline> {
        Some(Timeline {
            enquiry_end: self.enquiry_end?,
            deadline: self.deadline?,
            opening: self.opening?,
        })
    }
}

impl From<Timeline> for TimelineTerms {
    fn from(t: Timeline) -> Self {
        Self {
            enquiry_end: Some(t.enquiry_end),
            deadline: Some(t.deadline),
            opening: Some(t.opening),
        }
    }
}

/// An instant as typed: with an offset (`2027-01-11T06:00:00Z`, `2027-01-11T12:00:00+06:00`),
/// or without one in [`DEADLINE_ZONE`] (`2027-01-11T12:00`, `2027-01-11T12:00:00`). Only the
/// years 2000 to 2100 and no leap second (`:60`): nothing else is a tender's deadline, and
/// both engines store every such instant.
pub fn parse_deadline_instant(text: &str) -> Option<DateTime<Utc>> {
    let at = match DateTime::parse_from_rfc3339(text) {
        Ok(at) => at.with_timezone(&Utc),
        Err(_) => {
            let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())?;
            DEADLINE_ZONE
                .from_local_datetime(&local)
                .earliest()?
                .with_timezone(&Utc)
        }
    };
    ((2000..=2100).contains(&at.year()) && at.nanosecond() < 1_000_000_000).then_some(at)
}

fn deadline_instant<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => parse_deadline_instant(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{text:?} is not a time: expected 2027-01-11T12:00 (Asia/Bishkek) or RFC 3339"
            ))
        }),
    }
}

fn open_procedure() -> ProcedureCode {
    ProcedureCode::Open
}

fn no_acceleration() -> u32 {
    1
}

/// What a municipality prepares and amends: everything a bidder reads in the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": {"ru": "Конкурс на автоматизированную систему оплаты проезда г. Ош", "en": "Osh automated fare collection tender"},
    "description": "Проектирование, поставка и эксплуатация системы безналичной оплаты проезда на 15 лет.",
    "procedure": "open",
    "qualification_requirements": ["Опыт внедрения не менее двух систем оплаты проезда"],
    "criteria": [
        {"name": {"ru": "Платёж за доступность"}, "weight": 70, "financial": {"figure": "availability_payment",
            "unit": "KGS per year", "currency": "KGS", "better": "lower", "discount_rate": "0.12"}},
        {"name": {"ru": "Техническое решение"}, "weight": 30}
    ],
    "bid_security": {"amount": "1500000.00", "currency": "KGS"},
    "timeline": {"enquiry_end": "2027-01-01T12:00", "deadline": "2027-01-11T12:00", "opening": "2027-01-11T14:00"}
}))]
pub struct TenderTerms {
    pub title: LocalizedText,
    #[serde(default)]
    pub description: String,
    #[serde(default = "open_procedure")]
    pub procedure: ProcedureCode,
    /// Ids of the project's public documents that make up the tender documentation.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub documents: Vec<crate::domain::ids::DocumentId>,
    #[serde(default)]
    pub qualification_requirements: Vec<String>,
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bid_security: Option<Money>,
    #[serde(default)]
    pub timeline: TimelineTerms,
    /// Demo mode only: divides every period of the procedure (1 to 100000; 1 is real time).
    #[serde(default = "no_acceleration")]
    #[schema(minimum = 1, maximum = 100000)]
    pub accelerator: u32,
}

const MAX_TITLE: usize = 300;
const MAX_TEXT: usize = 20_000;
const MAX_ITEM: usize = 2_000;
const MAX_ITEMS: usize = 50;
const MAX_UNIT: usize = 100;

impl TenderTerms {
    /// What a draft must keep to be saved: well-formed values. Completeness (a timeline,
    /// weights summing to 100...) is for publication.
    pub fn validate_draft(&self, demo: bool) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.texts_of(self);
        self.title.check(&mut v, "title", MAX_TITLE);
        if self.description.chars().count() > MAX_TEXT {
            v.add("description", "too_long");
        }
        if Procedure::of(self.procedure).is_none() {
            v.add("procedure", "procedure_unavailable");
        }
        if self.documents.len() > MAX_ITEMS {
            v.add("documents", "too_many");
        }
        if self.qualification_requirements.len() > MAX_ITEMS {
            v.add("qualification_requirements", "too_many");
        }
        for (i, text) in self.qualification_requirements.iter().enumerate() {
            let chars = text.trim().chars().count();
            if chars == 0 {
                v.add(format!("qualification_requirements.{i}"), "required");
            } else if chars > MAX_ITEM {
                v.add(format!("qualification_requirements.{i}"), "too_long");
            }
        }
        if self.criteria.len() > 20 {
            v.add("criteria", "too_many");
        }
        for (i, c) in self.criteria.iter().enumerate() {
            c.name.check(&mut v, &format!("criteria.{i}.name"), MAX_TITLE);
            if !(1..=100).contains(&c.weight) {
                v.add(format!("criteria.{i}.weight"), "weight_range");
            }
            if let Some(f) = &c.financial {
                let field = |name: &str| format!("criteria.{i}.financial.{name}");
                let unit = f.unit.trim().chars().count();
                if unit == 0 {
                    v.add(field("unit"), "required");
                } else if unit > MAX_UNIT {
                    v.add(field("unit"), "too_long");
                }
                match (f.figure.is_yearly_stream(), f.discount_rate) {
                    (true, None) => v.add(field("discount_rate"), "required"),
                    (true, Some(r)) if r <= Decimal::ZERO || r > Decimal::ONE => {
                        v.add(field("discount_rate"), "discount_rate_range")
                    }
                    (false, Some(_)) => v.add(field("discount_rate"), "not_a_stream"),
                    _ => {}
                }
            }
        }
        if let Some(security) = &self.bid_security {
            let amount = security.amount;
            if amount <= Decimal::ZERO {
                v.add("bid_security.amount", "positive");
            } else if round_money(amount, security.currency) != amount {
                v.add("bid_security.amount", "minor_unit");
            } else if amount > Decimal::from(1_000_000_000_000_i64) {
                v.add("bid_security.amount", "too_large");
            }
        }
        if let Some(code) = accelerator_violation(self.accelerator, demo) {
            v.add("accelerator", code);
        }
        v.into_result()
    }

    /// What a notice must state, whatever the clock: a description, criteria whose weights sum
    /// to 100 with exactly one financial criterion, and every instant of the timeline.
    pub fn completeness_violations(&self) -> Violations {
        let mut v = Violations::new();
        if self.description.trim().is_empty() {
            v.add("description", "required");
        }
        if self.criteria.is_empty() {
            v.add("criteria", "required");
        } else {
            if self.criteria.iter().map(|c| c.weight).sum::<u32>() != 100 {
                v.add("criteria", "weights_sum");
            }
            if self.criteria.iter().filter(|c| c.financial.is_some()).count() != 1 {
                v.add("criteria", "one_financial");
            }
        }
        let t = &self.timeline;
        for (field, instant) in [
            ("timeline.enquiry_end", t.enquiry_end),
            ("timeline.deadline", t.deadline),
            ("timeline.opening", t.opening),
        ] {
            if instant.is_none() {
                v.add(field, "required");
            }
        }
        v
    }

    /// Every rule publishing these terms at `now` would break, each under its field: those of
    /// a draft, a description, a complete timeline kept to the procedure's periods, and
    /// criteria whose weights sum to 100 with exactly one financial criterion.
    pub fn publication_violations(&self, now: DateTime<Utc>, days: &DayCount<'_>, demo: bool) -> Violations {
        let mut v = self.validate_draft(demo).err().unwrap_or_default();
        v.merge(self.completeness_violations());
        if let (Some(timeline), Some(procedure)) = (self.timeline.complete(), Procedure::of(self.procedure)) {
            v.merge(publication_violations(&procedure, &timeline, now, days));
        }
        v
    }

    /// The terms with money written at its currency's scale (`2500000` as `2500000.00`), as
    /// every amount is shown and stored.
    pub fn with_money_scaled(mut self) -> Self {
        if let Some(security) = &mut self.bid_security {
            security.amount.rescale(security.currency.minor_unit_digits());
        }
        self
    }

    /// What an amendment may not change after publication: the procedure and the accelerator
    /// (the periods were judged under them).
    pub fn fixed_after_publication(&self, published: &TenderTerms) -> Violations {
        let mut v = Violations::new();
        if self.procedure != published.procedure {
            v.add("procedure", "fixed_after_publication");
        }
        if self.accelerator != published.accelerator {
            v.add("accelerator", "fixed_after_publication");
        }
        v
    }
}

/// A reviewer's hold on a tender (domain.md: `review_hold`): every change to the tender is
/// refused until the reviewer releases it (or, when an upheld complaint against the terms set
/// it, until the amendment it requires is published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewHold {
    pub reason: String,
    pub since: DateTime<Utc>,
    pub by: crate::domain::ids::UserId,
    /// The upheld complaint against the terms whose amendment releases the hold.
    pub complaint_id: Option<i64>,
}

/// The status a tender shows at `now`.
pub fn status(
    state: TenderState,
    phase: Option<TenderPhase>,
    timeline: Option<&Timeline>,
    now: DateTime<Utc>,
) -> TenderStatus {
    match (state, timeline) {
        (TenderState::Draft, _) => TenderStatus::Draft,
        (TenderState::Cancelled, _) => TenderStatus::Cancelled,
        (TenderState::Published, _) if phase.is_some() => match phase {
            Some(TenderPhase::Unsuccessful) => TenderStatus::Unsuccessful,
            Some(TenderPhase::Standstill) => TenderStatus::Standstill,
            Some(TenderPhase::Awarded) => TenderStatus::Awarded,
            Some(TenderPhase::Complete) => TenderStatus::Complete,
            _ => TenderStatus::Evaluation,
        },
        // A published tender always has its timeline; without one it could take no bids.
        (TenderState::Published, None) => TenderStatus::Closed,
        (TenderState::Published, Some(t)) => match status_at(t, now) {
            ClockStatus::ActiveEnquiries => TenderStatus::ActiveEnquiries,
            ClockStatus::ActiveTendering => TenderStatus::ActiveTendering,
            ClockStatus::Closed => TenderStatus::Closed,
        },
    }
}

/// The OCDS id of a tender's contracting process: `<prefix>-<tender id>`.
pub fn ocid(prefix: &str, tender_id: i64) -> String {
    format!("{prefix}-{tender_id}")
}

/// Checks a question or an answer: 1 to 4000 characters of text.
pub fn check_message(v: &mut Violations, field: &str, text: &str) {
    v.text(field, text);
    let chars = text.trim().chars().count();
    if chars == 0 {
        v.add(field, "required");
    } else if chars > 4_000 {
        v.add(field, "too_long");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{Holidays, fixed_holidays};

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn terms() -> TenderTerms {
        serde_json::from_value(serde_json::json!({
            "title": {"ru": "Конкурс"},
            "description": "Описание",
            "criteria": [
                {"name": {"ru": "Платёж за доступность"}, "weight": 70, "financial": {"figure": "availability_payment",
                    "unit": "KGS per year", "currency": "KGS", "better": "lower", "discount_rate": "0.12"}},
                {"name": {"ru": "Техническое решение"}, "weight": 30}
            ],
            "timeline": {"enquiry_end": "2027-01-01T12:00", "deadline": "2027-01-11T12:00", "opening": "2027-01-11T14:00"}
        }))
        .unwrap()
    }

    fn broken(v: &Violations) -> Vec<String> {
        v.fields()
            .flat_map(|(f, codes)| codes.iter().map(move |c| format!("{f}: {c}")))
            .collect()
    }

    #[test]
    fn times_without_an_offset_are_read_in_bishkek() {
        assert_eq!(
            parse_deadline_instant("2027-01-11T12:00"),
            Some(at("2027-01-11T06:00:00Z"))
        );
        assert_eq!(
            parse_deadline_instant("2027-01-11T12:00:30"),
            Some(at("2027-01-11T06:00:30Z"))
        );
        assert_eq!(
            parse_deadline_instant("2027-01-11T06:00:00Z"),
            Some(at("2027-01-11T06:00:00Z"))
        );
        assert_eq!(
            parse_deadline_instant("2027-01-11T12:00:00+06:00"),
            Some(at("2027-01-11T06:00:00Z"))
        );
        for refused in [
            "2027-01-11",
            "11.01.2027 12:00",
            "2027-02-30T12:00",
            "",
            "0000-01-01T00:00",
            "-0001-01-01T00:00",
            "9999-12-31T23:59:59-14:00",
            "2027-01-21T12:00:60",
            "2027-01-21T05:59:60Z",
        ] {
            assert_eq!(parse_deadline_instant(refused), None, "{refused:?}");
        }
        assert_eq!(terms().timeline.deadline, Some(at("2027-01-11T06:00:00Z")));
    }

    #[test]
    fn publication_names_every_broken_rule() {
        let mut h = fixed_holidays(2026);
        h.extend(fixed_holidays(2027));
        let h = Holidays::new(h);
        let days = DayCount {
            zone: DEADLINE_ZONE,
            holidays: &h,
            accelerator: 1,
        };
        let now = at("2026-12-03T04:00:00Z");
        assert!(terms().publication_violations(now, &days, false).is_empty());
        let mut bad = terms();
        bad.description = " ".into();
        bad.criteria[1].weight = 20;
        bad.criteria[1].financial = bad.criteria[0].financial.clone();
        bad.timeline.opening = None;
        bad.timeline.deadline = Some(at("2026-12-20T06:00:00Z"));
        assert_eq!(
            broken(&bad.publication_violations(now, &days, false)),
            [
                "criteria: weights_sum",
                "criteria: one_financial",
                "description: required",
                "timeline.opening: required"
            ]
        );
        bad.timeline.opening = Some(at("2026-12-20T05:00:00Z"));
        assert_eq!(
            broken(&bad.publication_violations(now, &days, false))[3..],
            [
                "timeline.deadline: tendering_too_short",
                "timeline.enquiry_end: enquiry_cutoff",
                "timeline.opening: before_deadline"
            ]
        );
    }

    #[test]
    fn a_draft_keeps_its_values_well_formed() {
        let mut t = terms();
        t.criteria[0].financial.as_mut().unwrap().discount_rate = None;
        t.criteria[1].weight = 0;
        t.accelerator = 1_440;
        t.bid_security = Some(Money::new(Decimal::new(1005, 3), Currency::Kgs));
        assert_eq!(
            broken(&t.validate_draft(false).unwrap_err()),
            [
                "accelerator: demo_only",
                "bid_security.amount: minor_unit",
                "criteria.0.financial.discount_rate: required",
                "criteria.1.weight: weight_range"
            ]
        );
        t.criteria[0].financial.as_mut().unwrap().figure = FinancialFigure::Tariff;
        t.criteria[0].financial.as_mut().unwrap().discount_rate = Some(Decimal::new(12, 2));
        let v = t.validate_draft(true).unwrap_err();
        assert!(broken(&v).contains(&"criteria.0.financial.discount_rate: not_a_stream".to_string()));
        assert!(!broken(&v).iter().any(|b| b.starts_with("accelerator")));
    }

    #[test]
    fn the_status_comes_from_the_state_and_the_clock() {
        let t = terms().timeline.complete().unwrap();
        let now = at("2026-12-03T04:00:00Z");
        assert_eq!(status(TenderState::Draft, None, Some(&t), now), TenderStatus::Draft);
        assert_eq!(
            status(TenderState::Published, None, Some(&t), now),
            TenderStatus::ActiveEnquiries
        );
        assert_eq!(
            status(TenderState::Published, None, Some(&t), at("2027-01-11T06:00:00Z")),
            TenderStatus::Closed
        );
        assert_eq!(
            status(TenderState::Cancelled, None, Some(&t), now),
            TenderStatus::Cancelled
        );
        // Once opened, the phase decides, whatever the clock.
        let later = at("2027-03-01T06:00:00Z");
        let opened = Some(TenderPhase::Evaluation);
        assert_eq!(
            status(TenderState::Published, opened, Some(&t), later),
            TenderStatus::Evaluation
        );
        let nobody = Some(TenderPhase::Unsuccessful);
        assert_eq!(
            status(TenderState::Published, nobody, Some(&t), later),
            TenderStatus::Unsuccessful
        );
        assert_eq!(ocid("ocds-abc123", 7), "ocds-abc123-7");
    }
}
