//! The geometry of the contract page's chart: per quarter, the planned payment (the agreed
//! model) beside the payment made, as bars on one scale. The template draws the SVG from these
//! numbers (Tera escapes the labels); nothing is drawn in the browser.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::services::contracts::QuarterView;

/// The drawing area, in SVG user units.
pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 220;
const LEFT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bar {
    /// The exact amount the bar stands for, for its tooltip.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Column {
    pub period: String,
    pub label_x: f64,
    pub planned: Option<Bar>,
    pub paid: Bar,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub baseline: f64,
    pub columns: Vec<Column>,
}

/// The chart of `quarters`, or `None` when there is nothing to draw. Coordinates are for the
/// screen only (rounded to 0.1 unit); the figures themselves are shown exactly in the table.
pub fn draw(quarters: &[QuarterView]) -> Option<Chart> {
    let top = quarters
        .iter()
        .flat_map(|q| [Some(q.paid), q.planned])
        .flatten()
        .max()
        .filter(|m| *m > Decimal::ZERO)?;
    let top = top.to_f64()?;
    let plot = f64::from(HEIGHT) - TOP - BOTTOM;
    let baseline = TOP + plot;
    let slot = (f64::from(WIDTH) - LEFT) / quarters.len() as f64;
    let bar = (slot * 0.35).min(28.0);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    let bar_at = |x: f64, amount: Decimal| {
        let h = amount.to_f64().unwrap_or(0.0) / top * plot;
        Bar {
            amount,
            x: round(x),
            y: round(baseline - h),
            width: round(bar),
            height: round(h),
        }
    };
    let columns = quarters
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let left = LEFT + slot * i as f64 + (slot - 2.0 * bar - 2.0) / 2.0;
            Column {
                period: q.period.clone(),
                label_x: round(LEFT + slot * i as f64 + slot / 2.0),
                planned: q.planned.map(|p| bar_at(left, p)),
                paid: bar_at(left + bar + 2.0, q.paid),
            }
        })
        .collect();
    Some(Chart {
        width: WIDTH,
        height: HEIGHT,
        baseline: round(baseline),
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quarter(period: &str, planned: Option<&str>, paid: &str) -> QuarterView {
        QuarterView {
            period: period.into(),
            planned: planned.map(|p| p.parse().unwrap()),
            paid: paid.parse().unwrap(),
            deductions: Decimal::ZERO,
            tariff: None,
            demand: None,
            variance: None,
            note: String::new(),
        }
    }

    #[test]
    fn bars_share_one_scale_and_the_tallest_fills_the_plot() {
        let chart = draw(&[
            quarter("2025-Q3", Some("4625000.00"), "4625000.00"),
            quarter("2025-Q4", Some("4625000.00"), "2312500.00"),
        ])
        .unwrap();
        assert_eq!(chart.baseline, 192.0);
        let first = &chart.columns[0];
        assert_eq!(first.planned.as_ref().unwrap().height, 180.0);
        assert_eq!(first.paid.height, 180.0);
        assert_eq!(chart.columns[1].paid.height, 90.0);
        assert_eq!(chart.columns[1].paid.y, 102.0);
        assert_eq!(draw(&[]), None);
        assert_eq!(draw(&[quarter("2025-Q3", None, "0")]), None);
    }
}
