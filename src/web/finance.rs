//! Financial calculations over HTTP, open to anyone: a cash-flow series' NPV, every IRR, MIRR
//! and paybacks, and the whole PPP project model. Every figure is an exact decimal string.

use rocket::State;
use rocket::serde::json::Json;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::finance::appraisal::{CaseResults, FinancialCase};
use crate::domain::finance::cashflow::{Irr, discounted_payback, irr, mirr, npv, payback};
use crate::domain::finance::cost;
use crate::domain::finance::model::{ModelInput, ModelResults, evaluate as run_model};
use crate::domain::finance::sensitivity::{Output, Scenario, Tornado, demand_break_even, scenarios, tornado};
use crate::domain::finance::{FinanceError, amount_in_range, rate_in_range};
use crate::domain::validation::Violations;
use crate::services::financial_models::{self, EvaluatedCase};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, MaybeUser, ProjectStaff};
use crate::web::compute::ComputeTicket;
use crate::web::json::ApiJson;
use crate::web::projects::project_id;

/// At most this many flows (100 years of monthly periods).
pub const MAX_FLOWS: usize = 1_201;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"flows": ["-1000", "300", "400", "500"], "rate": "0.1", "finance_rate": "0.1", "reinvest_rate": "0.12"}))]
pub struct CashflowRequest {
    /// Flow 0 at the valuation date (not discounted), then one per period.
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    pub flows: Vec<Decimal>,
    /// Discount rate per period, for the NPV and the discounted payback.
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub rate: Option<Decimal>,
    /// MIRR: the rate negative flows are financed at...
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub finance_rate: Option<Decimal>,
    /// ...and the rate positive flows are reinvested at.
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub reinvest_rate: Option<Decimal>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CashflowResults {
    /// Null without `rate`.
    #[schema(value_type = Option<String>)]
    pub npv: Option<Decimal>,
    pub irr: Irr,
    /// Null without both MIRR rates, or unless the flows have both signs.
    #[schema(value_type = Option<String>)]
    pub mirr: Option<Decimal>,
    /// Periods until the cumulative flow turns non-negative, interpolated; null if never.
    #[schema(value_type = Option<String>)]
    pub payback: Option<Decimal>,
    /// The same on discounted flows; null without `rate` or if never.
    #[schema(value_type = Option<String>)]
    pub discounted_payback: Option<Decimal>,
}

/// Rates per period in (-0.99, 10], as the IRR bracket.
fn check_rate(v: &mut Violations, field: &str, rate: Option<Decimal>) {
    if rate.is_some_and(|r| !rate_in_range(r)) {
        v.add(field, "rate_range");
    }
}

fn check(request: &CashflowRequest) -> Result<(), Violations> {
    let mut v = Violations::new();
    if request.flows.is_empty() {
        v.add("flows", "required");
    } else if request.flows.len() > MAX_FLOWS {
        v.add("flows", "too_many_flows");
    }
    for (i, flow) in request.flows.iter().enumerate().take(MAX_FLOWS) {
        if !amount_in_range(*flow) {
            v.add(format!("flows.{i}"), "model_amount");
        }
    }
    check_rate(&mut v, "rate", request.rate);
    check_rate(&mut v, "finance_rate", request.finance_rate);
    check_rate(&mut v, "reinvest_rate", request.reinvest_rate);
    v.into_result()
}

/// A model whose run would cost more than a public request may: 422 on `field`.
fn within_bound(field: &str, ok: bool) -> Result<(), ApiError> {
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(field, "too_costly"))
    }
}

/// A computation that cannot be carried out exactly is the input's fault: 422 on `field`.
fn refused(field: &str) -> impl Fn(FinanceError) -> ApiError + '_ {
    move |e| match e {
        FinanceError::Overflow => ApiError::field(field, "overflow"),
        FinanceError::DivisionByZero | FinanceError::Domain(_) => ApiError::field(field, "not_computable"),
    }
}

/// NPV, every IRR (`unique`, `multiple` with all of them, or `none`), MIRR and paybacks of a
/// series. Numbers as JSON strings; plain JSON numbers are accepted too.
#[utoipa::path(post, path = "/api/v1/finance/cashflows", tag = "finance", request_body = CashflowRequest,
    responses((status = 200, description = "The figures", body = CashflowResults),
        (status = 400, description = "Not JSON, or not this shape", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Empty or too many flows, a rate out of range, an overflow", body = crate::web::api_error::ErrorBody)))]
#[rocket::post("/finance/cashflows", data = "<body>")]
pub async fn cashflows(
    _admitted: ComputeTicket,
    body: ApiJson<CashflowRequest>,
    app: &State<AppState>,
) -> Result<Json<CashflowResults>, ApiError> {
    let request = body.0;
    check(&request).map_err(|v| ApiError::validation(&v))?;
    app.compute.run(move || cashflow_figures(&request)).await?.map(Json)
}

fn cashflow_figures(request: &CashflowRequest) -> Result<CashflowResults, ApiError> {
    let flows = &request.flows;
    let on_flows = refused("flows");
    let mirr_value = match (request.finance_rate, request.reinvest_rate) {
        (Some(f), Some(r)) => mirr(flows, f, r).map_err(&on_flows)?,
        _ => None,
    };
    Ok(CashflowResults {
        npv: request
            .rate
            .map(|r| npv(r, flows))
            .transpose()
            .map_err(refused("rate"))?,
        irr: irr(flows).map_err(&on_flows)?,
        mirr: mirr_value,
        payback: payback(flows).map_err(&on_flows)?,
        discounted_payback: request
            .rate
            .map(|r| discounted_payback(flows, r))
            .transpose()
            .map_err(refused("rate"))?
            .flatten(),
    })
}

/// The whole PPP project model: the period table and every metric (NPV, project and equity
/// IRR with their uniqueness, MIRR, paybacks, DSCR, LLCR, PLCR) with its warnings.
#[utoipa::path(post, path = "/api/v1/finance/evaluate", tag = "finance",
    request_body(content = ModelInput, description = "The model; the example is the 25-year toll-road case of the reference vectors",
        example = json!(serde_json::from_str::<serde_json::Value>(crate::domain::finance::model::TOLL_ROAD_25Y).unwrap_or_default())),
    responses((status = 200, description = "The results", body = ModelResults),
        (status = 400, description = "Not JSON, or not this shape", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A field out of range, named; or figures too large to compute", body = crate::web::api_error::ErrorBody)))]
#[rocket::post("/finance/evaluate", data = "<body>")]
pub async fn evaluate(
    _admitted: ComputeTicket,
    body: ApiJson<ModelInput>,
    app: &State<AppState>,
) -> Result<Json<ModelResults>, ApiError> {
    let input = body.0;
    input.validate().map_err(|v| ApiError::validation(&v))?;
    within_bound("model", cost::evaluation_within_bound(&input))?;
    let results = app.compute.run(move || run_model(&input)).await?;
    Ok(Json(results.map_err(refused("model"))?))
}

/// A project's saved financial case with its results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedCaseView {
    pub project_id: String,
    pub version: i32,
    pub saved_at: chrono::DateTime<chrono::Utc>,
    pub saved_by: String,
    pub case: FinancialCase,
    pub results: CaseResults,
}

impl From<EvaluatedCase> for SavedCaseView {
    fn from(e: EvaluatedCase) -> Self {
        Self {
            project_id: e.saved.project_id.to_string(),
            version: e.saved.version,
            saved_at: e.saved.saved_at,
            saved_by: e.saved.saved_by.0.to_string(),
            case: e.saved.case,
            results: e.results,
        }
    }
}

/// The project's current financial case (or `?version=`), with every result.
#[utoipa::path(get, operation_id = "financial_model_show", path = "/api/v1/projects/{id}/financial-model", tag = "finance",
    params(("id" = String, Path, description = "Project id"), ("version" = Option<i32>, Query, minimum = 1, description = "An earlier version")),
    responses((status = 200, description = "The case and its results", body = SavedCaseView),
        (status = 404, description = "No such project (or a draft of another municipality), or no model saved", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/projects/<id>/financial-model?<version>")]
pub async fn show_case(
    who: MaybeUser,
    _once: crate::web::query_once::QueryOnce,
    id: &str,
    version: Option<&str>,
    db: &State<Db>,
) -> Result<Json<SavedCaseView>, ApiError> {
    // Digits only, from 1: never silently read as "the latest" when it is not a version.
    let version = version
        .map(|v| {
            crate::domain::validation::whole_number::<i32>(v, 10)
                .filter(|n| *n >= 1)
                .ok_or_else(|| ApiError::field("version", "version"))
        })
        .transpose()?;
    let case = financial_models::current(db, who.0.as_ref(), project_id(id)?, version).await?;
    Ok(Json(case.into()))
}

/// Saves a new version of the project's financial case (its municipality's officers and
/// approvers, until approval); an audit event records the key results.
#[utoipa::path(put, operation_id = "financial_model_save", path = "/api/v1/projects/{id}/financial-model", tag = "finance",
    params(("id" = String, Path, description = "Project id")),
    request_body = FinancialCase,
    responses((status = 200, description = "The saved version and its results", body = SavedCaseView),
        (status = 403, description = "Not the municipality's officer or approver", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "The project is approved or further along", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A field out of range, named", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::put("/projects/<id>/financial-model", data = "<body>")]
pub async fn save_case(
    who: Authorized<ProjectStaff>,
    id: &str,
    body: ApiJson<FinancialCase>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<SavedCaseView>, ApiError> {
    let saved = financial_models::save(db, &*app.clock, &audit.0, &who.0, project_id(id)?, &body.0).await?;
    Ok(Json(saved.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitivityRequest {
    pub model: ModelInput,
    /// The output the tornado ranks (default `project_npv`).
    #[serde(default)]
    pub output: Output,
    /// The flex each way, as a share (default 0.10 = ±10 %), from 0.01 to 0.5.
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub swing: Option<Decimal>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SensitivityResults {
    pub tornado: Tornado,
    pub scenarios: Vec<Scenario>,
    /// The demand multiplier at which the minimum DSCR falls to 1.0; null when there is none.
    #[schema(value_type = Option<String>)]
    pub demand_break_even: Option<Decimal>,
}

/// Sensitivities of a model: a tornado of the chosen output over low/high flexes of capex, opex,
/// demand, tariff, CPI, interest rate and a construction delay; the named scenarios; and the
/// demand break-even for a minimum DSCR of 1.0.
#[utoipa::path(post, path = "/api/v1/finance/sensitivity", tag = "finance", request_body = SensitivityRequest,
    responses((status = 200, description = "Tornado, scenarios and break-even", body = SensitivityResults),
        (status = 400, description = "Not JSON, or not this shape", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A field out of range, named", body = crate::web::api_error::ErrorBody)))]
#[rocket::post("/finance/sensitivity", data = "<body>")]
pub async fn sensitivity(
    _admitted: ComputeTicket,
    body: ApiJson<SensitivityRequest>,
    app: &State<AppState>,
) -> Result<Json<SensitivityResults>, ApiError> {
    let request = body.0;
    let mut v = match request.model.validate() {
        Ok(()) => Violations::new(),
        Err(model) => {
            let mut v = Violations::new();
            v.merge_prefixed("model", model);
            v
        }
    };
    let swing = request.swing.unwrap_or(Decimal::new(10, 2));
    if swing < Decimal::new(1, 2) || swing > Decimal::new(5, 1) {
        v.add("swing", "swing_range");
    }
    v.into_result().map_err(|v| ApiError::validation(&v))?;
    within_bound("model", cost::sensitivity_within_bound(&request.model))?;
    let (model, output) = (request.model, request.output);
    let computed = app
        .compute
        .run(move || -> Result<SensitivityResults, FinanceError> {
            Ok(SensitivityResults {
                tornado: tornado(&model, output, swing)?,
                scenarios: scenarios(&model)?,
                demand_break_even: demand_break_even(&model)?,
            })
        })
        .await?;
    Ok(Json(computed.map_err(refused("model"))?))
}
