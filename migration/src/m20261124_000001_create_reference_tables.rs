//! Local authorities, ICBs, areas and the dated membership of each area's partnership.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{enumeration, foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum LocalAuthority {
    Table,
    Id,
    OnsCode,
    Name,
    Region,
    LaType,
}

#[derive(DeriveIden, Clone)]
enum IntegratedCareBoard {
    Table,
    Id,
    OnsCode,
    OdsCode,
    Name,
    NhsRegion,
}

#[derive(DeriveIden, Clone)]
enum Area {
    Table,
    Id,
    LocalAuthorityId,
}

#[derive(DeriveIden, Clone)]
enum PartnershipMembership {
    Table,
    Id,
    AreaId,
    LocalAuthorityId,
    IntegratedCareBoardId,
    IsPrimary,
    ValidFrom,
    ValidTo,
}

const REGIONS: &[&str] = &[
    "north_east",
    "north_west",
    "yorkshire_and_the_humber",
    "east_midlands",
    "west_midlands",
    "east_of_england",
    "london",
    "south_east",
    "south_west",
];

const NHS_REGIONS: &[&str] = &[
    "london",
    "south_east",
    "south_west",
    "east_of_england",
    "midlands",
    "north_east_and_yorkshire",
    "north_west",
];

const LA_TYPES: &[&str] = &[
    "county",
    "unitary",
    "metropolitan_district",
    "london_borough",
    "city_corporation",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LocalAuthority::Table)
                    .col(pk_auto(LocalAuthority::Id))
                    .col(string_uniq(LocalAuthority::OnsCode))
                    .col(string(LocalAuthority::Name))
                    .col(enumeration(LocalAuthority::Region, REGIONS))
                    .col(enumeration(LocalAuthority::LaType, LA_TYPES))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntegratedCareBoard::Table)
                    .col(pk_auto(IntegratedCareBoard::Id))
                    .col(string_uniq(IntegratedCareBoard::OnsCode))
                    .col(string_uniq(IntegratedCareBoard::OdsCode))
                    .col(string(IntegratedCareBoard::Name))
                    .col(enumeration(IntegratedCareBoard::NhsRegion, NHS_REGIONS))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Area::Table)
                    .col(pk_auto(Area::Id))
                    .col(integer_uniq(Area::LocalAuthorityId))
                    .foreign_key(&mut foreign_key(
                        Area::Table,
                        Area::LocalAuthorityId,
                        LocalAuthority::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PartnershipMembership::Table)
                    .col(pk_auto(PartnershipMembership::Id))
                    .col(integer(PartnershipMembership::AreaId))
                    .col(integer_null(PartnershipMembership::LocalAuthorityId))
                    .col(integer_null(PartnershipMembership::IntegratedCareBoardId))
                    .col(boolean(PartnershipMembership::IsPrimary))
                    .col(date(PartnershipMembership::ValidFrom))
                    .col(date_null(PartnershipMembership::ValidTo))
                    .foreign_key(&mut foreign_key(
                        PartnershipMembership::Table,
                        PartnershipMembership::AreaId,
                        Area::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        PartnershipMembership::Table,
                        PartnershipMembership::LocalAuthorityId,
                        LocalAuthority::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        PartnershipMembership::Table,
                        PartnershipMembership::IntegratedCareBoardId,
                        IntegratedCareBoard::Table,
                    ))
                    // Exactly one member body per row.
                    .check(
                        Expr::col(PartnershipMembership::LocalAuthorityId)
                            .is_null()
                            .ne(Expr::col(PartnershipMembership::IntegratedCareBoardId).is_null()),
                    )
                    .check(
                        Expr::col(PartnershipMembership::ValidTo)
                            .is_null()
                            .or(Expr::col(PartnershipMembership::ValidTo)
                                .gt(Expr::col(PartnershipMembership::ValidFrom))),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_partnership_membership_area",
                PartnershipMembership::Table,
                vec![PartnershipMembership::AreaId.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_partnership_membership_icb",
                PartnershipMembership::Table,
                vec![PartnershipMembership::IntegratedCareBoardId.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PartnershipMembership::Table.into_iden(),
            Area::Table.into_iden(),
            IntegratedCareBoard::Table.into_iden(),
            LocalAuthority::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
