//! An intervention's lifecycle: proposed → announced → ended. DfE and NHS England each make
//! interventions of their own kinds and change only their own.

use chrono::NaiveDate;
use entity::enums::{InterventionBody, InterventionKind, InterventionStatus};

use super::rejection::{self, Checked, Rejection};

/// The kinds each body may make. Statutory improvement notices are DfE's (Children and Families
/// Act 2014 and the SEND accountability framework); both bodies offer support and challenge, and
/// each may direct the partner it oversees (DfE the local authority, NHS England the ICB under
/// the NHS Act 2006, s.14Z61).
pub fn kinds_of(body: InterventionBody) -> &'static [InterventionKind] {
    use InterventionKind::*;
    match body {
        InterventionBody::Dfe => &[
            Support,
            Challenge,
            StatutoryImprovementNotice,
            StatutoryDirection,
        ],
        InterventionBody::NhsEngland => &[Support, Challenge, StatutoryDirection],
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intervention {
    pub body: InterventionBody,
    pub kind: InterventionKind,
    pub status: InterventionStatus,
    pub proposed_on: Option<NaiveDate>,
    pub announced_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Announce { on: NaiveDate },
    End { on: NaiveDate },
}

impl Intervention {
    pub fn propose(
        body: InterventionBody,
        kind: InterventionKind,
        proposed_on: NaiveDate,
        today: NaiveDate,
    ) -> Checked<Self> {
        if !kinds_of(body).contains(&kind) {
            return Err(Rejection::invalid(
                "input.kind",
                "your body does not make interventions of this kind",
            ));
        }
        Ok(Self {
            body,
            kind,
            status: InterventionStatus::Proposed,
            proposed_on: Some(rejection::past_date(
                "input.proposedOn",
                proposed_on,
                today,
            )?),
            announced_on: None,
            ended_on: None,
        })
    }

    pub fn apply(&self, command: Command, today: NaiveDate) -> Checked<Self> {
        use InterventionStatus::*;
        let mut next = self.clone();
        match (self.status, command) {
            (Proposed, Command::Announce { on }) => {
                let on = rejection::past_date("input.announcedOn", on, today)?;
                rejection::not_before(
                    "announcedOn",
                    on,
                    self.proposed_on.map(|d| ("proposedOn", d)),
                )?;
                next.announced_on = Some(on);
                next.status = Announced;
            }
            (Announced, Command::End { on }) => {
                let on = rejection::past_date("input.endedOn", on, today)?;
                rejection::not_before(
                    "endedOn",
                    on,
                    self.announced_on.map(|d| ("announcedOn", d)),
                )?;
                next.ended_on = Some(on);
                next.status = Ended;
            }
            (_, Command::Announce { .. }) => {
                return Err(Rejection::transition(
                    "only a proposed intervention is announced",
                ));
            }
            (_, Command::End { .. }) => {
                return Err(Rejection::transition("only an announced intervention ends"));
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InterventionStatus::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn every_state_and_command() {
        let today = day(11, 26);
        let announce = Command::Announce { on: day(11, 10) };
        let end = Command::End { on: day(11, 20) };
        for (status, command, expected) in [
            (Proposed, announce, Some(Announced)),
            (Proposed, end, None),
            (Announced, announce, None),
            (Announced, end, Some(Ended)),
            (Ended, announce, None),
            (Ended, end, None),
        ] {
            let intervention = Intervention {
                status,
                announced_on: Some(day(11, 10)),
                ..Intervention::propose(
                    InterventionBody::Dfe,
                    InterventionKind::Support,
                    day(11, 1),
                    today,
                )
                .unwrap()
            };
            let result = intervention.apply(command, today);
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
    fn each_body_makes_only_its_kinds_and_dates_run_forward() {
        let today = day(11, 26);
        assert!(
            Intervention::propose(
                InterventionBody::NhsEngland,
                InterventionKind::StatutoryImprovementNotice,
                day(11, 1),
                today
            )
            .is_err()
        );
        let proposed = Intervention::propose(
            InterventionBody::NhsEngland,
            InterventionKind::Challenge,
            day(11, 1),
            today,
        )
        .unwrap();
        assert!(matches!(
            proposed.apply(Command::Announce { on: day(10, 1) }, today),
            Err(Rejection::InvalidTransition { .. })
        ));
        assert!(matches!(
            proposed.apply(Command::Announce { on: day(11, 27) }, today),
            Err(Rejection::InvalidValue { .. })
        ));
    }
}
