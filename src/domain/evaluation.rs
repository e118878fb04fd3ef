//! The commission's computed scoring, as domain.md (section 3, "Evaluation") defines it: the
//! financial criterion's value of each offer (a yearly stream at its present value), its
//! points, the technical criteria's points from the members' scores, the proponent's bonus, and
//! the ranking on unrounded totals, a tie going to the earlier final submission. Pure rules: the
//! evaluation issue's service and report build on them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::bid::Offer;
use crate::domain::finance::FinanceError;
use crate::domain::finance::cashflow::npv_excel_compat;
use crate::domain::finance::exact::{add, div, mul, sum};
use crate::domain::tender::{Better, FinancialBasis};

/// Why an offer cannot be valued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationError {
    #[error("the offer is not of the criterion's kind (a stream or a single figure)")]
    WrongShape,
    #[error("offers must be positive")]
    NotPositive,
    #[error("a score must be from 0 to 100")]
    ScoreOutOfRange,
    #[error("{0}")]
    Arithmetic(String),
}

impl From<FinanceError> for EvaluationError {
    fn from(e: FinanceError) -> Self {
        Self::Arithmetic(e.to_string())
    }
}

/// The figure the financial criterion compares: a stream's present value Σ p_t / (1 + r)^t for
/// t = 1..n at the tender's discount rate (no rate: 0), or the single amount.
pub fn offer_value(criterion: &FinancialBasis, offer: &Offer) -> Result<Decimal, EvaluationError> {
    let value = if criterion.figure.is_yearly_stream() {
        if offer.yearly.is_empty() || offer.yearly.iter().any(|p| *p <= Decimal::ZERO) {
            return Err(if offer.yearly.is_empty() {
                EvaluationError::WrongShape
            } else {
                EvaluationError::NotPositive
            });
        }
        npv_excel_compat(criterion.discount_rate.unwrap_or(Decimal::ZERO), &offer.yearly)?
    } else {
        offer.amount.ok_or(EvaluationError::WrongShape)?
    };
    if value <= Decimal::ZERO {
        return Err(EvaluationError::NotPositive);
    }
    Ok(value)
}

/// Each offer's financial points, unrounded: weight × lowest ÷ offer when lower is better,
/// weight × offer ÷ highest when higher is better. `values` are [`offer_value`]s.
pub fn financial_points(weight: Decimal, better: Better, values: &[Decimal]) -> Result<Vec<Decimal>, EvaluationError> {
    if values.iter().any(|v| *v <= Decimal::ZERO) {
        return Err(EvaluationError::NotPositive);
    }
    let best = match better {
        Better::Lower => values.iter().min(),
        Better::Higher => values.iter().max(),
    };
    let Some(best) = best.copied() else {
        return Ok(vec![]);
    };
    values
        .iter()
        .map(|v| {
            Ok(match better {
                Better::Lower => div(mul(weight, best)?, *v)?,
                Better::Higher => div(mul(weight, *v)?, best)?,
            })
        })
        .collect()
}

/// A technical criterion's points: weight × the members' average score ÷ 100 (no scores: 0).
pub fn technical_points(weight: Decimal, scores: &[Decimal]) -> Result<Decimal, EvaluationError> {
    if scores.iter().any(|s| *s < Decimal::ZERO || *s > Decimal::ONE_HUNDRED) {
        return Err(EvaluationError::ScoreOutOfRange);
    }
    if scores.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let count = Decimal::from(scores.len());
    Ok(div(mul(weight, div(sum(scores)?, count)?)?, Decimal::ONE_HUNDRED)?)
}

/// A bid's total: its criteria's points, times (1 + bonus ÷ 100) for a private-initiative
/// proponent's bid.
pub fn total(points: &[Decimal], proponent_bonus_percent: Option<Decimal>) -> Result<Decimal, EvaluationError> {
    let base = sum(points)?;
    Ok(match proponent_bonus_percent {
        Some(bonus) => mul(base, add(Decimal::ONE, div(bonus, Decimal::ONE_HUNDRED)?)?)?,
        None => base,
    })
}

/// One qualified bid to rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing<'a> {
    pub bid_id: &'a str,
    /// Unrounded.
    pub total: Decimal,
    /// The time of receipt of its last accepted submission or confirmation.
    pub final_submission: DateTime<Utc>,
}

/// A bid's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked<'a> {
    pub rank: usize,
    pub bid_id: &'a str,
    pub total: Decimal,
    /// Whether its total equals the one above or below it: the tie the earlier final submission
    /// decided, recorded.
    pub tied: bool,
}

/// The ranking: highest unrounded total first; equal totals go to the earlier final submission
/// (and are marked tied).
pub fn rank<'a>(standings: &[Standing<'a>]) -> Vec<Ranked<'a>> {
    let mut order: Vec<&Standing<'a>> = standings.iter().collect();
    order.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then(a.final_submission.cmp(&b.final_submission))
            .then(a.bid_id.cmp(b.bid_id))
    });
    order
        .iter()
        .enumerate()
        .map(|(i, s)| Ranked {
            rank: i + 1,
            bid_id: s.bid_id,
            total: s.total,
            tied: standings.iter().filter(|o| o.total == s.total).count() > 1,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use crate::domain::tender::FinancialFigure;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    fn stream(figure: FinancialFigure, rate: &str) -> FinancialBasis {
        FinancialBasis {
            figure,
            unit: "KGS per year".into(),
            currency: Currency::Kgs,
            better: Better::Lower,
            discount_rate: Some(dec(rate)),
        }
    }

    fn yearly(amounts: &[&str]) -> Offer {
        Offer {
            currency: Currency::Kgs,
            amount: None,
            yearly: amounts.iter().map(|a| dec(a)).collect(),
        }
    }

    #[test]
    fn a_stream_is_valued_at_its_present_value_from_year_one() {
        let criterion = stream(FinancialFigure::AvailabilityPayment, "0.10");
        // 110 / 1.1 + 121 / 1.21 = 100 + 100 (exact to the 28 digits a Decimal carries).
        let value = offer_value(&criterion, &yearly(&["110", "121"])).unwrap();
        assert!((value - dec("200")).abs() < dec("0.00000000000000000001"), "{value}");
        assert_eq!(
            offer_value(&criterion, &yearly(&["110", "0"])),
            Err(EvaluationError::NotPositive)
        );
        assert_eq!(offer_value(&criterion, &yearly(&[])), Err(EvaluationError::WrongShape));
        let single = FinancialBasis {
            figure: FinancialFigure::Tariff,
            discount_rate: None,
            ..criterion
        };
        assert_eq!(offer_value(&single, &yearly(&["1"])), Err(EvaluationError::WrongShape));
        let tariff = Offer {
            amount: Some(dec("24.50")),
            yearly: vec![],
            ..yearly(&[])
        };
        assert_eq!(offer_value(&single, &tariff), Ok(dec("24.50")));
    }

    #[test]
    fn financial_points_go_to_the_best_offer_in_proportion() {
        let values = [dec("200"), dec("250"), dec("400")];
        let lower = financial_points(dec("60"), Better::Lower, &values).unwrap();
        assert_eq!(lower[0], dec("60"));
        assert_eq!(lower[1], dec("48"));
        assert_eq!(lower[2], dec("30"));
        let higher = financial_points(dec("60"), Better::Higher, &values).unwrap();
        assert_eq!(higher[2], dec("60"));
        assert_eq!(higher[1], dec("37.5"));
        assert_eq!(higher[0], dec("30"));
        assert_eq!(
            financial_points(dec("60"), Better::Lower, &[dec("0")]),
            Err(EvaluationError::NotPositive)
        );
        assert_eq!(financial_points(dec("60"), Better::Lower, &[]), Ok(vec![]));
    }

    #[test]
    fn technical_points_average_the_members_scores() {
        // 25 × (80 + 70 + 75) / 3 / 100 = 18.75.
        assert_eq!(
            technical_points(dec("25"), &[dec("80"), dec("70"), dec("75")]).unwrap(),
            dec("18.75")
        );
        assert_eq!(technical_points(dec("25"), &[]).unwrap(), Decimal::ZERO);
        assert_eq!(
            technical_points(dec("25"), &[dec("101")]),
            Err(EvaluationError::ScoreOutOfRange)
        );
        assert_eq!(
            technical_points(dec("25"), &[dec("-1")]),
            Err(EvaluationError::ScoreOutOfRange)
        );
    }

    #[test]
    fn the_proponent_s_bonus_multiplies_the_total() {
        assert_eq!(total(&[dec("48"), dec("18.75")], None).unwrap(), dec("66.75"));
        // 66.75 × 1.05 = 70.0875.
        assert_eq!(
            total(&[dec("48"), dec("18.75")], Some(dec("5"))).unwrap(),
            dec("70.0875")
        );
    }

    #[test]
    fn ranking_is_on_unrounded_totals_and_a_tie_goes_to_the_earlier_final_submission() {
        let at = |h: u32| "2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::hours(h.into());
        let standings = [
            Standing {
                bid_id: "late",
                total: dec("80.004"),
                final_submission: at(5),
            },
            Standing {
                bid_id: "early",
                total: dec("80.004"),
                final_submission: at(1),
            },
            // Shown as 80.00 too, but lower unrounded: third.
            Standing {
                bid_id: "close",
                total: dec("80.0039"),
                final_submission: at(0),
            },
            Standing {
                bid_id: "top",
                total: dec("91.2"),
                final_submission: at(9),
            },
        ];
        let ranked = rank(&standings);
        let order: Vec<(usize, &str, bool)> = ranked.iter().map(|r| (r.rank, r.bid_id, r.tied)).collect();
        assert_eq!(
            order,
            [
                (1, "top", false),
                (2, "early", true),
                (3, "late", true),
                (4, "close", false)
            ]
        );
    }
}
