//! The query root. Each field parses its arguments, calls one service, and wraps the result.

use async_graphql::{
    Context, Enum, ErrorExtensions, ID, InputObject, Object, Result, ResultExt,
    connection::Connection,
};
use chrono::{DateTime, Utc};
use entity::{
    audit_event, engagement_meeting,
    enums::{InspectionFramework, InspectionKind, InspectionOutcome, LocalAuthorityType, Region},
    inspection, integrated_care_board, intervention, local_authority, partnership_membership,
    priority_action, priority_action_plan, recommendation, strategic_plan, webhook_subscription,
};

use super::{
    context, cost,
    id::{self, Node, NodeType},
    loaders::AreaById,
    types::{
        area::Area,
        audit::AuditEvent,
        by_id,
        connection::{TotalCount, connection},
        inspection::{Inspection, Recommendation},
        oversight::{EngagementMeeting, Intervention},
        plan::{PriorityAction, PriorityActionPlan, StrategicPlan},
        reference::{IntegratedCareBoard, LocalAuthority, PartnershipMembership},
        scalars::Date,
        summary::NationalSummary,
        viewer::Viewer,
        webhook::WebhookSubscription,
    },
};
use crate::{
    domain::codes::{IcbCode, LocalAuthorityCode},
    error::AppError,
    policy,
    service::{
        area::{self as area_service, AreaOrder as AreaOrderKey},
        audit, inspection as inspection_service,
        page::{Cursor, PageRequest, paginate},
        reference, summary, webhooks,
    },
};

/// The most IDs `nodes(ids:)` resolves in one call.
const MAX_NODE_IDS: usize = 100;

pub struct Query;

/// Ascending or descending.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// What to order areas by.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AreaOrderField {
    /// The area's name.
    Name,
    /// The ONS code of the area's local authority.
    Code,
    /// The earliest date anything on the area's schedule falls due; areas with nothing due last.
    NextDueBy,
}

/// How to order areas.
#[derive(InputObject)]
pub struct AreaOrder {
    /// The field to order by.
    field: AreaOrderField,
    /// The direction; ascending if omitted.
    #[graphql(default)]
    direction: OrderDirection,
}

/// Narrows a list of areas; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct AreaFilter {
    /// Areas in this ONS region.
    region: Option<Region>,
    /// Areas whose local authority is of this type.
    local_authority_type: Option<LocalAuthorityType>,
    /// Areas served today by this ICB, by its ONS (`E54…`) or ODS (`Q…`) code.
    icb: Option<String>,
    /// Areas whose latest published full inspection had this outcome.
    latest_outcome: Option<InspectionOutcome>,
    /// Areas with (true) or without (false) anything overdue as of `asOf`.
    is_overdue: Option<bool>,
}

/// What to order inspections by.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum InspectionOrderField {
    /// When the record last changed, then its ID: a stable order for incremental sync.
    UpdatedAt,
}

/// How to order inspections.
#[derive(InputObject)]
pub struct InspectionOrder {
    /// The field to order by.
    field: InspectionOrderField,
    /// The direction; ascending if omitted.
    #[graphql(default)]
    direction: OrderDirection,
}

/// Narrows a list of inspections; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct InspectionFilter {
    /// Inspections of this area, by its local authority's ONS code.
    area: Option<String>,
    /// Inspections under this framework.
    framework: Option<InspectionFramework>,
    /// Inspections of this kind.
    kind: Option<InspectionKind>,
    /// Full inspections with this outcome.
    outcome: Option<InspectionOutcome>,
    /// Published on or after this date.
    published_on_or_after: Option<Date>,
    /// Published on or before this date.
    published_on_or_before: Option<Date>,
    /// Changed at or after this instant: the incremental-sync filter.
    updated_since: Option<DateTime<Utc>>,
    /// Inspections of areas in this ONS region.
    region: Option<Region>,
    /// Inspections of areas served today by this ICB, by its ONS or ODS code.
    icb: Option<String>,
}

/// Narrows the audit trail.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Changes concerning this area, by its local authority's ONS code.
    area: Option<String>,
}

/// The lazily counted `totalCount` of the audit trail.
pub struct AuditCount {
    filter: audit::AuditFilter,
}

#[Object]
impl AuditCount {
    /// How many events match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        audit::count(context::viewer(ctx)?, context::db(ctx)?, &self.filter)
            .await
            .extend()
    }
}

/// The lazily counted `totalCount` of the inspections connection: counted only when asked.
pub struct InspectionCount {
    filter: inspection_service::InspectionFilter,
}

#[Object]
impl InspectionCount {
    /// How many inspections match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        inspection_service::count(
            context::viewer(ctx)?,
            context::db(ctx)?,
            &self.filter,
            context::today(ctx)?,
        )
        .await
        .extend()
    }
}

fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<PageRequest> {
    PageRequest::parse(first, after.as_deref(), last, before.as_deref()).extend()
}

pub(super) fn icb_code(raw: Option<String>) -> Result<Option<IcbCode>, AppError> {
    Ok(raw.map(|code| IcbCode::parse(&code)).transpose()?)
}

pub(super) fn local_authority_code(
    raw: Option<String>,
) -> Result<Option<LocalAuthorityCode>, AppError> {
    Ok(raw
        .map(|code| LocalAuthorityCode::parse(&code))
        .transpose()?)
}

/// A connection over a bounded reference list already in code order.
fn code_ordered<T, N: async_graphql::OutputType>(
    rows: Vec<T>,
    request: &PageRequest,
    code_and_id: impl Fn(&T) -> (String, i32),
    node: impl Fn(T) -> N,
) -> Connection<String, N, TotalCount> {
    let total_count = rows.len();
    let sorted = rows
        .into_iter()
        .map(|row| {
            let (code, id) = code_and_id(&row);
            (Cursor::new(code, id), row)
        })
        .collect();
    connection(
        paginate(sorted, request, false),
        TotalCount { total_count },
        node,
    )
}

#[Object]
impl Query {
    /// Who is calling: role, organisation and scopes. Needs a bearer token.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        match context::viewer(ctx)? {
            policy::Viewer::SignedIn(caller) => Ok(Viewer(caller.clone())),
            policy::Viewer::Public => Err(AppError::Unauthenticated.extend()),
        }
    }

    /// Fetches any object by its global ID; null if it does not exist or is not visible to you.
    #[graphql(complexity = "cost::sql_root(child_complexity)")]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        resolve_node(ctx, &id).await
    }

    /// Fetches objects by their global IDs (at most 100), in the order given; null for each one
    /// that does not exist or is not visible to you.
    #[graphql(complexity = "cost::sql_root(cost::list(ids.len(), child_complexity))")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODE_IDS {
            return Err(AppError::BadInput(format!("pass at most {MAX_NODE_IDS} ids")).extend());
        }
        futures_join_all(ctx, &ids).await
    }

    /// One area by its local authority's ONS code (E06/E08/E09/E10…); null if there is none.
    #[graphql(complexity = "cost::sql_root(child_complexity)")]
    async fn area(&self, ctx: &Context<'_>, code: String) -> Result<Option<Area>> {
        let code = LocalAuthorityCode::parse(&code)
            .map_err(AppError::from)
            .extend()?;
        let record = area_service::find_by_code(context::viewer(ctx)?, context::db(ctx)?, &code)
            .await
            .extend()?;
        Ok(record.map(|record| Area(record.into())))
    }

    /// Every local area partnership in England (one per upper-tier local authority).
    #[graphql(complexity = "cost::page(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn areas(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n areas.")] first: Option<i32>,
        #[graphql(desc = "Returns the areas after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n areas.")] last: Option<i32>,
        #[graphql(desc = "Returns the areas before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions the areas must meet.")] filter: Option<AreaFilter>,
        #[graphql(desc = "The order; by name if omitted.")] order_by: Option<AreaOrder>,
        #[graphql(
            desc = "The date the list is as of: the areas in existence then, and the date `isOverdue` and `NEXT_DUE_BY` are computed for; today if omitted."
        )]
        as_of: Option<Date>,
    ) -> Result<Connection<String, Area, TotalCount>> {
        let request = page_request(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let filter = area_service::AreaFilter {
            region: filter.region,
            local_authority_type: filter.local_authority_type,
            icb: icb_code(filter.icb).extend()?,
            latest_outcome: filter.latest_outcome,
            is_overdue: filter.is_overdue,
        };
        let (order, direction) = order_by
            .map_or((AreaOrderField::Name, OrderDirection::Asc), |o| {
                (o.field, o.direction)
            });
        let order = match order {
            AreaOrderField::Name => AreaOrderKey::Name,
            AreaOrderField::Code => AreaOrderKey::Code,
            AreaOrderField::NextDueBy => AreaOrderKey::NextDueBy,
        };
        let today = context::today(ctx)?;
        let descending = direction == OrderDirection::Desc;
        let areas = area_service::list(
            context::viewer(ctx)?,
            context::db(ctx)?,
            &filter,
            order,
            descending,
            as_of.map_or(today, |date| date.0),
        )
        .await
        .extend()?;
        let total_count = areas.len();
        let page = paginate(areas, &request, descending);
        let ids: Vec<i32> = page
            .items
            .iter()
            .map(|(_, record)| record.area.id)
            .collect();
        let lookahead = ctx.look_ahead();
        Area::prefetch(
            ctx,
            &[
                lookahead.field("nodes"),
                lookahead.field("edges").field("node"),
            ],
            &ids,
        )
        .await?;
        Ok(connection(page, TotalCount { total_count }, |record| {
            Area(record.into())
        }))
    }

    /// Every upper-tier local authority in England, in ONS-code order.
    #[graphql(complexity = "cost::page(first, last, child_complexity)")]
    async fn local_authorities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n.")] first: Option<i32>,
        #[graphql(desc = "Returns those after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n.")] last: Option<i32>,
        #[graphql(desc = "Returns those before this cursor.")] before: Option<String>,
        #[graphql(desc = "The councils in existence on this date; today if omitted.")]
        as_of: Option<Date>,
    ) -> Result<Connection<String, LocalAuthority, TotalCount>> {
        let request = page_request(first, after, last, before)?;
        let on = as_of.map_or(context::today(ctx)?, |date| date.0);
        let rows = reference::local_authorities(context::viewer(ctx)?, context::db(ctx)?, on)
            .await
            .extend()?;
        Ok(code_ordered(
            rows,
            &request,
            |la| (la.ons_code.clone(), la.id),
            LocalAuthority,
        ))
    }

    /// The webhook subscriptions of the caller's role and organisation, oldest first, with
    /// their recent deliveries. Empty for callers who may not register any.
    #[graphql(complexity = "cost::page(first, last, child_complexity)")]
    async fn webhook_subscriptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n.")] first: Option<i32>,
        #[graphql(desc = "Returns those after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n.")] last: Option<i32>,
        #[graphql(desc = "Returns those before this cursor.")] before: Option<String>,
    ) -> Result<Connection<String, WebhookSubscription, TotalCount>> {
        let request = page_request(first, after, last, before)?;
        let rows = webhooks::list(context::viewer(ctx)?, context::db(ctx)?)
            .await
            .extend()?;
        Ok(code_ordered(
            rows,
            &request,
            |subscription| (String::new(), subscription.id),
            WebhookSubscription::new,
        ))
    }

    /// Every integrated care board in England, in ONS-code order.
    #[graphql(complexity = "cost::page(first, last, child_complexity)")]
    async fn integrated_care_boards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n.")] first: Option<i32>,
        #[graphql(desc = "Returns those after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n.")] last: Option<i32>,
        #[graphql(desc = "Returns those before this cursor.")] before: Option<String>,
        #[graphql(desc = "The boards in existence on this date; today if omitted.")] as_of: Option<
            Date,
        >,
    ) -> Result<Connection<String, IntegratedCareBoard, TotalCount>> {
        let request = page_request(first, after, last, before)?;
        let on = as_of.map_or(context::today(ctx)?, |date| date.0);
        let rows = reference::integrated_care_boards(context::viewer(ctx)?, context::db(ctx)?, on)
            .await
            .extend()?;
        Ok(code_ordered(
            rows,
            &request,
            |icb| (icb.ons_code.clone(), icb.id),
            IntegratedCareBoard,
        ))
    }

    /// One ICB by its ONS code (`E54…`) or ODS code (`Q…`); null if there is none.
    #[graphql(complexity = "cost::sql_root(child_complexity)")]
    async fn integrated_care_board(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> Result<Option<IntegratedCareBoard>> {
        let code = IcbCode::parse(&code).map_err(AppError::from).extend()?;
        let icb = reference::integrated_care_board(context::viewer(ctx)?, context::db(ctx)?, &code)
            .await
            .extend()?;
        Ok(icb.map(IntegratedCareBoard))
    }

    /// Changes made through the API, newest first: all of them for the inspectorates, their own
    /// for DfE and NHS England, their areas' for local partners, none for the public.
    #[graphql(complexity = "cost::page(first, last, child_complexity)")]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n events.")] first: Option<i32>,
        #[graphql(desc = "Returns the events after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n events.")] last: Option<i32>,
        #[graphql(desc = "Returns the events before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions the events must meet.")] filter: Option<AuditFilter>,
    ) -> Result<Connection<String, AuditEvent, AuditCount>> {
        let request = page_request(first, after, last, before)?;
        let filter = audit::AuditFilter {
            area: local_authority_code(filter.and_then(|filter| filter.area)).extend()?,
        };
        let page = audit::page(context::viewer(ctx)?, context::db(ctx)?, &filter, &request)
            .await
            .extend()?;
        Ok(connection(page, AuditCount { filter }, AuditEvent))
    }

    /// Counts of areas by latest outcome and region, open priority action plans and overdue items.
    #[graphql(complexity = "cost::national_summary(child_complexity)")]
    async fn national_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date the schedules are computed for; today if omitted.")]
        as_of: Option<Date>,
    ) -> Result<NationalSummary> {
        let today = context::today(ctx)?;
        let as_of = as_of.map_or(today, |date| date.0);
        let summary = summary::national(context::viewer(ctx)?, context::db(ctx)?, as_of)
            .await
            .extend()?;
        Ok(NationalSummary {
            as_of: Date(as_of),
            summary,
        })
    }

    /// Inspections, by default in the order they last changed: an outcomes feed that a partner
    /// system can sync incrementally by keeping the last `endCursor` (or `updatedSince`).
    #[graphql(complexity = "cost::page(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn inspections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n inspections.")] first: Option<i32>,
        #[graphql(desc = "Returns the inspections after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n inspections.")] last: Option<i32>,
        #[graphql(desc = "Returns the inspections before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions the inspections must meet.")] filter: Option<InspectionFilter>,
        #[graphql(desc = "The order; by `UPDATED_AT` ascending if omitted.")] order_by: Option<
            InspectionOrder,
        >,
    ) -> Result<Connection<String, Inspection, InspectionCount>> {
        let request = page_request(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let filter = inspection_service::InspectionFilter {
            area: local_authority_code(filter.area).extend()?,
            framework: filter.framework,
            kind: filter.kind,
            outcome: filter.outcome,
            published_on_or_after: filter.published_on_or_after.map(|date| date.0),
            published_on_or_before: filter.published_on_or_before.map(|date| date.0),
            updated_since: filter.updated_since,
            region: filter.region,
            icb: icb_code(filter.icb).extend()?,
        };
        let descending = order_by.is_some_and(|order| order.direction == OrderDirection::Desc);
        let page = inspection_service::page(
            context::viewer(ctx)?,
            context::db(ctx)?,
            &filter,
            descending,
            &request,
            context::today(ctx)?,
        )
        .await
        .extend()?;
        Ok(connection(page, InspectionCount { filter }, Inspection))
    }
}

async fn futures_join_all(ctx: &Context<'_>, ids: &[ID]) -> Result<Vec<Option<Node>>> {
    let mut nodes = Vec::with_capacity(ids.len());
    // Each lookup only registers with the DataLoader; the loads themselves run batched.
    let lookups = ids.iter().map(|id| resolve_node(ctx, id));
    for node in futures_util::future::join_all(lookups).await {
        nodes.push(node?);
    }
    Ok(nodes)
}

async fn resolve_node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    let Some((node_type, id)) = id::decode(id) else {
        return Ok(None);
    };
    Ok(match node_type {
        NodeType::Area => {
            let record = context::loader(ctx)?
                .load_one(AreaById(id))
                .await
                .extend()?;
            record.map(|record| Node::Area(Area(record)))
        }
        NodeType::AuditEvent => by_id::<audit_event::Entity>(ctx, id)
            .await?
            .map(|m| Node::AuditEvent(AuditEvent(m))),
        NodeType::LocalAuthority => by_id::<local_authority::Entity>(ctx, id)
            .await?
            .map(|m| Node::LocalAuthority(LocalAuthority(m))),
        NodeType::IntegratedCareBoard => by_id::<integrated_care_board::Entity>(ctx, id)
            .await?
            .map(|m| Node::IntegratedCareBoard(IntegratedCareBoard(m))),
        NodeType::PartnershipMembership => by_id::<partnership_membership::Entity>(ctx, id)
            .await?
            .map(|m| Node::PartnershipMembership(PartnershipMembership(m))),
        NodeType::Inspection => by_id::<inspection::Entity>(ctx, id)
            .await?
            .map(|m| Node::Inspection(Inspection(m))),
        NodeType::Recommendation => by_id::<recommendation::Entity>(ctx, id)
            .await?
            .map(|m| Node::Recommendation(Recommendation(m))),
        NodeType::StrategicPlan => by_id::<strategic_plan::Entity>(ctx, id)
            .await?
            .map(|m| Node::StrategicPlan(StrategicPlan(m))),
        NodeType::PriorityActionPlan => by_id::<priority_action_plan::Entity>(ctx, id)
            .await?
            .map(|m| Node::PriorityActionPlan(PriorityActionPlan(m))),
        NodeType::PriorityAction => by_id::<priority_action::Entity>(ctx, id)
            .await?
            .map(|m| Node::PriorityAction(PriorityAction(m))),
        NodeType::EngagementMeeting => by_id::<engagement_meeting::Entity>(ctx, id)
            .await?
            .map(|m| Node::EngagementMeeting(EngagementMeeting(m))),
        NodeType::Intervention => by_id::<intervention::Entity>(ctx, id)
            .await?
            .map(|m| Node::Intervention(Intervention(m))),
        NodeType::WebhookSubscription => by_id::<webhook_subscription::Entity>(ctx, id)
            .await?
            .map(|m| Node::WebhookSubscription(WebhookSubscription::new(m))),
    })
}
