//! The map of England over time: which ICBs serve which areas from which day. A change is
//! recorded, possibly ahead of its date, by ending memberships the day before it takes effect and
//! starting new ones on it; nothing is rewritten. Every area is served by at least one ICB on
//! every date, exactly one of them primary.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::rejection::{Checked, Rejection};

/// The day ICBs replaced clinical commissioning groups: no ICB change takes effect before it.
pub const ICBS_ESTABLISHED: NaiveDate = super::date(2022, 7, 1);

/// Whether a council, board or membership with these bounds (`None`: open; the end exclusive)
/// exists on `on`.
pub fn in_existence(
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    on: NaiveDate,
) -> bool {
    valid_from.is_none_or(|from| from <= on) && valid_to.is_none_or(|to| to > on)
}

/// An ICB's membership of an area's partnership, as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcbMembership {
    pub id: i32,
    pub area: i32,
    pub icb: i32,
    pub is_primary: bool,
    pub valid_from: NaiveDate,
}

/// An ICB change as NHS England records it, with codes already resolved to ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcbChange {
    pub effective_on: NaiveDate,
    /// The ICB that serves `areas` from the date.
    pub icb: i32,
    /// ICBs abolished on the date.
    pub closes: Vec<i32>,
    /// The areas the ICB serves from the date, and whether it is each one's primary ICB.
    pub areas: Vec<(i32, bool)>,
}

/// What to write: memberships to end on the date (or to delete, if they began on it), and
/// memberships to start on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipPlan {
    pub end: Vec<i32>,
    pub delete: Vec<i32>,
    /// (area, icb, is primary)
    pub start: Vec<(i32, i32, bool)>,
}

/// Plans an ICB change over the ICB memberships in force on its date (`in_force`), given
/// whether any affected area already has a membership that begins after it.
pub fn plan_icb_change(
    in_force: &[IcbMembership],
    change: &IcbChange,
    later_change_recorded: impl Fn(i32) -> bool,
) -> Checked<MembershipPlan> {
    if change.effective_on < ICBS_ESTABLISHED {
        return Err(Rejection::invalid(
            "input.effectiveOn",
            format!("ICBs exist from {ICBS_ESTABLISHED}"),
        ));
    }
    if change.areas.is_empty() {
        return Err(Rejection::invalid(
            "input.areas",
            "name the areas the ICB serves from the date",
        ));
    }
    let listed: BTreeMap<i32, bool> = change.areas.iter().copied().collect();
    if listed.len() != change.areas.len() {
        return Err(Rejection::invalid("input.areas", "an area is listed twice"));
    }
    if change.closes.contains(&change.icb) {
        return Err(Rejection::invalid(
            "input.closes",
            "an ICB cannot both serve areas and close on the same date",
        ));
    }
    let closing: BTreeSet<i32> = change.closes.iter().copied().collect();
    let mut plan = MembershipPlan::default();
    let mut remaining: Vec<IcbMembership> = Vec::new();
    for membership in in_force {
        let primary_taken = listed.get(&membership.area) == Some(&true) && membership.is_primary;
        let replaced =
            membership.icb == change.icb || closing.contains(&membership.icb) || primary_taken;
        if !replaced {
            remaining.push(*membership);
            continue;
        }
        if membership.valid_from >= change.effective_on {
            plan.delete.push(membership.id);
        } else {
            plan.end.push(membership.id);
        }
        // A membership that only loses its primary role continues as a secondary one.
        if primary_taken && membership.icb != change.icb && !closing.contains(&membership.icb) {
            plan.start.push((membership.area, membership.icb, false));
            remaining.push(IcbMembership {
                is_primary: false,
                ..*membership
            });
        }
    }
    for (&area, &is_primary) in &listed {
        plan.start.push((area, change.icb, is_primary));
        remaining.push(IcbMembership {
            id: 0,
            area,
            icb: change.icb,
            is_primary,
            valid_from: change.effective_on,
        });
    }
    let affected: BTreeSet<i32> = in_force
        .iter()
        .filter(|membership| membership.icb == change.icb || closing.contains(&membership.icb))
        .map(|membership| membership.area)
        .chain(listed.keys().copied())
        .collect();
    for area in affected {
        if later_change_recorded(area) {
            return Err(Rejection::transition(format!(
                "a later change to area {area}'s ICBs is already recorded: record changes in date order"
            )));
        }
        let serving: Vec<&IcbMembership> = remaining.iter().filter(|m| m.area == area).collect();
        let primaries = serving.iter().filter(|m| m.is_primary).count();
        if serving.is_empty() || primaries != 1 {
            return Err(Rejection::transition(format!(
                "every area is served by at least one ICB, exactly one of them primary; from {} area {area} would have {} ICBs and {primaries} primary",
                change.effective_on,
                serving.len()
            )));
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn membership(id: i32, area: i32, icb: i32, is_primary: bool) -> IcbMembership {
        IcbMembership {
            id,
            area,
            icb,
            is_primary,
            valid_from: ICBS_ESTABLISHED,
        }
    }

    fn no_later(_: i32) -> bool {
        false
    }

    /// Areas 1 and 2 served by ICB 10, area 3 by ICB 11 (primary) and ICB 10.
    fn map() -> Vec<IcbMembership> {
        vec![
            membership(1, 1, 10, true),
            membership(2, 2, 10, true),
            membership(3, 3, 11, true),
            membership(4, 3, 10, false),
        ]
    }

    #[test]
    fn a_merger_ends_the_closed_boards_memberships_and_starts_the_new_boards() {
        let merger = IcbChange {
            effective_on: day(2026, 4, 1),
            icb: 20,
            closes: vec![10, 11],
            areas: vec![(1, true), (2, true), (3, true)],
        };
        let plan = plan_icb_change(&map(), &merger, no_later).unwrap();
        assert_eq!(plan.end, vec![1, 2, 3, 4]);
        assert_eq!(
            plan.start,
            vec![(1, 20, true), (2, 20, true), (3, 20, true)]
        );
    }

    #[test]
    fn closing_a_board_without_serving_its_areas_is_refused() {
        let closes_only_one = IcbChange {
            effective_on: day(2026, 4, 1),
            icb: 20,
            closes: vec![10],
            areas: vec![(1, true)],
        };
        let refused = plan_icb_change(&map(), &closes_only_one, no_later);
        assert!(
            matches!(refused, Err(Rejection::InvalidTransition { message }) if message.contains("area 2"))
        );
    }

    #[test]
    fn a_new_primary_demotes_the_old_one_which_stays_as_secondary() {
        let takeover = IcbChange {
            effective_on: day(2026, 4, 1),
            icb: 20,
            closes: vec![],
            areas: vec![(3, true)],
        };
        let plan = plan_icb_change(&map(), &takeover, no_later).unwrap();
        assert_eq!(plan.end, vec![3]);
        assert_eq!(plan.start, vec![(3, 11, false), (3, 20, true)]);
        // A new secondary board leaves the primary as it is.
        let second_board = IcbChange {
            areas: vec![(3, false)],
            ..takeover.clone()
        };
        assert!(plan_icb_change(&map(), &second_board, no_later).is_ok());
        // An area left with no primary is refused.
        let no_primary = IcbChange {
            closes: vec![11],
            areas: vec![(3, false)],
            ..takeover
        };
        assert!(matches!(
            plan_icb_change(&map(), &no_primary, no_later),
            Err(Rejection::InvalidTransition { .. })
        ));
    }

    #[test]
    fn changes_are_recorded_in_date_order_and_within_the_icbs_years() {
        let merger = IcbChange {
            effective_on: day(2026, 4, 1),
            icb: 20,
            closes: vec![10],
            areas: vec![(1, true), (2, true)],
        };
        assert!(plan_icb_change(&map(), &merger, |area| area == 2).is_err());
        let too_early = IcbChange {
            effective_on: day(2021, 1, 1),
            ..merger.clone()
        };
        assert!(matches!(
            plan_icb_change(&map(), &too_early, no_later),
            Err(Rejection::InvalidValue { .. })
        ));
        let twice = IcbChange {
            areas: vec![(1, true), (1, true)],
            ..merger
        };
        assert!(plan_icb_change(&map(), &twice, no_later).is_err());
    }

    #[test]
    fn a_membership_that_began_on_the_date_is_replaced_not_ended() {
        let mut today = map();
        today[0].valid_from = day(2026, 4, 1);
        let change = IcbChange {
            effective_on: day(2026, 4, 1),
            icb: 20,
            closes: vec![10],
            areas: vec![(1, true), (2, true)],
        };
        let plan = plan_icb_change(&today, &change, no_later).unwrap();
        assert_eq!(plan.delete, vec![1]);
        assert!(!plan.end.contains(&1));
    }
}
