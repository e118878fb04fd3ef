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
        assert_close(npv(rate, &values).unwrap(), d(&case["expected"]["decimal60"]), MONEY, id);
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
        assert_close(value.unwrap(), d(&case["expected"]["decimal60"]), RATE, case["id"].as_str().unwrap());
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
        assert_close(value, d(&case["expected"]["decimal60"]), MONEY, case["id"].as_str().unwrap());
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
            assert_close(ipmt(rate, per, periods, pv, fv, when).unwrap(), d(&row["ipmt"]["decimal60"]), MONEY, &what);
            assert_close(ppmt(rate, per, periods, pv, fv, when).unwrap(), d(&row["ppmt"]["decimal60"]), MONEY, &what);
        }
    }
}

#[test]
fn schedule_cases_full_precision_and_rounded() {
    let all = cases("amortisation_schedule");
    assert_eq!(all.len(), 2);
    for case in all {
        let i = &case["inputs"];
        let kind = if i["kind"] == "annuity" { Repayment::Annuity } else { Repayment::EqualPrincipal };
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
    assert_close(rates::real_from_nominal(d(&f["nominal"]), d(&f["inflation"])).unwrap(), d(&f["decimal28"]), RATE, "real");
    let f = &e["nominal_from_real_fisher"];
    assert_close(rates::nominal_from_real(d(&f["real"]), d(&f["inflation"])).unwrap(), d(&f["decimal28"]), RATE, "nominal");
    let f = &e["monthly_equivalent_of_annual_effective"];
    assert_close(rates::periodic_from_annual(d(&f["annual"]), 12).unwrap(), d(&f["decimal28"]), RATE, "monthly");
    let f = &e["effective_from_nominal_monthly"];
    assert_close(rates::effective_from_nominal(d(&f["nominal_annual"]), 12).unwrap(), d(&f["decimal28"]), RATE, "effective");
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
