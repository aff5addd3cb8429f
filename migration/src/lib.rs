//! The database schema, as ordered migrations that run on SQLite and PostgreSQL alike.
//!
//! Migrations are history: each describes the schema as it was on its day, so it repeats the
//! enumeration values it constrains instead of importing today's entity enums.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_reference_tables;
mod m20261124_000002_create_history_tables;
mod m20261124_000003_create_audit_event;
mod m20261126_000004_write_side;
mod m20261126_000005_plans_lifecycle;
mod m20261126_000006_dated_map;
mod m20261126_000007_domain_events;
mod m20261126_000008_webhooks;
mod m20261127_000009_schedule_events;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_reference_tables::Migration),
            Box::new(m20261124_000002_create_history_tables::Migration),
            Box::new(m20261124_000003_create_audit_event::Migration),
            Box::new(m20261126_000004_write_side::Migration),
            Box::new(m20261126_000005_plans_lifecycle::Migration),
            Box::new(m20261126_000006_dated_map::Migration),
            Box::new(m20261126_000007_domain_events::Migration),
            Box::new(m20261126_000008_webhooks::Migration),
            Box::new(m20261127_000009_schedule_events::Migration),
        ]
    }
}

/// A text column that only accepts the given values: how an enumeration is stored on both
/// databases (PostgreSQL enum types would not exist on SQLite, and are hard to alter).
fn enumeration<T: IntoIden + Clone + 'static>(column: T, values: &[&str]) -> ColumnDef {
    let mut def = ColumnDef::new(column.clone());
    def.string()
        .not_null()
        .check(Expr::col(column).is_in(values.iter().copied()));
    def
}

/// The nullable form of [`enumeration`]: SQL `CHECK` passes when the value is NULL.
fn enumeration_null<T: IntoIden + Clone + 'static>(column: T, values: &[&str]) -> ColumnDef {
    let mut def = enumeration(column, values);
    def.null();
    def
}

fn foreign_key(
    from_table: impl IntoIden + Clone + 'static,
    from_column: impl IntoIden + 'static,
    to_table: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_column)
        .to(to_table, Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// An index on `columns` of `table`, in order.
pub(crate) fn index(
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
}

/// Replaces a column's CHECK constraint on PostgreSQL, where it is named `table_column_check`.
pub(crate) async fn replace_check(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
    values: &[&str],
) -> Result<(), DbErr> {
    let allowed = values
        .iter()
        .map(|value| format!("'{value}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let constraint = format!("{table}_{column}_check");
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "ALTER TABLE {table} DROP CONSTRAINT {constraint}, \
             ADD CONSTRAINT {constraint} CHECK ({column} IN ({allowed}))"
        ))
        .await
        .map(|_| ())
}

/// Copies every row of `from` into `to`, the columns named alike.
pub(crate) async fn copy(
    manager: &SchemaManager<'_>,
    from: &str,
    to: &str,
    columns: &[&str],
) -> Result<(), DbErr> {
    let columns = columns.join(", ");
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "INSERT INTO {to} ({columns}) SELECT {columns} FROM {from}"
        ))
        .await
        .map(|_| ())
}
