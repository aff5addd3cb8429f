//! Local authorities, ICBs and who serves whom, as of a date.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{
    area, enums::SuccessionKind, icb_code_alias, integrated_care_board, local_authority,
    partnership_membership, succession,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, sea_query::SelectStatement,
};

use super::scope::visible;
use crate::{
    domain::codes::{IcbCode, OrganisationCode},
    error::AppError,
    policy::Viewer,
};

#[tracing::instrument(level = "debug", skip_all)]
pub async fn local_authorities(
    viewer: &Viewer,
    db: &DatabaseConnection,
    on: NaiveDate,
) -> Result<Vec<local_authority::Model>, AppError> {
    Ok(visible::<local_authority::Entity>(viewer)
        .filter(exists_on(
            local_authority::Column::ValidFrom,
            local_authority::Column::ValidTo,
            on,
        ))
        .order_by_asc(local_authority::Column::OnsCode)
        .all(db)
        .await
        .map(super::loaded)?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn integrated_care_boards(
    viewer: &Viewer,
    db: &DatabaseConnection,
    on: NaiveDate,
) -> Result<Vec<integrated_care_board::Model>, AppError> {
    Ok(visible::<integrated_care_board::Entity>(viewer)
        .filter(exists_on(
            integrated_care_board::Column::ValidFrom,
            integrated_care_board::Column::ValidTo,
            on,
        ))
        .order_by_asc(integrated_care_board::Column::OnsCode)
        .all(db)
        .await
        .map(super::loaded)?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn integrated_care_board(
    viewer: &Viewer,
    db: &DatabaseConnection,
    code: &IcbCode,
) -> Result<Option<integrated_care_board::Model>, AppError> {
    Ok(visible::<integrated_care_board::Entity>(viewer)
        .filter(icb_code_condition(code))
        .one(db)
        .await?)
}

/// The ICB a code names: its ONS code (current or reissued) or its ODS code.
pub fn icb_code_condition(code: &IcbCode) -> Condition {
    match code {
        IcbCode::Ons(code) => {
            let reissued = icb_code_alias::Entity::find()
                .select_only()
                .column(icb_code_alias::Column::IntegratedCareBoardId)
                .filter(icb_code_alias::Column::Code.eq(code.as_str()))
                .into_query();
            Condition::any()
                .add(integrated_care_board::Column::OnsCode.eq(code.as_str()))
                .add(integrated_care_board::Column::Id.in_subquery(reissued))
        }
        IcbCode::Ods(code) => {
            Condition::all().add(integrated_care_board::Column::OdsCode.eq(code.as_str()))
        }
    }
}

/// Memberships in force on `on`: begun by then and not yet ended.
pub fn in_force(on: NaiveDate) -> Condition {
    exists_on(
        partnership_membership::Column::ValidFrom,
        partnership_membership::Column::ValidTo,
        on,
    )
}

/// The ids of the areas an ICB (by either code) serves on `on`, as a subquery.
pub fn areas_served_by(viewer: &Viewer, code: &IcbCode, on: NaiveDate) -> SelectStatement {
    let icb_ids = visible::<integrated_care_board::Entity>(viewer)
        .select_only()
        .column(integrated_care_board::Column::Id)
        .filter(icb_code_condition(code))
        .into_query();
    visible::<partnership_membership::Entity>(viewer)
        .select_only()
        .column(partnership_membership::Column::AreaId)
        .filter(in_force(on))
        .filter(partnership_membership::Column::IntegratedCareBoardId.in_subquery(icb_ids))
        .into_query()
}

/// The ICBs serving each area on `on`, the one covering most of the area first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn current_icbs_of_areas(
    viewer: &Viewer,
    db: &DatabaseConnection,
    area_ids: &[i32],
    on: NaiveDate,
) -> Result<HashMap<i32, Vec<integrated_care_board::Model>>, AppError> {
    let rows = visible::<partnership_membership::Entity>(viewer)
        .filter(partnership_membership::Column::AreaId.is_in(area_ids.iter().copied()))
        .filter(in_force(on))
        .find_also_related(integrated_care_board::Entity)
        .order_by_desc(partnership_membership::Column::IsPrimary)
        .order_by_asc(integrated_care_board::Column::OnsCode)
        .all(db)
        .await
        .map(super::loaded)?;
    let mut grouped: HashMap<i32, Vec<integrated_care_board::Model>> = HashMap::new();
    for (membership, icb) in rows {
        if let Some(icb) = icb {
            grouped.entry(membership.area_id).or_default().push(icb);
        }
    }
    Ok(grouped)
}

/// The areas a local partner organisation belongs to on `on`: its local authority's area, or
/// every area its ICB serves. `None` when the code names no known LA or ICB.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn areas_of_organisation(
    db: &DatabaseConnection,
    code: &OrganisationCode,
    on: NaiveDate,
) -> Result<Option<Vec<i32>>, AppError> {
    // Reference data is public, so the lookup needs no particular viewer.
    let viewer = &Viewer::Public;
    let icb_code = match code {
        OrganisationCode::LocalAuthority(la_code) => {
            let area = visible::<area::Entity>(viewer)
                .inner_join(local_authority::Entity)
                .filter(local_authority::Column::OnsCode.eq(la_code.canonical()))
                .one(db)
                .await?;
            return Ok(area.map(|area| vec![area.id]));
        }
        OrganisationCode::IntegratedCareBoard(icb_code) => icb_code,
    };
    if integrated_care_board(viewer, db, icb_code).await?.is_none() {
        return Ok(None);
    }
    let areas = visible::<area::Entity>(viewer)
        .filter(area::Column::Id.in_subquery(areas_served_by(viewer, icb_code, on)))
        .all(db)
        .await
        .map(super::loaded)?;
    Ok(Some(areas.into_iter().map(|area| area.id).collect()))
}

/// The successions of the given (kind, predecessor id) pairs: (kind, predecessor, successor).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn successions(
    db: &DatabaseConnection,
    predecessors: impl Iterator<Item = (SuccessionKind, i32)>,
) -> Result<Vec<(SuccessionKind, i32, i32)>, AppError> {
    let mut condition = Condition::any();
    for (kind, id) in predecessors {
        condition = condition.add(
            Condition::all()
                .add(succession::Column::Kind.eq(kind))
                .add(succession::Column::PredecessorId.eq(id)),
        );
    }
    let rows = succession::Entity::find()
        .filter(condition)
        .order_by_asc(succession::Column::SuccessorId)
        .all(db)
        .await
        .map(super::loaded)?;
    Ok(rows
        .into_iter()
        .map(|row| (row.kind, row.predecessor_id, row.successor_id))
        .collect())
}

/// Rows in existence on `on`, by their bounds (`domain::map::in_existence`, in SQL).
pub fn exists_on<C: ColumnTrait>(valid_from: C, valid_to: C, on: NaiveDate) -> Condition {
    Condition::all()
        .add(
            Condition::any()
                .add(valid_from.is_null())
                .add(valid_from.lte(on)),
        )
        .add(
            Condition::any()
                .add(valid_to.is_null())
                .add(valid_to.gt(on)),
        )
}
