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
    /// A time cell of a workbook without a date part (`10:00`).
    Clock(NaiveTime),
    /// An error cell of a workbook (`#N/A`, `#DIV/0!`).
    Error(String),
}

/// One data row: its number as the user sees it — a workbook's row number, a CSV's
/// line (where the row starts) — and its cells, as many as the header has.
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

/// CSV text → sheet. Tab-separated when the header has tabs and no commas. A quote
/// that is never closed is an error naming the line it opened on: read on, it would
/// swallow every later line into one cell.
pub fn read_csv(text: &str) -> Result<Sheet, String> {
    // Excel's "CSV (Macintosh)" ends lines with a lone `\r`, which the csv reader
    // does not count as a line: read them as `\n` (the same length, so the same
    // places) for row numbers that match the file's lines.
    let unix;
    let text = if text.contains('\r') && !text.contains('\n') {
        unix = text.replace('\r', "\n");
        unix.as_str()
    } else {
        text
    };
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    if let Some(line) = unclosed_quote(text, delimiter) {
        return Err(format!(
            "not CSV: a quote opened on line {line} is never closed"
        ));
    }
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
        // The line the record starts on: the csv reader skips blank lines, and a
        // quoted cell may span several, so the record's index is not its number. Its
        // position is where reading began, before the blank lines it skipped.
        let line = record.position().map_or(records.len() + 1, |p| {
            let start = usize::try_from(p.byte()).unwrap_or(usize::MAX);
            let skipped = text
                .as_bytes()
                .get(start..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .filter(|&&b| b == b'\n')
                .count();
            p.line() as usize + skipped
        });
        records.push((
            line,
            record.iter().map(|c| Cell::Text(c.to_owned())).collect(),
        ));
    }
    Ok(sheet_from(records))
}

/// The line on which a quoted field opens that no quote closes, reading quotes the way
/// the csv reader does: a quote opens a field only at its start, and `""` inside a
/// quoted field is a quote.
fn unclosed_quote(text: &str, delimiter: u8) -> Option<usize> {
    #[derive(Clone, Copy)]
    enum State {
        Start,
        Field,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::Start;
    let mut line = 1;
    let mut opened = 0;
    for &b in text.as_bytes() {
        let end = b == delimiter || b == b'\n' || b == b'\r';
        state = match state {
            State::Start if b == b'"' => {
                opened = line;
                State::Quoted
            }
            State::Start | State::Field | State::QuoteInQuoted if end => State::Start,
            State::Start | State::Field => State::Field,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted => State::Field,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    matches!(state, State::Quoted).then_some(opened)
}

/// Rows of cells, each with its number as the user sees it (a spreadsheet's row, a
/// CSV's line) → sheet: the first row that is not empty is the header.
fn sheet_from(rows: Vec<(usize, Vec<Cell>)>) -> Sheet {
    let mut rows = rows.into_iter();
    let mut sheet = Sheet::default();
    for (_, cells) in rows.by_ref() {
        if cells.iter().any(|c| !is_blank(c)) {
            sheet.headers = cells.iter().map(header_name).collect();
            break;
        }
    }
    let width = sheet.headers.len();
    for (number, mut cells) in rows {
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
        .zip(first..)
        .map(|(r, number)| {
            let mut cells = vec![Cell::Empty; skipped_columns];
            cells.extend(r.iter().map(cell));
            (number, cells)
        })
        .collect();
    let mut sheet = sheet_from(rows);
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
        Data::DateTime(d) if (0.0..1.0).contains(&d.as_f64()) => {
            // A serial below one day is a time of day alone: its date part would be
            // the epoch's day 0 (1899-12-31), which no cell means.
            let seconds = (d.as_f64() * 86_400.0).round() as u32;
            match NaiveTime::from_num_seconds_from_midnight_opt(seconds.min(86_399), 0) {
                Some(t) => Cell::Clock(t),
                None => Cell::Error(format!("time serial {} is no time of day", d.as_f64())),
            }
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
    fn csv_rows_are_numbered_by_the_line_they_start_on() {
        let sheet = read_csv("id,tags\n\nm1,x\n\n\nm2,\"a\nb\"\nm3,y\n").unwrap();
        let numbers: Vec<usize> = sheet.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [3, 6, 8]);
        let sheet =
            read_csv("id,tags\r\nm1,x\r\n\r\nm2,y\r\n\r\n\r\nm3,\"a\r\nb\"\r\nm4,z").unwrap();
        let numbers: Vec<usize> = sheet.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 4, 7, 9]);
    }

    #[test]
    fn an_unclosed_quote_is_refused_with_the_line_it_opened_on() {
        assert_eq!(
            read_csv("id,spend,level,tags\nm1,7,3,\"x\nm2,8,1,y\n").unwrap_err(),
            "not CSV: a quote opened on line 2 is never closed"
        );
        // Doubled quotes inside a quoted cell, and quotes inside an unquoted cell, close
        // nothing and open nothing.
        let sheet =
            read_csv("id,note\r\nm1,\"say \"\"hi\"\"\nthere\"\r\nm2,5\" screen\r\n").unwrap();
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[1].cells[1], Cell::Text("5\" screen".into()));
        assert!(read_csv("id,note\nm1,\"a\"\"\n").is_err());
    }

    #[test]
    fn tab_separated_text_is_read_too() {
        let sheet = read_csv("id\tname\n1\ta,b\n").unwrap();
        assert_eq!(sheet.rows[0].cells[1], Cell::Text("a,b".into()));
    }
}
