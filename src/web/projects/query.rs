//! The registry list's query: parameters as given, parsed into filters and an order, and back
//! into a query string for the page's links.

use std::str::FromStr;

use rocket::form::FromForm;
use rust_decimal::Decimal;
use utoipa::IntoParams;

use crate::domain::ids::OrgId;
use crate::domain::money::Currency;
use crate::domain::project::{Initiation, PppModel, Sector, Stage};
use crate::domain::validation::Violations;
use crate::storage::projects::{ProjectFilter, ProjectSort};

/// The list's filters and order as given (the list's page parameters, `after` and `limit`, are
/// the route's own; the export has none). The API's description of each is exactly what
/// [`parse_filter`] accepts (a test compares the patterns with the parsers' constants).
#[derive(Debug, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    #[param(value_type = Option<Stage>)]
    pub stage: Option<String>,
    /// Organisation id.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub municipality: Option<String>,
    #[param(value_type = Option<Sector>)]
    pub sector: Option<String>,
    #[param(value_type = Option<PppModel>)]
    pub model: Option<String>,
    /// `public`, or `private` for private initiatives.
    #[param(value_type = Option<Initiation>)]
    pub initiation: Option<String>,
    /// Lowest capital cost, in `currency`.
    #[param(pattern = "^[0-9]{1,12}(\\.[0-9]{1,2})?$")]
    pub min_value: Option<String>,
    /// Highest capital cost, in `currency`.
    #[param(pattern = "^[0-9]{1,12}(\\.[0-9]{1,2})?$")]
    pub max_value: Option<String>,
    /// The currency of the value range (default `KGS`).
    #[param(pattern = "^(KGS|USD)$")]
    pub currency: Option<String>,
    /// Words that begin words of the titles or description (ё = е, any case); no control
    /// characters, at most 200 characters.
    #[param(pattern = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$", max_length = 200)]
    pub q: Option<String>,
    /// `oldest` (default), `newest`, `cost_asc` or `cost_desc` (by currency, then amount).
    #[param(value_type = Option<ProjectSort>)]
    pub sort: Option<String>,
}

impl ProjectQuery {
    /// The parameters as a page's form sends them: every field is sent, blank when unused, and
    /// people type spaces; blank is no filter there and spaces are not part of a value. The
    /// API reads its parameters exactly as given.
    pub(super) fn cleaned_like_a_form(self) -> Self {
        let clean = |s: Option<String>| s.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        Self {
            stage: clean(self.stage),
            municipality: clean(self.municipality),
            sector: clean(self.sector),
            model: clean(self.model),
            initiation: clean(self.initiation),
            min_value: clean(self.min_value),
            max_value: clean(self.max_value),
            currency: clean(self.currency),
            q: clean(self.q),
            sort: clean(self.sort),
        }
    }
}

/// A closed-list filter: absent is no filter; anything but one of its codes, exactly, is a 422
/// on its field.
pub(super) fn code_filter<T>(
    v: &mut Violations,
    field: &str,
    raw: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let parsed = parse(raw.as_deref()?);
    if parsed.is_none() {
        v.add(field, "code_value");
    }
    parsed
}

/// A value bound of the list (`min_value`, `max_value`) as the description states it (a test
/// holds the description to it); `amount_bound` reads exactly this.
#[cfg(test)]
pub const AMOUNT_PATTERN: &str = "^[0-9]{1,12}(\\.[0-9]{1,2})?$";

/// The longest search the list takes, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

fn amount_bound(text: &str) -> Option<Decimal> {
    crate::domain::validation::is_fixed_point(text, 12, 2)
        .then(|| Decimal::from_str(text).ok())
        .flatten()
}

/// The filters and the order asked for; every bad parameter is named at once.
pub(super) fn parse_filter(q: &ProjectQuery) -> Result<(ProjectFilter, ProjectSort), Violations> {
    let mut v = Violations::new();
    let stage = code_filter(&mut v, "stage", &q.stage, Stage::parse);
    let sector = code_filter(&mut v, "sector", &q.sector, Sector::parse);
    let model = code_filter(&mut v, "model", &q.model, PppModel::parse);
    let initiation = code_filter(&mut v, "initiation", &q.initiation, Initiation::parse);
    let currency = code_filter(&mut v, "currency", &q.currency, |c| c.parse::<Currency>().ok());
    let sort = code_filter(&mut v, "sort", &q.sort, ProjectSort::parse).unwrap_or_default();
    let municipality = q
        .municipality
        .as_deref()
        .and_then(|m| m.parse::<OrgId>().map_err(|_| v.add("municipality", "id")).ok());
    let mut amount = |field: &str, value: &Option<String>| {
        let parsed = amount_bound(value.as_deref()?);
        if parsed.is_none() {
            v.add(field, "amount");
        }
        parsed
    };
    let min_value = amount("min_value", &q.min_value);
    let max_value = amount("max_value", &q.max_value);
    if let Some(text) = &q.q {
        v.text("q", text);
        if text.chars().count() > MAX_QUERY_CHARS {
            v.add("q", "too_long");
        }
    }
    let filter = ProjectFilter {
        stage,
        municipality,
        sector,
        model,
        initiation,
        min_value,
        max_value,
        currency,
        query: q
            .q
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
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
