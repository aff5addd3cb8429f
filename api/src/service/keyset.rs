//! Keyset paging in SQL over (instant, id): for lists that grow without bound (the inspections
//! feed, the audit trail), so that a page costs the same however far into the list it is and a
//! sync can resume from its last cursor.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};

use super::page::{Cursor, From, Page, PageRequest};
use crate::error::AppError;

/// What orders a list: an instant (a column, or an expression over columns), then the id to
/// break ties.
pub struct Keyset<E: EntityTrait> {
    pub at: fn() -> SimpleExpr,
    pub id: E::Column,
}

pub fn cursor(at: &DateTime<Utc>, id: i32) -> Cursor {
    Cursor::new(at.to_rfc3339_opts(SecondsFormat::Micros, true), id)
}

fn position(cursor: &Cursor) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(&cursor.key)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| AppError::BadInput("the cursor does not belong to this list".to_owned()))
}

impl<E> Keyset<E>
where
    E: EntityTrait,
    E::Model: Sync,
{
    /// Rows strictly after (`later`) or strictly before a cursor in ascending order.
    fn beyond(&self, cursor: &Cursor, later: bool) -> Result<Condition, AppError> {
        let at = position(cursor)?;
        let (at_beyond, id_beyond) = if later {
            (Expr::expr((self.at)()).gt(at), self.id.gt(cursor.id))
        } else {
            (Expr::expr((self.at)()).lt(at), self.id.lt(cursor.id))
        };
        Ok(Condition::any().add(at_beyond).add(
            Condition::all()
                .add(Expr::expr((self.at)()).eq(at))
                .add(id_beyond),
        ))
    }

    /// One page of `base`; `descending` lists the latest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn page(
        &self,
        db: &DatabaseConnection,
        base: Select<E>,
        descending: bool,
        request: &PageRequest,
        cursor_of: impl Fn(&E::Model) -> Cursor,
    ) -> Result<Page<E::Model>, AppError> {
        // In list order, `after` means later in ascending order unless the list descends.
        let mut select = base.clone();
        if let Some(after) = &request.after {
            select = select.filter(self.beyond(after, !descending)?);
        }
        if let Some(before) = &request.before {
            select = select.filter(self.beyond(before, descending)?);
        }
        let (size, from_end) = match request.from {
            From::Start(size) => (size, false),
            From::End(size) => (size, true),
        };
        // Reading from the end means reading the reversed order, then turning the page round.
        let select = if descending == from_end {
            select
                .order_by((self.at)(), Order::Asc)
                .order_by_asc(self.id)
        } else {
            select
                .order_by((self.at)(), Order::Desc)
                .order_by_desc(self.id)
        };
        let mut rows = select
            .limit(size as u64 + 1)
            .all(db)
            .await
            .map(super::loaded)?;
        let more = rows.len() > size;
        rows.truncate(size);
        if from_end {
            rows.reverse();
        }
        let (has_previous_page, has_next_page) = if from_end {
            (
                more,
                self.exists_beyond(db, &base, &request.before, !descending)
                    .await?,
            )
        } else {
            (
                self.exists_beyond(db, &base, &request.after, descending)
                    .await?,
                more,
            )
        };
        Ok(Page {
            items: rows.into_iter().map(|row| (cursor_of(&row), row)).collect(),
            has_previous_page,
            has_next_page,
        })
    }

    /// Whether anything lies on the far side of the cursor a page started from (the cursor's own
    /// row included).
    async fn exists_beyond(
        &self,
        db: &DatabaseConnection,
        base: &Select<E>,
        cursor: &Option<Cursor>,
        later: bool,
    ) -> Result<bool, AppError> {
        let Some(cursor) = cursor else {
            return Ok(false);
        };
        let at_or_beyond = Condition::any()
            .add(self.beyond(cursor, later)?)
            .add(self.id.eq(cursor.id));
        Ok(base.clone().filter(at_or_beyond).limit(1).count(db).await? > 0)
    }
}
