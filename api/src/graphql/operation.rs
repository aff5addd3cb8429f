//! Which operation of a document runs, decided once for every part that must know before
//! async-graphql runs it (limits, sharing, idempotency).

use async_graphql::{
    Name, Positioned,
    parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition},
};

/// The operation that runs, with its name: the one `name` names, or the only one when the
/// request names none. `None` when the document does not say (async-graphql then refuses it).
pub fn selected<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(Option<&'a Name>, &'a Positioned<OperationDefinition>)> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some((None, operation)),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get_key_value(name)
            .map(|(name, operation)| (Some(name), operation)),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .iter()
            .next()
            .map(|(name, operation)| (Some(name), operation)),
        (DocumentOperations::Multiple(_), None) => None,
    }
}
