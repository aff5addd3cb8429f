//! The inspections feed: filtered, in a stable (updated at, id) order, paged by keyset in SQL so
//! that an incremental sync can resume from its last cursor however large the history grows.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use entity::{
    area,
    enums::{InspectionFramework, InspectionKind, InspectionOutcome, Region},
    inspection, local_authority,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};

use super::{
    page::{Cursor, From, Page, PageRequest},
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
        select = select.filter(inspection::Column::PublishedOn.gte(from));
    }
    if let Some(to) = filter.published_on_or_before {
        select = select.filter(inspection::Column::PublishedOn.lte(to));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(inspection::Column::UpdatedAt.gte(since));
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

pub fn cursor_of(inspection: &inspection::Model) -> Cursor {
    Cursor::new(
        inspection
            .updated_at
            .to_rfc3339_opts(SecondsFormat::Micros, true),
        inspection.id,
    )
}

fn position(cursor: &Cursor) -> Result<(DateTime<Utc>, i32), AppError> {
    let updated_at = DateTime::parse_from_rfc3339(&cursor.key)
        .map_err(|_| AppError::BadInput("the cursor does not belong to this list".to_owned()))?;
    Ok((updated_at.with_timezone(&Utc), cursor.id))
}

/// Rows strictly after (`later`) or strictly before a cursor in ascending (updated_at, id).
fn beyond(cursor: &Cursor, later: bool) -> Result<Condition, AppError> {
    let (updated_at, id) = position(cursor)?;
    let (at, tie) = if later {
        (
            inspection::Column::UpdatedAt.gt(updated_at),
            inspection::Column::Id.gt(id),
        )
    } else {
        (
            inspection::Column::UpdatedAt.lt(updated_at),
            inspection::Column::Id.lt(id),
        )
    };
    Ok(Condition::any().add(at).add(
        Condition::all()
            .add(inspection::Column::UpdatedAt.eq(updated_at))
            .add(tie),
    ))
}

/// One page of the feed. `descending` lists the most recently changed first.
pub async fn page(
    viewer: &Viewer,
    db: &DatabaseConnection,
    filter: &InspectionFilter,
    descending: bool,
    request: &PageRequest,
    today: NaiveDate,
) -> Result<Page<inspection::Model>, AppError> {
    let base = filtered(viewer, filter, today);
    // In list order, `after` means later in ascending order unless the list descends.
    let mut select = base.clone();
    if let Some(after) = &request.after {
        select = select.filter(beyond(after, !descending)?);
    }
    if let Some(before) = &request.before {
        select = select.filter(beyond(before, descending)?);
    }
    let (size, from_end) = match request.from {
        From::Start(size) => (size, false),
        From::End(size) => (size, true),
    };
    // Reading from the end means reading the reversed order, then turning the page round.
    let ascending = descending == from_end;
    let select = if ascending {
        select
            .order_by_asc(inspection::Column::UpdatedAt)
            .order_by_asc(inspection::Column::Id)
    } else {
        select
            .order_by_desc(inspection::Column::UpdatedAt)
            .order_by_desc(inspection::Column::Id)
    };
    let mut rows = select.limit(size as u64 + 1).all(db).await?;
    let more = rows.len() > size;
    rows.truncate(size);
    if from_end {
        rows.reverse();
    }

    // Whether anything lies on the far side of the cursor the page started from.
    let exists_beyond = |cursor: &Option<Cursor>, later: bool| {
        let base = base.clone();
        let cursor = cursor.clone();
        async move {
            match cursor {
                None => Ok::<bool, AppError>(false),
                Some(cursor) => {
                    let inclusive = Condition::any()
                        .add(beyond(&cursor, later)?)
                        .add(inspection::Column::Id.eq(cursor.id));
                    Ok(base.filter(inclusive).limit(1).count(db).await? > 0)
                }
            }
        }
    };
    let (has_previous_page, has_next_page) = if from_end {
        (more, exists_beyond(&request.before, !descending).await?)
    } else {
        (exists_beyond(&request.after, descending).await?, more)
    };
    Ok(Page {
        items: rows.into_iter().map(|row| (cursor_of(&row), row)).collect(),
        has_previous_page,
        has_next_page,
    })
}

pub async fn count(
    viewer: &Viewer,
    db: &DatabaseConnection,
    filter: &InspectionFilter,
    today: NaiveDate,
) -> Result<u64, AppError> {
    Ok(filtered(viewer, filter, today).count(db).await?)
}
