//! The one path every change takes: begin a transaction; load the target through the viewer's
//! read scope (hidden is not found); ask the policy; check the revision the caller read; write
//! the domain's new state with a conditional `UPDATE … WHERE revision = $read`; append the event;
//! commit. A change cannot commit without its event: [`Change::commit`] is the only way out that
//! keeps anything, and it appends exactly one.

use std::collections::BTreeMap;

use async_graphql::EnumType;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    area, audit_event, engagement_meeting, enums::EventType, inspection, intervention,
    local_authority, priority_action, priority_action_plan, strategic_plan,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use serde_json::{Map, Value as Json};

use super::{idempotency::Claim, scope::Scoped};
use crate::{
    data_version::NOTIFY_CHANGE,
    domain::{self, codes::LocalAuthorityCode, rejection::Rejection},
    error::AppError,
    global_id::{self, NodeType},
    policy::{self, Action, Caller, Denied, Viewer},
};

/// Why a change did not happen: refused by a rule (a user error, in the payload), or by access
/// or a failure (a top-level error).
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Failed(#[from] AppError),
}

impl From<DbErr> for ChangeError {
    fn from(error: DbErr) -> Self {
        ChangeError::Failed(error.into())
    }
}

impl From<Denied> for ChangeError {
    fn from(denied: Denied) -> Self {
        ChangeError::Failed(match denied {
            Denied::Unauthenticated => AppError::Unauthenticated,
            Denied::Forbidden => AppError::Forbidden,
        })
    }
}

/// What an event concerns, for its read policy: an event is readable only by those who may
/// read this object as it stands now. An inspection's report is an object of its own, so that
/// the trail of an inspection the area follows never tells it what an embargoed report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Inspection,
    Report,
    EngagementMeeting,
    Intervention,
    PriorityActionPlan,
    PriorityAction,
    StrategicPlan,
    /// Reference data, public to every reader of the trail.
    IntegratedCareBoard,
    LocalAuthority,
    /// A partner's webhook subscription, readable by its owner alone.
    WebhookSubscription,
    /// An area's schedule, the same whether read from its published or its whole record:
    /// public.
    Schedule,
    /// An area's schedule as its published record has it, where its whole record says
    /// otherwise: for those who do not follow the area.
    PublishedSchedule,
    /// An area's schedule as its whole record has it, where its published record says
    /// otherwise: for those who follow the area.
    FollowedSchedule,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 13] = [
        ObjectKind::Inspection,
        ObjectKind::Report,
        ObjectKind::EngagementMeeting,
        ObjectKind::Intervention,
        ObjectKind::PriorityActionPlan,
        ObjectKind::PriorityAction,
        ObjectKind::StrategicPlan,
        ObjectKind::IntegratedCareBoard,
        ObjectKind::LocalAuthority,
        ObjectKind::WebhookSubscription,
        ObjectKind::Schedule,
        ObjectKind::PublishedSchedule,
        ObjectKind::FollowedSchedule,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Inspection => "inspection",
            ObjectKind::Report => "report",
            ObjectKind::EngagementMeeting => "engagement_meeting",
            ObjectKind::Intervention => "intervention",
            ObjectKind::PriorityActionPlan => "priority_action_plan",
            ObjectKind::PriorityAction => "priority_action",
            ObjectKind::StrategicPlan => "strategic_plan",
            ObjectKind::IntegratedCareBoard => "integrated_care_board",
            ObjectKind::LocalAuthority => "local_authority",
            ObjectKind::WebhookSubscription => "webhook_subscription",
            ObjectKind::Schedule => "schedule",
            ObjectKind::PublishedSchedule => "published_schedule",
            ObjectKind::FollowedSchedule => "followed_schedule",
        }
    }

    pub fn node_type(self) -> NodeType {
        match self {
            ObjectKind::Inspection | ObjectKind::Report => NodeType::Inspection,
            ObjectKind::EngagementMeeting => NodeType::EngagementMeeting,
            ObjectKind::Intervention => NodeType::Intervention,
            ObjectKind::PriorityActionPlan => NodeType::PriorityActionPlan,
            ObjectKind::PriorityAction => NodeType::PriorityAction,
            ObjectKind::StrategicPlan => NodeType::StrategicPlan,
            ObjectKind::IntegratedCareBoard => NodeType::IntegratedCareBoard,
            ObjectKind::LocalAuthority => NodeType::LocalAuthority,
            ObjectKind::WebhookSubscription => NodeType::WebhookSubscription,
            ObjectKind::Schedule | ObjectKind::PublishedSchedule | ObjectKind::FollowedSchedule => {
                NodeType::Area
            }
        }
    }
}

/// The changed fields of an object, before and after, named and valued as the API shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes(BTreeMap<&'static str, (Json, Json)>);

/// A record as the event log shows it: its fields under their GraphQL names, with GraphQL's
/// values (enum names, ISO dates, global IDs), so that a reader of the log needs no knowledge of
/// the tables.
pub trait Recorded {
    fn fields(&self) -> Vec<(&'static str, Json)>;
}

impl Changes {
    /// The fields that differ between `before` (none for a new object) and `after`.
    pub fn between<M: Recorded>(before: Option<&M>, after: &M) -> Self {
        let old: BTreeMap<_, _> = before
            .map(Recorded::fields)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let changes = after
            .fields()
            .into_iter()
            .filter_map(|(field, new)| {
                let old = old.get(field).cloned().unwrap_or(Json::Null);
                (old != new).then_some((field, (old, new)))
            })
            .collect();
        Self(changes)
    }

    /// Adds a change that is not a field of the object, such as its recommendations.
    pub fn with(mut self, field: &'static str, before: Json, after: Json) -> Self {
        self.0.insert(field, (before, after));
        self
    }

    fn to_json(&self) -> Json {
        let fields = self
            .0
            .iter()
            .map(|(field, (before, after))| {
                let mut pair = Map::new();
                pair.insert("before".into(), before.clone());
                pair.insert("after".into(), after.clone());
                ((*field).to_owned(), Json::Object(pair))
            })
            .collect();
        Json::Object(fields)
    }
}

/// An enumeration value as GraphQL names it.
pub fn enum_value<T: EnumType>(value: T) -> Json {
    T::items()
        .iter()
        .find(|item| item.value == value)
        .map_or(Json::Null, |item| Json::String(item.name.to_owned()))
}

pub fn optional<T>(value: Option<T>, to_json: impl Fn(T) -> Json) -> Json {
    value.map_or(Json::Null, to_json)
}

pub fn date(value: Option<NaiveDate>) -> Json {
    optional(value, |date| Json::String(date.to_string()))
}

pub fn text(value: Option<&str>) -> Json {
    optional(value, |text| Json::String(text.to_owned()))
}

/// One change, as the event log records it.
#[derive(Debug, Clone)]
pub struct Event {
    /// The mutation that made it, e.g. `publishReport`.
    pub operation: &'static str,
    pub kind: ObjectKind,
    pub row_id: i32,
    pub area_id: Option<i32>,
    pub summary: String,
    pub changes: Changes,
}

/// A record the write side changes under revisions.
pub trait Revisioned: Scoped {
    /// The name a caller knows it by, for "not found".
    const WHAT: &'static str;
    fn id_column() -> Self::Column;
    fn revision_column() -> Self::Column;
    fn revision_of(model: &Self::Model) -> i32;
}

/// A record that belongs to one area, whose policy decisions are made there.
pub trait InArea: Revisioned {
    fn area_of(model: &Self::Model) -> i32;
}

macro_rules! revisioned {
    ($($module:ident => $what:literal),* $(,)?) => {$(
        impl Revisioned for $module::Entity {
            const WHAT: &'static str = $what;
            fn id_column() -> Self::Column {
                $module::Column::Id
            }
            fn revision_column() -> Self::Column {
                $module::Column::Revision
            }
            fn revision_of(model: &Self::Model) -> i32 {
                model.revision
            }
        }
    )*};
}

macro_rules! in_area {
    ($($module:ident),* $(,)?) => {$(
        impl InArea for $module::Entity {
            fn area_of(model: &Self::Model) -> i32 {
                model.area_id
            }
        }
    )*};
}

revisioned!(
    inspection => "inspection",
    engagement_meeting => "engagement meeting",
    intervention => "intervention",
    priority_action_plan => "priority action plan",
    priority_action => "priority action",
    strategic_plan => "strategic plan",
);

in_area!(
    inspection,
    engagement_meeting,
    intervention,
    priority_action_plan,
    strategic_plan
);

/// A change in progress: a transaction, the caller, and the instant the change is made at.
pub struct Change<'a> {
    txn: DatabaseTransaction,
    viewer: &'a Viewer,
    caller: &'a Caller,
    /// This change's place in the event log.
    sequence: i32,
    pub now: DateTime<Utc>,
}

impl<'a> Change<'a> {
    /// Begins a change on behalf of `viewer`, which must be signed in.
    ///
    /// Its first statement takes the event log's next sequence number from the head row, which
    /// locks that row until the change commits or rolls back (rolling the number back with it).
    /// Changes therefore run one after another on both databases, as SQLite's single writer
    /// would have them, and the change's instant is read only once it holds the lock: sequence
    /// numbers, event times and the feed's `updatedAt` all follow commit order, so a partner
    /// syncing by cursor can never miss a change that committed behind it. (On SQLite the
    /// transaction is `IMMEDIATE` for the same reason: a writer that upgrades a read lock later
    /// would fail instead of waiting.) Revisions are still checked by a conditional update, so
    /// correctness does not rest on this ordering.
    pub async fn begin(
        db: &DatabaseConnection,
        viewer: &'a Viewer,
        claim: Option<&'a Claim>,
    ) -> Result<Self, ChangeError> {
        let Viewer::SignedIn(caller) = viewer else {
            return Err(Denied::Unauthenticated.into());
        };
        let txn = begin_writing(db).await?;
        let sequence = take_sequence(&txn).await?;
        let now = Utc::now();
        if let Some(claim) = claim {
            claim.record(&txn, now).await?;
        }
        Ok(Self {
            txn,
            viewer,
            caller,
            sequence,
            now,
        })
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    pub fn caller(&self) -> &Caller {
        self.caller
    }

    /// This change's place in the event log.
    pub fn sequence(&self) -> i32 {
        self.sequence
    }

    pub fn connection(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn authorize(&self, action: Action, area_id: Option<i32>) -> Result<(), ChangeError> {
        Ok(policy::authorize(self.viewer, action, area_id)?)
    }

    /// The stored row of `id`, if the viewer may see it; otherwise not found, exactly as a
    /// missing one.
    pub async fn load<E: Revisioned>(&self, id: i32) -> Result<E::Model, ChangeError> {
        E::find()
            .filter(E::id_column().eq(id))
            .filter(E::read_condition(self.viewer))
            .one(&self.txn)
            .await?
            .ok_or(ChangeError::Failed(AppError::NotFound { what: E::WHAT }))
    }

    /// The target of a change to an existing object, in the order the path requires: loaded
    /// through the viewer's read scope (hidden is not found), then the policy's decision on
    /// `action` in the target's area, then the revision the caller read.
    pub async fn target<E: InArea>(
        &self,
        id: i32,
        read_revision: i32,
        action: impl FnOnce(&E::Model) -> Action,
    ) -> Result<E::Model, ChangeError> {
        let target = self.load::<E>(id).await?;
        self.authorize(action(&target), Some(E::area_of(&target)))?;
        crate::domain::rejection::revision(read_revision, E::revision_of(&target))?;
        Ok(target)
    }

    /// The area a new object is for, named by its local authority's `code` in the input field
    /// `field`, once the policy allows `action` there.
    pub async fn authorized_area(
        &self,
        field: &str,
        code: &str,
        action: Action,
    ) -> Result<i32, ChangeError> {
        let area_id = self.area(field, code).await?;
        self.authorize(action, Some(area_id))?;
        Ok(area_id)
    }

    /// The area of the local authority `code`, named in the input field `field`.
    pub async fn area(&self, field: &str, code: &str) -> Result<i32, ChangeError> {
        let code = LocalAuthorityCode::parse(code)
            .map_err(|error| Rejection::invalid(field, error.to_string()))?;
        let found = area::Entity::find()
            .inner_join(local_authority::Entity)
            .filter(local_authority::Column::OnsCode.eq(code.canonical()))
            .one(&self.txn)
            .await?;
        match found {
            Some(area) => Ok(area.id),
            None => {
                Err(Rejection::invalid(field, "no local area partnership has this code").into())
            }
        }
    }

    /// Writes `after` over the row `before` if the row is still at the revision the caller
    /// read, bumping the revision; returns the row as written.
    pub async fn save<E, A>(
        &self,
        before: &E::Model,
        read_revision: i32,
        mut after: A,
    ) -> Result<E::Model, ChangeError>
    where
        E: Revisioned,
        A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
        E::Model: sea_orm::IntoActiveModel<A>,
    {
        let current = E::revision_of(before);
        crate::domain::rejection::revision(read_revision, current)?;
        after.set(E::revision_column(), (current + 1).into());
        let id = after.get(E::id_column()).into_value().ok_or_else(|| {
            tracing::error!("a change was saved without the object's id");
            ChangeError::Failed(AppError::Internal)
        })?;
        let updated = E::update_many()
            .set(after)
            .filter(E::id_column().eq(id.clone()))
            .filter(E::revision_column().eq(read_revision))
            .exec(&self.txn)
            .await?;
        if updated.rows_affected == 0 {
            // Another change from the same revision committed first.
            return Err(Rejection::StaleRevision {
                read: read_revision,
            }
            .into());
        }
        E::find()
            .filter(E::id_column().eq(id))
            .one(&self.txn)
            .await?
            .ok_or(ChangeError::Failed(AppError::Internal))
    }

    /// Appends the change's event to the log, under the sequence number taken at the start,
    /// and commits the change with it.
    pub async fn commit(self, event: Event) -> Result<i32, ChangeError> {
        self.commit_effective(event, None).await
    }

    /// [`commit`](Self::commit) for a change that becomes public at `takes_effect_at` (a
    /// report's publication), so that its domain event is announced then, not now.
    pub async fn commit_effective(
        self,
        event: Event,
        takes_effect_at: Option<DateTime<Utc>>,
    ) -> Result<i32, ChangeError> {
        let event_type = domain::events::announced(event.operation, takes_effect_at, self.now);
        append(
            &self.txn,
            self.sequence,
            self.now,
            self.caller,
            event,
            event_type,
        )
        .await?;
        notify(&self.txn, self.sequence).await?;
        self.txn.commit().await?;
        Ok(self.sequence)
    }
}

/// A transaction that will write the log: `IMMEDIATE` on SQLite, so that it queues for the
/// write lock at once rather than failing to upgrade a read lock later.
pub(super) async fn begin_writing(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Takes the event log's next sequence number. The update locks the head row until the
/// transaction ends, so numbers are handed out in commit order (see [`Change::begin`]).
pub(super) async fn take_sequence(txn: &DatabaseTransaction) -> Result<i32, ChangeError> {
    let next = txn
        .query_one_raw(Statement::from_string(
            txn.get_database_backend(),
            "UPDATE event_log_head SET last_sequence = last_sequence + 1 \
             WHERE id = 1 RETURNING last_sequence",
        ))
        .await?
        .ok_or_else(|| {
            tracing::error!("the event log's head row is missing");
            ChangeError::Failed(AppError::Internal)
        })?;
    Ok(next.try_get("", "last_sequence")?)
}

/// Writes `event` into the log under `sequence`, made by `actor` at `now`.
pub(super) async fn append(
    txn: &DatabaseTransaction,
    sequence: i32,
    now: DateTime<Utc>,
    actor: &Caller,
    event: Event,
    event_type: Option<EventType>,
) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        id: sea_orm::Set(sequence),
        occurred_at: sea_orm::Set(now),
        actor_subject: sea_orm::Set(actor.subject.clone()),
        actor_role: sea_orm::Set(actor.role),
        actor_organisation: sea_orm::Set(actor.organisation.clone()),
        area_id: sea_orm::Set(event.area_id),
        action: sea_orm::Set(event.operation.to_owned()),
        object_id: sea_orm::Set(Some(global_id::encode(
            event.kind.node_type(),
            event.row_id,
        ))),
        summary: sea_orm::Set(event.summary),
        object_kind: sea_orm::Set(Some(event.kind.as_str().to_owned())),
        object_row_id: sea_orm::Set(Some(event.row_id)),
        changes: sea_orm::Set(Some(event.changes.to_json().to_string())),
        event_type: sea_orm::Set(event_type),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Tells every server listening on PostgreSQL, at commit and only if it commits, that the log
/// reached `sequence`: their kept answers end.
pub(super) async fn notify(txn: &DatabaseTransaction, sequence: i32) -> Result<(), DbErr> {
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            NOTIFY_CHANGE,
            [sequence.to_string().into()],
        ))
        .await?;
    }
    Ok(())
}
