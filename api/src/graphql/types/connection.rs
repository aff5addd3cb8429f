//! Relay connections: turning a service's page into `XConnection { edges, nodes, pageInfo,
//! totalCount }`.

use async_graphql::{
    OutputType, SimpleObject,
    connection::{Connection, Edge},
};

use crate::service::page::Page;

/// The `totalCount` of a connection whose count is already known.
#[derive(SimpleObject)]
pub struct TotalCount {
    /// How many items match, across all pages.
    pub total_count: usize,
}

pub fn connection<T, N, F>(
    page: Page<T>,
    additional_fields: F,
    node: impl Fn(T) -> N,
) -> Connection<String, N, F>
where
    N: OutputType,
    F: async_graphql::ObjectType,
{
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        additional_fields,
    );
    connection.edges = page
        .items
        .into_iter()
        .map(|(cursor, item)| Edge::new(cursor.encode(), node(item)))
        .collect();
    connection
}
