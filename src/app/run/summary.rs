//! The closing summary of a run, for people: shared by `playbook run` and the REPL's
//! `:run`.

use unicode_width::UnicodeWidthStr;

use super::RunOutcome;
use crate::check::Program;
use crate::interpret::engine::Tally;
use crate::time::instant_local;

/// The summary for people.
pub fn summary_text(program: &Program, outcome: &RunOutcome) -> String {
    let tz = program.settings.timezone;
    let r = &outcome.report;
    let mut out = String::new();
    let local = |t| instant_local(tz, t).format("%Y-%m-%d %H:%M:%S").to_string();
    let left_out = if r.events_skipped > 0 {
        format!(" (and {} left out for bad values)", r.events_skipped)
    } else {
        String::new()
    };
    out.push_str(&format!(
        "window ({} .. {}]: {} event{}{left_out}, {} tick{}\n",
        local(r.window.0),
        local(r.window.1),
        r.events,
        plural(r.events),
        r.ticks,
        plural(r.ticks)
    ));
    out.push_str(&format!(
        "granted {} grant{} worth {}\n",
        r.granted.count,
        plural(r.granted.count),
        r.granted.value
    ));
    let rules: Vec<&(String, Tally)> = r.by_rule.iter().filter(|(_, t)| t.count > 0).collect();
    if !rules.is_empty() {
        out.push_str("  by rule:\n");
        let w = rules.iter().map(|(n, _)| n.width()).max().unwrap_or(0);
        for (name, t) in rules {
            out.push_str(&format!(
                "    {}  {:>8}  {:>12}\n",
                pad(name, w),
                t.count,
                t.value.to_string()
            ));
        }
        out.push_str("  by reward:\n");
        let w = r.by_reward.keys().map(|n| n.width()).max().unwrap_or(0);
        for (name, t) in &r.by_reward {
            out.push_str(&format!(
                "    {}  {:>8}  {:>12}\n",
                pad(name, w),
                t.count,
                t.value.to_string()
            ));
        }
    }
    let refused: u64 = r.refusals.values().sum();
    if refused > 0 {
        let parts = r
            .refusals
            .iter()
            .map(|(k, n)| format!("{} {n}", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "refused {refused} firing{} ({parts})\n",
            plural(refused)
        ));
    }
    if r.already_held > 0 {
        out.push_str(&format!(
            "already in the ledger: {} firing{} of this window (not granted again)\n",
            r.already_held,
            plural(r.already_held)
        ));
    }
    if r.already_refused > 0 {
        out.push_str(&format!(
            "already refused in an earlier run: {} firing{} of this window (not listed again)\n",
            r.already_refused,
            plural(r.already_refused)
        ));
    }
    let payouts = outcome.payouts.as_ref();
    for b in &r.budget {
        let confirmed = payouts
            .and_then(|p| p.confirmed(b.window))
            .map(|c| format!(" (confirmed {c})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "budget {} {}: used {}{confirmed}, left {}\n",
            b.limit,
            if b.window == "total" {
                "total".to_owned()
            } else {
                format!("per {} (this {})", b.window, b.window)
            },
            b.used,
            b.left()
        ));
    }
    if let Some(p) = payouts {
        let parts: Vec<String> = p
            .by_status
            .iter()
            .map(|(s, v)| format!("{} {v}", s.as_str()))
            .collect();
        out.push_str(&format!("payouts in the ledger: {}\n", parts.join(", ")));
    }
    if let Some(n) = outcome.transferred {
        out.push_str(&format!(
            "read {n} row{} from the database server\n",
            plural(n)
        ));
    }
    for (kind, n) in &r.ignored_events {
        out.push_str(&format!(
            "ignored {n} event{} of undeclared kind `{kind}`\n",
            plural(*n)
        ));
    }
    if !r.skipped.is_empty() {
        out.push_str(&format!(
            "skipped {} bad value{} (listed on stderr)\n",
            r.skipped.len(),
            plural(r.skipped.len() as u64)
        ));
    }
    for share in &r.skipped_share {
        out.push_str(&skipped_share_line(share));
        out.push('\n');
    }
    for note in &outcome.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    match &outcome.recorded {
        Some(run) => out.push_str(&format!("recorded as run {} in the ledger\n", run.id)),
        None if outcome.ledger_grants_before > 0 => out.push_str("dry run: nothing recorded\n"),
        None => {}
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Pads to a display width (CJK characters take two columns).
fn pad(text: &str, width: usize) -> String {
    let w = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

/// `left out 2 of 40 rows of \`members\` (5.0%)`, a warning above 5%.
pub fn skipped_share_line(share: &crate::interpret::engine::SkippedShare) -> String {
    let Some(of) = share.of else {
        return format!("left out {} rows of `{}`", share.rows, share.table);
    };
    let percent = share.rows as f64 * 100.0 / of.max(1) as f64;
    let line = format!(
        "left out {} of {of} rows of `{}` ({percent:.1}%)",
        share.rows, share.table
    );
    if share.is_all() {
        format!("error: --skip-bad-rows {line}: nothing of it was evaluated")
    } else if share.is_large() {
        format!("warning: --skip-bad-rows {line}: check the data before trusting this run")
    } else {
        line
    }
}
