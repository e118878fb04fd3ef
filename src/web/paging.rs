//! Lists in the API (api.md): `{"items": [...], "next": "<cursor>" | null}`, keyset pagination
//! with `?after=<cursor>` and `?limit=` from 1 to 200 (default 50).

use serde::Serialize;
use utoipa::ToSchema;

use crate::web::api_error::ApiError;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Debug, Serialize, ToSchema)]
pub struct ListPage<T: ToSchema> {
    pub items: Vec<T>,
    /// The cursor of the next page, or null on the last one.
    pub next: Option<String>,
}

/// Checks `?limit=`: absent means the default; anything but a whole number from 1 to 200 is a
/// 422 on `limit` (never silently replaced by the default).
pub fn check_limit(limit: Option<&str>) -> Result<u32, ApiError> {
    let Some(limit) = limit else {
        return Ok(DEFAULT_LIMIT);
    };
    // Digits only, as the description's integer says: no sign, no spaces.
    match crate::domain::validation::whole_number::<u32>(limit, 3) {
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(ApiError::field("limit", "limit_range")),
    }
}

/// Checks `?after=` where the cursor is a row id: absent is the first page; anything but a whole
/// number of at most 18 digits is a 422 on `after`.
pub fn check_id_cursor(after: Option<&str>) -> Result<Option<i64>, ApiError> {
    after
        .map(|a| crate::domain::ids::parse_id(a).ok_or_else(|| ApiError::field("after", "cursor")))
        .transpose()
}

/// Builds a page from `limit + 1` fetched rows: the extra row only tells that more exist.
pub fn page_of<T: ToSchema, R>(
    mut rows: Vec<R>,
    limit: u32,
    cursor: impl Fn(&R) -> String,
    item: impl Fn(R) -> T,
) -> ListPage<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(&cursor) } else { None };
    ListPage {
        items: rows.into_iter().map(item).collect(),
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_checked() {
        assert_eq!(check_limit(None).unwrap(), 50);
        assert_eq!(check_limit(Some("200")).unwrap(), 200);
        assert_eq!(check_limit(Some("0")).unwrap_err().code, "validation_failed");
        assert!(check_limit(Some("201")).is_err());
        assert!(check_limit(Some("-1")).is_err());
        assert!(check_limit(Some("ten")).is_err());
        assert!(check_limit(Some("+5")).is_err());
        assert!(check_limit(Some(" 5")).is_err());
        assert!(check_limit(Some("")).is_err());
        assert_eq!(check_limit(Some("007")).unwrap(), 7);
    }

    #[test]
    fn next_cursor_only_when_more_rows_exist() {
        let page = page_of::<String, i32>(vec![1, 2, 3], 2, |r| r.to_string(), |r| r.to_string());
        assert_eq!(page.items, vec!["1", "2"]);
        assert_eq!(page.next.as_deref(), Some("2"));
        let last = page_of::<String, i32>(vec![1, 2], 2, |r| r.to_string(), |r| r.to_string());
        assert_eq!(last.next, None);
    }
}
