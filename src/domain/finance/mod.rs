//! Financial mathematics in exact decimal arithmetic (../shared/finance/NOTES.md): discounting,
//! every IRR of a series, annuities, rate conversions. Pure functions, no HTTP, no SQL; every
//! loop is bounded and every operation checked, so no input can panic or hang them.

pub mod annuity;
pub mod appraisal;
pub mod cashflow;
pub mod cost;
pub mod dated;
pub mod exact;
pub mod model;
pub mod public_sector;
pub mod rates;
pub mod roots;
pub mod sensitivity;
#[cfg(test)]
mod vectors;

use rust_decimal::Decimal;

/// The largest amount an input may carry (10^15, in any currency): far above any municipal
/// project, and far enough below `Decimal::MAX` for products and sums over 100 years of periods.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);

/// Whether an input amount is within `MAX_AMOUNT` either way.
pub fn amount_in_range(amount: Decimal) -> bool {
    amount.abs() <= MAX_AMOUNT
}

/// Whether a rate lies in the bracket every IRR is searched in, (-0.99, 10]: the same bound for
/// every rate a user gives, so no discounting leaves the domain the root finder covers.
pub fn rate_in_range(rate: Decimal) -> bool {
    rate > roots::LOWEST_RATE && rate <= roots::HIGHEST_RATE
}

/// Why a figure could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FinanceError {
    #[error("the figures are too large to compute exactly")]
    Overflow,
    #[error("division by zero")]
    DivisionByZero,
    #[error("outside the domain: {0}")]
    Domain(&'static str),
}

#[cfg(test)]
mod bounds_tests {
    use super::*;

    #[test]
    fn the_input_bounds() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000_000_i64));
        assert!(amount_in_range(-MAX_AMOUNT) && !amount_in_range(MAX_AMOUNT + Decimal::ONE));
        assert!(!rate_in_range(Decimal::new(-99, 2)) && rate_in_range(Decimal::new(-98, 2)));
        assert!(rate_in_range(Decimal::TEN) && !rate_in_range(Decimal::new(1001, 2)));
    }
}
