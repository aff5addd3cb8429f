//! An inspection's lifecycle: planned → notified → on site → reporting → draft shared →
//! published, or cancelled before publication; and what each framework and kind must find.
//!
//! Sources: Ofsted/CQC, "Area SEND inspections: framework and handbook" (gov.uk, in force from
//! 6 June 2025): inspections are joint, so a report is both inspectorates'; a monitoring
//! inspection follows an outcome-3 full inspection and reports on progress with its areas for
//! priority action. The 2016 framework's written statements of action and revisits are history:
//! they can be imported, never scheduled.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    InspectionFramework, InspectionKind, InspectionOutcome, InspectionStatus, Inspectorate,
    MonitoringProgress, ResponsiblePartner, RevisitProgress,
};

use super::rejection::{self, Checked, Rejection};

/// How far ahead a publication may be set.
pub const MAX_EMBARGO_DAYS: i64 = 366;

/// What a report concludes, as its framework and kind allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// A 2023 full inspection.
    Outcome(InspectionOutcome),
    /// A 2023 monitoring inspection.
    Monitoring(MonitoringProgress),
    /// A 2016 full inspection: whether a written statement of action is required.
    WrittenStatementOfAction(bool),
    /// A 2016 revisit.
    Revisit(RevisitProgress),
}

/// Whether a report requires the area's priority action plan: a 2023 full inspection with
/// outcome 3.
pub fn requires_priority_action_plan(
    framework: InspectionFramework,
    outcome: Option<InspectionOutcome>,
) -> bool {
    framework == InspectionFramework::Framework2023 && outcome == Some(InspectionOutcome::Outcome3)
}

impl Finding {
    /// The finding a framework and kind must record, from the inputs that may carry it. Every
    /// other input must be absent.
    pub fn of(
        framework: InspectionFramework,
        kind: InspectionKind,
        outcome: Option<InspectionOutcome>,
        wsoa_required: Option<bool>,
        revisit_progress: Option<RevisitProgress>,
        monitoring_progress: Option<MonitoringProgress>,
    ) -> Checked<Self> {
        use InspectionFramework::*;
        use InspectionKind::*;
        let (expected, finding) = match (framework, kind) {
            (Framework2023, Full) => ("outcome", outcome.map(Finding::Outcome)),
            (Framework2023, Monitoring) => (
                "monitoringProgress",
                monitoring_progress.map(Finding::Monitoring),
            ),
            (Framework2016, Full) => (
                "writtenStatementOfActionRequired",
                wsoa_required.map(Finding::WrittenStatementOfAction),
            ),
            (Framework2016, Revisit) => ("revisitProgress", revisit_progress.map(Finding::Revisit)),
            _ => return Err(kind_mismatch(framework, kind)),
        };
        let given = [
            ("outcome", outcome.is_some()),
            ("writtenStatementOfActionRequired", wsoa_required.is_some()),
            ("revisitProgress", revisit_progress.is_some()),
            ("monitoringProgress", monitoring_progress.is_some()),
        ];
        if let Some((field, _)) = given
            .iter()
            .find(|(field, present)| *present && *field != expected)
        {
            return Err(Rejection::invalid(
                &format!("input.{field}"),
                format!(
                    "a {} inspection records {expected}, not {field}",
                    label(framework, kind)
                ),
            ));
        }
        finding.ok_or_else(|| {
            Rejection::invalid(
                &format!("input.{expected}"),
                format!(
                    "a {} inspection must record {expected}",
                    label(framework, kind)
                ),
            )
        })
    }

    pub fn outcome(self) -> Option<InspectionOutcome> {
        match self {
            Finding::Outcome(outcome) => Some(outcome),
            _ => None,
        }
    }

    pub fn wsoa_required(self) -> Option<bool> {
        match self {
            Finding::WrittenStatementOfAction(required) => Some(required),
            _ => None,
        }
    }

    pub fn revisit_progress(self) -> Option<RevisitProgress> {
        match self {
            Finding::Revisit(progress) => Some(progress),
            _ => None,
        }
    }

    pub fn monitoring_progress(self) -> Option<MonitoringProgress> {
        match self {
            Finding::Monitoring(progress) => Some(progress),
            _ => None,
        }
    }
}

fn label(framework: InspectionFramework, kind: InspectionKind) -> String {
    let framework = match framework {
        InspectionFramework::Framework2016 => "2016",
        InspectionFramework::Framework2023 => "2023",
    };
    let kind = match kind {
        InspectionKind::Full => "full",
        InspectionKind::Monitoring => "monitoring",
        InspectionKind::Revisit => "revisit",
    };
    format!("{framework}-framework {kind}")
}

fn kind_mismatch(framework: InspectionFramework, kind: InspectionKind) -> Rejection {
    Rejection::invalid(
        "input.kind",
        format!(
            "the {} framework has no {} inspections",
            if framework == InspectionFramework::Framework2016 {
                "2016"
            } else {
                "2023"
            },
            label(framework, kind)
                .rsplit(' ')
                .next()
                .unwrap_or_default()
        ),
    )
}

/// One recommendation of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub text: String,
    pub responsible_partner: ResponsiblePartner,
    pub is_area_for_priority_action: bool,
}

/// A report's findings: its conclusion and its recommendations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    pub finding: Finding,
    pub recommendations: Vec<Recommendation>,
}

impl Findings {
    /// Checks the recommendations against the conclusion: at most
    /// [`rejection::MAX_RECOMMENDATIONS`], and areas for priority action exactly when the
    /// outcome is 3 (the priority action plan answers each of them).
    pub fn new(finding: Finding, recommendations: Vec<Recommendation>) -> Checked<Self> {
        if recommendations.len() > rejection::MAX_RECOMMENDATIONS {
            return Err(Rejection::invalid(
                "input.recommendations",
                format!("at most {} recommendations", rejection::MAX_RECOMMENDATIONS),
            ));
        }
        let recommendations = recommendations
            .into_iter()
            .enumerate()
            .map(|(index, recommendation)| {
                Ok(Recommendation {
                    text: rejection::text(
                        &format!("input.recommendations.{index}.text"),
                        &recommendation.text,
                    )?,
                    ..recommendation
                })
            })
            .collect::<Checked<Vec<_>>>()?;
        let priority = recommendations
            .iter()
            .position(|recommendation| recommendation.is_area_for_priority_action);
        let outcome_3 = finding == Finding::Outcome(InspectionOutcome::Outcome3);
        match priority {
            Some(index) if !outcome_3 => Err(Rejection::invalid(
                &format!("input.recommendations.{index}.isAreaForPriorityAction"),
                "only an outcome-3 report names areas for priority action",
            )),
            None if outcome_3 => Err(Rejection::invalid(
                "input.recommendations",
                "an outcome-3 report names at least one area for priority action",
            )),
            _ => Ok(Self {
                finding,
                recommendations,
            }),
        }
    }
}

/// The facts of an inspection that its lifecycle rules read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub framework: InspectionFramework,
    pub kind: InspectionKind,
    pub status: InspectionStatus,
    pub notified_on: Option<NaiveDate>,
    pub on_site_start_on: Option<NaiveDate>,
    pub on_site_end_on: Option<NaiveDate>,
    pub draft_shared_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub finding: Option<Finding>,
    pub report_url: Option<String>,
    pub publish_at: Option<DateTime<Utc>>,
    pub held_reason: Option<String>,
    pub cancellation_reason: Option<String>,
    pub signed_off_by_ofsted: bool,
    pub signed_off_by_cqc: bool,
}

/// A change to an inspection's lifecycle, as the inspectorates ask for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Notify {
        on: NaiveDate,
    },
    StartOnSite {
        on: NaiveDate,
    },
    FinishOnSite {
        on: NaiveDate,
    },
    RecordFindings(Findings),
    ShareDraftReport {
        on: NaiveDate,
    },
    SignOff(Inspectorate),
    Publish {
        at: Option<DateTime<Utc>>,
        report_url: String,
    },
    HoldPublication {
        reason: String,
    },
    ReleasePublication {
        at: Option<DateTime<Utc>>,
    },
    Cancel {
        reason: String,
    },
}

/// What else a transition sets in motion, for the service to carry out in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Replace the report's recommendations.
    ReplaceRecommendations(Vec<Recommendation>),
    /// An outcome 3 opens the area's priority action plan (handbook: HMCI requires one).
    OpenPriorityActionPlan,
    /// A publication withdrawn before it took effect takes back the plan it opened, while the
    /// plan is still the area's untouched draft.
    WithdrawPriorityActionPlan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub inspection: Inspection,
    pub effects: Vec<Effect>,
}

impl Inspection {
    /// Whether the report is published as of `now`: set to publish, and its instant has come.
    /// Visibility is decided from this at read time, so no job has to lift an embargo.
    pub fn is_public(&self, now: DateTime<Utc>) -> bool {
        self.status == InspectionStatus::Published && self.publish_at.is_none_or(|at| at <= now)
    }

    /// Whether publishing this report requires the area's priority action plan.
    fn opens_priority_action_plan(&self) -> bool {
        requires_priority_action_plan(self.framework, self.finding.and_then(Finding::outcome))
    }

    fn signed_off_by_both(&self) -> bool {
        self.signed_off_by_ofsted && self.signed_off_by_cqc
    }

    /// Applies `command` at `now`, or says which rule forbids it. Pure: the caller writes the
    /// new state and carries out the effects.
    pub fn apply(&self, command: Command, now: DateTime<Utc>) -> Checked<Transition> {
        use InspectionStatus::*;
        let today = now.date_naive();
        let mut next = self.clone();
        let mut effects = Vec::new();
        match command {
            Command::Notify { on } => {
                self.require_status(&[Planned], "notify the area")?;
                next.notified_on = Some(rejection::past_date("input.notifiedOn", on, today)?);
                next.status = Notified;
            }
            Command::StartOnSite { on } => {
                self.require_status(&[Notified], "start on site")?;
                let on = rejection::past_date("input.onSiteStartOn", on, today)?;
                rejection::not_before(
                    "onSiteStartOn",
                    on,
                    self.notified_on.map(|d| ("notifiedOn", d)),
                )?;
                next.on_site_start_on = Some(on);
                next.status = OnSite;
            }
            Command::FinishOnSite { on } => {
                self.require_status(&[OnSite], "finish on site")?;
                let on = rejection::past_date("input.onSiteEndOn", on, today)?;
                rejection::not_before(
                    "onSiteEndOn",
                    on,
                    self.on_site_start_on.map(|d| ("onSiteStartOn", d)),
                )?;
                next.on_site_end_on = Some(on);
                next.status = Reporting;
            }
            Command::RecordFindings(findings) => {
                self.require_status(
                    &[Reporting],
                    "record findings (they are replaceable until the draft is shared)",
                )?;
                self.accepts(findings.finding)?;
                next.finding = Some(findings.finding);
                // A sign-off is of the findings as they stood: changed findings need new ones.
                next.signed_off_by_ofsted = false;
                next.signed_off_by_cqc = false;
                effects.push(Effect::ReplaceRecommendations(findings.recommendations));
            }
            Command::ShareDraftReport { on } => {
                self.require_status(&[Reporting], "share the draft report")?;
                if self.finding.is_none() {
                    return Err(Rejection::transition(
                        "the findings must be recorded before the draft report is shared",
                    ));
                }
                let on = rejection::past_date("input.sharedOn", on, today)?;
                rejection::not_before(
                    "sharedOn",
                    on,
                    self.on_site_end_on.map(|d| ("onSiteEndOn", d)),
                )?;
                next.draft_shared_on = Some(on);
                next.status = DraftShared;
            }
            Command::SignOff(inspectorate) => {
                self.require_status(&[Reporting, DraftShared], "sign off the report")?;
                if self.finding.is_none() {
                    return Err(Rejection::transition(
                        "the findings must be recorded before the report is signed off",
                    ));
                }
                let signed = match inspectorate {
                    Inspectorate::Ofsted => &mut next.signed_off_by_ofsted,
                    Inspectorate::Cqc => &mut next.signed_off_by_cqc,
                };
                if *signed {
                    return Err(Rejection::transition(
                        "your inspectorate has already signed off these findings",
                    ));
                }
                *signed = true;
            }
            Command::Publish { at, report_url } => {
                self.require_status(&[DraftShared], "publish the report")?;
                if self.held_reason.is_some() {
                    return Err(Rejection::transition(
                        "the publication is held: release it instead",
                    ));
                }
                self.publishable()?;
                next.report_url = Some(report_url);
                next.set_publication(at, now)?;
                if self.opens_priority_action_plan() {
                    effects.push(Effect::OpenPriorityActionPlan);
                }
            }
            Command::HoldPublication { reason } => {
                if self.status != Published || self.is_public(now) {
                    return Err(Rejection::transition(
                        "only a publication set for a future instant can be held; a published report stays published",
                    ));
                }
                next.status = DraftShared;
                next.publish_at = None;
                next.published_on = None;
                next.held_reason = Some(reason);
                if self.opens_priority_action_plan() {
                    effects.push(Effect::WithdrawPriorityActionPlan);
                }
            }
            Command::ReleasePublication { at } => {
                if self.status != DraftShared || self.held_reason.is_none() {
                    return Err(Rejection::transition(
                        "only a held publication can be released",
                    ));
                }
                self.publishable()?;
                next.held_reason = None;
                next.set_publication(at, now)?;
                if self.opens_priority_action_plan() {
                    effects.push(Effect::OpenPriorityActionPlan);
                }
            }
            Command::Cancel { reason } => {
                if self.status == Cancelled || self.is_public(now) {
                    return Err(Rejection::transition(
                        "only an inspection that is neither published nor cancelled can be cancelled",
                    ));
                }
                let publication_set = self.status == Published || self.held_reason.is_some();
                if publication_set && self.opens_priority_action_plan() {
                    effects.push(Effect::WithdrawPriorityActionPlan);
                }
                next.status = Cancelled;
                next.publish_at = None;
                next.published_on = None;
                next.cancellation_reason = Some(reason);
            }
        }
        Ok(Transition {
            inspection: next,
            effects,
        })
    }

    fn require_status(&self, states: &[InspectionStatus], what: &str) -> Checked<()> {
        if states.contains(&self.status) {
            Ok(())
        } else {
            Err(Rejection::transition(format!(
                "cannot {what} when the inspection is {}",
                status_label(self.status)
            )))
        }
    }

    /// A joint report publishes with its findings, shared with the area, signed by both.
    fn publishable(&self) -> Checked<()> {
        if self.finding.is_none() || self.draft_shared_on.is_none() {
            return Err(Rejection::transition(
                "a report publishes only with its findings recorded and its draft shared",
            ));
        }
        if !self.signed_off_by_both() {
            return Err(Rejection::transition(
                "a joint report publishes only when both Ofsted and the CQC have signed it off",
            ));
        }
        Ok(())
    }

    fn accepts(&self, finding: Finding) -> Checked<()> {
        let fits = matches!(
            (self.framework, self.kind, finding),
            (
                InspectionFramework::Framework2023,
                InspectionKind::Full,
                Finding::Outcome(_)
            ) | (
                InspectionFramework::Framework2023,
                InspectionKind::Monitoring,
                Finding::Monitoring(_)
            ) | (
                InspectionFramework::Framework2016,
                InspectionKind::Full,
                Finding::WrittenStatementOfAction(_)
            ) | (
                InspectionFramework::Framework2016,
                InspectionKind::Revisit,
                Finding::Revisit(_)
            )
        );
        if fits {
            Ok(())
        } else {
            Err(Rejection::invalid(
                "input",
                format!(
                    "a {} inspection cannot record that finding",
                    label(self.framework, self.kind)
                ),
            ))
        }
    }

    /// Sets the report to publish at `at`, or now if `at` is absent or past; at most
    /// [`MAX_EMBARGO_DAYS`] ahead, so that a mistyped year cannot embargo a report for ever.
    fn set_publication(&mut self, at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Checked<()> {
        let at = at.filter(|at| *at > now).unwrap_or(now);
        if at > now + chrono::Duration::days(MAX_EMBARGO_DAYS) {
            return Err(Rejection::invalid(
                "input.publishAt",
                format!("must be at most {MAX_EMBARGO_DAYS} days ahead"),
            ));
        }
        self.status = InspectionStatus::Published;
        self.publish_at = Some(at);
        self.published_on = Some(at.date_naive());
        Ok(())
    }
}

fn status_label(status: InspectionStatus) -> &'static str {
    match status {
        InspectionStatus::Planned => "planned",
        InspectionStatus::Notified => "notified",
        InspectionStatus::OnSite => "on site",
        InspectionStatus::Reporting => "reporting",
        InspectionStatus::DraftShared => "at draft shared",
        InspectionStatus::Published => "published or set to publish",
        InspectionStatus::Cancelled => "cancelled",
    }
}

/// The full inspection a monitoring inspection or revisit follows, as far as the rules read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub same_area: bool,
    pub framework: InspectionFramework,
    pub kind: InspectionKind,
    pub published: bool,
    pub finding: Option<Finding>,
}

/// Checks what a new inspection follows: a monitoring inspection follows a published outcome-3
/// full inspection of its area, unless the inspectorates call it at their discretion (with a
/// reason); a revisit follows a published 2016 full inspection of its area that required a
/// written statement of action; a full inspection follows nothing.
pub fn check_follows(
    framework: InspectionFramework,
    kind: InspectionKind,
    follows: Option<&Followed>,
    discretion_reason: Option<&str>,
) -> Checked<()> {
    use InspectionFramework::*;
    use InspectionKind::*;
    let wanted = match (framework, kind) {
        (Framework2023, Full) | (Framework2016, Full) => {
            return match (follows, discretion_reason) {
                (None, None) => Ok(()),
                (Some(_), _) => Err(Rejection::invalid(
                    "input.follows",
                    "a full inspection follows no other inspection",
                )),
                (None, Some(_)) => Err(Rejection::invalid(
                    "input.discretionReason",
                    "only a monitoring inspection is called at the inspectorates' discretion",
                )),
            };
        }
        (Framework2023, Monitoring) => {
            (Framework2023, Finding::Outcome(InspectionOutcome::Outcome3))
        }
        (Framework2016, Revisit) => (Framework2016, Finding::WrittenStatementOfAction(true)),
        _ => return Err(kind_mismatch(framework, kind)),
    };
    match (follows, discretion_reason) {
        (None, Some(_)) if kind == Monitoring => Ok(()),
        (None, _) => Err(Rejection::invalid(
            "input.follows",
            if kind == Monitoring {
                "a monitoring inspection follows an outcome-3 full inspection, or gives a discretionReason"
            } else {
                "a revisit follows the full inspection that required a written statement of action"
            },
        )),
        (Some(_), Some(_)) => Err(Rejection::invalid(
            "input.discretionReason",
            "a monitoring inspection that follows a full inspection needs no discretionReason",
        )),
        (Some(followed), None) => {
            let fits = followed.same_area
                && followed.kind == Full
                && followed.published
                && (followed.framework, followed.finding) == (wanted.0, Some(wanted.1));
            if fits {
                Ok(())
            } else {
                Err(Rejection::transition(if kind == Monitoring {
                    "a monitoring inspection follows a published outcome-3 full inspection of the same area"
                } else {
                    "a revisit follows a published 2016 full inspection of the same area that required a written statement of action"
                }))
            }
        }
    }
}

/// Checks a new inspection scheduled through the API: only the 2023 framework schedules new
/// inspections, and an area has at most one open full inspection at a time.
pub fn check_schedule(
    framework: InspectionFramework,
    kind: InspectionKind,
    open_full_inspection: bool,
) -> Checked<()> {
    if framework == InspectionFramework::Framework2016 {
        return Err(Rejection::invalid(
            "input.framework",
            "the 2016 framework ended in 2022: record its history with importHistoricalInspection",
        ));
    }
    if kind == InspectionKind::Revisit {
        return Err(kind_mismatch(framework, kind));
    }
    if kind == InspectionKind::Full && open_full_inspection {
        return Err(Rejection::transition(
            "the area already has an open full inspection: publish or cancel it first",
        ));
    }
    Ok(())
}

/// The dates of a published inspection imported from the record, each checked against the one
/// before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedDates {
    pub notified_on: Option<NaiveDate>,
    pub on_site_start_on: NaiveDate,
    pub on_site_end_on: NaiveDate,
    pub draft_shared_on: Option<NaiveDate>,
    pub published_on: NaiveDate,
}

/// Checks an imported inspection's dates: all past, none before the 2016 framework, in
/// lifecycle order, and within the framework's years.
pub fn check_imported_dates(
    framework: InspectionFramework,
    dates: ImportedDates,
    today: NaiveDate,
) -> Checked<()> {
    let steps = [
        ("notifiedOn", dates.notified_on),
        ("onSiteStartOn", Some(dates.on_site_start_on)),
        ("onSiteEndOn", Some(dates.on_site_end_on)),
        ("draftSharedOn", dates.draft_shared_on),
        ("publishedOn", Some(dates.published_on)),
    ];
    let mut previous: Option<(&str, NaiveDate)> = None;
    for (field, date) in steps {
        let Some(date) = date else { continue };
        rejection::past_date(&format!("input.{field}"), date, today)?;
        if let Some((step, earlier)) = previous
            && date < earlier
        {
            return Err(Rejection::invalid(
                &format!("input.{field}"),
                format!("must not be before {step} ({earlier})"),
            ));
        }
        previous = Some((field, date));
    }

    if framework == InspectionFramework::Framework2023
        && dates.on_site_start_on < rejection::FRAMEWORK_2023_BEGAN
    {
        return Err(Rejection::invalid(
            "input.onSiteStartOn",
            "the 2023 framework's inspections began in 2023",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use InspectionStatus::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn outcome_3() -> Findings {
        Findings::new(
            Finding::Outcome(InspectionOutcome::Outcome3),
            vec![Recommendation {
                text: "Reduce waits for assessment".into(),
                responsible_partner: ResponsiblePartner::Partnership,
                is_area_for_priority_action: true,
            }],
        )
        .unwrap()
    }

    /// The stages an inspection can be in, each with the facts it would have.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Stage {
        Planned,
        Notified,
        OnSite,
        Reporting,
        Found,
        SignedByOfsted,
        Shared,
        SharedAndSigned,
        SetToPublish,
        Published,
        Held,
        Cancelled,
    }

    fn at(stage: Stage) -> Inspection {
        let mut inspection = Inspection {
            framework: InspectionFramework::Framework2023,
            kind: InspectionKind::Full,
            status: InspectionStatus::Planned,
            notified_on: None,
            on_site_start_on: None,
            on_site_end_on: None,
            draft_shared_on: None,
            published_on: None,
            finding: None,
            report_url: None,
            publish_at: None,
            held_reason: None,
            cancellation_reason: None,
            signed_off_by_ofsted: false,
            signed_off_by_cqc: false,
        };
        let order = [
            Stage::Planned,
            Stage::Notified,
            Stage::OnSite,
            Stage::Reporting,
            Stage::Found,
            Stage::SignedByOfsted,
            Stage::Shared,
            Stage::SharedAndSigned,
        ];
        let reached = |step: Stage| {
            order.iter().position(|s| *s == step).unwrap()
                <= order
                    .iter()
                    .position(|s| *s == stage)
                    .unwrap_or(order.len() - 1)
        };
        if reached(Stage::Notified) {
            inspection.status = InspectionStatus::Notified;
            inspection.notified_on = Some(day(11, 2));
        }
        if reached(Stage::OnSite) {
            inspection.status = InspectionStatus::OnSite;
            inspection.on_site_start_on = Some(day(11, 9));
        }
        if reached(Stage::Reporting) {
            inspection.status = InspectionStatus::Reporting;
            inspection.on_site_end_on = Some(day(11, 13));
        }
        if reached(Stage::Found) {
            inspection.finding = Some(Finding::Outcome(InspectionOutcome::Outcome3));
        }
        if reached(Stage::SignedByOfsted) {
            inspection.signed_off_by_ofsted = true;
        }
        if reached(Stage::Shared) {
            inspection.status = InspectionStatus::DraftShared;
            inspection.draft_shared_on = Some(day(11, 20));
        }
        if reached(Stage::SharedAndSigned) {
            inspection.signed_off_by_cqc = true;
        }
        match stage {
            Stage::SetToPublish | Stage::Published => {
                let at = if stage == Stage::Published {
                    now() - Duration::hours(1)
                } else {
                    now() + Duration::hours(1)
                };
                inspection.status = InspectionStatus::Published;
                inspection.publish_at = Some(at);
                inspection.published_on = Some(at.date_naive());
                inspection.report_url = Some("https://reports.ofsted.gov.uk/1".into());
            }
            Stage::Held => inspection.held_reason = Some("Pre-election period".into()),
            Stage::Cancelled => {
                inspection.status = InspectionStatus::Cancelled;
                inspection.cancellation_reason = Some("Moved".into());
            }
            _ => {}
        }
        inspection
    }

    fn commands() -> Vec<(&'static str, Command)> {
        vec![
            ("notify", Command::Notify { on: day(11, 25) }),
            ("start", Command::StartOnSite { on: day(11, 25) }),
            ("finish", Command::FinishOnSite { on: day(11, 25) }),
            ("record", Command::RecordFindings(outcome_3())),
            ("share", Command::ShareDraftReport { on: day(11, 25) }),
            ("sign_cqc", Command::SignOff(Inspectorate::Cqc)),
            (
                "publish",
                Command::Publish {
                    at: None,
                    report_url: "https://reports.ofsted.gov.uk/1".into(),
                },
            ),
            (
                "hold",
                Command::HoldPublication {
                    reason: "Pre-election period".into(),
                },
            ),
            ("release", Command::ReleasePublication { at: None }),
            (
                "cancel",
                Command::Cancel {
                    reason: "Moved".into(),
                },
            ),
        ]
    }

    /// Every stage against every command: the status it leads to, or `None` for a refusal.
    #[test]
    fn every_stage_and_command() {
        use Stage as S;
        let table: [(Stage, [Option<InspectionStatus>; 10]); 12] = [
            //            notify          start          finish            record           share              sign_cqc           publish          hold               release          cancel
            (
                S::Planned,
                [
                    Some(Notified),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                S::Notified,
                [
                    None,
                    Some(OnSite),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                S::OnSite,
                [
                    None,
                    None,
                    Some(Reporting),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                S::Reporting,
                [
                    None,
                    None,
                    None,
                    Some(Reporting),
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                S::Found,
                [
                    None,
                    None,
                    None,
                    Some(Reporting),
                    Some(DraftShared),
                    Some(Reporting),
                    None,
                    None,
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                S::SignedByOfsted,
                [
                    None,
                    None,
                    None,
                    Some(Reporting),
                    Some(DraftShared),
                    Some(Reporting),
                    None,
                    None,
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                S::Shared,
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(DraftShared),
                    None,
                    None,
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                S::SharedAndSigned,
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(Published),
                    None,
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                S::SetToPublish,
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(DraftShared),
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                S::Published,
                [None, None, None, None, None, None, None, None, None, None],
            ),
            (
                S::Held,
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(Published),
                    Some(Cancelled),
                ],
            ),
            (
                S::Cancelled,
                [None, None, None, None, None, None, None, None, None, None],
            ),
        ];
        for (stage, expected) in table {
            for ((name, command), expected) in commands().into_iter().zip(expected) {
                let result = at(stage).apply(command, now());
                match (expected, result) {
                    (Some(status), Ok(transition)) => {
                        assert_eq!(transition.inspection.status, status, "{stage:?} {name}")
                    }
                    (None, Err(Rejection::InvalidTransition { .. })) => {}
                    (expected, result) => {
                        panic!("{stage:?} {name}: expected {expected:?}, got {result:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn changed_findings_withdraw_the_sign_offs() {
        let transition = at(Stage::SignedByOfsted)
            .apply(Command::RecordFindings(outcome_3()), now())
            .unwrap();
        assert!(!transition.inspection.signed_off_by_ofsted);
        assert!(matches!(
            transition.effects.as_slice(),
            [Effect::ReplaceRecommendations(recommendations)] if recommendations.len() == 1
        ));
    }

    #[test]
    fn an_inspectorate_signs_once() {
        let refused =
            at(Stage::SignedByOfsted).apply(Command::SignOff(Inspectorate::Ofsted), now());
        assert!(matches!(refused, Err(Rejection::InvalidTransition { .. })));
    }

    #[test]
    fn a_publication_is_embargoed_until_its_instant_and_opens_the_plan_for_outcome_3() {
        let later = now() + Duration::seconds(5);
        let transition = at(Stage::SharedAndSigned)
            .apply(
                Command::Publish {
                    at: Some(later),
                    report_url: "https://reports.ofsted.gov.uk/1".into(),
                },
                now(),
            )
            .unwrap();
        let published = transition.inspection;
        assert_eq!(published.publish_at, Some(later));
        assert_eq!(published.published_on, Some(later.date_naive()));
        assert!(!published.is_public(now()));
        assert!(published.is_public(later));
        assert_eq!(transition.effects, vec![Effect::OpenPriorityActionPlan]);
        // A past instant publishes now.
        let past = at(Stage::SharedAndSigned)
            .apply(
                Command::Publish {
                    at: Some(now() - Duration::days(3)),
                    report_url: "https://reports.ofsted.gov.uk/1".into(),
                },
                now(),
            )
            .unwrap();
        assert_eq!(past.inspection.publish_at, Some(now()));
    }

    #[test]
    fn withdrawing_a_publication_takes_back_the_plan_it_opened() {
        let hold = Command::HoldPublication {
            reason: "Pre-election period".into(),
        };
        let held = at(Stage::SetToPublish).apply(hold, now()).unwrap();
        assert_eq!(held.effects, vec![Effect::WithdrawPriorityActionPlan]);
        let cancel = Command::Cancel {
            reason: "Withdrawn".into(),
        };
        let cancelled = at(Stage::Held).apply(cancel.clone(), now()).unwrap();
        assert_eq!(cancelled.effects, vec![Effect::WithdrawPriorityActionPlan]);
        assert!(
            at(Stage::Shared)
                .apply(cancel, now())
                .unwrap()
                .effects
                .is_empty()
        );
        let released = at(Stage::Held)
            .apply(Command::ReleasePublication { at: None }, now())
            .unwrap();
        assert_eq!(released.effects, vec![Effect::OpenPriorityActionPlan]);
    }

    #[test]
    fn a_publication_is_set_at_most_a_year_ahead() {
        let far = Command::Publish {
            at: Some(now() + Duration::days(MAX_EMBARGO_DAYS + 1)),
            report_url: "https://reports.ofsted.gov.uk/1".into(),
        };
        assert!(matches!(
            at(Stage::SharedAndSigned).apply(far, now()),
            Err(Rejection::InvalidValue { .. })
        ));
    }

    #[test]
    fn dates_do_not_run_backwards_or_into_the_future() {
        let backwards = at(Stage::Notified).apply(Command::StartOnSite { on: day(11, 1) }, now());
        assert!(matches!(
            backwards,
            Err(Rejection::InvalidTransition { .. })
        ));
        let future = at(Stage::Notified).apply(Command::StartOnSite { on: day(11, 27) }, now());
        assert!(matches!(future, Err(Rejection::InvalidValue { .. })));
    }

    #[test]
    fn each_framework_and_kind_records_its_own_finding() {
        use InspectionFramework::*;
        use InspectionKind::*;
        let progress = Some(MonitoringProgress::Insufficient);
        assert_eq!(
            Finding::of(Framework2023, Monitoring, None, None, None, progress),
            Ok(Finding::Monitoring(MonitoringProgress::Insufficient))
        );
        // A monitoring inspection never records a full inspection's outcome.
        let outcome = Some(InspectionOutcome::Outcome2);
        assert!(Finding::of(Framework2023, Monitoring, outcome, None, None, progress).is_err());
        assert!(Finding::of(Framework2023, Full, None, None, None, None).is_err());
        assert!(Finding::of(Framework2016, Full, None, Some(true), None, None).is_ok());
        assert!(Finding::of(Framework2016, Monitoring, None, None, None, progress).is_err());
        assert!(Finding::of(Framework2023, Revisit, None, None, None, None).is_err());
        // Areas for priority action exactly with outcome 3.
        let plain = Recommendation {
            text: "Improve".into(),
            responsible_partner: ResponsiblePartner::LocalAuthority,
            is_area_for_priority_action: false,
        };
        let outcome_3 = Finding::Outcome(InspectionOutcome::Outcome3);
        assert!(Findings::new(outcome_3, vec![plain.clone()]).is_err());
        let priority = Recommendation {
            is_area_for_priority_action: true,
            ..plain.clone()
        };
        let outcome_1 = Finding::Outcome(InspectionOutcome::Outcome1);
        assert!(Findings::new(outcome_1, vec![priority]).is_err());
        assert!(Findings::new(outcome_1, vec![plain.clone(); 101]).is_err());
    }

    #[test]
    fn what_a_new_inspection_follows() {
        use InspectionFramework::*;
        use InspectionKind::*;
        let outcome_3 = Followed {
            same_area: true,
            framework: Framework2023,
            kind: Full,
            published: true,
            finding: Some(Finding::Outcome(InspectionOutcome::Outcome3)),
        };
        assert!(check_follows(Framework2023, Monitoring, Some(&outcome_3), None).is_ok());
        assert!(check_follows(Framework2023, Monitoring, None, Some("Concerns raised")).is_ok());
        assert!(check_follows(Framework2023, Monitoring, None, None).is_err());
        let elsewhere = Followed {
            same_area: false,
            ..outcome_3.clone()
        };
        assert!(check_follows(Framework2023, Monitoring, Some(&elsewhere), None).is_err());
        let outcome_2 = Followed {
            finding: Some(Finding::Outcome(InspectionOutcome::Outcome2)),
            ..outcome_3.clone()
        };
        assert!(check_follows(Framework2023, Monitoring, Some(&outcome_2), None).is_err());
        let wsoa = Followed {
            framework: Framework2016,
            finding: Some(Finding::WrittenStatementOfAction(true)),
            ..outcome_3.clone()
        };
        assert!(check_follows(Framework2016, Revisit, Some(&wsoa), None).is_ok());
        let no_wsoa = Followed {
            finding: Some(Finding::WrittenStatementOfAction(false)),
            ..wsoa.clone()
        };
        assert!(check_follows(Framework2016, Revisit, Some(&no_wsoa), None).is_err());
        assert!(check_follows(Framework2023, Full, Some(&outcome_3), None).is_err());
    }

    #[test]
    fn only_2023_inspections_are_scheduled_one_open_full_inspection_at_a_time() {
        use InspectionFramework::*;
        use InspectionKind::*;
        assert!(check_schedule(Framework2023, Full, false).is_ok());
        assert!(matches!(
            check_schedule(Framework2023, Full, true),
            Err(Rejection::InvalidTransition { .. })
        ));
        assert!(check_schedule(Framework2023, Monitoring, true).is_ok());
        assert!(check_schedule(Framework2016, Full, false).is_err());
    }

    #[test]
    fn imported_dates_are_past_and_in_order() {
        let dates = ImportedDates {
            notified_on: Some(day(3, 2)),
            on_site_start_on: day(3, 9),
            on_site_end_on: day(3, 13),
            draft_shared_on: Some(day(4, 1)),
            published_on: day(5, 1),
        };
        let today = day(11, 26);
        let framework = InspectionFramework::Framework2023;
        assert!(check_imported_dates(framework, dates, today).is_ok());
        let backwards = ImportedDates {
            published_on: day(3, 1),
            ..dates
        };
        assert!(check_imported_dates(framework, backwards, today).is_err());
        let future = ImportedDates {
            published_on: day(12, 1),
            ..dates
        };
        assert!(check_imported_dates(framework, future, today).is_err());
    }
}
