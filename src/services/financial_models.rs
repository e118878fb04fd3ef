//! A project's financial case: saved by the municipality while the project is being prepared
//! (each save a new version and an audit event), read by whoever may read the project.

use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::{Identity, Role};
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::finance::appraisal::{CaseResults, FinancialCase, evaluate_case};
use crate::domain::finance::roots::Irr;
use crate::domain::money::{round_money, round_places};
use crate::domain::project::Appraisal;
use crate::domain::project::Stage;
use crate::domain::validation::Violations;
use crate::services::ServiceError;
use crate::services::projects::read;
use crate::storage::financial_models::{self, SavedCase};
use crate::storage::projects::Project;
use crate::storage::{Db, audit};

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
pub async fn save(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    project_id: i64,
    case: &FinancialCase,
) -> Result<EvaluatedCase, ServiceError> {
    let project = read(db, Some(who), project_id).await?;
    if who.organization_id != project.municipality_id || !who.has_any_role(&[Role::Officer, Role::Approver]) {
        return Err(ServiceError::Forbidden);
    }
    if !matches!(project.stage, Stage::Draft | Stage::Submitted | Stage::Appraisal) {
        return Err(ServiceError::Conflict("error-appraisal-closed"));
    }
    let results = evaluate(case)?;
    let now = clock.now();
    let mut tx = db.begin_write().await?;
    let version = financial_models::save(&mut tx, project.id, case, who.user_id, now).await?;
    let m = &results.model;
    let event = NewEvent::new("project.financial_model_saved", "project", project.id)
        .organization(project.municipality_id.0)
        .payload(json!({
            "version": version, "project_npv": m.project_npv, "project_irr": irr_text(&m.project_irr),
            "equity_irr": irr_text(&m.equity_irr), "min_dscr": m.min_dscr, "warnings": m.warnings,
            "vfm_amount": results.value_for_money.as_ref().map(|v| v.vfm_amount),
            "peak_share_of_budget": results.affordability.as_ref().map(|a| a.peak_share),
        }));
    audit::append(&mut tx, ctx, event, now).await?;
    tx.commit().await?;
    Ok(EvaluatedCase {
        saved: SavedCase {
            project_id: project.id,
            version,
            case: case.clone(),
            saved_by: who.user_id,
            saved_at: now,
        },
        results,
    })
}

/// The newest saved version (or the one asked for) with its results.
pub async fn current(
    db: &Db,
    who: Option<&Identity>,
    project_id: i64,
    version: Option<i32>,
) -> Result<EvaluatedCase, ServiceError> {
    let project = read(db, who, project_id).await?;
    let saved = financial_models::find(db, project.id, version)
        .await?
        .ok_or(ServiceError::NotFound("financial_model"))?;
    let results = evaluate(&saved.case)?;
    Ok(EvaluatedCase { saved, results })
}

/// The appraisal as approval records it from the newest saved model with a public-sector case:
/// the feasibility study as entered, value for money and affordability from the model (with its
/// version as their source). `None` when no such model is saved.
pub async fn appraisal_figures(db: &Db, project: &Project) -> Result<Option<Appraisal>, ServiceError> {
    let Some(saved) = financial_models::find(db, project.id, None).await? else {
        return Ok(None);
    };
    if saved.case.public_sector.is_none() {
        return Ok(None);
    }
    let results = evaluate(&saved.case)?;
    let (Some(vfm), Some(fiscal)) = (results.value_for_money, results.affordability) else {
        return Ok(None);
    };
    let currency = project.fields.capital_cost.currency;
    let percent = |share: rust_decimal::Decimal| round_places(share * rust_decimal::Decimal::ONE_HUNDRED, 2);
    let source = format!("financial model v{}", saved.version);
    Ok(Some(Appraisal {
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
    }))
}
