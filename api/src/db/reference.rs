//! The real reference data, compiled into the binary from `api/data/` (see its SOURCES.md):
//! every upper-tier local authority, every ICB, one area per local authority, and each area's
//! partnership with its LA and the ICBs that serve it.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{
    area,
    enums::{LocalAuthorityType, NhsRegion, Region, SuccessionKind},
    icb_code_alias, integrated_care_board, local_authority, partnership_membership, succession,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, TransactionTrait,
};
use serde::Deserialize;

use crate::domain::map::ICBS_ESTABLISHED;

const LOCAL_AUTHORITIES: &str = include_str!("../../data/local_authorities.csv");
const ICBS: &str = include_str!("../../data/icbs.csv");
const LA_ICB_LOOKUP: &str = include_str!("../../data/la_icb_lookup.csv");
const LA_CODE_CHANGES: &str = include_str!("../../data/la_code_changes.csv");

/// Part 3 of the Children and Families Act 2014, which made SEND a duty of the local area,
/// came into force on 1 September 2014: the start of every partnership we have no later date for.
const SEND_REFORMS_IN_FORCE: NaiveDate = crate::domain::date(2014, 9, 1);

#[derive(Deserialize)]
struct LocalAuthorityRow {
    ons_code: String,
    name: String,
    region: String,
    la_type: String,
}

#[derive(Deserialize)]
struct IcbRow {
    ons_code: String,
    ods_code: String,
    name: String,
    region: String,
}

#[derive(Deserialize)]
struct LookupRow {
    la_ons_code: String,
    icb_ons_code: String,
    is_main: bool,
}

#[derive(Deserialize)]
struct CodeChangeRow {
    old_code: String,
    old_name: String,
    new_code: String,
    effective_date: NaiveDate,
    change_type: String,
}

/// Loads everything in one transaction if no local authority exists yet; returns whether it did.
pub async fn load_if_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    if local_authority::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let txn = db.begin().await?;

    let authorities: Vec<LocalAuthorityRow> = parse(LOCAL_AUTHORITIES)?;
    let new_authorities = authorities
        .iter()
        .map(|row| {
            Ok(local_authority::ActiveModel {
                id: NotSet,
                ons_code: Set(row.ons_code.clone()),
                name: Set(row.name.clone()),
                region: Set(region(&row.region)?),
                la_type: Set(la_type(&row.la_type)?),
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    local_authority::Entity::insert_many(new_authorities)
        .exec(&txn)
        .await?;
    let la_ids: HashMap<String, i32> = local_authority::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|la| (la.ons_code, la.id))
        .collect();

    let icbs: Vec<IcbRow> = parse(ICBS)?;
    let new_icbs = icbs
        .iter()
        .map(|row| {
            Ok(integrated_care_board::ActiveModel {
                id: NotSet,
                ons_code: Set(row.ons_code.clone()),
                ods_code: Set(row.ods_code.clone()),
                name: Set(row.name.clone()),
                nhs_region: Set(nhs_region(&row.region)?),
                valid_from: Set(Some(ICBS_ESTABLISHED)),
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    integrated_care_board::Entity::insert_many(new_icbs)
        .exec(&txn)
        .await?;
    let icb_ids: HashMap<String, i32> = integrated_care_board::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|icb| (icb.ons_code, icb.id))
        .collect();

    let new_areas = authorities.iter().map(|row| area::ActiveModel {
        id: NotSet,
        local_authority_id: Set(la_ids[&row.ons_code]),
    });
    area::Entity::insert_many(new_areas).exec(&txn).await?;
    let area_ids: HashMap<i32, i32> = area::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|area| (area.local_authority_id, area.id))
        .collect();

    // Councils created by a reorganisation joined their partnership on the day they began. (A
    // recode is the same council under a new code: not a reorganisation.)
    let reorganisations: Vec<CodeChangeRow> = parse::<CodeChangeRow>(LA_CODE_CHANGES)?
        .into_iter()
        .filter(|change| change.change_type != "recode")
        .collect();
    let created_on: HashMap<String, NaiveDate> = reorganisations
        .iter()
        .map(|change| (change.new_code.clone(), change.effective_date))
        .collect();
    let start_of = |la_code: &str| {
        created_on
            .get(la_code)
            .copied()
            .unwrap_or(SEND_REFORMS_IN_FORCE)
    };

    let la_members = authorities.iter().map(|row| {
        let la_id = la_ids[&row.ons_code];
        membership(
            area_ids[&la_id],
            Some(la_id),
            None,
            true,
            start_of(&row.ons_code),
        )
    });
    let lookup: Vec<LookupRow> = parse(LA_ICB_LOOKUP)?;
    let icb_members = lookup
        .iter()
        .map(|row| {
            let la_id = *la_ids.get(&row.la_ons_code).ok_or_else(|| {
                DbErr::Custom(format!("lookup names unknown LA {}", row.la_ons_code))
            })?;
            let icb_id = *icb_ids.get(&row.icb_ons_code).ok_or_else(|| {
                DbErr::Custom(format!("lookup names unknown ICB {}", row.icb_ons_code))
            })?;
            let from = start_of(&row.la_ons_code).max(ICBS_ESTABLISHED);
            Ok(membership(
                area_ids[&la_id],
                None,
                Some(icb_id),
                row.is_main,
                from,
            ))
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    partnership_membership::Entity::insert_many(la_members.chain(icb_members))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// Records the councils' lineage once, including in a database loaded before it was kept: when
/// each reorganised council began, and the councils it succeeded. Returns whether it did.
pub async fn record_lineage_if_absent(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let recorded = succession::Entity::find()
        .filter(succession::Column::Kind.eq(SuccessionKind::LocalAuthority))
        .count(db)
        .await?;
    if recorded > 0 {
        return Ok(false);
    }
    let txn = db.begin().await?;
    let reorganisations: Vec<CodeChangeRow> = parse::<CodeChangeRow>(LA_CODE_CHANGES)?
        .into_iter()
        .filter(|change| change.change_type != "recode")
        .collect();
    let la_ids: HashMap<String, i32> = local_authority::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|la| (la.ons_code, la.id))
        .collect();
    // Boards by every ONS code they have had, so the 2024 lookup still finds a recoded one.
    let mut icb_ids: HashMap<String, i32> = integrated_care_board::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|icb| (icb.ons_code, icb.id))
        .collect();
    for alias in icb_code_alias::Entity::find().all(&txn).await? {
        icb_ids.insert(alias.code, alias.integrated_care_board_id);
    }
    for change in &reorganisations {
        let id = *la_ids
            .get(&change.new_code)
            .ok_or_else(|| unknown("successor council", &change.new_code))?;
        local_authority::Entity::update_many()
            .col_expr(
                local_authority::Column::ValidFrom,
                Some(change.effective_date).into(),
            )
            .filter(local_authority::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    let lookup: Vec<LookupRow> = parse(LA_ICB_LOOKUP)?;
    load_predecessors(&txn, &reorganisations, &la_ids, &lookup, &icb_ids).await?;
    txn.commit().await?;
    Ok(true)
}

/// The councils that reorganisations abolished, each with an area of its own that keeps its
/// history (its 2016-framework inspections), and links to the councils that succeeded it. An
/// ICB served it, like its successors, from 1 July 2022 until its last day.
async fn load_predecessors(
    txn: &impl ConnectionTrait,
    reorganisations: &[CodeChangeRow],
    la_ids: &HashMap<String, i32>,
    lookup: &[LookupRow],
    icb_ids: &HashMap<String, i32>,
) -> Result<(), DbErr> {
    let mut predecessors: HashMap<&str, i32> = HashMap::new();
    for change in reorganisations {
        let successor = *la_ids
            .get(&change.new_code)
            .ok_or_else(|| unknown("successor council", &change.new_code))?;
        let predecessor = match predecessors.get(change.old_code.as_str()) {
            Some(id) => *id,
            None => {
                let successor_row = local_authority::Entity::find_by_id(successor)
                    .one(txn)
                    .await?
                    .ok_or_else(|| unknown("successor council", &change.new_code))?;
                let council = local_authority::ActiveModel {
                    ons_code: Set(change.old_code.clone()),
                    name: Set(change.old_name.clone()),
                    region: Set(successor_row.region),
                    la_type: Set(if change.old_code.starts_with("E10") {
                        LocalAuthorityType::County
                    } else {
                        LocalAuthorityType::Unitary
                    }),
                    valid_to: Set(Some(change.effective_date)),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                let area = area::ActiveModel {
                    local_authority_id: Set(council.id),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                let mut member =
                    membership(area.id, Some(council.id), None, true, SEND_REFORMS_IN_FORCE);
                member.valid_to = Set(Some(change.effective_date));
                member.insert(txn).await?;
                if change.effective_date > ICBS_ESTABLISHED {
                    for row in lookup
                        .iter()
                        .filter(|row| row.la_ons_code == change.new_code)
                    {
                        let icb = *icb_ids
                            .get(&row.icb_ons_code)
                            .ok_or_else(|| unknown("ICB", &row.icb_ons_code))?;
                        let mut member =
                            membership(area.id, None, Some(icb), row.is_main, ICBS_ESTABLISHED);
                        member.valid_to = Set(Some(change.effective_date));
                        member.insert(txn).await?;
                    }
                }
                predecessors.insert(change.old_code.as_str(), council.id);
                council.id
            }
        };
        succession::ActiveModel {
            kind: Set(SuccessionKind::LocalAuthority),
            predecessor_id: Set(predecessor),
            successor_id: Set(successor),
            effective_on: Set(change.effective_date),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

fn membership(
    area_id: i32,
    local_authority_id: Option<i32>,
    integrated_care_board_id: Option<i32>,
    is_primary: bool,
    valid_from: NaiveDate,
) -> partnership_membership::ActiveModel {
    partnership_membership::ActiveModel {
        id: NotSet,
        area_id: Set(area_id),
        local_authority_id: Set(local_authority_id),
        integrated_care_board_id: Set(integrated_care_board_id),
        is_primary: Set(is_primary),
        valid_from: Set(valid_from),
        valid_to: Set(None),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(csv_text: &str) -> Result<Vec<T>, DbErr> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|error| DbErr::Custom(format!("reference data: {error}")))
}

fn unknown(what: &str, value: &str) -> DbErr {
    DbErr::Custom(format!("reference data: unknown {what} `{value}`"))
}

fn region(name: &str) -> Result<Region, DbErr> {
    Ok(match name {
        "North East" => Region::NorthEast,
        "North West" => Region::NorthWest,
        "Yorkshire and The Humber" => Region::YorkshireAndTheHumber,
        "East Midlands" => Region::EastMidlands,
        "West Midlands" => Region::WestMidlands,
        "East of England" => Region::EastOfEngland,
        "London" => Region::London,
        "South East" => Region::SouthEast,
        "South West" => Region::SouthWest,
        other => return Err(unknown("region", other)),
    })
}

fn nhs_region(name: &str) -> Result<NhsRegion, DbErr> {
    Ok(match name {
        "London" => NhsRegion::London,
        "South East" => NhsRegion::SouthEast,
        "South West" => NhsRegion::SouthWest,
        "East of England" => NhsRegion::EastOfEngland,
        "Midlands" => NhsRegion::Midlands,
        "North East and Yorkshire" => NhsRegion::NorthEastAndYorkshire,
        "North West" => NhsRegion::NorthWest,
        other => return Err(unknown("NHS region", other)),
    })
}

fn la_type(name: &str) -> Result<LocalAuthorityType, DbErr> {
    Ok(match name {
        "county" => LocalAuthorityType::County,
        "unitary" => LocalAuthorityType::Unitary,
        "metropolitan district" => LocalAuthorityType::MetropolitanDistrict,
        "London borough" => LocalAuthorityType::LondonBorough,
        "city corporation" => LocalAuthorityType::CityCorporation,
        other => return Err(unknown("local authority type", other)),
    })
}
