//! A project's stage moved as a consequence of its tender or its contract (published,
//! unsuccessful, cancelled, awarded, a winner's decline; signed, in service, completed,
//! terminated), on its timeline and in the log, by whoever's act caused it.

use serde_json::json;

use crate::domain::access::Identity;
use crate::domain::audit::NewEvent;
use crate::domain::project::Stage;
use crate::services::ServiceError;
use crate::storage::projects;
use crate::storage::unit_of_work::UnitOfWork;

/// Moves the project to `next` because of its tender or contract (`action`: `tender_published`,
/// `tender_cancelled`, `tender_unsuccessful`, `tender_awarded`, `award_declined`,
/// `contract_signed`, `service_started`, `contract_completed`, `contract_terminated`), on its
/// timeline and in the log.
pub(crate) async fn move_project(
    uow: &mut UnitOfWork<'_>,
    who: Option<&Identity>,
    project: &projects::Project,
    next: Stage,
    action: &'static str,
    tender_id: i64,
) -> Result<(), ServiceError> {
    let now = uow.now();
    projects::set_stage(uow.tx(), project.id, next, None, None, None, now).await?;
    let actor = (who.map(|w| w.user_id.0), who.map_or("system", |w| w.full_name.as_str()));
    let comment = format!("tender {tender_id}");
    projects::add_transition(uow.tx(), project.id, actor, action, project.stage, next, &comment, now).await?;
    let payload = json!({
        "before": {"stage": project.stage.as_str()},
        "after": {"stage": next.as_str()},
        "tender_id": tender_id.to_string(),
    });
    uow.record(
        NewEvent::new(
            match action {
                "tender_published" => "project.tender_published",
                "tender_unsuccessful" => "project.tender_unsuccessful",
                "tender_awarded" => "project.tender_awarded",
                "award_declined" => "project.award_declined",
                "contract_signed" => "project.contract_signed",
                "service_started" => "project.service_started",
                "contract_completed" => "project.contract_completed",
                "contract_terminated" => "project.contract_terminated",
                _ => "project.tender_cancelled",
            },
            "project",
            project.id,
        )
        .organization(project.municipality_id.0)
        .payload(payload),
    );
    Ok(())
}
