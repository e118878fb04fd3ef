//! Financial mathematics in exact decimal arithmetic (../shared/finance/NOTES.md): discounting,
//! every IRR of a series, annuities, rate conversions. Pure functions, no HTTP, no SQL; every
//! loop is bounded and every operation checked, so no input can panic or hang them.

pub mod annuity;
pub mod appraisal;
pub mod cashflow;
pub mod dated;
pub mod exact;
pub mod model;
pub mod public_sector;
pub mod rates;
pub mod roots;
pub mod sensitivity;
#[cfg(test)]
mod vectors;

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
