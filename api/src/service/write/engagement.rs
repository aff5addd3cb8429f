//! The inspectorates' engagement meetings with areas.

use chrono::NaiveDate;
use entity::engagement_meeting;
use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel, Set};
use serde_json::Value as Json;

use crate::{
    domain::{
        engagement::{Command, Meeting},
        rejection,
    },
    policy::{Action, Viewer},
    service::{
        change::{
            Change, ChangeError, Changes, Event, ObjectKind, Recorded, date, enum_value, text,
        },
        idempotency::Claim,
    },
};

impl Recorded for engagement_meeting::Model {
    fn fields(&self) -> Vec<(&'static str, Json)> {
        vec![
            ("status", enum_value(self.status)),
            ("scheduledFor", date(Some(self.scheduled_for))),
            ("heldOn", date(self.held_on)),
            ("notes", text(self.notes.as_deref())),
            (
                "cancellationReason",
                text(self.cancellation_reason.as_deref()),
            ),
            ("isSynthetic", Json::Bool(self.is_synthetic)),
        ]
    }
}

pub async fn schedule(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    area_code: &str,
    scheduled_for: NaiveDate,
    notes: Option<&str>,
) -> Result<engagement_meeting::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let area_id = change
        .authorized_area(
            "input.areaCode",
            area_code,
            Action::ManageEngagementMeetings,
        )
        .await?;
    let notes = rejection::optional_text("input.notes", notes)?;
    let meeting = Meeting::schedule(scheduled_for, notes, change.today())?;
    let created = engagement_meeting::ActiveModel {
        area_id: Set(area_id),
        status: Set(meeting.status),
        scheduled_for: Set(meeting.scheduled_for),
        notes: Set(meeting.notes),
        is_synthetic: Set(false),
        revision: Set(1),
        ..Default::default()
    }
    .insert(change.connection())
    .await?;
    let event = Event {
        operation: "scheduleEngagementMeeting",
        kind: ObjectKind::EngagementMeeting,
        row_id: created.id,
        area_id: Some(area_id),
        summary: format!("Scheduled an engagement meeting for {scheduled_for}"),
        changes: Changes::between(None, &created),
    };
    change.commit(event).await?;
    Ok(created)
}

/// What a change to an existing meeting asks.
pub enum Step<'a> {
    RecordHeld {
        on: NaiveDate,
        notes: Option<&'a str>,
    },
    Cancel {
        reason: &'a str,
    },
}

pub async fn step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    id: i32,
    revision: i32,
    step: Step<'_>,
) -> Result<engagement_meeting::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let before = change
        .target::<engagement_meeting::Entity>(id, revision, |_| Action::ManageEngagementMeetings)
        .await?;
    let (operation, command) = match step {
        Step::RecordHeld { on, notes } => (
            "recordEngagementMeetingHeld",
            Command::RecordHeld {
                on,
                notes: rejection::optional_text("input.notes", notes)?,
            },
        ),
        Step::Cancel { reason } => (
            "cancelEngagementMeeting",
            Command::Cancel {
                reason: rejection::text("input.reason", reason)?,
            },
        ),
    };
    let current = Meeting {
        status: before.status,
        scheduled_for: before.scheduled_for,
        held_on: before.held_on,
        notes: before.notes.clone(),
        cancellation_reason: before.cancellation_reason.clone(),
    };
    let next = current.apply(command, change.today())?;
    let mut row = before.clone().into_active_model();
    row.status = Set(next.status);
    row.held_on = Set(next.held_on);
    row.notes = Set(next.notes);
    row.cancellation_reason = Set(next.cancellation_reason);
    let after = change
        .save::<engagement_meeting::Entity, _>(&before, revision, row)
        .await?;
    let event = Event {
        operation,
        kind: ObjectKind::EngagementMeeting,
        row_id: id,
        area_id: Some(after.area_id),
        summary: if operation == "cancelEngagementMeeting" {
            "Cancelled an engagement meeting".to_owned()
        } else {
            "Recorded an engagement meeting as held".to_owned()
        },
        changes: Changes::between(Some(&before), &after),
    };
    change.commit(event).await?;
    Ok(after)
}
