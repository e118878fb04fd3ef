//! Sensitivities of the PPP model: one-at-a-time low/high flexes of the main drivers (a tornado
//! of any chosen output), and break-even values solved by bracketing.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::FinanceError;
use super::exact::mul;
use super::model::{ModelInput, ModelResults, evaluate};

/// The drivers flexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Driver {
    Capex,
    Opex,
    Demand,
    Tariff,
    Cpi,
    InterestRate,
    /// One more construction period (and one fewer operating period).
    ConstructionDelay,
}

impl Driver {
    pub const ALL: [Driver; 7] = [
        Driver::Capex,
        Driver::Opex,
        Driver::Demand,
        Driver::Tariff,
        Driver::Cpi,
        Driver::InterestRate,
        Driver::ConstructionDelay,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Driver::Capex => "capex",
            Driver::Opex => "opex",
            Driver::Demand => "demand",
            Driver::Tariff => "tariff",
            Driver::Cpi => "cpi",
            Driver::InterestRate => "interest_rate",
            Driver::ConstructionDelay => "construction_delay",
        }
    }
}

/// The output a tornado ranks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    #[default]
    ProjectNpv,
    EquityIrr,
    MinDscr,
    PvGovernmentPayments,
}

impl Output {
    /// The figure, when it exists (an IRR that is not unique has none).
    pub fn of(self, results: &ModelResults) -> Option<Decimal> {
        match self {
            Output::ProjectNpv => Some(results.project_npv),
            Output::EquityIrr => results.equity_irr.unique(),
            Output::MinDscr => results.min_dscr,
            Output::PvGovernmentPayments => Some(results.pv_government_payments),
        }
    }
}

/// The input with one driver flexed by `factor` (1.10 = +10 %); the delay ignores the factor's
/// size and adds one construction period when the factor is above 1.
pub fn flexed(input: &ModelInput, driver: Driver, factor: Decimal) -> Result<ModelInput, FinanceError> {
    let mut m = input.clone();
    match driver {
        Driver::Capex => m.capex = mul(m.capex, factor)?,
        Driver::Opex => {
            m.opex.fixed = mul(m.opex.fixed, factor)?;
            m.opex.per_unit = mul(m.opex.per_unit, factor)?;
        }
        Driver::Demand => {
            if let Some(u) = &mut m.user_pays {
                u.base_demand = mul(u.base_demand, factor)?;
            }
        }
        Driver::Tariff => {
            if let Some(u) = &mut m.user_pays {
                u.tariff = mul(u.tariff, factor)?;
            }
            if let Some(a) = &mut m.availability {
                a.annual_payment = mul(a.annual_payment, factor)?;
            }
        }
        Driver::Cpi => m.cpi = mul(m.cpi, factor)?,
        Driver::InterestRate => m.financing.rate = mul(m.financing.rate, factor)?,
        Driver::ConstructionDelay => {
            if factor > Decimal::ONE && m.operation_periods > m.financing.tenor_periods + m.financing.grace_periods {
                // The same spending spread over one more period; operation starts a period later.
                m.construction_periods += 1;
                m.operation_periods -= 1;
                m.capex_phasing.push(Decimal::ZERO);
                let last = m.capex_phasing.len() - 1;
                m.capex_phasing.swap(last - 1, last);
            }
        }
    }
    Ok(m)
}

/// One bar of the tornado: the output at the low and the high flex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Bar {
    pub driver: Driver,
    #[schema(value_type = Option<String>)]
    pub low: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub high: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tornado {
    pub output: Output,
    #[schema(value_type = Option<String>)]
    pub base: Option<Decimal>,
    /// Widest range first.
    pub bars: Vec<Bar>,
}

/// Flexes each driver down and up by `swing` (0.10 = ±10 %), others at base, and ranks the
/// drivers by the range of `output` they cause.
pub fn tornado(input: &ModelInput, output: Output, swing: Decimal) -> Result<Tornado, FinanceError> {
    let base = output.of(&evaluate(input)?);
    let mut bars = Vec::with_capacity(Driver::ALL.len());
    for driver in Driver::ALL {
        let at = |factor: Decimal| -> Result<Option<Decimal>, FinanceError> {
            Ok(output.of(&evaluate(&flexed(input, driver, factor)?)?))
        };
        bars.push(Bar {
            driver,
            low: at(Decimal::ONE - swing)?,
            high: at(Decimal::ONE + swing)?,
        });
    }
    let range = |b: &Bar| match (b.low, b.high) {
        (Some(l), Some(h)) => (h - l).abs(),
        _ => Decimal::ZERO,
    };
    bars.sort_by_key(|b| std::cmp::Reverse(range(b)));
    Ok(Tornado { output, base, bars })
}

/// A coherent combination of flexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Scenario {
    /// `base`, `lenders_downside` or `upside`.
    pub name: &'static str,
    #[schema(value_type = String)]
    pub project_npv: Decimal,
    pub equity_irr: super::roots::Irr,
    #[schema(value_type = Option<String>)]
    pub min_dscr: Option<Decimal>,
}

/// The named scenarios: the base case; the lenders' downside (demand −10 %, operating costs
/// +10 % and a construction delay of one period together); an upside (demand +10 %).
pub fn scenarios(input: &ModelInput) -> Result<Vec<Scenario>, FinanceError> {
    let down = Decimal::new(90, 2);
    let up = Decimal::new(110, 2);
    let downside = flexed(
        &flexed(&flexed(input, Driver::Demand, down)?, Driver::Opex, up)?,
        Driver::ConstructionDelay,
        up,
    )?;
    let cases = [
        ("base", input.clone()),
        ("lenders_downside", downside),
        ("upside", flexed(input, Driver::Demand, up)?),
    ];
    cases
        .into_iter()
        .map(|(name, case)| {
            let r = evaluate(&case)?;
            Ok(Scenario {
                name,
                project_npv: r.project_npv,
                equity_irr: r.equity_irr,
                min_dscr: r.min_dscr,
            })
        })
        .collect()
}

/// The demand multiplier (0 to 1) at which the minimum DSCR falls to 1.0, by bisection; `None`
/// when the DSCR stays at or above 1.0 even without demand, or is below 1.0 already at base.
pub fn demand_break_even(input: &ModelInput) -> Result<Option<Decimal>, FinanceError> {
    let dscr_at = |factor: Decimal| -> Result<Option<Decimal>, FinanceError> {
        Ok(evaluate(&flexed(input, Driver::Demand, factor)?)?.min_dscr)
    };
    let covered = |d: Option<Decimal>| d.is_some_and(|d| d >= Decimal::ONE);
    if !covered(dscr_at(Decimal::ONE)?) || covered(dscr_at(Decimal::ZERO)?) {
        return Ok(None);
    }
    let (mut low, mut high) = (Decimal::ZERO, Decimal::ONE);
    // 40 halvings: the multiplier to about 1e-12.
    for _ in 0..40 {
        let mid = (low + high) / Decimal::TWO;
        if covered(dscr_at(mid)?) {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(Some(high))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::finance::model::TOLL_ROAD_25Y;

    fn toll_road() -> ModelInput {
        serde_json::from_str(TOLL_ROAD_25Y).unwrap()
    }

    #[test]
    fn the_tornado_moves_npv_the_expected_way() {
        let t = tornado(&toll_road(), Output::ProjectNpv, Decimal::new(10, 2)).unwrap();
        let base = t.base.unwrap();
        let bar = |d: Driver| t.bars.iter().find(|b| b.driver == d).unwrap().clone();
        // More capex or opex lowers the NPV; more demand or tariff raises it.
        assert!(bar(Driver::Capex).high.unwrap() < base && bar(Driver::Capex).low.unwrap() > base);
        assert!(bar(Driver::Opex).high.unwrap() < base);
        assert!(bar(Driver::Demand).high.unwrap() > base && bar(Driver::Tariff).high.unwrap() > base);
        // The project NPV is before financing: the interest rate does not move it.
        assert_eq!(bar(Driver::InterestRate).high, Some(base));
        // A delay of a period costs value; shortening is not modelled (low = base).
        assert!(bar(Driver::ConstructionDelay).high.unwrap() < base);
        assert_eq!(bar(Driver::ConstructionDelay).low, Some(base));
        assert_eq!(t.bars.len(), 7);
        let ranges: Vec<Decimal> = t
            .bars
            .iter()
            .map(|b| (b.high.unwrap() - b.low.unwrap()).abs())
            .collect();
        assert!(ranges.windows(2).all(|w| w[0] >= w[1]), "widest first");
    }

    #[test]
    fn the_lenders_downside_is_worse_than_base_and_the_upside_better() {
        let all = scenarios(&toll_road()).unwrap();
        let names: Vec<&str> = all.iter().map(|s| s.name).collect();
        assert_eq!(names, vec!["base", "lenders_downside", "upside"]);
        assert!(all[1].project_npv < all[0].project_npv && all[0].project_npv < all[2].project_npv);
        assert!(all[1].min_dscr.unwrap() < all[0].min_dscr.unwrap());
        assert_eq!(all[0].project_npv, evaluate(&toll_road()).unwrap().project_npv);
    }

    #[test]
    fn demand_break_even_puts_the_minimum_dscr_at_one() {
        let input = toll_road();
        let factor = demand_break_even(&input).unwrap().expect("a break-even");
        assert!(factor > Decimal::ZERO && factor < Decimal::ONE);
        let at = evaluate(&flexed(&input, Driver::Demand, factor).unwrap())
            .unwrap()
            .min_dscr
            .unwrap();
        assert!((at - Decimal::ONE).abs() < Decimal::new(1, 9), "{at}");
    }
}
