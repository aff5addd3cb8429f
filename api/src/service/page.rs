//! Relay-style pagination shared by every connection: the request (`first/after/last/before`),
//! opaque cursors that carry the sort key, and paging of an already ordered list.
//!
//! A cursor names a position in an order, (sort key, id), not an offset: rows added or removed
//! before it do not shift what comes after it.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The largest page a client may ask for; the national dashboard asks for 200.
pub const MAX_PAGE_SIZE: usize = 250;
/// The page size when a client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cursor {
    pub key: String,
    pub id: i32,
}

impl Cursor {
    pub fn new(key: impl Into<String>, id: i32) -> Self {
        Self {
            key: key.into(),
            id,
        }
    }

    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(&(&self.key, self.id)).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(raw: &str) -> Result<Self, AppError> {
        let invalid = || {
            AppError::BadInput(format!(
                "`{}` is not a valid cursor",
                crate::domain::echo(raw)
            ))
        };
        let json = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let (key, id): (String, i32) = serde_json::from_slice(&json).map_err(|_| invalid())?;
        Ok(Self { key, id })
    }
}

/// Which end of the order a page is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    Start(usize),
    End(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub from: From,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

impl PageRequest {
    pub fn parse(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> Result<Self, AppError> {
        let size = |name: &str, value: i32| {
            usize::try_from(value)
                .ok()
                .filter(|size| *size <= MAX_PAGE_SIZE)
                .ok_or_else(|| {
                    AppError::BadInput(format!(
                        "`{name}` must be between 0 and {MAX_PAGE_SIZE}, got {value}"
                    ))
                })
        };
        let from = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::BadInput(
                    "pass `first` or `last`, not both".to_owned(),
                ));
            }
            (Some(first), None) => From::Start(size("first", first)?),
            (None, Some(last)) => From::End(size("last", last)?),
            (None, None) => From::Start(DEFAULT_PAGE_SIZE),
        };
        Ok(Self {
            from,
            after: after.map(Cursor::decode).transpose()?,
            before: before.map(Cursor::decode).transpose()?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

/// Pages a list already sorted by its cursors (ascending, or descending when `descending`).
/// For bounded lists, such as the 153 areas, that are cheaper to order in memory than in SQL.
pub fn paginate<T>(sorted: Vec<(Cursor, T)>, request: &PageRequest, descending: bool) -> Page<T> {
    let precedes = |a: &Cursor, b: &Cursor| if descending { a > b } else { a < b };
    let start = request.after.as_ref().map_or(0, |after| {
        sorted
            .iter()
            .position(|(cursor, _)| precedes(after, cursor))
            .unwrap_or(sorted.len())
    });
    let end = request.before.as_ref().map_or(sorted.len(), |before| {
        sorted
            .iter()
            .position(|(cursor, _)| !precedes(cursor, before))
            .unwrap_or(sorted.len())
    });
    let end = end.max(start);
    let window = end - start;
    let (start, end) = match request.from {
        From::Start(first) => (start, start + first.min(window)),
        From::End(last) => (end - last.min(window), end),
    };
    let has_previous_page = start > 0;
    let has_next_page = end < sorted.len();
    let items = sorted.into_iter().skip(start).take(end - start).collect();
    Page {
        items,
        has_previous_page,
        has_next_page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: i32) -> Vec<(Cursor, i32)> {
        (1..=n)
            .map(|id| (Cursor::new(format!("k{id:02}"), id), id))
            .collect()
    }

    fn ids(page: &Page<i32>) -> Vec<i32> {
        page.items.iter().map(|(_, id)| *id).collect()
    }

    fn request(
        first: Option<i32>,
        after: Option<i32>,
        last: Option<i32>,
        before: Option<i32>,
    ) -> PageRequest {
        let cursor = |id: i32| Cursor::new(format!("k{id:02}"), id).encode();
        PageRequest::parse(
            first,
            after.map(cursor).as_deref(),
            last,
            before.map(cursor).as_deref(),
        )
        .unwrap()
    }

    #[test]
    fn first_and_after_walk_forward() {
        let page = paginate(rows(5), &request(Some(2), None, None, None), false);
        assert_eq!(
            (ids(&page), page.has_previous_page, page.has_next_page),
            (vec![1, 2], false, true)
        );
        let page = paginate(rows(5), &request(Some(2), Some(2), None, None), false);
        assert_eq!(
            (ids(&page), page.has_previous_page, page.has_next_page),
            (vec![3, 4], true, true)
        );
        let page = paginate(rows(5), &request(Some(2), Some(4), None, None), false);
        assert_eq!(
            (ids(&page), page.has_previous_page, page.has_next_page),
            (vec![5], true, false)
        );
    }

    #[test]
    fn last_and_before_walk_backward() {
        let page = paginate(rows(5), &request(None, None, Some(2), None), false);
        assert_eq!(
            (ids(&page), page.has_previous_page, page.has_next_page),
            (vec![4, 5], true, false)
        );
        let page = paginate(rows(5), &request(None, None, Some(2), Some(4)), false);
        assert_eq!(
            (ids(&page), page.has_previous_page, page.has_next_page),
            (vec![2, 3], true, true)
        );
    }

    #[test]
    fn a_cursor_of_a_removed_row_still_marks_its_place() {
        let mut without_three = rows(5);
        without_three.remove(2);
        let page = paginate(
            without_three,
            &request(Some(10), Some(3), None, None),
            false,
        );
        assert_eq!(ids(&page), vec![4, 5]);
    }

    #[test]
    fn descending_order_pages_from_the_highest_key() {
        let mut descending = rows(5);
        descending.reverse();
        let page = paginate(descending, &request(Some(2), Some(4), None, None), true);
        assert_eq!(ids(&page), vec![3, 2]);
    }

    #[test]
    fn bad_page_requests_are_user_errors() {
        for (first, last) in [
            (Some(-1), None),
            (Some(251), None),
            (Some(1), Some(1)),
            (None, Some(-5)),
        ] {
            let error = PageRequest::parse(first, None, last, None).unwrap_err();
            assert_eq!(
                error.code().as_str(),
                "BAD_USER_INPUT",
                "{first:?} {last:?}"
            );
        }
        assert_eq!(
            PageRequest::parse(None, Some("not a cursor!"), None, None)
                .unwrap_err()
                .code()
                .as_str(),
            "BAD_USER_INPUT"
        );
    }
}
