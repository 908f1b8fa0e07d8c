//! Hover: what a name is — a field's type, a segment's definition (and, with a data
//! file, its size now), a reward's definition and the most one grant costs, a
//! rule's static cost bound.

use std::collections::HashMap;
use std::path::Path;

use super::Analysis;
use super::symbols::SymbolKind;
use crate::check::cost::{Spend, cost_bounds, reward_cost};
use crate::source::Span;
use crate::syntax::ast::Item;

/// A segment's size at an instant: how many are in it, of how many read.
pub type Sizes = HashMap<String, (u64, u64)>;

impl Analysis {
    /// What to show for the name at `offset`: the name's place and Markdown.
    pub fn hover(&self, offset: usize, sizes: Option<&Sizes>) -> Option<(Span, String)> {
        let o = self.symbol_at(offset)?;
        let decl = self.symbols.declaration(&o.kind, &o.name);
        let code = |span: Span| {
            format!(
                "```playbook\n{}\n```",
                self.outcome.sources.get(span.file).slice(span)
            )
        };
        let mut text = match (&o.kind, decl) {
            (
                SymbolKind::MemberField | SymbolKind::GroupField | SymbolKind::EventField(_),
                Some(d),
            ) => {
                let ty = self.field_type(d.span).unwrap_or_default();
                match &o.kind {
                    SymbolKind::EventField(event) => {
                        format!("event field `{event}.{}`: `{ty}`", o.name)
                    }
                    kind => format!("{} `{}`: `{ty}`", kind.describe(), o.name),
                }
            }
            (_, Some(d)) => match self.item_named(d.span) {
                Some(item) => code(item.span()),
                None => format!("{} `{}`", o.kind.describe(), o.name),
            },
            (_, None) => format!("{} `{}` (not declared)", o.kind.describe(), o.name),
        };
        match &o.kind {
            SymbolKind::Segment => {
                if let Some((size, of)) = sizes.and_then(|s| s.get(&o.name)) {
                    text.push_str(&format!("\n\n{size} of {of} now, in the data file"));
                }
            }
            SymbolKind::Reward => {
                if let Some(cost) = self.reward_cost_of(&o.name) {
                    text.push_str(&format!(
                        "\n\nAt most {cost} a grant (against caps and budgets)"
                    ));
                }
            }
            SymbolKind::Rule => {
                if let Some(bound) = self.rule_bound(&o.name) {
                    text.push_str(&format!("\n\n{bound}"));
                }
            }
            _ => {}
        }
        Some((o.span, text))
    }

    /// The declaration whose name is written at `name`.
    fn item_named(&self, name: Span) -> Option<&Item> {
        self.items.iter().find(|item| match item {
            Item::Segment(s) => s.node.name.span == name,
            Item::Reward(r) => r.node.name.span == name,
            Item::Rule(r) => r.node.name.span == name,
            Item::Event(e) => e.node.name.span == name,
            _ => false,
        })
    }

    /// The type written for the field declared at `name`.
    fn field_type(&self, name: Span) -> Option<String> {
        let fields = self.items.iter().flat_map(|item| match item {
            Item::MemberSchema(s) | Item::GroupSchema(s) => s.node.fields.iter(),
            Item::Event(e) => e.node.schema.fields.iter(),
            _ => [].iter(),
        });
        let f = fields.into_iter().find(|f| f.name.span == name)?;
        Some(
            self.outcome
                .sources
                .get(f.ty.span.file)
                .slice(f.ty.span)
                .to_owned(),
        )
    }

    fn reward_cost_of(&self, name: &str) -> Option<String> {
        let program = self.outcome.program.as_ref()?;
        let reward = program
            .rules
            .iter()
            .flat_map(|r| &r.give)
            .find(|g| g.label == name)?;
        Some(show(&reward_cost(reward, &program.settings)))
    }

    fn rule_bound(&self, name: &str) -> Option<String> {
        let program = self.outcome.program.as_ref()?;
        let bounds = cost_bounds(program);
        let rule = bounds.rules.iter().find(|r| r.name == name)?;
        Some(format!(
            "Static cost bound: {} a firing, {} a day, {} in all",
            show(&rule.per_firing),
            show(&rule.per_day),
            show(&rule.total)
        ))
    }

    /// Every segment's size now in the data file `data`, or why not (the file
    /// checks with errors, or cannot be read as this playbook's data).
    pub fn segment_sizes(&self, data: &Path) -> Result<Sizes, String> {
        let program = self
            .outcome
            .program
            .clone()
            .ok_or("the playbook has errors")?;
        let compiled = crate::compile::compile(program);
        let now = chrono::Utc::now().timestamp();
        let tables = crate::data::TableNames::default();
        let (sizes, _) = crate::app::explain::segments(&compiled, (data, tables), None, now, true)
            .map_err(|e| e.to_string())?;
        Ok(sizes
            .into_iter()
            .map(|s| (s.name, (s.size, s.of)))
            .collect())
    }
}

fn show(spend: &Spend) -> String {
    match spend {
        Spend::Bounded(f) => f.to_string(),
        Spend::Unbounded(u) => format!("unbounded ({u})"),
    }
}
