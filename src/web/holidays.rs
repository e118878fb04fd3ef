//! The public holidays that working-day periods skip: a public list (page and API), kept by
//! administrators (API, and forms on the same page).

use chrono::{Datelike, NaiveDate};
use rocket::State;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::serde::json::Json;
use rocket_dyn_templates::Template;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::domain::access::Role;
use crate::domain::calendar::{self, Holiday, HolidayName};
use crate::domain::localized::LocalizedText;
use crate::domain::validation::{Violations, whole_number};
use crate::services::{ServiceError, holidays as service};
use crate::storage::{Db, holidays};
use crate::web::AppState;
use crate::web::account::PageWithStatus;
use crate::web::api_error::ApiError;
use crate::web::auth::{Admin, Audit, CsrfForm};
use crate::web::json::ApiJson;
use crate::web::page::{PageContext, PageError};
use crate::web::query_once::QueryOnce;

#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayView {
    /// `YYYY-MM-DD`, in Asia/Bishkek.
    pub date: String,
    pub name: LocalizedText,
}

impl From<Holiday> for HolidayView {
    fn from(h: Holiday) -> Self {
        Self {
            date: h.date.format("%Y-%m-%d").to_string(),
            name: h.name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayList {
    pub year: i32,
    pub items: Vec<HolidayView>,
}

/// The year asked for (4 digits within the calendar's range), else this year in Bishkek.
fn year_of(text: Option<&str>, app: &AppState) -> Result<i32, Violations> {
    match text {
        None => Ok(app.clock.now().with_timezone(&app.config.display_time_zone).year()),
        Some(text) => whole_number::<i32>(text, 4)
            .filter(|y| calendar::YEARS.contains(y))
            .ok_or_else(|| {
                let mut v = Violations::new();
                v.add("year", "year");
                v
            }),
    }
}

fn date_of(text: &str) -> Result<NaiveDate, ApiError> {
    calendar::parse_date(text).ok_or_else(|| ApiError::field("date", "date"))
}

/// The public holidays of a year: working-day periods of tender procedures skip them.
#[utoipa::path(get, operation_id = "holidays", path = "/api/v1/holidays", tag = "calendar",
    params(("year" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "Default: this year in Asia/Bishkek")),
    responses((status = 200, description = "The year's holidays, in date order", body = HolidayList),
        (status = 422, description = "Not a year of the calendar", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/holidays?<year>")]
pub async fn list(
    _once: QueryOnce,
    year: Option<&str>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<HolidayList>, ApiError> {
    let year = year_of(year, app).map_err(|v| ApiError::validation(&v))?;
    let items = holidays::list(db, Some(year)).await?;
    Ok(Json(HolidayList {
        year,
        items: items.into_iter().map(HolidayView::from).collect(),
    }))
}

/// Adds a holiday on `date`, or renames the one there.
#[utoipa::path(put, operation_id = "put_holiday", path = "/api/v1/admin/holidays/{date}", tag = "calendar",
    params(("date" = String, Path, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", description = "`YYYY-MM-DD`, a date of the years 2000 to 2100")),
    request_body = HolidayName,
    responses((status = 201, description = "Added", body = HolidayView),
        (status = 200, description = "Renamed", body = HolidayView),
        (status = 422, description = "A bad date or name", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::put("/admin/holidays/<date>", data = "<body>")]
pub async fn put(
    _admin: Admin,
    date: &str,
    body: ApiJson<HolidayName>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Json<HolidayView>), ApiError> {
    let date = date_of(date)?;
    let (holiday, created) = service::put(db, &*app.clock, &audit.0, date, &body.0).await?;
    let status = if created { Status::Created } else { Status::Ok };
    Ok((status, Json(holiday.into())))
}

/// Removes the holiday on `date`.
#[utoipa::path(delete, operation_id = "delete_holiday", path = "/api/v1/admin/holidays/{date}", tag = "calendar",
    params(("date" = String, Path, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", description = "`YYYY-MM-DD`, a date of the years 2000 to 2100")),
    responses((status = 204, description = "Removed"),
        (status = 404, description = "No holiday on that date", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A bad date", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::delete("/admin/holidays/<date>")]
pub async fn remove(
    _admin: Admin,
    date: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Status, ApiError> {
    let date = date_of(date)?;
    service::remove(db, &*app.clock, &audit.0, date).await?;
    Ok(Status::NoContent)
}

// ---- The page ----

async fn holidays_page(
    ctx: &PageContext,
    db: &Db,
    year: i32,
    flash: Option<FlashMessage<'_>>,
    values: serde_json::Value,
    errors: Option<&Violations>,
) -> Result<Template, PageError> {
    let items: Vec<_> = holidays::list(db, Some(year))
        .await?
        .into_iter()
        .map(|h| {
            json!({"date": h.date.format("%Y-%m-%d").to_string(), "shown": h.date.format("%d.%m.%Y").to_string(),
                   "name": h.name.get(ctx.lang)})
        })
        .collect();
    let admin = ctx.user.as_ref().is_some_and(|u| u.roles.contains(&Role::Admin));
    Ok(ctx.render(
        "holidays",
        "holidays-title",
        json!({"year": year, "previous": year - 1, "next": year + 1, "items": items, "admin": admin,
               "flash": flash.map(|f| ctx.lang.text(f.message())), "values": values,
               "errors": errors.map(|v| ctx.field_messages(v)).unwrap_or_default()}),
    ))
}

#[rocket::get("/holidays?<year>")]
pub async fn page(
    ctx: PageContext,
    year: Option<&str>,
    flash: Option<FlashMessage<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Result<Template, PageWithStatus>, PageError> {
    let year = year.map(str::trim).filter(|y| !y.is_empty());
    match year_of(year, app) {
        Ok(year) => Ok(Ok(holidays_page(&ctx, db, year, flash, json!({}), None).await?)),
        Err(v) => {
            let now = year_of(None, app).unwrap_or(2026);
            let page = holidays_page(&ctx, db, now, None, json!({}), Some(&v)).await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
    }
}

#[derive(FromForm)]
pub struct HolidayForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    date: String,
    #[field(default = String::new())]
    name_ru: String,
    #[field(default = String::new())]
    name_ky: String,
    #[field(default = String::new())]
    name_en: String,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

#[rocket::post("/holidays", data = "<form>")]
pub async fn page_put(
    ctx: PageContext,
    _admin: Admin,
    form: CsrfForm<HolidayForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Result<Flash<Redirect>, PageWithStatus>, PageError> {
    let request = HolidayName {
        name: LocalizedText {
            ru: form.name_ru.trim().to_string(),
            ky: optional(&form.name_ky),
            en: optional(&form.name_en),
        },
    };
    let outcome = match calendar::parse_date(form.date.trim()) {
        Some(date) => service::put(db, &*app.clock, &audit.0, date, &request)
            .await
            .map(|(h, _)| h.date.year()),
        None => {
            let mut v = Violations::new();
            v.add("date", "date");
            Err(ServiceError::Invalid(v))
        }
    };
    match outcome {
        Ok(year) => Ok(Ok(Flash::success(
            Redirect::to(format!("/holidays?year={year}")),
            "holidays-saved",
        ))),
        Err(ServiceError::Invalid(found)) => {
            let mut v = Violations::new();
            for (field, codes) in found.fields() {
                for code in codes {
                    v.add(field.replace("name.", "name_"), code);
                }
            }
            let values =
                json!({"date": form.date, "name_ru": form.name_ru, "name_ky": form.name_ky, "name_en": form.name_en});
            let year = year_of(None, app).unwrap_or(2026);
            let page = holidays_page(&ctx, db, year, None, values, Some(&v)).await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
        Err(other) => Err(other.into()),
    }
}

crate::web::auth::csrf_protected!(HolidayForm, RemoveForm);

#[derive(FromForm)]
pub struct RemoveForm {
    #[field(default = String::new())]
    csrf_token: String,
}

#[rocket::post("/holidays/<date>/remove", data = "<_form>")]
pub async fn page_remove(
    _admin: Admin,
    date: &str,
    _form: CsrfForm<RemoveForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Flash<Redirect>, PageError> {
    let date = calendar::parse_date(date).ok_or_else(|| PageError::from(ServiceError::NotFound("holiday")))?;
    service::remove(db, &*app.clock, &audit.0, date).await?;
    Ok(Flash::success(
        Redirect::to(format!("/holidays?year={}", date.year())),
        "holidays-removed",
    ))
}
