//! Reads of the model on behalf of a viewer. Every function takes the [`Viewer`] first and
//! starts its queries from [`scope::visible`], the one place where the policy's row conditions
//! are applied.
//!
//! Services know sea-orm, the policy and the domain; they know nothing of GraphQL or HTTP.

pub mod area;
pub mod audit;
pub mod change;
pub mod events;
pub mod export;
pub mod history;
pub mod idempotency;
pub mod inspection;
pub mod keyset;
pub mod milestones;
pub mod page;
pub mod reference;
pub mod related;
pub mod scope;
pub mod summary;
pub mod webhooks;
pub mod write;

pub use crate::policy::Viewer;

/// Counts the rows a query loaded, for the metrics, and passes them on.
fn loaded<T>(rows: Vec<T>) -> Vec<T> {
    crate::metrics::rows_loaded(rows.len());
    rows
}
