//! Announces the schedule's milestones: each day, every item of an area's schedule that falls
//! due that day, or fell overdue, becomes an event of the log, as the area's readers see it
//! (see [`crate::domain::events::readers_of`]). A day is announced once, in one transaction,
//! by whichever server gets there first: the last day announced is kept with the log's head and
//! moved under its lock.

use async_graphql::EnumType as _;
use chrono::{NaiveDate, Utc};
use entity::{
    area, audit_event,
    enums::{EventType, Role},
    event_log_head, local_authority,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};

use super::{
    change::{self, ChangeError, Changes, Event, ObjectKind, date, enum_value},
    history::Histories,
    reference,
};
use crate::{
    domain::{
        events::{Milestone, Readers, milestones, readers_of},
        schedule::{ScheduleItem, ScheduleSettings, schedule},
    },
    error::AppError,
    policy::{Caller, Viewer},
};

/// Who the log names as the maker of a milestone: the schedule is the inspectorates'.
fn schedule_keeper() -> Caller {
    schedule_caller(Role::Ofsted)
}

/// Whose view of the record the followers' schedule is computed from: DfE follows every area
/// and sees no more of it than any follower does (inspections once notified, plans once
/// submitted), where an inspectorate would see its planned dates too.
fn follower() -> Viewer {
    Viewer::SignedIn(schedule_caller(Role::Dfe))
}

fn schedule_caller(role: Role) -> Caller {
    Caller {
        subject: "schedule".to_owned(),
        role,
        organisation: None,
        area_ids: Vec::new(),
        can_write: false,
    }
}

/// The last day announced; `None` before the first.
pub async fn announced_through(db: &DatabaseConnection) -> Result<Option<NaiveDate>, AppError> {
    let head = event_log_head::Entity::find_by_id(1).one(db).await?;
    Ok(head.and_then(|head| head.schedule_announced_through))
}

/// Announces the milestones of the days after the last announced, up to `today` (only `today`
/// the first time). Returns how many were announced; none if another server announced `today`
/// first.
pub async fn announce(db: &DatabaseConnection, today: NaiveDate) -> Result<usize, AppError> {
    let last = announced_through(db).await?;
    if last.is_some_and(|last| last >= today) {
        return Ok(0);
    }
    let since = last.unwrap_or_else(|| today.pred_opt().unwrap_or(today));
    let told = reached(db, today, since).await?;
    match record(db, last, today, &told).await {
        Ok(announced) => Ok(announced),
        Err(ChangeError::Failed(error)) => Err(error),
        Err(ChangeError::Rejected(rejection)) => {
            tracing::error!(%rejection, "a milestone's announcement was refused");
            Err(AppError::Internal)
        }
    }
}

/// Each area's milestones reached after `since` up to `today`, with their readers.
async fn reached(
    db: &DatabaseConnection,
    today: NaiveDate,
    since: NaiveDate,
) -> Result<Vec<(i32, Milestone, Readers)>, AppError> {
    use local_authority::Column;
    let area_ids: Vec<i32> = area::Entity::find()
        .select_only()
        .column(area::Column::Id)
        .inner_join(local_authority::Entity)
        .filter(reference::exists_on(
            Column::ValidFrom,
            Column::ValidTo,
            today,
        ))
        .into_tuple()
        .all(db)
        .await?;
    // One after the other, as a background task can afford: each read at once would fill
    // another SQLite connection's page cache, memory the server then keeps.
    let published = Histories::load(&Viewer::Public, db, &area_ids).await?;
    let followed = Histories::load(&follower(), db, &area_ids).await?;
    let settings = &ScheduleSettings::FRAMEWORK_2023;
    let mut told = Vec::new();
    for area_id in area_ids {
        let published = milestones(&schedule(&published.of(area_id), today, settings), since);
        let followed = milestones(&schedule(&followed.of(area_id), today, settings), since);
        told.extend(
            readers_of(&published, &followed)
                .into_iter()
                .map(|(milestone, readers)| (area_id, milestone, readers)),
        );
    }
    Ok(told)
}

/// Writes the milestones and moves the last day announced from `last` to `today`, in one
/// transaction; nothing if another server moved it first.
async fn record(
    db: &DatabaseConnection,
    last: Option<NaiveDate>,
    today: NaiveDate,
    told: &[(i32, Milestone, Readers)],
) -> Result<usize, ChangeError> {
    use event_log_head::Column;
    let txn = change::begin_writing(db).await?;
    let unchanged = match last {
        Some(last) => Column::ScheduleAnnouncedThrough.eq(last),
        None => Column::ScheduleAnnouncedThrough.is_null(),
    };
    let moved = event_log_head::Entity::update_many()
        .col_expr(Column::ScheduleAnnouncedThrough, Expr::value(today))
        .filter(Column::Id.eq(1))
        .filter(unchanged)
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        // Dropping the transaction rolls it back.
        return Ok(0);
    }
    // Read once the head row is locked, as a change reads it: event times follow the log.
    let now = Utc::now();
    let keeper = schedule_keeper();
    let mut sequence = None;
    for (area_id, milestone, readers) in told {
        let next = change::take_sequence(&txn).await?;
        let event = Event {
            operation: milestone.operation(),
            kind: match readers {
                Readers::Everyone => ObjectKind::Schedule,
                Readers::Outsiders => ObjectKind::PublishedSchedule,
                Readers::Followers => ObjectKind::FollowedSchedule,
            },
            row_id: *area_id,
            area_id: Some(*area_id),
            summary: milestone.summary(),
            changes: Changes::default()
                .with("item", serde_json::Value::Null, enum_value(milestone.item))
                .with(
                    "dueBy",
                    serde_json::Value::Null,
                    date(Some(milestone.due_by)),
                ),
        };
        let event_type = crate::domain::events::announced(event.operation, None, now);
        change::append(&txn, next, now, &keeper, event, event_type).await?;
        sequence = Some(next);
    }
    if let Some(sequence) = sequence {
        change::notify(&txn, sequence).await?;
    }
    txn.commit().await?;
    Ok(told.len())
}

/// The item and due date a milestone's log entry records; `None` for any other entry.
pub fn recorded(entry: &audit_event::Model) -> Option<(ScheduleItem, NaiveDate)> {
    if !matches!(
        entry.event_type,
        Some(EventType::ScheduleItemDue | EventType::ScheduleItemOverdue)
    ) {
        return None;
    }
    let changes: serde_json::Value = serde_json::from_str(entry.changes.as_deref()?).ok()?;
    let item = changes["item"]["after"].as_str()?;
    let item = ScheduleItem::items()
        .iter()
        .find(|known| known.name == item)?
        .value;
    let due_by = changes["dueBy"]["after"].as_str()?.parse().ok()?;
    Some((item, due_by))
}
