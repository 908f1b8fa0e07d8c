//! Which column of the export fills which field: `--map COLUMN=FIELD` first, then
//! the playbook's `import` block, then headers equal to a field's name (ASCII
//! letters in any case).

use std::collections::HashMap;

use crate::diagnostics::did_you_mean;

/// Columns bound to fields.
#[derive(Debug, Clone, Default)]
pub struct Binding {
    /// Field name → header index.
    pub column_of: HashMap<String, usize>,
    /// Headers that fill no field, in file order.
    pub ignored: Vec<String>,
}

/// Why the columns cannot be bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindError {
    /// A `--map` that names no column or no field (bad usage).
    Usage(String),
    /// Two columns for one field.
    Ambiguous(Vec<String>),
}

/// Splits `--map` options: `手机号=id` → (`手机号`, `id`). The last `=` separates,
/// so a header may contain `=`.
pub fn parse_maps(maps: &[String]) -> Result<Vec<(String, String)>, String> {
    maps.iter()
        .map(|m| match m.rsplit_once('=') {
            Some((col, field)) if !col.trim().is_empty() && !field.trim().is_empty() => {
                Ok((col.trim().to_owned(), field.trim().to_owned()))
            }
            _ => Err(format!("--map `{m}`: write COLUMN=FIELD, like `手机号=id`")),
        })
        .collect()
}

/// `--map`'s pairs, then the playbook's declared `(column, field)` pairs whose column
/// the file has and whose field and column `--map` leaves alone. A block may name
/// several columns for one field (exports spell them differently); a file that has
/// two of them is ambiguous.
pub fn with_declared(
    mut maps: Vec<(String, String)>,
    declared: &[(String, String)],
    headers: &[String],
) -> Result<Vec<(String, String)>, BindError> {
    let explicit = maps.len();
    let mut ambiguous = Vec::new();
    for (col, field) in declared {
        let by_map = maps[..explicit]
            .iter()
            .any(|(c, f)| f == field || c.eq_ignore_ascii_case(col));
        let at = named(headers, col);
        if by_map || at.is_empty() {
            continue;
        }
        if at.len() > 1 {
            ambiguous.push(format!(
                "the playbook's import block reads `{field}` from `{col}`, and the file has {} columns `{col}`: {}; rename all but one",
                at.len(),
                positions(&at)
            ));
            continue;
        }
        if let Some((other, _)) = maps[explicit..].iter().find(|(_, f)| f == field) {
            ambiguous.push(format!(
                "the playbook's import block reads `{field}` from `{other}` or `{col}`, and the file has both; pick one with --map"
            ));
            continue;
        }
        maps.push((col.clone(), field.clone()));
    }
    if ambiguous.is_empty() {
        Ok(maps)
    } else {
        Err(BindError::Ambiguous(ambiguous))
    }
}

/// Binds `headers` of the export `file` (as the user named it) to `fields` (the names
/// an import can fill).
pub fn bind(
    file: &str,
    headers: &[String],
    fields: &[String],
    maps: &[(String, String)],
) -> Result<Binding, BindError> {
    let mut binding = Binding::default();
    let mut used = vec![false; headers.len()];
    let mut duplicated = Vec::new();
    for (col, field) in maps {
        let Some(field) = fields.iter().find(|f| *f == field) else {
            let hint = did_you_mean(field, fields.iter().map(String::as_str))
                .unwrap_or_else(|| format!("the fields are {}", listed(fields)));
            return Err(BindError::Usage(format!(
                "--map {col}={field}: the playbook has no field `{field}` here; {hint}"
            )));
        };
        let at = match named(headers, col).as_slice() {
            [at] => *at,
            [] => {
                let hint = did_you_mean(col, headers.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("the columns are {}", listed(headers)));
                return Err(BindError::Usage(format!(
                    "--map {col}={field}: {file} has no column `{col}`; {hint}"
                )));
            }
            many => {
                duplicated.push(format!(
                    "--map {col}={field}: the file has {} columns `{col}`: {}; rename all but one",
                    many.len(),
                    positions(many)
                ));
                continue;
            }
        };
        if binding.column_of.insert(field.clone(), at).is_some() {
            return Err(BindError::Usage(format!(
                "--map gives field `{field}` twice"
            )));
        }
        used[at] = true;
    }
    if !duplicated.is_empty() {
        return Err(BindError::Ambiguous(duplicated));
    }
    let mut ambiguous = Vec::new();
    for field in fields {
        if binding.column_of.contains_key(field) {
            continue;
        }
        let matching: Vec<usize> = (0..headers.len())
            .filter(|&i| !used[i] && headers[i].eq_ignore_ascii_case(field))
            .collect();
        match matching.as_slice() {
            [] => {}
            [at] => {
                binding.column_of.insert(field.clone(), *at);
                used[*at] = true;
            }
            many => ambiguous.push(format!(
                "field `{field}` matches {} columns: {}; pick one with --map, or rename all but one",
                many.len(),
                many.iter()
                    .map(|&i| format!("`{}` in {}", headers[i], positions(&[i])))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    if !ambiguous.is_empty() {
        return Err(BindError::Ambiguous(ambiguous));
    }
    binding.ignored = headers
        .iter()
        .zip(&used)
        .filter(|(h, u)| !**u && !h.is_empty())
        .map(|(h, _)| h.clone())
        .collect();
    Ok(binding)
}

/// The columns a `--map` or `import` block name picks: those of exactly that header,
/// else those equal to it in ASCII letters of any case.
fn named(headers: &[String], col: &str) -> Vec<usize> {
    let exact: Vec<usize> = (0..headers.len()).filter(|&i| headers[i] == col).collect();
    if !exact.is_empty() {
        return exact;
    }
    (0..headers.len())
        .filter(|&i| headers[i].eq_ignore_ascii_case(col))
        .collect()
}

/// Columns by position as a user finds them: `column 3 (C) and 5 (E)`.
pub fn positions(columns: &[usize]) -> String {
    let each: Vec<String> = columns
        .iter()
        .map(|&i| format!("{} ({})", i + 1, letters(i)))
        .collect();
    let listed = match each.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    let noun = if columns.len() == 1 {
        "column"
    } else {
        "columns"
    };
    format!("{noun} {listed}")
}

/// A spreadsheet's column letters: 0 → `A`, 26 → `AA`.
fn letters(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The header no field took that looks most like `field` (ASCII case ignored, a
/// swap of two letters counted as one edit), for a did-you-mean.
pub fn close_header(field: &str, ignored: &[String]) -> Option<String> {
    let field = field.to_ascii_lowercase();
    let limit = (field.chars().count() / 3).max(1);
    ignored
        .iter()
        .map(|h| (strsim::osa_distance(&field, &h.to_ascii_lowercase()), h))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, h)| format!("did you mean column `{h}`?"))
}

/// `a`, `b`, `c` for a message.
pub fn listed(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn maps_come_first_then_names_in_any_ascii_case() {
        let headers = names(&["手机号", "Orders", "备注", "id"]);
        let fields = names(&["id", "orders", "spend"]);
        let maps = parse_maps(&["手机号=id".to_owned()]).unwrap();
        let b = bind("a.csv", &headers, &fields, &maps).unwrap();
        assert_eq!(b.column_of["id"], 0);
        assert_eq!(b.column_of["orders"], 1);
        assert!(!b.column_of.contains_key("spend"));
        assert_eq!(b.ignored, ["备注", "id"]);
    }

    #[test]
    fn wrong_maps_are_usage_errors_with_a_hint() {
        let headers = names(&["手机号", "orders"]);
        let fields = names(&["id", "orders"]);
        let err = |m: &str| {
            bind(
                "a.csv",
                &headers,
                &fields,
                &parse_maps(&[m.to_owned()]).unwrap(),
            )
        };
        assert!(matches!(
            err("手机号=idd"),
            Err(BindError::Usage(m))
                if m == "--map 手机号=idd: the playbook has no field `idd` here; did you mean `id`?"
        ));
        assert!(matches!(err("电话=id"), Err(BindError::Usage(m)) if m.contains("`手机号`")));
        assert!(parse_maps(&["=id".to_owned()]).is_err());
    }

    #[test]
    fn declared_columns_come_after_maps_and_only_when_present() {
        let headers = names(&["会员编号", "累计消费", "等级"]);
        let declared = vec![
            ("会员编号".to_owned(), "id".to_owned()),
            ("近一年消费".to_owned(), "spend".to_owned()),
            ("累计消费".to_owned(), "spend".to_owned()),
            ("等级".to_owned(), "level".to_owned()),
        ];
        let maps = parse_maps(&["等级=orders".to_owned()]).unwrap();
        let merged = with_declared(maps, &declared, &headers).unwrap();
        assert_eq!(
            merged,
            [
                ("等级".to_owned(), "orders".to_owned()),
                ("会员编号".to_owned(), "id".to_owned()),
                ("累计消费".to_owned(), "spend".to_owned()),
            ]
        );
        let both = names(&["近一年消费", "累计消费"]);
        assert!(matches!(
            with_declared(Vec::new(), &declared, &both),
            Err(BindError::Ambiguous(_))
        ));
    }

    #[test]
    fn two_columns_for_one_field_are_ambiguous() {
        let headers = names(&["ID", "id"]);
        let b = bind("a.csv", &headers, &names(&["id"]), &[]);
        assert!(matches!(b, Err(BindError::Ambiguous(_))));
    }

    #[test]
    fn a_map_or_import_block_naming_a_repeated_header_is_ambiguous() {
        let headers = names(&["id", "订单", "金额", "备注", "金额"]);
        let fields = names(&["id", "spend"]);
        let maps = parse_maps(&["金额=spend".to_owned()]).unwrap();
        let Err(BindError::Ambiguous(problems)) = bind("a.csv", &headers, &fields, &maps) else {
            panic!("a repeated header was bound")
        };
        assert_eq!(
            problems,
            [
                "--map 金额=spend: the file has 2 columns `金额`: columns 3 (C) and 5 (E); rename all but one"
            ]
        );
        let declared = vec![("金额".to_owned(), "spend".to_owned())];
        let Err(BindError::Ambiguous(problems)) = with_declared(Vec::new(), &declared, &headers)
        else {
            panic!("a repeated header was declared")
        };
        assert!(
            problems[0].contains("columns 3 (C) and 5 (E)"),
            "{problems:?}"
        );
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
    }

    #[test]
    fn close_headers_are_suggested_as_written() {
        let ignored = names(&["Order_s", "备注"]);
        assert_eq!(
            close_header("orders", &ignored),
            Some("did you mean column `Order_s`?".into())
        );
    }
}
