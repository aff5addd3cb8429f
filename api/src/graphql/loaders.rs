//! Per-request DataLoaders: every relation field loads through here, so a page of N objects costs
//! one query per relation, not N. A loader is built for one viewer and one request, so what it
//! caches is that viewer's view and dies with the request.

use std::{
    collections::{BTreeMap, HashMap},
    hash::Hash,
    marker::PhantomData,
    sync::Arc,
};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::NaiveDate;
use entity::{enums::SuccessionKind, integrated_care_board};
use sea_orm::DatabaseConnection;

use crate::{
    error::AppError,
    policy::Viewer,
    service::{
        area::{self as area_service, AreaRecord},
        reference,
        related::{self, Child},
        scope::Scoped,
    },
};

/// Large enough that a page of every area (and ten times as many) loads in one batch, small
/// enough to stay under PostgreSQL's 65,535 bind parameters.
const MAX_BATCH: usize = 10_000;

pub struct Loaders {
    db: DatabaseConnection,
    viewer: Viewer,
}

pub type RequestLoader = DataLoader<Loaders, HashMapCache>;

pub fn request_loader(db: DatabaseConnection, viewer: Viewer) -> RequestLoader {
    DataLoader::with_cache(
        Loaders { db, viewer },
        // Batches load in tasks of their own; they stay in the span of the request that
        // started them, so their logs and traces carry its request id.
        |batch| tokio::spawn(tracing::Instrument::in_current_span(batch)),
        HashMapCache::default(),
    )
    .max_batch_size(MAX_BATCH)
}

/// Defines a loader key type that is keyed by an integer id and typed by an entity, with the
/// trait impls `derive` would only give when the entity type had them too.
macro_rules! entity_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<E>(pub i32, PhantomData<fn() -> E>);

        impl<E> $name<E> {
            pub fn new(id: i32) -> Self {
                Self(id, PhantomData)
            }
        }
        impl<E> Clone for $name<E> {
            fn clone(&self) -> Self {
                Self::new(self.0)
            }
        }
        impl<E> PartialEq for $name<E> {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }
        impl<E> Eq for $name<E> {}
        impl<E> Hash for $name<E> {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }
    };
}

entity_key!(
    /// A visible row of `E` by its id.
    ById
);
entity_key!(
    /// The visible rows of `E` that belong to a parent id.
    ChildrenOf
);

fn ids<K>(keys: &[K], id: impl Fn(&K) -> i32) -> Vec<i32> {
    keys.iter().map(id).collect()
}

impl<E> Loader<ById<E>> for Loaders
where
    E: Scoped + Send + Sync,
    E::Model: Clone + Send + Sync,
{
    type Value = E::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ById<E>]) -> Result<HashMap<ById<E>, E::Model>, AppError> {
        let rows = related::by_ids::<E>(&self.viewer, &self.db, &ids(keys, |k| k.0)).await?;
        Ok(rows
            .into_iter()
            .map(|(id, row)| (ById::new(id), row))
            .collect())
    }
}

impl<E> Loader<ChildrenOf<E>> for Loaders
where
    E: Child + Send + Sync,
    E::Model: Clone + Send + Sync,
{
    /// Shared, not copied: several fields of one parent read the same children.
    type Value = Arc<Vec<E::Model>>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ChildrenOf<E>],
    ) -> Result<HashMap<ChildrenOf<E>, Arc<Vec<E::Model>>>, AppError> {
        let parent_ids = ids(keys, |k| k.0);
        let mut grouped = related::children_of::<E>(&self.viewer, &self.db, &parent_ids).await?;
        // Parents without children answer an empty list, not "not loaded".
        Ok(parent_ids
            .into_iter()
            .map(|id| {
                let children = grouped.remove(&id).unwrap_or_default();
                (ChildrenOf::new(id), Arc::new(children))
            })
            .collect())
    }
}

/// An area, with its local authority, by area id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AreaById(pub i32);

impl Loader<AreaById> for Loaders {
    type Value = Arc<AreaRecord>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AreaById],
    ) -> Result<HashMap<AreaById, Arc<AreaRecord>>, AppError> {
        let areas = area_service::by_ids(&self.viewer, &self.db, &ids(keys, |k| k.0)).await?;
        Ok(areas
            .into_iter()
            .map(|(id, record)| (AreaById(id), Arc::new(record)))
            .collect())
    }
}

/// The area of a local authority, by local authority id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AreaOfLocalAuthority(pub i32);

impl Loader<AreaOfLocalAuthority> for Loaders {
    type Value = Arc<AreaRecord>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AreaOfLocalAuthority],
    ) -> Result<HashMap<AreaOfLocalAuthority, Arc<AreaRecord>>, AppError> {
        let areas =
            area_service::of_local_authorities(&self.viewer, &self.db, &ids(keys, |k| k.0)).await?;
        Ok(areas
            .into_iter()
            .map(|record| {
                (
                    AreaOfLocalAuthority(record.local_authority.id),
                    Arc::new(record),
                )
            })
            .collect())
    }
}

/// Keys grouped by the date they ask about: a request asks about one date, or a few.
fn by_date<K>(keys: &[K], key: impl Fn(&K) -> (i32, NaiveDate)) -> BTreeMap<NaiveDate, Vec<i32>> {
    let mut grouped: BTreeMap<NaiveDate, Vec<i32>> = BTreeMap::new();
    for (id, on) in keys.iter().map(key) {
        grouped.entry(on).or_default().push(id);
    }
    grouped
}

/// The ICBs serving an area on a date, by area id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IcbsOf(pub i32, pub NaiveDate);

impl Loader<IcbsOf> for Loaders {
    type Value = Vec<integrated_care_board::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[IcbsOf],
    ) -> Result<HashMap<IcbsOf, Vec<integrated_care_board::Model>>, AppError> {
        let mut loaded = HashMap::new();
        for (on, area_ids) in by_date(keys, |k| (k.0, k.1)) {
            let mut icbs =
                reference::current_icbs_of_areas(&self.viewer, &self.db, &area_ids, on).await?;
            for id in area_ids {
                loaded.insert(IcbsOf(id, on), icbs.remove(&id).unwrap_or_default());
            }
        }
        Ok(loaded)
    }
}

/// The areas an ICB serves on a date, by ICB id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AreasServedBy(pub i32, pub NaiveDate);

impl Loader<AreasServedBy> for Loaders {
    type Value = Vec<Arc<AreaRecord>>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AreasServedBy],
    ) -> Result<HashMap<AreasServedBy, Vec<Arc<AreaRecord>>>, AppError> {
        let mut loaded = HashMap::new();
        for (on, icb_ids) in by_date(keys, |k| (k.0, k.1)) {
            let mut served =
                area_service::served_by_icbs(&self.viewer, &self.db, &icb_ids, on).await?;
            for id in icb_ids {
                let areas = served.remove(&id).unwrap_or_default();
                loaded.insert(
                    AreasServedBy(id, on),
                    areas.into_iter().map(Arc::new).collect(),
                );
            }
        }
        Ok(loaded)
    }
}

/// The bodies that succeeded a council or an ICB, by its id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SuccessorsOf(pub SuccessionKind, pub i32);

impl Loader<SuccessorsOf> for Loaders {
    type Value = Vec<i32>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[SuccessorsOf],
    ) -> Result<HashMap<SuccessorsOf, Vec<i32>>, AppError> {
        let mut loaded: HashMap<SuccessorsOf, Vec<i32>> =
            keys.iter().map(|key| (key.clone(), Vec::new())).collect();
        for (kind, predecessor, successor) in
            reference::successions(&self.db, keys.iter().map(|k| (k.0, k.1))).await?
        {
            if let Some(successors) = loaded.get_mut(&SuccessorsOf(kind, predecessor)) {
                successors.push(successor);
            }
        }
        Ok(loaded)
    }
}
