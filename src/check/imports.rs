//! `import member|group|EVENT { "列名" -> field … }`: which column of a shop's export
//! fills which field. Every field must be one the table has, a column is named once
//! per block, and each table (each event kind) has one block.

use std::collections::HashMap;

use super::{Checker, ImportMap, Program};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{ImportDecl, ImportOf, Item, Spanned};

/// Checks every `import` block and records the maps in `p.imports`.
pub(super) fn check_imports(c: &mut Checker<'_>, p: &mut Program, items: &[Item]) {
    let mut seen: HashMap<ImportOf, Span> = HashMap::new();
    for item in items {
        let Item::Import(decl) = item else { continue };
        let of = &decl.node.of;
        if let Some(first) = seen.get(&of.node) {
            c.report(
                Diagnostic::new(
                    Code::Duplicate,
                    of.span,
                    format!("the import of `{}` is declared twice", of.node.name()),
                )
                .label("declared again here")
                .related(*first, "first declared here")
                .help("keep one block; list a field's other column names in it"),
            );
            continue;
        }
        seen.insert(of.node.clone(), of.span);
        let Some(fields) = fields_of(c, p, of) else {
            continue;
        };
        let columns = entries(c, &decl.node, &fields);
        p.imports.push(ImportMap {
            of: of.node.clone(),
            columns,
        });
    }
}

/// The fields an import of `of` can fill; `None` (reported) when there is no such
/// table or event.
fn fields_of(c: &mut Checker<'_>, p: &Program, of: &Spanned<ImportOf>) -> Option<Vec<String>> {
    let schema = match &of.node {
        ImportOf::Member => Some(&p.member),
        ImportOf::Group => p.group.as_ref(),
        ImportOf::Event(kind) => c.event_index.get(kind).map(|&i| &p.events[i]),
    };
    let Some(schema) = schema else {
        let (message, help) = match &of.node {
            ImportOf::Event(kind) => (
                format!("unknown event `{kind}`"),
                did_you_mean(kind, c.event_index.keys().map(String::as_str))
                    .unwrap_or_else(|| "import into `member`, `group` or a declared event".into()),
            ),
            _ => (
                "there is no group schema to import into".to_string(),
                "declare `group { … }`".to_string(),
            ),
        };
        c.report(
            Diagnostic::new(Code::UnknownName, of.span, message)
                .label("nothing to import into")
                .help(help),
        );
        return None;
    };
    let mut fields: Vec<String> = vec!["id".to_owned()];
    fields.extend(
        schema
            .fields
            .iter()
            .map(|f| f.name.clone())
            .filter(|f| f != "id"),
    );
    if matches!(of.node, ImportOf::Event(_)) {
        fields.push("kind".to_owned());
    }
    Some(fields)
}

/// The block's entries whose field exists; a column named twice is reported.
fn entries(c: &mut Checker<'_>, decl: &ImportDecl, fields: &[String]) -> Vec<(String, String)> {
    let mut columns: HashMap<&str, Span> = HashMap::new();
    let mut out = Vec::new();
    for e in &decl.entries {
        if let Some(first) = columns.get(e.column.node.as_str()) {
            c.report(
                Diagnostic::new(
                    Code::DuplicateClause,
                    e.column.span,
                    format!("column `{}` is mapped twice", e.column.node),
                )
                .label("again here")
                .related(*first, "first here")
                .help("a column fills one field"),
            );
            continue;
        }
        columns.insert(&e.column.node, e.column.span);
        if !fields.contains(&e.field.node) {
            let help = did_you_mean(&e.field.node, fields.iter().map(String::as_str))
                .unwrap_or_else(|| format!("the fields are {}", fields.join(", ")));
            c.report(
                Diagnostic::new(
                    Code::UnknownName,
                    e.field.span,
                    format!("`{}` has no field `{}`", decl.of.node.name(), e.field.node),
                )
                .label("not a field here")
                .help(help),
            );
            continue;
        }
        out.push((e.column.node.clone(), e.field.node.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::check::check_text;
    use crate::diagnostics::Code;
    use crate::syntax::ast::ImportOf;

    const SCHEMA: &str =
        "member {\n  level: int\n  spend: money\n}\n\nevent order_paid { amount: money }\n\n";

    fn codes(text: &str) -> Vec<(Code, String)> {
        check_text("t.playbook", &format!("{SCHEMA}{text}"))
            .diagnostics
            .into_iter()
            .filter(|d| d.code != Code::Unused)
            .map(|d| (d.code, d.message))
            .collect()
    }

    #[test]
    fn blocks_map_columns_to_fields_the_table_has() {
        let out = check_text(
            "t.playbook",
            &format!(
                "{SCHEMA}import member {{\n  \"会员编号\" -> id\n  \"累计消费\" -> spend\n  \"近一年消费\" -> spend\n}}\n\nimport order_paid {{\n  \"订单号\" -> id\n  \"会员编号\" -> member_id\n  \"付款时间\" -> at\n  \"实付金额\" -> amount\n}}\n"
            ),
        );
        let program = out.program.expect("checks");
        assert_eq!(program.imports.len(), 2);
        assert_eq!(program.imports[0].of, ImportOf::Member);
        assert_eq!(
            program.imports[0].columns[2],
            ("近一年消费".into(), "spend".into())
        );
        assert_eq!(program.imports[1].of, ImportOf::Event("order_paid".into()));
        assert_eq!(program.imports[1].columns.len(), 4);
    }

    #[test]
    fn wrong_blocks_are_reported_where_written() {
        assert_eq!(
            codes("import member {\n  \"等级\" -> levle\n}\n"),
            [(Code::UnknownName, "`member` has no field `levle`".into())]
        );
        assert_eq!(
            codes("import member {\n  \"等级\" -> level\n  \"等级\" -> spend\n}\n"),
            [(
                Code::DuplicateClause,
                "column `等级` is mapped twice".into()
            )]
        );
        assert_eq!(
            codes("import member {}\nimport member {}\n"),
            [(
                Code::Duplicate,
                "the import of `member` is declared twice".into()
            )]
        );
        assert_eq!(
            codes("import order_payd {}\n"),
            [(Code::UnknownName, "unknown event `order_payd`".into())]
        );
        assert_eq!(
            codes("import group {}\n"),
            [(
                Code::UnknownName,
                "there is no group schema to import into".into()
            )]
        );
    }

    #[test]
    fn event_fields_cannot_take_the_events_tables_own_columns() {
        let out = codes("event refund { kind: text }\nevent join { group_id: money }\n");
        assert!(
            out.iter()
                .any(|(c, m)| *c == Code::Duplicate && m.contains("`kind` is implicit")),
            "{out:?}"
        );
        assert!(
            out.iter()
                .any(|(c, m)| *c == Code::TypeMismatch && m.contains("`group_id` is a group's id")),
            "{out:?}"
        );
    }
}
