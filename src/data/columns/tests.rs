//! Held columns: rows back as they went in, bad values, filters.
use super::*;

fn bad(row: &str) -> BadValue {
    BadValue {
        table: "members".into(),
        column: "orders".into(),
        row: row.into(),
        value: "'x'".into(),
        problem: "not an int".into(),
    }
}

/// id, orders: int, joined: time?, channel: text, tags: set<text>, paid: date?
fn table() -> Columns {
    let bases = [
        Base::Text,
        Base::Int,
        Base::Time,
        Base::Text,
        Base::TextSet,
        Base::Date,
    ];
    let mut b = ColumnsBuilder::new(&bases, &[0, 1, 2, 3, 4, 5]);
    let date = |d| Val::Date(NaiveDate::from_ymd_opt(2026, 5, d).unwrap());
    let set = |s: &str| Val::Set(s.replace(',', &SET_SEPARATOR.to_string()));
    let rows = [
        (
            "m1",
            Val::Int(0),
            Val::Time(100),
            "淘宝",
            set("a,b"),
            date(1),
        ),
        ("m2", Val::Int(5), Val::Null, "抖音", set(""), Val::Null),
        ("m3", Val::Int(9), Val::Time(300), "淘宝", set("b"), date(3)),
    ];
    for (k, (id, orders, joined, channel, tags, paid)) in rows.into_iter().enumerate() {
        let row = Row {
            id: id.into(),
            vals: vec![
                Val::Text(id.into()),
                orders,
                joined,
                Val::Text(channel.into()),
                tags,
                paid,
            ],
        };
        // m2's orders did not decode.
        let bad_values = if k == 1 { vec![(1, bad("m2"))] } else { vec![] };
        b.push(&row, &bad_values).unwrap();
        if k == 0 {
            b.push_bad_id(bad("rowid 2"));
        }
    }
    b.finish()
}

fn rows(bits: &FixedBitSet) -> Vec<usize> {
    bits.ones().collect()
}

#[test]
fn rows_come_back_as_they_went_in() {
    let t = table();
    assert_eq!(t.len(), 3);
    assert!(t.holds(&[0, 1, 5]));
    let mut row = Row::default();
    t.fill(2, &[0, 1, 2, 3, 4, 5], &mut row);
    let set = "b".to_owned();
    assert_eq!(row.id, "m3");
    assert_eq!(
        row.vals,
        vec![
            Val::Text("m3".into()),
            Val::Int(9),
            Val::Time(300),
            Val::Text("淘宝".into()),
            Val::Set(set),
            Val::Date(NaiveDate::from_ymd_opt(2026, 5, 3).unwrap()),
        ]
    );
    // The same row refilled with another member's values, missing ones included.
    t.fill(1, &[0, 1, 2, 3, 4, 5], &mut row);
    assert_eq!(row.vals[2], Val::Null);
    assert_eq!(row.vals[4], Val::Set(String::new()));
    t.fill(0, &[4], &mut row);
    assert_eq!(row.vals[4], Val::Set(format!("a{SET_SEPARATOR}b")));
    assert_eq!(row.vals[5], Val::Null);
    assert_eq!(
        (t.find("m2"), t.find("m4"), t.find("")),
        (Some(1), None, None)
    );
}

#[test]
fn bad_values_are_told_only_to_the_scans_that_read_them() {
    let t = table();
    let (told, left_out) = t.bad_for(&[0, 2]);
    let told: Vec<&str> = told.iter().map(|b| b.row.as_str()).collect();
    assert_eq!((told, rows(&left_out)), (vec!["rowid 2"], vec![]));
    let (told, left_out) = t.bad_for(&[0, 1]);
    let told: Vec<&str> = told.iter().map(|b| b.row.as_str()).collect();
    // In table order: the unreadable id came after m1, before m2.
    assert_eq!((told, rows(&left_out)), (vec!["rowid 2", "m2"], vec![1]));
    assert_eq!(t.bad_in(1, &[1]).count(), 1);
    assert_eq!(t.bad_in(1, &[2]).count(), 0);
}

#[test]
fn filters_keep_every_row_they_may_hold_for() {
    let t = table();
    let cmp = |field, op, value| RowFilter::Compare { field, op, value };
    let text = |s: &str| Stored::Text(s.into());
    // Exact on ints, instants, dates and texts; a missing value never compares
    // (m2's orders did not decode: held as missing, its row left out anyway).
    assert_eq!(
        rows(&t.matching(&cmp(1, FilterOp::Ge, Stored::Int(5)))),
        [2]
    );
    assert_eq!(
        rows(&t.matching(&cmp(2, FilterOp::Le, Stored::Time(100)))),
        [0]
    );
    assert_eq!(
        rows(&t.matching(&cmp(2, FilterOp::Ne, Stored::Time(100)))),
        [2]
    );
    assert_eq!(
        rows(&t.matching(&cmp(5, FilterOp::Gt, text("2026-05-01")))),
        [2]
    );
    assert_eq!(
        rows(&t.matching(&cmp(3, FilterOp::Eq, text("淘宝")))),
        [0, 2]
    );
    assert_eq!(rows(&t.matching(&RowFilter::Absent(2))), [1]);
    assert_eq!(rows(&t.matching(&RowFilter::Present(2))), [0, 2]);
    // What a column cannot say keeps every row: sets, unknown fields, odd values.
    assert_eq!(
        rows(&t.matching(&cmp(4, FilterOp::Eq, text("a")))),
        [0, 1, 2]
    );
    assert_eq!(
        rows(&t.matching(&cmp(9, FilterOp::Eq, Stored::Int(1)))),
        [0, 1, 2]
    );
    // … except that a missing value still never compares.
    assert_eq!(
        rows(&t.matching(&cmp(5, FilterOp::Eq, text("May")))),
        [0, 2]
    );
    let f = RowFilter::any([
        RowFilter::all([cmp(1, FilterOp::Eq, Stored::Int(0)), RowFilter::Present(5)]),
        cmp(3, FilterOp::Eq, text("抖音")),
    ]);
    assert_eq!(rows(&t.matching(&f)), [0, 1]);
    assert_eq!(rows(&t.matching(&RowFilter::False)), Vec::<usize>::new());
}

#[test]
fn a_filter_over_more_rows_than_a_word_holds_is_exact() {
    let bases = [Base::Text, Base::Money];
    let mut b = ColumnsBuilder::new(&bases, &[1]);
    for i in 0..200 {
        let row = Row {
            id: format!("m{i}"),
            vals: vec![Val::Null, Val::Money(Fen(i))],
        };
        b.push(&row, &[]).unwrap();
    }
    let t = b.finish();
    let f = RowFilter::Compare {
        field: 1,
        op: FilterOp::Lt,
        value: Stored::Int(130),
    };
    assert_eq!(rows(&t.matching(&f)), (0..130).collect::<Vec<_>>());
    assert_eq!(t.find("m199"), Some(199));
}

proptest::proptest! {
    /// The first comparison of a column reads it whole, later ones go by its
    /// sorted rows: both give exactly the rows whose value compares.
    #[test]
    fn comparisons_by_sorted_rows_are_exact(
        values in proptest::collection::vec(proptest::option::of(-5i64..5), 0..300),
        c in -6i64..6,
    ) {
        let bases = [Base::Text, Base::Int];
        let mut b = ColumnsBuilder::new(&bases, &[1]);
        for (i, v) in values.iter().enumerate() {
            let row = Row {
                id: format!("m{i}"),
                vals: vec![Val::Null, v.map_or(Val::Null, Val::Int)],
            };
            b.push(&row, &[]).unwrap();
        }
        let t = b.finish();
        for op in [FilterOp::Eq, FilterOp::Ne, FilterOp::Lt, FilterOp::Le, FilterOp::Gt, FilterOp::Ge] {
            let want: Vec<usize> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_some_and(|x| holds(op, x.cmp(&c))))
                .map(|(i, _)| i)
                .collect();
            let f = RowFilter::Compare { field: 1, op, value: Stored::Int(c) };
            for _ in 0..2 {
                proptest::prop_assert_eq!(&rows(&t.matching(&f)), &want, "{:?} {}", op, c);
            }
        }
    }
}
