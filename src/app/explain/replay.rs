//! The decisions a run of the window made for one target, to replace the
//! verdicts explain judged at `--at` with what the run did.

use super::RuleExplanation;

use crate::interpret::engine::SinkError;
use crate::syntax::ast::TargetKind;

/// What a run of a window decided for one member, rule by rule: the last decision of
/// each rule, so that `explain` says what `run` did rather than judge it again.
#[derive(Debug, Default)]
pub struct MemberDecisions {
    kind: Option<TargetKind>,
    id: String,
    decided: std::collections::BTreeMap<String, Decided>,
    /// Every grant to the target, in decision order.
    granted: Vec<crate::interpret::grant::Grant>,
}

/// One rule's last decision for the member.
#[derive(Debug, Clone)]
pub enum Decided {
    /// Granted these rewards (one firing).
    Granted(Vec<crate::interpret::grant::Grant>),
    /// Refused.
    Refused(crate::interpret::grant::Refusal),
    /// Already in the ledger, not granted again.
    Held(crate::interpret::engine::Held),
}

impl MemberDecisions {
    /// Collects the decisions about member `id`.
    pub fn new(id: &str) -> MemberDecisions {
        MemberDecisions::of(TargetKind::Member, id)
    }

    /// Collects the decisions about the member or group `id`.
    pub fn of(kind: TargetKind, id: &str) -> MemberDecisions {
        MemberDecisions {
            kind: Some(kind),
            id: id.to_owned(),
            decided: Default::default(),
            granted: Vec::new(),
        }
    }

    /// Every grant the run made to the target, in decision order.
    pub fn grants(&self) -> &[crate::interpret::grant::Grant] {
        &self.granted
    }

    fn about(&self, kind: TargetKind, id: &str) -> bool {
        self.kind == Some(kind) && id == self.id
    }

    /// Replaces the verdict of every rule the run decided for the member with that
    /// decision (`window` is shown as what decided it).
    pub fn apply(&self, rules: &mut [RuleExplanation], tz: chrono_tz::Tz, window: &str) {
        for r in rules.iter_mut() {
            let Some(decided) = self.decided.get(&r.rule) else {
                continue;
            };
            let (fires, verdict) = match decided {
                Decided::Granted(grants) => {
                    let rewards: Vec<&str> = grants.iter().map(|g| &*g.reward).collect();
                    let value = grants
                        .iter()
                        .try_fold(crate::money::Fen::ZERO, |sum, g| sum.checked_add(g.value));
                    let first = &grants[0];
                    (
                        true,
                        format!(
                            "granted {}{} at {} ({})",
                            rewards.join(", "),
                            value.map_or_else(String::new, |v| format!(" ({v})")),
                            crate::time::format_instant(tz, first.at),
                            first.cause.key(tz)
                        ),
                    )
                }
                Decided::Refused(refusal) => (
                    false,
                    format!("refused ({}): {}", refusal.reason.as_str(), refusal.message),
                ),
                Decided::Held(held) => (
                    true,
                    format!(
                        "already granted for {} (in the ledger; not granted again)",
                        held.cause.key(tz)
                    ),
                ),
            };
            r.fires = fires;
            r.verdict = verdict;
            // What was judged at the instant stays (tier arms, values), but not a
            // note that the schedule does not tick then: the run's decision is shown.
            r.seen
                .retain(|line| !line.starts_with("(the schedule does not tick"));
            r.seen
                .insert(0, format!("as the run of the window {window} decided it"));
        }
    }
}

impl crate::interpret::engine::Sink for MemberDecisions {
    fn grant(&mut self, g: &crate::interpret::grant::Grant) -> Result<(), SinkError> {
        if !self.about(g.target.kind, &g.target.id) {
            return Ok(());
        }
        self.granted.push(g.clone());
        let entry = self.decided.entry(g.rule.to_string());
        match entry {
            std::collections::btree_map::Entry::Occupied(mut e) => match e.get_mut() {
                Decided::Granted(grants) if grants[0].cause == g.cause => grants.push(g.clone()),
                other => *other = Decided::Granted(vec![g.clone()]),
            },
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(Decided::Granted(vec![g.clone()]));
            }
        }
        Ok(())
    }

    fn refusal(&mut self, r: &crate::interpret::grant::Refusal) -> Result<(), SinkError> {
        if let Some(g) = r.grants.first()
            && self.about(g.target.kind, &g.target.id)
        {
            self.decided
                .insert(g.rule.to_string(), Decided::Refused(r.clone()));
        }
        Ok(())
    }

    fn held(&mut self, h: &crate::interpret::engine::Held) -> Result<(), SinkError> {
        if self.about(h.target.kind, &h.target.id) {
            self.decided
                .insert(h.rule.clone(), Decided::Held(h.clone()));
        }
        Ok(())
    }
}
