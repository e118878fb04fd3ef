//! The PPP project model: construction, revenue (user-pays, availability payments or both),
//! operating costs, concession fee, profit tax, senior debt and equity, period by period, and the
//! metrics lenders and the municipality read from it.
//!
//! Conventions (NOTES.md): flows at the end of each period; period 0 is financial close and is
//! not discounted; annual figures are spread evenly over the periods of a year; indexation and
//! discounting use the periodic rate equivalent to the annual one; the debt rate is a nominal
//! annual rate divided by the periods per year (as loan agreements state it). Nothing is rounded:
//! amounts are rounded only where shown or paid (domain::money).

// Period arithmetic reads several series at the same period index, as the formulas are written.
#![allow(clippy::needless_range_loop)]

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::cashflow::{Irr, discounted_payback, irr, mirr, npv, payback};
use super::exact::{add, div, mul, powi, sub, sum};
use super::rates::periodic_from_annual;
use super::{FinanceError, amount_in_range, rate_in_range};
use crate::domain::validation::Violations;

/// Everything the model needs. Rates are annual; amounts at year-0 prices unless said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelInput {
    /// 1 (annual), 2 (semi-annual) or 12 (monthly).
    pub periods_per_year: i64,
    /// Financial close (period 0); each period's end date follows from it.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub start_date: Option<chrono::NaiveDate>,
    pub construction_periods: i64,
    pub operation_periods: i64,
    /// Total capital cost (nominal), spent by `capex_phasing` over the construction periods.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub capex: Decimal,
    /// One share per construction period, adding up to 1.
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    pub capex_phasing: Vec<Decimal>,
    /// Annual inflation indexing tariffs, costs and the indexed share of availability payments:
    /// the index of period t is (1 + cpi)^(t / periods_per_year).
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub cpi: Decimal,
    pub user_pays: Option<UserPays>,
    pub availability: Option<AvailabilityPayments>,
    pub opex: Opex,
    /// Share of user revenue paid to the municipality as a concession fee.
    #[serde(default)]
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub concession_fee_share: Decimal,
    pub tax: Option<ProfitTax>,
    pub financing: Financing,
    /// Discount rate of the project's NPV and discounted payback.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub discount_rate: Decimal,
    /// Discount rate of the equity NPV (the investors' required return).
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub equity_discount_rate: Decimal,
    /// MIRR of the project flows: negative flows financed at, positive ones reinvested at.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub mirr_finance_rate: Decimal,
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub mirr_reinvest_rate: Decimal,
}

/// Revenue from users: demand with ramp-up and growth, times a tariff indexed by CPI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPays {
    /// Units (trips, m³, ...) a year at full ramp-up in the first operating year.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub base_demand: Decimal,
    /// Share of demand reached in operating years 1, 2, ...; 1 afterwards.
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    pub ramp_up: Vec<Decimal>,
    /// Annual growth after the first operating year.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub demand_growth: Decimal,
    /// Tariff per unit at year-0 prices.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub tariff: Decimal,
}

/// Availability payments by the municipality: AP × ((1 − k) + k × index) − deductions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityPayments {
    /// Annual payment at year-0 prices.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub annual_payment: Decimal,
    /// The indexed share k (0 to 1): the part mirroring inflation-exposed costs.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub indexed_share: Decimal,
    /// Deductions per operating period (unavailability, performance), nominal; missing = 0.
    #[serde(default)]
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    pub deductions: Vec<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Opex {
    /// Fixed operating cost a year, at year-0 prices.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub fixed: Decimal,
    /// Cost per unit of demand, at year-0 prices.
    #[serde(default)]
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub per_unit: Decimal,
}

/// Profit tax on EBITDA less straight-line depreciation of the capex and interest, with losses
/// carried forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfitTax {
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub rate: Decimal,
    /// Operating periods over which the capex is depreciated.
    pub depreciation_periods: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterestDuringConstruction {
    /// Added to the loan balance.
    Capitalised,
    /// Paid by the shareholders as it falls due.
    Paid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
// Variants without fields are written `{}`: serde refuses unknown keys beside an internal tag
// only in struct variants (a unit variant would take `{"kind": "annuity", "x": 1}`).
pub enum DebtRepayment {
    /// Constant debt service.
    Annuity {},
    /// Constant principal.
    EqualPrincipal {},
    /// Debt service in proportion to CFADS, so the DSCR is the same every period; the target
    /// tells whether the debt (sized by the debt share) fits the lenders' cover.
    Sculpted {
        #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
        #[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]
        target_dscr: Decimal,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Financing {
    /// Share of each period's capex drawn from the senior loan (0 to 1).
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub debt_share: Decimal,
    /// Nominal annual interest rate.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub rate: Decimal,
    /// Repayment periods, after the grace periods, from the start of operation.
    pub tenor_periods: i64,
    /// Operating periods with interest only, before repayment starts.
    #[serde(default)]
    pub grace_periods: i64,
    pub interest_during_construction: InterestDuringConstruction,
    pub repayment: DebtRepayment,
}

/// One period of the model; ratios are absent where they do not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PeriodRow {
    pub period: u32,
    /// The period's end, when the model has a start date.
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<chrono::NaiveDate>,
    #[schema(value_type = String)]
    pub demand: Decimal,
    #[schema(value_type = String)]
    pub revenue: Decimal,
    #[schema(value_type = String)]
    pub opex: Decimal,
    #[schema(value_type = String)]
    pub ebitda: Decimal,
    #[schema(value_type = String)]
    pub tax: Decimal,
    #[schema(value_type = String)]
    pub cfads: Decimal,
    #[schema(value_type = String)]
    pub capex: Decimal,
    #[schema(value_type = String)]
    pub debt_draw: Decimal,
    #[schema(value_type = String)]
    pub interest: Decimal,
    #[schema(value_type = String)]
    pub principal: Decimal,
    #[schema(value_type = String)]
    pub debt_service: Decimal,
    #[schema(value_type = String)]
    pub closing_debt_balance: Decimal,
    #[schema(value_type = Option<String>)]
    pub dscr: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub llcr: Option<Decimal>,
    #[schema(value_type = String)]
    pub project_cf: Decimal,
    #[schema(value_type = String)]
    pub equity_cf: Decimal,
    /// What the municipality pays in the period (availability payments net of deductions).
    #[schema(value_type = String)]
    pub government_payment: Decimal,
}

/// The model's results: every figure exact, with the IRRs' uniqueness and the warnings a
/// reader must see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ModelResults {
    #[schema(value_type = String)]
    pub project_npv: Decimal,
    pub project_irr: Irr,
    pub equity_irr: Irr,
    #[schema(value_type = String)]
    pub equity_npv: Decimal,
    #[schema(value_type = Option<String>)]
    pub project_mirr: Option<Decimal>,
    /// In years from financial close, interpolated within the period.
    #[schema(value_type = Option<String>)]
    pub payback_years: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub discounted_payback_years: Option<Decimal>,
    #[schema(value_type = String)]
    pub debt_at_cod: Decimal,
    #[schema(value_type = Option<String>)]
    pub min_dscr: Option<Decimal>,
    pub min_dscr_period: Option<u32>,
    #[schema(value_type = Option<String>)]
    pub avg_dscr: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub llcr_at_cod: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub min_llcr: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub plcr_at_cod: Option<Decimal>,
    /// Sculpted repayment: the debt at COD that the target DSCR would allow.
    #[schema(value_type = Option<String>)]
    pub sculpted_debt_capacity: Option<Decimal>,
    /// Present value of the municipality's payments at the project discount rate.
    #[schema(value_type = String)]
    pub pv_government_payments: Decimal,
    /// Codes of what the reader must know: `project_irr_not_unique`, `equity_irr_not_unique`,
    /// `negative_principal`, `dscr_below_target`, `dscr_below_one`, `tax_not_converged`.
    pub warnings: Vec<String>,
    pub periods: Vec<PeriodRow>,
}

/// The 25-year toll-road case of the reference vectors, as the model's JSON (the API's example).
pub const TOLL_ROAD_25Y: &str = include_str!("toll_road_25y.json");

/// At most 100 years of periods.
const MAX_YEARS: i64 = 100;

impl ModelInput {
    /// Every field that is out of range, named (field codes as in domain::validation).
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        let zero = Decimal::ZERO;
        let one = Decimal::ONE;
        if ![1, 2, 12].contains(&self.periods_per_year) {
            v.add("periods_per_year", "periods_per_year");
        }
        // Counts are signed so that a negative one is named here rather than refused as malformed.
        let per_year = self.periods_per_year.clamp(1, 12);
        let total = self.construction_periods.saturating_add(self.operation_periods);
        if self.operation_periods < 1 || total > MAX_YEARS * per_year {
            v.add("operation_periods", "model_length");
        }
        if self.construction_periods < 1 || self.construction_periods > 20 * per_year {
            v.add("construction_periods", "model_length");
        }
        if self.capex <= zero || !amount_in_range(self.capex) {
            v.add("capex", "model_amount");
        }
        let phasing_sum: Decimal = self.capex_phasing.iter().fold(zero, |a, s| a.saturating_add(*s));
        if i64::try_from(self.capex_phasing.len()) != Ok(self.construction_periods)
            || phasing_sum != one
            || self.capex_phasing.iter().any(|s| *s < zero)
        {
            v.add("capex_phasing", "phasing");
        }
        let rate = |v: &mut Violations, field: &str, r: Decimal| {
            if !rate_in_range(r) {
                v.add(field, "rate_range");
            }
        };
        let share = |v: &mut Violations, field: &str, s: Decimal| {
            if s < zero || s > one {
                v.add(field, "share_0_1");
            }
        };
        let amount = |v: &mut Violations, field: &str, a: Decimal| {
            if a < zero || !amount_in_range(a) {
                v.add(field, "model_amount");
            }
        };
        rate(&mut v, "cpi", self.cpi);
        rate(&mut v, "discount_rate", self.discount_rate);
        rate(&mut v, "equity_discount_rate", self.equity_discount_rate);
        rate(&mut v, "mirr_finance_rate", self.mirr_finance_rate);
        rate(&mut v, "mirr_reinvest_rate", self.mirr_reinvest_rate);
        if self.user_pays.is_none() && self.availability.is_none() {
            v.add("user_pays", "revenue_source");
        }
        if let Some(u) = &self.user_pays {
            amount(&mut v, "user_pays.base_demand", u.base_demand);
            amount(&mut v, "user_pays.tariff", u.tariff);
            rate(&mut v, "user_pays.demand_growth", u.demand_growth);
            if u.ramp_up.len() > 100 || u.ramp_up.iter().any(|r| *r < zero || *r > Decimal::TWO) {
                v.add("user_pays.ramp_up", "ramp_up");
            }
        }
        if let Some(a) = &self.availability {
            amount(&mut v, "availability.annual_payment", a.annual_payment);
            share(&mut v, "availability.indexed_share", a.indexed_share);
            if i64::try_from(a.deductions.len()).map_or(true, |len| len > self.operation_periods)
                || a.deductions.iter().any(|d| *d < zero)
            {
                v.add("availability.deductions", "deductions");
            }
        }
        amount(&mut v, "opex.fixed", self.opex.fixed);
        amount(&mut v, "opex.per_unit", self.opex.per_unit);
        share(&mut v, "concession_fee_share", self.concession_fee_share);
        if let Some(t) = &self.tax {
            share(&mut v, "tax.rate", t.rate);
            if t.depreciation_periods < 1 || t.depreciation_periods > self.operation_periods {
                v.add("tax.depreciation_periods", "depreciation_periods");
            }
        }
        let f = &self.financing;
        share(&mut v, "financing.debt_share", f.debt_share);
        if f.rate < zero || f.rate > Decimal::ONE {
            v.add("financing.rate", "rate_range");
        }
        if f.tenor_periods < 1
            || f.grace_periods < 0
            || f.tenor_periods.saturating_add(f.grace_periods) > self.operation_periods
        {
            v.add("financing.tenor_periods", "tenor");
        }
        if let DebtRepayment::Sculpted { target_dscr } = f.repayment
            && (target_dscr <= zero || target_dscr > Decimal::TEN)
        {
            v.add("financing.repayment.target_dscr", "target_dscr");
        }
        v.into_result()
    }
}

/// Runs the model. Call `validate` first: out-of-range inputs give an error here, not a panic.
pub fn evaluate(input: &ModelInput) -> Result<ModelResults, FinanceError> {
    let count = |v: i64| usize::try_from(v).map_err(|_| FinanceError::Domain("a negative number of periods"));
    let m = u32::try_from(input.periods_per_year).map_err(|_| FinanceError::Domain("periods per year"))?;
    let md = Decimal::from(m);
    let c = count(input.construction_periods)?;
    let n = c + count(input.operation_periods)?;
    let grace = count(input.financing.grace_periods)?;
    let tenor = count(input.financing.tenor_periods)?;
    let cpi_step = add(Decimal::ONE, periodic_from_annual(input.cpi, m)?)?;
    let debt_rate = div(input.financing.rate, md)?;
    let zero = Decimal::ZERO;

    // Operations before financing: revenue, costs, EBITDA and the municipality's payments.
    let mut index = vec![Decimal::ONE; n + 1];
    for t in 1..=n {
        index[t] = mul(index[t - 1], cpi_step)?;
    }
    let mut demand = vec![zero; n + 1];
    let mut revenue = vec![zero; n + 1];
    let mut opex = vec![zero; n + 1];
    let mut government = vec![zero; n + 1];
    let mut capex = vec![zero; n + 1];
    for t in 1..=c {
        capex[t] = mul(input.capex, input.capex_phasing.get(t - 1).copied().unwrap_or(zero))?;
    }
    for t in c + 1..=n {
        let j = t - c - 1;
        let year = (j / m as usize) as i64;
        let mut user_revenue = zero;
        if let Some(u) = &input.user_pays {
            let ramp = u.ramp_up.get(year as usize).copied().unwrap_or(Decimal::ONE);
            let growth = powi(add(Decimal::ONE, u.demand_growth)?, year)?;
            demand[t] = div(mul(mul(u.base_demand, ramp)?, growth)?, md)?;
            user_revenue = mul(mul(demand[t], u.tariff)?, index[t])?;
        }
        if let Some(a) = &input.availability {
            let deduction = a.deductions.get(j).copied().unwrap_or(zero);
            government[t] = sub(
                availability_payment(div(a.annual_payment, md)?, a.indexed_share, index[t])?,
                deduction,
            )?;
        }
        revenue[t] = add(user_revenue, government[t])?;
        let fee = mul(user_revenue, input.concession_fee_share)?;
        let running = mul(
            add(div(input.opex.fixed, md)?, mul(input.opex.per_unit, demand[t])?)?,
            index[t],
        )?;
        opex[t] = add(running, fee)?;
    }
    let ebitda: Vec<Decimal> = (0..=n).map(|t| sub(revenue[t], opex[t])).collect::<Result<_, _>>()?;

    // Construction financing: draws, interest during construction, debt at COD.
    let f = &input.financing;
    let mut draw = vec![zero; n + 1];
    let mut interest = vec![zero; n + 1];
    let mut balance = vec![zero; n + 1];
    let mut idc_paid = vec![zero; n + 1];
    for t in 1..=c {
        draw[t] = mul(capex[t], f.debt_share)?;
        interest[t] = mul(balance[t - 1], debt_rate)?;
        balance[t] = match f.interest_during_construction {
            InterestDuringConstruction::Capitalised => add(add(balance[t - 1], interest[t])?, draw[t])?,
            InterestDuringConstruction::Paid => {
                idc_paid[t] = interest[t];
                add(balance[t - 1], draw[t])?
            }
        };
    }
    let debt_at_cod = balance[c];
    let first_repayment = c + 1 + grace;
    let last_repayment = (first_repayment + tenor).saturating_sub(1).min(n);

    // Operation: tax depends on interest, and sculpted debt service on CFADS after tax, so
    // iterate to a fixed point (a single pass without tax or sculpting).
    let mut tax = vec![zero; n + 1];
    let mut principal = vec![zero; n + 1];
    let mut service = vec![zero; n + 1];
    let mut cfads = ebitda.clone();
    let mut converged = input.tax.is_none();
    for _round in 0..50 {
        schedule_debt(
            input,
            &cfads,
            debt_rate,
            first_repayment,
            last_repayment,
            &mut balance,
            &mut interest,
            &mut principal,
            &mut service,
        )?;
        let Some(t_in) = &input.tax else { break };
        let new_tax = profit_tax(t_in, &ebitda, &interest, input.capex, c, n)?;
        let change = new_tax
            .iter()
            .zip(&tax)
            .map(|(a, b)| (*a - *b).abs())
            .max()
            .unwrap_or(zero);
        tax = new_tax;
        cfads = (0..=n).map(|t| sub(ebitda[t], tax[t])).collect::<Result<_, _>>()?;
        if change < Decimal::new(1, 6) {
            converged = true;
            break;
        }
    }

    // Flows, ratios and metrics.
    let project_cf: Vec<Decimal> = (0..=n)
        .map(|t| if t <= c { Ok(-capex[t]) } else { Ok(cfads[t]) })
        .collect::<Result<_, FinanceError>>()?;
    let equity_cf: Vec<Decimal> = (0..=n)
        .map(|t| {
            if t <= c {
                sub(-sub(capex[t], draw[t])?, idc_paid[t])
            } else {
                sub(cfads[t], service[t])
            }
        })
        .collect::<Result<_, _>>()?;
    let dscr: Vec<Option<Decimal>> = (0..=n)
        .map(|t| {
            if service[t] > zero {
                div(cfads[t], service[t]).map(Some)
            } else {
                Ok(None)
            }
        })
        .collect::<Result<_, _>>()?;
    // LLCR_t = PV at the debt rate of CFADS from t+1 to the last repayment / balance at t; the
    // present values come backwards in one pass.
    let one_period = div(Decimal::ONE, add(Decimal::ONE, debt_rate)?)?;
    let mut tail_value = vec![zero; n + 1];
    for t in (c..last_repayment).rev() {
        tail_value[t] = mul(add(tail_value[t + 1], cfads[t + 1])?, one_period)?;
    }
    let llcr: Vec<Option<Decimal>> = (0..=n)
        .map(|t| {
            if t >= c && t < last_repayment && balance[t] > zero {
                div(tail_value[t], balance[t]).map(Some)
            } else {
                Ok(None)
            }
        })
        .collect::<Result<_, _>>()?;
    let plcr_at_cod = if debt_at_cod > zero {
        let tail: Vec<Decimal> = std::iter::once(zero).chain(cfads[c + 1..=n].iter().copied()).collect();
        Some(div(npv(debt_rate, &tail)?, debt_at_cod)?)
    } else {
        None
    };
    let covered: Vec<(usize, Decimal)> = dscr.iter().enumerate().filter_map(|(t, d)| d.map(|d| (t, d))).collect();
    let min_dscr = covered.iter().min_by_key(|(_, d)| *d).copied();
    let avg_dscr = if covered.is_empty() {
        None
    } else {
        Some(div(sum(covered.iter().map(|(_, d)| d))?, Decimal::from(covered.len()))?)
    };
    let discount = periodic_from_annual(input.discount_rate, m)?;
    let years = |p: Option<Decimal>| p.map(|p| div(p, md)).transpose();
    let project_irr = irr(&project_cf)?;
    let equity_irr = irr(&equity_cf)?;
    let mut warnings = Vec::new();
    if project_irr.unique().is_none() {
        warnings.push("project_irr_not_unique".to_string());
    }
    if equity_irr.unique().is_none() {
        warnings.push("equity_irr_not_unique".to_string());
    }
    if principal.iter().any(|p| *p < zero) {
        warnings.push("negative_principal".to_string());
    }
    let sculpted_debt_capacity = match f.repayment {
        DebtRepayment::Sculpted { target_dscr } => {
            let tail: Vec<Decimal> = std::iter::once(zero)
                .chain((c + 1..=last_repayment).map(|t| if t >= first_repayment { cfads[t] } else { zero }))
                .collect();
            let capacity = div(npv(debt_rate, &tail)?, target_dscr)?;
            if debt_at_cod > capacity {
                warnings.push("dscr_below_target".to_string());
            }
            Some(capacity)
        }
        _ => None,
    };
    if min_dscr.is_some_and(|(_, d)| d < Decimal::ONE) {
        warnings.push("dscr_below_one".to_string());
    }
    if !converged {
        warnings.push("tax_not_converged".to_string());
    }
    let periods = (0..=n)
        .map(|t| {
            let months = u32::try_from(t).ok().and_then(|t| t.checked_mul(12 / m));
            Ok(PeriodRow {
                period: t as u32,
                end_date: input
                    .start_date
                    .zip(months)
                    .and_then(|(start, months)| start.checked_add_months(chrono::Months::new(months))),
                demand: demand[t],
                revenue: revenue[t],
                opex: opex[t],
                ebitda: ebitda[t],
                tax: tax[t],
                cfads: cfads[t],
                capex: capex[t],
                debt_draw: draw[t],
                interest: interest[t],
                principal: principal[t],
                debt_service: service[t],
                closing_debt_balance: balance[t],
                dscr: dscr[t],
                llcr: llcr[t],
                project_cf: project_cf[t],
                equity_cf: equity_cf[t],
                government_payment: government[t],
            })
        })
        .collect::<Result<_, FinanceError>>()?;
    Ok(ModelResults {
        project_npv: npv(discount, &project_cf)?,
        project_irr: annualise(project_irr, m)?,
        equity_irr: annualise(equity_irr, m)?,
        equity_npv: npv(periodic_from_annual(input.equity_discount_rate, m)?, &equity_cf)?,
        project_mirr: mirr(
            &project_cf,
            periodic_from_annual(input.mirr_finance_rate, m)?,
            periodic_from_annual(input.mirr_reinvest_rate, m)?,
        )?
        .map(|r| annual_rate(r, i64::from(m)))
        .transpose()?,
        payback_years: years(payback(&project_cf)?)?,
        discounted_payback_years: years(discounted_payback(&project_cf, discount)?)?,
        debt_at_cod,
        min_dscr: min_dscr.map(|(_, d)| d),
        min_dscr_period: min_dscr.map(|(t, _)| t as u32),
        avg_dscr,
        llcr_at_cod: llcr[c],
        min_llcr: llcr.iter().flatten().min().copied(),
        plcr_at_cod,
        sculpted_debt_capacity,
        pv_government_payments: npv(discount, &government)?,
        warnings,
        periods,
    })
}

/// An availability payment before deductions: base × ((1 − k) + k × index), k the indexed share.
pub fn availability_payment(base: Decimal, indexed_share: Decimal, index: Decimal) -> Result<Decimal, FinanceError> {
    mul(
        base,
        add(sub(Decimal::ONE, indexed_share)?, mul(indexed_share, index)?)?,
    )
}

/// The annual effective rate of a rate per period, with `m` periods a year.
pub fn annual_rate(periodic: Decimal, m: i64) -> Result<Decimal, FinanceError> {
    if m == 1 {
        return Ok(periodic);
    }
    sub(powi(add(Decimal::ONE, periodic)?, m)?, Decimal::ONE)
}

fn annualise(found: Irr, m: u32) -> Result<Irr, FinanceError> {
    Ok(match found {
        Irr::Unique { value } => Irr::Unique {
            value: annual_rate(value, i64::from(m))?,
        },
        Irr::Multiple { values } => Irr::Multiple {
            values: values
                .into_iter()
                .map(|v| annual_rate(v, i64::from(m)))
                .collect::<Result<_, _>>()?,
        },
        Irr::None => Irr::None,
    })
}

/// Interest, principal and debt service of the operating periods, from the debt at COD.
#[allow(clippy::too_many_arguments)]
fn schedule_debt(
    input: &ModelInput,
    cfads: &[Decimal],
    rate: Decimal,
    first: usize,
    last: usize,
    balance: &mut [Decimal],
    interest: &mut [Decimal],
    principal: &mut [Decimal],
    service: &mut [Decimal],
) -> Result<(), FinanceError> {
    let c = usize::try_from(input.construction_periods).map_err(|_| FinanceError::Domain("periods"))?;
    let n = balance.len() - 1;
    let debt = balance[c];
    let tenor = u32::try_from(input.financing.tenor_periods).map_err(|_| FinanceError::Domain("tenor"))?;
    let annuity = -super::annuity::pmt(rate, tenor, debt, Decimal::ZERO, super::annuity::Timing::Arrears)?;
    // Sculpting: debt service in proportion to CFADS over the tenor, scaled so that its present
    // value at the debt rate repays exactly the debt at COD.
    let sculpt_factor = match input.financing.repayment {
        DebtRepayment::Sculpted { .. } => {
            let mut pv = Decimal::ZERO;
            let mut factor = Decimal::ONE;
            let discount = div(Decimal::ONE, add(Decimal::ONE, rate)?)?;
            for t in c + 1..=last {
                factor = mul(factor, discount)?;
                if t >= first {
                    pv = add(pv, mul(cfads[t], factor)?)?;
                }
            }
            // Interest-only grace periods keep the balance at the debt at COD.
            if pv.is_zero() {
                Decimal::ZERO
            } else {
                div(debt, mul(pv, powi(add(Decimal::ONE, rate)?, (first - c - 1) as i64)?)?)?
            }
        }
        _ => Decimal::ZERO,
    };
    for t in c + 1..=n {
        interest[t] = mul(balance[t - 1], rate)?;
        principal[t] = if t < first || t > last || balance[t - 1].is_zero() {
            Decimal::ZERO
        } else if t == last {
            balance[t - 1]
        } else {
            match input.financing.repayment {
                DebtRepayment::Annuity {} => sub(annuity, interest[t])?,
                DebtRepayment::EqualPrincipal {} => div(debt, Decimal::from(tenor))?,
                DebtRepayment::Sculpted { .. } => sub(mul(cfads[t], sculpt_factor)?, interest[t])?,
            }
        };
        service[t] = add(interest[t], principal[t])?;
        balance[t] = sub(balance[t - 1], principal[t])?;
    }
    Ok(())
}

/// Profit tax per period: EBITDA less straight-line depreciation and interest, losses carried
/// forward, never negative.
fn profit_tax(
    tax: &ProfitTax,
    ebitda: &[Decimal],
    interest: &[Decimal],
    capex: Decimal,
    c: usize,
    n: usize,
) -> Result<Vec<Decimal>, FinanceError> {
    let depreciation = div(capex, Decimal::from(tax.depreciation_periods))?;
    let mut losses = Decimal::ZERO;
    let mut out = vec![Decimal::ZERO; n + 1];
    for t in c + 1..=n {
        let depreciating = i64::try_from(t - c).is_ok_and(|k| k <= tax.depreciation_periods);
        let mut profit = sub(ebitda[t], interest[t])?;
        if depreciating {
            profit = sub(profit, depreciation)?;
        }
        let taxable = sub(profit, losses)?;
        if taxable > Decimal::ZERO {
            out[t] = mul(taxable, tax.rate)?;
            losses = Decimal::ZERO;
        } else {
            losses = -taxable;
        }
    }
    Ok(out)
}
