//! `Area`: a local area partnership and everything that happens to it.

use std::sync::Arc;

use crate::graphql::cost;
use async_graphql::{Context, ID, Lookahead, Object, Result, ResultExt};
use entity::{
    engagement_meeting, enums::Region, inspection, intervention, partnership_membership,
    priority_action, priority_action_plan, strategic_plan,
};

use super::{
    children,
    inspection::Inspection,
    oversight::{EngagementMeeting, Intervention},
    plan::{PriorityActionPlan, StrategicPlan},
    reference::{IntegratedCareBoard, LocalAuthority, PartnershipMembership},
    scalars::Date,
    schedule::InspectionSchedule,
};
use crate::{
    domain::{
        map,
        schedule::{self, ScheduleSettings},
    },
    graphql::{
        context,
        id::{NodeType, encode},
        loaders::{ChildrenOf, IcbsOf},
    },
    service::{area::AreaRecord, history},
};

/// A local area partnership: the local authority and the ICBs that serve one upper-tier local
/// authority's area, inspected together for SEND.
pub struct Area(pub Arc<AreaRecord>);

impl Area {
    fn area_id(&self) -> i32 {
        self.0.area.id
    }

    /// Loads what the selected fields of a page of areas will ask for, one batch per relation.
    ///
    /// The DataLoader's own batching waits a millisecond for keys; on a long page some fields
    /// register after that and cost a second query. Priming the whole page first makes the
    /// number of queries independent of page length; the fields then read the request cache.
    pub(crate) async fn prefetch(
        ctx: &Context<'_>,
        selections: &[Lookahead<'_>],
        area_ids: &[i32],
    ) -> Result<()> {
        let selected = |path: &[&str]| {
            selections.iter().any(|selection| {
                let (first, rest) = path.split_first().unwrap_or((&"", &[]));
                let mut lookahead = selection.field(first);
                for field in rest {
                    lookahead = lookahead.field(field);
                }
                lookahead.exists()
            })
        };
        let schedule = selected(&["schedule"]);
        let inspections =
            schedule || selected(&["inspections"]) || selected(&["latestFullInspection"]);
        let meetings = schedule || selected(&["engagementMeetings"]);
        let plans =
            schedule || selected(&["strategicPlans"]) || selected(&["currentStrategicPlan"]);
        let actions = ["priorityActionPlans", "currentPriorityActionPlan"]
            .iter()
            .any(|plan| selected(&[plan, "actions"]) || selected(&[plan, "openActionCount"]));
        let priority_action_plans = schedule
            || actions
            || selected(&["priorityActionPlans"])
            || selected(&["currentPriorityActionPlan"]);

        let loader = context::loader(ctx)?;
        let today = context::today(ctx)?;
        let children_of = |wanted: bool| if wanted { area_ids } else { &[] };
        let (_, _, _, _, _, _, loaded_plans) = tokio::try_join!(
            loader.load_many(
                children_of(selected(&["icbs"]))
                    .iter()
                    .map(|id| IcbsOf(*id, today))
            ),
            loader.load_many(
                children_of(inspections)
                    .iter()
                    .map(|id| ChildrenOf::<inspection::Entity>::new(*id))
            ),
            loader.load_many(
                children_of(meetings)
                    .iter()
                    .map(|id| ChildrenOf::<engagement_meeting::Entity>::new(*id))
            ),
            loader.load_many(
                children_of(plans)
                    .iter()
                    .map(|id| ChildrenOf::<strategic_plan::Entity>::new(*id))
            ),
            loader.load_many(
                children_of(selected(&["interventions"]))
                    .iter()
                    .map(|id| ChildrenOf::<intervention::Entity>::new(*id))
            ),
            loader.load_many(
                children_of(selected(&["partnership"]))
                    .iter()
                    .map(|id| ChildrenOf::<partnership_membership::Entity>::new(*id))
            ),
            loader.load_many(
                children_of(priority_action_plans)
                    .iter()
                    .map(|id| ChildrenOf::<priority_action_plan::Entity>::new(*id))
            ),
        )
        .extend()?;
        if actions {
            let plan_ids: Vec<i32> = loaded_plans
                .values()
                .flat_map(|plans| plans.iter())
                .map(|plan| plan.id)
                .collect();
            loader
                .load_many(
                    plan_ids
                        .into_iter()
                        .map(ChildrenOf::<priority_action::Entity>::new),
                )
                .await
                .extend()?;
        }
        Ok(())
    }
}

#[Object]
impl Area {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Area, self.area_id())
    }

    /// The ONS code of the area's local authority, e.g. `E06000001`.
    async fn code(&self) -> &str {
        &self.0.local_authority.ons_code
    }

    /// The area's name: its local authority's ONS name.
    async fn name(&self) -> &str {
        &self.0.local_authority.name
    }

    /// The ONS region.
    async fn region(&self) -> Region {
        self.0.local_authority.region
    }

    /// The local authority of the partnership.
    async fn local_authority(&self) -> LocalAuthority {
        LocalAuthority(self.0.local_authority.clone())
    }

    /// The ICBs serving the area on a date, the one covering most of it first.
    #[graphql(complexity = "cost::list(cost::MAX_ICBS_PER_AREA, child_complexity)")]
    async fn icbs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date; today if omitted.")] as_of: Option<Date>,
    ) -> Result<Vec<IntegratedCareBoard>> {
        let on = as_of.map_or(context::today(ctx)?, |date| date.0);
        let icbs = context::loader(ctx)?
            .load_one(IcbsOf(self.area_id(), on))
            .await
            .extend()?;
        Ok(icbs
            .unwrap_or_default()
            .into_iter()
            .map(IntegratedCareBoard)
            .collect())
    }

    /// The memberships of the partnership in force on a date, with their dates.
    #[graphql(complexity = "cost::list(cost::MAX_MEMBERSHIPS_PER_AREA, child_complexity)")]
    async fn partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date; today if omitted.")] as_of: Option<Date>,
    ) -> Result<Vec<PartnershipMembership>> {
        let on = as_of.map_or(context::today(ctx)?, |date| date.0);
        let rows = children::<partnership_membership::Entity>(ctx, self.area_id()).await?;
        Ok(rows
            .iter()
            .filter(|membership| {
                map::in_existence(Some(membership.valid_from), membership.valid_to, on)
            })
            .cloned()
            .map(PartnershipMembership)
            .collect())
    }

    /// The area's inspections under both frameworks, oldest first.
    #[graphql(complexity = "cost::list(cost::MAX_INSPECTIONS_PER_AREA, child_complexity)")]
    async fn inspections(&self, ctx: &Context<'_>) -> Result<Vec<Inspection>> {
        let rows = children::<inspection::Entity>(ctx, self.area_id()).await?;
        Ok(rows.iter().cloned().map(Inspection).collect())
    }

    /// The most recently published full inspection, under either framework.
    async fn latest_full_inspection(&self, ctx: &Context<'_>) -> Result<Option<Inspection>> {
        let rows = children::<inspection::Entity>(ctx, self.area_id()).await?;
        Ok(history::latest_full_inspection(&rows)
            .cloned()
            .map(Inspection))
    }

    /// Every version of the area's strategic plan for SEND, oldest first.
    #[graphql(complexity = "cost::list(cost::MAX_STRATEGIC_PLANS_PER_AREA, child_complexity)")]
    async fn strategic_plans(&self, ctx: &Context<'_>) -> Result<Vec<StrategicPlan>> {
        let rows = children::<strategic_plan::Entity>(ctx, self.area_id()).await?;
        Ok(rows.iter().cloned().map(StrategicPlan).collect())
    }

    /// The latest published version of the strategic plan.
    async fn current_strategic_plan(&self, ctx: &Context<'_>) -> Result<Option<StrategicPlan>> {
        let rows = children::<strategic_plan::Entity>(ctx, self.area_id()).await?;
        Ok(history::current_strategic_plan(&rows)
            .cloned()
            .map(StrategicPlan))
    }

    /// The area's priority action plans, oldest first.
    #[graphql(
        complexity = "cost::list(cost::MAX_PRIORITY_ACTION_PLANS_PER_AREA, child_complexity)"
    )]
    async fn priority_action_plans(&self, ctx: &Context<'_>) -> Result<Vec<PriorityActionPlan>> {
        let rows = children::<priority_action_plan::Entity>(ctx, self.area_id()).await?;
        Ok(rows.iter().cloned().map(PriorityActionPlan).collect())
    }

    /// The plan answering the area's most recent outcome-3 inspection.
    async fn current_priority_action_plan(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<PriorityActionPlan>> {
        let rows = children::<priority_action_plan::Entity>(ctx, self.area_id()).await?;
        Ok(history::current_priority_action_plan(&rows)
            .cloned()
            .map(PriorityActionPlan))
    }

    /// Engagement meetings with the inspectorates, earliest first.
    #[graphql(complexity = "cost::list(cost::MAX_ENGAGEMENT_MEETINGS_PER_AREA, child_complexity)")]
    async fn engagement_meetings(&self, ctx: &Context<'_>) -> Result<Vec<EngagementMeeting>> {
        let rows = children::<engagement_meeting::Entity>(ctx, self.area_id()).await?;
        Ok(rows.iter().cloned().map(EngagementMeeting).collect())
    }

    /// DfE and NHS England interventions in the area.
    #[graphql(complexity = "cost::list(cost::MAX_INTERVENTIONS_PER_AREA, child_complexity)")]
    async fn interventions(&self, ctx: &Context<'_>) -> Result<Vec<Intervention>> {
        let rows = children::<intervention::Entity>(ctx, self.area_id()).await?;
        Ok(rows.iter().cloned().map(Intervention).collect())
    }

    /// When the area's next inspections, meetings and plans are due.
    async fn schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date to compute the schedule for; today (UTC) if omitted.")]
        as_of: Option<Date>,
    ) -> Result<InspectionSchedule> {
        let as_of = as_of.map_or_else(|| context::today(ctx), |date| Ok(date.0))?;
        let id = self.area_id();
        let (inspections, meetings, plans, priority_action_plans) = tokio::try_join!(
            children::<inspection::Entity>(ctx, id),
            children::<engagement_meeting::Entity>(ctx, id),
            children::<strategic_plan::Entity>(ctx, id),
            children::<priority_action_plan::Entity>(ctx, id),
        )?;
        let history = history::assemble(&inspections, &meetings, &plans, &priority_action_plans);
        Ok(InspectionSchedule(schedule::schedule(
            &history,
            as_of,
            &ScheduleSettings::FRAMEWORK_2023,
        )))
    }
}
