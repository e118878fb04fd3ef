//! The public holidays in the database (migration 0014): listed by year, added, renamed,
//! removed; read whole for the working-day arithmetic.

use chrono::NaiveDate;

use crate::domain::calendar::{Holiday, Holidays};
use crate::domain::localized::LocalizedText;
use crate::storage::{Db, StoreError, Tx};

type Row = (NaiveDate, String, Option<String>, Option<String>);

fn holiday((date, ru, ky, en): Row) -> Holiday {
    Holiday {
        date,
        name: LocalizedText { ru, ky, en },
    }
}

/// The holidays of `year` (every year when `None`), in date order.
pub async fn list(db: &Db, year: Option<i32>) -> Result<Vec<Holiday>, StoreError> {
    // The calendar's years only (dates outside four-digit years would not compare as text on SQLite).
    let year = year.unwrap_or(0).clamp(0, 9999);
    let range = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).zip(NaiveDate::from_ymd_opt(y, 12, 31));
    let (from, to) = match (year, range(year)) {
        (1.., Some(bounds)) => bounds,
        _ => range(0)
            .zip(range(9999))
            .map(|(first, last)| (first.0, last.1))
            .unwrap_or_default(),
    };
    let rows: Vec<Row> = on_pool!(db, pool => {
        sqlx::query_as("SELECT day, name_ru, name_ky, name_en FROM public_holidays WHERE day >= $1 AND day <= $2 ORDER BY day")
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
    });
    Ok(rows.into_iter().map(holiday).collect())
}

/// Every holiday's date, for counting working days.
pub async fn calendar(db: &Db) -> Result<Holidays, StoreError> {
    Ok(Holidays::new(list(db, None).await?.into_iter().map(|h| h.date)))
}

/// The holiday on `date`, read in the change's transaction.
pub async fn find(tx: &mut Tx, date: NaiveDate) -> Result<Option<Holiday>, StoreError> {
    let row: Option<Row> = on_tx!(tx, conn => {
        sqlx::query_as("SELECT day, name_ru, name_ky, name_en FROM public_holidays WHERE day = $1")
            .bind(date)
            .fetch_optional(&mut *conn)
            .await?
    });
    Ok(row.map(holiday))
}

/// Adds the holiday, or renames the one on its date.
pub async fn put(tx: &mut Tx, h: &Holiday) -> Result<(), StoreError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO public_holidays (day, name_ru, name_ky, name_en) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (day) DO UPDATE SET name_ru = EXCLUDED.name_ru, name_ky = EXCLUDED.name_ky, name_en = EXCLUDED.name_en",
        )
        .bind(h.date)
        .bind(&h.name.ru)
        .bind(h.name.ky.as_deref())
        .bind(h.name.en.as_deref())
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Removes the holiday on `date`; whether there was one.
pub async fn remove(tx: &mut Tx, date: NaiveDate) -> Result<bool, StoreError> {
    let removed = on_tx!(tx, conn => {
        sqlx::query("DELETE FROM public_holidays WHERE day = $1").bind(date).execute(&mut *conn).await?.rows_affected()
    });
    Ok(removed == 1)
}
