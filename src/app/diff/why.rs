//! Why a target's rewards differ: the first firing, in time order, that one version
//! made and the other did not, and what the other did instead (a refusal from its
//! run, another reward, no tick, or the condition that failed, explained).

use super::effect::{EffectRequest, Got, TargetKey, Version};
use crate::app::explain::explain_target_in;
use crate::data::sqlite::SqliteData;
use crate::data::{BadValue, DataError, DataSource, EventBatch, FieldSet, Table};
use crate::interpret::usage::Usage;
use crate::time::instant_local;
use crate::value::Row;
use chrono::Timelike;

/// One version's data for explaining, with the period's events when the runs left
/// them to look into (then no explanation reads the events table again).
pub(super) struct Explaining {
    pub(super) data: SqliteData,
    pub(super) events: Option<std::sync::Arc<EventBatch>>,
}

/// `data` with `events` as its only events, when given.
struct AtInstant<'a> {
    data: &'a mut SqliteData,
    /// The events of one window (others are read from `data`: a history).
    events: Option<(EventBatch, (i64, i64))>,
}

impl DataSource for AtInstant<'_> {
    fn scan(
        &mut self,
        table: Table,
        fields: &FieldSet,
        visit: &mut dyn FnMut(&Row) -> bool,
    ) -> Result<(), DataError> {
        self.data.scan(table, fields, visit)
    }

    fn lookup(
        &mut self,
        table: Table,
        id: &str,
        fields: &FieldSet,
    ) -> Result<Option<Row>, DataError> {
        self.data.lookup(table, id, fields)
    }

    fn events(&mut self, after: i64, until: i64) -> Result<EventBatch, DataError> {
        match &self.events {
            Some((batch, window)) if *window == (after, until) => Ok(batch.clone()),
            _ => self.data.events(after, until),
        }
    }

    fn take_problems(&mut self) -> Vec<BadValue> {
        self.data.take_problems()
    }
}

/// A firing one version's run refused for a target: rule, cause instant, why.
#[derive(Debug, Clone)]
pub(super) struct Refused {
    pub(super) rule: std::sync::Arc<str>,
    pub(super) at: i64,
    pub(super) message: String,
}

/// `RULE at INSTANT: before — …; now — …` for the first firing that differs; empty
/// when the grants differ in nothing but their order.
pub(super) fn why(
    request: &EffectRequest<'_>,
    [old_data, new_data]: &mut [Explaining; 2],
    key: &TargetKey,
    (old, new): (&[Got], &[Got]),
    (old_refused, new_refused): (&[Refused], &[Refused]),
) -> String {
    let Some(first) = first_difference(old, new) else {
        return String::new();
    };
    let old_side = Side {
        version: request.old,
        grants: old,
        refused: old_refused,
        old_name: old_name(request, &first.rule),
    };
    let new_side = Side {
        version: request.new,
        grants: new,
        refused: new_refused,
        old_name: first.rule.to_string(),
    };
    let before = old_side.at(first, key, old_data);
    let after = new_side.at(first, key, new_data);
    let tz = request.new.compiled.program.settings.timezone;
    let local = instant_local(tz, first.at);
    let shown = if local.second() == 0 {
        local.format("%Y-%m-%d %H:%M")
    } else {
        local.format("%Y-%m-%d %H:%M:%S")
    };
    format!(
        "{} at {shown}: before — {before}; now — {after}",
        first.rule
    )
}

/// The first grant (by cause instant, rule, reward) one list has and the other has
/// not at the same place.
fn first_difference<'g>(old: &'g [Got], new: &'g [Got]) -> Option<&'g Got> {
    let sorted = |g: &'g [Got]| {
        let mut v: Vec<&Got> = g.iter().collect();
        v.sort_by(|a, b| order(a).cmp(&order(b)));
        v
    };
    let (old, new) = (sorted(old), sorted(new));
    let (mut i, mut j) = (0, 0);
    loop {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if order(a) == order(b) => (i, j) = (i + 1, j + 1),
            (Some(a), Some(b)) if order(a) < order(b) => return Some(a),
            (_, Some(b)) => return Some(b),
            (Some(a), None) => return Some(a),
            (None, None) => return None,
        }
    }
}

fn order(g: &Got) -> (i64, &str, &str) {
    (g.at, &g.rule, &g.reward)
}

/// The name the old version gives a rule the new one may have renamed.
fn old_name(request: &EffectRequest<'_>, rule: &str) -> String {
    let old = &request.old.compiled.program;
    request
        .new
        .compiled
        .program
        .rules
        .iter()
        .find(|r| r.name == rule)
        .and_then(|r| {
            r.renamed_from
                .iter()
                .find(|f| old.rules.iter().any(|o| &o.name == *f))
        })
        .cloned()
        .unwrap_or_else(|| rule.to_owned())
}

/// One version's side of a difference.
struct Side<'a> {
    version: Version<'a>,
    grants: &'a [Got],
    refused: &'a [Refused],
    /// The rule's name in this version.
    old_name: String,
}

impl Side<'_> {
    /// What this version did with `first`'s rule at its instant.
    fn at(&self, first: &Got, (kind, id): &TargetKey, data: &mut Explaining) -> String {
        let here: Vec<String> = self
            .grants
            .iter()
            .filter(|g| g.at == first.at && g.rule == first.rule)
            .map(|g| format!("{} ({})", g.reward, g.value))
            .collect();
        if !here.is_empty() {
            return format!("gives {}", here.join(", "));
        }
        if let Some(r) = self
            .refused
            .iter()
            .find(|r| r.at == first.at && r.rule == first.rule)
        {
            return format!("refused: {}", r.message);
        }
        let program = &self.version.compiled.program;
        let Some(index) = program.rules.iter().position(|r| r.name == self.old_name) else {
            return "no such rule".to_owned();
        };
        let rule = &program.rules[index];
        if matches!(rule.trigger, crate::check::Trigger::Schedule(_)) {
            let ticks = self
                .version
                .compiled
                .timeline
                .schedule_causes(first.at - 1, first.at)
                .any(|(_, rules)| rules.contains(&index));
            if !ticks {
                return "no tick at this instant".to_owned();
            }
        }
        // The condition, explained on the event at that instant; limits, caps and
        // budgets used before it are in the run's refusals above.
        let usage = Usage::new(program);
        let window = (first.at - 1, first.at);
        let events = data
            .events
            .as_ref()
            .map(|b| (b.at_instant_with(first.at, 1, id), window));
        let mut source = AtInstant {
            data: &mut data.data,
            events,
        };
        let explained = explain_target_in(
            self.version.compiled,
            self.version.sources,
            &mut source,
            &usage,
            (*kind, id),
            window,
        );
        match explained {
            Ok(Some(all)) => all
                .into_iter()
                .find(|e| e.rule == rule.name)
                .map_or_else(|| "not explained".to_owned(), |e| e.verdict),
            Ok(None) => "no such target".to_owned(),
            Err(e) => format!("not explained: {e}"),
        }
    }
}
