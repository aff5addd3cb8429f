//! The subscription root: domain events as they are logged, over the websocket.

use std::{sync::Arc, time::Duration};

use async_graphql::{Context, InputObject, Result, ResultExt, Subscription};
use entity::enums::{EventType, Region};
use futures_util::Stream;

use super::{
    context,
    query::{icb_code, local_authority_code},
    types::event::DomainEvent,
};
use crate::{data_version::DataVersion, service::events};

/// How many events one read of the log returns; a subscriber behind reads again at once.
const BATCH: u64 = 100;
/// How often a subscriber reads the log when no change is heard: changes made by other
/// servers when PostgreSQL notifications are lost, and events that become visible by the clock.
const POLL: Duration = Duration::from_secs(1);

pub struct Subscription;

/// Narrows a stream of events; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct EventFilter {
    /// Events of these types; every type if omitted or empty.
    types: Option<Vec<EventType>>,
    /// Events concerning this area, by its local authority's ONS code.
    area: Option<String>,
    /// Events concerning the areas this ICB serves today, by its ONS or ODS code.
    icb: Option<String>,
    /// Events concerning areas in this ONS region.
    region: Option<Region>,
}

#[Subscription]
impl Subscription {
    /// The domain events the viewer may see, in the order they were logged: from the first if
    /// `after` is omitted, or after the event whose `cursor` it is. A subscriber that
    /// reconnects with the last cursor it received misses nothing and receives nothing twice.
    /// Visibility is decided when an event is sent: an embargoed report's publication is an
    /// event of its own, logged when the embargo lifts.
    async fn events(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        filter: Option<EventFilter>,
    ) -> Result<impl Stream<Item = Result<DomainEvent>> + use<>> {
        let viewer = context::viewer(ctx)?.clone();
        let db = context::db(ctx)?.clone();
        let version = ctx.data::<Arc<DataVersion>>()?.clone();
        let filter = filter.unwrap_or_default();
        let filter = events::EventFilter {
            types: filter.types.unwrap_or_default(),
            area: local_authority_code(filter.area).extend()?,
            icb: icb_code(filter.icb).extend()?,
            region: filter.region,
        };
        let mut last = after
            .as_deref()
            .map(events::sequence_of)
            .transpose()
            .extend()?
            .unwrap_or(0);
        Ok(async_stream::try_stream! {
            loop {
                let changed = version.changed();
                tokio::pin!(changed);
                changed.as_mut().enable();
                let today = chrono::Utc::now().date_naive();
                let batch = events::after(&viewer, &db, last, &filter, today, BATCH)
                    .await
                    .extend()?;
                let caught_up = (batch.len() as u64) < BATCH;
                for entry in batch {
                    last = entry.id;
                    if let Some(event) = DomainEvent::announced_by(entry) {
                        yield event;
                    }
                }
                if caught_up {
                    tokio::select! {
                        () = changed => {}
                        () = tokio::time::sleep(POLL) => {}
                    }
                }
            }
        })
    }
}
