//! Periodic cash flows: NPV (period 0 undiscounted, and Excel's variant), every IRR in the
//! bracket (-0.99, 10], MIRR, payback and discounted payback.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::FinanceError;
use super::exact::{Exact, add, div, mul, root, sub};
pub use super::roots::Irr;
use super::roots::{HIGHEST_RATE, LOWEST_RATE, RateFunction, find, grid};

/// NPV with flow 0 at the valuation date, undiscounted; flow t discounted by (1+rate)^t
/// (numpy-financial's convention). Horner's scheme in 1/(1+rate), so nothing overflows for r > 0.
pub fn npv(rate: Decimal, flows: &[Decimal]) -> Exact {
    let one_plus = add(Decimal::ONE, rate)?;
    if one_plus <= Decimal::ZERO {
        return Err(FinanceError::Domain("a rate of -100 % or below"));
    }
    let x = div(Decimal::ONE, one_plus)?;
    flows
        .iter()
        .rev()
        .try_fold(Decimal::ZERO, |acc, cf| add(mul(acc, x)?, *cf))
}

/// Excel's `NPV(rate, v1..vn)`: the first value is discounted one whole period too.
pub fn npv_excel_compat(rate: Decimal, values: &[Decimal]) -> Exact {
    let one_plus = add(Decimal::ONE, rate)?;
    if one_plus <= Decimal::ZERO {
        return Err(FinanceError::Domain("a rate of -100 % or below"));
    }
    div(npv(rate, values)?, one_plus)
}

/// NPV(r) times the positive factor (1+r)^n when r < 0: same sign and roots, but every power
/// stays below 1 whichever side of zero r is, so the value is bounded by the sum of |flows|.
/// Also returns the derivative with respect to r, for Newton's steps.
fn scaled_npv(flows: &[Decimal], r: Decimal) -> Result<(Decimal, Decimal), FinanceError> {
    let mut value = Decimal::ZERO;
    let mut slope = Decimal::ZERO;
    if r >= Decimal::ZERO {
        // f(x) = sum cf_t x^t with x = 1/(1+r); df/dr = f'(x) * (-x^2).
        let x = div(Decimal::ONE, add(Decimal::ONE, r)?)?;
        for cf in flows.iter().rev() {
            slope = add(mul(slope, x)?, value)?;
            value = add(mul(value, x)?, *cf)?;
        }
        Ok((value, -mul(slope, mul(x, x)?)?))
    } else {
        // g(y) = sum cf_t y^(n-t) with y = 1+r; dg/dr = g'(y).
        let y = add(Decimal::ONE, r)?;
        for cf in flows {
            slope = add(mul(slope, y)?, value)?;
            value = add(mul(value, y)?, *cf)?;
        }
        Ok((value, slope))
    }
}

/// The same in f64, with whether its sign is certain: the rounding error of Horner's scheme
/// (and of the point itself) is bounded by a multiple of n^2 * epsilon * sum |cf| z^k.
fn scaled_npv_f64(flows: &[f64], r: f64) -> (f64, bool) {
    let (mut value, mut magnitude) = (0.0_f64, 0.0_f64);
    if r >= 0.0 {
        let x = 1.0 / (1.0 + r);
        for cf in flows.iter().rev() {
            value = value * x + cf;
            magnitude = magnitude * x + cf.abs();
        }
    } else {
        let y = 1.0 + r;
        for cf in flows {
            value = value * y + cf;
            magnitude = magnitude * y + cf.abs();
        }
    }
    let n = flows.len() as f64 + 2.0;
    let bound = 8.0 * n * n * f64::EPSILON * magnitude;
    (value, value.is_finite() && value.abs() > bound)
}

fn sign_changes(flows: &[Decimal]) -> usize {
    let signs: Vec<bool> = flows
        .iter()
        .filter(|f| !f.is_zero())
        .map(|f| f.is_sign_positive())
        .collect();
    signs.windows(2).filter(|w| w[0] != w[1]).count()
}

/// A series as a rate function for the root finder.
struct Series<'a> {
    flows: &'a [Decimal],
    as_f64: Vec<f64>,
}

impl RateFunction for Series<'_> {
    fn approx(&self, r: f64) -> (f64, bool) {
        scaled_npv_f64(&self.as_f64, r)
    }

    fn exact(&self, r: Decimal) -> Result<(Decimal, Decimal), FinanceError> {
        scaled_npv(self.flows, r)
    }

    fn exact_value(&self, r: Decimal) -> Result<Decimal, FinanceError> {
        // Horner without the derivative: half the work of `exact`.
        if r >= Decimal::ZERO {
            let x = div(Decimal::ONE, add(Decimal::ONE, r)?)?;
            self.flows
                .iter()
                .rev()
                .try_fold(Decimal::ZERO, |acc, cf| add(mul(acc, x)?, *cf))
        } else {
            let y = add(Decimal::ONE, r)?;
            self.flows
                .iter()
                .try_fold(Decimal::ZERO, |acc, cf| add(mul(acc, y)?, *cf))
        }
    }
}

/// Every IRR in (-0.99, 10] per period (see `roots`). With one sign change in the flows,
/// Descartes' rule allows one root, so the bracket's two ends replace the grid scan.
pub fn irr(flows: &[Decimal]) -> Result<Irr, FinanceError> {
    let changes = sign_changes(flows);
    if changes == 0 {
        return Ok(Irr::None);
    }
    let series = Series {
        flows,
        as_f64: flows.iter().map(|f| f.to_f64().unwrap_or(f64::NAN)).collect(),
    };
    let points = if changes == 1 {
        vec![LOWEST_RATE, HIGHEST_RATE]
    } else {
        grid()
    };
    find(&series, &points)
}

/// MIRR: positive flows compounded to the end at `reinvest_rate`, negative ones discounted to
/// the start at `finance_rate`; `None` unless both signs occur.
pub fn mirr(flows: &[Decimal], finance_rate: Decimal, reinvest_rate: Decimal) -> Result<Option<Decimal>, FinanceError> {
    if flows.len() < 2 {
        return Ok(None);
    }
    let positive: Vec<Decimal> = flows.iter().map(|f| (*f).max(Decimal::ZERO)).collect();
    let negative: Vec<Decimal> = flows.iter().map(|f| (*f).min(Decimal::ZERO)).collect();
    if positive.iter().all(|p| p.is_zero()) || negative.iter().all(|n| n.is_zero()) {
        return Ok(None);
    }
    let numerator = npv(reinvest_rate, &positive)?.abs();
    let denominator = npv(finance_rate, &negative)?.abs();
    let periods = u32::try_from(flows.len() - 1).map_err(|_| FinanceError::Overflow)?;
    let growth = root(div(numerator, denominator)?, periods)?;
    Ok(Some(sub(
        mul(growth, add(Decimal::ONE, reinvest_rate)?)?,
        Decimal::ONE,
    )?))
}

/// Periods until the cumulative flow first turns from negative to zero or more, interpolated
/// linearly within that period; `None` when it never does.
pub fn payback(flows: &[Decimal]) -> Result<Option<Decimal>, FinanceError> {
    payback_of(flows.iter().map(|f| Ok(*f)))
}

/// The same on flows discounted at `rate` (period 0 undiscounted).
pub fn discounted_payback(flows: &[Decimal], rate: Decimal) -> Result<Option<Decimal>, FinanceError> {
    let one_plus = add(Decimal::ONE, rate)?;
    if one_plus <= Decimal::ZERO {
        return Err(FinanceError::Domain("a rate of -100 % or below"));
    }
    let x = div(Decimal::ONE, one_plus)?;
    let mut factor = Decimal::ONE;
    let discounted: Result<Vec<Decimal>, FinanceError> = flows
        .iter()
        .map(|f| {
            let value = mul(*f, factor)?;
            factor = mul(factor, x)?;
            Ok(value)
        })
        .collect();
    payback_of(discounted?.into_iter().map(Ok))
}

fn payback_of(flows: impl Iterator<Item = Result<Decimal, FinanceError>>) -> Result<Option<Decimal>, FinanceError> {
    let mut cumulative = Decimal::ZERO;
    for (t, flow) in flows.enumerate() {
        let flow = flow?;
        let previous = cumulative;
        cumulative = add(cumulative, flow)?;
        if t > 0 && previous < Decimal::ZERO && cumulative >= Decimal::ZERO {
            return Ok(Some(add(Decimal::from(t - 1), div(-previous, flow)?)?));
        }
    }
    Ok(None)
}
