//! Bulk exports: the rows of a dataset the viewer may read, a page at a time, as flat records
//! in the shape of Ofsted's published management information (one row per inspection, area or
//! priority action, with the area's ONS code and its ICBs' ONS and ODS codes on every row).
//! Reads go through the same services, and so the same policy, as the GraphQL reads.
//!
//! Column names are Ofsted's headers in snake case, in their order: "Local area partnership",
//! "Local authority code", "Ofsted region", "Inspection start date", "Inspection publication
//! date", "Inspection outcome", "Priority action plan required?", "Number of areas for priority
//! action" (the 2023 framework's management information, from January 2023), and "Inspection
//! outcome: written statement of action required?" (the 2016 framework's official statistics,
//! May 2016 to August 2022). Columns of the API's own (ids, ICB codes, status) sit beside them.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{integrated_care_board, priority_action, priority_action_plan, recommendation};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, QueryOrder};
use serde_json::Value as Json;

use super::{
    area::{self, AreaFilter, AreaOrder, AreaRecord},
    change::{date, enum_value, optional, text},
    history::Histories,
    inspection::{self, InspectionFilter},
    page::PageRequest,
    reference,
    related::children_of,
    scope::visible,
};
use crate::{
    domain::{
        codes::LocalAuthorityCode,
        inspection::requires_priority_action_plan,
        schedule::{self, ScheduleSettings},
    },
    error::AppError,
    policy::Viewer,
};

/// One row: its columns in order, with their values as the API shows them.
pub type Record = Vec<(&'static str, Json)>;

/// How many rows one read of the database brings.
const PAGE: i32 = 250;

/// A page of rows, and where the next one starts.
pub struct Rows {
    pub records: Vec<Record>,
    pub next: Option<String>,
}

/// The area's and its ICBs' codes, first on every row.
fn area_columns(record: Option<&AreaRecord>, icbs: &[integrated_care_board::Model]) -> Record {
    let joined = |codes: Vec<&str>| Json::String(codes.join(" "));
    vec![
        (
            "local_area_partnership",
            record.map_or(Json::Null, |r| Json::String(r.local_authority.name.clone())),
        ),
        (
            "local_authority_code",
            record.map_or(Json::Null, |r| {
                Json::String(r.local_authority.ons_code.clone())
            }),
        ),
        (
            "ofsted_region",
            record.map_or(Json::Null, |r| enum_value(r.local_authority.region)),
        ),
        (
            "icb_ons_codes",
            joined(icbs.iter().map(|icb| icb.ons_code.as_str()).collect()),
        ),
        (
            "icb_ods_codes",
            joined(icbs.iter().map(|icb| icb.ods_code.as_str()).collect()),
        ),
    ]
}

/// The areas of `area_ids` and the ICBs serving each today, for the rows that name them; for
/// an area whose council was abolished, the ICBs that served it on its last day.
async fn areas_of(
    viewer: &Viewer,
    db: &DatabaseConnection,
    area_ids: &[i32],
    today: NaiveDate,
) -> Result<
    (
        HashMap<i32, AreaRecord>,
        HashMap<i32, Vec<integrated_care_board::Model>>,
    ),
    AppError,
> {
    let (areas, mut icbs) = tokio::try_join!(
        area::by_ids(viewer, db, area_ids),
        reference::current_icbs_of_areas(viewer, db, area_ids, today),
    )?;
    let mut abolished: HashMap<NaiveDate, Vec<i32>> = HashMap::new();
    for (id, record) in &areas {
        if let Some(last_day) = record.local_authority.valid_to.and_then(|to| to.pred_opt())
            && !icbs.contains_key(id)
        {
            abolished.entry(last_day).or_default().push(*id);
        }
    }
    for (last_day, ids) in abolished {
        icbs.extend(reference::current_icbs_of_areas(viewer, db, &ids, last_day).await?);
    }
    Ok((areas, icbs))
}

/// Inspections in the feed's order (`updatedAt`, then id), from `after`.
pub async fn inspections(
    viewer: &Viewer,
    db: &DatabaseConnection,
    filter: &InspectionFilter,
    after: Option<&str>,
    today: NaiveDate,
) -> Result<Rows, AppError> {
    let request = PageRequest::parse(Some(PAGE), after, None, None)?;
    let page = inspection::page(viewer, db, filter, false, &request, today).await?;
    let area_ids: Vec<i32> = page.items.iter().map(|(_, row)| row.area_id).collect();
    let inspection_ids: Vec<i32> = page.items.iter().map(|(_, row)| row.id).collect();
    // Recommendations are read under the findings' policy: none of an embargoed report.
    let ((areas, icbs), recommendations) = tokio::try_join!(
        areas_of(viewer, db, &area_ids, today),
        children_of::<recommendation::Entity>(viewer, db, &inspection_ids),
    )?;
    let next = page
        .has_next_page
        .then(|| page.items.last().map(|(cursor, _)| cursor.encode()))
        .flatten();
    let records = page
        .items
        .into_iter()
        .map(|(_, row)| {
            let areas_for_priority_action = recommendations.get(&row.id).map_or(0, |all| {
                all.iter()
                    .filter(|recommendation| recommendation.is_area_for_priority_action)
                    .count()
            });
            let mut record = vec![
                (
                    "inspection_id",
                    Json::String(crate::global_id::encode(
                        crate::global_id::NodeType::Inspection,
                        row.id,
                    )),
                ),
                ("report_url", text(row.report_url.as_deref())),
            ];
            record.extend(area_columns(
                areas.get(&row.area_id),
                icbs.get(&row.area_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            ));
            record.extend([
                ("inspection_framework", enum_value(row.framework)),
                ("inspection_type", enum_value(row.kind)),
                ("status", enum_value(row.status)),
                ("inspection_start_date", date(row.on_site_start_on)),
                ("inspection_end_date", date(row.on_site_end_on)),
                ("inspection_publication_date", date(row.published_on)),
                ("inspection_outcome", optional(row.outcome, enum_value)),
                (
                    "priority_action_plan_required",
                    optional(row.outcome, |outcome| {
                        Json::Bool(requires_priority_action_plan(row.framework, Some(outcome)))
                    }),
                ),
                (
                    "number_of_areas_for_priority_action",
                    optional(row.outcome, |_| Json::from(areas_for_priority_action)),
                ),
                (
                    "written_statement_of_action_required",
                    optional(row.wsoa_required, Json::Bool),
                ),
                ("updated_at", Json::String(row.updated_at.to_rfc3339())),
            ]);
            record
        })
        .collect();
    Ok(Rows { records, next })
}

/// Every area in existence on `as_of` that matches `filter`, in code order, with its latest
/// outcome and its schedule as of that day. Areas are a bounded list: one page.
pub async fn areas(
    viewer: &Viewer,
    db: &DatabaseConnection,
    filter: &AreaFilter,
    as_of: NaiveDate,
) -> Result<Rows, AppError> {
    let listed = area::list(viewer, db, filter, AreaOrder::Code, false, as_of).await?;
    let area_ids: Vec<i32> = listed.iter().map(|(_, record)| record.area.id).collect();
    let (histories, icbs) = tokio::try_join!(
        Histories::load(viewer, db, &area_ids),
        reference::current_icbs_of_areas(viewer, db, &area_ids, as_of),
    )?;
    let records = listed
        .into_iter()
        .map(|(_, record)| {
            let history = histories.of(record.area.id);
            let schedule = schedule::schedule(&history, as_of, &ScheduleSettings::FRAMEWORK_2023);
            let latest = schedule::latest_published_full(&history.inspections);
            let overdue: Vec<Json> = schedule.overdue().into_iter().map(enum_value).collect();
            let mut row = area_columns(
                Some(&record),
                icbs.get(&record.area.id)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            );
            row.extend([
                (
                    "local_authority_type",
                    enum_value(record.local_authority.la_type),
                ),
                (
                    "latest_inspection_outcome",
                    optional(latest.and_then(|i| i.outcome), enum_value),
                ),
                (
                    "latest_inspection_publication_date",
                    date(latest.and_then(|i| i.published_on)),
                ),
                (
                    "next_full_inspection_due_by",
                    date(schedule.next_full_inspection_due_by),
                ),
                (
                    "monitoring_inspection_due_by",
                    date(schedule.monitoring_inspection_due_by),
                ),
                (
                    "next_engagement_meeting_due_by",
                    date(schedule.next_engagement_meeting_due_by),
                ),
                (
                    "strategic_plan_update_due_by",
                    date(schedule.strategic_plan_update_due_by),
                ),
                (
                    "priority_action_plan_due_by",
                    date(schedule.priority_action_plan_due_by),
                ),
                ("is_overdue", Json::Bool(!overdue.is_empty())),
                ("overdue_items", Json::Array(overdue)),
                ("as_of", Json::String(as_of.to_string())),
            ]);
            row
        })
        .collect();
    Ok(Rows {
        records,
        next: None,
    })
}

/// The actions of every priority action plan the viewer may read, by area code, plan and
/// position; `area` narrows to one area. Plans are few (one per outcome-3 inspection): one page.
pub async fn priority_actions(
    viewer: &Viewer,
    db: &DatabaseConnection,
    area: Option<&LocalAuthorityCode>,
    today: NaiveDate,
) -> Result<Rows, AppError> {
    let mut plans = visible::<priority_action_plan::Entity>(viewer)
        .order_by_asc(priority_action_plan::Column::Id);
    if let Some(code) = area {
        let Some(record) = area::find_by_code(viewer, db, code).await? else {
            return Ok(Rows {
                records: Vec::new(),
                next: None,
            });
        };
        plans = plans.filter(priority_action_plan::Column::AreaId.eq(record.area.id));
    }
    let plans = plans.all(db).await?;
    let plan_ids: Vec<i32> = plans.iter().map(|plan| plan.id).collect();
    let area_ids: Vec<i32> = plans.iter().map(|plan| plan.area_id).collect();
    let (actions, (areas, icbs)) = tokio::try_join!(
        children_of::<priority_action::Entity>(viewer, db, &plan_ids),
        areas_of(viewer, db, &area_ids, today),
    )?;
    let mut records = Vec::new();
    for plan in &plans {
        for action in actions.get(&plan.id).map(Vec::as_slice).unwrap_or_default() {
            let mut record = area_columns(
                areas.get(&plan.area_id),
                icbs.get(&plan.area_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            );
            record.extend([
                (
                    "priority_action_plan_id",
                    Json::String(crate::global_id::encode(
                        crate::global_id::NodeType::PriorityActionPlan,
                        plan.id,
                    )),
                ),
                ("plan_status", enum_value(plan.status)),
                ("plan_submitted_on", date(plan.submitted_on)),
                ("plan_published_on", date(plan.published_on)),
                ("action_position", Json::from(action.position)),
                ("action", Json::String(action.description.clone())),
                (
                    "responsible_partner",
                    optional(action.responsible_partner, enum_value),
                ),
                ("action_status", enum_value(action.status)),
                ("due_on", date(action.due_on)),
                ("completed_on", date(action.completed_on)),
            ]);
            records.push(record);
        }
    }
    records.sort_by(|a, b| a[1].1.as_str().cmp(&b[1].1.as_str()));
    Ok(Rows {
        records,
        next: None,
    })
}
