//! Changes to the map that the reference data ships with (`api/data/icb_changes.csv`, sources
//! in `SOURCES.md`), recorded through the same command NHS England's `recordIcbChange` runs, by
//! a reference-data actor whose events the trail shows like any other. Each is applied once:
//! a change is skipped when its board already holds its ONS code.

use chrono::NaiveDate;
use entity::{enums::Role, icb_code_alias, integrated_care_board};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use serde::Deserialize;

use crate::{
    policy::{Caller, Viewer},
    service::{
        change::ChangeError,
        write::map::{self, IcbChangeInput, IcbIdentity},
    },
};

const ICB_CHANGES: &str = include_str!("../../data/icb_changes.csv");
const ICB_CODE_ALIASES: &str = include_str!("../../data/icb_code_aliases.csv");

#[derive(Deserialize)]
struct AliasRow {
    old_code: String,
    ons_code: String,
}

/// Records the ICB codes ONS reissued before the data begins, as aliases of the boards' current
/// codes; each once.
pub async fn record_aliases(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let rows: Vec<AliasRow> = csv::Reader::from_reader(ICB_CODE_ALIASES.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|error| DbErr::Custom(format!("icb_code_aliases.csv: {error}")))?;
    let mut recorded = 0;
    for row in rows {
        let known = icb_code_alias::Entity::find()
            .filter(icb_code_alias::Column::Code.eq(row.old_code.as_str()))
            .count(db)
            .await?
            > 0;
        if known {
            continue;
        }
        let board = integrated_care_board::Entity::find()
            .filter(integrated_care_board::Column::OnsCode.eq(row.ons_code.as_str()))
            .one(db)
            .await?
            .ok_or_else(|| {
                DbErr::Custom(format!("icb_code_aliases.csv: no ICB {}", row.ons_code))
            })?;
        icb_code_alias::ActiveModel {
            code: Set(row.old_code),
            integrated_care_board_id: Set(board.id),
            ..Default::default()
        }
        .insert(db)
        .await?;
        recorded += 1;
    }
    Ok(recorded)
}

#[derive(Deserialize)]
struct Row {
    effective_on: NaiveDate,
    code: String,
    ods_code: String,
    name: String,
    /// ODS codes, `;`-separated.
    closes: String,
    /// `area code:primary` or `area code:secondary`, `;`-separated.
    areas: String,
}

fn rows() -> Result<Vec<Row>, DbErr> {
    csv::Reader::from_reader(ICB_CHANGES.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|error| DbErr::Custom(format!("icb_changes.csv: {error}")))
}

fn input(row: Row) -> Result<IcbChangeInput, DbErr> {
    let split = |list: &str| -> Vec<String> {
        list.split(';')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let areas = split(&row.areas)
        .into_iter()
        .map(|entry| match entry.split_once(':') {
            Some((code, "primary")) => Ok((code.to_owned(), true)),
            Some((code, "secondary")) => Ok((code.to_owned(), false)),
            _ => Err(DbErr::Custom(format!(
                "icb_changes.csv: bad area `{entry}`"
            ))),
        })
        .collect::<Result<_, _>>()?;
    Ok(IcbChangeInput {
        effective_on: row.effective_on,
        icb: IcbIdentity {
            code: row.code,
            ods_code: row.ods_code,
            name: row.name,
        },
        closes: split(&row.closes),
        areas,
    })
}

/// Records the shipped changes not yet recorded; returns how many it recorded.
pub async fn record_pending(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let actor = Viewer::SignedIn(Caller {
        subject: "reference-data".to_owned(),
        role: Role::NhsEngland,
        organisation: None,
        area_ids: Vec::new(),
        can_write: true,
    });
    let mut recorded = 0;
    for row in rows()? {
        // Recorded already, here or through the API (perhaps with another reported ONS code):
        // the board holds the code, or a new board's ODS code exists, or a board it closes
        // has its closing recorded.
        let closes: Vec<String> = row
            .closes
            .split(';')
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(str::to_owned)
            .collect();
        let holds_code = integrated_care_board::Entity::find()
            .filter(integrated_care_board::Column::OnsCode.eq(row.code.as_str()))
            .count(db)
            .await?
            > 0;
        let merged_already = !closes.is_empty()
            && integrated_care_board::Entity::find()
                .filter(
                    Condition::any()
                        .add(integrated_care_board::Column::OdsCode.eq(row.ods_code.as_str()))
                        .add(
                            Condition::all()
                                .add(integrated_care_board::Column::OdsCode.is_in(closes))
                                .add(integrated_care_board::Column::ValidTo.is_not_null()),
                        ),
                )
                .count(db)
                .await?
                > 0;
        if holds_code || merged_already {
            continue;
        }
        let code = row.code.clone();
        match map::record_icb_change(db, &actor, None, input(row)?).await {
            Ok(_) => recorded += 1,
            Err(ChangeError::Rejected(rejection)) => {
                return Err(DbErr::Custom(format!(
                    "icb_changes.csv: the change for {code} is refused: {rejection}"
                )));
            }
            Err(ChangeError::Failed(error)) => {
                return Err(DbErr::Custom(format!(
                    "icb_changes.csv: the change for {code} failed: {error}"
                )));
            }
        }
    }
    Ok(recorded)
}
