//! The authorization matrix over HTTP: each kind of caller × each read path, against one area
//! (Hartlepool) that holds a record in every confidential state. A hidden record must be absent
//! from nested lists, `node(id:)`, the feed and its `totalCount`, and outcome filters.

use std::collections::BTreeSet;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{NaiveDate, TimeZone, Utc};
use entity::{
    area, audit_event, engagement_meeting,
    enums::{
        EngagementMeetingStatus, InspectionFramework, InspectionKind, InspectionOutcome,
        InspectionStatus, InterventionBody, InterventionKind, InterventionStatus,
        PriorityActionPlanStatus, ResponsiblePartner, Role, StrategicPlanStatus,
    },
    inspection, intervention, local_authority, priority_action_plan, recommendation,
    strategic_plan,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::{Value, json};

use crate::support::{TestApp, token};

const AREA: &str = "E06000001";

const AREA_PAGE: &str = "query($code: String!) {
  area(code: $code) {
    inspections { status outcome recommendations { id } }
    strategicPlans { status }
    priorityActionPlans { status }
    engagementMeetings { status }
    interventions { status }
    schedule(asOf: \"2026-11-24\") { monitoringInspectionDueBy }
  }
  feed: inspections(first: 50, filter: { area: $code }) { totalCount nodes { status } }
  outcome3: inspections(first: 50, filter: { area: $code, outcome: OUTCOME_3 }) { totalCount }
}";

/// Records in every state the table distinguishes, added to Hartlepool.
struct Hidden {
    planned_inspection: i32,
    draft_shared_inspection: i32,
    draft_plan: i32,
    submitted_pap: i32,
}

async fn add_confidential_records(db: &DatabaseConnection) -> Hidden {
    let la = local_authority::Entity::find()
        .filter(local_authority::Column::OnsCode.eq(AREA))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let area_id = area::Entity::find()
        .filter(area::Column::LocalAuthorityId.eq(la.id))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let stamp = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let inspection = |status, outcome| inspection::ActiveModel {
        id: NotSet,
        area_id: Set(area_id),
        framework: Set(InspectionFramework::Framework2023),
        kind: Set(InspectionKind::Full),
        status: Set(status),
        planned_start_on: Set(Some(day(10, 5))),
        notified_on: Set(None),
        on_site_start_on: Set(Some(day(10, 5))),
        on_site_end_on: Set(None),
        draft_shared_on: Set(None),
        published_on: Set((status == InspectionStatus::Published).then(|| day(6, 1))),
        outcome: Set(outcome),
        wsoa_required: Set(None),
        revisit_progress: Set(None),
        report_url: Set(None),
        is_synthetic: Set(true),
        created_at: Set(stamp),
        updated_at: Set(stamp),
        ..Default::default()
    };
    let planned = inspection(InspectionStatus::Planned, None)
        .insert(db)
        .await
        .unwrap();
    inspection(InspectionStatus::OnSite, None)
        .insert(db)
        .await
        .unwrap();
    let draft_shared = inspection(
        InspectionStatus::DraftShared,
        Some(InspectionOutcome::Outcome3),
    )
    .insert(db)
    .await
    .unwrap();
    for position in 1..=2 {
        recommendation::ActiveModel {
            id: NotSet,
            inspection_id: Set(draft_shared.id),
            position: Set(position),
            text: Set("Embargoed recommendation".to_owned()),
            responsible_partner: Set(ResponsiblePartner::Partnership),
            is_area_for_priority_action: Set(true),
        }
        .insert(db)
        .await
        .unwrap();
    }
    let draft_plan = strategic_plan::Entity::find()
        .filter(strategic_plan::Column::AreaId.eq(area_id))
        .filter(strategic_plan::Column::Status.eq(StrategicPlanStatus::Draft))
        .one(db)
        .await
        .unwrap()
        .expect("the demo gives Hartlepool a draft plan");
    let submitted_pap = priority_action_plan::ActiveModel {
        id: NotSet,
        area_id: Set(area_id),
        inspection_id: Set(draft_shared.id),
        status: Set(PriorityActionPlanStatus::Submitted),
        submitted_on: Set(Some(day(11, 10))),
        acknowledged_on: Set(None),
        published_on: Set(None),
        document_url: Set(None),
        is_synthetic: Set(true),
        created_at: Set(stamp),
        updated_at: Set(stamp),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    engagement_meeting::ActiveModel {
        id: NotSet,
        area_id: Set(area_id),
        status: Set(EngagementMeetingStatus::Scheduled),
        scheduled_for: Set(day(12, 1)),
        held_on: Set(None),
        is_synthetic: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    intervention::ActiveModel {
        id: NotSet,
        area_id: Set(area_id),
        body: Set(InterventionBody::Dfe),
        kind: Set(InterventionKind::Support),
        status: Set(InterventionStatus::Proposed),
        summary: Set("Proposed support".to_owned()),
        announced_on: Set(None),
        ended_on: Set(None),
        is_synthetic: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    Hidden {
        planned_inspection: planned.id,
        draft_shared_inspection: draft_shared.id,
        draft_plan: draft_plan.id,
        submitted_pap: submitted_pap.id,
    }
}

struct Expect {
    caller: &'static str,
    token: Option<String>,
    inspections: &'static [&'static str],
    /// The draft-shared report's outcome, and how many of its recommendations show.
    draft_outcome: Option<&'static str>,
    draft_recommendations: usize,
    strategic_plans: &'static [&'static str],
    priority_action_plans: &'static [&'static str],
    meetings: &'static [&'static str],
    interventions: &'static [&'static str],
}

fn statuses(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["status"].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn global_id(kind: &str, id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

#[tokio::test]
async fn each_caller_sees_exactly_what_the_policy_allows_on_every_path() {
    let app = TestApp::spawn_with_demo().await;
    let hidden = add_confidential_records(&app.db).await;
    const ALL_OPEN: &[&str] = &["PUBLISHED", "ON_SITE", "DRAFT_SHARED"];
    let row = |caller,
               token: Option<String>,
               inspections,
               draft_outcome,
               draft_recommendations,
               strategic_plans,
               priority_action_plans,
               meetings,
               interventions| Expect {
        caller,
        token,
        inspections,
        draft_outcome,
        draft_recommendations,
        strategic_plans,
        priority_action_plans,
        meetings,
        interventions,
    };
    let matrix = vec![
        row(
            "public",
            None,
            &["PUBLISHED"],
            None,
            0,
            &["PUBLISHED"],
            &[],
            &["HELD"],
            &[],
        ),
        row(
            "ofsted",
            Some(token("ofsted", None, "read write")),
            &["PUBLISHED", "ON_SITE", "DRAFT_SHARED", "PLANNED"],
            Some("OUTCOME_3"),
            2,
            &["PUBLISHED"],
            &["SUBMITTED"],
            &["HELD", "SCHEDULED"],
            &[],
        ),
        row(
            "cqc, read only",
            Some(token("cqc", None, "read")),
            &["PUBLISHED", "ON_SITE", "DRAFT_SHARED", "PLANNED"],
            Some("OUTCOME_3"),
            2,
            &["PUBLISHED"],
            &["SUBMITTED"],
            &["HELD", "SCHEDULED"],
            &[],
        ),
        row(
            "dfe",
            Some(token("dfe", None, "read write")),
            ALL_OPEN,
            None,
            0,
            &["PUBLISHED"],
            &["SUBMITTED"],
            &["HELD"],
            &["PROPOSED"],
        ),
        row(
            "nhs england",
            Some(token("nhs_england", None, "read")),
            ALL_OPEN,
            None,
            0,
            &["PUBLISHED"],
            &["SUBMITTED"],
            &["HELD"],
            &["PROPOSED"],
        ),
        row(
            "LA partner of the area",
            Some(token("local_partner", Some(AREA), "read write")),
            ALL_OPEN,
            Some("OUTCOME_3"),
            2,
            &["PUBLISHED", "DRAFT"],
            &["SUBMITTED"],
            &["HELD", "SCHEDULED"],
            &[],
        ),
        row(
            "ICB partner serving the area",
            Some(token("local_partner", Some("E54000050"), "read")),
            ALL_OPEN,
            Some("OUTCOME_3"),
            2,
            &["PUBLISHED", "DRAFT"],
            &["SUBMITTED"],
            &["HELD", "SCHEDULED"],
            &[],
        ),
        row(
            "LA partner of another area",
            Some(token("local_partner", Some("E09000033"), "read write")),
            &["PUBLISHED"],
            None,
            0,
            &["PUBLISHED"],
            &[],
            &["HELD"],
            &[],
        ),
        row(
            "ICB partner not serving the area",
            Some(token("local_partner", Some("E54000029"), "read")),
            &["PUBLISHED"],
            None,
            0,
            &["PUBLISHED"],
            &[],
            &["HELD"],
            &[],
        ),
    ];

    for expect in matrix {
        let caller = expect.caller;
        let ask = |query: &'static str, variables: Value| {
            let app = &app;
            let token = expect.token.clone();
            async move {
                match token {
                    Some(token) => app.data_as(&token, query, variables).await,
                    None => app.data(query, variables).await,
                }
            }
        };
        let data = ask(AREA_PAGE, json!({ "code": AREA })).await;
        let area = &data["area"];

        assert_eq!(
            statuses(&area["inspections"]),
            set(expect.inspections),
            "{caller}: inspections"
        );
        assert_eq!(
            statuses(&data["feed"]["nodes"]),
            set(expect.inspections),
            "{caller}: feed"
        );
        let visible = area["inspections"].as_array().unwrap().len();
        assert_eq!(
            data["feed"]["totalCount"],
            json!(visible),
            "{caller}: totalCount"
        );
        let draft = area["inspections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["status"] == "DRAFT_SHARED");
        if let Some(draft) = draft {
            assert_eq!(
                draft["outcome"].as_str(),
                expect.draft_outcome,
                "{caller}: embargoed outcome"
            );
            assert_eq!(
                draft["recommendations"].as_array().unwrap().len(),
                expect.draft_recommendations,
                "{caller}: recommendations"
            );
        }
        let outcome_3 = usize::from(expect.draft_outcome.is_some());
        assert_eq!(
            data["outcome3"]["totalCount"],
            json!(outcome_3),
            "{caller}: outcome filter"
        );
        assert_eq!(
            statuses(&area["strategicPlans"]),
            set(expect.strategic_plans),
            "{caller}: strategic plans"
        );
        assert_eq!(
            statuses(&area["priorityActionPlans"]),
            set(expect.priority_action_plans),
            "{caller}: PAPs"
        );
        assert_eq!(
            statuses(&area["engagementMeetings"]),
            set(expect.meetings),
            "{caller}: meetings"
        );
        assert_eq!(
            statuses(&area["interventions"]),
            set(expect.interventions),
            "{caller}: interventions"
        );

        let ids = json!([
            global_id("Inspection", hidden.planned_inspection),
            global_id("Inspection", hidden.draft_shared_inspection),
            global_id("StrategicPlan", hidden.draft_plan),
            global_id("PriorityActionPlan", hidden.submitted_pap),
        ]);
        let nodes = ask(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }",
            json!({ "ids": ids }),
        )
        .await;
        let found: Vec<bool> = nodes["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| !n.is_null())
            .collect();
        let expected = vec![
            expect.inspections.contains(&"PLANNED"),
            expect.inspections.contains(&"DRAFT_SHARED"),
            expect.strategic_plans.contains(&"DRAFT"),
            expect.priority_action_plans.contains(&"SUBMITTED"),
        ];
        assert_eq!(found, expected, "{caller}: node(id:)");

        let dashboard = ask(
            include_str!("../../examples/queries/national_dashboard.graphql"),
            json!({}),
        )
        .await;
        assert_eq!(dashboard["areas"]["totalCount"], 153, "{caller}: dashboard");
    }
}

/// Changes by each kind of caller, in Hartlepool (E06000001), Westminster (E09000033) and
/// nationally, in order.
async fn add_audit_events(db: &DatabaseConnection) -> Vec<i32> {
    let area_of = |code: &'static str| async move {
        let la = local_authority::Entity::find()
            .filter(local_authority::Column::OnsCode.eq(code))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        area::Entity::find()
            .filter(area::Column::LocalAuthorityId.eq(la.id))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let hartlepool = area_of(AREA).await;
    let westminster = area_of("E09000033").await;
    let events = [
        (Role::Ofsted, None, Some(hartlepool), "inspection.notify"),
        (Role::Dfe, None, None, "local_authority.update"),
        (
            Role::LocalPartner,
            Some(AREA),
            Some(hartlepool),
            "strategic_plan.publish",
        ),
        (
            Role::NhsEngland,
            None,
            Some(westminster),
            "intervention.announce",
        ),
    ];
    let mut ids = Vec::new();
    for (minute, (role, organisation, area_id, action)) in events.into_iter().enumerate() {
        let event = audit_event::ActiveModel {
            // Numbers of their own, clear of those the log hands out (it numbers its events
            // itself; these stand for events of an earlier log).
            id: Set(1_000_000 + minute as i32),
            occurred_at: Set(Utc
                .with_ymd_and_hms(2026, 11, 20, 9, minute as u32, 0)
                .unwrap()),
            actor_subject: Set(format!("{action}-actor")),
            actor_role: Set(role),
            actor_organisation: Set(organisation.map(str::to_owned)),
            area_id: Set(area_id),
            action: Set(action.to_owned()),
            object_id: Set(None),
            summary: Set(format!("Test change: {action}")),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        ids.push(event.id);
    }
    ids
}

/// The changes to the ICB map that the reference data ships with (`icb_changes.csv`).
const SHIPPED_ICB_CHANGES: usize = 7;

#[tokio::test]
async fn each_caller_reads_only_its_part_of_the_audit_trail() {
    let app = TestApp::spawn().await;
    let ids = add_audit_events(&app.db).await;
    let query = "query($ids: [ID!]!) {
      auditTrail(first: 50) { totalCount nodes { action actorSubject } }
      hartlepool: auditTrail(filter: { area: \"E06000001\" }) { totalCount }
      nodes(ids: $ids) { id }
    }";
    let ids: Vec<String> = ids.iter().map(|id| global_id("AuditEvent", *id)).collect();
    // Newest first: the NHS England announcement, the partner's plan, DfE's update, Ofsted's notice.
    let rows: Vec<(&str, Option<String>, &[&str], usize)> = vec![
        ("public", None, &[], 0),
        (
            "ofsted",
            Some(token("ofsted", None, "read")),
            &[
                "intervention.announce",
                "strategic_plan.publish",
                "local_authority.update",
                "inspection.notify",
            ],
            2,
        ),
        (
            "cqc",
            Some(token("cqc", None, "read")),
            &[
                "intervention.announce",
                "strategic_plan.publish",
                "local_authority.update",
                "inspection.notify",
            ],
            2,
        ),
        (
            "dfe",
            Some(token("dfe", None, "read")),
            &["local_authority.update"],
            0,
        ),
        (
            "nhs england",
            Some(token("nhs_england", None, "read")),
            &["intervention.announce"],
            0,
        ),
        (
            "LA partner of Hartlepool",
            Some(token("local_partner", Some(AREA), "read")),
            &["strategic_plan.publish", "inspection.notify"],
            2,
        ),
        (
            "ICB partner serving Hartlepool",
            Some(token("local_partner", Some("E54000050"), "read")),
            &["strategic_plan.publish", "inspection.notify"],
            2,
        ),
        (
            "LA partner of Westminster",
            Some(token("local_partner", Some("E09000033"), "read")),
            &["intervention.announce"],
            0,
        ),
    ];

    for (caller, token, actions, in_hartlepool) in rows {
        let variables = json!({ "ids": ids });
        let data = match &token {
            Some(token) => app.data_as(token, query, variables).await,
            None => app.data(query, variables).await,
        };

        // The shipped changes to the ICB map are NHS England's, recorded at seeding: the
        // inspectorates and NHS England read them too.
        let nodes = data["auditTrail"]["nodes"].as_array().unwrap();
        let (shipped, own): (Vec<&Value>, Vec<&Value>) = nodes
            .iter()
            .partition(|n| n["actorSubject"] == "reference-data");
        let seen: Vec<&str> = own.iter().map(|n| n["action"].as_str().unwrap()).collect();
        assert_eq!(seen, actions, "{caller}: trail");
        let reads_shipped = ["ofsted", "cqc", "nhs england"].contains(&caller);
        assert_eq!(
            shipped.len(),
            if reads_shipped {
                SHIPPED_ICB_CHANGES
            } else {
                0
            },
            "{caller}: the reference data's changes"
        );
        assert_eq!(
            data["auditTrail"]["totalCount"],
            json!(actions.len() + shipped.len()),
            "{caller}: totalCount"
        );
        assert_eq!(
            data["hartlepool"]["totalCount"],
            json!(in_hartlepool),
            "{caller}: area filter"
        );
        let by_id = data["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| !n.is_null())
            .count();
        assert_eq!(by_id, actions.len(), "{caller}: node(id:)");
    }
}
