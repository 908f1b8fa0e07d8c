//! From source text to the AST: pest does the matching, this module builds owned,
//! spanned nodes, reads literals, applies operator precedence and enforces the
//! nesting limit.

// Builder functions return the one diagnostic that stops an item; it is rare and
// large, and boxing it would only move the allocation.
#![allow(clippy::result_large_err)]

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::*;
use super::grammar::{PlaybookParser, Rule, is_infix, is_keyword};
use super::literal;
use super::{MAX_NESTING, errors};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The children of `pair` that carry data (keywords left out).
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

/// Parses one declaration from `text` (which starts at byte `base` of the file) and
/// returns it with the number of bytes consumed.
pub(super) fn parse_item(
    file: FileId,
    text: &str,
    base: usize,
    errors: &mut Vec<Diagnostic>,
) -> Result<(Item, usize), Diagnostic> {
    let mut pairs = PlaybookParser::parse(Rule::item_entry, text)
        .map_err(|_| detailed_error(Rule::item_entry, file, base, text))?;
    let entry = pairs.next().ok_or_else(|| internal(file, base))?;
    let end = entry.as_span().end();
    let item_pair = children(entry).next().ok_or_else(|| internal(file, base))?;
    let mut builder = Builder { file, base, errors };
    Ok((builder.item(item_pair)?, end))
}

/// Whether `text` holds nothing but whitespace and comments. (Done by hand: a pest
/// failure here would build an error whose position lookup scans the whole input.)
pub(super) fn only_trivia(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        match rest.strip_prefix("//") {
            Some(comment) => rest = &comment[crate::source::line_end(comment)..],
            None => return rest.is_empty(),
        }
    }
}

/// Whether `text` is exactly one name: an identifier that is not a reserved word.
pub(super) fn is_ident(text: &str) -> bool {
    PlaybookParser::parse(Rule::ident, text)
        .is_ok_and(|mut pairs| pairs.next().is_some_and(|p| p.as_str().len() == text.len()))
}

/// Parses a lone expression (for the REPL and tests).
pub(super) fn parse_expr(
    file: FileId,
    text: &str,
    base: usize,
    errors: &mut Vec<Diagnostic>,
) -> Result<Expr, Diagnostic> {
    let mut pairs = PlaybookParser::parse(Rule::expr_entry, text)
        .map_err(|_| detailed_error(Rule::expr_entry, file, base, text))?;
    let entry = pairs.next().ok_or_else(|| internal(file, base))?;
    let expr = children(entry).next().ok_or_else(|| internal(file, base))?;
    Builder { file, base, errors }.expr(expr, 0)
}

/// Parses again with pest's error detail on, which names the expected `{` or `->`.
/// Collecting that detail halves parsing speed, so it is only switched on once an
/// error has happened — and never off again, so every error message is the same
/// whichever thread asks.
fn detailed_error(rule: Rule, file: FileId, base: usize, text: &str) -> Diagnostic {
    pest::set_error_detail(true);
    match PlaybookParser::parse(rule, text) {
        Err(e) => errors::from_pest(e, file, base, text),
        Ok(_) => internal(file, base),
    }
}

fn internal(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        Span::new(file, at, at),
        "the parser lost its place here",
    )
    .help("this is a bug in playbook; please report it with this input")
}

type R<T> = Result<T, Diagnostic>;

struct Builder<'e> {
    file: FileId,
    base: usize,
    /// Literal errors: reported, and the item still built with a placeholder.
    errors: &'e mut Vec<Diagnostic>,
}

/// An operand or operator of a flat `expr`, before precedence is applied.
enum Tok<'i> {
    Prefix(UnaryOp, Span),
    Infix(BinaryOp, Span),
    Operand(Pair<'i, Rule>),
}

impl Builder<'_> {
    /// The pair's span without the whitespace and comments pest's implicit skipping
    /// leaves at its end, so that underlines cover exactly what was written.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let len = meaningful_len(pair.as_str());
        Span::new(
            self.file,
            self.base + s.start(),
            self.base + s.start() + len,
        )
    }

    fn spanned<T>(&self, pair: &Pair<'_, Rule>, node: T) -> Spanned<T> {
        Spanned::new(node, self.span(pair))
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        self.spanned(&pair, pair.as_str().to_string())
    }

    /// Reads a literal with `read`; a bad literal is reported and replaced by `fallback`
    /// so that the rest of the item is still checked.
    fn lit<T>(
        &mut self,
        pair: &Pair<'_, Rule>,
        read: impl Fn(&str) -> Result<T, String>,
        fallback: T,
    ) -> Spanned<T> {
        match read(pair.as_str()) {
            Ok(v) => self.spanned(pair, v),
            Err(message) => {
                let span = self.span(pair);
                self.errors.push(
                    Diagnostic::new(Code::InvalidLiteral, span, message).label("this literal"),
                );
                Spanned::new(fallback, span)
            }
        }
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> Spanned<String> {
        let body = pair.clone().into_inner().next().map_or("", |b| b.as_str());
        let body = body.to_string();
        self.lit(&pair, move |_| literal::string_body(&body), String::new())
    }

    fn money(&mut self, pair: &Pair<'_, Rule>) -> Spanned<crate::money::Fen> {
        self.lit(pair, literal::money, Default::default())
    }

    fn integer(&mut self, pair: &Pair<'_, Rule>) -> Spanned<u64> {
        self.lit(
            pair,
            |t| t.parse::<u64>().map_err(|_| format!("`{t}` is too large")),
            0,
        )
    }

    fn time(&mut self, pair: &Pair<'_, Rule>) -> Spanned<chrono::NaiveTime> {
        self.lit(pair, literal::time_of_day, chrono::NaiveTime::MIN)
    }

    fn date(&mut self, pair: &Pair<'_, Rule>) -> Spanned<chrono::NaiveDate> {
        self.lit(pair, literal::date, chrono::NaiveDate::MIN)
    }

    /// A day of a date range: `None` when it is not a calendar date.
    fn day(&mut self, pair: &Pair<'_, Rule>) -> Spanned<Option<chrono::NaiveDate>> {
        self.lit(pair, |t| literal::date(t).map(Some), None)
    }

    fn datetime(&mut self, pair: &Pair<'_, Rule>) -> Spanned<chrono::NaiveDateTime> {
        self.lit(pair, literal::datetime, chrono::NaiveDateTime::MIN)
    }

    fn duration(&mut self, pair: &Pair<'_, Rule>) -> Spanned<Duration> {
        let zero = Duration {
            seconds: 0,
            unit: DurationUnit::Days,
        };
        self.lit(pair, literal::duration, zero)
    }

    fn percent(&mut self, pair: &Pair<'_, Rule>) -> Spanned<crate::money::Rate> {
        self.lit(pair, literal::percent, Default::default())
    }

    // -------------------------------------------------------------- items

    fn item(&mut self, pair: Pair<'_, Rule>) -> R<Item> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::header => Item::Header(Spanned::new(self.header(pair), span)),
            Rule::use_decl => {
                let path = children(pair)
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                Item::Use(Spanned::new(self.string(path).node, span))
            }
            Rule::member_schema => Item::MemberSchema(Spanned::new(self.schema(pair), span)),
            Rule::group_schema => Item::GroupSchema(Spanned::new(self.schema(pair), span)),
            Rule::event_decl => {
                let mut it = children(pair);
                let name = it
                    .next()
                    .map(|p| self.ident(p))
                    .ok_or_else(|| internal(self.file, span.start))?;
                let fields = it.map(|f| self.field_decl(f)).collect();
                Item::Event(Spanned::new(
                    EventDecl {
                        name,
                        schema: Schema { fields },
                    },
                    span,
                ))
            }
            Rule::segment_decl => Item::Segment(Spanned::new(self.segment(pair)?, span)),
            Rule::reward_decl => {
                let mut it = children(pair);
                let name = it
                    .next()
                    .map(|p| self.ident(p))
                    .ok_or_else(|| internal(self.file, span.start))?;
                let reward =
                    self.reward(it.next().ok_or_else(|| internal(self.file, span.start))?, 0)?;
                Item::Reward(Spanned::new(RewardDecl { name, reward }, span))
            }
            Rule::rule_decl => Item::Rule(Spanned::new(self.rule(pair)?, span)),
            Rule::test_decl => Item::Test(Spanned::new(self.test(pair)?, span)),
            _ => return Err(internal(self.file, span.start)),
        })
    }

    fn header(&mut self, pair: Pair<'_, Rule>) -> Header {
        let mut it = children(pair);
        let name = it
            .next()
            .map(|p| self.string(p))
            .unwrap_or_else(|| Spanned::new(String::new(), Span::default()));
        let settings = it.map(|s| self.setting(s)).collect();
        Header { name, settings }
    }

    fn setting(&mut self, pair: Pair<'_, Rule>) -> Spanned<Setting> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<_> = children(pair).collect();
        let setting = match rule {
            Rule::set_timezone => Setting::Timezone(self.string(parts[0].clone())),
            Rule::set_active => Setting::Active(DateRange {
                from: self.day(&parts[0]),
                to: self.day(&parts[1]),
            }),
            Rule::set_budget => {
                Setting::Budget(parts.into_iter().map(|b| self.budget_item(b)).collect())
            }
            Rule::set_seed => Setting::Seed(self.string(parts[0].clone())),
            Rule::set_quiet => Setting::Quiet {
                from: self.time(&parts[0]),
                to: self.time(&parts[1]),
            },
            Rule::set_red_packet_limits => Setting::RedPacketLimits {
                min: self.money(&parts[0]),
                max: self.money(&parts[1]),
            },
            Rule::renamed_from => {
                Setting::RenamedFrom(parts.into_iter().map(|p| self.string(p)).collect())
            }
            Rule::set_retired => {
                Setting::Retired(parts.into_iter().map(|p| self.string(p)).collect())
            }
            _ => Setting::PointValue(self.money(&parts[0])),
        };
        Spanned::new(setting, span)
    }

    fn budget_item(&mut self, pair: Pair<'_, Rule>) -> Spanned<BudgetItem> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let amount = it
            .next()
            .map(|p| self.money(&p))
            .unwrap_or_default_spanned();
        let window = it.next().map_or(Window::Total, window_of);
        Spanned::new(BudgetItem { amount, window }, span)
    }

    fn schema(&mut self, pair: Pair<'_, Rule>) -> Schema {
        Schema {
            fields: children(pair).map(|f| self.field_decl(f)).collect(),
        }
    }

    fn field_decl(&mut self, pair: Pair<'_, Rule>) -> FieldDecl {
        let mut it = children(pair);
        let name = self.ident(it.next().expect("grammar: field name"));
        let ty = self.type_expr(it.next().expect("grammar: field type"));
        let joined = it.next().map(|mark| Spanned::new((), self.span(&mark)));
        FieldDecl { name, ty, joined }
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Spanned<TypeExpr> {
        let span = self.span(&pair);
        let mut name = None;
        let mut arg = None;
        let mut optional = false;
        for p in children(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::type_args => {
                    arg = children(p).next().map(|t| Box::new(self.type_expr(t)));
                }
                _ => optional = true,
            }
        }
        let name = name.unwrap_or_else(|| Spanned::new(String::new(), span));
        Spanned::new(
            TypeExpr {
                name,
                arg,
                optional,
            },
            span,
        )
    }

    fn segment(&mut self, pair: Pair<'_, Rule>) -> R<SegmentDecl> {
        let at = self.span(&pair).start;
        let mut it = children(pair);
        let name = self.ident(it.next().ok_or_else(|| internal(self.file, at))?);
        let mut next = it.next().ok_or_else(|| internal(self.file, at))?;
        let of_group = next.as_rule() == Rule::of_group;
        if of_group {
            next = it.next().ok_or_else(|| internal(self.file, at))?;
        }
        let body = if next.as_rule() == Rule::top_n {
            let mut parts = children(next);
            let count = self.integer(&parts.next().ok_or_else(|| internal(self.file, at))?);
            let by = self.expr(parts.next().ok_or_else(|| internal(self.file, at))?, 0)?;
            let filter = match parts.next() {
                Some(w) => Some(self.expr(
                    children(w).next().ok_or_else(|| internal(self.file, at))?,
                    0,
                )?),
                None => None,
            };
            SegmentBody::Top { count, by, filter }
        } else {
            SegmentBody::Expr(self.expr(next, 0)?)
        };
        Ok(SegmentDecl {
            name,
            of_group,
            body,
        })
    }

    // -------------------------------------------------------------- rewards

    fn reward(&mut self, pair: Pair<'_, Rule>, depth: usize) -> R<Reward> {
        let span = self.span(&pair);
        if depth > MAX_NESTING {
            return Err(too_deep(span));
        }
        let rule = pair.as_rule();
        let parts: Vec<_> = children(pair).collect();
        let kind = match rule {
            Rule::coupon => RewardKind::Coupon(self.coupon(parts)),
            Rule::red_packet => {
                let mut it = parts.into_iter();
                let amount =
                    self.expr(it.next().ok_or_else(|| internal(self.file, span.start))?, 0)?;
                let split = it.next().map(|s| self.split(s));
                RewardKind::RedPacket { amount, split }
            }
            Rule::points_reward => {
                let p = parts
                    .into_iter()
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                RewardKind::Points(self.expr(p, 0)?)
            }
            Rule::gift => {
                let mut it = parts.into_iter();
                let name = self.string(it.next().ok_or_else(|| internal(self.file, span.start))?);
                let worth = it
                    .next()
                    .and_then(|w| children(w).next())
                    .map(|m| self.money(&m));
                RewardKind::Gift { name, worth }
            }
            Rule::lottery => self.lottery(parts, depth)?,
            Rule::tier => self.tier(parts, depth)?,
            Rule::tier_by => self.tier_by(parts, depth)?,
            Rule::experiment => self.experiment(parts, depth)?,
            _ => {
                let p = parts
                    .into_iter()
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                RewardKind::Ref(self.ident(p))
            }
        };
        Ok(Spanned::new(kind, span))
    }

    fn coupon(&mut self, parts: Vec<Pair<'_, Rule>>) -> Coupon {
        let mut it = parts.into_iter();
        let value_pair = it.next().expect("grammar: coupon value");
        let value = match value_pair.as_rule() {
            Rule::money => {
                let m = self.money(&value_pair);
                Spanned::new(CouponValue::Amount(m.node), m.span)
            }
            Rule::zhe => {
                let r = self.lit(&value_pair, literal::zhe, crate::money::Rate(5000));
                Spanned::new(CouponValue::Zhe(r.node), r.span)
            }
            _ => {
                let span = self.span(&value_pair);
                let pct = children(value_pair).next().expect("grammar: percent");
                let r = self.percent(&pct);
                Spanned::new(CouponValue::PercentOff(r.node), span)
            }
        };
        let options = it.map(|o| self.coupon_option(o)).collect();
        Coupon { value, options }
    }

    fn coupon_option(&mut self, pair: Pair<'_, Rule>) -> Spanned<CouponOption> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let arg = children(pair).next();
        let option = match (rule, arg) {
            (Rule::coupon_over, Some(m)) => CouponOption::Over(self.money(&m).node),
            (Rule::coupon_max, Some(m)) => CouponOption::Max(self.money(&m).node),
            (Rule::coupon_scope, Some(s)) => CouponOption::Scope(self.string(s).node),
            (Rule::coupon_valid, Some(d)) => CouponOption::Valid(self.duration(&d).node),
            _ => CouponOption::Stackable,
        };
        Spanned::new(option, span)
    }

    fn split(&mut self, pair: Pair<'_, Rule>) -> Spanned<Split> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let shares = it.next().map_or(0, |p| self.integer(&p).node);
        let random = it.next().is_some_and(|m| m.as_str() == "random");
        Spanned::new(Split { shares, random }, span)
    }

    fn arm_reward(&mut self, pair: Option<Pair<'_, Rule>>, depth: usize, at: usize) -> R<Reward> {
        self.reward(pair.ok_or_else(|| internal(self.file, at))?, depth + 1)
    }

    fn lottery(&mut self, parts: Vec<Pair<'_, Rule>>, depth: usize) -> R<RewardKind> {
        let mut arms = Vec::new();
        let mut rest = None;
        for arm in parts {
            let at = self.span(&arm).start;
            let is_rest = arm.as_rule() == Rule::rest_arm;
            let mut it = children(arm);
            if is_rest {
                self.catch_all_last(&rest, "rest", at);
                rest = Some(Box::new(self.arm_reward(it.next(), depth, at)?));
            } else {
                self.nothing_after(&rest, "rest");
                let chance = self.percent(&it.next().ok_or_else(|| internal(self.file, at))?);
                let reward = self.arm_reward(it.next(), depth, at)?;
                arms.push(LotteryArm { chance, reward });
            }
        }
        Ok(RewardKind::Lottery { arms, rest })
    }

    /// A second `else` / `rest` arm: only one can take what is left.
    fn catch_all_last(&mut self, earlier: &Option<Box<Reward>>, word: &str, at: usize) {
        if let Some(first) = earlier {
            self.errors.push(
                Diagnostic::new(
                    Code::Syntax,
                    Span::new(self.file, at, at + word.len()),
                    format!("a second `{word}` arm"),
                )
                .label("again here")
                .related(first.span, "the first")
                .help(format!("keep one `{word} -> …`, as the last arm")),
            );
        }
    }

    /// An arm after `else` / `rest`, which already took every target left.
    fn nothing_after(&mut self, catch_all: &Option<Box<Reward>>, word: &str) {
        if let Some(arm) = catch_all {
            self.errors.push(
                Diagnostic::new(
                    Code::Syntax,
                    arm.span,
                    format!("`{word}` must be the last arm"),
                )
                .label(format!("`{word}` comes before other arms"))
                .help(format!(
                    "arms are tried in order and `{word}` takes every target left: move `{word} -> …` to the end"
                )),
            );
        }
    }

    fn tier(&mut self, parts: Vec<Pair<'_, Rule>>, depth: usize) -> R<RewardKind> {
        let mut arms = Vec::new();
        let mut otherwise = None;
        for arm in parts {
            let at = self.span(&arm).start;
            let is_else = arm.as_rule() == Rule::else_arm;
            let mut it = children(arm);
            if is_else {
                self.catch_all_last(&otherwise, "else", at);
                otherwise = Some(Box::new(self.arm_reward(it.next(), depth, at)?));
            } else {
                self.nothing_after(&otherwise, "else");
                let when = self.expr(it.next().ok_or_else(|| internal(self.file, at))?, 0)?;
                let reward = self.arm_reward(it.next(), depth, at)?;
                arms.push(TierArm { when, reward });
            }
        }
        Ok(RewardKind::Tier { arms, otherwise })
    }

    fn tier_by(&mut self, parts: Vec<Pair<'_, Rule>>, depth: usize) -> R<RewardKind> {
        let mut it = parts.into_iter();
        let first = it.next().ok_or_else(|| internal(self.file, 0))?;
        let subject = self.expr(first, 0)?;
        let mut arms = Vec::new();
        let mut otherwise = None;
        for arm in it {
            let at = self.span(&arm).start;
            let is_else = arm.as_rule() == Rule::else_arm;
            let mut it = children(arm);
            if is_else {
                self.catch_all_last(&otherwise, "else", at);
                otherwise = Some(Box::new(self.arm_reward(it.next(), depth, at)?));
            } else {
                self.nothing_after(&otherwise, "else");
                let op_pair = it.next().ok_or_else(|| internal(self.file, at))?;
                let op_span = self.span(&op_pair);
                let op = children(op_pair)
                    .next()
                    .map_or(BinaryOp::Ge, |p| infix_op(p.as_rule()));
                let value = self.expr(it.next().ok_or_else(|| internal(self.file, at))?, 0)?;
                let reward = self.arm_reward(it.next(), depth, at)?;
                arms.push(TierByArm {
                    op: Spanned::new(op, op_span),
                    value,
                    reward,
                });
            }
        }
        Ok(RewardKind::TierBy {
            subject,
            arms,
            otherwise,
        })
    }

    fn experiment(&mut self, parts: Vec<Pair<'_, Rule>>, depth: usize) -> R<RewardKind> {
        let mut it = parts.into_iter();
        let name = self.string(it.next().ok_or_else(|| internal(self.file, 0))?);
        let mut arms = Vec::new();
        for arm in it {
            let at = self.span(&arm).start;
            let mut parts = children(arm);
            let arm_name = self.ident(parts.next().ok_or_else(|| internal(self.file, at))?);
            let share = self.percent(&parts.next().ok_or_else(|| internal(self.file, at))?);
            let reward = self.arm_reward(parts.next(), depth, at)?;
            arms.push(ExperimentArm {
                name: arm_name,
                share,
                reward,
            });
        }
        Ok(RewardKind::Experiment { name, arms })
    }

    // -------------------------------------------------------------- rules

    fn rule(&mut self, pair: Pair<'_, Rule>) -> R<RuleDecl> {
        let at = self.span(&pair).start;
        let mut it = children(pair);
        let name = self.ident(it.next().ok_or_else(|| internal(self.file, at))?);
        let clauses = it.map(|c| self.clause(c)).collect::<R<Vec<_>>>()?;
        Ok(RuleDecl { name, clauses })
    }

    fn clause(&mut self, pair: Pair<'_, Rule>) -> R<Spanned<Clause>> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = children(pair).collect::<Vec<_>>().into_iter();
        let file = self.file;
        let mut next = || parts.next().ok_or_else(|| internal(file, span.start));
        let clause = match rule {
            Rule::on_event => {
                let event = next()?;
                let event = self.ident(event);
                let filter = match parts.next() {
                    Some(w) => Some(
                        self.expr(
                            children(w)
                                .next()
                                .ok_or_else(|| internal(self.file, span.start))?,
                            0,
                        )?,
                    ),
                    None => None,
                };
                Clause::On { event, filter }
            }
            Rule::during => {
                let (a, b) = (next()?, next()?);
                Clause::During(DateRange {
                    from: self.day(&a),
                    to: self.day(&b),
                })
            }
            Rule::for_group => Clause::ForGroup(self.ident(next()?)),
            Rule::when_clause => Clause::When(self.expr(next()?, 0)?),
            Rule::give_clause => {
                let rewards = parts.map(|r| self.reward(r, 0)).collect::<R<Vec<_>>>()?;
                Clause::Give(rewards)
            }
            Rule::limit_clause => Clause::Limit(self.limit(parts.collect())),
            Rule::cap_clause => {
                let amount = self.money(&next()?);
                let window = next().map_or(Window::Total, window_of);
                Clause::Cap { amount, window }
            }
            Rule::priority_clause => {
                let p = next()?;
                let n = self.lit(
                    &p,
                    |t| t.parse::<i64>().map_err(|_| format!("`{t}` is too large")),
                    0,
                );
                Clause::Priority(n.node)
            }
            Rule::exclusive_clause => {
                let group = self.string(next()?);
                let period = parts.next().map(|p| period_of(&p));
                Clause::Exclusive { group, period }
            }
            Rule::renamed_from => Clause::RenamedFrom(parts.map(|p| self.string(p)).collect()),
            Rule::order_clause => {
                let key = self.expr(next()?, 0)?;
                let dir = parts.next();
                Clause::OrderBy {
                    key,
                    descending: dir.as_ref().is_some_and(|d| d.as_str() == "desc"),
                    explicit: dir.is_some(),
                }
            }
            _ => Clause::Schedule(self.schedule(rule, parts.collect(), span)?),
        };
        Ok(Spanned::new(clause, span))
    }

    fn schedule(&mut self, rule: Rule, parts: Vec<Pair<'_, Rule>>, span: Span) -> R<Schedule> {
        let file = self.file;
        let missing = || internal(file, span.start);
        Ok(match rule {
            Rule::every_day => Schedule::Daily(self.time(parts.first().ok_or_else(missing)?)),
            Rule::every_weekdays => {
                let (time, days) = parts.split_last().ok_or_else(missing)?;
                let days = days
                    .iter()
                    .map(|d| self.spanned(d, weekday_of(d.as_str())))
                    .collect();
                Schedule::Weekly {
                    days,
                    at: self.time(time),
                }
            }
            Rule::every_interval => {
                let [step, from, to] = parts.as_slice() else {
                    return Err(missing());
                };
                Schedule::Interval {
                    step: self.duration(step),
                    from: self.time(from),
                    to: self.time(to),
                }
            }
            Rule::every_month => {
                let [day, at] = parts.as_slice() else {
                    return Err(missing());
                };
                Schedule::Monthly {
                    day: self.integer(day),
                    at: self.time(at),
                }
            }
            Rule::once_at => Schedule::Once(self.datetime(parts.first().ok_or_else(missing)?)),
            _ => Schedule::Cron(self.string(parts.into_iter().next().ok_or_else(missing)?)),
        })
    }

    fn limit(&mut self, parts: Vec<Pair<'_, Rule>>) -> Limit {
        let mut count = Spanned::new(1, Span::default());
        let mut once = false;
        let mut per_target = None;
        let mut window = None;
        for p in parts {
            match p.as_rule() {
                Rule::limit_count => match children(p.clone()).next() {
                    Some(n) => count = self.integer(&n),
                    None => {
                        once = true;
                        count = self.spanned(&p, 1);
                    }
                },
                Rule::per_target => {
                    let kind = if p.as_str().trim_end().ends_with("group") {
                        TargetKind::Group
                    } else {
                        TargetKind::Member
                    };
                    per_target = Some(self.spanned(&p, kind));
                }
                _ => window = Some(window_of(p)),
            }
        }
        Limit {
            count,
            once,
            per_target,
            window,
        }
    }

    // -------------------------------------------------------------- tests

    fn test(&mut self, pair: Pair<'_, Rule>) -> R<TestDecl> {
        let at = self.span(&pair).start;
        let mut it = children(pair);
        let name = self.string(it.next().ok_or_else(|| internal(self.file, at))?);
        let items = it.map(|i| self.test_item(i)).collect::<R<Vec<_>>>()?;
        Ok(TestDecl { name, items })
    }

    fn target_id(&mut self, pair: Pair<'_, Rule>) -> Spanned<String> {
        if pair.as_rule() == Rule::string {
            self.string(pair)
        } else {
            self.ident(pair)
        }
    }

    fn record(&mut self, pair: Option<Pair<'_, Rule>>) -> R<Vec<FieldValue>> {
        let Some(pair) = pair else {
            return Ok(Vec::new());
        };
        children(pair)
            .map(|fv| {
                let at = self.span(&fv).start;
                let mut it = children(fv);
                let name = self.ident(it.next().ok_or_else(|| internal(self.file, at))?);
                let value = self.expr(it.next().ok_or_else(|| internal(self.file, at))?, 0)?;
                Ok(FieldValue { name, value })
            })
            .collect()
    }

    fn test_item(&mut self, pair: Pair<'_, Rule>) -> R<Spanned<TestItem>> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = children(pair).collect::<Vec<_>>().into_iter();
        let file = self.file;
        let missing = || internal(file, span.start);
        let item = match rule {
            Rule::test_at => TestItem::At(self.datetime(&parts.next().ok_or_else(missing)?).node),
            Rule::test_member | Rule::test_group => {
                let id = self.target_id(parts.next().ok_or_else(missing)?);
                let fields = self.record(parts.next())?;
                if rule == Rule::test_member {
                    TestItem::Member { id, fields }
                } else {
                    TestItem::Group { id, fields }
                }
            }
            Rule::test_event => {
                let kind = self.ident(parts.next().ok_or_else(missing)?);
                let by = self.target_id(parts.next().ok_or_else(missing)?);
                let at = self.datetime(&parts.next().ok_or_else(missing)?);
                let fields = self.record(parts.next())?;
                TestItem::Event {
                    kind,
                    by,
                    at,
                    fields,
                }
            }
            Rule::test_ledger => {
                TestItem::Ledger(parts.map(|e| self.ledger_entry(e)).collect::<R<_>>()?)
            }
            Rule::expect_gets => {
                let target = self.target_id(parts.next().ok_or_else(missing)?);
                let mut negated = false;
                let mut rewards = None;
                for p in parts {
                    match p.as_rule() {
                        Rule::negated => negated = true,
                        Rule::reward_names => {
                            rewards = Some(children(p).map(|r| self.ident(r)).collect())
                        }
                        _ => rewards = None,
                    }
                }
                TestItem::ExpectGets {
                    target,
                    negated,
                    rewards,
                }
            }
            Rule::expect_refused => {
                let target = self.target_id(parts.next().ok_or_else(missing)?);
                let rule = self.ident(parts.next().ok_or_else(missing)?);
                let reason = parts.next().ok_or_else(missing)?;
                TestItem::ExpectRefused {
                    target,
                    rule,
                    reason: self.spanned(&reason, reason.as_str().to_string()),
                }
            }
            _ => TestItem::ExpectSpend(self.money(&parts.next().ok_or_else(missing)?)),
        };
        Ok(Spanned::new(item, span))
    }

    fn ledger_entry(&mut self, pair: Pair<'_, Rule>) -> R<Spanned<LedgerEntry>> {
        let span = self.span(&pair);
        let parts: Vec<_> = children(pair).collect();
        let [reward, target, rule, at] = parts.as_slice() else {
            return Err(internal(self.file, span.start));
        };
        let entry = LedgerEntry {
            reward: self.ident(reward.clone()),
            target: self.target_id(target.clone()),
            rule: self.ident(rule.clone()),
            at: self.datetime(at),
        };
        Ok(Spanned::new(entry, span))
    }

    // -------------------------------------------------------------- expressions

    /// Builds an `expr` pair; `depth` counts enclosing expressions so that no input,
    /// however nested, can exhaust the stack.
    fn expr(&mut self, pair: Pair<'_, Rule>, depth: usize) -> R<Expr> {
        let span = self.span(&pair);
        if depth > MAX_NESTING {
            return Err(too_deep(span));
        }
        let toks: Vec<Tok<'_>> = pair
            .into_inner()
            .map(|p| {
                let s = self.span(&p);
                match p.as_rule() {
                    Rule::op_not => Tok::Prefix(UnaryOp::Not, s),
                    Rule::op_neg => Tok::Prefix(UnaryOp::Neg, s),
                    r if is_infix(r) => Tok::Infix(infix_op(r), s),
                    _ => Tok::Operand(p),
                }
            })
            .collect();
        let mut pos = 0;
        let (expr, _) = self.climb(&toks, &mut pos, 0, depth)?;
        Ok(expr)
    }

    /// Precedence climbing over the flat token list; returns the tree and its height.
    /// A run of operators of one precedence level is one node (see
    /// [`ExprKind::Chain`]), built in a loop and one level high however long it is;
    /// comparisons nest to the left one at a time, as they always have.
    fn climb(
        &mut self,
        toks: &[Tok<'_>],
        pos: &mut usize,
        min_prec: u8,
        depth: usize,
    ) -> R<(Expr, usize)> {
        let (mut lhs, mut height) = self.unary(toks, pos, depth)?;
        while let Some(Tok::Infix(op, _)) = toks.get(*pos) {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            let mut rest = Vec::new();
            while let Some(Tok::Infix(op, op_span)) = toks.get(*pos) {
                if op.precedence() != prec || (!op.chains() && !rest.is_empty()) {
                    break;
                }
                *pos += 1;
                let (rhs, rh) = self.climb(toks, pos, prec + 1, depth + 1)?;
                height = height.max(rh);
                rest.push((Spanned::new(*op, *op_span), rhs));
            }
            height += 1;
            lhs = chain(lhs, rest);
            if height + depth > MAX_NESTING {
                return Err(too_deep(lhs.span));
            }
        }
        Ok((lhs, height))
    }

    fn unary(&mut self, toks: &[Tok<'_>], pos: &mut usize, depth: usize) -> R<(Expr, usize)> {
        if depth > MAX_NESTING {
            let span = match toks.get(*pos) {
                Some(Tok::Prefix(_, s) | Tok::Infix(_, s)) => *s,
                Some(Tok::Operand(p)) => self.span(p),
                None => Span::new(self.file, self.base, self.base),
            };
            return Err(too_deep(span));
        }
        match toks.get(*pos) {
            Some(Tok::Prefix(op, op_span)) => {
                *pos += 1;
                let min = if *op == UnaryOp::Not {
                    NOT_PRECEDENCE + 1
                } else {
                    NEG_PRECEDENCE
                };
                let (operand, h) = self.climb(toks, pos, min, depth + 1)?;
                let span = op_span.to(operand.span);
                Ok((
                    Spanned::new(
                        ExprKind::Unary {
                            op: *op,
                            operand: Box::new(operand),
                        },
                        span,
                    ),
                    h + 1,
                ))
            }
            Some(Tok::Operand(p)) => {
                *pos += 1;
                Ok((self.operand(p.clone(), depth)?, 1))
            }
            _ => Err(internal(self.file, self.base)),
        }
    }

    fn operand(&mut self, pair: Pair<'_, Rule>, depth: usize) -> R<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => {
                let inner = children(pair)
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                // Parentheses only group; the span widens to include them.
                return Ok(Spanned::new(self.expr(inner, depth + 1)?.node, span));
            }
            Rule::list => ExprKind::List(
                children(pair)
                    .map(|e| self.expr(e, depth + 1))
                    .collect::<R<_>>()?,
            ),
            Rule::exists => {
                let path = children(pair)
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                ExprKind::Exists(Box::new(self.operand(path, depth + 1)?))
            }
            Rule::call => {
                let mut it = children(pair);
                let func = self.ident(it.next().ok_or_else(|| internal(self.file, span.start))?);
                let args = it.map(|a| self.expr(a, depth + 1)).collect::<R<_>>()?;
                ExprKind::Call { func, args }
            }
            Rule::path => return self.path(pair),
            _ => ExprKind::Literal(self.literal(&pair)),
        };
        Ok(Spanned::new(kind, span))
    }

    fn path(&mut self, pair: Pair<'_, Rule>) -> R<Expr> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let root = it.next().ok_or_else(|| internal(self.file, span.start))?;
        let fields: Vec<_> = it.collect();
        let root_text = root.as_str();
        let scope = match root_text {
            "event" => Some(Scope::Event),
            "member" => Some(Scope::Member),
            "group" => Some(Scope::Group),
            _ => None,
        };
        match (scope, fields.as_slice()) {
            (None, []) => Ok(Spanned::new(ExprKind::Name(root_text.to_string()), span)),
            (Some(scope), [field]) => Ok(Spanned::new(
                ExprKind::Field {
                    scope: self.spanned(&root, scope),
                    field: self.ident(field.clone()),
                },
                span,
            )),
            (Some(scope), []) => Err(Diagnostic::new(
                Code::Syntax,
                span,
                format!("`{}` needs a field", scope.keyword()),
            )
            .label("a field name must follow")
            .help(format!("write `{}.FIELD`", scope.keyword()))),
            _ => Err(Diagnostic::new(
                Code::Syntax,
                span,
                format!("`{}` has no fields", pair_text(&root, &fields)),
            )
            .label("only `event.`, `member.` and `group.` take a field")
            .help("segments and fields are used by their bare name")),
        }
    }

    fn literal(&mut self, pair: &Pair<'_, Rule>) -> Literal {
        match pair.as_rule() {
            Rule::datetime => Literal::DateTime(self.datetime(pair).node),
            Rule::date => Literal::Date(self.date(pair).node),
            Rule::time_of_day => Literal::Time(self.time(pair).node),
            Rule::duration => Literal::Duration(self.duration(pair).node),
            Rule::money => Literal::Money(self.money(pair).node),
            Rule::percent => Literal::Percent(self.percent(pair).node),
            Rule::number => self.number(pair),
            Rule::string => Literal::Text(self.string(pair.clone()).node),
            Rule::lit_true => Literal::Bool(true),
            Rule::lit_false => Literal::Bool(false),
            Rule::lit_now => Literal::Now,
            _ => Literal::Today,
        }
    }

    fn number(&mut self, pair: &Pair<'_, Rule>) -> Literal {
        let text = pair.as_str();
        if text.contains('.') {
            let d = self.lit(
                pair,
                |t| {
                    t.parse::<rust_decimal::Decimal>()
                        .map_err(|_| format!("`{t}` is too large"))
                },
                Default::default(),
            );
            Literal::Decimal(d.node)
        } else {
            Literal::Int(
                self.lit(
                    pair,
                    |t| t.parse::<i64>().map_err(|_| format!("`{t}` is too large")),
                    0,
                )
                .node,
            )
        }
    }
}

/// Length of `text` without trailing whitespace and `//` comments.
fn meaningful_len(text: &str) -> usize {
    let mut end = text.len();
    loop {
        let trimmed = text[..end].trim_end_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        if trimmed.len() == end && end < text.len() {
            return end;
        }
        end = trimmed.len();
        // A comment runs to the end of its line: look for `//` outside a string on the
        // last line (only its last stretch, so long lines stay linear).
        let line_start = crate::source::line_start_before(trimmed, trimmed.len());
        let mut from = line_start.max(end.saturating_sub(2048));
        while !trimmed.is_char_boundary(from) {
            from += 1;
        }
        match comment_start(&trimmed[from..]) {
            Some(i) => end = from + i,
            None => return end,
        }
    }
}

/// Where a `//` comment starts in one line, ignoring `//` inside strings.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
    }
    None
}

fn pair_text(root: &Pair<'_, Rule>, fields: &[Pair<'_, Rule>]) -> String {
    std::iter::once(root.as_str())
        .chain(fields.iter().map(|f| f.as_str()))
        .collect::<Vec<_>>()
        .join(".")
}

/// `first` followed by a run of operators: a `Binary` for one, a `Chain` for more.
fn chain(first: Expr, mut rest: Vec<(Spanned<BinaryOp>, Expr)>) -> Expr {
    let span = rest
        .last()
        .map_or(first.span, |(_, e)| first.span.to(e.span));
    let kind = match rest.pop() {
        Some((op, rhs)) if rest.is_empty() => ExprKind::Binary {
            op,
            lhs: Box::new(first),
            rhs: Box::new(rhs),
        },
        Some(last) => {
            rest.push(last);
            ExprKind::Chain {
                first: Box::new(first),
                rest,
            }
        }
        None => return first,
    };
    Spanned::new(kind, span)
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NestingTooDeep,
        span,
        format!("this nests deeper than {MAX_NESTING} levels"),
    )
    .label("too deep")
    .help("split the expression into named segments")
}

fn infix_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::op_or => BinaryOp::Or,
        Rule::op_and => BinaryOp::And,
        Rule::op_in => BinaryOp::In,
        Rule::op_not_in => BinaryOp::NotIn,
        Rule::op_coalesce => BinaryOp::Coalesce,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_le => BinaryOp::Le,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        _ => BinaryOp::Div,
    }
}

fn period_of(pair: &Pair<'_, Rule>) -> Period {
    let text = pair.as_str();
    if text.ends_with("day") {
        Period::Day
    } else if text.ends_with("week") {
        Period::Week
    } else {
        Period::Month
    }
}

fn window_of(pair: Pair<'_, Rule>) -> Window {
    if pair.as_rule() == Rule::total {
        Window::Total
    } else {
        Window::Per(period_of(&pair))
    }
}

fn weekday_of(text: &str) -> chrono::Weekday {
    use chrono::Weekday::*;
    match text {
        "monday" => Mon,
        "tuesday" => Tue,
        "wednesday" => Wed,
        "thursday" => Thu,
        "friday" => Fri,
        "saturday" => Sat,
        _ => Sun,
    }
}

trait SpannedDefault<T> {
    fn unwrap_or_default_spanned(self) -> Spanned<T>;
}

impl<T: Default> SpannedDefault<T> for Option<Spanned<T>> {
    fn unwrap_or_default_spanned(self) -> Spanned<T> {
        self.unwrap_or_else(|| Spanned::new(T::default(), Span::default()))
    }
}
