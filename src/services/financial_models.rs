//! A project's financial case: saved by the municipality while the project is being prepared
//! (each save a new version and an audit event), read by whoever may read the project.

use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::finance::appraisal::{CaseResults, FinancialCase, evaluate_case};
use crate::domain::finance::public_sector::{Affordability, ValueForMoney};
use crate::domain::finance::roots::Irr;
use crate::domain::money::{round_money, round_places};
use crate::domain::policy;
use crate::domain::project::Appraisal;
use crate::domain::validation::Violations;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit, read_project};
use crate::storage::Db;
use crate::storage::financial_models::{self, SavedCase};
use crate::storage::projects::{self, Project};

/// A saved case with its results.
#[derive(Debug, Clone)]
pub struct EvaluatedCase {
    pub saved: SavedCase,
    pub results: CaseResults,
}

/// Evaluates a case; figures too large to compute are the input's fault.
pub fn evaluate(case: &FinancialCase) -> Result<CaseResults, ServiceError> {
    case.validate().map_err(ServiceError::Invalid)?;
    evaluate_case(case).map_err(|_| {
        let mut v = Violations::new();
        v.add("model", "overflow");
        ServiceError::Invalid(v)
    })
}

fn irr_text(irr: &Irr) -> serde_json::Value {
    serde_json::to_value(irr).unwrap_or_default()
}

/// The municipality's officers and approvers save a new version, until the project is approved.
/// The model runs before the change begins; the change locks the project, so the stage it
/// checks and the version it takes cannot move underneath it.
pub async fn save(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    project_id: i64,
    case: &FinancialCase,
) -> Result<EvaluatedCase, ServiceError> {
    // Refuse early what the policy refuses anyway, before spending a model run on it.
    let seen = read_project(db, Some(who), project_id).await?;
    permit(policy::may_save_financial_model(who, &seen.facts()), "project")?;
    let results = evaluate_blocking(case.clone()).await?;
    let m = &results.model;
    let payload = json!({
        "project_npv": m.project_npv, "project_irr": irr_text(&m.project_irr),
        "equity_irr": irr_text(&m.equity_irr), "min_dscr": m.min_dscr, "warnings": m.warnings,
        "vfm_amount": results.value_for_money.as_ref().map(|v| v.vfm_amount),
        "peak_share_of_budget": results.affordability.as_ref().map(|a| a.peak_share),
    });
    let saved = unit_of_work!(db, clock, ctx, |uow| {
        let project = projects::lock(uow.tx(), project_id).await?;
        permit(policy::may_save_financial_model(who, &project.facts()), "project")?;
        let now = uow.now();
        let version = financial_models::save(uow.tx(), project.id, case, who.user_id, now).await?;
        let mut payload = payload.clone();
        payload["version"] = json!(version);
        uow.record(
            NewEvent::new("project.financial_model_saved", "project", project.id)
                .organization(project.municipality_id.0)
                .payload(payload),
        );
        SavedCase {
            project_id: project.id,
            version,
            case: case.clone(),
            saved_by: who.user_id,
            saved_at: now,
        }
    })?;
    remember(&saved, &results);
    Ok(EvaluatedCase { saved, results })
}

/// Runs a model in a computation slot: a large one takes long enough to hold up the async
/// workers.
async fn evaluate_blocking(case: FinancialCase) -> Result<CaseResults, ServiceError> {
    crate::services::compute::in_slot(move || evaluate(&case)).await?
}

/// The newest saved version (or the one asked for) with its results.
pub async fn current(
    db: &Db,
    who: Option<&Identity>,
    project_id: i64,
    version: Option<i32>,
) -> Result<EvaluatedCase, ServiceError> {
    let project = read_project(db, who, project_id).await?;
    let saved = financial_models::find(db, project.id, version)
        .await?
        .ok_or(ServiceError::NotFound("financial_model"))?;
    let results = results_of(&saved).await?;
    Ok(EvaluatedCase { saved, results })
}

/// Results of saved versions, which never change: each is computed once (at its save, or at
/// its first reading after a restart) and then read from here, not recomputed on every view.
/// Keyed by project and version, and kept with the case they are the results of: a hit counts
/// only for the same case (another database in the same process, a restored one, reuses ids).
#[derive(Default)]
struct Kept {
    /// Each version's case, results and when they were last read (a tick of `clock`).
    entries: std::collections::HashMap<(i64, i32), (FinancialCase, CaseResults, u64)>,
    clock: u64,
}

static SAVED_RESULTS: std::sync::LazyLock<std::sync::Mutex<Kept>> = std::sync::LazyLock::new(Default::default);

/// Saved versions' results kept at most (a 30-year monthly model's are about 200 KiB).
const RESULTS_KEPT: usize = 256;

fn remember(saved: &SavedCase, results: &CaseResults) {
    let mut kept = SAVED_RESULTS.lock().unwrap_or_else(|p| p.into_inner());
    if kept.entries.len() >= RESULTS_KEPT {
        // Forget the quarter read longest ago: a project's only version, read every day, stays.
        let mut by_use: Vec<((i64, i32), u64)> = kept.entries.iter().map(|(k, (_, _, used))| (*k, *used)).collect();
        by_use.sort_by_key(|(_, used)| *used);
        for (key, _) in by_use.into_iter().take(RESULTS_KEPT / 4) {
            kept.entries.remove(&key);
        }
    }
    kept.clock += 1;
    let now = kept.clock;
    kept.entries.insert(
        (saved.project_id, saved.version),
        (saved.case.clone(), results.clone(), now),
    );
}

/// The kept results of `saved`, if they are of the same case; the read counts as a use.
fn recall(saved: &SavedCase) -> Option<CaseResults> {
    let mut kept = SAVED_RESULTS.lock().unwrap_or_else(|p| p.into_inner());
    kept.clock += 1;
    let now = kept.clock;
    let (case, results, used) = kept.entries.get_mut(&(saved.project_id, saved.version))?;
    if *case != saved.case {
        return None;
    }
    *used = now;
    Some(results.clone())
}

/// A saved version's results: remembered, or computed on the blocking pool and remembered.
async fn results_of(saved: &SavedCase) -> Result<CaseResults, ServiceError> {
    if let Some(results) = recall(saved) {
        return Ok(results);
    }
    let results = evaluate_blocking(saved.case.clone()).await?;
    remember(saved, &results);
    Ok(results)
}

/// What approval takes from the newest saved model, computed before the approval's change
/// begins: which version it was (`None` when none is saved) and, when it has a public-sector
/// case, its value for money and affordability.
#[derive(Debug, Clone)]
pub struct ModelFigures {
    pub version: Option<i32>,
    figures: Option<(ValueForMoney, Affordability)>,
}

/// The newest saved model of the project, run (see [`ModelFigures`]).
pub async fn appraisal_figures(db: &Db, project_id: i64) -> Result<ModelFigures, ServiceError> {
    let Some(saved) = financial_models::find(db, project_id, None).await? else {
        return Ok(ModelFigures {
            version: None,
            figures: None,
        });
    };
    let version = Some(saved.version);
    if saved.case.public_sector.is_none() {
        return Ok(ModelFigures { version, figures: None });
    }
    let results = evaluate_blocking(saved.case).await?;
    let figures = results.value_for_money.zip(results.affordability);
    Ok(ModelFigures { version, figures })
}

impl ModelFigures {
    /// The appraisal as approval records it: the feasibility study as entered, value for money
    /// and affordability from the model (with its version as their source). `None` when the
    /// model has no public-sector case.
    pub fn appraisal(&self, project: &Project) -> Option<Appraisal> {
        let (vfm, fiscal) = self.figures.as_ref()?;
        let version = self.version?;
        let currency = project.fields.capital_cost.currency;
        let percent = |share: rust_decimal::Decimal| round_places(share * rust_decimal::Decimal::ONE_HUNDRED, 2);
        let source = format!("financial model v{version}");
        Some(Appraisal {
            feasibility_study: project.appraisal.feasibility_study.clone(),
            value_for_money: Some(format!(
                "VfM {} {} ({} % of PSC {} {})",
                round_money(vfm.vfm_amount, currency),
                currency.code(),
                percent(vfm.vfm_share_of_psc),
                round_money(vfm.pv_psc_total, currency),
                currency.code()
            )),
            value_for_money_source: Some(source.clone()),
            // A user-pays concession draws nothing from the budget: say so rather than "peak 0 %".
            affordability: Some(if fiscal.peak_share > rust_decimal::Decimal::ZERO {
                format!(
                    "peak {} % of the budget (year {}); PV of payments {} {}",
                    percent(fiscal.peak_share),
                    fiscal.peak_period,
                    round_money(fiscal.pv_payments, currency),
                    currency.code()
                )
            } else {
                "no payments from the municipal budget".to_string()
            }),
            affordability_source: Some(source),
        })
    }
}
