//! The cost model: what a query can make the server do, counted before it runs.
//!
//! Every field costs 1. A list field costs its largest possible length times what is asked of
//! each item, plus 1, so costs multiply down the tree; a connection uses its page size. Root
//! fields that run SQL add a base cost, the national summary (every area's schedule) more.
//! A selection of only `__typename` still costs its parent. async-graphql adds these up during
//! validation; [`limits`](super::limits) refuses a query over the limit before it executes.
//!
//! The bounds below are facts about the data, checked against the reference and demo data by
//! the integration tests: raise one there and here together.

/// ICBs serving one area at a time (the reference data has at most 3).
pub const MAX_ICBS_PER_AREA: usize = 4;
/// Areas one ICB serves (the reference data has at most 14; merged ICBs serve more).
pub const MAX_AREAS_PER_ICB: usize = 24;
/// Memberships of one partnership over its history.
pub const MAX_MEMBERSHIPS_PER_AREA: usize = 12;
/// Bodies that succeed one council or ICB (a county split in two, or a merger's one board).
pub const MAX_SUCCESSORS: usize = 4;
/// Inspections of one area, under both frameworks, since 2016.
pub const MAX_INSPECTIONS_PER_AREA: usize = 20;
/// Recommendations of one report: as many as `recordFindings` accepts.
pub const MAX_RECOMMENDATIONS_PER_INSPECTION: usize = crate::domain::rejection::MAX_RECOMMENDATIONS;
/// Versions of one area's strategic plan.
pub const MAX_STRATEGIC_PLANS_PER_AREA: usize = 20;
/// Priority action plans of one area (one per outcome-3 inspection).
pub const MAX_PRIORITY_ACTION_PLANS_PER_AREA: usize = 8;
/// Actions of one priority action plan: as many as `addPriorityAction` allows.
pub const MAX_ACTIONS_PER_PLAN: usize = crate::domain::plans::MAX_ACTIONS_PER_PLAN;
/// Recorded progress steps of one action.
pub const MAX_PROGRESS_PER_ACTION: usize = crate::domain::plans::MAX_PROGRESS_PER_ACTION;
/// Engagement meetings of one area (about one a year).
pub const MAX_ENGAGEMENT_MEETINGS_PER_AREA: usize = 20;
/// DfE and NHS England interventions in one area.
pub const MAX_INTERVENTIONS_PER_AREA: usize = 10;
/// Items a schedule or summary can list (one per kind of due item).
pub const MAX_SCHEDULE_ITEMS: usize = 8;
/// Counts listed by enumerations: outcomes, ONS regions.
pub const MAX_ENUM_COUNTS: usize = 10;

/// No field costs more than this, so that async-graphql's unchecked sum of the fields' costs
/// cannot overflow: with the document written out capped at the resolved-field limit, the
/// sum stays far below `usize::MAX`.
pub const CEILING: usize = 1 << 40;

/// What a root field that runs SQL costs before its selection.
pub const SQL_ROOT: usize = 10;
/// What a mutation costs before its payload's selection: a transaction with a serialized
/// append to the event log, worth many reads.
pub const MUTATION: usize = 100;
/// What the national summary costs: it computes every visible area's schedule.
pub const NATIONAL_SUMMARY: usize = 200;
/// What an operation that introspects the schema (`__schema`, `__type`) costs on top: its
/// fields carry no bounds of their own, and a few levels of them resolve tens of thousands of
/// fields. A client such as GraphiQL asks once per page load.
pub const INTROSPECTION: usize = 5_000;

/// A list of at most `bound` items, each costing `per_item`.
pub fn list(bound: usize, per_item: usize) -> usize {
    bound
        .saturating_mul(per_item.max(1))
        .saturating_add(1)
        .min(CEILING)
}

/// A root field that runs SQL, with what is asked of its result.
pub fn sql_root(selection: usize) -> usize {
    SQL_ROOT.saturating_add(selection).min(CEILING)
}

/// A mutation, with what is asked of its payload.
pub fn mutation(selection: usize) -> usize {
    MUTATION.saturating_add(selection).min(CEILING)
}

/// The national summary, with what is asked of it.
pub fn national_summary(selection: usize) -> usize {
    NATIONAL_SUMMARY.saturating_add(selection).min(CEILING)
}

/// A root connection: a page of `first` or `last` items (the default page if neither).
pub fn page(first: Option<i32>, last: Option<i32>, per_item: usize) -> usize {
    let size = first
        .or(last)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(crate::service::page::DEFAULT_PAGE_SIZE)
        .min(crate::service::page::MAX_PAGE_SIZE);
    sql_root(list(size, per_item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_multiplies_what_each_item_costs() {
        assert_eq!(list(4, 3), 13);
        assert_eq!(list(24, list(4, 3)), 24 * 13 + 1);
    }

    #[test]
    fn an_item_costs_at_least_one_even_if_nothing_is_asked_of_it() {
        assert_eq!(list(20, 0), 21);
    }

    #[test]
    fn a_page_costs_its_size_capped_at_the_largest_page() {
        assert_eq!(page(Some(10), None, 2), SQL_ROOT + 21);
        assert_eq!(page(None, Some(3), 2), SQL_ROOT + 7);
        assert_eq!(page(Some(100_000), None, 1), SQL_ROOT + 251);
        assert_eq!(page(None, None, 1), SQL_ROOT + 51);
    }

    #[test]
    fn costs_stop_at_the_ceiling_instead_of_overflowing() {
        assert_eq!(list(usize::MAX, 2), CEILING);
        assert_eq!(sql_root(usize::MAX), CEILING);
        assert_eq!(national_summary(usize::MAX), CEILING);
    }
}
