//! Every root of a rate function in the bracket (-0.99, 10]: the engine behind IRR and XIRR.
//!
//! Signs are scanned on a fixed grid (NOTES.md §2), in f64 where the sign is provably right and
//! in Decimal where it is not; each sign change is narrowed in f64, confirmed in Decimal, and the
//! root located by Newton steps in Decimal kept inside the bracket (bisecting when a step would
//! leave it). Every loop is bounded. A double root that touches zero without crossing is not a
//! sign change and is not found (as with any bracketing method).

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::FinanceError;

/// The roots found, never a guess-dependent single value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Irr {
    Unique {
        #[schema(value_type = String)]
        value: Decimal,
    },
    Multiple {
        #[schema(value_type = Vec<String>)]
        values: Vec<Decimal>,
    },
    None,
}

impl Irr {
    fn from_roots(roots: Vec<Decimal>) -> Self {
        match roots.len() {
            0 => Irr::None,
            1 => Irr::Unique { value: roots[0] },
            _ => Irr::Multiple { values: roots },
        }
    }

    /// The rate when there is exactly one.
    pub fn unique(&self) -> Option<Decimal> {
        match self {
            Irr::Unique { value } => Some(*value),
            _ => None,
        }
    }
}

pub const LOWEST_RATE: Decimal = Decimal::from_parts(99, 0, 0, true, 2);
pub const HIGHEST_RATE: Decimal = Decimal::TEN;
const FINE_STEP: Decimal = Decimal::from_parts(5, 0, 0, false, 3);
const COARSE_STEP: Decimal = Decimal::from_parts(1, 0, 0, false, 1);
/// Polishing stops when Newton's step or the bracket is below this (as the reference vectors'
/// decimal28 polish does), or after `MAX_POLISH` steps.
const POLISH_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 24);
const MAX_POLISH: usize = 120;

/// The scan: every 0.005 from -0.99 below 1, then every 0.1 up to 10 (489 points).
pub fn grid() -> Vec<Decimal> {
    let mut points = Vec::with_capacity(490);
    let mut r = LOWEST_RATE;
    while r < Decimal::ONE {
        points.push(r);
        r += FINE_STEP;
    }
    while r <= HIGHEST_RATE {
        points.push(r);
        r += COARSE_STEP;
    }
    points
}

/// A rate function: `approx(r)` in f64 with whether its sign is certain, `exact(r)` in Decimal
/// with its derivative. Both must have the same sign as the function whose roots are wanted.
pub trait RateFunction {
    fn approx(&self, r: f64) -> (f64, bool);
    fn exact(&self, r: Decimal) -> Result<(Decimal, Decimal), FinanceError>;
    /// The value alone, where a cheaper evaluation exists.
    fn exact_value(&self, r: Decimal) -> Result<Decimal, FinanceError> {
        Ok(self.exact(r)?.0)
    }
}

fn sign(value: Decimal) -> i8 {
    if value.is_zero() {
        0
    } else if value.is_sign_positive() {
        1
    } else {
        -1
    }
}

/// Every root between consecutive `points` where the function changes sign (or is zero).
pub fn find(f: &impl RateFunction, points: &[Decimal]) -> Result<Irr, FinanceError> {
    let mut signs = Vec::with_capacity(points.len());
    for r in points {
        let (value, certain) = f.approx(r.to_f64().unwrap_or(0.0));
        signs.push(if certain {
            value.signum() as i8
        } else {
            sign(f.exact(*r)?.0)
        });
    }
    let mut roots = Vec::new();
    for i in 0..points.len() {
        if signs[i] == 0 {
            roots.push(points[i]);
        } else if i + 1 < points.len() && signs[i + 1] != 0 && signs[i] != signs[i + 1] {
            roots.push(locate(f, points[i], points[i + 1], signs[i])?);
        }
    }
    Ok(Irr::from_roots(roots))
}

/// The root between `low` and `high`, where the function has sign `low_sign` at `low` and the
/// opposite at `high`.
fn locate(f: &impl RateFunction, low: Decimal, high: Decimal, low_sign: i8) -> Result<Decimal, FinanceError> {
    // Narrow the bracket cheaply in f64 while its signs are certain...
    let (mut a, mut b) = (low.to_f64().unwrap_or(0.0), high.to_f64().unwrap_or(0.0));
    for _ in 0..200 {
        if b - a <= 1e-12 * (1.0 + a.abs()) {
            break;
        }
        let m = 0.5 * (a + b);
        let (value, certain) = f.approx(m);
        if !certain {
            break;
        }
        if (value.signum() as i8) == low_sign {
            a = m;
        } else {
            b = m;
        }
    }
    // ...then confirm the narrowed bracket in Decimal, or keep the scan's (already confirmed).
    let (mut lo, mut hi) = (low, high);
    if let (Some(da), Some(db)) = (Decimal::from_f64_retain(a), Decimal::from_f64_retain(b)) {
        // 24 places: far finer than the f64 bracket, and a valid Decimal scale (`round_sf`
        // can produce scales above 28 for small numbers, which later operations reject).
        let (da, db) = (
            da.round_dp_with_strategy(24, RoundingStrategy::ToZero),
            db.round_dp_with_strategy(24, RoundingStrategy::ToZero),
        );
        if da > low && db < high && da < db {
            let (sa, sb) = (sign(f.exact_value(da)?), sign(f.exact_value(db)?));
            if sa == 0 {
                return Ok(da);
            }
            if sb == 0 {
                return Ok(db);
            }
            if sa == low_sign && sb == -low_sign {
                (lo, hi) = (da, db);
            }
        }
    }
    polish(f, lo, hi, low_sign)
}

/// Newton's method kept inside a bracket with a sign change, bisecting whenever a step would
/// leave it: converges to the bracketed root whatever the start.
fn polish(f: &impl RateFunction, mut lo: Decimal, mut hi: Decimal, lo_sign: i8) -> Result<Decimal, FinanceError> {
    let mut r = (lo + hi) / Decimal::TWO;
    for _ in 0..MAX_POLISH {
        let (value, slope) = f.exact(r)?;
        let s = sign(value);
        if s == 0 {
            return Ok(r);
        }
        if s == lo_sign {
            lo = r;
        } else {
            hi = r;
        }
        let step = if slope.is_zero() {
            None
        } else {
            value.checked_div(slope)
        };
        let newton = step.and_then(|d| r.checked_sub(d));
        if let (Some(step), Some(next)) = (step, newton)
            && step.abs() < POLISH_TOLERANCE
        {
            // Converged: the step is below the tolerance (and inside the bracket by construction).
            return Ok(if next >= lo.min(hi) && next <= lo.max(hi) {
                next
            } else {
                r
            });
        }
        r = match newton {
            Some(n) if n > lo.min(hi) && n < lo.max(hi) => n,
            _ => (lo + hi) / Decimal::TWO,
        };
        if (hi - lo).abs() < POLISH_TOLERANCE {
            break;
        }
    }
    Ok(r)
}
