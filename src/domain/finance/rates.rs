//! Rate conversions: Fisher's exact real/nominal relation, and periodic/effective rates.

use rust_decimal::Decimal;

use super::exact::{Exact, add, div, mul, powi, root, sub};

/// Real rate from a nominal rate and inflation: (1+n)/(1+i) - 1 (not n - i).
pub fn real_from_nominal(nominal: Decimal, inflation: Decimal) -> Exact {
    sub(
        div(add(Decimal::ONE, nominal)?, add(Decimal::ONE, inflation)?)?,
        Decimal::ONE,
    )
}

/// Nominal rate from a real rate and inflation: (1+r)(1+i) - 1.
pub fn nominal_from_real(real: Decimal, inflation: Decimal) -> Exact {
    sub(
        mul(add(Decimal::ONE, real)?, add(Decimal::ONE, inflation)?)?,
        Decimal::ONE,
    )
}

/// The rate per period equivalent to an annual effective rate: (1+a)^(1/m) - 1.
pub fn periodic_from_annual(annual: Decimal, periods_per_year: u32) -> Exact {
    sub(root(add(Decimal::ONE, annual)?, periods_per_year)?, Decimal::ONE)
}

/// The annual effective rate of a nominal annual rate compounded m times: (1+n/m)^m - 1.
pub fn effective_from_nominal(nominal: Decimal, periods_per_year: u32) -> Exact {
    let periodic = div(nominal, Decimal::from(periods_per_year))?;
    sub(
        powi(add(Decimal::ONE, periodic)?, i64::from(periods_per_year))?,
        Decimal::ONE,
    )
}
