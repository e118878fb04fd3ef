//! The municipality's side: value for money against a Public Sector Comparator, and fiscal
//! affordability of the payments it commits to (NOTES.md §6).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::FinanceError;
use super::cashflow::npv;
use super::exact::{add, div, mul, powi, sub};

/// The Public Sector Comparator and the PPP option's own costs to the municipality: streams per
/// period (index 0 = the valuation date) at one discount rate for both options; which rate (real
/// or nominal, social or risk-adjusted) is the caller's recorded choice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Comparator {
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]
    pub discount_rate: Decimal,
    /// The public sector's own delivery: capital, operating and maintenance costs, net of
    /// third-party revenue.
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimals")]
    pub raw_cost: Vec<Decimal>,
    /// Advantages of public ownership removed (tax, insurance, cost of capital).
    #[serde(default)]
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimals")]
    pub competitive_neutrality: Vec<Decimal>,
    /// Expected cost of the risks a PPP would transfer.
    #[serde(default)]
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimals")]
    pub transferable_risk: Vec<Decimal>,
    /// Risks the municipality keeps under either option.
    #[serde(default)]
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimals")]
    pub retained_risk: Vec<Decimal>,
    /// The municipality's cost of managing the PPP contract.
    #[serde(default)]
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimals")]
    pub contract_management: Vec<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ValueForMoney {
    #[schema(value_type = String)]
    pub pv_raw_psc: Decimal,
    #[schema(value_type = String)]
    pub pv_competitive_neutrality: Decimal,
    #[schema(value_type = String)]
    pub pv_transferable_risk: Decimal,
    #[schema(value_type = String)]
    pub pv_retained_risk: Decimal,
    #[schema(value_type = String)]
    pub pv_psc_total: Decimal,
    #[schema(value_type = String)]
    pub pv_ppp_payments_and_contract_management: Decimal,
    #[schema(value_type = String)]
    pub pv_ppp_total: Decimal,
    /// PSC − PPP: positive when the PPP offers value for money.
    #[schema(value_type = String)]
    pub vfm_amount: Decimal,
    /// As a share of the PSC.
    #[schema(value_type = String)]
    pub vfm_share_of_psc: Decimal,
}

/// PSC = raw + competitive neutrality + transferable + retained risk; PPP = the municipality's
/// payments (availability payments, grants) + contract management + retained risk (the same
/// under both options).
pub fn value_for_money(input: &Comparator, ppp_payments: &[Decimal]) -> Result<ValueForMoney, FinanceError> {
    let pv = |flows: &[Decimal]| npv(input.discount_rate, flows);
    let pv_raw_psc = pv(&input.raw_cost)?;
    let pv_competitive_neutrality = pv(&input.competitive_neutrality)?;
    let pv_transferable_risk = pv(&input.transferable_risk)?;
    let pv_retained_risk = pv(&input.retained_risk)?;
    let pv_psc_total = add(
        add(add(pv_raw_psc, pv_competitive_neutrality)?, pv_transferable_risk)?,
        pv_retained_risk,
    )?;
    let pv_ppp_payments_and_contract_management = add(pv(ppp_payments)?, pv(&input.contract_management)?)?;
    let pv_ppp_total = add(pv_ppp_payments_and_contract_management, pv_retained_risk)?;
    let vfm_amount = sub(pv_psc_total, pv_ppp_total)?;
    Ok(ValueForMoney {
        pv_raw_psc,
        pv_competitive_neutrality,
        pv_transferable_risk,
        pv_retained_risk,
        pv_psc_total,
        pv_ppp_payments_and_contract_management,
        pv_ppp_total,
        vfm_amount,
        vfm_share_of_psc: div(vfm_amount, pv_psc_total)?,
    })
}

/// The municipality's payments against its budget, which grows by `budget_growth` a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Affordability {
    /// Payment / budget for each period (index as given).
    #[schema(value_type = Vec<String>)]
    pub share_of_budget: Vec<Decimal>,
    #[schema(value_type = String)]
    pub peak_share: Decimal,
    pub peak_period: usize,
    #[schema(value_type = String)]
    pub pv_payments: Decimal,
}

/// Payments per period t (index 0 = the budget's base year) against budget_0 × (1+g)^t.
pub fn affordability(
    payments: &[Decimal],
    budget_base: Decimal,
    budget_growth: Decimal,
    discount_rate: Decimal,
) -> Result<Affordability, FinanceError> {
    let growth = add(Decimal::ONE, budget_growth)?;
    let mut share_of_budget = Vec::with_capacity(payments.len());
    let (mut peak_share, mut peak_period) = (Decimal::ZERO, 0);
    for (t, payment) in payments.iter().enumerate() {
        let budget = mul(budget_base, powi(growth, t as i64)?)?;
        let share = div(*payment, budget)?;
        if share > peak_share {
            (peak_share, peak_period) = (share, t);
        }
        share_of_budget.push(share);
    }
    Ok(Affordability {
        share_of_budget,
        peak_share,
        peak_period,
        pv_payments: npv(discount_rate, payments)?,
    })
}
