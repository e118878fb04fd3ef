//! A PPP contract's rules after the award (domain.md section 3, "Contract"): its status through
//! its milestones, the cumulative change its amendments make to the value and the term against
//! the signed contract (flagged for reviewers beyond a threshold), and the variance of what was
//! paid against the plan. Pure: the records and the clock's date are given.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::codes::codes;
use crate::domain::money::round_places;

codes!(
    /// A contract's status (domain.md code list; OCDS in brackets): `pending` (pending: drafted
    /// from the award, not signed yet), `signed` (active),
    /// `in_operation` (active), `completed` (terminated, with a completion milestone),
    /// `terminated` (terminated), `cancelled` (cancelled).
    ContractStatus {
        Pending = "pending",
        Signed = "signed",
        InOperation = "in_operation",
        Completed = "completed",
        Terminated = "terminated",
        Cancelled = "cancelled",
    }
);

codes!(
    /// The milestones of a PPP contract's life.
    MilestoneKind {
        CommercialClose = "commercial_close",
        FinancialClose = "financial_close",
        ConstructionStart = "construction_start",
        ConstructionCompletion = "construction_completion",
        ServiceStart = "service_start",
        Expiry = "expiry",
    }
);

codes!(
    /// A milestone's status (OCDS `scheduled`, `met`, `notMet`; `late` is met after its plan).
    MilestoneStatus {
        Scheduled = "scheduled",
        Met = "met",
        Late = "late",
        NotMet = "not_met",
    }
);

codes!(
    /// Why a contract was amended.
    AmendmentReason {
        ChangeInLaw = "change_in_law",
        ScopeChange = "scope_change",
        Refinancing = "refinancing",
        TariffReview = "tariff_review",
        Delay = "delay",
        Other = "other",
    }
);

/// A milestone's status from its dates at `today`: met on or before its plan, late after it;
/// without an actual date, scheduled until its plan has passed, then not met.
pub fn milestone_status(planned: NaiveDate, actual: Option<NaiveDate>, today: NaiveDate) -> MilestoneStatus {
    match actual {
        Some(done) if done <= planned => MilestoneStatus::Met,
        Some(_) => MilestoneStatus::Late,
        None if today > planned => MilestoneStatus::NotMet,
        None => MilestoneStatus::Scheduled,
    }
}

/// The status a contract moves to when milestone `kind` is met, if it moves: service start puts
/// a signed contract in operation; expiry completes one in operation.
pub fn after_milestone(status: ContractStatus, kind: MilestoneKind) -> Option<ContractStatus> {
    match (status, kind) {
        (ContractStatus::Signed, MilestoneKind::ServiceStart) => Some(ContractStatus::InOperation),
        (ContractStatus::InOperation, MilestoneKind::Expiry) => Some(ContractStatus::Completed),
        _ => None,
    }
}

/// Why a change to milestone `kind` may not be recorded, if it may not: the expiry follows
/// from the term (its plan moves only with an amendment of the term) and is met only by a
/// contract in operation, on or after its date (an early end is a termination, the approver's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneRefusal {
    /// A field and its violation code (422).
    Field(&'static str, &'static str),
    /// A message id (409).
    State(&'static str),
}

pub fn milestone_refusal(
    status: ContractStatus,
    kind: MilestoneKind,
    planned: NaiveDate,
    new_plan: Option<NaiveDate>,
    met_on: Option<NaiveDate>,
) -> Option<MilestoneRefusal> {
    if kind != MilestoneKind::Expiry {
        return None;
    }
    match (new_plan, met_on) {
        (Some(_), _) => Some(MilestoneRefusal::Field("planned_on", "expiry_follows_term")),
        (None, Some(_)) if status != ContractStatus::InOperation => {
            Some(MilestoneRefusal::State("error-expiry-before-service"))
        }
        (None, Some(met)) if met < planned => Some(MilestoneRefusal::Field("met_on", "before_expiry")),
        _ => None,
    }
}

/// Whether a contract in `status` may still change (amendments, milestones, performance
/// records, termination): signed or in operation.
pub fn is_live(status: ContractStatus) -> bool {
    matches!(status, ContractStatus::Signed | ContractStatus::InOperation)
}

/// How far the amendments moved a figure (the value, or the term in months) from the signed
/// contract's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CumulativeChange {
    pub signed: Decimal,
    pub current: Decimal,
    /// `current - signed`.
    pub change: Decimal,
    /// The change as a percentage of the signed figure, exact (`None` when the signed figure
    /// is zero); shown rounded, compared unrounded.
    pub percent: Option<Decimal>,
}

impl CumulativeChange {
    pub fn between(signed: Decimal, current: Decimal) -> Self {
        let change = current - signed;
        let percent = if signed.is_zero() {
            None
        } else {
            change
                .checked_mul(Decimal::ONE_HUNDRED)
                .and_then(|c| c.checked_div(signed))
        };
        Self {
            signed,
            current,
            change,
            percent,
        }
    }

    /// The percentage as shown: two places, half away from zero.
    pub fn percent_shown(&self) -> Option<Decimal> {
        self.percent.map(|p| round_places(p, 2))
    }

    /// Whether the change, up or down, exceeds `threshold_percent` of the signed figure (the
    /// reviewers' flag; default 15). A change from zero is always beyond any threshold.
    pub fn beyond(&self, threshold_percent: Decimal) -> bool {
        match self.percent {
            Some(p) => p.abs() > threshold_percent,
            None => !self.change.is_zero(),
        }
    }
}

/// One period's payments: what the frozen financial model planned and what the municipality
/// paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodPayments {
    pub planned: Decimal,
    pub actual: Decimal,
}

/// The variance of payments: per period `actual - planned`, and the totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variance {
    pub per_period: Vec<Decimal>,
    pub planned_total: Decimal,
    pub actual_total: Decimal,
    /// `actual_total - planned_total`.
    pub total: Decimal,
}

/// The payments' variance over the periods recorded (exact sums; `None` on overflow).
pub fn payment_variance(periods: &[PeriodPayments]) -> Option<Variance> {
    let mut planned_total = Decimal::ZERO;
    let mut actual_total = Decimal::ZERO;
    let mut per_period = Vec::with_capacity(periods.len());
    for p in periods {
        planned_total = planned_total.checked_add(p.planned)?;
        actual_total = actual_total.checked_add(p.actual)?;
        per_period.push(p.actual.checked_sub(p.planned)?);
    }
    Some(Variance {
        per_period,
        planned_total,
        actual_total,
        total: actual_total.checked_sub(planned_total)?,
    })
}

/// A quarter of a calendar year (`2027-Q3`): the period performance is recorded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub number: u32,
}

impl Quarter {
    /// Reads `YYYY-Qn` (years 2000 to 2200).
    pub fn parse(text: &str) -> Option<Self> {
        let (year, number) = text.split_once("-Q")?;
        let year: i32 = crate::domain::validation::whole_number(year, 4)?;
        let number: u32 = crate::domain::validation::whole_number(number, 1)?;
        ((2000..=2200).contains(&year) && (1..=4).contains(&number)).then_some(Self { year, number })
    }

    /// The quarter `date` falls in.
    pub fn of(date: NaiveDate) -> Self {
        use chrono::Datelike;
        Self {
            year: date.year(),
            number: date.month0() / 3 + 1,
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.number - 1) * 3 + 1, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Self {
        if self.number == 4 {
            Self {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Self {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    /// How many quarters `self` comes after `earlier` (negative when before).
    pub fn since(self, earlier: Quarter) -> i64 {
        (i64::from(self.year) - i64::from(earlier.year)) * 4 + i64::from(self.number) - i64::from(earlier.number)
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

/// What the agreed model plans the municipality to pay in `quarter`: a quarter of the offer's
/// payment for the year of operation the quarter falls in, counted from the quarter after
/// service starts (the first full quarter of service), rounded to the currency's minor unit.
/// `None` when the offer has no yearly payments (a tariff or a fee), before service, or beyond
/// the offer's years.
pub fn planned_payment(
    yearly: &[Decimal],
    service_start: NaiveDate,
    quarter: Quarter,
    currency: crate::domain::money::Currency,
) -> Option<Decimal> {
    let first = Quarter::of(service_start).next();
    let index = usize::try_from(quarter.since(first)).ok()?;
    let year = yearly.get(index / 4)?;
    Some(crate::domain::money::round_money(year / Decimal::from(4), currency))
}

/// The date a contract of `term_months` from `start` expires (the day before the same day of
/// the month `term_months` later).
pub fn expiry(start: NaiveDate, term_months: u32) -> Option<NaiveDate> {
    start.checked_add_months(chrono::Months::new(term_months))?.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_milestone_is_met_late_scheduled_or_not_met_by_its_dates() {
        let plan = day("2027-03-31");
        assert_eq!(
            milestone_status(plan, Some(day("2027-03-31")), day("2027-05-01")),
            MilestoneStatus::Met
        );
        assert_eq!(
            milestone_status(plan, Some(day("2027-04-01")), day("2027-05-01")),
            MilestoneStatus::Late
        );
        assert_eq!(milestone_status(plan, None, plan), MilestoneStatus::Scheduled);
        assert_eq!(milestone_status(plan, None, day("2027-04-01")), MilestoneStatus::NotMet);
    }

    #[test]
    fn service_start_puts_a_signed_contract_in_operation_and_expiry_completes_it() {
        use ContractStatus as S;
        assert_eq!(
            after_milestone(S::Signed, MilestoneKind::ServiceStart),
            Some(S::InOperation)
        );
        assert_eq!(
            after_milestone(S::InOperation, MilestoneKind::Expiry),
            Some(S::Completed)
        );
        assert_eq!(after_milestone(S::Signed, MilestoneKind::FinancialClose), None);
        assert_eq!(after_milestone(S::Terminated, MilestoneKind::ServiceStart), None);
        assert!(is_live(S::Signed) && is_live(S::InOperation));
        assert!(!is_live(S::Completed) && !is_live(S::Terminated) && !is_live(S::Cancelled));
    }

    #[test]
    fn the_expiry_follows_the_term_and_ends_only_a_contract_in_operation_at_its_date() {
        use ContractStatus as S;
        use MilestoneKind as K;
        let end = day("2050-07-01");
        assert_eq!(
            milestone_refusal(S::InOperation, K::Expiry, end, Some(day("2051-01-01")), None),
            Some(MilestoneRefusal::Field("planned_on", "expiry_follows_term"))
        );
        assert_eq!(
            milestone_refusal(S::Signed, K::Expiry, end, None, Some(end)),
            Some(MilestoneRefusal::State("error-expiry-before-service"))
        );
        assert_eq!(
            milestone_refusal(S::InOperation, K::Expiry, end, None, Some(day("2050-06-30"))),
            Some(MilestoneRefusal::Field("met_on", "before_expiry"))
        );
        assert_eq!(milestone_refusal(S::InOperation, K::Expiry, end, None, Some(end)), None);
        assert_eq!(
            milestone_refusal(S::Signed, K::ServiceStart, end, Some(end), Some(end)),
            None
        );
    }

    #[test]
    fn the_cumulative_change_is_exact_and_flagged_only_beyond_the_threshold() {
        // 1 240 000 000 som signed; amendments to 1 430 000 000: +190 000 000, 15.3225806...%.
        let change = CumulativeChange::between(d("1240000000.00"), d("1430000000.00"));
        assert_eq!(change.change, d("190000000.00"));
        assert_eq!(change.percent_shown(), Some(d("15.32")));
        assert!(change.beyond(d("15")));
        assert!(!change.beyond(d("15.33")));
        // Exactly 15 % is not beyond 15 %; a cut counts as a change too.
        assert!(!CumulativeChange::between(d("200"), d("230")).beyond(d("15")));
        assert!(CumulativeChange::between(d("200"), d("169")).beyond(d("15")));
        // A term of 300 months extended by 24: 8 %.
        assert_eq!(
            CumulativeChange::between(d("300"), d("324")).percent_shown(),
            Some(d("8.00"))
        );
        let from_zero = CumulativeChange::between(Decimal::ZERO, d("1"));
        assert_eq!(from_zero.percent, None);
        assert!(from_zero.beyond(d("15")));
    }

    #[test]
    fn the_payment_variance_sums_exactly() {
        let periods = [
            PeriodPayments {
                planned: d("41500000.00"),
                actual: d("41500000.00"),
            },
            PeriodPayments {
                planned: d("41500000.00"),
                actual: d("39925000.50"),
            },
        ];
        let v = payment_variance(&periods).unwrap();
        assert_eq!(v.per_period, vec![d("0.00"), d("-1574999.50")]);
        assert_eq!((v.planned_total, v.actual_total), (d("83000000.00"), d("81425000.50")));
        assert_eq!(v.total, d("-1574999.50"));
        assert_eq!(payment_variance(&[]).unwrap().total, Decimal::ZERO);
    }
    #[test]
    fn quarters_read_count_and_plan_a_quarter_of_the_years_payment() {
        let q = Quarter::parse("2026-Q4").unwrap();
        assert_eq!((q.first_day(), q.last_day()), (day("2026-10-01"), day("2026-12-31")));
        assert_eq!(q.next().to_string(), "2027-Q1");
        assert_eq!(Quarter::of(day("2026-05-15")).to_string(), "2026-Q2");
        for bad in [
            "2026-Q5", "2026-Q0", "26-Q1", "2026Q1", "2026-Q1 ", "1999-Q1", "+2026-Q1",
        ] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
        assert_eq!(Quarter::parse("2027-Q2").unwrap().since(q), 2);
        // Service started 15 May 2025: the first full quarter is 2025-Q3, year 1 of operation
        // runs to 2026-Q2; 18 500 000 / 4 = 4 625 000; 19 055 000.01 / 4 = 4 763 750.0025.
        let yearly = [d("18500000.00"), d("19055000.01")];
        let start = day("2025-05-15");
        let kgs = crate::domain::money::Currency::Kgs;
        let plan = |p: &str| planned_payment(&yearly, start, Quarter::parse(p).unwrap(), kgs);
        assert_eq!(plan("2025-Q2"), None);
        assert_eq!(plan("2025-Q3"), Some(d("4625000.00")));
        assert_eq!(plan("2026-Q2"), Some(d("4625000.00")));
        assert_eq!(plan("2026-Q3"), Some(d("4763750.00")));
        assert_eq!(plan("2027-Q3"), None);
        assert_eq!(expiry(day("2025-01-20"), 300), Some(day("2050-01-19")));
    }
}
