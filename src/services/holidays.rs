//! Keeping the public holidays: an administrator adds, renames or removes one, each change an
//! audit event with what it was before.

use chrono::NaiveDate;
use serde_json::json;

use crate::clock::Clock;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::calendar::{Holiday, HolidayName};
use crate::services::{ServiceError, unit_of_work};
use crate::storage::{Db, holidays};

fn date_id(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Adds the holiday on `date`, or renames it; answers it and whether it is new.
pub async fn put(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    date: NaiveDate,
    request: &HolidayName,
) -> Result<(Holiday, bool), ServiceError> {
    request.validate().map_err(ServiceError::Invalid)?;
    let holiday = Holiday {
        date,
        name: request.name.clone(),
    };
    unit_of_work!(db, clock, ctx, |uow| {
        let before = holidays::find(uow.tx(), date).await?;
        holidays::put(uow.tx(), &holiday).await?;
        let created = before.is_none();
        let action = if created { "holiday.added" } else { "holiday.renamed" };
        uow.record(NewEvent::new(action, "holiday", date_id(date)).payload(json!({
            "before": before.map(|b| json!({"name": b.name})),
            "after": {"name": holiday.name},
        })));
        (holiday.clone(), created)
    })
}

/// Removes the holiday on `date`.
pub async fn remove(db: &Db, clock: &dyn Clock, ctx: &AuditContext, date: NaiveDate) -> Result<(), ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let Some(before) = holidays::find(uow.tx(), date).await? else {
            return Err(ServiceError::NotFound("holiday"));
        };
        holidays::remove(uow.tx(), date).await?;
        uow.record(
            NewEvent::new("holiday.removed", "holiday", date_id(date))
                .payload(json!({"before": {"name": before.name}})),
        );
    })
}
