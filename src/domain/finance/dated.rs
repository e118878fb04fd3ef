//! Dated cash flows: XNPV and XIRR, measured from the first date (not discounted), with a day
//! count (ACT/365F by default, as Excel does).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::FinanceError;
use super::exact::{Exact, add, div, exp, ln, mul, sub};
use super::roots::{Irr, RateFunction, find, grid};

/// How a span of dates becomes a fraction of a year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum DayCount {
    /// Actual days over 365, leap years or not (Excel's XNPV/XIRR).
    #[default]
    #[serde(rename = "ACT/365F")]
    Act365Fixed,
    #[serde(rename = "ACT/360")]
    Act360,
    /// 30/360 bond basis (ISDA 2006 4.16(f)): day 31 counts as 30, and an end on the 31st
    /// counts as 30 when the start is the 30th or 31st.
    #[serde(rename = "30/360")]
    Thirty360,
}

impl DayCount {
    /// Years from `start` to `end`.
    pub fn year_fraction(self, start: NaiveDate, end: NaiveDate) -> Exact {
        let days = Decimal::from((end - start).num_days());
        match self {
            DayCount::Act365Fixed => div(days, Decimal::from(365)),
            DayCount::Act360 => div(days, Decimal::from(360)),
            DayCount::Thirty360 => {
                let d1 = start.day().min(30);
                let d2 = if end.day() == 31 && d1 == 30 { 30 } else { end.day() };
                let days = 360 * (i64::from(end.year()) - i64::from(start.year()))
                    + 30 * (i64::from(end.month()) - i64::from(start.month()))
                    + (i64::from(d2) - i64::from(d1));
                div(Decimal::from(days), Decimal::from(360))
            }
        }
    }
}

/// One dated flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatedFlow {
    pub date: NaiveDate,
    pub amount: Decimal,
}

fn times(flows: &[DatedFlow], day_count: DayCount) -> Result<Vec<Decimal>, FinanceError> {
    let first = flows.first().ok_or(FinanceError::Domain("no flows"))?.date;
    flows.iter().map(|f| day_count.year_fraction(first, f.date)).collect()
}

/// XNPV: each amount discounted by (1+rate)^(years since the first date).
pub fn xnpv(rate: Decimal, flows: &[DatedFlow], day_count: DayCount) -> Exact {
    let one_plus = add(Decimal::ONE, rate)?;
    if one_plus <= Decimal::ZERO {
        return Err(FinanceError::Domain("a rate of -100 % or below"));
    }
    let log = ln(one_plus)?;
    let years = times(flows, day_count)?;
    flows.iter().zip(&years).try_fold(Decimal::ZERO, |acc, (f, t)| {
        add(acc, mul(f.amount, exp(-mul(*t, log)?)?)?)
    })
}

/// XNPV times the positive factor (1+r)^T (T the latest time) when r < 0, so that every
/// exponent keeps the power below 1; with its derivative in r.
fn scaled(flows: &[DatedFlow], years: &[Decimal], r: Decimal) -> Result<(Decimal, Decimal), FinanceError> {
    let one_plus = add(Decimal::ONE, r)?;
    let log = ln(one_plus)?;
    let shift = if r < Decimal::ZERO {
        years.iter().copied().max().unwrap_or_default()
    } else {
        Decimal::ZERO
    };
    let (mut value, mut slope) = (Decimal::ZERO, Decimal::ZERO);
    for (f, t) in flows.iter().zip(years) {
        let power = sub(shift, *t)?;
        let term = mul(f.amount, exp(mul(power, log)?)?)?;
        value = add(value, term)?;
        slope = add(slope, div(mul(term, power)?, one_plus)?)?;
    }
    Ok((value, slope))
}

fn scaled_f64(amounts: &[f64], years: &[f64], r: f64) -> (f64, bool) {
    let log = (1.0 + r).ln();
    let shift = if r < 0.0 {
        years.iter().copied().fold(0.0, f64::max)
    } else {
        0.0
    };
    let (mut value, mut magnitude) = (0.0_f64, 0.0_f64);
    for (a, t) in amounts.iter().zip(years) {
        let factor = ((shift - t) * log).exp();
        value += a * factor;
        magnitude += a.abs() * factor * (1.0 + (shift - t).abs());
    }
    let bound = 64.0 * (amounts.len() as f64 + 2.0) * f64::EPSILON * magnitude;
    (value, value.is_finite() && value.abs() > bound)
}

struct Dated<'a> {
    flows: &'a [DatedFlow],
    years: Vec<Decimal>,
    amounts: Vec<f64>,
    years_f64: Vec<f64>,
}

impl RateFunction for Dated<'_> {
    fn approx(&self, r: f64) -> (f64, bool) {
        scaled_f64(&self.amounts, &self.years_f64, r)
    }

    fn exact(&self, r: Decimal) -> Result<(Decimal, Decimal), FinanceError> {
        scaled(self.flows, &self.years, r)
    }
}

/// Every XIRR in (-0.99, 10] per year, found as `cashflow::irr` finds IRRs.
pub fn xirr(flows: &[DatedFlow], day_count: DayCount) -> Result<Irr, FinanceError> {
    let positives = flows.iter().any(|f| f.amount > Decimal::ZERO);
    let negatives = flows.iter().any(|f| f.amount < Decimal::ZERO);
    if !positives || !negatives {
        return Ok(Irr::None);
    }
    let years = times(flows, day_count)?;
    let function = Dated {
        flows,
        amounts: flows.iter().map(|f| f.amount.to_f64().unwrap_or(f64::NAN)).collect(),
        years_f64: years.iter().map(|t| t.to_f64().unwrap_or(f64::NAN)).collect(),
        years,
    };
    find(&function, &grid())
}
