//! Batch reads by id and by parent id, for any scoped entity: what the GraphQL DataLoaders call,
//! so that a page of N rows costs one query per relation, not N.

use std::collections::HashMap;

use entity::{
    action_progress, engagement_meeting, inspection, intervention, partnership_membership,
    priority_action, priority_action_plan, recommendation, strategic_plan, webhook_delivery,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, ModelTrait, PrimaryKeyToColumn, QueryFilter,
    QueryOrder, Value,
};

use super::scope::{Scoped, visible};
use crate::{error::AppError, policy::Viewer};

/// An entity that belongs to a parent through an integer foreign key.
pub trait Child: Scoped {
    /// The foreign key naming the parent.
    fn parent_column() -> Self::Column;
    /// The order children are listed in; ties fall back to the primary key.
    fn order_column() -> Self::Column;
}

macro_rules! child {
    ($module:ident, $parent:ident, $order:ident) => {
        impl Child for $module::Entity {
            fn parent_column() -> Self::Column {
                $module::Column::$parent
            }
            fn order_column() -> Self::Column {
                $module::Column::$order
            }
        }
    };
}

child!(inspection, AreaId, Id);
child!(recommendation, InspectionId, Position);
child!(strategic_plan, AreaId, Version);
child!(priority_action_plan, AreaId, Id);
child!(priority_action, PriorityActionPlanId, Position);
child!(engagement_meeting, AreaId, ScheduledFor);
child!(intervention, AreaId, Id);
child!(partnership_membership, AreaId, ValidFrom);
child!(action_progress, PriorityActionId, Id);
child!(webhook_delivery, SubscriptionId, Id);

fn int_of(value: Value) -> Option<i32> {
    match value {
        Value::Int(Some(id)) => Some(id),
        _ => None,
    }
}

/// The visible children of each parent, in list order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn children_of<E: Child>(
    viewer: &Viewer,
    db: &DatabaseConnection,
    parent_ids: &[i32],
) -> Result<HashMap<i32, Vec<E::Model>>, AppError>
where
    E::Model: Sync,
{
    let pk = primary_key_column::<E>();
    let rows = visible::<E>(viewer)
        .filter(E::parent_column().is_in(parent_ids.iter().copied()))
        .order_by_asc(E::order_column())
        .order_by_asc(pk)
        .all(db)
        .await
        .map(super::loaded)?;
    let mut grouped: HashMap<i32, Vec<E::Model>> = HashMap::new();
    for row in rows {
        if let Some(parent) = int_of(row.get(E::parent_column())) {
            grouped.entry(parent).or_default().push(row);
        }
    }
    Ok(grouped)
}

/// The visible rows among `ids`; hidden and missing ones are simply absent.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_ids<E: Scoped>(
    viewer: &Viewer,
    db: &DatabaseConnection,
    ids: &[i32],
) -> Result<HashMap<i32, E::Model>, AppError>
where
    E::Model: Sync,
{
    let pk = primary_key_column::<E>();
    let rows = visible::<E>(viewer)
        .filter(pk.is_in(ids.iter().copied()))
        .all(db)
        .await
        .map(super::loaded)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| int_of(row.get(pk)).map(|id| (id, row)))
        .collect())
}

fn primary_key_column<E: EntityTrait>() -> E::Column {
    // Every table of the model has a single integer primary key named `id`.
    <E::PrimaryKey as sea_orm::Iterable>::iter()
        .map(|key| key.into_column())
        .next()
        .unwrap_or_else(|| unreachable!("every entity has a primary key"))
}
