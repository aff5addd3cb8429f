//! Changes to the map: NHS England records ICB mergers and boundary changes, DfE records
//! council reorganisations, each ahead of its date if need be. History is never rewritten: a
//! change ends memberships on its date and starts new ones.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use entity::{
    area,
    enums::{LocalAuthorityType, SuccessionKind},
    icb_code_alias, integrated_care_board, local_authority, partnership_membership, succession,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, Set,
};
use serde_json::{Value as Json, json};

use crate::{
    domain::{
        codes::{IcbCode, LocalAuthorityCode},
        map::{self, IcbChange, IcbMembership},
        rejection::{self, Rejection},
    },
    policy::{Action, Viewer},
    service::{
        change::{Change, ChangeError, Changes, Event, ObjectKind, Recorded, date, enum_value},
        idempotency::Claim,
        reference::{icb_code_condition, in_force},
    },
};

impl Recorded for integrated_care_board::Model {
    fn fields(&self) -> Vec<(&'static str, Json)> {
        vec![
            ("code", json!(self.ons_code)),
            ("odsCode", json!(self.ods_code)),
            ("name", json!(self.name)),
            ("nhsRegion", enum_value(self.nhs_region)),
            ("validFrom", date(self.valid_from)),
            ("validTo", date(self.valid_to)),
        ]
    }
}

impl Recorded for local_authority::Model {
    fn fields(&self) -> Vec<(&'static str, Json)> {
        vec![
            ("code", json!(self.ons_code)),
            ("name", json!(self.name)),
            ("region", enum_value(self.region)),
            ("type", enum_value(self.la_type)),
            ("validFrom", date(self.valid_from)),
            ("validTo", date(self.valid_to)),
        ]
    }
}

/// The ICB a change concerns, as NHS England names it.
#[derive(Debug, Clone)]
pub struct IcbIdentity {
    pub code: String,
    pub ods_code: String,
    pub name: String,
}

/// An ICB change as `recordIcbChange` gives it.
#[derive(Debug, Clone)]
pub struct IcbChangeInput {
    pub effective_on: NaiveDate,
    pub icb: IcbIdentity,
    pub closes: Vec<String>,
    pub areas: Vec<(String, bool)>,
}

async fn find_icb(
    change: &Change<'_>,
    field: &str,
    code: &str,
) -> Result<Option<integrated_care_board::Model>, ChangeError> {
    let code =
        IcbCode::parse(code).map_err(|error| Rejection::invalid(field, error.to_string()))?;
    Ok(integrated_care_board::Entity::find()
        .filter(icb_code_condition(&code))
        .one(change.connection())
        .await?)
}

pub async fn record_icb_change(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    input: IcbChangeInput,
) -> Result<integrated_care_board::Model, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    change.authorize(Action::ManageIntegratedCareBoards, None)?;
    let on = input.effective_on;
    let name = rejection::text("input.icb.name", &input.icb.name)?;
    let (Ok(IcbCode::Ons(ons_code)), Ok(IcbCode::Ods(ods_code))) = (
        IcbCode::parse(&input.icb.code),
        IcbCode::parse(&input.icb.ods_code),
    ) else {
        return Err(Rejection::invalid(
            "input.icb",
            "give the ICB's ONS code (E54…) as code and its ODS code (Q…) as odsCode",
        )
        .into());
    };
    let mut closed = Vec::new();
    for (index, code) in input.closes.iter().enumerate() {
        let field = format!("input.closes.{index}");
        let icb = find_icb(&change, &field, code)
            .await?
            .ok_or_else(|| Rejection::invalid(&field, "no ICB has this code"))?;
        if !map::in_existence(icb.valid_from, icb.valid_to, on) || icb.valid_to.is_some() {
            return Err(Rejection::transition(format!(
                "{} does not exist on {on}, or its closing is already recorded",
                icb.name
            ))
            .into());
        }
        closed.push(icb);
    }
    let mut areas = Vec::new();
    for (index, (code, is_primary)) in input.areas.iter().enumerate() {
        let field = format!("input.areas.{index}.areaCode");
        let area = change.area(&field, code).await?;
        let council = council_of(&change, area).await?;
        if !map::in_existence(council.valid_from, council.valid_to, on) {
            return Err(Rejection::transition(format!(
                "{} does not exist on {on}, so no ICB serves it then",
                council.name
            ))
            .into());
        }
        areas.push((area, *is_primary));
    }
    let by_ons = find_icb(&change, "input.icb.code", ons_code.as_str()).await?;
    let by_ods = find_icb(&change, "input.icb.odsCode", ods_code.as_str()).await?;
    let existing = match (by_ons, by_ods) {
        (Some(a), Some(b)) if a.id != b.id => {
            return Err(Rejection::invalid(
                "input.icb",
                "these codes belong to two different ICBs",
            )
            .into());
        }
        (Some(found), _) | (None, Some(found)) => Some(found),
        (None, None) => None,
    };
    let before = existing.clone();
    let icb = match existing {
        Some(icb) => {
            if icb.ods_code != ods_code.as_str() {
                return Err(Rejection::invalid(
                    "input.icb.odsCode",
                    "this ONS code belongs to an ICB with another ODS code",
                )
                .into());
            }
            // The board's ODS code with a new ONS code: ONS has reissued its code. The old
            // one stays an alias, so every lookup by it still finds the board.
            let recoded = icb.ons_code != ons_code.as_str();
            if recoded {
                icb_code_alias::ActiveModel {
                    code: Set(icb.ons_code.clone()),
                    integrated_care_board_id: Set(icb.id),
                    ..Default::default()
                }
                .insert(change.connection())
                .await?;
            }
            if !map::in_existence(icb.valid_from, icb.valid_to, on) {
                return Err(
                    Rejection::transition(format!("{} does not exist on {on}", icb.name)).into(),
                );
            }
            let mut row = icb.into_active_model();
            row.name = Set(name);
            row.ons_code = Set(ons_code.as_str().to_owned());
            row.update(change.connection()).await?
        }
        None => {
            // A new board takes the NHS region of the boards it replaces, or of the boards
            // serving its areas today.
            let region = match closed.first() {
                Some(predecessor) => Some(predecessor.nhs_region),
                None => region_of_areas(&change, &areas, on).await?,
            };
            let region = region.ok_or_else(|| {
                Rejection::invalid("input.areas", "name at least one area the new ICB serves")
            })?;
            integrated_care_board::ActiveModel {
                ons_code: Set(ons_code.as_str().to_owned()),
                ods_code: Set(ods_code.as_str().to_owned()),
                name: Set(name),
                nhs_region: Set(region),
                valid_from: Set(Some(on)),
                ..Default::default()
            }
            .insert(change.connection())
            .await?
        }
    };
    if icb.valid_to.is_some() {
        return Err(Rejection::transition(format!(
            "{} already has its closing recorded: record changes in date order",
            icb.name
        ))
        .into());
    }
    let closes: Vec<i32> = closed.iter().map(|icb| icb.id).collect();
    let mut involved: Vec<i32> = closes.clone();
    involved.push(icb.id);
    let area_ids: Vec<i32> = areas.iter().map(|(area, _)| *area).collect();
    let memberships = partnership_membership::Entity::find()
        .filter(partnership_membership::Column::IntegratedCareBoardId.is_not_null())
        .filter(in_force(on))
        .filter(
            Condition::any()
                .add(partnership_membership::Column::AreaId.is_in(area_ids.clone()))
                .add(partnership_membership::Column::IntegratedCareBoardId.is_in(involved.clone())),
        )
        .all(change.connection())
        .await?;
    // Every ICB membership of the areas concerned, so the invariant is checked on each area
    // as a whole.
    let concerned: BTreeSet<i32> = memberships
        .iter()
        .map(|m| m.area_id)
        .chain(area_ids)
        .collect();
    let in_force_rows = partnership_membership::Entity::find()
        .filter(partnership_membership::Column::IntegratedCareBoardId.is_not_null())
        .filter(in_force(on))
        .filter(partnership_membership::Column::AreaId.is_in(concerned.iter().copied()))
        .all(change.connection())
        .await?;
    let later = areas_changed_after(&change, concerned.iter().copied(), on, true).await?;
    let current: Vec<IcbMembership> = in_force_rows
        .iter()
        .filter_map(|row| {
            Some(IcbMembership {
                id: row.id,
                area: row.area_id,
                icb: row.integrated_care_board_id?,
                is_primary: row.is_primary,
                valid_from: row.valid_from,
            })
        })
        .collect();
    let plan = map::plan_icb_change(
        &current,
        &IcbChange {
            effective_on: on,
            icb: icb.id,
            closes: closes.clone(),
            areas,
        },
        |area| later.contains(&area),
    )?;
    if !plan.end.is_empty() {
        partnership_membership::Entity::update_many()
            .col_expr(partnership_membership::Column::ValidTo, Some(on).into())
            .filter(partnership_membership::Column::Id.is_in(plan.end.clone()))
            .exec(change.connection())
            .await?;
    }
    if !plan.delete.is_empty() {
        partnership_membership::Entity::delete_many()
            .filter(partnership_membership::Column::Id.is_in(plan.delete.clone()))
            .exec(change.connection())
            .await?;
    }
    for (area_id, icb_id, is_primary) in &plan.start {
        partnership_membership::ActiveModel {
            area_id: Set(*area_id),
            integrated_care_board_id: Set(Some(*icb_id)),
            is_primary: Set(*is_primary),
            valid_from: Set(on),
            ..Default::default()
        }
        .insert(change.connection())
        .await?;
    }
    for predecessor in &closed {
        let mut row = predecessor.clone().into_active_model();
        row.valid_to = Set(Some(on));
        row.update(change.connection()).await?;
        succession::ActiveModel {
            kind: Set(SuccessionKind::IntegratedCareBoard),
            predecessor_id: Set(predecessor.id),
            successor_id: Set(icb.id),
            effective_on: Set(on),
            ..Default::default()
        }
        .insert(change.connection())
        .await?;
    }
    let served: Vec<Json> = plan
        .start
        .iter()
        .filter(|(_, icb_id, _)| *icb_id == icb.id)
        .map(|(area, _, is_primary)| json!({ "area": area, "isPrimary": is_primary }))
        .collect();
    let closed_codes: Vec<Json> = closed.iter().map(|icb| json!(icb.ons_code)).collect();
    let event = Event {
        operation: "recordIcbChange",
        kind: ObjectKind::IntegratedCareBoard,
        row_id: icb.id,
        area_id: None,
        summary: format!(
            "Recorded {} serving {} areas from {on}",
            icb.name,
            served.len()
        ),
        changes: Changes::between(before.as_ref(), &icb)
            .with("closes", Json::Null, Json::Array(closed_codes))
            .with("areas", Json::Null, Json::Array(served)),
    };
    change.commit(event).await?;
    Ok(icb)
}

/// The council whose area this is.
async fn council_of(
    change: &Change<'_>,
    area_id: i32,
) -> Result<local_authority::Model, ChangeError> {
    let area = area::Entity::find_by_id(area_id)
        .one(change.connection())
        .await?
        .ok_or(ChangeError::Failed(crate::error::AppError::Internal))?;
    local_authority::Entity::find_by_id(area.local_authority_id)
        .one(change.connection())
        .await?
        .ok_or(ChangeError::Failed(crate::error::AppError::Internal))
}

/// The areas among `areas` with a membership (an ICB's only, if `icbs_only`) that begins after
/// `on` or already ends after it: a later change is recorded for them, and changes to an area
/// are recorded in date order so that none is rewritten.
async fn areas_changed_after(
    change: &Change<'_>,
    areas: impl IntoIterator<Item = i32>,
    on: NaiveDate,
    icbs_only: bool,
) -> Result<BTreeSet<i32>, ChangeError> {
    let mut query = partnership_membership::Entity::find()
        .select_only()
        .column(partnership_membership::Column::AreaId)
        .filter(partnership_membership::Column::AreaId.is_in(areas))
        .filter(
            Condition::any()
                .add(partnership_membership::Column::ValidFrom.gt(on))
                .add(partnership_membership::Column::ValidTo.gt(on)),
        );
    if icbs_only {
        query = query.filter(partnership_membership::Column::IntegratedCareBoardId.is_not_null());
    }
    Ok(query
        .into_tuple::<i32>()
        .all(change.connection())
        .await?
        .into_iter()
        .collect())
}

/// The NHS region of the ICBs serving the first of `areas` on `on`.
async fn region_of_areas(
    change: &Change<'_>,
    areas: &[(i32, bool)],
    on: NaiveDate,
) -> Result<Option<entity::enums::NhsRegion>, ChangeError> {
    let Some((area, _)) = areas.first() else {
        return Ok(None);
    };
    let serving = partnership_membership::Entity::find()
        .filter(partnership_membership::Column::AreaId.eq(*area))
        .filter(in_force(on))
        .find_also_related(integrated_care_board::Entity)
        .all(change.connection())
        .await?;
    Ok(serving
        .into_iter()
        .find_map(|(_, icb)| icb.map(|icb| icb.nhs_region)))
}

/// A council that takes over on the date.
#[derive(Debug, Clone)]
pub struct Successor {
    pub code: String,
    pub name: String,
    pub la_type: LocalAuthorityType,
}

/// Records a council reorganisation: the predecessors cease on the date, and each successor
/// begins with an area of its own, served by the ICBs that served its predecessors.
pub async fn record_local_authority_change(
    db: &DatabaseConnection,
    viewer: &Viewer,
    claim: Option<&Claim>,
    effective_on: NaiveDate,
    predecessors: &[String],
    successors: &[Successor],
) -> Result<Vec<local_authority::Model>, ChangeError> {
    let change = Change::begin(db, viewer, claim).await?;
    change.authorize(Action::ManageLocalAuthorities, None)?;
    rejection::plausible_date("input.effectiveOn", effective_on)?;
    if predecessors.is_empty() || successors.is_empty() {
        return Err(Rejection::invalid(
            "input",
            "a reorganisation has at least one predecessor and one successor",
        )
        .into());
    }
    let mut old = Vec::new();
    for (index, code) in predecessors.iter().enumerate() {
        let field = format!("input.predecessors.{index}");
        let code = LocalAuthorityCode::parse(code)
            .map_err(|error| Rejection::invalid(&field, error.to_string()))?;
        let council = local_authority::Entity::find()
            .filter(local_authority::Column::OnsCode.eq(code.canonical()))
            .one(change.connection())
            .await?
            .ok_or_else(|| Rejection::invalid(&field, "no council has this code"))?;
        if !map::in_existence(council.valid_from, council.valid_to, effective_on)
            || council.valid_to.is_some()
        {
            return Err(Rejection::transition(format!(
                "{} does not exist on {effective_on}, or its end is already recorded",
                council.name
            ))
            .into());
        }
        let area = area::Entity::find()
            .filter(area::Column::LocalAuthorityId.eq(council.id))
            .one(change.connection())
            .await?
            .ok_or_else(|| Rejection::invalid(&field, "this council has no area"))?;
        old.push((council, area));
    }
    let old_area_ids: Vec<i32> = old.iter().map(|(_, area)| area.id).collect();
    if !areas_changed_after(&change, old_area_ids.iter().copied(), effective_on, false)
        .await?
        .is_empty()
    {
        return Err(Rejection::transition(
            "a later change to these councils' partnerships is already recorded: record changes in date order",
        )
        .into());
    }
    let region = old[0].0.region;
    // The successors' areas are served by the ICBs serving the predecessors' areas, the first
    // predecessor's primary ICB first; NHS England can then record any boundary change.
    let old_memberships = partnership_membership::Entity::find()
        .filter(partnership_membership::Column::AreaId.is_in(old_area_ids.clone()))
        .filter(in_force(effective_on))
        .all(change.connection())
        .await?;
    let first_primary = old_memberships
        .iter()
        .find(|m| {
            m.area_id == old_area_ids[0] && m.is_primary && m.integrated_care_board_id.is_some()
        })
        .and_then(|m| m.integrated_care_board_id);
    let icbs: BTreeSet<i32> = old_memberships
        .iter()
        .filter_map(|m| m.integrated_care_board_id)
        .collect();
    let mut created = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, successor) in successors.iter().enumerate() {
        let field = format!("input.successors.{index}");
        let code = LocalAuthorityCode::parse(&successor.code)
            .map_err(|error| Rejection::invalid(&format!("{field}.code"), error.to_string()))?;
        let name = rejection::text(&format!("{field}.name"), &successor.name)?;
        if !seen.insert(code.canonical().to_owned()) {
            return Err(Rejection::invalid(&format!("{field}.code"), "listed twice").into());
        }
        let taken = local_authority::Entity::find()
            .filter(local_authority::Column::OnsCode.eq(code.canonical()))
            .one(change.connection())
            .await?;
        if taken.is_some() {
            return Err(Rejection::invalid(
                &format!("{field}.code"),
                "a council already has this code",
            )
            .into());
        }
        let council = local_authority::ActiveModel {
            ons_code: Set(code.canonical().to_owned()),
            name: Set(name),
            region: Set(region),
            la_type: Set(successor.la_type),
            valid_from: Set(Some(effective_on)),
            ..Default::default()
        }
        .insert(change.connection())
        .await?;
        let area = area::ActiveModel {
            local_authority_id: Set(council.id),
            ..Default::default()
        }
        .insert(change.connection())
        .await?;
        partnership_membership::ActiveModel {
            area_id: Set(area.id),
            local_authority_id: Set(Some(council.id)),
            is_primary: Set(true),
            valid_from: Set(effective_on),
            ..Default::default()
        }
        .insert(change.connection())
        .await?;
        for icb in &icbs {
            partnership_membership::ActiveModel {
                area_id: Set(area.id),
                integrated_care_board_id: Set(Some(*icb)),
                is_primary: Set(Some(*icb) == first_primary),
                valid_from: Set(effective_on),
                ..Default::default()
            }
            .insert(change.connection())
            .await?;
        }
        for (predecessor, _) in &old {
            succession::ActiveModel {
                kind: Set(SuccessionKind::LocalAuthority),
                predecessor_id: Set(predecessor.id),
                successor_id: Set(council.id),
                effective_on: Set(effective_on),
                ..Default::default()
            }
            .insert(change.connection())
            .await?;
        }
        created.push(council);
    }
    partnership_membership::Entity::update_many()
        .col_expr(
            partnership_membership::Column::ValidTo,
            Some(effective_on).into(),
        )
        .filter(partnership_membership::Column::Id.is_in(old_memberships.iter().map(|m| m.id)))
        .exec(change.connection())
        .await?;
    for (council, _) in &old {
        let mut row = council.clone().into_active_model();
        row.valid_to = Set(Some(effective_on));
        row.update(change.connection()).await?;
    }
    let first = created.first().map_or(0, |council| council.id);
    let event = Event {
        operation: "recordLocalAuthorityChange",
        kind: ObjectKind::LocalAuthority,
        row_id: first,
        area_id: None,
        summary: format!(
            "Recorded {} succeeded by {} from {effective_on}",
            old.iter()
                .map(|(council, _)| council.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            created
                .iter()
                .map(|council| council.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        changes: Changes::default()
            .with(
                "predecessors",
                Json::Null,
                json!(
                    old.iter()
                        .map(|(council, _)| council.ons_code.clone())
                        .collect::<Vec<_>>()
                ),
            )
            .with(
                "successors",
                Json::Null,
                json!(
                    created
                        .iter()
                        .map(|council| council.ons_code.clone())
                        .collect::<Vec<_>>()
                ),
            ),
    };
    change.commit(event).await?;
    Ok(created)
}
