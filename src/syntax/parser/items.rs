//! Declarations other than rewards, rules and tests: the header and its settings,
//! `use`, member and group schemas, events and segments.

use pest::iterators::Pair;

use super::rules::window_of;
use super::{Builder, R, children, internal};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::grammar::Rule;

impl Builder<'_> {
    /// Builds one declaration.
    pub(super) fn item(&mut self, pair: Pair<'_, Rule>) -> R<Item> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::header => Item::Header(Spanned::new(self.header(pair), span)),
            Rule::use_decl => {
                let path = children(pair)
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                Item::Use(Spanned::new(self.string(path).node, span))
            }
            Rule::import_decl => Item::Import(Spanned::new(self.import(pair), span)),
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
            Rule::set_per_member_daily => {
                Setting::PerMemberDaily(parts.into_iter().map(|p| self.channel_item(p)).collect())
            }
            Rule::set_calendar => Setting::Calendar(self.string(parts[0].clone())),
            _ => Setting::PointValue(self.money(&parts[0])),
        };
        Spanned::new(setting, span)
    }

    fn channel_item(&mut self, pair: Pair<'_, Rule>) -> Spanned<ChannelItem> {
        let span = self.span(&pair);
        let item = match children(pair).next() {
            Some(p) if p.as_rule() == Rule::money => ChannelItem::Amount(self.money(&p).node),
            Some(p) => ChannelItem::RedPackets(self.integer(&p).node),
            None => ChannelItem::RedPackets(0),
        };
        Spanned::new(item, span)
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

    fn import(&mut self, pair: Pair<'_, Rule>) -> ImportDecl {
        let mut it = children(pair);
        let of = match it.next() {
            Some(p) => {
                let of = match p.as_str() {
                    "member" => ImportOf::Member,
                    "group" => ImportOf::Group,
                    kind => ImportOf::Event(kind.to_owned()),
                };
                self.spanned(&p, of)
            }
            None => Spanned::new(ImportOf::Member, Span::default()),
        };
        let entries = it
            .filter_map(|entry| {
                let mut parts = children(entry);
                let column = self.string(parts.next()?);
                let field = self.ident(parts.next()?);
                Some(ImportEntry { column, field })
            })
            .collect();
        ImportDecl { of, entries }
    }

    fn schema(&mut self, pair: Pair<'_, Rule>) -> Schema {
        Schema {
            fields: children(pair).map(|f| self.field_decl(f)).collect(),
        }
    }

    #[allow(
        clippy::expect_used,
        reason = "the grammar requires a field's name and type"
    )]
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
}

trait SpannedDefault<T> {
    fn unwrap_or_default_spanned(self) -> Spanned<T>;
}

impl<T: Default> SpannedDefault<T> for Option<Spanned<T>> {
    fn unwrap_or_default_spanned(self) -> Spanned<T> {
        self.unwrap_or_else(|| Spanned::new(T::default(), Span::default()))
    }
}
