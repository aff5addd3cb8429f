//! Local authorities, ICBs and partnership memberships.

use crate::graphql::cost;
use async_graphql::{Context, ID, Object, Result, ResultExt, Union};
use entity::{
    enums::{LocalAuthorityType, NhsRegion, Region, SuccessionKind},
    integrated_care_board, local_authority, partnership_membership,
};

use super::{
    area::Area,
    by_id,
    scalars::{Date, date},
};
use crate::graphql::{
    context,
    id::{NodeType, encode},
    loaders::{AreaOfLocalAuthority, AreasServedBy, SuccessorsOf},
};

/// An upper-tier local authority in England.
pub struct LocalAuthority(pub local_authority::Model);

#[Object]
impl LocalAuthority {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::LocalAuthority, self.0.id)
    }

    /// The ONS (GSS) code, e.g. `E06000001`.
    async fn code(&self) -> &str {
        &self.0.ons_code
    }

    /// The ONS name, e.g. "Bristol, City of".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The ONS region.
    async fn region(&self) -> Region {
        self.0.region
    }

    /// County, unitary, metropolitan district, London borough or the City of London.
    #[graphql(name = "type")]
    async fn la_type(&self) -> LocalAuthorityType {
        self.0.la_type
    }

    /// The local area partnership of this authority's area.
    async fn area(&self, ctx: &Context<'_>) -> Result<Option<Area>> {
        let area = context::loader(ctx)?
            .load_one(AreaOfLocalAuthority(self.0.id))
            .await
            .extend()?;
        Ok(area.map(Area))
    }

    /// The day the council came into existence (null: before the records begin).
    async fn valid_from(&self) -> Option<Date> {
        date(self.0.valid_from)
    }

    /// The day the council ceased to exist; null while it exists.
    async fn valid_to(&self) -> Option<Date> {
        date(self.0.valid_to)
    }

    /// The councils that took over from it in a reorganisation.
    #[graphql(complexity = "cost::list(cost::MAX_SUCCESSORS, child_complexity)")]
    async fn successors(&self, ctx: &Context<'_>) -> Result<Vec<LocalAuthority>> {
        let ids = successors(ctx, SuccessionKind::LocalAuthority, self.0.id).await?;
        let mut councils = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(council) = by_id::<local_authority::Entity>(ctx, id).await? {
                councils.push(LocalAuthority(council));
            }
        }
        Ok(councils)
    }
}

/// An NHS integrated care board.
pub struct IntegratedCareBoard(pub integrated_care_board::Model);

#[Object]
impl IntegratedCareBoard {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::IntegratedCareBoard, self.0.id)
    }

    /// The ONS (GSS) code, e.g. `E54000050`.
    async fn code(&self) -> &str {
        &self.0.ons_code
    }

    /// The NHS ODS code, e.g. `QHM`.
    async fn ods_code(&self) -> &str {
        &self.0.ods_code
    }

    /// The board's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The NHS England region.
    async fn nhs_region(&self) -> NhsRegion {
        self.0.nhs_region
    }

    /// The day the board was established (null: by 1 July 2022, when ICBs began).
    async fn valid_from(&self) -> Option<Date> {
        date(self.0.valid_from)
    }

    /// The day the board was abolished; null while it exists.
    async fn valid_to(&self) -> Option<Date> {
        date(self.0.valid_to)
    }

    /// The boards that took over from it when it was abolished.
    #[graphql(complexity = "cost::list(cost::MAX_SUCCESSORS, child_complexity)")]
    async fn successors(&self, ctx: &Context<'_>) -> Result<Vec<IntegratedCareBoard>> {
        let ids = successors(ctx, SuccessionKind::IntegratedCareBoard, self.0.id).await?;
        let mut boards = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(board) = by_id::<integrated_care_board::Entity>(ctx, id).await? {
                boards.push(IntegratedCareBoard(board));
            }
        }
        Ok(boards)
    }

    /// The areas the board serves on a date, in area-code order.
    #[graphql(complexity = "cost::list(cost::MAX_AREAS_PER_ICB, child_complexity)")]
    async fn areas(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date; today if omitted.")] as_of: Option<Date>,
    ) -> Result<Vec<Area>> {
        let on = as_of.map_or(context::today(ctx)?, |date| date.0);
        let areas = context::loader(ctx)?
            .load_one(AreasServedBy(self.0.id, on))
            .await
            .extend()?;
        Ok(areas.unwrap_or_default().into_iter().map(Area).collect())
    }
}

/// A body that is a member of a local area partnership.
#[derive(Union)]
pub enum PartnershipMember {
    LocalAuthority(LocalAuthority),
    IntegratedCareBoard(IntegratedCareBoard),
}

/// One body's membership of an area's partnership over a period.
pub struct PartnershipMembership(pub partnership_membership::Model);

#[Object]
impl PartnershipMembership {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::PartnershipMembership, self.0.id)
    }

    /// The member: the local authority or an ICB.
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<PartnershipMember>> {
        let membership = &self.0;
        if let Some(la_id) = membership.local_authority_id {
            let la = by_id::<local_authority::Entity>(ctx, la_id).await?;
            return Ok(la.map(|la| PartnershipMember::LocalAuthority(LocalAuthority(la))));
        }
        let Some(icb_id) = membership.integrated_care_board_id else {
            return Ok(None);
        };
        let icb = by_id::<integrated_care_board::Entity>(ctx, icb_id).await?;
        Ok(icb.map(|icb| PartnershipMember::IntegratedCareBoard(IntegratedCareBoard(icb))))
    }

    /// For an ICB: whether it covers most of the area (some areas are split between ICBs).
    async fn is_primary(&self) -> bool {
        self.0.is_primary
    }

    /// The first day of the membership.
    async fn valid_from(&self) -> Date {
        Date(self.0.valid_from)
    }

    /// The day the membership ended (exclusive); null while it lasts.
    async fn valid_to(&self) -> Option<Date> {
        date(self.0.valid_to)
    }
}

/// The ids of the bodies that succeeded `id`.
async fn successors(ctx: &Context<'_>, kind: SuccessionKind, id: i32) -> Result<Vec<i32>> {
    let ids = context::loader(ctx)?
        .load_one(SuccessorsOf(kind, id))
        .await
        .extend()?;
    Ok(ids.unwrap_or_default())
}
