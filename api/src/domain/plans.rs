//! The partners' plans: strategic plan versions, and the priority action plan (area SEND) that
//! an outcome 3 requires, with its actions and their progress.
//!
//! Sources: the area SEND framework and handbook (Ofsted and CQC, in force from 6 June 2025):
//! every area updates and publishes its strategic plan after each inspection; after outcome 3
//! the partnership writes a priority action plan answering each area for priority action, and
//! feedback on the submitted plan comes from DfE and regional NHS England rather than the
//! inspectorates (the June 2025 summary of changes, para 149, as `DOMAIN.md` records it).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use entity::enums::{ActionStatus, PriorityActionPlanStatus, StrategicPlanStatus};

use super::rejection::{self, Checked, Rejection};

/// The most actions one priority action plan holds.
pub const MAX_ACTIONS_PER_PLAN: usize = 30;

/// The most progress steps recorded on one action.
pub const MAX_PROGRESS_PER_ACTION: usize = 100;

/// A strategic plan version, as its rules read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategicPlan {
    pub status: StrategicPlanStatus,
    pub title: String,
    pub document_url: Option<String>,
    pub published_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrategicPlanCommand {
    Update {
        title: String,
        document_url: Option<String>,
    },
    Publish {
        on: NaiveDate,
        document_url: String,
    },
    Withdraw,
}

impl StrategicPlan {
    /// A new draft: one at a time per area.
    pub fn draft(
        title: String,
        document_url: Option<String>,
        area_has_draft: bool,
    ) -> Checked<Self> {
        if area_has_draft {
            return Err(Rejection::transition(
                "the area already has a strategic plan draft: update or withdraw it",
            ));
        }
        Ok(Self {
            status: StrategicPlanStatus::Draft,
            title,
            document_url,
            published_on: None,
        })
    }

    /// Only a draft changes: a published version is never edited, the next change is a new
    /// version.
    pub fn apply(&self, command: StrategicPlanCommand, today: NaiveDate) -> Checked<Self> {
        if self.status != StrategicPlanStatus::Draft {
            return Err(Rejection::transition(
                "only a draft changes: a published version is never edited; draft the next version",
            ));
        }
        let mut next = self.clone();
        match command {
            StrategicPlanCommand::Update {
                title,
                document_url,
            } => {
                next.title = title;
                next.document_url = document_url;
            }
            StrategicPlanCommand::Publish { on, document_url } => {
                next.published_on = Some(rejection::past_date("input.publishedOn", on, today)?);
                next.document_url = Some(document_url);
                next.status = StrategicPlanStatus::Published;
            }
            StrategicPlanCommand::Withdraw => next.status = StrategicPlanStatus::Withdrawn,
        }
        Ok(next)
    }
}

/// A priority action plan, as its rules read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityActionPlan {
    pub status: PriorityActionPlanStatus,
    pub summary: Option<String>,
    pub document_url: Option<String>,
    pub submitted_on: Option<NaiveDate>,
    pub acknowledged_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub return_reasons: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanCommand {
    Update {
        summary: Option<String>,
        document_url: Option<String>,
    },
    /// Adding, changing or removing an action: allowed while the plan is being written.
    EditActions,
    Submit {
        on: NaiveDate,
        /// The areas for priority action of the plan's inspection.
        areas_for_priority_action: BTreeSet<i32>,
        /// The recommendations the plan's actions answer.
        answered: BTreeSet<i32>,
    },
    Return {
        reasons: String,
    },
    Acknowledge {
        on: NaiveDate,
    },
    Publish {
        on: NaiveDate,
        document_url: String,
    },
    /// Recording progress on an action: once the plan is submitted.
    RecordProgress,
}

impl PriorityActionPlan {
    pub fn apply(&self, command: PlanCommand, today: NaiveDate) -> Checked<Self> {
        use PriorityActionPlanStatus::*;
        let mut next = self.clone();
        let editable = matches!(self.status, Draft | Returned);
        match command {
            PlanCommand::Update {
                summary,
                document_url,
            } => {
                self.require(editable, "a plan is edited only while DRAFT or RETURNED")?;
                next.summary = summary;
                next.document_url = document_url;
            }
            PlanCommand::EditActions => {
                self.require(
                    editable,
                    "actions change only while the plan is DRAFT or RETURNED",
                )?;
            }
            PlanCommand::Submit {
                on,
                areas_for_priority_action,
                answered,
            } => {
                self.require(editable, "only a DRAFT or RETURNED plan is submitted")?;
                if let Some(unanswered) = areas_for_priority_action.difference(&answered).next() {
                    return Err(Rejection::transition(format!(
                        "every area for priority action needs at least one action; recommendation {unanswered} has none"
                    )));
                }
                next.submitted_on = Some(rejection::past_date("input.submittedOn", on, today)?);
                next.return_reasons = None;
                next.status = Submitted;
            }
            PlanCommand::Return { reasons } => {
                self.require(
                    self.status == Submitted,
                    "only a SUBMITTED plan is returned",
                )?;
                next.return_reasons = Some(reasons);
                next.status = Returned;
            }
            PlanCommand::Acknowledge { on } => {
                self.require(
                    self.status == Submitted,
                    "only a SUBMITTED plan is acknowledged",
                )?;
                let on = rejection::past_date("input.acknowledgedOn", on, today)?;
                rejection::not_before(
                    "acknowledgedOn",
                    on,
                    self.submitted_on.map(|date| ("submittedOn", date)),
                )?;
                next.acknowledged_on = Some(on);
                next.status = Acknowledged;
            }
            PlanCommand::Publish { on, document_url } => {
                self.require(
                    self.status == Acknowledged,
                    "a plan is published once DfE or NHS England has acknowledged it",
                )?;
                let on = rejection::past_date("input.publishedOn", on, today)?;
                rejection::not_before(
                    "publishedOn",
                    on,
                    self.acknowledged_on.map(|date| ("acknowledgedOn", date)),
                )?;
                next.published_on = Some(on);
                next.document_url = Some(document_url);
                next.status = Published;
            }
            PlanCommand::RecordProgress => {
                self.require(
                    !editable || self.submitted_on.is_some(),
                    "progress is recorded once the plan has been submitted",
                )?;
            }
        }
        Ok(next)
    }

    fn require(&self, allowed: bool, rule: &str) -> Checked<()> {
        if allowed {
            Ok(())
        } else {
            Err(Rejection::transition(rule))
        }
    }
}

/// One recorded step of progress on an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub status: ActionStatus,
    pub note: Option<String>,
    pub completed_on: Option<NaiveDate>,
}

impl Progress {
    /// A completed action says when it was completed (not in the future); any other status
    /// has no completion date.
    pub fn new(
        status: ActionStatus,
        note: Option<String>,
        completed_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Checked<Self> {
        let completed_on = match (status, completed_on) {
            (ActionStatus::Completed, Some(on)) => {
                Some(rejection::past_date("input.completedOn", on, today)?)
            }
            (ActionStatus::Completed, None) => {
                return Err(Rejection::invalid(
                    "input.completedOn",
                    "a completed action says when it was completed",
                ));
            }
            (_, Some(_)) => {
                return Err(Rejection::invalid(
                    "input.completedOn",
                    "only a completed action has a completion date",
                ));
            }
            (_, None) => None,
        };
        Ok(Self {
            status,
            note,
            completed_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PriorityActionPlanStatus::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn plan(status: PriorityActionPlanStatus) -> PriorityActionPlan {
        let submitted = !matches!(status, Draft);
        PriorityActionPlan {
            status,
            summary: None,
            document_url: None,
            submitted_on: submitted.then(|| day(10, 1)),
            acknowledged_on: matches!(status, Acknowledged | Published).then(|| day(10, 20)),
            published_on: (status == Published).then(|| day(11, 1)),
            return_reasons: (status == Returned).then(|| "Too vague".to_owned()),
        }
    }

    fn commands() -> Vec<(&'static str, PlanCommand)> {
        let apas: BTreeSet<i32> = [1, 2].into();
        vec![
            (
                "update",
                PlanCommand::Update {
                    summary: Some("Plan".into()),
                    document_url: None,
                },
            ),
            ("edit actions", PlanCommand::EditActions),
            (
                "submit",
                PlanCommand::Submit {
                    on: day(11, 20),
                    areas_for_priority_action: apas.clone(),
                    answered: apas,
                },
            ),
            (
                "return",
                PlanCommand::Return {
                    reasons: "Add dates".into(),
                },
            ),
            ("acknowledge", PlanCommand::Acknowledge { on: day(11, 21) }),
            (
                "publish",
                PlanCommand::Publish {
                    on: day(11, 22),
                    document_url: "https://example.gov.uk/pap.pdf".into(),
                },
            ),
            ("progress", PlanCommand::RecordProgress),
        ]
    }

    /// Every state against every command: the state it leads to, or `None` for a refusal.
    #[test]
    fn every_plan_state_and_command() {
        let table: [(
            PriorityActionPlanStatus,
            [Option<PriorityActionPlanStatus>; 7],
        ); 5] = [
            //            update          edit           submit           return          acknowledge         publish          progress
            (
                Draft,
                [
                    Some(Draft),
                    Some(Draft),
                    Some(Submitted),
                    None,
                    None,
                    None,
                    None,
                ],
            ),
            (
                Submitted,
                [
                    None,
                    None,
                    None,
                    Some(Returned),
                    Some(Acknowledged),
                    None,
                    Some(Submitted),
                ],
            ),
            (
                Returned,
                [
                    Some(Returned),
                    Some(Returned),
                    Some(Submitted),
                    None,
                    None,
                    None,
                    Some(Returned),
                ],
            ),
            (
                Acknowledged,
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(Published),
                    Some(Acknowledged),
                ],
            ),
            (
                Published,
                [None, None, None, None, None, None, Some(Published)],
            ),
        ];
        for (status, expected) in table {
            for ((name, command), expected) in commands().into_iter().zip(expected) {
                let result = plan(status).apply(command, day(11, 26));
                match (expected, result) {
                    (Some(next), Ok(plan)) => assert_eq!(plan.status, next, "{status:?} {name}"),
                    (None, Err(Rejection::InvalidTransition { .. })) => {}
                    (expected, result) => {
                        panic!("{status:?} {name}: expected {expected:?}, got {result:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn a_plan_is_submitted_only_when_every_area_for_priority_action_is_answered() {
        let submit = PlanCommand::Submit {
            on: day(11, 20),
            areas_for_priority_action: [1, 2].into(),
            answered: [1].into(),
        };
        let refused = plan(Draft).apply(submit, day(11, 26));
        assert!(
            matches!(refused, Err(Rejection::InvalidTransition { message }) if message.contains('2'))
        );
        // Resubmitting clears the reasons it was returned for.
        let resubmit = PlanCommand::Submit {
            on: day(11, 20),
            areas_for_priority_action: [1].into(),
            answered: [1, 3].into(),
        };
        let resubmitted = plan(Returned).apply(resubmit, day(11, 26)).unwrap();
        assert_eq!(resubmitted.return_reasons, None);
    }

    #[test]
    fn every_strategic_plan_state_and_command() {
        use StrategicPlanStatus as S;
        let commands = [
            StrategicPlanCommand::Update {
                title: "SEND strategy 2027".into(),
                document_url: None,
            },
            StrategicPlanCommand::Publish {
                on: day(11, 20),
                document_url: "https://example.gov.uk/strategy.pdf".into(),
            },
            StrategicPlanCommand::Withdraw,
        ];
        let table = [
            (
                S::Draft,
                [Some(S::Draft), Some(S::Published), Some(S::Withdrawn)],
            ),
            (S::Published, [None, None, None]),
            (S::Withdrawn, [None, None, None]),
        ];
        for (status, expected) in table {
            for (command, expected) in commands.iter().zip(expected) {
                let plan = StrategicPlan {
                    status,
                    title: "SEND strategy".into(),
                    document_url: None,
                    published_on: None,
                };
                let result = plan.apply(command.clone(), day(11, 26));
                match expected {
                    Some(next) => assert_eq!(result.unwrap().status, next),
                    None => assert!(matches!(result, Err(Rejection::InvalidTransition { .. }))),
                }
            }
        }
        assert!(StrategicPlan::draft("Next".into(), None, true).is_err());
    }

    #[test]
    fn completion_goes_with_a_completed_status() {
        let today = day(11, 26);
        assert!(Progress::new(ActionStatus::Completed, None, Some(day(11, 1)), today).is_ok());
        assert!(Progress::new(ActionStatus::Completed, None, None, today).is_err());
        assert!(Progress::new(ActionStatus::Completed, None, Some(day(12, 1)), today).is_err());
        assert!(Progress::new(ActionStatus::InProgress, None, Some(day(11, 1)), today).is_err());
        assert!(
            Progress::new(
                ActionStatus::InProgress,
                Some("Recruiting".into()),
                None,
                today
            )
            .is_ok()
        );
    }
}
