//! Areas: one per upper-tier local authority, found by code, listed with filters and orders.
//!
//! England has 153 areas and will never have many more, so a list is read in one query and
//! filtered and ordered in memory when the filter or order depends on the computed schedule.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{
    area,
    enums::{InspectionOutcome, LocalAuthorityType, Region},
    local_authority, partnership_membership,
};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, Select, SelectTwo};

use super::{history, page::Cursor, reference, scope::visible};
use crate::{
    domain::{
        codes::{IcbCode, LocalAuthorityCode},
        schedule::{self, ScheduleSettings},
    },
    error::AppError,
    policy::Viewer,
};

/// An area with the local authority that gives it its code, name and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaRecord {
    pub area: area::Model,
    pub local_authority: local_authority::Model,
}

#[derive(Debug, Clone, Default)]
pub struct AreaFilter {
    pub region: Option<Region>,
    pub local_authority_type: Option<LocalAuthorityType>,
    pub icb: Option<IcbCode>,
    pub latest_outcome: Option<InspectionOutcome>,
    pub is_overdue: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaOrder {
    Name,
    Code,
    /// The earliest date anything falls due; areas with nothing due come last.
    NextDueBy,
}

fn with_local_authority(
    select: Select<area::Entity>,
) -> SelectTwo<area::Entity, local_authority::Entity> {
    select.find_also_related(local_authority::Entity)
}

fn records(rows: Vec<(area::Model, Option<local_authority::Model>)>) -> Vec<AreaRecord> {
    rows.into_iter()
        .filter_map(|(area, local_authority)| {
            Some(AreaRecord {
                area,
                local_authority: local_authority?,
            })
        })
        .collect()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_by_code(
    viewer: &Viewer,
    db: &DatabaseConnection,
    code: &LocalAuthorityCode,
) -> Result<Option<AreaRecord>, AppError> {
    let rows = with_local_authority(visible::<area::Entity>(viewer))
        .filter(local_authority::Column::OnsCode.eq(code.canonical()))
        .all(db)
        .await
        .map(super::loaded)?;
    Ok(records(rows).into_iter().next())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_ids(
    viewer: &Viewer,
    db: &DatabaseConnection,
    ids: &[i32],
) -> Result<HashMap<i32, AreaRecord>, AppError> {
    let rows = with_local_authority(visible::<area::Entity>(viewer))
        .filter(area::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
        .map(super::loaded)?;
    Ok(records(rows)
        .into_iter()
        .map(|record| (record.area.id, record))
        .collect())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_local_authorities(
    viewer: &Viewer,
    db: &DatabaseConnection,
    local_authority_ids: &[i32],
) -> Result<Vec<AreaRecord>, AppError> {
    let rows = with_local_authority(visible::<area::Entity>(viewer))
        .filter(area::Column::LocalAuthorityId.is_in(local_authority_ids.iter().copied()))
        .all(db)
        .await
        .map(super::loaded)?;
    Ok(records(rows))
}

/// The areas each ICB serves on `on`, by ICB id, in area-code order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn served_by_icbs(
    viewer: &Viewer,
    db: &DatabaseConnection,
    icb_ids: &[i32],
    on: NaiveDate,
) -> Result<HashMap<i32, Vec<AreaRecord>>, AppError> {
    let memberships = visible::<partnership_membership::Entity>(viewer)
        .filter(
            partnership_membership::Column::IntegratedCareBoardId.is_in(icb_ids.iter().copied()),
        )
        .filter(reference::in_force(on))
        .all(db)
        .await
        .map(super::loaded)?;
    let area_ids: Vec<i32> = memberships.iter().map(|m| m.area_id).collect();
    let areas = by_ids(viewer, db, &area_ids).await?;
    let mut served: HashMap<i32, Vec<AreaRecord>> = HashMap::new();
    for membership in memberships {
        let (Some(icb_id), Some(record)) = (
            membership.integrated_care_board_id,
            areas.get(&membership.area_id),
        ) else {
            continue;
        };
        served.entry(icb_id).or_default().push(record.clone());
    }
    for list in served.values_mut() {
        list.sort_by(|a, b| a.local_authority.ons_code.cmp(&b.local_authority.ons_code));
    }
    Ok(served)
}

/// The areas in existence on `as_of` that match `filter` (an ICB filter by the boards serving
/// them that day), each with its cursor, sorted by `order` (ascending unless `descending`);
/// `as_of` is also the date the schedule-based filters and order are computed for.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    viewer: &Viewer,
    db: &DatabaseConnection,
    filter: &AreaFilter,
    order: AreaOrder,
    descending: bool,
    as_of: NaiveDate,
) -> Result<Vec<(Cursor, AreaRecord)>, AppError> {
    let mut select = visible::<area::Entity>(viewer);
    if let Some(icb) = &filter.icb {
        select = select
            .filter(area::Column::Id.in_subquery(reference::areas_served_by(viewer, icb, as_of)));
    }
    let mut select = with_local_authority(select).filter(reference::exists_on(
        local_authority::Column::ValidFrom,
        local_authority::Column::ValidTo,
        as_of,
    ));
    if let Some(region) = filter.region {
        select = select.filter(local_authority::Column::Region.eq(region));
    }
    if let Some(la_type) = filter.local_authority_type {
        select = select.filter(local_authority::Column::LaType.eq(la_type));
    }
    let areas = records(select.all(db).await.map(super::loaded)?);

    let needs_schedule = filter.latest_outcome.is_some()
        || filter.is_overdue.is_some()
        || order == AreaOrder::NextDueBy;
    let histories = if needs_schedule {
        let ids: Vec<i32> = areas.iter().map(|record| record.area.id).collect();
        Some(history::Histories::load(viewer, db, &ids).await?)
    } else {
        None
    };

    let mut keyed = Vec::with_capacity(areas.len());
    for record in areas {
        let history = histories.as_ref().map(|h| h.of(record.area.id));
        let schedule = history
            .as_ref()
            .map(|h| schedule::schedule(h, as_of, &ScheduleSettings::FRAMEWORK_2023));
        if let Some(wanted) = filter.latest_outcome {
            let latest = history
                .as_ref()
                .and_then(|h| schedule::latest_published_full(&h.inspections));
            if latest.and_then(|i| i.outcome) != Some(wanted) {
                continue;
            }
        }
        if let Some(wanted) = filter.is_overdue
            && schedule.as_ref().map(schedule::Schedule::is_overdue) != Some(wanted)
        {
            continue;
        }
        let key = match order {
            AreaOrder::Name => record.local_authority.name.clone(),
            AreaOrder::Code => record.local_authority.ons_code.clone(),
            // ISO dates sort as text; "~" sorts after every digit, putting "nothing due" last.
            AreaOrder::NextDueBy => schedule
                .and_then(|s| s.next_due_by())
                .map_or_else(|| "~".to_owned(), |date| date.to_string()),
        };
        keyed.push((Cursor::new(key, record.area.id), record));
    }
    keyed.sort_by(|(a, _), (b, _)| if descending { b.cmp(a) } else { a.cmp(b) });
    Ok(keyed)
}
