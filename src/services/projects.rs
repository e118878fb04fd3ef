//! Projects: filing, editing drafts, the appraisal record and lifecycle transitions. Each change
//! is one unit of work: it locks the project, asks the policy, writes, and records its event.

use chrono::Datelike;
use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent, changes};
use crate::domain::ids::OrgId;
use crate::domain::organization::{Organization, OrganizationKind, OrganizationStatus};
use crate::domain::policy;
use crate::domain::project::{self, Action, Appraisal, Initiation, ProjectFields, ProponentAdvantage, Refusal, Stage};
use crate::domain::validation::Violations;
use crate::services::unit_of_work;
use crate::services::{ServiceError, financial_models, permit};
use crate::storage::projects::{self, Project};
use crate::storage::unit_of_work::UnitOfWork;
use crate::storage::{Db, StoreError, organizations};

pub use crate::services::read_project as read;

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
    permit(policy::may_file_project(who), "project")?;
    // A municipality's own project; private initiatives come through their own route.
    fixed_initiation(fields, Initiation::Public)?;
    fields.validate().map_err(ServiceError::Invalid)?;
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let created = projects::insert(uow.tx(), who.organization_id, fields, who.user_id, None, now).await?;
        let payload = json!({"after": serde_json::to_value(fields).unwrap_or_default()});
        uow.record(event("project.created", &created).payload(payload));
        created
    })
}

/// The initiation is fixed by the route that created the project (a private initiative has a
/// proponent, a public project none): a request that would change it is refused, not ignored.
fn fixed_initiation(fields: &ProjectFields, fixed: Initiation) -> Result<(), ServiceError> {
    if fields.initiation == fixed {
        return Ok(());
    }
    let mut v = Violations::new();
    v.add("initiation", "fixed_by_route");
    Err(ServiceError::Invalid(v))
}

/// How an edit gives the new fields: all of them, or an RFC 7396 merge patch applied to the
/// fields as they are when the change holds the project's lock.
#[derive(Debug, Clone, Copy)]
pub enum FieldsEdit<'a> {
    Replace(&'a ProjectFields),
    MergePatch(&'a serde_json::Value),
}

/// The author edits a draft (a returned project is a draft again).
pub async fn update(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    edit: FieldsEdit<'_>,
) -> Result<Project, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let project = projects::lock(uow.tx(), id).await?;
        permit(policy::may_edit_fields(who, &project.facts()), "project")?;
        let fields = match edit {
            FieldsEdit::Replace(fields) => fields.clone(),
            FieldsEdit::MergePatch(patch) => {
                project::merge_patch(&project.fields, patch).map_err(|e| ServiceError::Invalid(e.violations()))?
            }
        };
        fixed_initiation(&fields, project.fields.initiation)?;
        fields.validate().map_err(ServiceError::Invalid)?;
        let now = uow.now();
        projects::update_fields(uow.tx(), id, &fields, now).await?;
        let before = serde_json::to_value(&project.fields).unwrap_or_default();
        let after = serde_json::to_value(&fields).unwrap_or_default();
        uow.record(event("project.updated", &project).payload(changes(&before, &after)));
        projects::find(&mut uow, id).await?
    })
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
    unit_of_work!(db, clock, ctx, |uow| {
        let project = projects::lock(uow.tx(), id).await?;
        permit(policy::may_record_appraisal(who, &project.facts()), "project")?;
        check_appraisal(appraisal)?;
        let now = uow.now();
        projects::set_appraisal(uow.tx(), id, appraisal, now).await?;
        let before = serde_json::to_value(&project.appraisal).unwrap_or_default();
        let after = serde_json::to_value(appraisal).unwrap_or_default();
        uow.record(event("project.appraisal_recorded", &project).payload(changes(&before, &after)));
        projects::find(&mut uow, id).await?
    })
}

fn check_appraisal(appraisal: &Appraisal) -> Result<(), ServiceError> {
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
        v.text(field, text.as_deref().unwrap_or(""));
    }
    v.into_result().map_err(ServiceError::Invalid)
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
/// first submission), timeline entry and audit event are written together. An approval's
/// figures come from the saved financial model, run before the change begins; if a newer
/// model is saved meanwhile, or `reviewed_model` (the version the approver saw) is not the
/// newest, the approval is refused (409) rather than record figures the approver did not see.
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
    reviewed_model: Option<i32>,
) -> Result<Project, ServiceError> {
    let figures = match action {
        Action::Approve => {
            // Refused first, before a model runs for someone who may not approve it.
            let seen = read(db, Some(who), id).await?;
            permit(policy::may_take(who, &seen.facts(), action), "project")?;
            let figures = financial_models::appraisal_figures(db, id).await?;
            // The approver names the model version they reviewed: a newer one is not approved
            // unseen.
            // `0` says no model was shown.
            if reviewed_model.is_some_and(|v| figures.version.unwrap_or(0) != v) {
                return Err(ServiceError::Conflict("error-model-changed"));
            }
            Some(figures)
        }
        _ => None,
    };
    unit_of_work!(db, clock, ctx, |uow| {
        let project = projects::lock(uow.tx(), id).await?;
        permit(policy::may_take(who, &project.facts(), action), "project")?;
        if let Some(figures) = &figures {
            let newest = crate::storage::financial_models::newest_version(uow.tx(), id).await?;
            if newest != figures.version {
                return Err(ServiceError::Conflict("error-model-changed"));
            }
        }
        let from_model = figures.as_ref().and_then(|f| f.appraisal(&project));
        let step = Step {
            who,
            action,
            comment,
            completeness_days,
        };
        apply(&mut uow, &project, &step, from_model).await?;
        projects::find(&mut uow, id).await?
    })
}

/// One lifecycle step as asked for.
struct Step<'a> {
    who: &'a Identity,
    action: Action,
    comment: &'a str,
    completeness_days: i64,
}

/// Decides and records one transition inside the caller's unit of work. `from_model` is the
/// appraisal an approval records from the saved financial model, if there is one.
async fn apply(
    uow: &mut UnitOfWork<'_>,
    project: &Project,
    step: &Step<'_>,
    from_model: Option<Appraisal>,
) -> Result<Stage, ServiceError> {
    let (who, action, comment) = (step.who, step.action, step.comment);
    let now = uow.now();
    let initiation = project.fields.initiation;
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
        Err(Refusal::PreconditionFailed(missing)) => {
            return Err(ServiceError::PreconditionFailed(
                missing.into_iter().map(String::from).collect(),
            ));
        }
    };
    // Lock order: the project row (the caller's), then the registry counter; the audit head
    // comes last, at commit.
    let registry_number = match (&project.registry_number, action) {
        (None, Action::Submit) => {
            let municipality = organizations::find(&mut *uow, project.municipality_id).await?;
            let code = municipality
                .code
                .unwrap_or_else(|| format!("M{}", project.municipality_id));
            let year = now.with_timezone(&chrono_tz::Asia::Bishkek).year();
            let sequence = projects::next_registry_sequence(uow.tx(), project.municipality_id, year).await?;
            Some(project::registry_number(&code, year, sequence))
        }
        _ => None,
    };
    // A private initiative's completeness check is due some days after each submission.
    let due = match (action, project.proponent_id) {
        (Action::Submit, Some(_)) => Some(now + chrono::Duration::days(step.completeness_days)),
        (_, Some(_)) if next == Stage::Submitted => project.completeness_due_at,
        _ => None,
    };
    let return_reason = (action == Action::Return).then(|| comment.trim());
    projects::set_stage(
        uow.tx(),
        project.id,
        next,
        registry_number.as_deref(),
        return_reason,
        due,
        now,
    )
    .await?;
    if let Some(appraisal) = &from_model {
        projects::set_appraisal(uow.tx(), project.id, appraisal, now).await?;
    }
    if action == Action::Cancel {
        // Its tender in preparation or running goes with it, in this same transaction.
        crate::services::tenders::cancel_with_project(uow, project.id, comment).await?;
    }
    let actor = (Some(who.user_id.0), who.full_name.as_str());
    projects::add_transition(
        uow.tx(),
        project.id,
        actor,
        action.as_str(),
        project.stage,
        next,
        comment,
        now,
    )
    .await?;
    let mut payload = json!({
        "before": {"stage": project.stage.as_str()},
        "after": {"stage": next.as_str(), "registry_number": registry_number.or(project.registry_number.clone())},
        "comment": comment.trim(),
    });
    if let Some(appraisal) = &from_model {
        payload["appraisal_from_model"] = json!(appraisal);
    }
    uow.record(event(audit_action(action), project).payload(payload));
    Ok(next)
}

/// Whether a proposal may be filed with this organisation: an active municipality.
fn accepts_proposals(target: Option<&Organization>) -> bool {
    target.is_some_and(|o| o.kind == OrganizationKind::Municipality && o.status == OrganizationStatus::Active)
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
    permit(policy::may_file_private_initiative(who), "project")?;
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
    // Checked here so that every problem is reported at once, and again under a lock below.
    if !accepts_proposals(organizations::find(db, municipality).await.ok().as_ref()) {
        v.add("municipality_id", "unknown_organization");
    }
    v.into_result().map_err(ServiceError::Invalid)?;
    unit_of_work!(db, clock, ctx, |uow| {
        // The municipality must be an active one, and stay so until this change commits.
        let target = match organizations::lock_shared(uow.tx(), municipality).await {
            Err(StoreError::NotFound(_)) => None,
            other => Some(other?),
        };
        if !accepts_proposals(target.as_ref()) {
            let mut v = Violations::new();
            v.add("municipality_id", "unknown_organization");
            return Err(ServiceError::Invalid(v));
        }
        let now = uow.now();
        let proponent = Some((who.organization_id, advantage));
        let created = projects::insert(uow.tx(), municipality, &fields, who.user_id, proponent, now).await?;
        let payload = json!({"after": serde_json::to_value(&fields).unwrap_or_default(), "advantage": advantage});
        uow.record(event("project.created", &created).payload(payload));
        let step = Step {
            who,
            action: Action::Submit,
            comment: "",
            completeness_days,
        };
        apply(&mut uow, &created, &step, None).await?;
        projects::find(&mut uow, created.id).await?
    })
}
