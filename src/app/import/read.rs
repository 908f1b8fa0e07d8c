//! Reading an export into a header and rows of cells: CSV (or tab-separated) text in
//! UTF-8 or GBK, or the first sheet of a workbook (.xlsx, also .xls, .xlsb, .ods).
//!
//! Text encodings are never guessed: bytes that are not UTF-8 stop the import unless
//! `--encoding gbk` says otherwise, because a wrong guess would not fail but write
//! garbled names and tags that rules then compare against.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// The text encoding of a CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte order mark.
    Utf8,
    /// GBK, decoded as GB18030 (its superset, which also covers GB2312).
    Gbk,
}

/// One cell as the export holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing there.
    Empty,
    /// Text, as written (CSV cells are all text).
    Text(String),
    /// A number cell of a workbook.
    Number(f64),
    /// A whole-number cell of a workbook.
    Int(i64),
    /// A TRUE/FALSE cell of a workbook.
    Bool(bool),
    /// A date or date-time cell of a workbook, as the wall-clock time it shows.
    When(NaiveDateTime),
    /// An error cell of a workbook (`#N/A`, `#DIV/0!`).
    Error(String),
}

/// One data row: its number as a spreadsheet shows it (the header is row 1) and
/// its cells, as many as the header has.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's number.
    pub number: usize,
    /// The cells, one per header column.
    pub cells: Vec<Cell>,
    /// Non-empty cells beyond the header's columns.
    pub extra: usize,
}

/// An export read into memory.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The header's names, trimmed.
    pub headers: Vec<String>,
    /// The data rows; rows with every cell empty are left out.
    pub rows: Vec<Row>,
    /// What the reader decided that the user should know (the sheet read).
    pub notes: Vec<String>,
}

/// Why an export could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file cannot be opened or is not a CSV or workbook, or its encoding needs
    /// saying (a usage problem: exit 2).
    Unreadable(String),
    /// The file is read but some bytes are not text in the named encoding (exit 1).
    Undecodable(Vec<String>),
}

/// Reads `path`: a workbook when its name or first bytes say so, CSV otherwise.
/// `sheet` picks a workbook's sheet by name (default the first).
pub fn read_export(
    path: &Path,
    encoding: Option<Encoding>,
    sheet: Option<&str>,
) -> Result<Sheet, ReadError> {
    let name = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| ReadError::Unreadable(format!("cannot read {name}: {e}")))?;
    if is_workbook(path, &bytes) {
        return read_workbook(bytes, sheet)
            .map_err(|e| ReadError::Unreadable(format!("{name}: {e}")));
    }
    if sheet.is_some() {
        return Err(ReadError::Unreadable(format!(
            "{name}: --sheet is for workbooks (.xlsx), and this is a CSV file"
        )));
    }
    let text = decode(&bytes, encoding).map_err(|e| match e {
        ReadError::Unreadable(m) => ReadError::Unreadable(format!("{name}: {m}")),
        ReadError::Undecodable(lines) => {
            ReadError::Undecodable(lines.into_iter().map(|l| format!("{name}:{l}")).collect())
        }
    })?;
    read_csv(&text).map_err(|e| ReadError::Unreadable(format!("{name}: {e}")))
}

fn is_workbook(path: &Path, bytes: &[u8]) -> bool {
    let by_name = path.extension().is_some_and(|e| {
        let e = e.to_string_lossy().to_ascii_lowercase();
        matches!(e.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
    });
    // A zip (xlsx, ods) or an OLE compound file (xls) is no CSV whatever its name.
    by_name || bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Bytes → text. UTF-8 by default (its byte order mark dropped); other bytes are an
/// error naming the first bad line, with the hint that GBK would read them.
pub fn decode(bytes: &[u8], encoding: Option<Encoding>) -> Result<String, ReadError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        // A UTF-8 byte order mark settles it, whatever was asked.
        return utf8(rest, encoding);
    }
    match encoding {
        Some(Encoding::Gbk) => gbk(bytes),
        Some(Encoding::Utf8) | None => utf8(bytes, encoding),
    }
}

fn utf8(bytes: &[u8], asked: Option<Encoding>) -> Result<String, ReadError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = line_of(&bytes[..at]);
            let gbk_reads = encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .is_some();
            let hint = match (asked, gbk_reads) {
                (None, true) => "; it reads as GBK: add `--encoding gbk`",
                (None, false) => "; if it is GBK, add `--encoding gbk`",
                (Some(_), _) => "",
            };
            Err(ReadError::Unreadable(format!(
                "line {line} (byte {at}) is not UTF-8{hint}"
            )))
        }
    }
}

/// The 1-based line that the byte after `before` is on.
fn line_of(before: &[u8]) -> usize {
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// Decodes GB18030, listing every line with bytes that are not GB18030 (at most 10).
fn gbk(bytes: &[u8]) -> Result<String, ReadError> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(capacity);
    let mut bad: Vec<String> = Vec::new();
    let mut pos = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match result {
            encoding_rs::DecoderResult::InputEmpty => break,
            encoding_rs::DecoderResult::OutputFull => {
                out.reserve(bytes.len() - pos + 16);
            }
            encoding_rs::DecoderResult::Malformed(len, extra) => {
                let at = pos.saturating_sub(usize::from(len) + usize::from(extra));
                let line = line_of(&bytes[..at]);
                if bad.len() < 10 {
                    bad.push(format!("{line}: byte {at} is not GBK (GB18030)"));
                }
                out.push('\u{FFFD}');
            }
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(ReadError::Undecodable(bad))
    }
}

/// CSV text → sheet. Tab-separated when the header has tabs and no commas.
pub fn read_csv(text: &str) -> Result<Sheet, String> {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(p) => format!("line {}: not CSV: {e}", p.line()),
            None => format!("not CSV: {e}"),
        })?;
        records.push(record.iter().map(str::to_owned).collect::<Vec<String>>());
    }
    Ok(sheet_from(
        records
            .into_iter()
            .map(|r| r.into_iter().map(Cell::Text).collect())
            .collect(),
        1,
    ))
}

/// Rows of cells → sheet: the first row that is not empty is the header; `first`
/// is the spreadsheet number of the first row given.
fn sheet_from(rows: Vec<Vec<Cell>>, first: usize) -> Sheet {
    let mut rows = rows.into_iter().zip(first..);
    let mut sheet = Sheet::default();
    for (cells, _) in rows.by_ref() {
        if cells.iter().any(|c| !is_blank(c)) {
            sheet.headers = cells.iter().map(header_name).collect();
            break;
        }
    }
    let width = sheet.headers.len();
    for (mut cells, number) in rows {
        if cells.iter().all(is_blank) {
            continue;
        }
        let extra = cells.iter().skip(width).filter(|c| !is_blank(c)).count();
        cells.resize(width, Cell::Empty);
        sheet.rows.push(Row {
            number,
            cells,
            extra,
        });
    }
    sheet
}

fn is_blank(cell: &Cell) -> bool {
    match cell {
        Cell::Empty => true,
        Cell::Text(t) => t.trim().is_empty(),
        _ => false,
    }
}

fn header_name(cell: &Cell) -> String {
    let text = match cell {
        Cell::Text(t) => t.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Number(f) => f.to_string(),
        _ => String::new(),
    };
    text.trim_start_matches('\u{FEFF}').trim().to_owned()
}

fn read_workbook(bytes: Vec<u8>, wanted: Option<&str>) -> Result<Sheet, String> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("not a workbook that can be read: {e}"))?;
    let names = book.sheet_names();
    let name = match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "no sheet `{w}`; the sheets are {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?,
        None => names.first().cloned().ok_or("the workbook has no sheet")?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format!("sheet `{name}` cannot be read: {e}"))?;
    let first = range.start().map_or(1, |(row, _)| row as usize + 1);
    let skipped_columns = range.start().map_or(0, |(_, col)| col as usize);
    let rows = range
        .rows()
        .map(|r| {
            let mut cells = vec![Cell::Empty; skipped_columns];
            cells.extend(r.iter().map(cell));
            cells
        })
        .collect();
    let mut sheet = sheet_from(rows, first);
    if names.len() > 1 && wanted.is_none() {
        sheet.notes.push(format!(
            "read sheet `{name}`, the first of {} (--sheet NAME reads another)",
            names.len()
        ));
    }
    Ok(sheet)
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::Error(e) => Cell::Error(e.to_string()),
        Data::DateTime(d) if d.is_duration() => {
            // A duration cell: whole seconds, in the spelling durations accept.
            Cell::Text(format!("{}s", (d.as_f64() * 86_400.0).round()))
        }
        Data::DateTime(d) => {
            let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
            let when = NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(da))
                .zip(NaiveTime::from_hms_opt(
                    u32::from(h),
                    u32::from(mi),
                    u32::from(s),
                ))
                .map(|(date, time)| date.and_time(time));
            match when {
                // Serial fractions land a hair off the second: round to the nearest.
                Some(t) if ms >= 500 => Cell::When(t + chrono::Duration::seconds(1)),
                Some(t) => Cell::When(t),
                None => Cell::Error(format!("date serial {} is no calendar day", d.as_f64())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_a_byte_order_mark_loses_the_mark() {
        let text = decode(b"\xEF\xBB\xBFid,name\n1,a\n", None).unwrap();
        assert_eq!(text, "id,name\n1,a\n");
    }

    #[test]
    fn gbk_bytes_without_an_encoding_are_refused_with_the_line_and_a_hint() {
        let (bytes, _, _) = encoding_rs::GBK.encode("id,昵称\n1,老王\n");
        let Err(ReadError::Unreadable(m)) = decode(&bytes, None) else {
            panic!("GBK read as UTF-8")
        };
        assert_eq!(
            m,
            "line 1 (byte 3) is not UTF-8; it reads as GBK: add `--encoding gbk`"
        );
        assert_eq!(
            decode(&bytes, Some(Encoding::Gbk)).unwrap(),
            "id,昵称\n1,老王\n"
        );
    }

    #[test]
    fn undecodable_gbk_names_its_line() {
        let mut bytes = encoding_rs::GBK.encode("id,昵称\n1,老王\n").0.into_owned();
        bytes.extend_from_slice(b"2,\x81\x20\n");
        let Err(ReadError::Undecodable(lines)) = decode(&bytes, Some(Encoding::Gbk)) else {
            panic!("bad bytes decoded")
        };
        assert_eq!(lines, ["3: byte 17 is not GBK (GB18030)"]);
    }

    #[test]
    fn csv_rows_are_numbered_as_a_spreadsheet_numbers_them() {
        let sheet = read_csv("ID , 名字\n1,a\n,\n2,b,extra\n3\n").unwrap();
        assert_eq!(sheet.headers, ["ID", "名字"]);
        let numbers: Vec<usize> = sheet.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 4, 5]);
        assert_eq!(sheet.rows[1].extra, 1);
        assert_eq!(sheet.rows[2].cells, [Cell::Text("3".into()), Cell::Empty]);
    }

    #[test]
    fn tab_separated_text_is_read_too() {
        let sheet = read_csv("id\tname\n1\ta,b\n").unwrap();
        assert_eq!(sheet.rows[0].cells[1], Cell::Text("a,b".into()));
    }
}
