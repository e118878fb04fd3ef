//! Annuities (numpy-financial and Excel sign convention: cash paid out is negative): PMT, FV,
//! IPMT, PPMT, with payments in arrears or in advance, and loan schedules.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::FinanceError;
use super::exact::{Exact, add, div, mul, powi, sub};
use crate::domain::money::{Currency, round_money};

/// When each payment falls within its period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// At the end of each period (Excel type 0).
    #[default]
    Arrears,
    /// At the start of each period (Excel type 1).
    Advance,
}

impl Timing {
    fn weight(self) -> Decimal {
        match self {
            Timing::Arrears => Decimal::ZERO,
            Timing::Advance => Decimal::ONE,
        }
    }
}

fn check_periods(periods: u32) -> Result<(), FinanceError> {
    if periods == 0 {
        return Err(FinanceError::Domain("no periods"));
    }
    Ok(())
}

/// The constant payment that turns `pv` into `fv` over `periods` at `rate` per period.
pub fn pmt(rate: Decimal, periods: u32, pv: Decimal, fv: Decimal, timing: Timing) -> Exact {
    check_periods(periods)?;
    if rate.is_zero() {
        return div(-add(fv, pv)?, Decimal::from(periods));
    }
    let growth = powi(add(Decimal::ONE, rate)?, i64::from(periods))?;
    let numerator = mul(-add(fv, mul(pv, growth)?)?, rate)?;
    let denominator = mul(
        add(Decimal::ONE, mul(rate, timing.weight())?)?,
        sub(growth, Decimal::ONE)?,
    )?;
    div(numerator, denominator)
}

/// The value after `periods` payments of `payment`, starting from `pv`.
pub fn fv(rate: Decimal, periods: u32, payment: Decimal, pv: Decimal, timing: Timing) -> Exact {
    if rate.is_zero() {
        return Ok(-add(pv, mul(payment, Decimal::from(periods))?)?);
    }
    let growth = powi(add(Decimal::ONE, rate)?, i64::from(periods))?;
    let annuity = mul(
        div(mul(payment, add(Decimal::ONE, mul(rate, timing.weight())?)?)?, rate)?,
        sub(growth, Decimal::ONE)?,
    )?;
    Ok(-add(mul(pv, growth)?, annuity)?)
}

/// The interest part of payment number `period` (1-based).
pub fn ipmt(rate: Decimal, period: u32, periods: u32, pv: Decimal, fv_target: Decimal, timing: Timing) -> Exact {
    check_periods(periods)?;
    if period == 0 || period > periods {
        return Err(FinanceError::Domain("a payment number outside the schedule"));
    }
    let payment = pmt(rate, periods, pv, fv_target, timing)?;
    let interest = mul(rate, fv(rate, period - 1, payment, pv, timing)?)?;
    match timing {
        Timing::Arrears => Ok(interest),
        Timing::Advance if period == 1 => Ok(Decimal::ZERO),
        Timing::Advance => div(interest, add(Decimal::ONE, rate)?),
    }
}

/// The principal part of payment number `period` (1-based).
pub fn ppmt(rate: Decimal, period: u32, periods: u32, pv: Decimal, fv_target: Decimal, timing: Timing) -> Exact {
    sub(
        pmt(rate, periods, pv, fv_target, timing)?,
        ipmt(rate, period, periods, pv, fv_target, timing)?,
    )
}

/// How a loan is repaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Repayment {
    /// Constant debt service.
    Annuity,
    /// Constant principal, interest on the opening balance.
    EqualPrincipal,
}

/// One period of a loan schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instalment {
    pub period: u32,
    pub interest: Decimal,
    pub principal: Decimal,
    pub payment: Decimal,
    pub closing_balance: Decimal,
}

/// A loan schedule in arrears. With `rounded_in`, each payment (annuity) or principal
/// instalment (equal principal) and each period's interest are rounded to the currency's minor
/// unit by the product's policy, and the last period clears the remaining balance, so that
/// principal + interest = payment, the principals sum to the loan and the balance ends at zero.
pub fn schedule(
    principal: Decimal,
    rate: Decimal,
    periods: u32,
    repayment: Repayment,
    rounded_in: Option<Currency>,
) -> Result<Vec<Instalment>, FinanceError> {
    check_periods(periods)?;
    let round = |v: Decimal| rounded_in.map_or(v, |c| round_money(v, c));
    let level_payment = round(-pmt(rate, periods, principal, Decimal::ZERO, Timing::Arrears)?);
    let level_principal = round(div(principal, Decimal::from(periods))?);
    let mut balance = principal;
    let mut rows = Vec::with_capacity(periods as usize);
    for period in 1..=periods {
        let interest = round(mul(balance, rate)?);
        let repaid = if period == periods {
            balance
        } else {
            match repayment {
                Repayment::Annuity => sub(level_payment, interest)?,
                Repayment::EqualPrincipal => level_principal,
            }
        };
        balance = sub(balance, repaid)?;
        rows.push(Instalment {
            period,
            interest,
            principal: repaid,
            payment: add(interest, repaid)?,
            closing_balance: balance,
        });
    }
    Ok(rows)
}
