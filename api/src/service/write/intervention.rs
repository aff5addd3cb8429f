//! DfE's and NHS England's interventions: each body proposes, announces and ends its own.

use chrono::NaiveDate;
use entity::{
    enums::{InterventionBody, InterventionKind, Role},
    intervention,
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel, Set};
use serde_json::Value as Json;

use crate::{
    domain::{
        intervention::{Command, Intervention},
        rejection,
    },
    policy::{Action, Viewer},
    service::{
        change::{Change, ChangeError, Changes, Event, ObjectKind, Recorded, date, enum_value},
        idempotency::Claim,
    },
};

/// The action that changes a body's interventions.
fn action_for(body: InterventionBody) -> Action {
    match body {
        InterventionBody::Dfe => Action::ManageDfeInterventions,
        InterventionBody::NhsEngland => Action::ManageNhsInterventions,
    }
}

impl Recorded for intervention::Model {
    fn fields(&self) -> Vec<(&'static str, Json)> {
        vec![
            ("body", enum_value(self.body)),
            ("kind", enum_value(self.kind)),
            ("status", enum_value(self.status)),
            ("summary", Json::String(self.summary.clone())),
            ("proposedOn", date(self.proposed_on)),
            ("announcedOn", date(self.announced_on)),
            ("endedOn", date(self.ended_on)),
            ("isSynthetic", Json::Bool(self.is_synthetic)),
        ]
    }
}

pub async fn propose(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    area_code: &str,
    kind: InterventionKind,
    summary: &str,
    proposed_on: Option<NaiveDate>,
) -> Result<intervention::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    // The caller proposes for its own body; the policy refuses anyone who is neither.
    let body = match change.caller().role {
        Role::NhsEngland => InterventionBody::NhsEngland,
        _ => InterventionBody::Dfe,
    };
    let area_id = change
        .authorized_area("input.areaCode", area_code, action_for(body))
        .await?;
    let summary = rejection::text("input.summary", summary)?;
    let proposed = Intervention::propose(
        body,
        kind,
        proposed_on.unwrap_or(change.today()),
        change.today(),
    )?;
    let created = intervention::ActiveModel {
        area_id: Set(area_id),
        body: Set(proposed.body),
        kind: Set(proposed.kind),
        status: Set(proposed.status),
        summary: Set(summary),
        proposed_on: Set(proposed.proposed_on),
        is_synthetic: Set(false),
        revision: Set(1),
        ..Default::default()
    }
    .insert(change.connection())
    .await?;
    let event = Event {
        operation: "proposeIntervention",
        kind: ObjectKind::Intervention,
        row_id: created.id,
        area_id: Some(area_id),
        summary: "Proposed an intervention".to_owned(),
        changes: Changes::between(None, &created),
    };
    change.commit(event).await?;
    Ok(created)
}

pub async fn step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    id: i32,
    revision: i32,
    command: Command,
) -> Result<intervention::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let before = change
        .target::<intervention::Entity>(id, revision, |target| action_for(target.body))
        .await?;
    let current = Intervention {
        body: before.body,
        kind: before.kind,
        status: before.status,
        proposed_on: before.proposed_on,
        announced_on: before.announced_on,
        ended_on: before.ended_on,
    };
    let next = current.apply(command, change.today())?;
    let mut row = before.clone().into_active_model();
    row.status = Set(next.status);
    row.announced_on = Set(next.announced_on);
    row.ended_on = Set(next.ended_on);
    let after = change
        .save::<intervention::Entity, _>(&before, revision, row)
        .await?;
    let (operation, summary) = match command {
        Command::Announce { .. } => ("announceIntervention", "Announced an intervention"),
        Command::End { .. } => ("endIntervention", "Ended an intervention"),
    };
    let event = Event {
        operation,
        kind: ObjectKind::Intervention,
        row_id: id,
        area_id: Some(after.area_id),
        summary: summary.to_owned(),
        changes: Changes::between(Some(&before), &after),
    };
    change.commit(event).await?;
    Ok(after)
}
