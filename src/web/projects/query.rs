//! The registry list's query: parameters as given, parsed into filters and an order, and back
//! into a query string for the page's links.

use std::str::FromStr;

use rocket::form::FromForm;
use rust_decimal::Decimal;

use crate::domain::ids::OrgId;
use crate::domain::money::Currency;
use crate::domain::project::{Initiation, PppModel, Sector, Stage};
use crate::domain::validation::Violations;
use crate::storage::projects::{ProjectFilter, ProjectSort};

/// The list's query parameters, as given.
#[derive(Debug, Default, FromForm)]
pub struct ProjectQuery {
    pub stage: Option<String>,
    pub municipality: Option<String>,
    pub sector: Option<String>,
    pub model: Option<String>,
    pub initiation: Option<String>,
    pub min_value: Option<String>,
    pub max_value: Option<String>,
    pub currency: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
    pub limit: Option<String>,
}

/// A closed-list filter: absent or blank is no filter; an unknown value is a 422 on its field.
pub(super) fn code_filter<T>(
    v: &mut Violations,
    field: &str,
    raw: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let text = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    let parsed = parse(text);
    if parsed.is_none() {
        v.add(field, "code_value");
    }
    parsed
}

/// The filters and the order asked for; every bad parameter is named at once.
pub(super) fn parse_filter(q: &ProjectQuery) -> Result<(ProjectFilter, ProjectSort), Violations> {
    let mut v = Violations::new();
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let stage = code_filter(&mut v, "stage", &q.stage, Stage::parse);
    let sector = code_filter(&mut v, "sector", &q.sector, Sector::parse);
    let model = code_filter(&mut v, "model", &q.model, PppModel::parse);
    let initiation = code_filter(&mut v, "initiation", &q.initiation, Initiation::parse);
    let currency = code_filter(&mut v, "currency", &q.currency, |c| c.parse::<Currency>().ok());
    let sort = code_filter(&mut v, "sort", &q.sort, ProjectSort::parse).unwrap_or_default();
    let municipality =
        text(&q.municipality).and_then(|m| m.parse::<OrgId>().map_err(|_| v.add("municipality", "cursor")).ok());
    let mut amount = |field: &str, value: Option<String>| {
        let value = value?;
        match Decimal::from_str(&value) {
            Ok(d) if d >= Decimal::ZERO && d.scale() <= 2 && d <= Decimal::from(1_000_000_000_000_i64) => Some(d),
            _ => {
                v.add(field, "amount");
                None
            }
        }
    };
    let min_value = amount("min_value", text(&q.min_value));
    let max_value = amount("max_value", text(&q.max_value));
    let filter = ProjectFilter {
        stage,
        municipality,
        sector,
        model,
        initiation,
        min_value,
        max_value,
        currency,
        query: text(&q.q),
    };
    v.into_result().map(|()| (filter, sort))
}

/// The list's parameters as a query string (without `after`), for the next-page and CSV links.
pub(super) fn query_string(q: &ProjectQuery) -> String {
    let pairs = [
        ("q", &q.q),
        ("stage", &q.stage),
        ("municipality", &q.municipality),
        ("sector", &q.sector),
        ("model", &q.model),
        ("initiation", &q.initiation),
        ("min_value", &q.min_value),
        ("max_value", &q.max_value),
        ("currency", &q.currency),
        ("sort", &q.sort),
    ];
    pairs
        .iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            Some(format!("{name}={}", rocket::http::RawStr::new(value).percent_encode()))
        })
        .collect::<Vec<_>>()
        .join("&")
}
