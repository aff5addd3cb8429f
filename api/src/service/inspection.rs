//! The inspections feed: filtered, in a stable (updated at, id) order, paged by keyset in SQL so
//! that an incremental sync can resume from its last cursor however large the history grows.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    area,
    enums::{InspectionFramework, InspectionKind, InspectionOutcome, Region},
    inspection, local_authority,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    QueryTrait, Select,
    sea_query::{Expr, ExprTrait},
};

use super::{
    keyset::{self, Keyset},
    page::{Page, PageRequest},
    reference,
    scope::{self, visible},
};
use crate::{
    domain::codes::{IcbCode, LocalAuthorityCode},
    error::AppError,
    policy::Viewer,
};

#[derive(Debug, Clone, Default)]
pub struct InspectionFilter {
    pub area: Option<LocalAuthorityCode>,
    pub framework: Option<InspectionFramework>,
    pub kind: Option<InspectionKind>,
    pub outcome: Option<InspectionOutcome>,
    pub published_on_or_after: Option<NaiveDate>,
    pub published_on_or_before: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    pub region: Option<Region>,
    pub icb: Option<IcbCode>,
}

fn filtered(
    viewer: &Viewer,
    filter: &InspectionFilter,
    today: NaiveDate,
) -> Select<inspection::Entity> {
    let mut select = visible::<inspection::Entity>(viewer);
    if let Some(framework) = filter.framework {
        select = select.filter(inspection::Column::Framework.eq(framework));
    }
    if let Some(kind) = filter.kind {
        select = select.filter(inspection::Column::Kind.eq(kind));
    }
    if let Some(outcome) = filter.outcome {
        // Only reports the viewer may read can match: an embargoed outcome must not be
        // discoverable by filtering on it.
        select = select
            .filter(inspection::Column::Outcome.eq(outcome))
            .filter(scope::findings_condition(viewer));
    }
    if let Some(from) = filter.published_on_or_after {
        select = select.filter(Expr::expr(scope::inspection_published_on()).gte(from));
    }
    if let Some(to) = filter.published_on_or_before {
        select = select.filter(Expr::expr(scope::inspection_published_on()).lte(to));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(Expr::expr(scope::inspection_changed_at()).gte(since));
    }
    if filter.area.is_some() || filter.region.is_some() {
        let mut areas = visible::<area::Entity>(viewer)
            .select_only()
            .column(area::Column::Id)
            .inner_join(local_authority::Entity);
        if let Some(code) = &filter.area {
            areas = areas.filter(local_authority::Column::OnsCode.eq(code.canonical()));
        }
        if let Some(region) = filter.region {
            areas = areas.filter(local_authority::Column::Region.eq(region));
        }
        select = select.filter(inspection::Column::AreaId.in_subquery(areas.into_query()));
    }
    if let Some(icb) = &filter.icb {
        select = select.filter(
            inspection::Column::AreaId.in_subquery(reference::areas_served_by(viewer, icb, today)),
        );
    }
    select
}

const FEED_ORDER: Keyset<inspection::Entity> = Keyset {
    at: scope::inspection_changed_at,
    id: inspection::Column::Id,
};

/// One page of the feed. `descending` lists the most recently changed first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(
    viewer: &Viewer,
    db: &DatabaseConnection,
    filter: &InspectionFilter,
    descending: bool,
    request: &PageRequest,
    today: NaiveDate,
) -> Result<Page<inspection::Model>, AppError> {
    let base = filtered(viewer, filter, today);
    FEED_ORDER
        .page(db, base, descending, request, |row| {
            keyset::cursor(&row.updated_at, row.id)
        })
        .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count(
    viewer: &Viewer,
    db: &DatabaseConnection,
    filter: &InspectionFilter,
    today: NaiveDate,
) -> Result<u64, AppError> {
    Ok(filtered(viewer, filter, today).count(db).await?)
}

/// The next instant after `now` at which an embargo lifts, for anyone: the earliest publication
/// set for later. What every viewer reads of inspections can change then with no write.
pub async fn next_embargo_lift(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let next = inspection::Entity::find()
        .select_only()
        .column_as(inspection::Column::PublishAt.min(), "next")
        .filter(inspection::Column::Status.eq(entity::enums::InspectionStatus::Published))
        .filter(inspection::Column::PublishAt.gt(now))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?;
    Ok(next.flatten())
}
