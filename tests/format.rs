//! The formatter: snapshots of its output for every example, every semantics file and
//! a few messy inputs; the shipped examples are formatted already; and properties
//! over random programs — printing an AST and parsing it back gives the same AST,
//! formatting is idempotent, and comments written anywhere a line can end survive.
//!
//! The random cases are few by default; set `PROPTEST_CASES` for a long run.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use playbook::format::{FormatError, format_source, print_program};
use playbook::money::{Fen, Rate};
use playbook::source::{FileId, Span};
use playbook::syntax::ast::*;
use playbook::syntax::parse;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn format(text: &str) -> String {
    match format_source(FileId(0), text) {
        Ok(out) => out,
        Err(FormatError::Syntax(d)) => panic!("syntax error: {}", d[0].message),
        Err(FormatError::Internal(m)) => panic!("internal error: {m}\n{text}"),
    }
}

// ---------------------------------------------------------------- snapshots

/// The formatted file, checked to be stable under a second formatting.
fn formatted(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("readable");
    let once = format(&text);
    assert_eq!(
        format(&once),
        once,
        "{}: formatting twice differs",
        path.display()
    );
    once
}

#[test]
fn formats_every_example() {
    insta::glob!("../examples", "*.playbook", |p| insta::assert_snapshot!(
        formatted(p)
    ));
}

#[test]
fn formats_every_semantics_file() {
    insta::glob!("semantics/*.playbook", |p| insta::assert_snapshot!(
        formatted(p)
    ));
}

#[test]
fn formats_messy_inputs() {
    insta::glob!("fixtures/format/*.playbook", |p| {
        insta::assert_snapshot!(formatted(p))
    });
}

/// `precedence.playbook` is left as written: it tests how unbracketed text parses,
/// and the formatter brackets a `??` that is compared.
const LEFT_AS_WRITTEN: &str = "precedence.playbook";

#[test]
fn the_examples_and_semantics_files_are_formatted() {
    for dir in ["examples", "tests/semantics"] {
        for entry in std::fs::read_dir(dir).expect("folder") {
            let path = entry.expect("entry").path();
            let is_playbook = path.extension().is_some_and(|e| e == "playbook");
            if is_playbook && !path.ends_with(LEFT_AS_WRITTEN) {
                let text = std::fs::read_to_string(&path).expect("readable");
                assert!(format(&text) == text, "{} is not formatted", path.display());
            }
        }
    }
}

#[test]
fn the_readme_tour_is_formatted() {
    let readme = include_str!("../README.md");
    let tour = readme
        .split("## A tour of the language")
        .nth(1)
        .and_then(|t| t.split("```\n").nth(1))
        .expect("tour code block");
    assert_eq!(format(tour), tour);
}

// ---------------------------------------------------------------- random programs

fn sp<T>(node: T) -> Spanned<T> {
    Spanned::new(node, Span::default())
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a", "b", "x_1", "orders", "潜客", "新客", "老客", "m1",
    ])
    .prop_map(String::from)
}

fn ident() -> impl Strategy<Value = Ident> {
    name().prop_map(sp)
}

/// Member and group ids: names, and texts that must be written as strings.
fn target() -> impl Strategy<Value = Spanned<String>> {
    prop::sample::select(vec!["m1", "会员7", "not", "a b", "m-1", "", "x\"y"])
        .prop_map(|s| sp(s.to_string()))
}

fn text() -> impl Strategy<Value = String> {
    "[a-z \"\\\\\n\t/中]{0,6}"
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (2000i32..2100, 1u32..13, 1u32..29)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("valid day"))
}

fn time() -> impl Strategy<Value = NaiveTime> {
    (0u32..24, 0u32..60, prop::sample::select(vec![0u32, 0, 30]))
        .prop_map(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s).expect("valid time"))
}

fn datetime() -> impl Strategy<Value = NaiveDateTime> {
    (date(), time()).prop_map(|(d, t)| NaiveDateTime::new(d, t))
}

fn money() -> impl Strategy<Value = Fen> {
    prop_oneof![0i64..10_000, 0i64..10_000_000_000].prop_map(Fen)
}

fn rate() -> impl Strategy<Value = Rate> {
    (0i64..20_000).prop_map(Rate)
}

fn duration() -> impl Strategy<Value = Duration> {
    let unit = prop::sample::select(vec![
        DurationUnit::Minutes,
        DurationUnit::Hours,
        DurationUnit::Days,
        DurationUnit::Weeks,
    ]);
    (1i64..400, unit).prop_map(|(n, unit)| Duration {
        seconds: n * unit.seconds(),
        unit,
    })
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        (0i64..100_000).prop_map(Literal::Int),
        (0i64..100_000, 0u32..4).prop_map(|(n, s)| Literal::Decimal(Decimal::new(n, s))),
        money().prop_map(Literal::Money),
        rate().prop_map(Literal::Percent),
        duration().prop_map(Literal::Duration),
        date().prop_map(Literal::Date),
        datetime().prop_map(Literal::DateTime),
        time().prop_map(Literal::Time),
        text().prop_map(Literal::Text),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Now),
        Just(Literal::Today),
    ]
}

fn path() -> impl Strategy<Value = Expr> {
    let scope = prop::sample::select(vec![Scope::Event, Scope::Member, Scope::Group]);
    prop_oneof![
        name().prop_map(|n| sp(ExprKind::Name(n))),
        (scope, ident()).prop_map(|(s, field)| sp(ExprKind::Field {
            scope: sp(s),
            field
        })),
    ]
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    prop::sample::select(vec![
        BinaryOp::Or,
        BinaryOp::And,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::In,
        BinaryOp::NotIn,
        BinaryOp::Coalesce,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
    ])
}

/// Operators that form chains, grouped by precedence level.
fn chain_ops() -> impl Strategy<Value = Vec<BinaryOp>> {
    prop::sample::select(vec![
        vec![BinaryOp::Or],
        vec![BinaryOp::And],
        vec![BinaryOp::Coalesce],
        vec![BinaryOp::Add, BinaryOp::Sub],
        vec![BinaryOp::Mul, BinaryOp::Div],
    ])
}

/// `first OP x OP y …`: two or more operators of one level.
fn chain(inner: impl Strategy<Value = Expr> + Clone) -> impl Strategy<Value = Expr> {
    chain_ops().prop_flat_map(move |ops| {
        let op = prop::sample::select(ops);
        let rest = prop::collection::vec((op, inner.clone()), 2..5);
        (inner.clone(), rest).prop_map(|(first, rest)| {
            sp(ExprKind::Chain {
                first: Box::new(first),
                rest: rest.into_iter().map(|(op, e)| (sp(op), e)).collect(),
            })
        })
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        literal().prop_map(|l| sp(ExprKind::Literal(l))),
        path(),
        path().prop_map(|p| sp(ExprKind::Exists(Box::new(p)))),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (binary_op(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| sp(
                ExprKind::Binary {
                    op: sp(op),
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                }
            )),
            chain(inner.clone()),
            (prop::bool::ANY, inner.clone()).prop_map(|(not, e)| sp(ExprKind::Unary {
                op: if not { UnaryOp::Not } else { UnaryOp::Neg },
                operand: Box::new(e),
            })),
            (ident(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(func, args)| sp(ExprKind::Call { func, args })),
            prop::collection::vec(inner, 0..3).prop_map(|items| sp(ExprKind::List(items))),
        ]
    })
}

fn window() -> impl Strategy<Value = Window> {
    prop_oneof![
        Just(Window::Total),
        prop::sample::select(vec![Period::Day, Period::Week, Period::Month]).prop_map(Window::Per),
    ]
}

fn period() -> impl Strategy<Value = Period> {
    prop::sample::select(vec![Period::Day, Period::Week, Period::Month])
}

fn coupon() -> impl Strategy<Value = Coupon> {
    let value = prop_oneof![
        money().prop_map(CouponValue::Amount),
        rate().prop_map(CouponValue::PercentOff),
        (1i64..10_000).prop_map(|paid| CouponValue::Zhe(Rate(paid))),
    ];
    let option = prop_oneof![
        money().prop_map(CouponOption::Over),
        money().prop_map(CouponOption::Max),
        text().prop_map(CouponOption::Scope),
        duration().prop_map(CouponOption::Valid),
        Just(CouponOption::Stackable),
    ];
    (value, prop::collection::vec(option.prop_map(sp), 0..3)).prop_map(|(v, options)| Coupon {
        value: sp(v),
        options,
    })
}

/// Whether a reward ends with an expression that a following `>= V` would continue.
fn open_ended(r: &Reward) -> bool {
    matches!(
        r.node,
        RewardKind::Points(_) | RewardKind::RedPacket { split: None, .. }
    )
}

fn reward() -> impl Strategy<Value = Reward> {
    let split =
        (1u64..100, any::<bool>()).prop_map(|(shares, random)| sp(Split { shares, random }));
    let leaf = prop_oneof![
        coupon().prop_map(RewardKind::Coupon),
        (expr(), prop::option::of(split))
            .prop_map(|(amount, split)| RewardKind::RedPacket { amount, split }),
        expr().prop_map(RewardKind::Points),
        (text(), prop::option::of(money())).prop_map(|(n, w)| RewardKind::Gift {
            name: sp(n),
            worth: w.map(sp),
        }),
        ident().prop_map(RewardKind::Ref),
    ]
    .prop_map(sp);
    leaf.prop_recursive(3, 12, 3, |inner| {
        let boxed = prop::option::of(inner.clone().prop_map(Box::new));
        let compare = prop::sample::select(vec![
            BinaryOp::Eq,
            BinaryOp::Ne,
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Gt,
            BinaryOp::Ge,
        ]);
        prop_oneof![
            (
                prop::collection::vec((rate(), inner.clone()), 0..3),
                boxed.clone()
            )
                .prop_map(|(arms, rest)| RewardKind::Lottery {
                    arms: arms
                        .into_iter()
                        .map(|(c, reward)| LotteryArm {
                            chance: sp(c),
                            reward
                        })
                        .collect(),
                    rest,
                }),
            (
                prop::collection::vec((expr(), inner.clone()), 0..3),
                boxed.clone()
            )
                .prop_map(|(arms, otherwise)| RewardKind::Tier {
                    arms: arms
                        .into_iter()
                        .map(|(when, reward)| TierArm { when, reward })
                        .collect(),
                    otherwise,
                }),
            (
                expr(),
                // A threshold arm ending in an amount can only be the last one: the
                // next `>= V` would continue the amount (a limit of the grammar).
                prop::collection::vec((compare, expr(), inner.clone()), 0..3).prop_filter(
                    "open amount before a threshold",
                    |arms| arms.iter().rev().skip(1).all(|(_, _, r)| !open_ended(r))
                ),
                boxed
            )
                .prop_map(|(subject, arms, otherwise)| RewardKind::TierBy {
                    subject,
                    arms: arms
                        .into_iter()
                        .map(|(op, value, reward)| TierByArm {
                            op: sp(op),
                            value,
                            reward
                        })
                        .collect(),
                    otherwise,
                }),
            (
                text(),
                prop::collection::vec((ident(), rate(), inner), 0..3)
            )
                .prop_map(|(n, arms)| RewardKind::Experiment {
                    name: sp(n),
                    arms: arms
                        .into_iter()
                        .map(|(name, share, reward)| ExperimentArm {
                            name,
                            share: sp(share),
                            reward
                        })
                        .collect(),
                }),
        ]
        .prop_map(sp)
    })
}

fn schedule() -> impl Strategy<Value = Schedule> {
    let weekday = prop::sample::select(vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]);
    prop_oneof![
        time().prop_map(|t| Schedule::Daily(sp(t))),
        (prop::collection::vec(weekday, 1..4), time()).prop_map(|(days, at)| {
            Schedule::Weekly {
                days: days.into_iter().map(sp).collect(),
                at: sp(at),
            }
        }),
        (duration(), time(), time()).prop_map(|(step, from, to)| Schedule::Interval {
            step: sp(step),
            from: sp(from),
            to: sp(to),
        }),
        (any::<bool>(), time()).prop_map(|(holiday, at)| Schedule::Calendar {
            day: sp(if holiday {
                CalendarDay::Holiday
            } else {
                CalendarDay::Workday
            }),
            at: sp(at),
        }),
        (1u64..32, time()).prop_map(|(day, at)| Schedule::Monthly {
            day: sp(day),
            at: sp(at),
        }),
        datetime().prop_map(|t| Schedule::Once(sp(t))),
        text().prop_map(|c| Schedule::Cron(sp(c))),
    ]
}

fn limit() -> impl Strategy<Value = Limit> {
    let target = prop::sample::select(vec![TargetKind::Member, TargetKind::Group]);
    let scope = prop_oneof![
        (target, prop::option::of(period())).prop_map(|(t, p)| (Some(sp(t)), p.map(Window::Per))),
        window().prop_map(|w| (None, Some(w))),
    ];
    (prop::option::of(0u64..1000), scope).prop_map(|(count, (per_target, window))| Limit {
        count: sp(count.unwrap_or(1)),
        once: count.is_none(),
        per_target,
        window,
    })
}

fn date_range() -> impl Strategy<Value = DateRange> {
    (date(), date()).prop_map(|(from, to)| DateRange {
        from: sp(Some(from)),
        to: sp(Some(to)),
    })
}

fn clause() -> impl Strategy<Value = Clause> {
    prop_oneof![
        (ident(), prop::option::of(expr()))
            .prop_map(|(event, filter)| Clause::On { event, filter }),
        schedule().prop_map(Clause::Schedule),
        (date_range(), any::<bool>()).prop_map(|(range, except)| Clause::During {
            range,
            except_holidays: except.then(|| sp(())),
        }),
        ident().prop_map(Clause::ForGroup),
        expr().prop_map(Clause::When),
        prop::collection::vec(reward(), 1..3).prop_map(Clause::Give),
        limit().prop_map(Clause::Limit),
        (money(), window()).prop_map(|(a, window)| Clause::Cap {
            amount: sp(a),
            window
        }),
        (-1000i64..1000).prop_map(Clause::Priority),
        (text(), prop::option::of(period())).prop_map(|(g, period)| Clause::Exclusive {
            group: sp(g),
            period
        }),
        (expr(), prop::option::of(any::<bool>())).prop_map(|(key, dir)| Clause::OrderBy {
            key,
            descending: dir == Some(true),
            explicit: dir.is_some(),
        }),
    ]
}

fn record() -> impl Strategy<Value = Vec<FieldValue>> {
    prop::collection::vec(
        (ident(), expr()).prop_map(|(name, value)| FieldValue { name, value }),
        0..3,
    )
}

fn test_item() -> impl Strategy<Value = TestItem> {
    let entry = (ident(), target(), ident(), datetime()).prop_map(|(reward, target, rule, at)| {
        sp(LedgerEntry {
            reward,
            target,
            rule,
            at: sp(at),
        })
    });
    let reason = prop::sample::select(vec!["budget", "limit", "cap", "exclusive"]);
    prop_oneof![
        datetime().prop_map(TestItem::At),
        (target(), record()).prop_map(|(id, fields)| TestItem::Member { id, fields }),
        (target(), record()).prop_map(|(id, fields)| TestItem::Group { id, fields }),
        (ident(), target(), datetime(), record()).prop_map(|(kind, by, at, fields)| {
            TestItem::Event {
                kind,
                by,
                at: sp(at),
                fields,
            }
        }),
        prop::collection::vec(entry, 0..3).prop_map(TestItem::Ledger),
        (
            target(),
            any::<bool>(),
            prop::option::of(prop::collection::vec(ident(), 1..3))
        )
            .prop_map(|(target, negated, rewards)| TestItem::ExpectGets {
                target,
                negated,
                rewards
            }),
        (target(), ident(), reason).prop_map(|(target, rule, r)| TestItem::ExpectRefused {
            target,
            rule,
            reason: sp(r.to_string()),
        }),
        money().prop_map(|m| TestItem::ExpectSpend(sp(m))),
    ]
}

fn schema() -> impl Strategy<Value = Schema> {
    let ty = (
        prop::sample::select(vec!["int", "text", "money", "time", "set"]),
        any::<bool>(),
    )
        .prop_map(|(n, optional)| TypeExpr {
            name: sp(n.to_string()),
            arg: (n == "set").then(|| {
                Box::new(sp(TypeExpr {
                    name: sp("text".to_string()),
                    arg: None,
                    optional: false,
                }))
            }),
            optional,
        });
    prop::collection::vec(
        (ident(), ty, any::<bool>()).prop_map(|(name, t, joined)| FieldDecl {
            name,
            ty: sp(t),
            joined: joined.then(|| sp(())),
        }),
        0..4,
    )
    .prop_map(|fields| Schema { fields })
}

fn setting() -> impl Strategy<Value = Setting> {
    let budget_item = (money(), window()).prop_map(|(a, window)| {
        sp(BudgetItem {
            amount: sp(a),
            window,
        })
    });
    prop_oneof![
        text().prop_map(|t| Setting::Timezone(sp(t))),
        date_range().prop_map(Setting::Active),
        prop::collection::vec(budget_item, 1..3).prop_map(Setting::Budget),
        text().prop_map(|t| Setting::Seed(sp(t))),
        (time(), time()).prop_map(|(from, to)| Setting::Quiet {
            from: sp(from),
            to: sp(to)
        }),
        (money(), money()).prop_map(|(min, max)| Setting::RedPacketLimits {
            min: sp(min),
            max: sp(max)
        }),
        money().prop_map(|m| Setting::PointValue(sp(m))),
        prop::collection::vec(
            prop_oneof![
                money().prop_map(ChannelItem::Amount),
                (0u64..1000).prop_map(ChannelItem::RedPackets),
            ]
            .prop_map(sp),
            1..3
        )
        .prop_map(Setting::PerMemberDaily),
        text().prop_map(|t| Setting::Calendar(sp(t))),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    let body = prop_oneof![
        expr().prop_map(SegmentBody::Expr),
        (0u64..10_000, expr(), prop::option::of(expr())).prop_map(|(count, by, filter)| {
            SegmentBody::Top {
                count: sp(count),
                by,
                filter,
            }
        }),
    ];
    prop_oneof![
        (text(), prop::collection::vec(setting().prop_map(sp), 0..4)).prop_map(|(n, settings)| {
            Item::Header(sp(Header {
                name: sp(n),
                settings,
            }))
        }),
        text().prop_map(|p| Item::Use(sp(p))),
        schema().prop_map(|s| Item::MemberSchema(sp(s))),
        schema().prop_map(|s| Item::GroupSchema(sp(s))),
        (ident(), schema()).prop_map(|(name, schema)| Item::Event(sp(EventDecl { name, schema }))),
        (ident(), any::<bool>(), body).prop_map(|(name, of_group, body)| Item::Segment(sp(
            SegmentDecl {
                name,
                of_group,
                body
            }
        ))),
        (ident(), reward())
            .prop_map(|(name, reward)| Item::Reward(sp(RewardDecl { name, reward }))),
        (ident(), prop::collection::vec(clause().prop_map(sp), 0..5))
            .prop_map(|(name, clauses)| Item::Rule(sp(RuleDecl { name, clauses }))),
        (
            text(),
            prop::collection::vec(test_item().prop_map(sp), 0..5)
        )
            .prop_map(|(n, items)| Item::Test(sp(TestDecl { name: sp(n), items }))),
    ]
}

fn program() -> impl Strategy<Value = Program> {
    prop::collection::vec(item(), 0..6).prop_map(|items| Program { items })
}

/// `text` with a comment after some lines and on a line of its own before others,
/// chosen by `picks` (one per line: 0 none, 1 trailing, 2 own line, 3 both).
fn with_comments(text: &str, picks: &[u8]) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let pick = picks.get(i).copied().unwrap_or(0);
        if pick >= 2 {
            out.push_str(&format!("// own {i} \"//\"\n"));
        }
        out.push_str(line);
        if pick % 2 == 1 {
            out.push_str(&format!("  // after {i}"));
        }
        out.push('\n');
    }
    out
}

/// Whitespace and comments that may land anywhere in a file.
const NOISE: &[&str] = &[
    " ",
    "  ",
    "\n",
    "\n\n\n",
    "// c\n",
    " // t\n",
    "\n// own\n",
    "\t",
];

/// An example, semantics file or messy input with whitespace and comments inserted at
/// random places.
fn noisy_example() -> impl Strategy<Value = String> {
    let mut texts = Vec::new();
    for dir in ["examples", "tests/semantics", "tests/fixtures/format"] {
        for entry in std::fs::read_dir(dir).expect("folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "playbook") {
                texts.push(std::fs::read_to_string(path).expect("playbook"));
            }
        }
    }
    let edits = prop::collection::vec(
        (any::<prop::sample::Index>(), prop::sample::select(NOISE)),
        1..12,
    );
    (0..texts.len(), edits).prop_map(move |(i, edits)| {
        let mut chars: Vec<char> = texts[i].chars().collect();
        for (at, noise) in edits {
            let at = at.index(chars.len() + 1);
            chars.splice(at..at, noise.chars()).for_each(drop);
        }
        chars.into_iter().collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(200)
    ))]

    #[test]
    fn printed_programs_parse_back_to_the_same_tree(program in program()) {
        let printed = print_program(&program);
        let parsed = parse(FileId(0), &printed);
        prop_assert!(parsed.diagnostics.is_empty(), "{printed}\n{:?}", parsed.diagnostics);
        prop_assert_eq!(&parsed.program, &program, "{}", printed);
        prop_assert_eq!(format(&printed), printed);
    }

    #[test]
    fn comments_survive_and_formatting_is_idempotent(
        program in program(),
        picks in prop::collection::vec(0u8..4, 0..40),
    ) {
        let text = with_comments(&print_program(&program), &picks);
        let once = format(&text);
        prop_assert_eq!(format(&once), once);
    }

    #[test]
    fn noise_in_the_examples_is_never_an_internal_error(text in noisy_example()) {
        // Noise inside a token or a string is a syntax error; anything that parses must
        // format, keep its comments and be stable.
        match format_source(FileId(0), &text) {
            Ok(once) => prop_assert_eq!(format(&once), once),
            Err(FormatError::Syntax(_)) => {}
            Err(FormatError::Internal(m)) => prop_assert!(false, "{}\n{}", m, text),
        }
    }
}
