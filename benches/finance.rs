//! Financial calculations (criterion): every IRR of the 360-period series of the reference
//! vectors, its NPV, the 25-year PPP model with every output, and a 30-year monthly model.
//! `bash benches/finance.sh` runs this and numpy-financial on the same flows in the same run.

use std::hint::black_box;
use std::str::FromStr;

use criterion::{Criterion, criterion_group, criterion_main};
use ppp_registry::domain::finance::cashflow::{irr, npv};
use ppp_registry::domain::finance::model::{ModelInput, TOLL_ROAD_25Y, evaluate};
use rust_decimal::Decimal;

const VECTORS: &str = include_str!("../tests/data/finance-vectors.json");

/// The flows of `irr_monthly_360`.
fn monthly_series() -> Vec<Decimal> {
    let all: serde_json::Value = serde_json::from_str(VECTORS).expect("vectors");
    let case = all["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == "irr_monthly_360")
        .expect("irr_monthly_360");
    case["inputs"]["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| Decimal::from_str(v.as_str().expect("string")).expect("decimal"))
        .collect()
}

/// The toll road over 30 years of monthly periods: two years of construction, 360 months.
fn monthly_model() -> ModelInput {
    let mut model: ModelInput = serde_json::from_str(TOLL_ROAD_25Y).expect("model");
    model.periods_per_year = 12;
    model.construction_periods = 24;
    model.operation_periods = 336;
    model.capex_phasing = vec![Decimal::ONE / Decimal::from(24); 24];
    let sum: Decimal = model.capex_phasing.iter().sum();
    model.capex_phasing[23] += Decimal::ONE - sum;
    model.financing.tenor_periods = 216;
    model
}

fn finance(c: &mut Criterion) {
    let flows = monthly_series();
    let rate = Decimal::new(5, 3);
    c.bench_function("irr_360", |b| b.iter(|| irr(black_box(&flows)).expect("irr")));
    c.bench_function("npv_360", |b| {
        b.iter(|| npv(black_box(rate), black_box(&flows)).expect("npv"))
    });
    let annual: ModelInput = serde_json::from_str(TOLL_ROAD_25Y).expect("model");
    annual.validate().expect("valid");
    c.bench_function("model_25y", |b| b.iter(|| evaluate(black_box(&annual)).expect("model")));
    let monthly = monthly_model();
    monthly.validate().expect("valid monthly model");
    c.bench_function("model_30y_monthly", |b| {
        b.iter(|| evaluate(black_box(&monthly)).expect("model"))
    });
}

criterion_group!(benches, finance);
criterion_main!(benches);
