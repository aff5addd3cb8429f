//! Changes to the map: NHS England's ICB changes and DfE's council reorganisations.

use async_graphql::{Context, ErrorExtensions, InputObject, Object, Result, SimpleObject};
use entity::{enums::LocalAuthorityType, integrated_care_board};

use super::{UserError, answer, claim, payload};
use crate::{
    graphql::{
        context, cost,
        types::{
            reference::{IntegratedCareBoard, LocalAuthority},
            scalars::Date,
        },
    },
    service::{
        change::ChangeError,
        write::map::{self as write, IcbChangeInput, IcbIdentity, Successor},
    },
};

#[derive(Default)]
pub struct MapMutations;

/// An ICB, new or existing.
#[derive(InputObject)]
pub struct IcbInput {
    /// Its ONS code (`E54…`).
    pub code: String,
    /// Its NHS ODS code.
    pub ods_code: String,
    pub name: String,
}

/// An area an ICB serves from the date.
#[derive(InputObject)]
pub struct ServedAreaInput {
    pub area_code: String,
    /// Whether the ICB covers most of the area (each area has exactly one primary ICB).
    pub is_primary: bool,
}

#[derive(InputObject)]
pub struct RecordIcbChangeInput {
    /// The first day of the change; it may be ahead.
    pub effective_on: Date,
    pub icb: IcbInput,
    /// ICBs (ONS or ODS codes) abolished on the date.
    #[graphql(default)]
    pub closes: Vec<String>,
    /// Every area the ICB serves from the date.
    pub areas: Vec<ServedAreaInput>,
}

/// A council that takes over on the date.
#[derive(InputObject)]
pub struct SuccessorInput {
    /// Its ONS code.
    pub code: String,
    pub name: String,
    #[graphql(name = "type")]
    pub la_type: LocalAuthorityType,
}

#[derive(InputObject)]
pub struct RecordLocalAuthorityChangeInput {
    /// The first day of the new councils (vesting day); it may be ahead.
    pub effective_on: Date,
    /// The ONS codes of the councils that cease.
    pub predecessors: Vec<String>,
    pub successors: Vec<SuccessorInput>,
}

payload!(
    /// The result of `recordIcbChange`.
    RecordIcbChangePayload, integrated_care_board: IntegratedCareBoard
);

/// The result of `recordLocalAuthorityChange`.
#[derive(SimpleObject)]
pub struct RecordLocalAuthorityChangePayload {
    /// The successor councils, each with its new area; null if the change was refused.
    pub local_authorities: Option<Vec<LocalAuthority>>,
    /// Why the change was refused; empty when it was made.
    pub user_errors: Vec<UserError>,
}

#[Object]
impl MapMutations {
    /// Records an ICB's areas from a date: a new board (a merger, naming the boards it
    /// `closes`) or a boundary change of an existing one (NHS England).
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn record_icb_change(
        &self,
        ctx: &Context<'_>,
        input: RecordIcbChangeInput,
    ) -> Result<RecordIcbChangePayload> {
        let change = IcbChangeInput {
            effective_on: input.effective_on.0,
            icb: IcbIdentity {
                code: input.icb.code,
                ods_code: input.icb.ods_code,
                name: input.icb.name,
            },
            closes: input.closes,
            areas: input
                .areas
                .into_iter()
                .map(|area| (area.area_code, area.is_primary))
                .collect(),
        };
        let viewer = context::viewer(ctx)?;
        let result = write::record_icb_change(context::db(ctx)?, viewer, claim(ctx), change).await;
        let parts =
            answer::<integrated_care_board::Entity, _>(ctx, result, |m| m.id, IntegratedCareBoard)
                .await?;
        Ok(parts.into())
    }

    /// Records a council reorganisation from a date (DfE): the predecessors cease, each
    /// successor begins with an area of its own.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn record_local_authority_change(
        &self,
        ctx: &Context<'_>,
        input: RecordLocalAuthorityChangeInput,
    ) -> Result<RecordLocalAuthorityChangePayload> {
        let successors: Vec<Successor> = input
            .successors
            .into_iter()
            .map(|successor| Successor {
                code: successor.code,
                name: successor.name,
                la_type: successor.la_type,
            })
            .collect();
        let viewer = context::viewer(ctx)?;
        let result = write::record_local_authority_change(
            context::db(ctx)?,
            viewer,
            claim(ctx),
            input.effective_on.0,
            &input.predecessors,
            &successors,
        )
        .await;
        context::loader(ctx)?.enable_all_cache(false);
        match result {
            Ok(councils) => Ok(RecordLocalAuthorityChangePayload {
                local_authorities: Some(councils.into_iter().map(LocalAuthority).collect()),
                user_errors: Vec::new(),
            }),
            Err(ChangeError::Rejected(rejection)) => Ok(RecordLocalAuthorityChangePayload {
                local_authorities: None,
                user_errors: vec![rejection.into()],
            }),
            Err(ChangeError::Failed(error)) => Err(error.extend()),
        }
    }
}
