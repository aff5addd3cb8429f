//! `Inspection` and its `Recommendation`s.

use crate::graphql::cost;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{
    enums::{
        InspectionFramework, InspectionKind, InspectionOutcome, InspectionStatus, Inspectorate,
        MonitoringProgress, ResponsiblePartner, RevisitProgress,
    },
    inspection, recommendation,
};

use super::{
    area::Area,
    by_id, children, parent,
    scalars::{Date, date},
};
use crate::graphql::{
    context,
    id::{NodeType, encode},
};

/// An area SEND inspection under the 2016 or 2023 framework.
pub struct Inspection(pub inspection::Model);

#[Object]
impl Inspection {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Inspection, self.0.id)
    }

    /// The inspected area.
    async fn area(&self, ctx: &Context<'_>) -> Result<Area> {
        context::area(ctx, self.0.area_id).await
    }

    /// The framework it was carried out under.
    async fn framework(&self) -> InspectionFramework {
        self.0.framework
    }

    /// Full, monitoring (2023) or revisit (2016).
    async fn kind(&self) -> InspectionKind {
        self.0.kind
    }

    /// Where the inspection is in its lifecycle.
    async fn status(&self) -> InspectionStatus {
        self.0.status
    }

    /// When the inspectorates planned to start.
    async fn planned_start_on(&self) -> Option<Date> {
        date(self.0.planned_start_on)
    }

    /// When the area was notified.
    async fn notified_on(&self) -> Option<Date> {
        date(self.0.notified_on)
    }

    /// The first day on site.
    async fn on_site_start_on(&self) -> Option<Date> {
        date(self.0.on_site_start_on)
    }

    /// The last day on site.
    async fn on_site_end_on(&self) -> Option<Date> {
        date(self.0.on_site_end_on)
    }

    /// When the draft report was shared with the area for a factual-accuracy check.
    async fn draft_shared_on(&self) -> Option<Date> {
        date(self.0.draft_shared_on)
    }

    /// When the report was published.
    async fn published_on(&self) -> Option<Date> {
        date(self.0.published_on)
    }

    /// The outcome of a 2023-framework full inspection.
    async fn outcome(&self) -> Option<InspectionOutcome> {
        self.0.outcome
    }

    /// For a 2016-framework full inspection: whether the area had to produce a written
    /// statement of action.
    async fn written_statement_of_action_required(&self) -> Option<bool> {
        self.0.wsoa_required
    }

    /// For a 2016-framework revisit: whether sufficient progress was made on all, some or none
    /// of the significant weaknesses.
    async fn revisit_progress(&self) -> Option<RevisitProgress> {
        self.0.revisit_progress
    }

    /// For a 2023-framework monitoring inspection: its finding on the partnership's progress
    /// with the areas for priority action.
    async fn monitoring_progress(&self) -> Option<MonitoringProgress> {
        self.0.monitoring_progress
    }

    /// Where the published report can be read.
    async fn report_url(&self) -> Option<&str> {
        self.0.report_url.as_deref()
    }

    /// When the report becomes (or became) public; set by `publishReport`. Until this instant
    /// the status stays `DRAFT_SHARED`. Visible to those who may read the report.
    async fn publish_at(&self) -> Option<DateTime<Utc>> {
        self.0.publish_at
    }

    /// Why a set publication was held, while it is held.
    async fn held_reason(&self) -> Option<&str> {
        self.0.held_reason.as_deref()
    }

    /// Why the inspection was cancelled.
    async fn cancellation_reason(&self) -> Option<&str> {
        self.0.cancellation_reason.as_deref()
    }

    /// The inspectorates that have signed off the findings as they stand; a joint report
    /// publishes with both.
    async fn signed_off_by(&self) -> Vec<Inspectorate> {
        [
            (self.0.signed_off_by_ofsted, Inspectorate::Ofsted),
            (self.0.signed_off_by_cqc, Inspectorate::Cqc),
        ]
        .into_iter()
        .filter_map(|(signed, inspectorate)| signed.then_some(inspectorate))
        .collect()
    }

    /// The full inspection a monitoring inspection or revisit follows, if the caller may see it.
    async fn follows(&self, ctx: &Context<'_>) -> Result<Option<Inspection>> {
        let Some(id) = self.0.follows_inspection_id else {
            return Ok(None);
        };
        Ok(by_id::<inspection::Entity>(ctx, id).await?.map(Inspection))
    }

    /// Why a monitoring inspection was called at the inspectorates' discretion.
    async fn discretion_reason(&self) -> Option<&str> {
        self.0.discretion_reason.as_deref()
    }

    /// 1 when created, one more on every change: name it when changing the inspection.
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    /// True for the synthetic demo history: never a real inspection or outcome.
    async fn is_synthetic(&self) -> bool {
        self.0.is_synthetic
    }

    /// When the record last changed: the outcomes feed's sync position.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The report's recommendations, in report order.
    #[graphql(
        complexity = "cost::list(cost::MAX_RECOMMENDATIONS_PER_INSPECTION, child_complexity)"
    )]
    async fn recommendations(&self, ctx: &Context<'_>) -> Result<Vec<Recommendation>> {
        let rows = children::<recommendation::Entity>(ctx, self.0.id).await?;
        Ok(rows.iter().cloned().map(Recommendation).collect())
    }
}

/// A recommendation of an inspection report.
pub struct Recommendation(pub recommendation::Model);

#[Object]
impl Recommendation {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Recommendation, self.0.id)
    }

    /// The report it belongs to.
    async fn inspection(&self, ctx: &Context<'_>) -> Result<Inspection> {
        let model = parent::<inspection::Entity>(ctx, self.0.inspection_id, "inspection").await?;
        Ok(Inspection(model))
    }

    /// Its place in the report, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The recommendation.
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// The partner primarily responsible for taking it forward.
    async fn responsible_partner(&self) -> ResponsiblePartner {
        self.0.responsible_partner
    }

    /// Whether it is an area for priority action (outcome 3).
    async fn is_area_for_priority_action(&self) -> bool {
        self.0.is_area_for_priority_action
    }
}
