//! `playbook import`: a shop's export into the SQLite table `run` reads.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Status, load_program, print_stderr_line, print_stdout};
use playbook::app::import::{self, Encoding, MoneyUnit, Options, TableKind};

/// Arguments of `playbook import`.
#[derive(Debug, Args)]
#[command(after_help = "\
Columns are matched to the playbook's fields by name (ASCII letters in any case) or by \
--map, e.g. --map 手机号=id --map 实付金额=amount. Money is read as yuan (`12.50`, \
`¥1,234.50`, `12元`) and written as exact fen; a value with more than two decimals is \
refused, never rounded. Blank cells, `-`, `—` and `null` are missing values: NULL for \
an optional field, a bad value otherwise.

Rows are upserted by id, so importing the same file again changes nothing. An import \
that fails writes nothing: every bad value is listed by column first. Events without \
an id column get an id derived from their content.

Exit status: 0 imported, 1 bad values or missing columns (nothing written), 2 bad \
usage, an unreadable file or a database that cannot be written.")]
pub struct ImportArgs {
    /// The export: CSV (UTF-8; GBK with --encoding gbk) or a workbook (.xlsx).
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// The SQLite database to write into; created when absent.
    #[arg(long, value_name = "DB")]
    into: PathBuf,

    /// Which table to fill.
    #[arg(long, value_enum)]
    table: TableArg,

    /// The playbook whose schema the table follows.
    #[arg(long, value_name = "PB")]
    playbook: PathBuf,

    /// Take a field from a column of another name; may be repeated.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    maps: Vec<String>,

    /// The CSV's text encoding (default UTF-8; other bytes are an error).
    #[arg(long, value_enum)]
    encoding: Option<EncodingArg>,

    /// What money columns count.
    #[arg(long, value_enum, default_value_t = MoneyArg::Yuan)]
    money: MoneyArg,

    /// For events: the kind of every row (an order export has no kind column).
    #[arg(long, value_name = "KIND")]
    kind: Option<String>,

    /// A workbook's sheet (default the first).
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,

    /// Import the rows that convert, list the others, and warn with their share.
    #[arg(long)]
    skip_bad_rows: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TableArg {
    Members,
    Groups,
    Events,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EncodingArg {
    /// UTF-8 (a byte order mark is dropped).
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GBK, read as GB18030 (which covers GBK and GB2312).
    #[value(alias = "gb18030", alias = "gb2312")]
    Gbk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MoneyArg {
    /// Yuan with up to two decimals.
    Yuan,
    /// Whole fen.
    Fen,
}

/// Runs `playbook import`.
pub fn run(args: &ImportArgs) -> Status {
    let (_outcome, compiled) = match load_program(&args.playbook) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let options = Options {
        file: &args.file,
        into: &args.into,
        table: match args.table {
            TableArg::Members => TableKind::Members,
            TableArg::Groups => TableKind::Groups,
            TableArg::Events => TableKind::Events,
        },
        maps: &args.maps,
        encoding: args.encoding.map(|e| match e {
            EncodingArg::Utf8 => Encoding::Utf8,
            EncodingArg::Gbk => Encoding::Gbk,
        }),
        money: match args.money {
            MoneyArg::Yuan => MoneyUnit::Yuan,
            MoneyArg::Fen => MoneyUnit::Fen,
        },
        kind: args.kind.as_deref(),
        sheet: args.sheet.as_deref(),
        skip_bad_rows: args.skip_bad_rows,
    };
    match import::import(&compiled.program, &options) {
        Ok(done) => {
            for note in &done.notes {
                print_stderr_line(&format!("note: {note}"));
            }
            for line in &done.skipped {
                print_stderr_line(line);
            }
            if let Some(warning) = &done.warning {
                print_stderr_line(&format!("warning: {warning}"));
            }
            print_stdout(&format!("{}\n", done.summary()));
            Status::Success
        }
        Err(e) => {
            print_stderr_line(&format!("error: {e}"));
            if e.is_usage() {
                Status::Usage
            } else {
                Status::Failure
            }
        }
    }
}
