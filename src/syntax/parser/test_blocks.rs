//! Test blocks: the records and events they set up, ledger entries, and their
//! expectations.

use pest::iterators::Pair;

use super::{Builder, R, children, internal};
use crate::syntax::ast::*;
use crate::syntax::grammar::Rule;

impl Builder<'_> {
    /// Builds a test block and what it sets up and expects.
    pub(super) fn test(&mut self, pair: Pair<'_, Rule>) -> R<TestDecl> {
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
}
