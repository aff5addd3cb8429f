//! A map of England that changes over time: councils and ICBs have the dates they existed
//! between, and successions link each abolished body to the bodies that took its place.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{enumeration, foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum LocalAuthority {
    Table,
}

#[derive(DeriveIden, Clone)]
enum IntegratedCareBoard {
    Table,
}

#[derive(DeriveIden, Clone)]
enum Validity {
    ValidFrom,
    ValidTo,
}

#[derive(DeriveIden, Clone)]
enum Succession {
    Table,
    Id,
    Kind,
    PredecessorId,
    SuccessorId,
    EffectiveOn,
}

#[derive(DeriveIden, Clone)]
enum IcbCodeAlias {
    Table,
    Id,
    Code,
    IntegratedCareBoardId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Null bounds: in existence since before the records begin, or still in existence.
        for table in [
            LocalAuthority::Table.into_iden(),
            IntegratedCareBoard::Table.into_iden(),
        ] {
            for column in [Validity::ValidFrom, Validity::ValidTo] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table.clone())
                            .add_column(date_null(column))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        manager
            .create_table(
                Table::create()
                    .table(Succession::Table)
                    .col(pk_auto(Succession::Id))
                    .col(enumeration(
                        Succession::Kind,
                        &["local_authority", "integrated_care_board"],
                    ))
                    .col(integer(Succession::PredecessorId))
                    .col(integer(Succession::SuccessorId))
                    .col(date(Succession::EffectiveOn))
                    .to_owned(),
            )
            .await?;
        // A code ONS has reissued for the same board: it still finds the board.
        manager
            .create_table(
                Table::create()
                    .table(IcbCodeAlias::Table)
                    .col(pk_auto(IcbCodeAlias::Id))
                    .col(string_uniq(IcbCodeAlias::Code))
                    .col(integer(IcbCodeAlias::IntegratedCareBoardId))
                    .foreign_key(&mut foreign_key(
                        IcbCodeAlias::Table,
                        IcbCodeAlias::IntegratedCareBoardId,
                        IntegratedCareBoard::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_succession_predecessor",
                Succession::Table,
                vec![
                    Succession::Kind.into_iden(),
                    Succession::PredecessorId.into_iden(),
                ],
            ))
            .await
    }
}
