//! Webhook subscriptions: registered, paused, resumed, re-keyed and deleted by their owners.

use base64::{Engine, engine::general_purpose::STANDARD};
use entity::{
    enums::{EventType, Region, WebhookStatus},
    webhook_subscription,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use serde_json::Value as Json;

use crate::{
    domain::{
        codes::{IcbCode, LocalAuthorityCode},
        rejection::Rejection,
        webhooks,
    },
    error::AppError,
    policy::{Action, Viewer},
    service::{
        change::{Change, ChangeError, Changes, Event, ObjectKind, Recorded, enum_value, text},
        idempotency::Claim,
        scope::visible,
    },
};

impl Recorded for webhook_subscription::Model {
    /// Everything but the secret, which no log may hold.
    fn fields(&self) -> Vec<(&'static str, Json)> {
        vec![
            ("url", Json::String(self.url.clone())),
            (
                "eventTypes",
                serde_json::from_str(&self.event_types).unwrap_or(Json::Null),
            ),
            ("status", enum_value(self.status)),
            ("filterArea", text(self.filter_area.as_deref())),
            ("filterIcb", text(self.filter_icb.as_deref())),
            (
                "filterRegion",
                self.filter_region.map_or(Json::Null, enum_value),
            ),
        ]
    }
}

/// What a new subscription is for.
pub struct NewSubscription {
    pub url: String,
    pub event_types: Vec<EventType>,
    pub area: Option<String>,
    pub icb: Option<String>,
    pub region: Option<Region>,
}

/// A change to an existing subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Pause,
    /// Delivery starts again where it stopped, with a fresh retry window.
    Resume,
    /// A new signing secret; deliveries from now on are signed with it.
    RotateSecret,
    Delete,
}

impl Command {
    fn operation(self) -> &'static str {
        match self {
            Command::Pause => "pauseWebhookSubscription",
            Command::Resume => "resumeWebhookSubscription",
            Command::RotateSecret => "rotateWebhookSecret",
            Command::Delete => "deleteWebhookSubscription",
        }
    }
}

/// A new Standard Webhooks secret: 32 random bytes, base64, after `whsec_`.
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// The names of `types`, stored as a JSON array.
pub fn stored_types(types: &[EventType]) -> String {
    let names: Vec<Json> = types.iter().map(|t| enum_value(*t)).collect();
    Json::Array(names).to_string()
}

/// Registers a subscription for the caller's role (and organisation). It receives the events
/// logged from now on.
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    new: NewSubscription,
    allow_http_loopback: bool,
) -> Result<webhook_subscription::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    change.authorize(Action::ManageWebhooks, None)?;
    let url = webhooks::endpoint("input.url", &new.url, allow_http_loopback)?;
    let mut event_types = new.event_types;
    event_types.sort();
    event_types.dedup();
    if event_types.is_empty() {
        return Err(Rejection::invalid("input.eventTypes", "name at least one event type").into());
    }
    let area = new
        .area
        .map(|code| LocalAuthorityCode::parse(&code))
        .transpose()
        .map_err(|error| Rejection::invalid("input.filter.area", error.to_string()))?;
    let icb = new
        .icb
        .map(|code| IcbCode::parse(&code))
        .transpose()
        .map_err(|error| Rejection::invalid("input.filter.icb", error.to_string()))?;
    let caller = change.caller();
    let created = webhook_subscription::ActiveModel {
        owner_role: Set(caller.role),
        owner_organisation: Set(caller.organisation.clone()),
        created_by: Set(caller.subject.clone()),
        url: Set(url.to_string()),
        event_types: Set(stored_types(&event_types)),
        filter_area: Set(area.map(|code| code.canonical().to_owned())),
        filter_icb: Set(icb.map(|code| match code {
            IcbCode::Ons(code) | IcbCode::Ods(code) => code,
        })),
        filter_region: Set(new.region),
        secret: Set(new_secret()),
        status: Set(WebhookStatus::Active),
        // Everything logged before this change is history, not news.
        last_sequence: Set(change.sequence()),
        attempts: Set(0),
        created_at: Set(change.now),
        ..Default::default()
    }
    .insert(change.connection())
    .await?;
    let event = Event {
        operation: "createWebhookSubscription",
        kind: ObjectKind::WebhookSubscription,
        row_id: created.id,
        area_id: None,
        summary: "Registered a webhook subscription".to_owned(),
        changes: Changes::between(None, &created),
    };
    change.commit(event).await?;
    Ok(created)
}

/// Applies `command` to the subscription `id`, if the caller owns it (otherwise it is not
/// found). Returns the subscription as changed, or as it was before it was deleted.
pub async fn manage(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    id: i32,
    command: Command,
) -> Result<webhook_subscription::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    let before = visible::<webhook_subscription::Entity>(viewer)
        .filter(webhook_subscription::Column::Id.eq(id))
        .one(change.connection())
        .await?
        .ok_or(ChangeError::Failed(AppError::NotFound {
            what: "webhook subscription",
        }))?;
    change.authorize(Action::ManageWebhooks, None)?;
    let mut row = before.clone().into_active_model();
    match command {
        Command::Pause => row.status = Set(WebhookStatus::Paused),
        Command::Resume => {
            row.status = Set(WebhookStatus::Active);
            row.attempts = Set(0);
            row.failing_since = Set(None);
            row.next_attempt_at = Set(None);
        }
        Command::RotateSecret => row.secret = Set(new_secret()),
        Command::Delete => {}
    }
    let after = if command == Command::Delete {
        webhook_subscription::Entity::delete_by_id(id)
            .exec(change.connection())
            .await?;
        before.clone()
    } else {
        row.update(change.connection()).await?
    };
    // A new secret changes no recorded field: the summary says it happened.
    let changes = Changes::between(Some(&before), &after);
    let event = Event {
        operation: command.operation(),
        kind: ObjectKind::WebhookSubscription,
        row_id: id,
        area_id: None,
        summary: match command {
            Command::Pause => "Paused a webhook subscription",
            Command::Resume => "Resumed a webhook subscription",
            Command::RotateSecret => "Rotated a webhook subscription's secret",
            Command::Delete => "Deleted a webhook subscription",
        }
        .to_owned(),
        changes,
    };
    change.commit(event).await?;
    Ok(after)
}
