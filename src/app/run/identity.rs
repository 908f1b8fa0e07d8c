//! Which of a ledger's history is this playbook's. Grants are recorded under the
//! playbook's name and each rule's name, so renaming either would make every firing
//! of an already recorded window look new and pay it again. A run therefore reads
//! the history under the playbook's former names (`renamed from` in the header) and
//! each rule's former names (`renamed from` in the rule), and refuses a ledger that
//! holds what it cannot account for: grants of a rule this playbook no longer
//! declares (unless `retired`), or of another playbook name with rules of the same
//! names (most likely this playbook before a rename).

use std::collections::{BTreeMap, BTreeSet};

use crate::check::Program;

/// The names this playbook's history is recorded under: its name first, then its
/// former names.
pub fn playbook_names(program: &Program) -> Vec<String> {
    let settings = &program.settings;
    let mut names = vec![settings.name.clone()];
    for n in &settings.renamed_from {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    names
}

/// Checks the (playbook, rule) pairs a ledger holds grants of; the error says what
/// the ledger holds that this playbook does not account for, and how to say what
/// became of it.
pub fn verify(program: &Program, held: &[(String, String)]) -> Result<(), String> {
    let own = playbook_names(program);
    let declared: BTreeSet<&str> = program
        .rules
        .iter()
        .flat_map(|r| std::iter::once(&r.name).chain(&r.renamed_from))
        .map(String::as_str)
        .collect();
    let retired: BTreeSet<&str> = program
        .settings
        .retired
        .iter()
        .map(String::as_str)
        .collect();
    let mut unknown: BTreeSet<&str> = BTreeSet::new();
    let mut foreign: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (playbook, rule) in held {
        let rule = rule.as_str();
        if own.contains(playbook) {
            if !declared.contains(rule) && !retired.contains(rule) {
                unknown.insert(rule);
            }
        } else if declared.contains(rule) {
            foreign.entry(playbook).or_default().push(rule);
        }
    }
    let mut problems = Vec::new();
    if !unknown.is_empty() {
        problems.push(format!(
            "the ledger holds grants of rules this playbook no longer declares: {}\n\
             help: if a rule was renamed, say so in it (`rule NEW {{ renamed from \"OLD\" … }}`) so \
             its limits, caps and recorded firings carry over; if it was removed on purpose, \
             list it in the header: `retired \"OLD\"`",
            list(unknown.iter().copied())
        ));
    }
    for (playbook, rules) in foreign {
        problems.push(format!(
            "the ledger holds grants of playbook \"{playbook}\" for rules this playbook also \
             declares: {}\n\
             help: if this playbook was renamed, say so in its header: `renamed from \
             \"{playbook}\"`; if it is another playbook, give it a ledger of its own",
            list(rules.into_iter())
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
