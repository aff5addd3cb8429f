//! A deterministic, synthetic history for every area, loaded only on request (`--demo`), so that
//! a newcomer sees a living dashboard. Every row is flagged `is_synthetic` and every text says
//! so: none of these outcomes is real.
//!
//! The history is a fixed function of each area's position in ONS-code order, dated by the
//! calendar alone (never by today), so two loads produce the same data.

use std::collections::{HashMap, HashSet};

use chrono::{Days, Months, NaiveDate, TimeZone, Utc};
use entity::{
    area, engagement_meeting,
    enums::{
        ActionStatus, EngagementMeetingStatus, InspectionFramework, InspectionKind,
        InspectionOutcome, InspectionStatus, InterventionBody, InterventionKind,
        InterventionStatus, PriorityActionPlanStatus, ResponsiblePartner, RevisitProgress,
        StrategicPlanStatus, SuccessionKind,
    },
    inspection, intervention, local_authority, priority_action, priority_action_plan,
    recommendation, strategic_plan, succession,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

const LABEL: &str = "Synthetic demo record, not a real";
/// The last day the synthetic history reaches; later dates stay in the future.
const HISTORY_ENDS: NaiveDate = crate::domain::date(2026, 10, 31);

pub async fn load_if_absent(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let already = inspection::Entity::find()
        .filter(inspection::Column::IsSynthetic.eq(true))
        .count(db)
        .await?;
    if already > 0 {
        return Ok(false);
    }
    let txn = db.begin().await?;
    // Today's areas, each with what came before it: no council has history from before it
    // existed, so a reorganised council's 2016-framework inspection belongs to its predecessor.
    let areas = area::Entity::find()
        .find_also_related(local_authority::Entity)
        .filter(local_authority::Column::ValidTo.is_null())
        .order_by_asc(local_authority::Column::OnsCode)
        .all(&txn)
        .await?;
    let predecessor_areas: HashMap<i32, i32> = predecessor_areas(&txn).await?;
    let mut with_history = HashSet::new();
    for (index, (area, council)) in areas.iter().enumerate() {
        let lineage = Lineage {
            begins: council.as_ref().and_then(|council| council.valid_from),
            predecessor: council
                .as_ref()
                .and_then(|council| predecessor_areas.get(&council.id).copied()),
        };
        load_area(&txn, area.id, index as u64, lineage, &mut with_history).await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// When an area's council began, and the area of the council it succeeded.
#[derive(Clone, Copy)]
struct Lineage {
    begins: Option<NaiveDate>,
    predecessor: Option<i32>,
}

impl Lineage {
    /// The area a record of `on` belongs to: the area itself once its council exists, else its
    /// predecessor's, which takes one such history only (a split county's two successors share
    /// it); `None` to leave it out.
    fn area_on(&self, area_id: i32, on: NaiveDate, taken: &mut HashSet<i32>) -> Option<i32> {
        if self.begins.is_none_or(|begins| on >= begins) {
            return Some(area_id);
        }
        self.predecessor
            .filter(|predecessor| taken.insert(*predecessor))
    }

    fn existed_on(&self, on: NaiveDate) -> bool {
        self.begins.is_none_or(|begins| on >= begins)
    }
}

/// The area of each reorganised council's predecessor, by the successor council's id.
async fn predecessor_areas(db: &impl ConnectionTrait) -> Result<HashMap<i32, i32>, DbErr> {
    let successions = succession::Entity::find()
        .filter(succession::Column::Kind.eq(SuccessionKind::LocalAuthority))
        .all(db)
        .await?;
    let mut areas = HashMap::new();
    for succession in successions {
        if let Some(area) = area::Entity::find()
            .filter(area::Column::LocalAuthorityId.eq(succession.predecessor_id))
            .one(db)
            .await?
        {
            areas.entry(succession.successor_id).or_insert(area.id);
        }
    }
    Ok(areas)
}

fn day(from: NaiveDate, days: u64) -> NaiveDate {
    from + Days::new(days)
}

fn months(from: NaiveDate, months: u32) -> NaiveDate {
    from + Months::new(months)
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

struct Inspection {
    framework: InspectionFramework,
    kind: InspectionKind,
    status: InspectionStatus,
    on_site_start_on: NaiveDate,
    outcome: Option<InspectionOutcome>,
    wsoa_required: Option<bool>,
    revisit_progress: Option<RevisitProgress>,
}

async fn insert_inspection(
    db: &impl ConnectionTrait,
    area_id: i32,
    spec: Inspection,
) -> Result<inspection::Model, DbErr> {
    let start = spec.on_site_start_on;
    let published = spec.status == InspectionStatus::Published;
    let stamp = Utc.from_utc_datetime(&day(start, 60).and_time(chrono::NaiveTime::MIN));
    inspection::ActiveModel {
        id: NotSet,
        area_id: Set(area_id),
        framework: Set(spec.framework),
        kind: Set(spec.kind),
        status: Set(spec.status),
        planned_start_on: Set(Some(start)),
        notified_on: Set(
            (spec.status != InspectionStatus::Planned).then(|| day(start, 0) - Days::new(7))
        ),
        on_site_start_on: Set((spec.status != InspectionStatus::Planned).then_some(start)),
        on_site_end_on: Set(published.then(|| day(start, 11))),
        draft_shared_on: Set(published.then(|| day(start, 40))),
        published_on: Set(published.then(|| day(start, 60))),
        outcome: Set(spec.outcome),
        wsoa_required: Set(spec.wsoa_required),
        revisit_progress: Set(spec.revisit_progress),
        report_url: Set(None),
        // A published report is a joint one: both inspectorates signed it.
        signed_off_by_ofsted: Set(published),
        signed_off_by_cqc: Set(published),
        is_synthetic: Set(true),
        created_at: Set(stamp),
        updated_at: Set(stamp),
        ..Default::default()
    }
    .insert(db)
    .await
}

async fn insert_recommendations(
    db: &impl ConnectionTrait,
    inspection_id: i32,
    priority_actions: usize,
) -> Result<Vec<recommendation::Model>, DbErr> {
    let partners = [
        ResponsiblePartner::LocalAuthority,
        ResponsiblePartner::IntegratedCareBoard,
        ResponsiblePartner::Partnership,
    ];
    let mut created = Vec::new();
    for (position, partner) in partners.into_iter().enumerate() {
        let model = recommendation::ActiveModel {
            id: NotSet,
            inspection_id: Set(inspection_id),
            position: Set(position as i32 + 1),
            text: Set(format!(
                "{LABEL} recommendation: improve area {}.",
                position + 1
            )),
            responsible_partner: Set(partner),
            is_area_for_priority_action: Set(position < priority_actions),
        }
        .insert(db)
        .await?;
        created.push(model);
    }
    Ok(created)
}

async fn load_area(
    db: &impl ConnectionTrait,
    own_area: i32,
    i: u64,
    lineage: Lineage,
    with_history: &mut HashSet<i32>,
) -> Result<(), DbErr> {
    // 2016 framework: most areas inspected between mid-2016 and 2021; some needed a WSoA.
    let start_2016 = day(ymd(2016, 6, 6), i * 13);
    let area_2016 = lineage.area_on(own_area, start_2016, with_history);
    if let (true, Some(area_id)) = (i % 6 != 5, area_2016) {
        let start = start_2016;
        let wsoa = i.is_multiple_of(3);
        let full = insert_inspection(
            db,
            area_id,
            Inspection {
                framework: InspectionFramework::Framework2016,
                kind: InspectionKind::Full,
                status: InspectionStatus::Published,
                on_site_start_on: start,
                outcome: None,
                wsoa_required: Some(wsoa),
                revisit_progress: None,
            },
        )
        .await?;
        insert_recommendations(db, full.id, 0).await?;
        if wsoa && i.is_multiple_of(2) {
            let progress = [
                RevisitProgress::SufficientInAll,
                RevisitProgress::SufficientInSome,
                RevisitProgress::SufficientInNone,
            ][(i / 6 % 3) as usize];
            insert_inspection(
                db,
                area_id,
                Inspection {
                    framework: InspectionFramework::Framework2016,
                    kind: InspectionKind::Revisit,
                    status: InspectionStatus::Published,
                    on_site_start_on: months(start, 24),
                    outcome: None,
                    wsoa_required: None,
                    revisit_progress: Some(progress),
                },
            )
            .await?;
        }
    }

    let area_id = own_area;
    let first_plan = day(ymd(2022, 1, 10), i);
    if i % 5 != 4 && lineage.existed_on(first_plan) {
        insert_plan(db, area_id, 1, Some(first_plan)).await?;
    }

    // 2023 framework: three areas in four have had a full inspection.
    if i % 4 == 3 {
        return Ok(());
    }
    let start = day(ymd(2023, 1, 16), i * 8);
    let outcome = match i % 10 {
        0..=2 => InspectionOutcome::Outcome1,
        3..=7 => InspectionOutcome::Outcome2,
        _ => InspectionOutcome::Outcome3,
    };
    let full = insert_inspection(
        db,
        area_id,
        Inspection {
            framework: InspectionFramework::Framework2023,
            kind: InspectionKind::Full,
            status: InspectionStatus::Published,
            on_site_start_on: start,
            outcome: Some(outcome),
            wsoa_required: None,
            revisit_progress: None,
        },
    )
    .await?;
    let published = full.published_on.unwrap_or(start);
    let priority_areas = if outcome == InspectionOutcome::Outcome3 {
        2
    } else {
        0
    };
    let recommendations = insert_recommendations(db, full.id, priority_areas).await?;

    // Some areas have updated their strategic plan since; the rest are due or overdue.
    if i % 3 != 1 && months(published, 4) <= HISTORY_ENDS {
        insert_plan(db, area_id, 2, Some(months(published, 4))).await?;
    }
    if i.is_multiple_of(11) {
        insert_plan(db, area_id, 3, None).await?;
    }

    if i % 7 != 6 {
        let mut held = months(published, 11);
        while held <= HISTORY_ENDS {
            engagement_meeting::ActiveModel {
                id: NotSet,
                area_id: Set(area_id),
                status: Set(EngagementMeetingStatus::Held),
                scheduled_for: Set(held),
                held_on: Set(Some(held)),
                is_synthetic: Set(true),
                ..Default::default()
            }
            .insert(db)
            .await?;
            held = months(held, 12);
        }
    }

    if i.is_multiple_of(9) {
        // Planned but not notified: only the inspectorates may see it.
        insert_inspection(
            db,
            area_id,
            Inspection {
                framework: InspectionFramework::Framework2023,
                kind: InspectionKind::Full,
                status: InspectionStatus::Planned,
                on_site_start_on: day(ymd(2027, 1, 11), i),
                outcome: None,
                wsoa_required: None,
                revisit_progress: None,
            },
        )
        .await?;
    }

    if outcome == InspectionOutcome::Outcome3 {
        load_outcome_3_follow_up(db, area_id, i, &full, &recommendations).await?;
    }
    Ok(())
}

async fn load_outcome_3_follow_up(
    db: &impl ConnectionTrait,
    area_id: i32,
    i: u64,
    full: &inspection::Model,
    recommendations: &[recommendation::Model],
) -> Result<(), DbErr> {
    let published = full.published_on.unwrap_or_default();
    let submitted = (i % 20 != 8).then(|| months(published, 2));
    let stamp = Utc.from_utc_datetime(&published.and_time(chrono::NaiveTime::MIN));
    let plan = priority_action_plan::ActiveModel {
        id: NotSet,
        area_id: Set(area_id),
        inspection_id: Set(full.id),
        status: Set(if submitted.is_some() {
            PriorityActionPlanStatus::Published
        } else {
            PriorityActionPlanStatus::Draft
        }),
        submitted_on: Set(submitted),
        acknowledged_on: Set(submitted.map(|on| day(on, 10))),
        published_on: Set(submitted.map(|on| day(on, 14))),
        document_url: Set(None),
        is_synthetic: Set(true),
        created_at: Set(stamp),
        updated_at: Set(stamp),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let statuses = [
        ActionStatus::Completed,
        ActionStatus::InProgress,
        ActionStatus::NotStarted,
    ];
    let priority_areas = recommendations
        .iter()
        .filter(|recommendation| recommendation.is_area_for_priority_action);
    for (position, recommendation) in priority_areas.enumerate() {
        let status = statuses[(position + i as usize) % statuses.len()];
        priority_action::ActiveModel {
            id: NotSet,
            priority_action_plan_id: Set(plan.id),
            recommendation_id: Set(Some(recommendation.id)),
            position: Set(position as i32 + 1),
            description: Set(format!(
                "{LABEL} action against area for priority action {}.",
                position + 1
            )),
            status: Set(status),
            due_on: Set(Some(months(published, 12))),
            completed_on: Set((status == ActionStatus::Completed).then(|| months(published, 9))),
            progress_note: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }

    let monitoring_start = months(published, 17);
    if i % 20 != 18 && monitoring_start <= HISTORY_ENDS {
        insert_inspection(
            db,
            area_id,
            Inspection {
                framework: InspectionFramework::Framework2023,
                kind: InspectionKind::Monitoring,
                status: if day(monitoring_start, 60) <= HISTORY_ENDS {
                    InspectionStatus::Published
                } else {
                    InspectionStatus::Reporting
                },
                on_site_start_on: monitoring_start,
                outcome: None,
                wsoa_required: None,
                revisit_progress: None,
            },
        )
        .await?;
    }

    if i % 20 == 9 || i % 20 == 19 {
        let (body, kind) = if i % 20 == 9 {
            (
                InterventionBody::Dfe,
                InterventionKind::StatutoryImprovementNotice,
            )
        } else {
            (InterventionBody::NhsEngland, InterventionKind::Challenge)
        };
        intervention::ActiveModel {
            id: NotSet,
            area_id: Set(area_id),
            body: Set(body),
            kind: Set(kind),
            status: Set(InterventionStatus::Announced),
            summary: Set(format!(
                "{LABEL} intervention after an outcome-3 inspection."
            )),
            announced_on: Set(Some(months(published, 1))),
            ended_on: Set(None),
            is_synthetic: Set(true),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

async fn insert_plan(
    db: &impl ConnectionTrait,
    area_id: i32,
    version: i32,
    published_on: Option<NaiveDate>,
) -> Result<(), DbErr> {
    let stamp = Utc.from_utc_datetime(
        &published_on
            .unwrap_or(HISTORY_ENDS)
            .and_time(chrono::NaiveTime::MIN),
    );
    strategic_plan::ActiveModel {
        id: NotSet,
        area_id: Set(area_id),
        version: Set(version),
        title: Set(format!(
            "{LABEL} strategic plan for SEND, version {version}"
        )),
        status: Set(if published_on.is_some() {
            StrategicPlanStatus::Published
        } else {
            StrategicPlanStatus::Draft
        }),
        published_on: Set(published_on),
        document_url: Set(None),
        is_synthetic: Set(true),
        created_at: Set(stamp),
        updated_at: Set(stamp),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
