//! What a public computation may cost, checked on its input before any work: a model's cost is
//! the model periods it evaluates, times how many times it is evaluated. Above the bound the
//! request is refused (422 `too_costly`), however fast the machine.

use crate::domain::finance::model::ModelInput;

/// Model runs of a sensitivity request: a low and a high flex of seven drivers, three named
/// scenarios, the base case, and up to 40 bisection steps of the demand break-even (plus its
/// two bracket ends).
pub const SENSITIVITY_RUNS: i64 = 2 * 7 + 3 + 1 + 40 + 2;

/// Period-evaluations one request may cost: a 30-year monthly model's sensitivities (about
/// 23,000) pass; a 100-year monthly model's (about 72,000) do not.
pub const MAX_PERIOD_EVALUATIONS: i64 = 40_000;

/// The model's periods (construction and operation).
pub fn periods(input: &ModelInput) -> i64 {
    input
        .construction_periods
        .max(0)
        .saturating_add(input.operation_periods.max(0))
}

/// Whether one evaluation of the model is within the bound.
pub fn evaluation_within_bound(input: &ModelInput) -> bool {
    periods(input) <= MAX_PERIOD_EVALUATIONS
}

/// Whether the model's sensitivities are within the bound.
pub fn sensitivity_within_bound(input: &ModelInput) -> bool {
    periods(input).saturating_mul(SENSITIVITY_RUNS) <= MAX_PERIOD_EVALUATIONS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::finance::model::TOLL_ROAD_25Y;

    fn model(construction: i64, operation: i64) -> ModelInput {
        let mut m: ModelInput = serde_json::from_str(TOLL_ROAD_25Y).unwrap();
        m.construction_periods = construction;
        m.operation_periods = operation;
        m
    }

    #[test]
    fn thirty_years_monthly_pass_and_a_century_monthly_does_not() {
        assert!(sensitivity_within_bound(&model(24, 360)));
        assert!(!sensitivity_within_bound(&model(24, 1_176)));
        assert!(evaluation_within_bound(&model(24, 1_176)));
        assert_eq!(periods(&model(-3, 10)), 10);
    }
}
