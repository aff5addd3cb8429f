//! The inspectorates' mutations of inspections.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::{
    enums::{
        InspectionFramework, InspectionKind, InspectionOutcome, MonitoringProgress,
        ResponsiblePartner, RevisitProgress,
    },
    inspection,
};

use super::{Parts, answer, claim, payload, row_id};
use crate::{
    domain::inspection::{ImportedDates, Recommendation},
    graphql::{
        context, cost,
        id::NodeType,
        types::{inspection::Inspection, scalars::Date},
    },
    service::change::ChangeError,
    service::write::inspection::{
        self as write, FindingInput, HistoricalInspection, NewInspection, Step,
    },
};

#[derive(Default)]
pub struct InspectionMutations;

/// One recommendation of a report.
#[derive(InputObject)]
pub struct RecommendationInput {
    pub text: String,
    pub responsible_partner: ResponsiblePartner,
    /// Whether it is an area for priority action (outcome-3 reports only).
    #[graphql(default)]
    pub is_area_for_priority_action: bool,
}

impl From<RecommendationInput> for Recommendation {
    fn from(input: RecommendationInput) -> Self {
        Recommendation {
            text: input.text,
            responsible_partner: input.responsible_partner,
            is_area_for_priority_action: input.is_area_for_priority_action,
        }
    }
}

#[derive(InputObject)]
pub struct ScheduleInspectionInput {
    /// The ONS code of the area's local authority.
    pub area_code: String,
    pub framework: InspectionFramework,
    pub kind: InspectionKind,
    pub planned_start_on: Date,
    /// The full inspection a monitoring inspection follows.
    pub follows: Option<ID>,
    /// Why a monitoring inspection that follows no outcome-3 inspection is called.
    pub discretion_reason: Option<String>,
}

#[derive(InputObject)]
pub struct NotifyAreaInput {
    pub id: ID,
    pub revision: i32,
    pub notified_on: Date,
}

#[derive(InputObject)]
pub struct StartOnSiteInput {
    pub id: ID,
    pub revision: i32,
    pub on_site_start_on: Date,
}

#[derive(InputObject)]
pub struct FinishOnSiteInput {
    pub id: ID,
    pub revision: i32,
    pub on_site_end_on: Date,
}

/// The findings of a report: the one finding its framework and kind record, and its
/// recommendations (at most 100). Replaces earlier findings until the draft is shared.
#[derive(InputObject)]
pub struct RecordFindingsInput {
    pub id: ID,
    pub revision: i32,
    /// A 2023 full inspection's outcome.
    pub outcome: Option<InspectionOutcome>,
    /// A 2016 full inspection's finding.
    pub written_statement_of_action_required: Option<bool>,
    /// A 2016 revisit's finding.
    pub revisit_progress: Option<RevisitProgress>,
    /// A 2023 monitoring inspection's finding.
    pub monitoring_progress: Option<MonitoringProgress>,
    #[graphql(default)]
    pub recommendations: Vec<RecommendationInput>,
}

#[derive(InputObject)]
pub struct ShareDraftReportInput {
    pub id: ID,
    pub revision: i32,
    pub shared_on: Date,
}

#[derive(InputObject)]
pub struct SignOffReportInput {
    pub id: ID,
    pub revision: i32,
}

#[derive(InputObject)]
pub struct PublishReportInput {
    pub id: ID,
    pub revision: i32,
    /// When the report becomes public; omitted or past, now. Until then it is embargoed.
    pub publish_at: Option<DateTime<Utc>>,
    pub report_url: String,
}

#[derive(InputObject)]
pub struct HoldPublicationInput {
    pub id: ID,
    pub revision: i32,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ReleasePublicationInput {
    pub id: ID,
    pub revision: i32,
    /// When the report becomes public; omitted or past, now.
    pub publish_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct CancelInspectionInput {
    pub id: ID,
    pub revision: i32,
    pub reason: String,
}

/// A published inspection from the public record: a 2016 full inspection or revisit, or a
/// 2023 full or monitoring inspection.
#[derive(InputObject)]
pub struct ImportHistoricalInspectionInput {
    pub area_code: String,
    pub framework: InspectionFramework,
    pub kind: InspectionKind,
    /// The full inspection a revisit or monitoring inspection follows.
    pub follows: Option<ID>,
    pub discretion_reason: Option<String>,
    pub notified_on: Option<Date>,
    pub on_site_start_on: Date,
    pub on_site_end_on: Date,
    pub draft_shared_on: Option<Date>,
    pub published_on: Date,
    pub outcome: Option<InspectionOutcome>,
    pub written_statement_of_action_required: Option<bool>,
    pub revisit_progress: Option<RevisitProgress>,
    pub monitoring_progress: Option<MonitoringProgress>,
    #[graphql(default)]
    pub recommendations: Vec<RecommendationInput>,
    pub report_url: String,
}

payload!(
    /// The result of `scheduleInspection`.
    ScheduleInspectionPayload, inspection: Inspection
);
payload!(
    /// The result of `notifyArea`.
    NotifyAreaPayload, inspection: Inspection
);
payload!(
    /// The result of `startOnSite`.
    StartOnSitePayload, inspection: Inspection
);
payload!(
    /// The result of `finishOnSite`.
    FinishOnSitePayload, inspection: Inspection
);
payload!(
    /// The result of `recordFindings`.
    RecordFindingsPayload, inspection: Inspection
);
payload!(
    /// The result of `shareDraftReport`.
    ShareDraftReportPayload, inspection: Inspection
);
payload!(
    /// The result of `signOffReport`.
    SignOffReportPayload, inspection: Inspection
);
payload!(
    /// The result of `publishReport`.
    PublishReportPayload, inspection: Inspection
);
payload!(
    /// The result of `holdPublication`.
    HoldPublicationPayload, inspection: Inspection
);
payload!(
    /// The result of `releasePublication`.
    ReleasePublicationPayload, inspection: Inspection
);
payload!(
    /// The result of `cancelInspection`.
    CancelInspectionPayload, inspection: Inspection
);
payload!(
    /// The result of `importHistoricalInspection`.
    ImportHistoricalInspectionPayload, inspection: Inspection
);

const WHAT: &str = "inspection";

/// The inspection as the caller now reads it, or the refusal.
async fn answered(
    ctx: &Context<'_>,
    result: Result<inspection::Model, ChangeError>,
) -> Result<Parts<Inspection>> {
    answer::<inspection::Entity, _>(ctx, result, |model| model.id, Inspection).await
}

/// Runs a lifecycle step on the inspection `id` names.
async fn step(ctx: &Context<'_>, id: &ID, revision: i32, step: Step) -> Result<Parts<Inspection>> {
    let row = row_id(id, NodeType::Inspection, WHAT)?;
    let viewer = context::viewer(ctx)?;
    let result = write::step(context::db(ctx)?, viewer, claim(ctx), row, revision, step).await;
    answered(ctx, result).await
}

fn findings(
    outcome: Option<InspectionOutcome>,
    wsoa_required: Option<bool>,
    revisit_progress: Option<RevisitProgress>,
    monitoring_progress: Option<MonitoringProgress>,
) -> FindingInput {
    FindingInput {
        outcome,
        wsoa_required,
        revisit_progress,
        monitoring_progress,
    }
}

fn follows(id: Option<&ID>) -> Result<Option<i32>> {
    id.map(|id| row_id(id, NodeType::Inspection, WHAT))
        .transpose()
}

#[Object]
impl InspectionMutations {
    /// Plans a 2023-framework full or monitoring inspection (Ofsted, CQC). It stays the
    /// inspectorates' own until the area is notified.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn schedule_inspection(
        &self,
        ctx: &Context<'_>,
        input: ScheduleInspectionInput,
    ) -> Result<ScheduleInspectionPayload> {
        let new = NewInspection {
            area_code: input.area_code,
            framework: input.framework,
            kind: input.kind,
            planned_start_on: input.planned_start_on.0,
            follows: follows(input.follows.as_ref())?,
            discretion_reason: input.discretion_reason,
        };
        let result =
            write::schedule(context::db(ctx)?, context::viewer(ctx)?, claim(ctx), new).await;
        Ok(answered(ctx, result).await?.into())
    }

    /// Records that the area was notified: from now on DfE, NHS England and the area follow it.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn notify_area(
        &self,
        ctx: &Context<'_>,
        input: NotifyAreaInput,
    ) -> Result<NotifyAreaPayload> {
        Ok(step(
            ctx,
            &input.id,
            input.revision,
            Step::Notify(input.notified_on.0),
        )
        .await?
        .into())
    }

    /// Records the first day on site.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn start_on_site(
        &self,
        ctx: &Context<'_>,
        input: StartOnSiteInput,
    ) -> Result<StartOnSitePayload> {
        Ok(step(
            ctx,
            &input.id,
            input.revision,
            Step::StartOnSite(input.on_site_start_on.0),
        )
        .await?
        .into())
    }

    /// Records the last day on site; the report is now being written.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn finish_on_site(
        &self,
        ctx: &Context<'_>,
        input: FinishOnSiteInput,
    ) -> Result<FinishOnSitePayload> {
        Ok(step(
            ctx,
            &input.id,
            input.revision,
            Step::FinishOnSite(input.on_site_end_on.0),
        )
        .await?
        .into())
    }

    /// Records (or replaces) the draft findings. Changing them withdraws any sign-off.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn record_findings(
        &self,
        ctx: &Context<'_>,
        input: RecordFindingsInput,
    ) -> Result<RecordFindingsPayload> {
        let recording = Step::RecordFindings {
            finding: findings(
                input.outcome,
                input.written_statement_of_action_required,
                input.revisit_progress,
                input.monitoring_progress,
            ),
            recommendations: input.recommendations.into_iter().map(Into::into).collect(),
        };
        Ok(step(ctx, &input.id, input.revision, recording)
            .await?
            .into())
    }

    /// Shares the draft report with the area for a factual-accuracy check.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn share_draft_report(
        &self,
        ctx: &Context<'_>,
        input: ShareDraftReportInput,
    ) -> Result<ShareDraftReportPayload> {
        Ok(step(
            ctx,
            &input.id,
            input.revision,
            Step::ShareDraftReport(input.shared_on.0),
        )
        .await?
        .into())
    }

    /// Signs the report off for the caller's inspectorate. A joint report needs both.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn sign_off_report(
        &self,
        ctx: &Context<'_>,
        input: SignOffReportInput,
    ) -> Result<SignOffReportPayload> {
        Ok(step(ctx, &input.id, input.revision, Step::SignOff)
            .await?
            .into())
    }

    /// Sets the report to publish at `publishAt` (now if omitted or past). Until that instant
    /// only the inspectorates and the area see it; from it, everyone does.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn publish_report(
        &self,
        ctx: &Context<'_>,
        input: PublishReportInput,
    ) -> Result<PublishReportPayload> {
        let publishing = Step::Publish {
            at: input.publish_at,
            report_url: input.report_url,
        };
        Ok(step(ctx, &input.id, input.revision, publishing)
            .await?
            .into())
    }

    /// Withdraws a publication set for a later instant, e.g. for a pre-election period.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn hold_publication(
        &self,
        ctx: &Context<'_>,
        input: HoldPublicationInput,
    ) -> Result<HoldPublicationPayload> {
        Ok(step(
            ctx,
            &input.id,
            input.revision,
            Step::Hold {
                reason: input.reason,
            },
        )
        .await?
        .into())
    }

    /// Sets a held publication again.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn release_publication(
        &self,
        ctx: &Context<'_>,
        input: ReleasePublicationInput,
    ) -> Result<ReleasePublicationPayload> {
        Ok(step(
            ctx,
            &input.id,
            input.revision,
            Step::Release {
                at: input.publish_at,
            },
        )
        .await?
        .into())
    }

    /// Cancels an inspection that is not yet published.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn cancel_inspection(
        &self,
        ctx: &Context<'_>,
        input: CancelInspectionInput,
    ) -> Result<CancelInspectionPayload> {
        Ok(step(
            ctx,
            &input.id,
            input.revision,
            Step::Cancel {
                reason: input.reason,
            },
        )
        .await?
        .into())
    }

    /// Records a published inspection from the public record (`isSynthetic: false`).
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn import_historical_inspection(
        &self,
        ctx: &Context<'_>,
        input: ImportHistoricalInspectionInput,
    ) -> Result<ImportHistoricalInspectionPayload> {
        let historical = HistoricalInspection {
            area_code: input.area_code,
            framework: input.framework,
            kind: input.kind,
            follows: follows(input.follows.as_ref())?,
            discretion_reason: input.discretion_reason,
            dates: ImportedDates {
                notified_on: input.notified_on.map(|date| date.0),
                on_site_start_on: input.on_site_start_on.0,
                on_site_end_on: input.on_site_end_on.0,
                draft_shared_on: input.draft_shared_on.map(|date| date.0),
                published_on: input.published_on.0,
            },
            finding: findings(
                input.outcome,
                input.written_statement_of_action_required,
                input.revisit_progress,
                input.monitoring_progress,
            ),
            recommendations: input.recommendations.into_iter().map(Into::into).collect(),
            report_url: input.report_url,
        };
        let result = write::import(
            context::db(ctx)?,
            context::viewer(ctx)?,
            claim(ctx),
            historical,
        )
        .await;
        Ok(answered(ctx, result).await?.into())
    }
}
