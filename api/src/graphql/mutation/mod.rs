//! The mutation root: Relay-style mutations with one `input:` argument and a payload that
//! carries the changed object (in a field named after its type) and `userErrors`. Resolvers
//! only parse, call one service command, and wrap the result; the rules live in `domain`, the
//! one change path in `service::change`.
//!
//! A refused change is a user error in the payload and changes nothing. Access is not a user
//! error: a target the caller cannot see is `NOT_FOUND`, one it may not change `FORBIDDEN`, no
//! token `UNAUTHENTICATED`, all top-level errors.

mod inspection;
mod map;
mod oversight;
mod plans;
mod webhooks;

use std::sync::Arc;

use async_graphql::{Context, Enum, ErrorExtensions, ID, MergedObject, Result, SimpleObject};

use super::{
    context,
    id::{NodeType, decode},
};
use crate::{
    domain::rejection::Rejection,
    error::AppError,
    service::{change::ChangeError, idempotency::Claim, related, scope::Scoped},
};

#[derive(MergedObject, Default)]
pub struct Mutation(
    inspection::InspectionMutations,
    oversight::OversightMutations,
    plans::PlanMutations,
    map::MapMutations,
    webhooks::WebhookMutations,
);

/// Why a change was refused.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserErrorCode {
    /// A value is malformed or out of range; `field` names it.
    InvalidValue,
    /// The lifecycle forbids the change now; the message says which rule.
    InvalidTransition,
    /// The object changed since the revision the input names: read it again.
    StaleRevision,
}

/// A change refused by a rule. Nothing was written.
#[derive(SimpleObject, Debug, Clone)]
pub struct UserError {
    pub code: UserErrorCode,
    /// The path of the input field at fault, e.g. `["input", "notifiedOn"]`.
    pub field: Option<Vec<String>>,
    pub message: String,
}

impl From<Rejection> for UserError {
    fn from(rejection: Rejection) -> Self {
        let message = rejection.to_string();
        match rejection {
            Rejection::InvalidValue { field, .. } => UserError {
                code: UserErrorCode::InvalidValue,
                field: Some(field),
                message,
            },
            Rejection::InvalidTransition { .. } => UserError {
                code: UserErrorCode::InvalidTransition,
                field: None,
                message,
            },
            Rejection::StaleRevision { .. } => UserError {
                code: UserErrorCode::StaleRevision,
                field: Some(vec!["input".to_owned(), "revision".to_owned()]),
                message,
            },
        }
    }
}

/// What a mutation's payload holds: the changed object, or why it was refused.
pub(super) struct Parts<O> {
    pub(super) object: Option<O>,
    pub(super) error: Option<UserError>,
}

/// Sorts a service result into a payload's parts, or a top-level error. The changed object is
/// read again through the caller's read policy: the same redaction, and the same clock, as a
/// query (a report set to publish later reads `DRAFT_SHARED` in its own payload).
pub(super) async fn answer<E, O>(
    ctx: &Context<'_>,
    result: Result<E::Model, ChangeError>,
    id_of: fn(&E::Model) -> i32,
    wrap: fn(E::Model) -> O,
) -> Result<Parts<O>>
where
    E: Scoped,
    E::Model: Sync,
{
    // A change makes what this request's loader has cached stale: a later field of the same
    // document (another mutation's payload) must read the record as it now stands.
    context::loader(ctx)?.enable_all_cache(false);
    match result {
        Ok(model) => {
            let id = id_of(&model);
            let mut rows = related::by_ids::<E>(context::viewer(ctx)?, context::db(ctx)?, &[id])
                .await
                .map_err(|error| error.extend())?;
            Ok(Parts {
                object: rows.remove(&id).map(wrap),
                error: None,
            })
        }
        Err(ChangeError::Rejected(rejection)) => Ok(Parts {
            object: None,
            error: Some(rejection.into()),
        }),
        Err(ChangeError::Failed(error)) => Err(error.extend()),
    }
}

/// The row an input's global ID names; any other ID is not found, as a hidden object is.
pub(super) fn row_id(id: &ID, node_type: NodeType, what: &'static str) -> Result<i32> {
    match decode(id) {
        Some((found, row)) if found == node_type => Ok(row),
        _ => Err(AppError::NotFound { what }.extend()),
    }
}

/// The request's `Idempotency-Key` claim, if the caller sent one.
pub(super) fn claim<'a>(ctx: &Context<'a>) -> Option<&'a Claim> {
    ctx.data_opt::<Arc<Claim>>().map(Arc::as_ref)
}

/// Declares a mutation's payload: the changed object in a field named after its type, and the
/// user errors.
macro_rules! payload {
    ($(#[$doc:meta])* $name:ident, $field:ident: $object:ty) => {
        $(#[$doc])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// The object as changed, or null if the change was refused.
            pub $field: Option<$object>,
            /// Why the change was refused; empty when it was made.
            pub user_errors: Vec<$crate::graphql::mutation::UserError>,
        }

        impl From<$crate::graphql::mutation::Parts<$object>> for $name {
            fn from(parts: $crate::graphql::mutation::Parts<$object>) -> Self {
                Self {
                    $field: parts.object,
                    user_errors: parts.error.into_iter().collect(),
                }
            }
        }
    };
}
pub(super) use payload;
