//! The reference cases of ../shared/finance/vectors.json (copied to tests/data so the suite runs
//! without ../shared), at the tolerances its `meta` states: money to 1e-6 (to the cent after
//! rounding), rates and ratios to 1e-15 against the 60-digit references.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use super::annuity::{Repayment, Timing, ipmt, pmt, ppmt, schedule};
use super::cashflow::{Irr, irr, mirr, npv, npv_excel_compat};
use super::dated::{DatedFlow, DayCount, xirr, xnpv};
use super::rates;
use crate::domain::money::{Currency, round_money};

pub const VECTORS: &str = include_str!("../../../tests/data/finance-vectors.json");

fn d(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).or_else(|_| Decimal::from_scientific(s)).expect(s),
        Value::Number(n) => Decimal::from_str(&n.to_string()).expect("number"),
        other => panic!("not a decimal: {other}"),
    }
}

fn list(v: &Value) -> Vec<Decimal> {
    v.as_array().expect("array").iter().map(d).collect()
}

/// Every case of one function.
pub fn cases(function: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(VECTORS).expect("vectors.json");
    all["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["function"] == function)
        .cloned()
        .collect()
}

#[track_caller]
pub fn assert_close(actual: Decimal, expected: Decimal, tolerance: &str, what: &str) {
    let tolerance = Decimal::from_str(tolerance).expect("tolerance");
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} differs from {expected} by more than {tolerance}"
    );
}

const MONEY: &str = "0.000001";
const RATE: &str = "0.000000000000001";

#[test]
fn npv_cases() {
    let all = cases("npv");
    assert_eq!(all.len(), 5);
    for case in all {
        let (rate, values) = (d(&case["inputs"]["rate"]), list(&case["inputs"]["values"]));
        let id = case["id"].as_str().unwrap_or_default();
        assert_close(
            npv(rate, &values).unwrap(),
            d(&case["expected"]["decimal60"]),
            MONEY,
            id,
        );
        assert_close(
            npv_excel_compat(rate, &values).unwrap(),
            d(&case["expected_excel_NPV_function"]["decimal28"]),
            MONEY,
            id,
        );
    }
}

#[test]
fn irr_cases_find_every_root_and_only_those() {
    let all = cases("irr");
    assert_eq!(all.len(), 10);
    for case in all {
        let id = case["id"].as_str().unwrap_or_default();
        let values = list(&case["inputs"]["values"]);
        let expected = list(&case["expected"]["all_irrs_polished_decimal60"]);
        let found = match irr(&values).unwrap() {
            Irr::None => vec![],
            Irr::Unique { value } => vec![value],
            Irr::Multiple { values } => values,
        };
        assert_eq!(found.len(), expected.len(), "{id}: {found:?}");
        assert_eq!(case["expected"]["irr_count"], expected.len(), "{id}");
        for (f, e) in found.iter().zip(&expected) {
            assert_close(*f, *e, RATE, id);
        }
    }
}

#[test]
fn mirr_cases() {
    let all = cases("mirr");
    assert_eq!(all.len(), 3);
    for case in all {
        let i = &case["inputs"];
        let value = mirr(&list(&i["values"]), d(&i["finance_rate"]), d(&i["reinvest_rate"])).unwrap();
        assert_close(
            value.unwrap(),
            d(&case["expected"]["decimal60"]),
            RATE,
            case["id"].as_str().unwrap(),
        );
    }
}

fn timing(v: &Value) -> Timing {
    if v == "begin" { Timing::Advance } else { Timing::Arrears }
}

#[test]
fn pmt_cases() {
    let all = cases("pmt");
    assert_eq!(all.len(), 6);
    for case in all {
        let i = &case["inputs"];
        let periods = i["nper"].as_u64().unwrap() as u32;
        let value = pmt(d(&i["rate"]), periods, d(&i["pv"]), d(&i["fv"]), timing(&i["when"])).unwrap();
        assert_close(
            value,
            d(&case["expected"]["decimal60"]),
            MONEY,
            case["id"].as_str().unwrap(),
        );
    }
}

#[test]
fn ipmt_and_ppmt_cases() {
    let all = cases("ipmt/ppmt");
    assert_eq!(all.len(), 2);
    for case in all {
        let i = &case["inputs"];
        let periods = i["nper"].as_u64().unwrap() as u32;
        let (rate, pv, fv, when) = (d(&i["rate"]), d(&i["pv"]), d(&i["fv"]), timing(&i["when"]));
        for row in case["expected_by_period"].as_array().unwrap() {
            let per = row["per"].as_u64().unwrap() as u32;
            let what = format!("{} period {per}", case["id"]);
            assert_close(
                ipmt(rate, per, periods, pv, fv, when).unwrap(),
                d(&row["ipmt"]["decimal60"]),
                MONEY,
                &what,
            );
            assert_close(
                ppmt(rate, per, periods, pv, fv, when).unwrap(),
                d(&row["ppmt"]["decimal60"]),
                MONEY,
                &what,
            );
        }
    }
}

#[test]
fn schedule_cases_full_precision_and_rounded() {
    let all = cases("amortisation_schedule");
    assert_eq!(all.len(), 2);
    for case in all {
        let i = &case["inputs"];
        let kind = if i["kind"] == "annuity" {
            Repayment::Annuity
        } else {
            Repayment::EqualPrincipal
        };
        let periods = i["nper"].as_u64().unwrap() as u32;
        let (principal, rate) = (d(&i["principal"]), d(&i["rate"]));
        for (rounded, key) in [(None, "full_precision"), (Some(Currency::Usd), "rounded_each_period")] {
            let rows = schedule(principal, rate, periods, kind, rounded).unwrap();
            let expected = case["expected"][key].as_array().unwrap();
            assert_eq!(rows.len(), expected.len());
            for (row, e) in rows.iter().zip(expected) {
                let what = format!("{} {key} period {}", case["id"], row.period);
                for (value, field) in [
                    (row.interest, "interest"),
                    (row.principal, "principal"),
                    (row.payment, "payment"),
                    (row.closing_balance, "closing_balance"),
                ] {
                    if rounded.is_some() {
                        assert_eq!(value, d(&e[field]), "{what} {field}");
                    } else {
                        assert_close(value, d(&e[field]), MONEY, &format!("{what} {field}"));
                    }
                }
            }
        }
    }
}

#[test]
fn rounding_midpoints_go_half_away_from_zero() {
    let case = &cases("round_money")[0];
    for row in case["expected"].as_array().unwrap() {
        let input = d(&row["input"]);
        let key = row
            .as_object()
            .unwrap()
            .keys()
            .find(|k| k.starts_with("half_away_from_zero"))
            .unwrap()
            .clone();
        assert_eq!(round_money(input, Currency::Kgs), d(&row[&key]), "{input}");
    }
}

#[test]
fn rate_conversions() {
    let e = &cases("rate_conversion")[0]["expected"];
    let f = &e["real_from_nominal_fisher"];
    assert_close(
        rates::real_from_nominal(d(&f["nominal"]), d(&f["inflation"])).unwrap(),
        d(&f["decimal28"]),
        RATE,
        "real",
    );
    let f = &e["nominal_from_real_fisher"];
    assert_close(
        rates::nominal_from_real(d(&f["real"]), d(&f["inflation"])).unwrap(),
        d(&f["decimal28"]),
        RATE,
        "nominal",
    );
    let f = &e["monthly_equivalent_of_annual_effective"];
    assert_close(
        rates::periodic_from_annual(d(&f["annual"]), 12).unwrap(),
        d(&f["decimal28"]),
        RATE,
        "monthly",
    );
    let f = &e["effective_from_nominal_monthly"];
    assert_close(
        rates::effective_from_nominal(d(&f["nominal_annual"]), 12).unwrap(),
        d(&f["decimal28"]),
        RATE,
        "effective",
    );
}

#[test]
fn xnpv_and_xirr_reproduce_excels_documentation() {
    let case = &cases("xnpv/xirr")[0];
    let i = &case["inputs"];
    let flows: Vec<DatedFlow> = list(&i["values"])
        .into_iter()
        .zip(i["dates"].as_array().unwrap())
        .map(|(amount, date)| DatedFlow {
            date: NaiveDate::parse_from_str(date.as_str().unwrap(), "%Y-%m-%d").unwrap(),
            amount,
        })
        .collect();
    let value = xnpv(d(&i["rate_for_xnpv"]), &flows, DayCount::Act365Fixed).unwrap();
    assert_close(value, d(&case["expected"]["xnpv_decimal28"]), MONEY, "xnpv");
    let rate = xirr(&flows, DayCount::Act365Fixed).unwrap().unique().expect("one XIRR");
    assert_close(rate, d(&case["expected"]["xirr_decimal60"]), RATE, "xirr");
}

fn toll_road() -> super::model::ModelInput {
    serde_json::from_str(super::model::TOLL_ROAD_25Y).expect("the example parses")
}

#[test]
fn the_25_year_ppp_case_gives_every_metric_and_series() {
    let case = &cases("ppp_project_model")[0];
    let input = toll_road();
    input.validate().expect("valid");
    let out = super::model::evaluate(&input).unwrap();
    let e = &case["expected"]["decimal60"];
    let money = |actual: Decimal, key: &str| assert_close(actual, d(&e[key]), MONEY, key);
    let ratio = |actual: Decimal, key: &str| assert_close(actual, d(&e[key]), RATE, key);
    money(out.project_npv, "project_npv_at_10pct");
    money(out.equity_npv, "equity_npv_at_12pct");
    money(out.debt_at_cod, "debt_at_cod");
    ratio(out.project_irr.unique().expect("one project IRR"), "project_irr");
    ratio(out.equity_irr.unique().expect("one equity IRR"), "equity_irr");
    ratio(out.project_mirr.unwrap(), "project_mirr_fin8_reinv10");
    ratio(out.min_dscr.unwrap(), "min_dscr");
    assert_eq!(out.min_dscr_period, Some(4));
    ratio(out.avg_dscr.unwrap(), "avg_dscr");
    ratio(out.llcr_at_cod.unwrap(), "llcr_at_cod");
    ratio(out.min_llcr.unwrap(), "min_llcr");
    ratio(out.plcr_at_cod.unwrap(), "plcr_at_cod");
    ratio(out.payback_years.unwrap(), "payback_years");
    ratio(
        out.discounted_payback_years.unwrap(),
        "discounted_payback_years_at_10pct",
    );
    money(out.periods[4].debt_service, "annual_debt_service");
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);

    let series = &case["series_decimal28"];
    assert_eq!(out.periods.len(), 26);
    for (key, pick) in [
        (
            "demand",
            (|r: &super::model::PeriodRow| r.demand) as fn(&super::model::PeriodRow) -> Decimal,
        ),
        ("capex", |r| r.capex),
        ("revenue", |r| r.revenue),
        ("opex", |r| r.opex),
        ("cfads", |r| r.cfads),
        ("debt_draw", |r| r.debt_draw),
        ("interest", |r| r.interest),
        ("principal", |r| r.principal),
        ("debt_service", |r| r.debt_service),
        ("closing_debt_balance", |r| r.closing_debt_balance),
        ("project_cf", |r| r.project_cf),
        ("equity_cf", |r| r.equity_cf),
    ] {
        for (t, expected) in series[key].as_array().unwrap().iter().enumerate() {
            assert_close(pick(&out.periods[t]), d(expected), MONEY, &format!("{key}[{t}]"));
        }
    }
    for (t, expected) in series["dscr"].as_array().unwrap().iter().enumerate() {
        match (expected.is_null(), out.periods[t].dscr) {
            (true, None) => {}
            (false, Some(actual)) => assert_close(actual, d(expected), RATE, &format!("dscr[{t}]")),
            other => panic!("dscr[{t}]: {other:?}"),
        }
    }
    for (t, expected) in series["llcr"].as_array().unwrap().iter().enumerate() {
        match (expected.is_null(), out.periods[t].llcr) {
            (true, None) => {}
            (false, Some(actual)) => assert_close(actual, d(expected), RATE, &format!("llcr[{t}]")),
            other => panic!("llcr[{t}]: {other:?}"),
        }
    }
}

#[test]
fn debt_profiles_sculpted_and_equal_principal() {
    use super::model::DebtRepayment;
    let e = &cases("debt_sculpting")[0]["expected"];
    let mut input = toll_road();

    input.financing.repayment = DebtRepayment::EqualPrincipal {};
    let out = super::model::evaluate(&input).unwrap();
    let equal = &e["equal_principal_same_debt"];
    assert_close(out.min_dscr.unwrap(), d(&equal["min_dscr"]), RATE, "equal min DSCR");
    assert_eq!(out.min_dscr_period, Some(4));
    assert_close(out.avg_dscr.unwrap(), d(&equal["avg_dscr"]), RATE, "equal avg DSCR");
    assert_close(
        out.periods[5].principal,
        d(&equal["annual_principal"]),
        MONEY,
        "equal principal",
    );
    assert!(out.warnings.contains(&"dscr_below_one".to_string()));

    input.financing.repayment = DebtRepayment::Sculpted {
        target_dscr: Decimal::new(135, 2),
    };
    let out = super::model::evaluate(&input).unwrap();
    let fixed = &e["sculpted_fixed_debt"];
    let constant = d(&fixed["constant_dscr (= LLCR at COD)"]);
    for row in &out.periods[4..=21] {
        assert_close(
            row.dscr.unwrap(),
            constant,
            RATE,
            &format!("sculpted DSCR {}", row.period),
        );
    }
    for (t, expected) in fixed["debt_service"].as_array().unwrap().iter().enumerate() {
        assert_close(
            out.periods[t + 4].debt_service,
            d(expected),
            MONEY,
            &format!("sculpted DS {}", t + 4),
        );
    }
    assert_close(out.periods[21].closing_debt_balance, Decimal::ZERO, MONEY, "repaid");
    let lowest = out.periods.iter().map(|r| r.principal).min().unwrap();
    assert_close(lowest, d(&fixed["min_principal"]), MONEY, "min principal");
    assert!(out.warnings.contains(&"negative_principal".to_string()));
    let target = &e["sculpted_target_dscr_1.35"];
    assert_close(
        out.sculpted_debt_capacity.unwrap(),
        d(&target["debt_capacity_at_cod"]),
        MONEY,
        "capacity",
    );
}

#[test]
fn value_for_money_against_the_public_sector_comparator() {
    use super::public_sector::{Comparator, value_for_money};
    let e = &cases("value_for_money")[0]["expected"];
    let by_year = |f: &dyn Fn(usize) -> Decimal| (0..=25).map(f).collect::<Vec<Decimal>>();
    let capex = |t: usize| match t {
        1 => Decimal::from(27_000_000),
        2 => Decimal::from(36_000_000),
        3 => Decimal::from(27_000_000),
        _ => Decimal::ZERO,
    };
    let operating = |t: usize| {
        if t >= 4 {
            Decimal::from(5_000_000)
        } else {
            Decimal::ZERO
        }
    };
    let pct = |p: i64| Decimal::new(p, 2);
    let input = Comparator {
        discount_rate: pct(4),
        raw_cost: by_year(&|t| capex(t) + operating(t)),
        competitive_neutrality: by_year(&|t| if t >= 4 { Decimal::from(500_000) } else { Decimal::ZERO }),
        transferable_risk: by_year(&|t| capex(t) * pct(12) + operating(t) * pct(5)),
        retained_risk: by_year(&|t| capex(t) * pct(2) + operating(t) * pct(1)),
        contract_management: by_year(&|t| if t >= 1 { Decimal::from(300_000) } else { Decimal::ZERO }),
    };
    let payments = by_year(&|t| {
        if t >= 4 {
            Decimal::from(11_500_000)
        } else {
            Decimal::ZERO
        }
    });
    let vfm = value_for_money(&input, &payments).unwrap();
    assert_close(vfm.pv_raw_psc, d(&e["pv_raw_psc"]), MONEY, "raw");
    assert_close(
        vfm.pv_competitive_neutrality,
        d(&e["pv_competitive_neutrality"]),
        MONEY,
        "neutrality",
    );
    assert_close(
        vfm.pv_transferable_risk,
        d(&e["pv_transferable_risk"]),
        MONEY,
        "transferable",
    );
    assert_close(vfm.pv_retained_risk, d(&e["pv_retained_risk"]), MONEY, "retained");
    assert_close(vfm.pv_psc_total, d(&e["pv_psc_total"]), MONEY, "PSC");
    assert_close(
        vfm.pv_ppp_payments_and_contract_management,
        d(&e["pv_ppp_payments_and_contract_mgmt"]),
        MONEY,
        "PPP",
    );
    assert_close(
        vfm.pv_ppp_total,
        d(&e["pv_ppp_total_incl_retained_risk"]),
        MONEY,
        "PPP total",
    );
    assert_close(vfm.vfm_amount, d(&e["vfm_amount"]), MONEY, "VfM");
    assert_close(vfm.vfm_share_of_psc, d(&e["vfm_pct_of_psc"]), RATE, "VfM %");
}

#[test]
fn availability_payments_with_partial_indexation_against_the_budget() {
    use super::model::availability_payment;
    use super::public_sector::affordability;
    let rows = cases("availability_payment")[0]["expected"].as_array().unwrap().clone();
    let cpi = Decimal::new(25, 3);
    let mut payments = vec![Decimal::ZERO; 11];
    for row in &rows {
        let t = row["t"].as_u64().unwrap() as usize;
        let index = super::exact::powi(Decimal::ONE + cpi, t as i64).unwrap();
        let indexed = availability_payment(Decimal::from(11_500_000), Decimal::new(60, 2), index).unwrap();
        assert_close(indexed, d(&row["indexed_ap"]), MONEY, &format!("AP {t}"));
        let deduction = if t == 6 {
            indexed * Decimal::new(15, 3)
        } else {
            Decimal::ZERO
        };
        payments[t] = indexed - deduction;
        assert_close(payments[t], d(&row["ap_paid"]), MONEY, &format!("paid {t}"));
        assert_eq!(
            round_money(payments[t], Currency::Kgs),
            d(&row["ap_paid_rounded_2dp_half_away"])
        );
    }
    let result = affordability(
        &payments,
        Decimal::from(400_000_000),
        Decimal::new(3, 2),
        Decimal::new(4, 2),
    )
    .unwrap();
    for row in &rows {
        let t = row["t"].as_u64().unwrap() as usize;
        assert_close(
            result.share_of_budget[t],
            d(&row["ap_share_of_budget"]),
            RATE,
            &format!("share {t}"),
        );
    }
    assert_eq!(result.peak_period, 4);
}
