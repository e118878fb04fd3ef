//! What people send to draft, sign and change a contract, and every rule each must pass
//! (named under its field). Dates are calendar dates in Asia/Bishkek; `today` is the server
//! clock's date there, so nothing is recorded as done in the future.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::bid::{check_amount, check_short_text, optional_decimal};
use crate::domain::contract::{AmendmentReason, MilestoneKind, Quarter};
use crate::domain::ids::DocumentId;
use crate::domain::money::{Currency, Money};
use crate::domain::project::PaymentMechanism;
use crate::domain::validation::Violations;

/// The longest contract term accepted (100 years).
pub const MAX_TERM_MONTHS: u32 = 1200;
/// The most documents a contract lists.
pub const MAX_DOCUMENTS: usize = 20;
/// The most shareholders a special-purpose company lists.
pub const MAX_SHAREHOLDERS: usize = 11;
const MAX_TEXT: usize = 4000;

/// Who signs for a party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    pub name: String,
    pub position: String,
}

/// A shareholder of the special-purpose company: one of the bidding party's companies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Shareholder {
    pub company_id: String,
    /// Percent, above 0 and at most 100, two places at most.
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub share: Decimal,
}

/// The special-purpose company the winner formed to hold the contract: a company registered
/// like any other, owned by the bidding party's companies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialPurposeCompany {
    pub company_id: String,
    pub shareholders: Vec<Shareholder>,
}

/// The performance guarantee the private party provides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Guarantee {
    pub issuer: String,
    pub reference: String,
    pub amount: Money,
    #[schema(value_type = String, format = Date)]
    pub valid_until: NaiveDate,
}

/// A milestone's planned date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedMilestone {
    pub kind: MilestoneKind,
    #[schema(value_type = String, format = Date)]
    pub planned_on: NaiveDate,
}

/// The contract the municipality's officer drafts from the award.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Соглашение о МЧП: реконструкция рынка «Ош»",
    "value": {"amount": "1240000000.00", "currency": "KGS"},
    "term_months": 300, "start_date": "2025-06-20", "payment_mechanism": "availability",
    "municipality_signatory": {"name": "Айбек Жумабаев", "position": "Первый вице-мэр"},
    "supplier_signatory": {"name": "Нурлан Осмонов", "position": "Директор"},
    "guarantee": {"issuer": "ОАО «Айыл Банк»", "reference": "ГБ-2025/0412",
        "amount": {"amount": "62000000.00", "currency": "KGS"}, "valid_until": "2027-06-30"},
    "milestones": [{"kind": "service_start", "planned_on": "2026-05-01"}]
}))]
pub struct ContractRequest {
    pub title: String,
    /// The contract's value as signed.
    pub value: Money,
    /// From the start date (1 to 1200 months); the expiry milestone follows from it.
    pub term_months: u32,
    #[schema(value_type = String, format = Date)]
    pub start_date: NaiveDate,
    pub payment_mechanism: PaymentMechanism,
    /// The special-purpose company that holds the contract instead of the winner's lead company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spv: Option<SpecialPurposeCompany>,
    pub municipality_signatory: Signatory,
    pub supplier_signatory: Signatory,
    pub guarantee: Guarantee,
    /// Ids of the project's documents that make up the contract (public or internal).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub documents: Vec<DocumentId>,
    /// Planned dates of the milestones before expiry; `service_start` is required.
    pub milestones: Vec<PlannedMilestone>,
}

impl ContractRequest {
    pub fn violations(&self) -> Violations {
        let mut v = Violations::new();
        check_short_text(&mut v, "title", &self.title);
        check_amount(&mut v, "value.amount", self.value.amount, self.value.currency);
        check_term(&mut v, "term_months", self.term_months);
        check_date(&mut v, "start_date", self.start_date);
        for (field, s) in [
            ("municipality_signatory", &self.municipality_signatory),
            ("supplier_signatory", &self.supplier_signatory),
        ] {
            check_short_text(&mut v, &format!("{field}.name"), &s.name);
            check_short_text(&mut v, &format!("{field}.position"), &s.position);
        }
        let g = &self.guarantee;
        check_short_text(&mut v, "guarantee.issuer", &g.issuer);
        check_short_text(&mut v, "guarantee.reference", &g.reference);
        check_amount(&mut v, "guarantee.amount.amount", g.amount.amount, g.amount.currency);
        if g.amount.currency != self.value.currency {
            v.add("guarantee.amount.currency", "currency_mismatch");
        }
        if g.valid_until < self.start_date {
            v.add("guarantee.valid_until", "before_start");
        }
        if self.documents.len() > MAX_DOCUMENTS {
            v.add("documents", "too_many");
        }
        for (i, d) in self.documents.iter().enumerate().take(MAX_DOCUMENTS) {
            if self.documents[..i].contains(d) {
                v.add(format!("documents.{i}"), "listed_twice");
            }
        }
        let mut seen = Vec::new();
        for (i, m) in self.milestones.iter().enumerate() {
            let field = format!("milestones.{i}.kind");
            if m.kind == MilestoneKind::Expiry {
                v.add(field, "expiry_follows_term");
            } else if seen.contains(&m.kind) {
                v.add(field, "listed_twice");
            } else {
                seen.push(m.kind);
            }
            check_date(&mut v, &format!("milestones.{i}.planned_on"), m.planned_on);
        }
        if !seen.contains(&MilestoneKind::ServiceStart) {
            v.add("milestones", "service_start_required");
        }
        if let Some(spv) = &self.spv {
            check_spv(&mut v, spv);
        }
        v
    }
}

fn check_spv(v: &mut Violations, spv: &SpecialPurposeCompany) {
    if crate::domain::ids::parse_id(&spv.company_id).is_none() {
        v.add("spv.company_id", "id");
    }
    if spv.shareholders.is_empty() {
        v.add("spv.shareholders", "required");
    } else if spv.shareholders.len() > MAX_SHAREHOLDERS {
        v.add("spv.shareholders", "too_many");
    }
    let mut seen = Vec::new();
    for (i, s) in spv.shareholders.iter().enumerate().take(MAX_SHAREHOLDERS) {
        match crate::domain::ids::parse_id(&s.company_id) {
            None => v.add(format!("spv.shareholders.{i}.company_id"), "id"),
            Some(id) if seen.contains(&id) => v.add(format!("spv.shareholders.{i}.company_id"), "listed_twice"),
            Some(id) => seen.push(id),
        }
        if s.share <= Decimal::ZERO || s.share > Decimal::ONE_HUNDRED {
            v.add(format!("spv.shareholders.{i}.share"), "share_range");
        } else if s.share.normalize().scale() > 2 {
            v.add(format!("spv.shareholders.{i}.share"), "minor_unit");
        }
    }
    // Summed checked: a share is any decimal the body wrote until its range is known.
    let total = spv
        .shareholders
        .iter()
        .take(MAX_SHAREHOLDERS)
        .try_fold(Decimal::ZERO, |sum, s| sum.checked_add(s.share));
    if !spv.shareholders.is_empty() && total != Some(Decimal::ONE_HUNDRED) {
        v.add("spv.shareholders", "shares_sum");
    }
}

fn check_term(v: &mut Violations, field: &str, months: u32) {
    if !(1..=MAX_TERM_MONTHS).contains(&months) {
        v.add(field, "term_range");
    }
}

/// Dates from 2000 to 2200: a typing slip of a century is refused, not stored.
fn check_date(v: &mut Violations, field: &str, date: NaiveDate) {
    use chrono::Datelike;
    if !(2000..=2200).contains(&date.year()) {
        v.add(field, "date_range");
    }
}

fn check_past(v: &mut Violations, field: &str, date: NaiveDate, today: NaiveDate) {
    check_date(v, field, date);
    if date > today {
        v.add(field, "in_future");
    }
}

fn check_text(v: &mut Violations, field: &str, text: &str, required: bool) {
    v.text(field, text);
    let chars = text.trim().chars().count();
    if required && chars == 0 {
        v.add(field, "required");
    } else if chars > MAX_TEXT {
        v.add(field, "too_long");
    }
}

/// The approver records the signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"signed_on": "2025-06-20"}))]
pub struct SignRequest {
    /// The date both parties signed (not in the future, not before the award).
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
}

impl SignRequest {
    pub fn violations(&self, today: NaiveDate) -> Violations {
        let mut v = Violations::new();
        check_past(&mut v, "signed_on", self.signed_on, today);
        v
    }
}

/// A milestone's change: its plan moved, or its actual date recorded (or both), with a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"met_on": "2026-05-04", "note": "Акт ввода в эксплуатацию № 14"}))]
pub struct MilestoneRequest {
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub planned_on: Option<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub met_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: String,
}

impl MilestoneRequest {
    pub fn violations(&self, today: NaiveDate) -> Violations {
        let mut v = Violations::new();
        if self.planned_on.is_none() && self.met_on.is_none() {
            v.add("met_on", "required");
        }
        if let Some(planned) = self.planned_on {
            check_date(&mut v, "planned_on", planned);
        }
        if let Some(met) = self.met_on {
            check_past(&mut v, "met_on", met, today);
        }
        check_text(&mut v, "note", &self.note, false);
        v
    }
}

/// An amendment: a new version of the contract, with the value and term it leaves (unchanged
/// when left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "scope_change", "description": "Добавлена крытая парковка на 220 мест",
    "agreed_on": "2026-09-10", "value": "1430000000.00"}))]
pub struct AmendmentRequest {
    pub reason: AmendmentReason,
    pub description: String,
    #[schema(value_type = String, format = Date)]
    pub agreed_on: NaiveDate,
    /// The contract's value after the amendment, in its currency.
    #[serde(
        default,
        deserialize_with = "optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub value: Option<Decimal>,
    /// The term after the amendment, in months from the start date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_months: Option<u32>,
    /// A document of the project (public or internal) holding the amendment's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub document_id: Option<DocumentId>,
}

impl AmendmentRequest {
    pub fn violations(&self, currency: Currency, today: NaiveDate) -> Violations {
        let mut v = Violations::new();
        check_text(&mut v, "description", &self.description, true);
        check_past(&mut v, "agreed_on", self.agreed_on, today);
        if let Some(value) = self.value {
            check_amount(&mut v, "value", value, currency);
        }
        if let Some(months) = self.term_months {
            check_term(&mut v, "term_months", months);
        }
        v
    }
}

/// One quarter's performance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"period": "2026-Q3", "paid": "4625000.00", "deductions": "0.00",
    "demand": "412000", "note": "Посетителей рынка за квартал"}))]
pub struct PerformanceRequest {
    /// `YYYY-Qn`, a quarter already begun.
    pub period: String,
    /// The contract payment made in the quarter: the municipality's availability payment, or
    /// the concession fee paid to it (the figure the tender evaluated).
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub paid: Decimal,
    /// Availability deductions applied in the quarter.
    #[serde(default, deserialize_with = "crate::domain::strict_json::plain_decimal")]
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub deductions: Decimal,
    /// The tariff charged to users, if any.
    #[serde(
        default,
        deserialize_with = "optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub tariff: Option<Decimal>,
    /// The demand served (visitors, passengers, Gcal...), in the project's unit.
    #[serde(
        default,
        deserialize_with = "optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub demand: Option<Decimal>,
    #[serde(default)]
    pub note: String,
}

impl PerformanceRequest {
    /// The quarter it is for, when the request reads as one (see [`Self::violations`]).
    pub fn quarter(&self) -> Option<Quarter> {
        Quarter::parse(&self.period)
    }

    pub fn violations(&self, currency: Currency, today: NaiveDate) -> Violations {
        let mut v = Violations::new();
        match self.quarter() {
            None => v.add("period", "quarter"),
            Some(q) if q.first_day() > today => v.add("period", "in_future"),
            Some(_) => {}
        }
        check_money_or_zero(&mut v, "paid", self.paid, currency);
        check_money_or_zero(&mut v, "deductions", self.deductions, currency);
        if let Some(tariff) = self.tariff {
            check_money_or_zero(&mut v, "tariff", tariff, currency);
        }
        if let Some(demand) = self.demand {
            if demand > Decimal::from(1_000_000_000_000_i64) {
                v.add("demand", "too_large");
            } else if demand < Decimal::ZERO || demand.normalize().scale() > 4 {
                v.add("demand", "demand_range");
            }
        }
        check_text(&mut v, "note", &self.note, false);
        v
    }
}

/// A payment that may be zero (nothing paid in a quarter) but not negative or finer than the
/// currency's minor unit.
fn check_money_or_zero(v: &mut Violations, field: &str, amount: Decimal, currency: Currency) {
    if amount < Decimal::ZERO {
        v.add(field, "not_negative");
    } else if !amount.is_zero() {
        check_amount(v, field, amount, currency);
    }
}

/// The approver records an early termination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Дефолт частного партнёра: услуга не оказывается 120 дней",
    "ended_on": "2026-11-30", "payment": "35000000.00"}))]
pub struct TerminationRequest {
    pub reason: String,
    #[schema(value_type = String, format = Date)]
    pub ended_on: NaiveDate,
    /// The termination payment, in the contract's currency, if any.
    #[serde(
        default,
        deserialize_with = "optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub payment: Option<Decimal>,
}

impl TerminationRequest {
    pub fn violations(&self, currency: Currency, today: NaiveDate) -> Violations {
        let mut v = Violations::new();
        check_text(&mut v, "reason", &self.reason, true);
        check_past(&mut v, "ended_on", self.ended_on, today);
        if let Some(payment) = self.payment {
            check_money_or_zero(&mut v, "payment", payment, currency);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn request() -> ContractRequest {
        serde_json::from_value(serde_json::json!({
            "title": "Соглашение", "value": {"amount": "1240000000.00", "currency": "KGS"},
            "term_months": 300, "start_date": "2025-06-20", "payment_mechanism": "availability",
            "municipality_signatory": {"name": "А. Жумабаев", "position": "Вице-мэр"},
            "supplier_signatory": {"name": "Н. Осмонов", "position": "Директор"},
            "guarantee": {"issuer": "Айыл Банк", "reference": "ГБ-1",
                "amount": {"amount": "62000000.00", "currency": "KGS"}, "valid_until": "2027-06-30"},
            "milestones": [{"kind": "service_start", "planned_on": "2026-05-01"}],
            "spv": {"company_id": "9", "shareholders": [{"company_id": "3", "share": "60"}, {"company_id": "5", "share": "40"}]}
        }))
        .unwrap()
    }

    fn fields(v: &Violations) -> Vec<(String, Vec<&'static str>)> {
        v.fields().map(|(f, c)| (f.to_string(), c.to_vec())).collect()
    }

    #[test]
    fn a_sound_contract_passes_and_each_broken_rule_is_named() {
        assert!(request().violations().is_empty());
        let mut r = request();
        r.term_months = 0;
        r.value.amount = "10.001".parse().unwrap();
        r.guarantee.valid_until = day("2025-06-19");
        r.milestones.push(PlannedMilestone {
            kind: MilestoneKind::Expiry,
            planned_on: day("2050-01-01"),
        });
        r.milestones[0].kind = MilestoneKind::FinancialClose;
        r.spv.as_mut().unwrap().shareholders[1].share = "39.5".parse().unwrap();
        r.guarantee.amount.currency = Currency::Usd;
        r.documents = vec![DocumentId(4), DocumentId(4)];
        assert_eq!(
            fields(&r.violations()),
            vec![
                ("documents.1".into(), vec!["listed_twice"]),
                ("guarantee.amount.currency".into(), vec!["currency_mismatch"]),
                ("guarantee.valid_until".into(), vec!["before_start"]),
                ("milestones".into(), vec!["service_start_required"]),
                ("milestones.1.kind".into(), vec!["expiry_follows_term"]),
                ("spv.shareholders".into(), vec!["shares_sum"]),
                ("term_months".into(), vec!["term_range"]),
                ("value.amount".into(), vec!["minor_unit"]),
            ]
        );
    }

    #[test]
    fn shares_too_large_to_add_are_refused_not_a_panic() {
        let mut r = request();
        let huge: Decimal = "79228162514264337593543950335".parse().unwrap();
        r.spv.as_mut().unwrap().shareholders = vec![
            Shareholder {
                company_id: "3".into(),
                share: huge,
            },
            Shareholder {
                company_id: "5".into(),
                share: huge,
            },
        ];
        let v = r.violations();
        let fields: Vec<&str> = v.fields().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            vec![
                "spv.shareholders",
                "spv.shareholders.0.share",
                "spv.shareholders.1.share"
            ]
        );
    }

    #[test]
    fn nothing_is_recorded_as_done_in_the_future() {
        let today = day("2026-12-04");
        let sign = SignRequest {
            signed_on: day("2026-12-05"),
        };
        assert_eq!(
            fields(&sign.violations(today)),
            vec![("signed_on".into(), vec!["in_future"])]
        );
        let record = PerformanceRequest {
            period: "2027-Q1".into(),
            paid: "-1".parse().unwrap(),
            deductions: Decimal::ZERO,
            tariff: None,
            demand: Some("-3".parse().unwrap()),
            note: String::new(),
        };
        assert_eq!(
            fields(&record.violations(Currency::Kgs, today)),
            vec![
                ("demand".into(), vec!["demand_range"]),
                ("paid".into(), vec!["not_negative"]),
                ("period".into(), vec!["in_future"]),
            ]
        );
        let current = PerformanceRequest {
            period: "2026-Q4".into(),
            paid: Decimal::ZERO,
            ..record
        };
        assert!(
            current
                .violations(Currency::Kgs, today)
                .fields()
                .all(|(f, _)| f == "demand")
        );
    }
}
