//! How each table's columns are written in a dialect: the recommended typed layout
//! (or SQLite's untyped one) when no warehouse is given, else the warehouse's
//! catalog types.

use std::collections::HashMap;

use crate::check::model::Program;
use crate::check::types::{Base, Type};
use crate::data::remote::{ColumnInfo, Warehouse};
use crate::data::sql::{
    ColumnRead, Comparable, Dialect, Holds, SqlType, read_column, schema_columns,
};
use crate::data::{DataError, TableNames};

/// The declared columns of the tables a playbook reads, by table name.
pub type Catalog = HashMap<String, Vec<ColumnInfo>>;

/// One column as queries write it.
#[derive(Debug, Clone)]
pub struct Column {
    /// The column, quoted and qualified by its table's alias.
    pub raw: String,
    /// Its type.
    pub ty: SqlType,
    /// How the run reads it.
    pub read: ColumnRead,
}

/// The columns of the tables, by schema index (members, groups) and by role
/// (events).
#[derive(Debug, Clone)]
pub struct Layout {
    /// The dialect written.
    pub dialect: Dialect,
    /// Members' columns by schema index (0: the id).
    pub members: Vec<Column>,
    /// Groups' columns by schema index, when the playbook has groups.
    pub groups: Vec<Column>,
    /// The events table's `id`, `kind`, `member_id` and `at`.
    pub events: [Column; 4],
}

/// Alias of the target table in every query.
pub const TARGET: &str = "t";
/// Alias of the events table.
pub const EVENTS: &str = "e";

/// The columns of `program`'s tables in `dialect`: from `catalog` when given (a
/// column it lacks, or whose type cannot be read exactly, is an error naming it),
/// else the recommended layout.
pub fn layout(
    program: &Program,
    dialect: Dialect,
    names: &TableNames,
    catalog: Option<&Catalog>,
) -> Result<Layout, String> {
    let find = |table: &str, alias: &str, wanted: Vec<(String, Holds<'_>)>| {
        wanted
            .into_iter()
            .map(|(name, holds)| column(dialect, catalog, table, alias, &name, holds))
            .collect::<Result<Vec<_>, String>>()
    };
    let members = find(&names.members, TARGET, schema_columns(&program.member))?;
    let groups = match &program.group {
        Some(g) => find(&names.groups, TARGET, schema_columns(g))?,
        None => Vec::new(),
    };
    let event = [
        ("id", Holds::Id),
        ("kind", Holds::Kind),
        ("member_id", Holds::Id),
        ("at", Holds::At),
    ];
    let events = if program.events.is_empty() {
        Vec::new()
    } else {
        find(
            &names.events,
            EVENTS,
            event.iter().map(|(n, h)| (n.to_string(), *h)).collect(),
        )?
    };
    let events = match <[Column; 4]>::try_from(events) {
        Ok(e) => e,
        Err(_) => {
            let none = || Column {
                raw: String::new(),
                ty: SqlType::Other,
                read: ColumnRead {
                    select: String::new(),
                    compare: None,
                    plain: None,
                },
            };
            [none(), none(), none(), none()]
        }
    };
    Ok(Layout {
        dialect,
        members,
        groups,
        events,
    })
}

/// Reads the declared columns of `names`' tables from a warehouse.
pub fn catalog(warehouse: &mut dyn Warehouse, names: &TableNames) -> Result<Catalog, DataError> {
    let mut out = Catalog::new();
    for name in [&names.members, &names.groups, &names.events] {
        if let Some(columns) = warehouse.columns(name)? {
            out.insert(name.clone(), columns);
        }
    }
    Ok(out)
}

fn column(
    dialect: Dialect,
    catalog: Option<&Catalog>,
    table: &str,
    alias: &str,
    name: &str,
    holds: Holds<'_>,
) -> Result<Column, String> {
    let (name, ty) = match catalog {
        Some(catalog) => {
            let info = catalog
                .get(table)
                .ok_or_else(|| format!("no table `{table}`"))?
                .iter()
                .find(|c| c.name == name || c.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| format!("table {table} has no column `{name}`"))?;
            (info.name.clone(), dialect.classify(&info.type_name))
        }
        None => (name.to_owned(), recommended(dialect, holds)),
    };
    let raw = format!("{alias}.{}", dialect.ident(&name));
    let read = match dialect {
        Dialect::Sqlite => sqlite_read(&raw, holds),
        _ => read_column(dialect, &raw, ty, holds)
            .map_err(|allowed| format!("table {table}, column {name}: {allowed}"))?,
    };
    Ok(Column { raw, ty, read })
}

/// The recommended type of a column holding `holds`.
fn recommended(dialect: Dialect, holds: Holds<'_>) -> SqlType {
    let base = match holds {
        Holds::Id | Holds::Kind | Holds::Data => return SqlType::Text,
        Holds::At => &Base::Time,
        Holds::Field(Type { base, .. }) => base,
    };
    if dialect == Dialect::Sqlite {
        // The SQLite layout of a data file: whole numbers as INTEGER, the rest TEXT.
        return match base {
            Base::Int | Base::Money | Base::Bool | Base::Duration => SqlType::Int,
            _ => SqlType::Text,
        };
    }
    match base {
        Base::Int | Base::Money | Base::Duration => SqlType::Int,
        Base::Bool => SqlType::Bool,
        Base::Time => SqlType::Timestamp,
        Base::Date => SqlType::Date,
        Base::TextSet => SqlType::TextArray,
        Base::Decimal | Base::Percent => SqlType::Decimal,
        _ => SqlType::Text,
    }
}

/// A column of a SQLite data file, read as stored: integers and texts compare as
/// such; local times and sets are not compared here (`RowFilter::sql` widens
/// times itself).
fn sqlite_read(raw: &str, holds: Holds<'_>) -> ColumnRead {
    let compare = match holds {
        Holds::Id | Holds::Kind => Some(Comparable::Text(raw.to_owned())),
        Holds::Field(t) => match t.base {
            Base::Int | Base::Money | Base::Bool => Some(Comparable::Int(raw.to_owned())),
            Base::Text | Base::Date => Some(Comparable::Text(raw.to_owned())),
            _ => None,
        },
        Holds::At | Holds::Data => None,
    };
    ColumnRead {
        select: raw.to_owned(),
        compare,
        plain: None,
    }
}
