//! Which answers a transport may keep for the viewer's whole audience, and the end of every
//! kept answer when an operation writes.
//!
//! A query may be shared unless it selects the `viewer` root field, the one field that shows
//! the caller itself rather than what its audience reads. A mutation moves the data version on
//! once it has run, however it ends (an abort at the deadline included), on every transport.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicBool, Ordering},
};

use async_graphql::{
    Context, Request, ServerResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest,
    },
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
};

use crate::data_version::DataVersion;

/// The root field whose answer is the caller's own.
const PERSONAL_ROOT_FIELD: &str = "viewer";

/// Attached to a request by a transport that keeps answers: set once the document is parsed,
/// and taken back by a resolver that reads what the data version does not follow.
#[derive(Debug, Default)]
pub struct Shareable {
    parsed: OnceLock<bool>,
    read_unversioned: AtomicBool,
}

impl Shareable {
    /// Whether the operation that ran may be answered to the viewer's whole audience.
    pub fn get(&self) -> bool {
        self.parsed.get().copied().unwrap_or(false)
            && !self.read_unversioned.load(Ordering::Relaxed)
    }
}

/// Keeps the answer being resolved from being kept: the caller reads state that changes
/// outside the event log (a webhook subscription's deliveries), so no version would end it.
pub fn not_kept(ctx: &Context<'_>) {
    if let Some(flag) = ctx.data_opt::<Arc<Shareable>>() {
        flag.read_unversioned.store(true, Ordering::Relaxed);
    }
}

pub struct Sharing {
    pub data_version: Arc<DataVersion>,
}

impl ExtensionFactory for Sharing {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SharingExtension {
            data_version: self.data_version.clone(),
            operation_name: OnceLock::new(),
            writes: OnceLock::new(),
        })
    }
}

struct SharingExtension {
    data_version: Arc<DataVersion>,
    operation_name: OnceLock<Option<String>>,
    writes: OnceLock<bool>,
}

/// Moves the version on when dropped: after a mutation, however it ends. A mutation cut off
/// part-way may still be committing (SQLite's worker finishes a `COMMIT` it has started), so the
/// version moves on again once that can have finished.
struct AdvanceOnDrop {
    data_version: Arc<DataVersion>,
    finished: bool,
}

/// Longer than a commit that was under way can take to finish.
const COMMIT_SETTLES: std::time::Duration = std::time::Duration::from_secs(1);

impl Drop for AdvanceOnDrop {
    fn drop(&mut self) {
        self.data_version.advance();
        if !self.finished
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let data_version = self.data_version.clone();
            runtime.spawn(async move {
                tokio::time::sleep(COMMIT_SETTLES).await;
                data_version.advance();
            });
        }
    }
}

#[async_trait::async_trait]
impl Extension for SharingExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let _ = self.operation_name.set(request.operation_name.clone());
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let wanted = self.operation_name.get().and_then(Option::as_deref);
        if let Some((_, operation)) = super::operation::selected(&document, wanted) {
            let _ = self
                .writes
                .set(operation.node.ty == OperationType::Mutation);
            let shareable = operation.node.ty == OperationType::Query
                && !selects_root_field(
                    &document,
                    &operation.node.selection_set.node,
                    PERSONAL_ROOT_FIELD,
                    &mut Vec::new(),
                );
            if let Some(flag) = ctx.data_opt::<Arc<Shareable>>() {
                let _ = flag.parsed.set(shareable);
            }
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        let mut advance = self
            .writes
            .get()
            .copied()
            .unwrap_or(false)
            .then(|| AdvanceOnDrop {
                data_version: self.data_version.clone(),
                finished: false,
            });
        let response = next.run(ctx, operation_name).await;
        if let Some(advance) = &mut advance {
            advance.finished = true;
        }
        response
    }
}

/// Whether a root selection selects `name`, through fragments too. Runs before validation, so
/// a spread may name a fragment that does not exist (counted as selecting it) or spread fragments
/// in a cycle (each is looked into once).
fn selects_root_field<'a>(
    document: &'a ExecutableDocument,
    selection_set: &'a SelectionSet,
    name: &str,
    visited: &mut Vec<&'a str>,
) -> bool {
    selection_set
        .items
        .iter()
        .any(|selection| match &selection.node {
            Selection::Field(field) => field.node.name.node == name,
            Selection::InlineFragment(fragment) => {
                selects_root_field(document, &fragment.node.selection_set.node, name, visited)
            }
            Selection::FragmentSpread(spread) => {
                let fragment_name = spread.node.fragment_name.node.as_str();
                if visited.contains(&fragment_name) {
                    return false;
                }
                visited.push(fragment_name);
                document
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .is_none_or(|fragment| {
                        selects_root_field(
                            document,
                            &fragment.node.selection_set.node,
                            name,
                            visited,
                        )
                    })
            }
        })
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn selects_viewer(query: &str) -> bool {
        let document = parse_query(query).unwrap();
        let (_, operation) = document.operations.iter().next().unwrap();
        selects_root_field(
            &document,
            &operation.node.selection_set.node,
            PERSONAL_ROOT_FIELD,
            &mut Vec::new(),
        )
    }

    #[test]
    fn the_viewer_field_is_found_however_it_is_selected() {
        assert!(!selects_viewer("{ areas { totalCount } }"));
        assert!(!selects_viewer("{ areas { nodes { viewer: name } } }"));
        assert!(!selects_viewer("{ ... on Query { areas { totalCount } } }"));
        assert!(!selects_viewer(
            "{ ...A } fragment A on Query { ...B areas { totalCount } } fragment B on Query { ...A }"
        ));
        assert!(selects_viewer(
            "{ areas { totalCount } viewer { subject } }"
        ));
        assert!(selects_viewer("{ me: viewer { subject } }"));
        assert!(selects_viewer("{ ... on Query { viewer { role } } }"));
        assert!(selects_viewer(
            "{ ...Me } fragment Me on Query { viewer { role } }"
        ));
        assert!(selects_viewer("{ ...Missing }"));
        assert!(selects_viewer(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A viewer { role } }"
        ));
    }
}
