//! Bounds on what one request may make the server do. Before execution: the document's size in
//! tokens, its aliases, root fields, directives per field and depth, the variables' size, and
//! the query's [`cost`](super::cost). During execution: the fields resolved and the deadline.
//! Every refusal carries its code and, where a client can act on it, the numbers.
//!
//! The transport attaches a [`Budget`] to each request; the websocket, which has none, gets
//! one per operation with the same deadline.

use std::{
    any::TypeId,
    collections::HashMap,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use apollo_parser::{Lexer, TokenKind};
use async_graphql::{
    ErrorExtensionValues, Request, Response, ServerError, ServerResult, ValidationResult, Value,
    Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest, NextResolve, NextValidation, ResolveInfo,
    },
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
};
use serde_json::json;
use tokio::time::Instant;

use super::RequestScope;
use crate::{
    config::RequestLimits,
    error::Code,
    rate_limit::{Charge, RateLimiter, whole_seconds},
};

/// How many fields resolve between two looks at the clock.
const FIELDS_PER_CLOCK_CHECK: usize = 256;
/// How many fields resolve per unit of tokio's cooperative budget (128 units a turn), so that
/// a long execution yields about every 2,000 fields.
const FIELDS_PER_BUDGET_UNIT: usize = 16;

/// What one request may still spend, shared between its transport and the schema.
#[derive(Debug)]
pub struct Budget {
    deadline: Instant,
    read_only: bool,
    cost: AtomicUsize,
    resolved: AtomicUsize,
    /// Set once an execution limit is hit: every field still to resolve then fails at once,
    /// so the whole tree unwinds instead of only the branch that noticed.
    stopped: AtomicBool,
    exceeded: Mutex<Option<Refusal>>,
    /// The caller's bucket after the latest charge.
    charge: Mutex<Option<Charge>>,
    /// The operation that ran, named by the document if not by the request.
    operation: OnceLock<String>,
}

impl Budget {
    /// A request that must finish by `deadline`; a `read_only` one (HTTP GET) may not mutate.
    pub fn new(deadline: Instant, read_only: bool) -> Arc<Self> {
        Arc::new(Self {
            deadline,
            read_only,
            cost: AtomicUsize::new(0),
            resolved: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
            exceeded: Mutex::new(None),
            charge: Mutex::new(None),
            operation: OnceLock::new(),
        })
    }

    /// The query's cost, once it has validated.
    pub fn cost(&self) -> Option<usize> {
        Some(self.cost.load(Ordering::Relaxed)).filter(|cost| *cost > 0)
    }

    /// The name of the operation that ran, if it has one.
    pub fn operation(&self) -> Option<&str> {
        self.operation.get().map(String::as_str)
    }

    /// What the caller's bucket said last, for the transport's headers.
    pub fn charge(&self) -> Option<Charge> {
        self.charge.lock().ok().and_then(|charge| *charge)
    }

    pub fn record_charge(&self, charge: Charge) {
        if let Ok(mut last) = self.charge.lock() {
            *last = Some(charge);
        }
    }

    /// Stops the execution: a limit reached while it runs ends the whole request.
    fn stop(&self, refusal: Refusal) -> ServerError {
        self.stopped.store(true, Ordering::Relaxed);
        let error = refusal.to_server_error();
        if let Ok(mut exceeded) = self.exceeded.lock() {
            exceeded.get_or_insert(refusal);
        }
        error
    }

    /// The limit that stopped the request, for every operation of a batch after it too.
    fn exceeded(&self) -> Option<Refusal> {
        self.exceeded
            .lock()
            .ok()
            .and_then(|exceeded| exceeded.clone())
    }
}

/// Why a request was refused or stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the document has more than {limit} tokens")]
    Tokens { limit: usize },
    #[error("the document has {found} aliases; at most {limit} are allowed")]
    Aliases { found: usize, limit: usize },
    #[error("the operation selects {found} root fields; at most {limit} are allowed")]
    RootFields { found: usize, limit: usize },
    #[error("a field has {found} directives; at most {limit} are allowed")]
    Directives { found: usize, limit: usize },
    #[error("the query is {found} levels deep; at most {limit} are allowed")]
    Depth { found: usize, limit: usize },
    #[error("the query costs {cost}; at most {limit} is allowed (see extensions.cost)")]
    Cost { cost: usize, limit: usize },
    #[error("written out, the document's fragments hold more than {limit} fields")]
    ExpandedFields { limit: usize },
    #[error("the variables take more than {limit} bytes")]
    Variables { limit: usize },
    #[error("the response would resolve more than {limit} fields; ask for less, or page")]
    ResolvedFields { limit: usize },
    #[error("the response would be larger than {limit} bytes; ask for less, or page")]
    ResponseBytes { limit: usize },
    #[error("the request ran past its deadline of {seconds} s and was stopped")]
    Timeout { seconds: u64 },
    #[error("mutations must be sent with POST")]
    MutationOverGet,
    #[error("the query-cost budget is spent; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
}

impl Refusal {
    pub fn code(&self) -> Code {
        match self {
            Refusal::Tokens { .. }
            | Refusal::Aliases { .. }
            | Refusal::RootFields { .. }
            | Refusal::Directives { .. }
            | Refusal::Depth { .. }
            | Refusal::ExpandedFields { .. }
            | Refusal::Cost { .. } => Code::QueryTooComplex,
            Refusal::Variables { .. } => Code::RequestTooLarge,
            Refusal::ResolvedFields { .. } | Refusal::ResponseBytes { .. } => {
                Code::ResponseTooLarge
            }
            Refusal::Timeout { .. } => Code::Timeout,
            Refusal::MutationOverGet => Code::MethodNotAllowed,
            Refusal::RateLimited { .. } => Code::RateLimited,
        }
    }

    pub fn to_server_error(&self) -> ServerError {
        let mut error = ServerError::new(self.to_string(), None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", self.code().as_str());
        match self {
            Refusal::Cost { cost, limit } => {
                extensions.set("cost", cost_extension(*cost, Some(*limit)));
            }
            Refusal::RateLimited { retry_after_secs } => {
                extensions.set("retryAfter", *retry_after_secs);
            }
            _ => {}
        }
        error.extensions = Some(extensions);
        error
    }
}

/// Shopify's `extensions.cost` shape, so clients that budget against Shopify's API read ours.
fn cost_extension(cost: usize, maximum: Option<usize>) -> Value {
    let mut value = json!({ "requestedQueryCost": cost });
    if let Some(maximum) = maximum {
        value["maximumQueryCost"] = json!(maximum);
    }
    Value::from_json(value).unwrap_or(Value::Null)
}

/// An answer's `cost` extension: the query's cost and, once the caller's bucket was charged,
/// what the bucket holds now (as Shopify's `throttleStatus`).
pub fn answer_cost(
    cost: usize,
    charge: Option<Charge>,
    limiter: &RateLimiter,
) -> serde_json::Value {
    let mut value = json!({ "requestedQueryCost": cost });
    if let Some(Charge::Allowed { remaining }) = charge {
        value["throttleStatus"] = limiter.throttle_status(remaining);
    }
    value
}

/// Installs the limits on a schema; one [`LimitsExtension`] is made per request.
pub struct Limits {
    pub limits: RequestLimits,
    pub request_timeout: Duration,
    pub rate_limiter: Arc<RateLimiter>,
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            limits: self.limits,
            request_timeout: self.request_timeout,
            rate_limiter: self.rate_limiter.clone(),
            budget: OnceLock::new(),
            operation_name: OnceLock::new(),
            introspects: OnceLock::new(),
            subscribes: OnceLock::new(),
        })
    }
}

struct LimitsExtension {
    limits: RequestLimits,
    request_timeout: Duration,
    rate_limiter: Arc<RateLimiter>,
    budget: OnceLock<Arc<Budget>>,
    operation_name: OnceLock<Option<String>>,
    introspects: OnceLock<bool>,
    /// A subscription lives as long as its socket and resolves each event on its own: the
    /// request's deadline and field count do not apply (its cost, checked once, does).
    subscribes: OnceLock<bool>,
}

impl LimitsExtension {
    fn budget(&self) -> &Arc<Budget> {
        self.budget
            .get_or_init(|| Budget::new(Instant::now() + self.request_timeout, false))
    }
}

#[async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let mut request = request;
        if let Some(budget) = attached_budget(&request) {
            let _ = self.budget.set(budget);
        }
        let _ = self.operation_name.set(request.operation_name.clone());
        if variables_exceed(&request.variables, self.limits.max_variables_bytes) {
            return Err(Refusal::Variables {
                limit: self.limits.max_variables_bytes,
            }
            .to_server_error());
        }
        if significant_tokens(&request.query, self.limits.max_tokens) > self.limits.max_tokens {
            return Err(Refusal::Tokens {
                limit: self.limits.max_tokens,
            }
            .to_server_error());
        }
        // async-graphql walks the document with every fragment spread written out, several
        // times, before any other limit applies; a few hundred bytes of fragments that spread
        // each other can describe billions of fields. Parse here, and refuse such a document
        // before those walks (the parsed document is reused, not parsed again).
        let limit = self.limits.max_resolved_fields;
        let expanded = match request.parsed_query() {
            Ok(document) => expanded_fields(document, limit),
            Err(mut error) => {
                let mut extensions = ErrorExtensionValues::default();
                extensions.set("code", Code::GraphqlParseFailed.as_str());
                error.extensions = Some(extensions);
                return Err(error);
            }
        };
        if expanded > limit {
            return Err(Refusal::ExpandedFields { limit }.to_server_error());
        }
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
        let budget = self.budget();
        let operation_name = self.operation_name.get().and_then(Option::as_deref);
        let named = operation_name.or_else(|| {
            super::operation::selected(&document, None)
                .and_then(|(name, _)| name)
                .map(|name| name.as_str())
        });
        if let Some(name) = named {
            let _ = budget.operation.set(name.to_owned());
        }
        check_shape(&document, &self.limits, operation_name, budget.read_only)
            .map_err(|refusal| refusal.to_server_error())?;
        let subscribes =
            super::operation::selected(&document, operation_name).is_some_and(|(_, operation)| {
                operation.node.ty == async_graphql::parser::types::OperationType::Subscription
            });
        let _ = self.subscribes.set(subscribes);
        let _ = self.introspects.set(introspects(&document));
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let budget = self.budget();
        let introspection = if self.introspects.get() == Some(&true) {
            super::cost::INTROSPECTION
        } else {
            0
        };
        let result = ValidationResult {
            complexity: result.complexity.saturating_add(introspection),
            ..result
        };
        let refusal = if result.depth > self.limits.max_depth {
            Some(Refusal::Depth {
                found: result.depth,
                limit: self.limits.max_depth,
            })
        } else if result.complexity > self.limits.max_cost {
            Some(Refusal::Cost {
                cost: result.complexity,
                limit: self.limits.max_cost,
            })
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return Err(vec![refusal.to_server_error()]);
        }
        let cost = result.complexity.max(1);
        budget.cost.store(cost, Ordering::Relaxed);
        crate::metrics::query_cost(cost);
        // The transport charged 1 for the request itself; the query pays the rest.
        let key = ctx
            .data_opt::<RequestScope>()
            .and_then(|scope| scope.rate_key.as_deref());
        let charge = key
            .filter(|_| cost > 1)
            .and_then(|key| self.rate_limiter.charge(key, cost - 1));
        if let Some(charge) = charge {
            budget.record_charge(charge);
            if let Charge::Refused { retry_after } = charge {
                crate::metrics::rate_limited();
                let retry_after_secs = whole_seconds(retry_after);
                return Err(vec![
                    Refusal::RateLimited { retry_after_secs }.to_server_error(),
                ]);
            }
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let response = next.run(ctx, operation_name).await;
        let budget = self.budget();
        // A limit hit mid-way leaves a partial tree with holes; the client gets the refusal
        // alone, and the memory of the partial tree goes now.
        let mut response = match budget.exceeded() {
            Some(refusal) => Response::from_errors(vec![refusal.to_server_error()]),
            None => response,
        };
        if let Some(cost) = budget.cost() {
            let extension = answer_cost(cost, budget.charge(), &self.rate_limiter);
            response.extensions.insert(
                "cost".to_owned(),
                Value::from_json(extension).unwrap_or(Value::Null),
            );
        }
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if self.subscribes.get() == Some(&true) {
            return next.run(ctx, info).await;
        }
        let budget = self.budget();
        if budget.stopped.load(Ordering::Relaxed) {
            return Err(ServerError::new("stopped", None));
        }
        let resolved = budget.resolved.fetch_add(1, Ordering::Relaxed) + 1;
        if resolved > self.limits.max_resolved_fields {
            return Err(budget.stop(Refusal::ResolvedFields {
                limit: self.limits.max_resolved_fields,
            }));
        }
        if resolved.is_multiple_of(FIELDS_PER_CLOCK_CHECK) && Instant::now() >= budget.deadline {
            return Err(budget.stop(Refusal::Timeout {
                seconds: self.request_timeout.as_secs(),
            }));
        }
        // Values already in memory resolve without ever waiting; spending the task's budget
        // makes a long execution yield, so other requests and the deadline's timer still run.
        // One unit per few fields: a yield per field's worth of budget cost a dashboard 15%.
        if resolved.is_multiple_of(FIELDS_PER_BUDGET_UNIT) {
            tokio::task::consume_budget().await;
        }
        next.run(ctx, info).await
    }
}

fn attached_budget(request: &Request) -> Option<Arc<Budget>> {
    request
        .data
        .get(&TypeId::of::<Arc<Budget>>())
        .and_then(|data| data.downcast_ref::<Arc<Budget>>())
        .cloned()
}

fn variables_exceed(variables: &Variables, limit: usize) -> bool {
    serde_json::to_vec(variables).map_or(true, |bytes| bytes.len() > limit)
}

/// The document's tokens that mean something (not whitespace, commas or comments), counted
/// up to one past `limit`: lexing stops there, so an oversized document costs no more.
fn significant_tokens(query: &str, limit: usize) -> usize {
    Lexer::new(query)
        .filter_map(Result::ok)
        .filter(|token| {
            !matches!(
                token.kind(),
                TokenKind::Whitespace | TokenKind::Comment | TokenKind::Comma | TokenKind::Eof
            )
        })
        .take(limit.saturating_add(1))
        .count()
}

/// Aliases and directives as written, across every operation and fragment; root fields of
/// each operation with its fragments expanded; and no mutation over GET.
fn check_shape(
    document: &ExecutableDocument,
    limits: &RequestLimits,
    operation_name: Option<&str>,
    read_only: bool,
) -> Result<(), Refusal> {
    let mut written = Written::default();
    for (_, operation) in document.operations.iter() {
        written.visit(&operation.node.selection_set.node);
    }
    for fragment in document.fragments.values() {
        written.visit(&fragment.node.selection_set.node);
    }
    if written.aliases > limits.max_aliases {
        return Err(Refusal::Aliases {
            found: written.aliases,
            limit: limits.max_aliases,
        });
    }
    if written.most_directives > limits.max_directives {
        return Err(Refusal::Directives {
            found: written.most_directives,
            limit: limits.max_directives,
        });
    }
    for (name, operation) in document.operations.iter() {
        let root_fields = root_fields(document, &operation.node.selection_set.node, 0);
        if root_fields > limits.max_root_fields {
            return Err(Refusal::RootFields {
                found: root_fields,
                limit: limits.max_root_fields,
            });
        }
        let selected = operation_name.is_none_or(|wanted| name.is_some_and(|n| n == wanted));
        if read_only && selected && operation.node.ty == OperationType::Mutation {
            return Err(Refusal::MutationOverGet);
        }
    }
    Ok(())
}

#[derive(Default)]
struct Written {
    aliases: usize,
    most_directives: usize,
}

impl Written {
    fn visit(&mut self, selection_set: &SelectionSet) {
        for selection in &selection_set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.aliases += usize::from(field.alias.is_some());
                    self.most_directives = self.most_directives.max(field.directives.len());
                    self.visit(&field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    self.visit(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
}

/// The fields of the document with every fragment spread written out, counted once per
/// fragment (memoised) and up to `limit`: cheap however much the spreads multiply. A cycle
/// counts as unbounded; validation would refuse it anyway.
fn expanded_fields(document: &ExecutableDocument, limit: usize) -> usize {
    fn size<'a>(
        document: &'a ExecutableDocument,
        selection_set: &'a SelectionSet,
        sizes: &mut HashMap<&'a str, Option<usize>>,
    ) -> usize {
        selection_set
            .items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    1usize.saturating_add(size(document, &field.node.selection_set.node, sizes))
                }
                Selection::InlineFragment(fragment) => {
                    size(document, &fragment.node.selection_set.node, sizes)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match sizes.get(name) {
                        Some(Some(known)) => *known,
                        // Still being counted: the fragment spreads itself.
                        Some(None) => usize::MAX,
                        None => {
                            let Some(fragment) = document.fragments.get(name) else {
                                return 0;
                            };
                            sizes.insert(name, None);
                            let counted = size(document, &fragment.node.selection_set.node, sizes);
                            sizes.insert(name, Some(counted));
                            counted
                        }
                    }
                }
            })
            .fold(0, usize::saturating_add)
    }
    let mut sizes = HashMap::new();
    document
        .operations
        .iter()
        .map(|(_, operation)| size(document, &operation.node.selection_set.node, &mut sizes))
        .fold(0, usize::saturating_add)
        .min(limit.saturating_add(1))
}

/// Whether the document selects `__schema` or `__type` anywhere, as written.
fn introspects(document: &ExecutableDocument) -> bool {
    fn selects(selection_set: &SelectionSet) -> bool {
        selection_set
            .items
            .iter()
            .any(|selection| match &selection.node {
                Selection::Field(field) => {
                    matches!(field.node.name.node.as_str(), "__schema" | "__type")
                        || selects(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => selects(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => false,
            })
    }
    document
        .operations
        .iter()
        .any(|(_, operation)| selects(&operation.node.selection_set.node))
        || document
            .fragments
            .values()
            .any(|fragment| selects(&fragment.node.selection_set.node))
}

/// The fields an operation selects at its root, through fragments. Fragment cycles are
/// refused by validation later; the depth guard only keeps this walk finite until then.
fn root_fields(document: &ExecutableDocument, selection_set: &SelectionSet, depth: usize) -> usize {
    if depth > document.fragments.len() {
        return 0;
    }
    selection_set
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => {
                root_fields(document, &fragment.node.selection_set.node, depth + 1)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |fragment| {
                    root_fields(document, &fragment.node.selection_set.node, depth + 1)
                }),
        })
        .fold(0, usize::saturating_add)
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn shape(query: &str, read_only: bool) -> Result<(), Refusal> {
        let limits = RequestLimits {
            max_aliases: 2,
            max_root_fields: 3,
            max_directives: 1,
            ..RequestLimits::default()
        };
        check_shape(&parse_query(query).unwrap(), &limits, None, read_only)
    }

    #[test]
    fn tokens_are_counted_without_whitespace_commas_or_comments() {
        assert_eq!(significant_tokens("{ a, b } # note", 100), 4);
        assert_eq!(significant_tokens("{ a b c d e f }", 3), 4);
    }

    #[test]
    fn aliases_are_counted_everywhere_they_are_written() {
        assert_eq!(shape("{ a: x b: x }", false), Ok(()));
        assert_eq!(
            shape("{ a: x ...F } fragment F on Q { b: y { c: z } }", false),
            Err(Refusal::Aliases { found: 3, limit: 2 })
        );
    }

    #[test]
    fn root_fields_count_through_fragments() {
        assert_eq!(shape("{ a b c }", false), Ok(()));
        assert_eq!(
            shape("{ a ... on Q { b } ...F } fragment F on Q { c d }", false),
            Err(Refusal::RootFields { found: 4, limit: 3 })
        );
    }

    #[test]
    fn a_cycle_of_fragments_does_not_hang_the_count() {
        assert_eq!(
            shape(
                "{ ...F } fragment F on Q { a ...G } fragment G on Q { ...F }",
                false
            ),
            Ok(())
        );
    }

    #[test]
    fn fragments_that_multiply_are_counted_without_being_written_out() {
        let mut query = String::from("{ ...F0 }");
        for level in 0..40 {
            query.push_str(&format!(
                " fragment F{level} on Q {{ ...F{next} ...F{next} ...F{next} }}",
                next = level + 1
            ));
        }
        query.push_str(" fragment F40 on Q { a }");
        let document = parse_query(&query).unwrap();

        assert_eq!(expanded_fields(&document, 1_000), 1_001);
        let small = parse_query("{ a { b } ...F } fragment F on Q { c }").unwrap();
        assert_eq!(expanded_fields(&small, 1_000), 3);
        let cycle = parse_query("{ ...F } fragment F on Q { ...F }").unwrap();
        assert_eq!(expanded_fields(&cycle, 1_000), 1_001);
    }

    #[test]
    fn directives_are_limited_per_field() {
        assert_eq!(
            shape("{ a @include(if: true) @skip(if: false) }", false),
            Err(Refusal::Directives { found: 2, limit: 1 })
        );
    }

    #[test]
    fn a_read_only_request_may_not_mutate() {
        assert_eq!(shape("{ a }", true), Ok(()));
        assert_eq!(shape("mutation { a }", true), Err(Refusal::MutationOverGet));
        assert_eq!(shape("mutation { a }", false), Ok(()));
    }
}
