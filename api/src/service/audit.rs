//! The audit trail, newest first, as far as the viewer may read it.

use entity::{area, audit_event, local_authority};
use sea_orm::{
    ColumnTrait, DatabaseConnection, PaginatorTrait, QueryFilter, QuerySelect, QueryTrait, Select,
    sea_query::Expr,
};

use super::{
    keyset::{self, Keyset},
    page::{Page, PageRequest},
    scope::visible,
};
use crate::{domain::codes::LocalAuthorityCode, error::AppError, policy::Viewer};

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub area: Option<LocalAuthorityCode>,
}

const TRAIL_ORDER: Keyset<audit_event::Entity> = Keyset {
    at: || Expr::col(audit_event::Column::OccurredAt),
    id: audit_event::Column::Id,
};

fn filtered(viewer: &Viewer, filter: &AuditFilter) -> Select<audit_event::Entity> {
    let mut select = visible::<audit_event::Entity>(viewer);
    if let Some(code) = &filter.area {
        let areas = visible::<area::Entity>(viewer)
            .select_only()
            .column(area::Column::Id)
            .inner_join(local_authority::Entity)
            .filter(local_authority::Column::OnsCode.eq(code.canonical()))
            .into_query();
        select = select.filter(audit_event::Column::AreaId.in_subquery(areas));
    }
    select
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(
    viewer: &Viewer,
    db: &DatabaseConnection,
    filter: &AuditFilter,
    request: &PageRequest,
) -> Result<Page<audit_event::Model>, AppError> {
    TRAIL_ORDER
        .page(db, filtered(viewer, filter), true, request, |event| {
            keyset::cursor(&event.occurred_at, event.id)
        })
        .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count(
    viewer: &Viewer,
    db: &DatabaseConnection,
    filter: &AuditFilter,
) -> Result<u64, AppError> {
    Ok(filtered(viewer, filter).count(db).await?)
}
