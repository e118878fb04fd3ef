//! A project's financial model in the browser: the form (grouped inputs with units and help,
//! field messages), the results (key metrics with their warnings, charts drawn by the server,
//! the period table, a tornado) and the period table as CSV and XLSX.

use std::collections::HashMap;

use rocket::State;
use rocket::form::FromForm;
use rocket::http::{ContentType, Header, Status};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket_dyn_templates::Template;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};

use crate::domain::finance::appraisal::FinancialCase;
use crate::domain::finance::model::{ModelInput, ModelResults, PeriodRow, TOLL_ROAD_25Y};
use crate::domain::finance::sensitivity::{Output, Scenario, Tornado, demand_break_even, scenarios, tornado};
use crate::domain::validation::Violations;
use crate::services::financial_models::{self, EvaluatedCase};
use crate::services::{ServiceError, projects as project_service};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::auth::{Audit, Authorized, CsrfForm, ProjectStaff, csrf_protected};
use crate::web::download::csv_record;
use crate::web::page::{PageContext, PageError};

/// How a form field is read.
#[derive(Clone, Copy)]
enum Kind {
    Number,
    Whole,
    /// Numbers separated by spaces or semicolons.
    List,
    Choice(&'static [&'static str]),
    /// A date as YYYY-MM-DD.
    Date,
}

/// The form's fields: their JSON path in the case, how they read, and their group. A section
/// whose first field is blank is left out (no user-pays revenue, no tax, no comparator...).
const FIELDS: &[(&str, Kind, &str)] = &[
    ("model.periods_per_year", Kind::Choice(&["1", "2", "12"]), "timeline"),
    ("model.start_date", Kind::Date, "timeline"),
    ("model.construction_periods", Kind::Whole, "timeline"),
    ("model.operation_periods", Kind::Whole, "timeline"),
    ("model.capex", Kind::Number, "timeline"),
    ("model.capex_phasing", Kind::List, "timeline"),
    ("model.cpi", Kind::Number, "timeline"),
    ("model.user_pays.base_demand", Kind::Number, "revenue"),
    ("model.user_pays.ramp_up", Kind::List, "revenue"),
    ("model.user_pays.demand_growth", Kind::Number, "revenue"),
    ("model.user_pays.tariff", Kind::Number, "revenue"),
    ("model.availability.annual_payment", Kind::Number, "revenue"),
    ("model.availability.indexed_share", Kind::Number, "revenue"),
    ("model.availability.deductions", Kind::List, "revenue"),
    ("model.opex.fixed", Kind::Number, "costs"),
    ("model.opex.per_unit", Kind::Number, "costs"),
    ("model.concession_fee_share", Kind::Number, "costs"),
    ("model.tax.rate", Kind::Number, "costs"),
    ("model.tax.depreciation_periods", Kind::Whole, "costs"),
    ("model.financing.debt_share", Kind::Number, "financing"),
    ("model.financing.rate", Kind::Number, "financing"),
    ("model.financing.tenor_periods", Kind::Whole, "financing"),
    ("model.financing.grace_periods", Kind::Whole, "financing"),
    (
        "model.financing.interest_during_construction",
        Kind::Choice(&["capitalised", "paid"]),
        "financing",
    ),
    (
        "model.financing.repayment.kind",
        Kind::Choice(&["annuity", "equal_principal", "sculpted"]),
        "financing",
    ),
    ("model.financing.repayment.target_dscr", Kind::Number, "financing"),
    ("model.discount_rate", Kind::Number, "returns"),
    ("model.equity_discount_rate", Kind::Number, "returns"),
    ("model.mirr_finance_rate", Kind::Number, "returns"),
    ("model.mirr_reinvest_rate", Kind::Number, "returns"),
    ("public_sector.budget", Kind::Number, "public_sector"),
    ("public_sector.budget_growth", Kind::Number, "public_sector"),
    ("public_sector.discount_rate", Kind::Number, "public_sector"),
    ("public_sector.raw_cost", Kind::List, "public_sector"),
    ("public_sector.competitive_neutrality", Kind::List, "public_sector"),
    ("public_sector.transferable_risk", Kind::List, "public_sector"),
    ("public_sector.retained_risk", Kind::List, "public_sector"),
    ("public_sector.contract_management", Kind::List, "public_sector"),
];

/// Optional sections, named by the field that must be filled for the section to exist.
const SECTIONS: &[(&str, &str)] = &[
    ("model.user_pays", "model.user_pays.base_demand"),
    ("model.availability", "model.availability.annual_payment"),
    ("model.tax", "model.tax.rate"),
    ("public_sector", "public_sector.budget"),
];

const GROUPS: [&str; 6] = ["timeline", "revenue", "costs", "financing", "returns", "public_sector"];

/// The form field's name: `f[model__capex]` (dots would nest in Rocket's form names).
fn form_key(path: &str) -> String {
    path.replace('.', "__")
}

#[derive(FromForm)]
pub struct ModelForm {
    #[field(default = String::new())]
    csrf_token: String,
    f: HashMap<String, String>,
}

csrf_protected!(ModelForm);

fn parse_number(text: &str) -> Option<Decimal> {
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
    cleaned.replace(',', ".").parse::<Decimal>().ok()
}

/// Reads the form into the case's JSON, naming every field that does not read.
fn read_form(values: &HashMap<String, String>) -> Result<FinancialCase, Violations> {
    let mut v = Violations::new();
    let given = |path: &str| values.get(&form_key(path)).map(|s| s.trim()).filter(|s| !s.is_empty());
    let mut root = Value::Object(Map::new());
    for (path, kind, _) in FIELDS {
        let section_off = SECTIONS
            .iter()
            .any(|(section, key)| path.starts_with(&format!("{section}.")) && given(key).is_none());
        let sculpted = given("model.financing.repayment.kind") == Some("sculpted");
        if section_off || (*path == "model.financing.repayment.target_dscr" && !sculpted) {
            continue;
        }
        let Some(text) = given(path) else {
            let optional =
                matches!(kind, Kind::List) && !path.ends_with("capex_phasing") && !path.ends_with("raw_cost")
                    || path.ends_with("grace_periods")
                    || path.ends_with("per_unit")
                    || path.ends_with("concession_fee_share")
                    || path.ends_with("start_date");
            if !optional {
                v.add(*path, "required");
            }
            continue;
        };
        let value = match kind {
            Kind::Number => parse_number(text).map(|d| json!(d.to_string())),
            Kind::Whole => text.parse::<i64>().ok().map(|n| json!(n)),
            Kind::List => text
                .split([' ', ';', '\n', '\t'])
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_number(s).map(|d| json!(d.to_string())))
                .collect::<Option<Vec<Value>>>()
                .map(Value::Array),
            Kind::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(|d| json!(d)),
            // A choice of numbers (periods a year) is a number in the JSON.
            Kind::Choice(allowed) => allowed
                .contains(&text)
                .then(|| text.parse::<i64>().map_or_else(|_| json!(text), |n| json!(n))),
        };
        match value {
            Some(value) => set_path(&mut root, path, value),
            None => v.add(
                *path,
                if matches!(kind, Kind::Choice(_)) {
                    "code_value"
                } else {
                    "number"
                },
            ),
        }
    }
    for (section, key) in SECTIONS {
        if given(key).is_none() {
            set_path(&mut root, section, Value::Null);
        }
    }
    if let Some(kind) = given("model.financing.repayment.kind")
        && kind != "sculpted"
    {
        set_path(&mut root, "model.financing.repayment", json!({"kind": kind}));
    }
    v.into_result()?;
    serde_json::from_value(root).map_err(|_| {
        let mut v = Violations::new();
        v.add("model", "required");
        v
    })
}

fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut node = root;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        if !node.get(*part).is_some_and(Value::is_object) {
            node[*part] = Value::Object(Map::new());
        }
        node = &mut node[*part];
    }
    node[parts[parts.len() - 1]] = value;
}

/// The case as form values (lists joined with spaces).
fn form_values(case: &FinancialCase) -> HashMap<String, String> {
    let json = serde_json::to_value(case).unwrap_or_default();
    FIELDS
        .iter()
        .filter_map(|(path, _, _)| {
            let value = path.split('.').try_fold(&json, |node, part| node.get(part))?;
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => return None,
            };
            Some((form_key(path), text))
        })
        .collect()
}

fn label_key(path: &str) -> String {
    format!("fm-{}", path.replace(['.', '_'], "-"))
}

/// The form's groups and fields with their labels, values and messages.
fn form_groups(ctx: &PageContext, values: &HashMap<String, String>, errors: &Violations) -> Vec<Value> {
    let messages = ctx.field_messages(errors);
    GROUPS
        .iter()
        .map(|group| {
            let fields: Vec<Value> = FIELDS
                .iter()
                .filter(|(_, _, g)| g == group)
                .map(|(path, kind, _)| {
                    let key = form_key(path);
                    json!({
                        "name": format!("f[{key}]"), "id": key, "label": ctx.lang.text(&label_key(path)),
                        "value": values.get(&key).cloned().unwrap_or_default(),
                        "choices": match kind { Kind::Choice(c) => json!(c), _ => Value::Null },
                        "list": matches!(kind, Kind::List),
                        "errors": messages.get(*path).cloned().unwrap_or_default(),
                    })
                })
                .collect();
            json!({"title": ctx.lang.text(&format!("fm-group-{}", group.replace('_', "-"))), "fields": fields})
        })
        .collect()
}

/// Chart geometry (drawing only: coordinates in f64, never the figures themselves).
fn bars(values: &[Decimal], width: f64, height: f64) -> (Vec<Value>, f64) {
    let max = values
        .iter()
        .map(|v| v.abs())
        .max()
        .unwrap_or(Decimal::ONE)
        .to_f64()
        .unwrap_or(1.0)
        .max(1.0);
    let has_negative = values.iter().any(|v| v.is_sign_negative() && !v.is_zero());
    let zero_y = if has_negative { height / 2.0 } else { height };
    let scale = if has_negative { height / 2.0 } else { height } / max;
    let step = width / values.len().max(1) as f64;
    let out = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let h = v.to_f64().unwrap_or(0.0) * scale;
            json!({"x": 40.0 + i as f64 * step, "w": (step * 0.8).max(1.0), "y": if h >= 0.0 { zero_y - h } else { zero_y },
                   "h": h.abs(), "negative": h < 0.0, "period": i, "value": v.to_string()})
        })
        .collect();
    (out, zero_y)
}

fn line(values: &[Option<Decimal>], width: f64, height: f64, max: f64) -> String {
    let step = width / values.len().max(1) as f64;
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let y = height - v.and_then(|d| d.to_f64())?.min(max) / max * height;
            Some(format!("{:.1},{:.1}", 40.0 + i as f64 * step + step * 0.4, y))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sensitivities the results page shows: dozens of model runs, so computed off the async
/// workers (see `render`).
#[derive(Default)]
struct Sensitivities {
    tornado: Option<Tornado>,
    scenarios: Option<Vec<Scenario>>,
    break_even: Option<Decimal>,
}

fn sensitivities(model: &ModelInput) -> Sensitivities {
    Sensitivities {
        tornado: tornado(model, Output::ProjectNpv, Decimal::new(10, 2)).ok(),
        scenarios: scenarios(model).ok(),
        break_even: demand_break_even(model).ok().flatten(),
    }
}

/// The results as the page shows them; without sensitivities (`None`: the model is above the
/// bound a page view may run), the page says so.
fn results_view(ctx: &PageContext, evaluated: &EvaluatedCase, sens: Option<Sensitivities>) -> Value {
    let sensitivities_skipped = sens.is_none();
    let sens = sens.unwrap_or_default();
    let r = &evaluated.results.model;
    let periods = &r.periods;
    let (cash_bars, cash_zero) = bars(&periods.iter().map(|p| p.project_cf).collect::<Vec<_>>(), 560.0, 180.0);
    let (debt_bars, _) = bars(
        &periods.iter().map(|p| p.closing_debt_balance).collect::<Vec<_>>(),
        560.0,
        180.0,
    );
    let dscr_max = r.min_dscr.map_or(3.0, |_| {
        periods
            .iter()
            .filter_map(|p| p.dscr.and_then(|d| d.to_f64()))
            .fold(1.0, f64::max)
            .min(6.0)
    });
    let dscr_line = line(
        &periods.iter().map(|p| p.dscr).collect::<Vec<_>>(),
        560.0,
        180.0,
        dscr_max,
    );
    let covenant_y = 180.0 - 1.0 / dscr_max * 180.0;
    let tornado = sens.tornado;
    let tornado_bars: Vec<Value> = tornado
        .as_ref()
        .map(|t| {
            let base = t.base.unwrap_or_default();
            let spread = t
                .bars
                .iter()
                .flat_map(|b| [b.low, b.high])
                .flatten()
                .map(|v| (v - base).abs())
                .max()
                .unwrap_or(Decimal::ONE)
                .to_f64()
                .unwrap_or(1.0)
                .max(1.0);
            t.bars
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let at = |v: Option<Decimal>| {
                        450.0 + (v.unwrap_or(base) - base).to_f64().unwrap_or(0.0) / spread * 220.0
                    };
                    let (a, z) = (at(b.low), at(b.high));
                    json!({"y": 10 + i * 26, "x": a.min(z), "w": (a - z).abs().max(1.0),
                           "label": ctx.lang.text(&format!("fm-driver-{}", b.driver.as_str().replace('_', "-"))),
                           "low": b.low, "high": b.high})
                })
                .collect()
        })
        .unwrap_or_default();
    let warnings: Vec<String> = r
        .warnings
        .iter()
        .map(|w| ctx.lang.text(&format!("fm-warning-{}", w.replace('_', "-"))))
        .collect();
    json!({
        "version": evaluated.saved.version, "saved_at": evaluated.saved.saved_at,
        "metrics": r, "vfm": evaluated.results.value_for_money, "affordability": evaluated.results.affordability,
        "warnings": warnings, "break_even": sens.break_even,
        "cash_bars": cash_bars, "cash_zero": cash_zero, "debt_bars": debt_bars, "dscr_line": dscr_line,
        "dscr_max": dscr_max, "covenant_y": covenant_y, "tornado": tornado_bars,
        "sensitivities_skipped": sensitivities_skipped,
        "periods": periods,
        "scenarios": sens.scenarios.map(|all| all.into_iter().map(|s| json!({
            "label": ctx.lang.text(&format!("fm-scenario-{}", s.name.replace('_', "-"))),
            "project_npv": s.project_npv, "equity_irr": s.equity_irr.unique(), "min_dscr": s.min_dscr,
        })).collect::<Vec<_>>()),
    })
}

#[allow(clippy::too_many_arguments)]
async fn render(
    ctx: &PageContext,
    db: &Db,
    app: &AppState,
    id: i64,
    values: Option<HashMap<String, String>>,
    errors: &Violations,
    flash: Option<String>,
    status: Status,
) -> Result<(Status, Template), PageError> {
    let project = project_service::read(db, ctx.user.as_ref(), id).await?;
    let current = match financial_models::current(db, ctx.user.as_ref(), id, None).await {
        Ok(current) => Some(current),
        Err(ServiceError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let editable = ctx
        .user
        .as_ref()
        .is_some_and(|u| crate::domain::policy::may_save_financial_model(u, &project.facts()).is_allowed());
    let sens = match &current {
        // Sensitivities above the public bound are not run for a page view.
        Some(c) if !crate::domain::finance::cost::sensitivity_within_bound(&c.saved.case.model) => None,
        Some(c) => {
            let model = c.saved.case.model.clone();
            let computed = app.compute.run(move || sensitivities(&model)).await;
            Some(computed.map_err(|e| PageError::new(e.status))?)
        }
        None => None,
    };
    let values = values.unwrap_or_else(|| match &current {
        Some(c) => form_values(&c.saved.case),
        None => serde_json::from_str::<crate::domain::finance::model::ModelInput>(TOLL_ROAD_25Y)
            .map(|model| {
                form_values(&FinancialCase {
                    model,
                    public_sector: None,
                })
            })
            .unwrap_or_default(),
    });
    let page = json!({
        "project": {"id": project.id, "title": project.fields.title.get(ctx.lang), "registry_number": project.registry_number,
                    "currency": project.fields.capital_cost.currency.code()},
        "results": current.as_ref().map(|c| results_view(ctx, c, sens)),
        "editable": editable,
        "groups": if editable { json!(form_groups(ctx, &values, errors)) } else { Value::Null },
        "has_errors": !errors.is_empty(),
        // Messages on no field of the form (a model too large to compute).
        "general_errors": ctx.field_messages(errors).into_iter()
            .filter(|(field, _)| !FIELDS.iter().any(|(path, _, _)| path == field))
            .flat_map(|(_, messages)| messages).collect::<Vec<String>>(),
        "flash": flash,
    });
    Ok((status, ctx.render("financial_model", "fm-title", page)))
}

#[rocket::get("/projects/<id>/financial-model", rank = 2)]
pub async fn page(
    ctx: PageContext,
    id: &str,
    flash: Option<FlashMessage<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<(Status, Template), PageError> {
    let id = id.parse().map_err(|_| PageError::new(Status::NotFound))?;
    let flash = flash
        .filter(|f| f.message().starts_with("fm-"))
        .map(|f| ctx.lang.text(f.message()));
    render(&ctx, db, app, id, None, &Violations::new(), flash, Status::Ok).await
}

#[rocket::post("/projects/<id>/financial-model", data = "<form>")]
pub async fn save(
    ctx: PageContext,
    who: Authorized<ProjectStaff>,
    id: &str,
    form: CsrfForm<ModelForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Result<Flash<Redirect>, (Status, Template)>, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::new(Status::NotFound))?;
    let form = form.0;
    let outcome = match read_form(&form.f) {
        Ok(case) => financial_models::save(db, &*app.clock, &audit.0, &who.0, id, &case)
            .await
            .map(|_| ()),
        Err(v) => Err(ServiceError::Invalid(v)),
    };
    match outcome {
        Ok(()) => Ok(Ok(Flash::success(
            Redirect::to(format!("/projects/{id}/financial-model")),
            "fm-saved",
        ))),
        // What was typed stays, each field with its message; nothing was saved.
        Err(ServiceError::Invalid(v)) => {
            let page = render(&ctx, db, app, id, Some(form.f), &v, None, Status::UnprocessableEntity).await?;
            Ok(Err(page))
        }
        Err(e) => Err(e.into()),
    }
}

const TABLE_COLUMNS: [&str; 18] = [
    "period",
    "demand",
    "revenue",
    "opex",
    "ebitda",
    "tax",
    "cfads",
    "capex",
    "debt_draw",
    "interest",
    "principal",
    "debt_service",
    "closing_debt_balance",
    "dscr",
    "llcr",
    "project_cf",
    "equity_cf",
    "government_payment",
];

fn row_values(p: &PeriodRow) -> [Option<Decimal>; 18] {
    [
        Some(Decimal::from(p.period)),
        Some(p.demand),
        Some(p.revenue),
        Some(p.opex),
        Some(p.ebitda),
        Some(p.tax),
        Some(p.cfads),
        Some(p.capex),
        Some(p.debt_draw),
        Some(p.interest),
        Some(p.principal),
        Some(p.debt_service),
        Some(p.closing_debt_balance),
        p.dscr,
        p.llcr,
        Some(p.project_cf),
        Some(p.equity_cf),
        Some(p.government_payment),
    ]
}

async fn results_for(ctx: &PageContext, db: &Db, id: &str) -> Result<(i64, ModelResults), PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::new(Status::NotFound))?;
    let current = financial_models::current(db, ctx.user.as_ref(), id, None).await?;
    Ok((id, current.results.model))
}

/// A download: the bytes with their type and file name.
pub struct Download {
    content_type: ContentType,
    filename: String,
    bytes: Vec<u8>,
}

impl<'r> rocket::response::Responder<'r, 'static> for Download {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        let mut response = self.bytes.respond_to(req)?;
        response.set_header(self.content_type);
        response.set_header(Header::new(
            "Content-Disposition",
            format!("attachment; filename=\"{}\"", self.filename),
        ));
        Ok(response)
    }
}

/// The period table as CSV, every figure exact.
#[rocket::get("/projects/<id>/financial-model/periods.csv")]
pub async fn periods_csv(ctx: PageContext, id: &str, db: &State<Db>) -> Result<Download, PageError> {
    let (id, results) = results_for(&ctx, db, id).await?;
    let mut bytes = csv_record(&TABLE_COLUMNS.map(String::from));
    for p in &results.periods {
        bytes.extend(csv_record(
            &row_values(p).map(|v| v.map(|d| d.to_string()).unwrap_or_default()),
        ));
    }
    Ok(Download {
        content_type: ContentType::new("text", "csv").with_params(("charset", "utf-8")),
        filename: format!("project-{id}-periods.csv"),
        bytes,
    })
}

/// The period table as an Excel workbook (numbers as Excel's doubles; the CSV keeps them exact).
#[rocket::get("/projects/<id>/financial-model/periods.xlsx")]
pub async fn periods_xlsx(ctx: PageContext, id: &str, db: &State<Db>) -> Result<Download, PageError> {
    let (id, results) = results_for(&ctx, db, id).await?;
    let failed = |_| PageError::new(Status::InternalServerError);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("periods").map_err(failed)?;
    for (c, name) in TABLE_COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).map_err(failed)?;
    }
    for (r, p) in results.periods.iter().enumerate() {
        for (c, value) in row_values(p).iter().enumerate() {
            if let Some(number) = value.and_then(|d| d.to_f64()) {
                sheet.write_number(r as u32 + 1, c as u16, number).map_err(failed)?;
            }
        }
    }
    let bytes = workbook.save_to_buffer().map_err(failed)?;
    Ok(Download {
        content_type: ContentType::new("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        filename: format!("project-{id}-periods.xlsx"),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_back_what_it_shows() {
        let model = serde_json::from_str(TOLL_ROAD_25Y).unwrap();
        let case = FinancialCase {
            model,
            public_sector: None,
        };
        let values = form_values(&case);
        assert_eq!(values["model__capex_phasing"], "0.30 0.40 0.30");
        let read = read_form(&values).unwrap();
        assert_eq!(read, case);
    }

    #[test]
    fn a_bad_form_names_each_field() {
        let model = serde_json::from_str(TOLL_ROAD_25Y).unwrap();
        let mut values = form_values(&FinancialCase {
            model,
            public_sector: None,
        });
        values.insert("model__capex".into(), "сто".into());
        values.insert("model__capex_phasing".into(), "0,3; 0,4; x".into());
        values.insert("model__financing__rate".into(), "".into());
        let v = read_form(&values).unwrap_err();
        let fields: Vec<&str> = v.fields().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            vec!["model.capex", "model.capex_phasing", "model.financing.rate"]
        );
        // Decimal commas and spaces in numbers are read as people type them.
        values.insert("model__capex".into(), "100 000 000,00".into());
        values.insert("model__capex_phasing".into(), "0,3; 0,4; 0,3".into());
        values.insert("model__financing__rate".into(), "0,08".into());
        assert!(read_form(&values).is_ok());
    }
}
