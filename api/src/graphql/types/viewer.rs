//! `Viewer`: who is calling, as the API sees them.

use crate::graphql::cost;
use async_graphql::{Context, Enum, Object, Result, ResultExt};

use super::area::Area;
use crate::{
    domain::codes::LocalAuthorityCode,
    graphql::{context, loaders::AreaById},
    policy::{Caller, Role},
};

/// The signed-in caller.
pub struct Viewer(pub Caller);

/// What kind of body a local partner organisation is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OrganisationKind {
    /// A local authority.
    LocalAuthority,
    /// An integrated care board.
    IntegratedCareBoard,
}

/// A local partner's organisation and the areas it belongs to.
pub struct Organisation {
    code: String,
    area_ids: Vec<i32>,
}

#[Object]
impl Viewer {
    /// The token's subject.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The caller's role.
    async fn role(&self) -> Role {
        self.0.role
    }

    /// The token's scopes: `read`, and `write` if it may make changes.
    async fn scopes(&self) -> Vec<&'static str> {
        if self.0.can_write {
            vec!["read", "write"]
        } else {
            vec!["read"]
        }
    }

    /// A local partner's organisation; null for other roles.
    async fn organisation(&self) -> Option<Organisation> {
        let code = self.0.organisation.clone()?;
        Some(Organisation {
            code,
            area_ids: self.0.area_ids.clone(),
        })
    }
}

#[Object]
impl Organisation {
    /// The ONS code of the local authority or ICB.
    async fn code(&self) -> &str {
        &self.code
    }

    /// A local authority or an ICB.
    async fn kind(&self) -> OrganisationKind {
        if LocalAuthorityCode::parse(&self.code).is_ok() {
            OrganisationKind::LocalAuthority
        } else {
            OrganisationKind::IntegratedCareBoard
        }
    }

    /// The areas it belongs to: its local authority's area, or every area its ICB serves.
    #[graphql(complexity = "cost::list(cost::MAX_AREAS_PER_ICB, child_complexity)")]
    async fn areas(&self, ctx: &Context<'_>) -> Result<Vec<Area>> {
        let areas = context::loader(ctx)?
            .load_many(self.area_ids.iter().map(|id| AreaById(*id)))
            .await
            .extend()?;
        let mut areas: Vec<Area> = areas.into_values().map(Area).collect();
        areas.sort_by(|a, b| {
            a.0.local_authority
                .ons_code
                .cmp(&b.0.local_authority.ons_code)
        });
        Ok(areas)
    }
}
