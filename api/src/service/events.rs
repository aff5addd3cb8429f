//! Domain events: the changes of the event log that announce something to partners, in log
//! order, as far as a viewer may see them now; and the announcement of embargoed reports when
//! their embargo lifts.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    area, audit_event,
    enums::{EventType, InspectionStatus, Region},
    inspection, local_authority,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, Query},
};

use super::{
    change::{Change, ChangeError, Changes, Event, ObjectKind},
    page::Cursor,
    reference,
    scope::announced_to,
};
use crate::{
    domain::{
        codes::{IcbCode, LocalAuthorityCode},
        events::{EMBARGO_LIFTED, PUBLICATIONS},
    },
    error::AppError,
    policy::{Caller, Viewer},
};

/// What marks a cursor as a position in the event stream.
const CURSOR_KEY: &str = "event";

/// The cursor of the event with sequence number `sequence`: pass it as `after` to resume after
/// that event.
pub fn cursor(sequence: i32) -> String {
    Cursor::new(CURSOR_KEY, sequence).encode()
}

/// The sequence number a [`cursor`] stands for.
pub fn sequence_of(cursor: &str) -> Result<i32, AppError> {
    let decoded = Cursor::decode(cursor)?;
    if decoded.key != CURSOR_KEY {
        return Err(AppError::BadInput(format!(
            "`{}` is not a cursor of the event stream",
            crate::domain::echo(cursor)
        )));
    }
    Ok(decoded.id)
}

/// Which events a subscriber wants; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Empty for every type.
    pub types: Vec<EventType>,
    pub area: Option<LocalAuthorityCode>,
    /// The areas the board serves today.
    pub icb: Option<IcbCode>,
    pub region: Option<Region>,
}

/// The viewer's events after sequence number `after`, oldest first, at most `limit`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn after(
    viewer: &Viewer,
    db: &DatabaseConnection,
    after: i32,
    filter: &EventFilter,
    today: NaiveDate,
    limit: u64,
) -> Result<Vec<audit_event::Model>, AppError> {
    let mut select = audit_event::Entity::find()
        .filter(announced_to(viewer))
        .filter(audit_event::Column::Id.gt(after));
    if !filter.types.is_empty() {
        select = select.filter(audit_event::Column::EventType.is_in(filter.types.iter().copied()));
    }
    if let Some(code) = &filter.area {
        let areas = area::Entity::find()
            .select_only()
            .column(area::Column::Id)
            .inner_join(local_authority::Entity)
            .filter(local_authority::Column::OnsCode.eq(code.canonical()))
            .into_query();
        select = select.filter(audit_event::Column::AreaId.in_subquery(areas));
    }
    if let Some(icb) = &filter.icb {
        let areas = reference::areas_served_by(viewer, icb, today);
        select = select.filter(audit_event::Column::AreaId.in_subquery(areas));
    }
    if let Some(region) = filter.region {
        let areas = area::Entity::find()
            .select_only()
            .column(area::Column::Id)
            .inner_join(local_authority::Entity)
            .filter(local_authority::Column::Region.eq(region))
            .into_query();
        select = select.filter(audit_event::Column::AreaId.in_subquery(areas));
    }
    Ok(select
        .order_by_asc(audit_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .map(super::loaded)?)
}

/// Publications set for a time now past and not yet announced: the last event that set each
/// report to publish (`publishReport` or `releasePublication`) deferred its announcement, and
/// nothing has set, held or announced that report's publication since.
fn unannounced_publications(now: DateTime<Utc>) -> Condition {
    let later = Alias::new("later");
    let set_since = Query::select()
        .expr(Expr::val(1))
        .from_as(audit_event::Entity, later.clone())
        .and_where(
            Expr::col((later.clone(), audit_event::Column::ObjectKind))
                .eq(ObjectKind::Report.as_str()),
        )
        .and_where(
            Expr::col((later.clone(), audit_event::Column::ObjectRowId))
                .equals((audit_event::Entity, audit_event::Column::ObjectRowId)),
        )
        .and_where(
            Expr::col((later.clone(), audit_event::Column::Id))
                .gt(Expr::col((audit_event::Entity, audit_event::Column::Id))),
        )
        .and_where(
            Expr::col((later, audit_event::Column::Action)).is_in(
                PUBLICATIONS
                    .into_iter()
                    .chain([EMBARGO_LIFTED, "holdPublication"]),
            ),
        )
        .to_owned();
    let in_force = inspection::Entity::find()
        .select_only()
        .column(inspection::Column::Id)
        .filter(inspection::Column::Status.eq(InspectionStatus::Published))
        .filter(inspection::Column::PublishAt.lte(now))
        .into_query();
    Condition::all()
        .add(audit_event::Column::ObjectKind.eq(ObjectKind::Report.as_str()))
        .add(audit_event::Column::Action.is_in(PUBLICATIONS))
        .add(audit_event::Column::EventType.is_null())
        .add(audit_event::Column::ObjectRowId.in_subquery(in_force))
        .add(Expr::exists(set_since).not())
}

/// Announces every publication whose embargo has lifted by `now`, each by an event of its own
/// in the log, made on behalf of whoever set the publication. Safe to run on every server at
/// once: each announcement is checked again under the log's lock, so it is made once.
/// Returns how many were announced.
pub async fn lift_embargoes(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let due = audit_event::Entity::find()
        .filter(unannounced_publications(now))
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await?;
    let mut announced = 0;
    for publication in due {
        match announce(db, &publication, now).await {
            Ok(true) => announced += 1,
            Ok(false) => {}
            Err(ChangeError::Failed(error)) => return Err(error),
            Err(ChangeError::Rejected(rejection)) => {
                tracing::error!(%rejection, "an embargo's lifting was refused");
                return Err(AppError::Internal);
            }
        }
    }
    Ok(announced)
}

/// Announces one publication, unless another server has since done so.
async fn announce(
    db: &DatabaseConnection,
    publication: &audit_event::Model,
    now: DateTime<Utc>,
) -> Result<bool, ChangeError> {
    let publisher = Viewer::SignedIn(Caller {
        subject: publication.actor_subject.clone(),
        role: publication.actor_role,
        organisation: publication.actor_organisation.clone(),
        area_ids: Vec::new(),
        can_write: true,
    });
    let change = Change::begin(db, &publisher, None).await?;
    let still_due = audit_event::Entity::find()
        .filter(audit_event::Column::Id.eq(publication.id))
        .filter(unannounced_publications(now))
        .one(change.connection())
        .await?
        .is_some();
    let (Some(row_id), true) = (publication.object_row_id, still_due) else {
        // Dropping the change rolls it back, and the sequence number it took with it.
        return Ok(false);
    };
    let event = Event {
        operation: EMBARGO_LIFTED,
        kind: ObjectKind::Report,
        row_id,
        area_id: publication.area_id,
        summary: "The report's embargo lifted: it is public".to_owned(),
        changes: Changes::default(),
    };
    change.commit(event).await?;
    Ok(true)
}
