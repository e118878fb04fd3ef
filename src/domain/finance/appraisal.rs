//! A project's saved financial case: the PPP model and, for the municipality's appraisal, the
//! Public Sector Comparator and budget it is measured against. Value for money compares the PSC
//! with the government payments the model produces; affordability sets those payments, year by
//! year, against the budget.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::exact::add;
use super::model::{ModelInput, ModelResults, evaluate};
use super::public_sector::{Affordability, Comparator, ValueForMoney, affordability, value_for_money};
use super::{FinanceError, amount_in_range, rate_in_range};
use crate::domain::validation::Violations;

/// The municipality's side of the case: the comparator (series per model period, index 0 =
/// financial close) and the budget its payments are measured against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicSectorCase {
    #[serde(flatten)]
    pub comparator: Comparator,
    /// The municipality's budget in the year of financial close, and its annual growth.
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub budget: Decimal,
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub budget_growth: Decimal,
}

/// What is saved for a project, one version per save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinancialCase {
    pub model: ModelInput,
    pub public_sector: Option<PublicSectorCase>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseResults {
    pub model: ModelResults,
    pub value_for_money: Option<ValueForMoney>,
    /// Government payments per year (index 0 = the year of financial close) against the budget.
    pub affordability: Option<Affordability>,
}

impl FinancialCase {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        if let Err(model) = self.model.validate() {
            v.merge_prefixed("model", model);
        }
        if let Some(p) = &self.public_sector {
            let periods = usize::try_from(
                self.model
                    .construction_periods
                    .saturating_add(self.model.operation_periods),
            )
            .unwrap_or(0)
                + 1;
            let c = &p.comparator;
            let series = [
                ("raw_cost", &c.raw_cost),
                ("competitive_neutrality", &c.competitive_neutrality),
                ("transferable_risk", &c.transferable_risk),
                ("retained_risk", &c.retained_risk),
                ("contract_management", &c.contract_management),
            ];
            for (field, values) in series {
                if values.len() > periods || values.iter().any(|x| !amount_in_range(*x)) {
                    v.add(format!("public_sector.{field}"), "series_length");
                }
            }
            if !rate_in_range(c.discount_rate) {
                v.add("public_sector.discount_rate", "rate_range");
            }
            if p.budget <= Decimal::ZERO || !amount_in_range(p.budget) {
                v.add("public_sector.budget", "model_amount");
            }
            if !rate_in_range(p.budget_growth) || p.budget_growth > Decimal::ONE {
                v.add("public_sector.budget_growth", "rate_range");
            }
        }
        v.into_result()
    }
}

/// Runs the model and, with a public-sector case, value for money and affordability.
pub fn evaluate_case(case: &FinancialCase) -> Result<CaseResults, FinanceError> {
    let model = evaluate(&case.model)?;
    let Some(p) = &case.public_sector else {
        return Ok(CaseResults {
            model,
            value_for_money: None,
            affordability: None,
        });
    };
    let payments: Vec<Decimal> = model.periods.iter().map(|r| r.government_payment).collect();
    let vfm = value_for_money(&p.comparator, &payments)?;
    // Payments by year: period t (t >= 1) falls in year ceil(t / periods_per_year).
    let per_year = usize::try_from(case.model.periods_per_year.max(1)).unwrap_or(1);
    let years = payments.len().div_ceil(per_year) + 1;
    let mut yearly = vec![Decimal::ZERO; years];
    for (t, payment) in payments.iter().enumerate() {
        let year = t.div_ceil(per_year);
        yearly[year] = add(yearly[year], *payment)?;
    }
    let annual_rate = super::model::annual_rate(p.comparator.discount_rate, case.model.periods_per_year)?;
    let fiscal = affordability(&yearly, p.budget, p.budget_growth, annual_rate)?;
    Ok(CaseResults {
        model,
        value_for_money: Some(vfm),
        affordability: Some(fiscal),
    })
}
