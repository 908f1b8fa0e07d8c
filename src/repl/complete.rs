//! Tab completion and hints: the words the session knows, and which of them fit
//! where the cursor is.

use super::Session;
use super::commands::{COMMANDS, resolve};
use super::input::{BUILTINS, KEYWORDS, is_word_char};

/// The names a session knows, taken after each statement so that completion does
/// not need the session itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    /// Declared segments, rewards, rules and events.
    pub names: Vec<String>,
    /// Declared rules (`:explain` takes one).
    pub rules: Vec<String>,
    /// Member fields.
    pub member_fields: Vec<String>,
    /// Group fields.
    pub group_fields: Vec<String>,
    /// Each event kind with its fields, implicit ones included.
    pub events: Vec<(String, Vec<String>)>,
}

impl Session {
    /// The names completion offers now.
    pub fn vocabulary(&self) -> Vocabulary {
        let p = self.decls.program();
        let fields = |s: &crate::check::RecordSchema| -> Vec<String> {
            s.fields.iter().map(|f| f.name.clone()).collect()
        };
        let mut names: Vec<String> = Vec::new();
        names.extend(p.segments.iter().map(|s| s.name.clone()));
        names.extend(p.rewards.iter().map(|r| r.name.clone()));
        names.extend(p.rules.iter().map(|r| r.name.clone()));
        names.extend(p.events.iter().map(|e| e.name.clone()));
        Vocabulary {
            names,
            rules: p.rules.iter().map(|r| r.name.clone()).collect(),
            member_fields: fields(&p.member),
            group_fields: p.group.as_ref().map(fields).unwrap_or_default(),
            events: p
                .events
                .iter()
                .map(|e| (e.name.clone(), fields(e)))
                .collect(),
        }
    }
}

impl Vocabulary {
    /// Completions of the word that ends at byte `pos` of `line` (the whole input
    /// so far, all its lines): where that word starts, and the candidates that
    /// extend it, sorted and without duplicates.
    pub fn complete(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let pos = floor_boundary(line, pos);
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_word_char(*c))
            .last()
            .map_or(pos, |(i, _)| i);
        let word = &before[start..];
        let head = &before[..start];
        let mut candidates: Vec<String> =
            if head.strip_suffix(':').is_some_and(|h| h.trim().is_empty()) {
                COMMANDS.iter().map(|c| c.name.to_owned()).collect()
            } else if let Some(qualifier) = head.strip_suffix('.') {
                self.fields_after(qualifier, line)
            } else if let Some(command) = line.trim_start().strip_prefix(':') {
                self.command_argument(command)
            } else {
                self.everything()
            };
        candidates.retain(|c| c.starts_with(word) && c != word);
        candidates.sort();
        candidates.dedup();
        (start, candidates)
    }

    /// The hint shown after the cursor: the rest of a command's name and its
    /// arguments.
    pub fn hint(&self, line: &str, pos: usize) -> Option<String> {
        if pos != line.len() {
            return None;
        }
        let name = line.strip_prefix(':')?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        let command = resolve(name).ok()?;
        if !command.name.starts_with(name) {
            return None;
        }
        let rest = &command.name[name.len()..];
        let args = if command.args.is_empty() {
            String::new()
        } else {
            format!(" {}", command.args)
        };
        let hint = format!("{rest}{args}");
        (!hint.is_empty()).then_some(hint)
    }

    /// Fields after `member.`, `group.` or `event.`; for `event.`, those of the
    /// event the input's `on NAME` names, else of every event.
    fn fields_after(&self, qualifier: &str, line: &str) -> Vec<String> {
        let word: String = qualifier
            .chars()
            .rev()
            .take_while(|c| is_word_char(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        // `first(order_paid).` takes a field of the kind in its brackets.
        let word = match qualifier.strip_suffix(')') {
            Some(call) => call
                .rsplit('(')
                .next()
                .unwrap_or_default()
                .chars()
                .take_while(|c| is_word_char(*c))
                .collect(),
            None => word,
        };
        match word.as_str() {
            "member" => self.member_fields.clone(),
            "group" => self.group_fields.clone(),
            "event" => {
                let on = after_on(line)
                    .into_iter()
                    .find(|w| self.events.iter().any(|(name, _)| name == w));
                self.events
                    .iter()
                    .filter(|(name, _)| on.is_none_or(|on| on == name))
                    .flat_map(|(_, fields)| fields.iter().cloned())
                    .collect()
            }
            // `sum(order_paid.` takes one of the kind's fields.
            kind => self
                .events
                .iter()
                .find(|(name, _)| name == kind)
                .map(|(_, fields)| fields.clone())
                .unwrap_or_default(),
        }
    }

    fn command_argument(&self, command: &str) -> Vec<String> {
        let name = command.split_whitespace().next().unwrap_or("");
        match resolve(name).map(|c| c.name) {
            Ok("explain") => self.rules.clone(),
            Ok("show") => {
                let mut all = self.names.clone();
                all.extend(self.member_fields.iter().cloned());
                all.extend([
                    "member".to_owned(),
                    "group".to_owned(),
                    "playbook".to_owned(),
                ]);
                all
            }
            Ok("count" | "type") => self.everything(),
            _ => Vec::new(),
        }
    }

    fn everything(&self) -> Vec<String> {
        let mut all: Vec<String> = KEYWORDS.iter().map(|k| (*k).to_owned()).collect();
        all.extend(BUILTINS.iter().map(|b| (*b).to_owned()));
        all.extend(self.names.iter().cloned());
        all.extend(self.member_fields.iter().cloned());
        all.extend(self.group_fields.iter().cloned());
        all
    }
}

/// Every word that follows `on` in the input (`on scan_card`, but also a coupon's
/// `on "scope"`).
fn after_on(line: &str) -> Vec<&str> {
    let words: Vec<&str> = line
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .filter(|pair| pair[0] == "on")
        .map(|pair| pair[1])
        .collect()
}

fn floor_boundary(text: &str, mut pos: usize) -> usize {
    pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}
