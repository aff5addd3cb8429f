//! An engagement meeting's lifecycle: scheduled → held, or scheduled → cancelled.

use chrono::NaiveDate;
use entity::enums::EngagementMeetingStatus;

use super::rejection::{self, Checked, Rejection};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub status: EngagementMeetingStatus,
    pub scheduled_for: NaiveDate,
    pub held_on: Option<NaiveDate>,
    pub notes: Option<String>,
    pub cancellation_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    RecordHeld {
        on: NaiveDate,
        notes: Option<String>,
    },
    Cancel {
        reason: String,
    },
}

impl Meeting {
    /// A meeting is scheduled for any day of the framework's years, past or future: the
    /// inspectorates may record one agreed earlier.
    pub fn schedule(
        scheduled_for: NaiveDate,
        notes: Option<String>,
        today: NaiveDate,
    ) -> Checked<Self> {
        rejection::planned_date("input.scheduledFor", scheduled_for, today)?;
        if scheduled_for < rejection::FRAMEWORK_2023_BEGAN {
            return Err(Rejection::invalid(
                "input.scheduledFor",
                "engagement meetings belong to the 2023 framework",
            ));
        }
        Ok(Self {
            status: EngagementMeetingStatus::Scheduled,
            scheduled_for,
            held_on: None,
            notes,
            cancellation_reason: None,
        })
    }

    pub fn apply(&self, command: Command, today: NaiveDate) -> Checked<Self> {
        if self.status != EngagementMeetingStatus::Scheduled {
            return Err(Rejection::transition(
                "only a scheduled meeting can be held or cancelled",
            ));
        }
        let mut next = self.clone();
        match command {
            Command::RecordHeld { on, notes } => {
                next.held_on = Some(rejection::past_date("input.heldOn", on, today)?);
                next.status = EngagementMeetingStatus::Held;
                if notes.is_some() {
                    next.notes = notes;
                }
            }
            Command::Cancel { reason } => {
                next.status = EngagementMeetingStatus::Cancelled;
                next.cancellation_reason = Some(reason);
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EngagementMeetingStatus::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn every_state_and_command() {
        let today = day(11, 26);
        let held = Command::RecordHeld {
            on: day(11, 20),
            notes: Some("Agreed priorities".into()),
        };
        let cancel = Command::Cancel {
            reason: "Moved".into(),
        };
        for (status, command, expected) in [
            (Scheduled, held.clone(), Some(Held)),
            (Scheduled, cancel.clone(), Some(Cancelled)),
            (Held, held.clone(), None),
            (Held, cancel.clone(), None),
            (Cancelled, held.clone(), None),
            (Cancelled, cancel.clone(), None),
        ] {
            let meeting = Meeting {
                status,
                ..Meeting::schedule(day(11, 1), None, day(11, 26)).unwrap()
            };
            let result = meeting.apply(command.clone(), today);
            match expected {
                Some(next) => assert_eq!(result.unwrap().status, next, "{status:?} {command:?}"),
                None => assert!(
                    matches!(result, Err(Rejection::InvalidTransition { .. })),
                    "{status:?} {command:?}"
                ),
            }
        }
    }

    #[test]
    fn a_meeting_is_not_held_in_the_future_nor_scheduled_before_the_framework() {
        let meeting = Meeting::schedule(day(12, 1), None, day(11, 26)).unwrap();
        let future = Command::RecordHeld {
            on: day(11, 27),
            notes: None,
        };
        assert!(matches!(
            meeting.apply(future, day(11, 26)),
            Err(Rejection::InvalidValue { .. })
        ));
        assert!(
            Meeting::schedule(
                NaiveDate::from_ymd_opt(2022, 6, 1).unwrap(),
                None,
                day(11, 26)
            )
            .is_err()
        );
    }
}
