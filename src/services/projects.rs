//! Projects: filing, editing drafts, the appraisal record and lifecycle transitions. Each change
//! writes its timeline entry and audit event in the same transaction.

use chrono::Datelike;
use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::{Identity, Role};
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::ids::OrgId;
use crate::domain::project::{self, Action, Appraisal, Initiation, ProjectFields, ProponentAdvantage, Refusal, Stage};
use crate::domain::validation::Violations;
use crate::services::ServiceError;
use crate::storage::projects::{self, Project};
use crate::storage::{Db, Tx, audit, organizations};

/// Whether `who` may read the project: anything but a draft is public; a draft only to its
/// municipality, its proponent (a private initiative) and the reviewers.
pub fn may_read(who: Option<&Identity>, project: &Project) -> bool {
    project.stage.is_public()
        || who.is_some_and(|w| {
            w.organization_id == project.municipality_id
                || Some(w.organization_id) == project.proponent_id
                || w.has_role(Role::Reviewer)
        })
}

/// Whether `who` speaks for the project's author: the municipality's officers for a public
/// project, the proponent's bidders for a private initiative.
fn is_author(who: &Identity, project: &Project) -> bool {
    match project.proponent_id {
        Some(proponent) => who.organization_id == proponent && who.has_role(Role::Bidder),
        None => who.organization_id == project.municipality_id && who.has_role(Role::Officer),
    }
}

/// The project if `who` may read it; otherwise it does not exist for them.
pub async fn read(db: &Db, who: Option<&Identity>, id: i64) -> Result<Project, ServiceError> {
    let project = projects::find(db, id).await?;
    if may_read(who, &project) {
        Ok(project)
    } else {
        Err(ServiceError::NotFound("project"))
    }
}

fn event(action: &'static str, project: &Project) -> NewEvent {
    NewEvent::new(action, "project", project.id).organization(project.municipality_id.0)
}

/// An officer files a draft for their own municipality.
pub async fn create(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    fields: &ProjectFields,
) -> Result<Project, ServiceError> {
    if !who.has_role(Role::Officer) {
        return Err(ServiceError::Forbidden);
    }
    fields.validate().map_err(ServiceError::Invalid)?;
    let mut tx = db.begin_write().await?;
    let created = projects::insert(&mut tx, who.organization_id, fields, who.user_id, None, clock.now()).await?;
    let payload = json!({"after": serde_json::to_value(fields).unwrap_or_default()});
    audit::append(
        &mut tx,
        ctx,
        event("project.created", &created).payload(payload),
        clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Checks that `who` may change the project at all: it must exist for them (404) and belong to
/// their municipality or, for a private initiative, to their company (403).
fn check_actor(who: &Identity, project: &Project) -> Result<(), ServiceError> {
    if !may_read(Some(who), project) {
        return Err(ServiceError::NotFound("project"));
    }
    if who.organization_id != project.municipality_id && Some(who.organization_id) != project.proponent_id {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// The top-level fields whose values differ, as `{"before": {...}, "after": {...}}`.
fn changes(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Value {
    let (mut b, mut a) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(before), Some(after)) = (before.as_object(), after.as_object()) {
        for (key, new) in after {
            let old = before.get(key).cloned().unwrap_or_default();
            if &old != new {
                b.insert(key.clone(), old);
                a.insert(key.clone(), new.clone());
            }
        }
    }
    json!({"before": b, "after": a})
}

/// An officer of the municipality edits a draft (a returned project is a draft again).
pub async fn update(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    fields: &ProjectFields,
) -> Result<Project, ServiceError> {
    let mut tx = db.begin_write().await?;
    let project = projects::find_for_update(&mut tx, id).await?;
    check_actor(who, &project)?;
    if !is_author(who, &project) {
        return Err(ServiceError::Forbidden);
    }
    if project.stage != Stage::Draft {
        return Err(ServiceError::Conflict("error-only-drafts"));
    }
    fields.validate().map_err(ServiceError::Invalid)?;
    projects::update_fields(&mut tx, id, fields, clock.now()).await?;
    let before = serde_json::to_value(&project.fields).unwrap_or_default();
    let after = serde_json::to_value(fields).unwrap_or_default();
    audit::append(
        &mut tx,
        ctx,
        event("project.updated", &project).payload(changes(&before, &after)),
        clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(projects::find(db, id).await?)
}

/// The appraisal record, kept by the municipality's officers and approvers while the project is
/// submitted or in appraisal.
pub async fn record_appraisal(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    appraisal: &Appraisal,
) -> Result<Project, ServiceError> {
    let mut tx = db.begin_write().await?;
    let project = projects::find_for_update(&mut tx, id).await?;
    check_actor(who, &project)?;
    if who.organization_id != project.municipality_id || !who.has_any_role(&[Role::Officer, Role::Approver]) {
        return Err(ServiceError::Forbidden);
    }
    if !matches!(project.stage, Stage::Submitted | Stage::Appraisal) {
        return Err(ServiceError::Conflict("error-appraisal-stage"));
    }
    let mut v = Violations::new();
    for (field, text) in [
        ("feasibility_study", &appraisal.feasibility_study),
        ("value_for_money", &appraisal.value_for_money),
        ("value_for_money_source", &appraisal.value_for_money_source),
        ("affordability", &appraisal.affordability),
        ("affordability_source", &appraisal.affordability_source),
    ] {
        if text.as_ref().is_some_and(|t| t.chars().count() > 2_000) {
            v.add(field, "too_long");
        }
    }
    v.into_result().map_err(ServiceError::Invalid)?;
    projects::set_appraisal(&mut tx, id, appraisal, clock.now()).await?;
    let before = serde_json::to_value(&project.appraisal).unwrap_or_default();
    let after = serde_json::to_value(appraisal).unwrap_or_default();
    let payload = changes(&before, &after);
    audit::append(
        &mut tx,
        ctx,
        event("project.appraisal_recorded", &project).payload(payload),
        clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(projects::find(db, id).await?)
}

fn audit_action(action: Action) -> &'static str {
    match action {
        Action::Submit => "project.submitted",
        Action::StartAppraisal => "project.appraisal_started",
        Action::Approve => "project.approved",
        Action::Return => "project.returned",
        Action::Reject => "project.rejected",
        Action::Cancel => "project.cancelled",
    }
}

/// Takes a lifecycle action: the pure rules decide, then the stage, registry number (at the
/// first submission), timeline entry and audit event are written together.
#[allow(clippy::too_many_arguments)]
pub async fn transition(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    action: Action,
    comment: &str,
    completeness_days: i64,
) -> Result<Project, ServiceError> {
    let mut tx = db.begin_write().await?;
    let project = projects::find_for_update(&mut tx, id).await?;
    check_actor(who, &project)?;
    // The municipality decides; the author (officer or proponent) submits.
    if action != Action::Submit && who.organization_id != project.municipality_id {
        return Err(ServiceError::Forbidden);
    }
    if action == Action::Submit && !is_author(who, &project) {
        return Err(ServiceError::Forbidden);
    }
    apply(
        db,
        &mut tx,
        clock,
        ctx,
        who,
        &project,
        action,
        comment,
        completeness_days,
    )
    .await?;
    tx.commit().await?;
    Ok(projects::find(db, id).await?)
}

/// Decides and records one transition inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn apply(
    db: &Db,
    tx: &mut Tx,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    project: &Project,
    action: Action,
    comment: &str,
    completeness_days: i64,
) -> Result<Stage, ServiceError> {
    let now = clock.now();
    let initiation = project.fields.initiation;
    // Approval takes value for money and affordability from the saved financial model when it
    // has a public-sector case; the appraisal then records them with the model's version.
    let from_model = match action {
        Action::Approve => crate::services::financial_models::appraisal_figures(db, project).await?,
        _ => None,
    };
    let appraisal = from_model.clone().unwrap_or_else(|| project.appraisal.clone());
    let next = match project::decide(who, project.stage, initiation, action, comment, &appraisal) {
        Ok(next) => next,
        Err(Refusal::Forbidden) => return Err(ServiceError::Forbidden),
        Err(Refusal::InvalidTransition { stage, action }) => {
            return Err(ServiceError::InvalidTransition {
                stage: stage.as_str(),
                action: action.as_str(),
            });
        }
        Err(Refusal::ReasonRequired) => {
            let mut v = Violations::new();
            v.add("comment", "reason_required");
            return Err(ServiceError::Invalid(v));
        }
        Err(Refusal::PreconditionFailed(missing)) => return Err(ServiceError::PreconditionFailed(missing)),
    };
    let registry_number = match (&project.registry_number, action) {
        (None, Action::Submit) => {
            let municipality = organizations::find(db, project.municipality_id).await?;
            let code = municipality
                .code
                .unwrap_or_else(|| format!("M{}", project.municipality_id));
            let year = now.with_timezone(&chrono_tz::Asia::Bishkek).year();
            let sequence = projects::next_registry_sequence(tx, project.municipality_id, year).await?;
            Some(project::registry_number(&code, year, sequence))
        }
        _ => None,
    };
    // A private initiative's completeness check is due some days after each submission.
    let due = match (action, project.proponent_id) {
        (Action::Submit, Some(_)) => Some(now + chrono::Duration::days(completeness_days)),
        (_, Some(_)) if next == Stage::Submitted => project.completeness_due_at,
        _ => None,
    };
    let return_reason = (action == Action::Return).then(|| comment.trim());
    projects::set_stage(
        tx,
        project.id,
        next,
        registry_number.as_deref(),
        return_reason,
        due,
        now,
    )
    .await?;
    if let Some(appraisal) = &from_model {
        projects::set_appraisal(tx, project.id, appraisal, now).await?;
    }
    let actor = (Some(who.user_id.0), who.full_name.as_str());
    projects::add_transition(tx, project.id, actor, action, project.stage, next, comment, now).await?;
    let mut payload = json!({
        "before": {"stage": project.stage.as_str()},
        "after": {"stage": next.as_str(), "registry_number": registry_number.or(project.registry_number.clone())},
        "comment": comment.trim(),
    });
    if let Some(appraisal) = &from_model {
        payload["appraisal_from_model"] = json!(appraisal);
    }
    audit::append(tx, ctx, event(audit_action(action), project).payload(payload), now).await?;
    Ok(next)
}

/// A company files an unsolicited proposal with a municipality: recorded and submitted at once,
/// with the proponent's advantage, and the municipality's completeness check due in
/// `completeness_days`.
#[allow(clippy::too_many_arguments)]
pub async fn file_private_initiative(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    municipality: OrgId,
    fields: &ProjectFields,
    advantage: &ProponentAdvantage,
    completeness_days: i64,
) -> Result<Project, ServiceError> {
    if !who.has_role(Role::Bidder) {
        return Err(ServiceError::Forbidden);
    }
    let mut v = Violations::new();
    let fields = ProjectFields {
        initiation: Initiation::PrivateInitiative,
        ..fields.clone()
    };
    if let Err(e) = fields.validate() {
        v.merge(e);
    }
    if let Err(e) = advantage.validate() {
        v.merge(e);
    }
    let target = organizations::find(db, municipality).await.ok();
    if !target.as_ref().is_some_and(|o| {
        o.kind == crate::domain::organization::OrganizationKind::Municipality
            && o.status == crate::domain::organization::OrganizationStatus::Active
    }) {
        v.add("municipality_id", "unknown_organization");
    }
    v.into_result().map_err(ServiceError::Invalid)?;
    let mut tx = db.begin_write().await?;
    let created = projects::insert(
        &mut tx,
        municipality,
        &fields,
        who.user_id,
        Some((who.organization_id, advantage)),
        clock.now(),
    )
    .await?;
    let payload = json!({"after": serde_json::to_value(&fields).unwrap_or_default(), "advantage": advantage});
    audit::append(
        &mut tx,
        ctx,
        event("project.created", &created).payload(payload),
        clock.now(),
    )
    .await?;
    apply(
        db,
        &mut tx,
        clock,
        ctx,
        who,
        &created,
        Action::Submit,
        "",
        completeness_days,
    )
    .await?;
    tx.commit().await?;
    Ok(projects::find(db, created.id).await?)
}
