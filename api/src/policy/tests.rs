//! The decision matrix, one row per kind of caller, one column per state or action, checked for
//! area 1. A policy change shows here as a readable diff. `Y` allowed, `.` hidden; for actions
//! `Y` allowed, `F` forbidden, `U` needs a signed-in caller.

use entity::enums::{
    EngagementMeetingStatus as Meeting, InspectionStatus as Inspection,
    InterventionStatus as Intervention, PriorityActionPlanStatus as Pap,
    StrategicPlanStatus as Plan,
};

use sea_orm::Iterable;

use super::*;

const AREA: i32 = 1;

fn caller(role: Role, area_ids: &[i32], can_write: bool) -> Viewer {
    Viewer::SignedIn(Caller {
        subject: "test".to_owned(),
        role,
        organisation: (role == Role::LocalPartner).then(|| "E06000001".to_owned()),
        area_ids: area_ids.to_vec(),
        can_write,
    })
}

struct Row {
    name: &'static str,
    viewer: Viewer,
    /// planned, notified, on site, reporting, draft shared, published, cancelled (declaration order)
    inspections: &'static str,
    /// outcome and recommendations when notified, draft shared, published
    findings: &'static str,
    /// draft, published
    strategic_plans: &'static str,
    /// draft, submitted, published
    priority_action_plans: &'static str,
    /// scheduled, held
    meetings: &'static str,
    /// proposed, announced
    interventions: &'static str,
    /// audit events by: Ofsted in area 1, DfE nationally, a local partner in area 1, NHS England
    /// in area 2
    audit: &'static str,
    /// inspections, meetings, review PAP, DfE interventions, NHS interventions,
    /// LA reference data, ICB reference data, strategic plan, PAP, action progress, webhooks
    actions: &'static str,
}

#[rustfmt::skip]
fn matrix() -> Vec<Row> {
    use Role::*;
    let row = |name, viewer, inspections, findings, strategic_plans, priority_action_plans, meetings, interventions, audit, actions| Row {
        name, viewer, inspections, findings, strategic_plans, priority_action_plans, meetings, interventions, audit, actions,
    };
    vec![
        //   caller                                              insp       find   sp    pap    meet  int   audit   actions
        row("public", Viewer::Public,                            ".....Y.", "..Y", ".Y", "..Y", ".Y", ".Y", "....", "UUUUUUUUUUU"),
        row("ofsted", caller(Ofsted, &[], true),                 "YYYYYYY", "YYY", ".Y", ".YY", "YY", ".Y", "YYYY", "YYFFFFFFFFY"),
        row("cqc", caller(Cqc, &[], true),                       "YYYYYYY", "YYY", ".Y", ".YY", "YY", ".Y", "YYYY", "YYFFFFFFFFY"),
        row("ofsted, read only", caller(Ofsted, &[], false),     "YYYYYYY", "YYY", ".Y", ".YY", "YY", ".Y", "YYYY", "FFFFFFFFFFF"),
        row("dfe", caller(Dfe, &[], true),                       ".YYYYY.", "..Y", ".Y", ".YY", ".Y", "YY", ".Y..", "FFYYFYFFFFY"),
        row("nhs england", caller(NhsEngland, &[], true),        ".YYYYY.", "..Y", ".Y", ".YY", ".Y", "YY", "...Y", "FFYFYFYFFFY"),
        row("LA partner, own area", caller(LocalPartner, &[AREA], true),
                                                                 ".YYYYY.", ".YY", "YY", "YYY", "YY", ".Y", "Y.Y.", "FFFFFFFYYYF"),
        row("LA partner, read only", caller(LocalPartner, &[AREA], false),
                                                                 ".YYYYY.", ".YY", "YY", "YYY", "YY", ".Y", "Y.Y.", "FFFFFFFFFFF"),
        row("LA partner, other area", caller(LocalPartner, &[2], true),
                                                                 ".....Y.", "..Y", ".Y", "..Y", ".Y", ".Y", "...Y", "FFFFFFFFFFF"),
        row("ICB partner, area served", caller(LocalPartner, &[2, AREA, 3], true),
                                                                 ".YYYYY.", ".YY", "YY", "YYY", "YY", ".Y", "Y.YY", "FFFFFFFYYYF"),
        row("ICB partner, area not served", caller(LocalPartner, &[2, 3], true),
                                                                 ".....Y.", "..Y", ".Y", "..Y", ".Y", ".Y", "...Y", "FFFFFFFFFFF"),
    ]
}

fn marks<S: PartialEq>(visibility: &Visibility<S>, states: &[S]) -> String {
    states
        .iter()
        .map(|state| {
            if visibility.allows(AREA, state) {
                'Y'
            } else {
                '.'
            }
        })
        .collect()
}

#[test]
fn every_cell_of_the_matrix_holds() {
    use Action::*;
    let actions = [
        ManageInspections,
        ManageEngagementMeetings,
        ReviewPriorityActionPlan,
        ManageDfeInterventions,
        ManageNhsInterventions,
        ManageLocalAuthorities,
        ManageIntegratedCareBoards,
        WriteStrategicPlan,
        WritePriorityActionPlan,
        RecordActionProgress,
        ManageWebhooks,
    ];
    let inspection_states: Vec<Inspection> = Inspection::iter().collect();
    for row in matrix() {
        let v = &row.viewer;
        let actual = (
            marks(&inspections(v), &inspection_states),
            marks(
                &findings(v),
                &[
                    Inspection::Notified,
                    Inspection::DraftShared,
                    Inspection::Published,
                ],
            ),
            marks(&strategic_plans(v), &[Plan::Draft, Plan::Published]),
            marks(
                &priority_action_plans(v),
                &[Pap::Draft, Pap::Submitted, Pap::Published],
            ),
            marks(
                &engagement_meetings(v),
                &[Meeting::Scheduled, Meeting::Held],
            ),
            marks(
                &interventions(v),
                &[Intervention::Proposed, Intervention::Announced],
            ),
            [
                (Role::Ofsted, Some(AREA)),
                (Role::Dfe, None),
                (Role::LocalPartner, Some(AREA)),
                (Role::NhsEngland, Some(2)),
            ]
            .iter()
            .map(|(actor, area)| {
                if audit_events(v).allows(*actor, *area) {
                    'Y'
                } else {
                    '.'
                }
            })
            .collect::<String>(),
            actions
                .iter()
                .map(|action| match authorize(v, *action, Some(AREA)) {
                    Ok(()) => 'Y',
                    Err(Denied::Forbidden) => 'F',
                    Err(Denied::Unauthenticated) => 'U',
                })
                .collect::<String>(),
        );
        let expected = (
            row.inspections.to_owned(),
            row.findings.to_owned(),
            row.strategic_plans.to_owned(),
            row.priority_action_plans.to_owned(),
            row.meetings.to_owned(),
            row.interventions.to_owned(),
            row.audit.to_owned(),
            row.actions.to_owned(),
        );
        assert_eq!(actual, expected, "row: {}", row.name);
    }
}

#[test]
fn an_area_is_followed_where_its_notified_inspections_and_submitted_plans_are_read() {
    for row in matrix() {
        for area in [AREA, 2] {
            let reads_the_whole_record = inspections(&row.viewer)
                .allows(area, &Inspection::Notified)
                && priority_action_plans(&row.viewer).allows(area, &Pap::Submitted);
            assert_eq!(
                followed_areas(&row.viewer).contains(area),
                reads_the_whole_record,
                "{} in area {area}",
                row.name
            );
        }
    }
}

#[test]
fn findings_are_never_visible_where_the_inspection_is_not() {
    let inspection_states: Vec<Inspection> = Inspection::iter().collect();
    for row in matrix() {
        for area in [AREA, 2] {
            for state in &inspection_states {
                if findings(&row.viewer).allows(area, state) {
                    assert!(
                        inspections(&row.viewer).allows(area, state),
                        "{} {state:?}",
                        row.name
                    );
                }
            }
        }
    }
}

#[test]
fn national_reference_data_is_never_a_local_partners_to_change() {
    let partner = caller(Role::LocalPartner, &[AREA], true);
    for action in [
        Action::ManageLocalAuthorities,
        Action::ManageIntegratedCareBoards,
    ] {
        assert_eq!(authorize(&partner, action, None), Err(Denied::Forbidden));
    }
    assert_eq!(
        authorize(&partner, Action::WriteStrategicPlan, None),
        Err(Denied::Forbidden)
    );
}

#[test]
fn a_cancelled_inspection_leaves_a_tombstone_for_exactly_those_who_followed_it() {
    // Those who follow notified inspections in area 1 keep a tombstone of a cancelled one; the
    // inspectorates see cancelled inspections whole, everyone else never knew of it.
    let expected = [
        ("public", false),
        ("ofsted", false),
        ("cqc", false),
        ("ofsted, read only", false),
        ("dfe", true),
        ("nhs england", true),
        ("LA partner, own area", true),
        ("LA partner, read only", true),
        ("LA partner, other area", false),
        ("ICB partner, area served", true),
        ("ICB partner, area not served", false),
    ];
    for row in matrix() {
        let (_, tombstone) = expected
            .iter()
            .find(|(name, _)| *name == row.name)
            .unwrap_or_else(|| panic!("no expectation for {}", row.name));
        let follows_notified = inspections(&row.viewer).allows(AREA, &Inspection::Notified);
        assert_eq!(
            inspection_tombstones(&row.viewer).allows(AREA, &Inspection::Cancelled),
            *tombstone,
            "{}",
            row.name
        );
        if *tombstone {
            assert!(follows_notified, "{}", row.name);
        }
    }
}

#[test]
fn only_signed_in_callers_read_who_recorded_something() {
    for row in matrix() {
        assert_eq!(
            reads_authors(&row.viewer),
            row.name != "public",
            "{}",
            row.name
        );
    }
}

#[test]
fn only_the_inspectorates_sign_reports() {
    for role in Role::iter() {
        let expected = match role {
            Role::Ofsted => Some(Inspectorate::Ofsted),
            Role::Cqc => Some(Inspectorate::Cqc),
            _ => None,
        };
        assert_eq!(inspectorate_of(role), expected, "{role:?}");
    }
}

#[test]
fn an_audience_is_shared_only_by_viewers_who_see_the_same_data() {
    let partner = |subject: &str, organisation: &str, area_ids: &[i32], can_write| {
        Viewer::SignedIn(Caller {
            subject: subject.to_owned(),
            role: Role::LocalPartner,
            organisation: Some(organisation.to_owned()),
            area_ids: area_ids.to_vec(),
            can_write,
        })
    };
    assert_eq!(
        audience(&partner("a", "E06000001", &[1, 2], true)),
        audience(&partner("b", "E06000001", &[2, 1], false)),
        "the subject, the scope and the order of areas do not change what is read"
    );
    let distinct = [
        audience(&Viewer::Public),
        audience(&caller(Role::Ofsted, &[], false)),
        audience(&caller(Role::Cqc, &[], false)),
        audience(&caller(Role::Dfe, &[], false)),
        audience(&caller(Role::NhsEngland, &[], false)),
        audience(&partner("a", "E06000001", &[1], false)),
        audience(&partner("a", "E06000001", &[1, 2], false)),
        audience(&partner("a", "E54000050", &[1], false)),
    ];
    for (i, one) in distinct.iter().enumerate() {
        for other in &distinct[i + 1..] {
            assert_ne!(one, other);
        }
    }
}
