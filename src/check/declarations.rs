//! Pass 1: the header, schemas, events, and the name tables of every declaration.

use std::collections::HashMap;

use super::types::{Base, TExpr, Type};
use super::{
    ChannelLimits, Checker, FieldDef, Program, RecordSchema, Segment, SegmentDef, Settings,
    WECHAT_RED_PACKET_MAX, WorkCalendar,
};
use crate::calendar::Calendar;
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::money::Fen;
use crate::source::Span;
use crate::syntax::ast::{self, ChannelItem, Item, Setting, TargetKind, Window};

/// Reads the header and schemas, registers every name, and reports duplicates.
pub(super) fn gather(c: &mut Checker<'_>, items: &[Item]) -> Program {
    let settings = header(c, items);
    let member = schema(c, items, |i| matches!(i, Item::MemberSchema(_)), "member");
    let group_declared = items.iter().any(|i| matches!(i, Item::GroupSchema(_)));
    let group =
        group_declared.then(|| schema(c, items, |i| matches!(i, Item::GroupSchema(_)), "group"));
    let events = events(c, items);
    let segments = segment_names(c, items, &member, group.as_ref());
    let mut program = Program {
        settings,
        member,
        group,
        events,
        segments,
        segment_order: Vec::new(),
        rewards: Vec::new(),
        rules: Vec::new(),
        tests: Vec::new(),
        histories: Vec::new(),
        calendar_read_at: None,
        imports: Vec::new(),
    };
    register(c, items, &mut program);
    program
}

/// Reports `name` declared a second time at `span`, first at `first`.
pub(super) fn duplicate(c: &mut Checker<'_>, what: &str, name: &str, span: Span, first: Span) {
    c.report(
        Diagnostic::new(
            Code::Duplicate,
            span,
            format!("{what} `{name}` is declared twice"),
        )
        .label("declared again here")
        .related(first, "first declared here")
        .help("rename one of them, or remove the second"),
    );
}

fn header(c: &mut Checker<'_>, items: &[Item]) -> Settings {
    let mut settings = Settings::default();
    let mut first_header: Option<Span> = None;
    for item in items {
        let Item::Header(h) = item else { continue };
        if let Some(first) = first_header {
            duplicate(
                c,
                "playbook header",
                &h.node.name.node,
                h.node.name.span,
                first,
            );
            continue;
        }
        first_header = Some(h.node.name.span);
        settings.name = h.node.name.node.clone();
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for s in &h.node.settings {
            let key = setting_key(&s.node);
            if let Some(first) = seen.get(key) {
                c.report(
                    Diagnostic::new(
                        Code::DuplicateClause,
                        s.span,
                        format!("`{key}` is set twice"),
                    )
                    .label("set again here")
                    .related(*first, "first set here")
                    .help(format!("keep one `{key}` line")),
                );
                continue;
            }
            seen.insert(key, s.span);
            apply_setting(c, &mut settings, &s.node);
        }
    }
    settings
}

fn setting_key(s: &Setting) -> &'static str {
    match s {
        Setting::Timezone(_) => "timezone",
        Setting::Active(_) => "active",
        Setting::Budget(_) => "budget",
        Setting::Seed(_) => "seed",
        Setting::Quiet { .. } => "quiet",
        Setting::RedPacketLimits { .. } => "red_packet_limits",
        Setting::PointValue(_) => "point_value",
        Setting::PerMemberDaily(_) => "per_member_daily",
        Setting::Calendar(_) => "calendar",
        Setting::RenamedFrom(_) => "renamed from",
        Setting::Retired(_) => "retired",
    }
}

fn apply_setting(c: &mut Checker<'_>, settings: &mut Settings, s: &Setting) {
    match s {
        Setting::Timezone(tz) => match tz.node.parse::<chrono_tz::Tz>() {
            Ok(zone) => settings.timezone = zone,
            Err(_) => {
                let names = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name());
                let mut d = Diagnostic::new(
                    Code::UnknownTimezone,
                    tz.span,
                    format!("unknown timezone `{}`", tz.node),
                )
                .label("not in the tz database");
                d = d
                    .help(did_you_mean(&tz.node, names).unwrap_or_else(|| {
                        "use a tz database name such as `Asia/Shanghai`".into()
                    }));
                c.report(d);
            }
        },
        Setting::Active(range) => match date_range(c, range, "active") {
            Some(r) => settings.active = Some(r),
            None => c.days_unknown = true,
        },
        Setting::Budget(items) => budget(c, settings, items),
        Setting::Seed(seed) => settings.seed = seed.node.clone(),
        Setting::RenamedFrom(names) => {
            settings.renamed_from = names.iter().map(|n| n.node.clone()).collect();
        }
        Setting::Retired(names) => {
            settings.retired = names.iter().map(|n| n.node.clone()).collect();
        }
        Setting::Quiet { from, to } => {
            if from.node == to.node {
                c.report(
                    Diagnostic::new(
                        Code::EmptyRange,
                        from.span.to(to.span),
                        "quiet hours start and end at the same time",
                    )
                    .label("an empty period")
                    .help("write the period as `quiet 22:00 .. 08:00`"),
                );
            } else {
                settings.quiet = Some((from.node, to.node));
            }
        }
        Setting::RedPacketLimits { min, max } => {
            if min.node < Fen(1) {
                c.report(
                    Diagnostic::new(
                        Code::InvalidLimit,
                        min.span,
                        "a red-packet share cannot be below ¥0.01",
                    )
                    .label("too small")
                    .help("WeChat pays at least ¥0.01 per share"),
                );
            } else if max.node < min.node {
                c.report(
                    Diagnostic::new(
                        Code::EmptyRange,
                        min.span.to(max.span),
                        format!(
                            "the smallest share {} is above the largest {}",
                            min.node, max.node
                        ),
                    )
                    .label("empty range")
                    .help("write the smaller amount first"),
                );
            } else {
                if max.node > WECHAT_RED_PACKET_MAX {
                    c.report(
                        Diagnostic::new(
                            Code::SuspiciousSetting,
                            max.span,
                            format!(
                                "a red-packet share of up to {} is beyond WeChat's {WECHAT_RED_PACKET_MAX}",
                                max.node
                            ),
                        )
                        .label("above WeChat's limit")
                        .help("WeChat red packets pay at most ¥200 a share; set a larger limit only if your payout channel has been approved for it"),
                    );
                }
                settings.red_packet_min = min.node;
                settings.red_packet_max = max.node;
            }
        }
        Setting::PointValue(v) => settings.point_value = v.node,
        Setting::PerMemberDaily(items) => settings.channel = channel_limits(c, items),
        Setting::Calendar(path) => {
            if let Some(calendar) = company_calendar(c, path) {
                settings.calendar = calendar;
            }
        }
    }
}

/// The official calendar with the company's file on top. The file was read when
/// parsing (a file that could not be read is reported there); its errors are
/// reported here, each at its place in the file.
fn company_calendar(c: &mut Checker<'_>, path: &ast::Spanned<String>) -> Option<WorkCalendar> {
    let file = c.sources.named_file(path.span)?;
    let text = c.sources.get(file).text();
    match Calendar::china().with_overrides(text) {
        Ok(calendar) => Some(WorkCalendar::Own(std::sync::Arc::new(calendar))),
        Err(errors) => {
            for e in errors {
                let mut d = Diagnostic::new(
                    Code::BadCalendar,
                    Span::new(file, e.span.start, e.span.end),
                    e.message,
                )
                .label("in this calendar")
                .related(path.span, "the calendar named here");
                if let Some(help) = e.help {
                    d = d.help(help);
                }
                c.report(d);
            }
            None
        }
    }
}

/// `per_member_daily`: one amount and one count at most, neither zero.
fn channel_limits(c: &mut Checker<'_>, items: &[ast::Spanned<ChannelItem>]) -> ChannelLimits {
    let mut limits = ChannelLimits::default();
    let mut seen: [Option<Span>; 2] = [None, None];
    for item in items {
        let slot = usize::from(matches!(item.node, ChannelItem::RedPackets(_)));
        if let Some(first) = seen[slot] {
            c.report(
                Diagnostic::new(
                    Code::DuplicateClause,
                    item.span,
                    "this `per_member_daily` limit is set twice",
                )
                .label("again here")
                .related(first, "first here")
                .help("give one amount and one count of red packets at most"),
            );
            continue;
        }
        seen[slot] = Some(item.span);
        let (zero, what) = match item.node {
            ChannelItem::Amount(m) => (m <= Fen::ZERO, "an amount of ¥0"),
            ChannelItem::RedPackets(n) => (n == 0, "0 red packets"),
        };
        if zero {
            c.report(
                Diagnostic::new(
                    Code::InvalidLimit,
                    item.span,
                    format!("{what} a day lets no member receive a red packet"),
                )
                .label("allows nothing")
                .help("remove the limit, or give a number above zero"),
            );
            continue;
        }
        match item.node {
            ChannelItem::Amount(m) => limits.amount = Some(m),
            ChannelItem::RedPackets(n) => limits.count = Some(n),
        }
    }
    limits
}

/// Checks an inclusive date range; reports a reversed one. `None` when it has no
/// days: reversed, or a date that is not a calendar date (already reported).
pub(super) fn date_range(
    c: &mut Checker<'_>,
    range: &ast::DateRange,
    what: &str,
) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    let (Some(from), Some(to)) = (range.from.node, range.to.node) else {
        return None;
    };
    if to < from {
        c.report(
            Diagnostic::new(
                Code::EmptyRange,
                range.from.span.to(range.to.span),
                format!("`{what}` ends before it starts"),
            )
            .label(format!("{from} is after {to}"))
            .help("write the earlier date first; both days are included"),
        );
        return None;
    }
    Some((from, to))
}

fn budget(c: &mut Checker<'_>, settings: &mut Settings, items: &[ast::Spanned<ast::BudgetItem>]) {
    let mut seen: HashMap<Window, Span> = HashMap::new();
    for item in items {
        let window = item.node.window;
        if let Some(first) = seen.get(&window) {
            c.report(
                Diagnostic::new(
                    Code::DuplicateClause,
                    item.span,
                    "this budget window is set twice",
                )
                .label("again here")
                .related(*first, "first here")
                .help("give one amount per window"),
            );
            continue;
        }
        seen.insert(window, item.span);
        if item.node.amount.node <= Fen::ZERO {
            c.report(
                Diagnostic::new(
                    Code::InvalidLimit,
                    item.node.amount.span,
                    "a budget of ¥0 allows nothing",
                )
                .label("zero budget")
                .help("remove the budget, or give an amount above zero"),
            );
            continue;
        }
        match window {
            Window::Total => settings.budget_total = Some(item.node.amount.node),
            Window::Per(p) => settings.budget_per.push((p, item.node.amount.node)),
        }
    }
    periods_within_total(c, items);
}

/// A period budget above the total one can never be used up: the total binds first.
fn periods_within_total(c: &mut Checker<'_>, items: &[ast::Spanned<ast::BudgetItem>]) {
    let Some(total) = items.iter().find(|i| i.node.window == Window::Total) else {
        return;
    };
    for item in items {
        let (Window::Per(p), amount) = (item.node.window, item.node.amount.node) else {
            continue;
        };
        if amount > total.node.amount.node {
            c.report(
                Diagnostic::new(
                    Code::SuspiciousSetting,
                    item.span,
                    format!(
                        "the budget per {} ({amount}) is above the total budget ({})",
                        p.keyword(),
                        total.node.amount.node
                    ),
                )
                .label("can never be reached")
                .related(total.span, "the total")
                .help("lower the period budget, or raise the total: probably a digit too many"),
            );
        }
    }
}

fn schema(
    c: &mut Checker<'_>,
    items: &[Item],
    pick: impl Fn(&Item) -> bool,
    what: &str,
) -> RecordSchema {
    let mut out = RecordSchema::new(
        String::new(),
        vec![implicit("id", Base::Text, false)],
        Span::default(),
    );
    let mut first: Option<Span> = None;
    for item in items.iter().filter(|i| pick(i)) {
        let (Item::MemberSchema(s) | Item::GroupSchema(s)) = item else {
            continue;
        };
        if let Some(first) = first {
            let head = Span {
                end: s.span.start + what.len(),
                ..s.span
            };
            duplicate(c, "schema", what, head, first);
            continue;
        }
        first = Some(Span {
            end: s.span.start + what.len(),
            ..s.span
        });
        out.span = s.span;
        fields(c, &s.node.fields, &mut out, &["id"]);
        out.joined = joined_field(c, &s.node.fields, &out);
    }
    out
}

/// The field marked `joined`: at most one, of type `time` (or `time?`, where a
/// missing value means the member was always there).
fn joined_field(
    c: &mut Checker<'_>,
    decls: &[ast::FieldDecl],
    schema: &RecordSchema,
) -> Option<usize> {
    let mut found: Option<(usize, Span)> = None;
    for f in decls {
        let Some(mark) = f.joined.as_ref().map(|m| m.span) else {
            continue;
        };
        let Some(i) = schema.index(&f.name.node) else {
            continue;
        };
        if schema.fields[i].ty.base != Base::Time {
            c.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    mark,
                    format!(
                        "`{}` is not a time, so it cannot say when a member joined",
                        f.name.node
                    ),
                )
                .label("`joined` needs a `time` field")
                .help("mark the field that holds the join time: `joined_at: time joined`"),
            );
            continue;
        }
        if let Some((_, first)) = found {
            c.report(
                Diagnostic::new(Code::Duplicate, mark, "a second field is marked `joined`")
                    .label("again here")
                    .related(first, "first here")
                    .help("mark the one field that holds the join time"),
            );
            continue;
        }
        found = Some((i, mark));
    }
    found.map(|(i, _)| i)
}

fn implicit(name: &str, base: Base, optional: bool) -> FieldDef {
    FieldDef {
        name: name.into(),
        ty: Type { base, optional },
        span: Span::default(),
    }
}

/// Adds declared fields; `reserved` are implicit fields that may not be redeclared.
fn fields(
    c: &mut Checker<'_>,
    decls: &[ast::FieldDecl],
    out: &mut RecordSchema,
    reserved: &[&str],
) {
    for f in decls {
        let ty = resolve_type(c, &f.ty);
        if reserved.contains(&f.name.node.as_str()) {
            c.report(
                Diagnostic::new(
                    Code::Duplicate,
                    f.name.span,
                    format!("`{}` is implicit and cannot be declared", f.name.node),
                )
                .label("already there")
                .help(format!(
                    "remove this line; every record has `{}`",
                    f.name.node
                )),
            );
            continue;
        }
        if let Some(i) = out.index(&f.name.node) {
            let first = out.fields[i].span;
            if first.is_empty() {
                // An implicit field the declaration may refine (event `group_id`):
                // required, but still the group's id, read from the `group_id` column.
                if !matches!(ty.base, Base::Text | Base::Error) {
                    c.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            f.ty.span,
                            format!("`{}` is a group's id: it is text", f.name.node),
                        )
                        .label(format!("declared {}", ty.base))
                        .help(format!(
                            "write `{}: text`, or give this value another name",
                            f.name.node
                        )),
                    );
                    continue;
                }
                out.push(FieldDef {
                    name: f.name.node.clone(),
                    ty,
                    span: f.name.span,
                });
            } else {
                duplicate(c, "field", &f.name.node, f.name.span, first);
            }
            continue;
        }
        out.push(FieldDef {
            name: f.name.node.clone(),
            ty,
            span: f.name.span,
        });
    }
}

const TYPE_NAMES: [&str; 11] = [
    "int", "decimal", "money", "percent", "bool", "text", "time", "date", "duration", "set", "list",
];

/// Resolves a written type.
pub(super) fn resolve_type(c: &mut Checker<'_>, t: &ast::Spanned<ast::TypeExpr>) -> Type {
    let name = t.node.name.node.as_str();
    let base = match (name, &t.node.arg) {
        ("int", None) => Base::Int,
        ("decimal", None) => Base::Decimal,
        ("money", None) => Base::Money,
        ("percent", None) => Base::Percent,
        ("bool", None) => Base::Bool,
        ("text", None) => Base::Text,
        ("time", None) => Base::Time,
        ("date", None) => Base::Date,
        ("duration", None) => Base::Duration,
        ("set", Some(arg))
            if arg.node.name.node == "text" && arg.node.arg.is_none() && !arg.node.optional =>
        {
            Base::TextSet
        }
        ("set", _) => {
            c.report(
                Diagnostic::new(Code::UnknownType, t.span, "sets hold text")
                    .label("not a set type")
                    .help("write `set<text>`"),
            );
            Base::Error
        }
        (_, Some(arg)) if TYPE_NAMES.contains(&name) => {
            c.report(
                Diagnostic::new(
                    Code::UnknownType,
                    arg.span,
                    format!("`{name}` takes no type argument"),
                )
                .label("not expected")
                .help(format!("write `{name}`")),
            );
            Base::Error
        }
        _ => {
            let help = did_you_mean(name, TYPE_NAMES).unwrap_or_else(|| {
                "the types are int, decimal, money, percent, bool, text, time, date, duration and set<text>".into()
            });
            c.report(
                Diagnostic::new(
                    Code::UnknownType,
                    t.node.name.span,
                    format!("unknown type `{name}`"),
                )
                .label("not a type")
                .help(help),
            );
            Base::Error
        }
    };
    Type {
        base,
        optional: t.node.optional,
    }
}

fn events(c: &mut Checker<'_>, items: &[Item]) -> Vec<RecordSchema> {
    let mut out: Vec<RecordSchema> = Vec::new();
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for item in items {
        let Item::Event(e) = item else { continue };
        if let Some(first) = seen.get(e.node.name.node.as_str()) {
            duplicate(c, "event", &e.node.name.node, e.node.name.span, *first);
            continue;
        }
        seen.insert(&e.node.name.node, e.node.name.span);
        let implicit_fields = vec![
            implicit("id", Base::Text, false),
            implicit("member_id", Base::Text, false),
            implicit("at", Base::Time, false),
            implicit("group_id", Base::Text, true),
        ];
        let mut schema =
            RecordSchema::new(e.node.name.node.clone(), implicit_fields, e.node.name.span);
        fields(
            c,
            &e.node.schema.fields,
            &mut schema,
            // `kind` is the events table's own column: a field of that name would
            // be read from it.
            &["id", "member_id", "at", "kind"],
        );
        for mark in e
            .node
            .schema
            .fields
            .iter()
            .filter_map(|f| f.joined.as_ref())
        {
            let mark = mark.span;
            c.report(
                Diagnostic::new(Code::TypeMismatch, mark, "an event has no join time")
                    .label("only for members and groups")
                    .help("mark the join time in `member { … }` (or the creation time in `group { … }`)"),
            );
        }
        out.push(schema);
    }
    out
}

fn segment_names(
    c: &mut Checker<'_>,
    items: &[Item],
    member: &RecordSchema,
    group: Option<&RecordSchema>,
) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for item in items {
        let Item::Segment(s) = item else { continue };
        let name = &s.node.name;
        if let Some(first) = seen.get(name.node.as_str()) {
            duplicate(c, "segment", &name.node, name.span, *first);
            continue;
        }
        seen.insert(&name.node, name.span);
        let target = if s.node.of_group {
            TargetKind::Group
        } else {
            TargetKind::Member
        };
        let schema = if s.node.of_group { group } else { Some(member) };
        if let Some(field) = schema.and_then(|sch| sch.index(&name.node).map(|i| &sch.fields[i])) {
            c.report(
                Diagnostic::new(
                    Code::Duplicate,
                    name.span,
                    format!(
                        "segment `{}` has the name of a {} field",
                        name.node,
                        target.keyword()
                    ),
                )
                .label("clashes with the field")
                .related(field.span, "field declared here")
                .help("rename the segment; a bare name must mean one thing"),
            );
            continue;
        }
        out.push(Segment {
            name: name.node.clone(),
            target,
            def: SegmentDef::Expr(TExpr::error(name.span)),
            span: name.span,
        });
    }
    out
}

/// Name tables of rewards, rules, segments and events, for the later passes.
fn register(c: &mut Checker<'_>, items: &[Item], program: &mut Program) {
    c.segment_index = program
        .segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.clone(), i))
        .collect();
    c.event_index = program
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.clone(), i))
        .collect();
    let mut rewards: HashMap<String, Span> = HashMap::new();
    let mut rules: HashMap<String, Span> = HashMap::new();
    for item in items {
        if let Item::Reward(r) = item {
            c.reward_decls
                .entry(r.node.name.node.clone())
                .or_insert_with(|| r.clone());
        }
    }
    let mut tests: HashMap<String, Span> = HashMap::new();
    for item in items {
        let (table, what, name) = match item {
            Item::Reward(r) => (&mut rewards, "reward", &r.node.name),
            Item::Rule(r) => (&mut rules, "rule", &r.node.name),
            Item::Test(t) => (&mut tests, "test", &t.node.name),
            _ => continue,
        };
        if let Some(first) = table.get(&name.node) {
            duplicate(c, what, &name.node, name.span, *first);
        } else {
            table.insert(name.node.clone(), name.span);
        }
    }
    c.rule_names = rules;
}
