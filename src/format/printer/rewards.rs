//! Rewards: one line, or a block of aligned arms.

use unicode_width::UnicodeWidthStr;

use super::super::expr::{self, expr};
use super::super::layout::Kind;
use super::Printer;
use super::padded;
use crate::syntax::ast::*;

impl Printer<'_> {
    /// A reward after the text already on the line. A block reward leaves its closing
    /// `}` line open.
    pub(super) fn reward(&mut self, r: &Reward) {
        match &r.node {
            RewardKind::Lottery { arms, rest } => {
                self.open_block("lottery {", r.span.start + 1);
                let mut rows: Vec<(String, usize, &Reward)> = arms
                    .iter()
                    .map(|a| (expr::rate(a.chance.node), a.chance.span.start, &a.reward))
                    .collect();
                if let Some(rest) = rest {
                    rows.push(("rest".to_string(), rest.span.start, rest));
                }
                self.arms(rows);
            }
            RewardKind::Tier { arms, otherwise } => {
                self.open_block("tier {", r.span.start + 1);
                let mut rows: Vec<(String, usize, &Reward)> = arms
                    .iter()
                    .map(|a| (tier_condition(&a.when), a.when.span.start, &a.reward))
                    .collect();
                if let Some(o) = otherwise {
                    rows.push(("else".to_string(), o.span.start, o));
                }
                self.arms(rows);
            }
            RewardKind::TierBy {
                subject,
                arms,
                otherwise,
            } => {
                self.open_block(&format!("tier by {} {{", expr(subject)), subject.span.end);
                let mut rows: Vec<(String, usize, &Reward)> = arms
                    .iter()
                    .map(|a| {
                        let left = format!("{} {}", a.op.node.symbol(), expr(&a.value));
                        (left, a.op.span.start, &a.reward)
                    })
                    .collect();
                if let Some(o) = otherwise {
                    rows.push(("else".to_string(), o.span.start, o));
                }
                self.arms(rows);
            }
            RewardKind::Experiment { name, arms } => {
                self.open_block(
                    &format!("experiment {} {{", expr::quote(&name.node)),
                    name.span.end,
                );
                let rows = arms
                    .iter()
                    .map(|a| {
                        let left = format!("{} {}", a.name.node, expr::rate(a.share.node));
                        (left, a.name.span.start, &a.reward)
                    })
                    .collect();
                self.arms(rows);
            }
            _ => {
                self.push(&inline_reward(r));
                self.reach(r.span.end);
                return;
            }
        }
        self.closer(r.span);
    }

    fn open_block(&mut self, text: &str, end: usize) {
        self.push(text);
        self.reach(end);
        self.finish(true);
    }

    /// The arms of a block, `->` aligned.
    fn arms(&mut self, rows: Vec<(String, usize, &Reward)>) {
        let widest = rows.iter().map(|(l, _, _)| l.width()).max().unwrap_or(0);
        self.indent += 1;
        for (left, start, reward) in rows {
            self.begin(start, Kind::Statement);
            self.push(&padded(&left, widest));
            self.push(" -> ");
            self.reward(reward);
            self.reach(reward.span.end);
            self.finish(false);
        }
        self.indent -= 1;
    }
}

/// A tier arm's condition. One that starts with `-` is bracketed: after an arm ending
/// in an amount (`-> points 5`) the `-` would read as a subtraction.
fn tier_condition(e: &Expr) -> String {
    let text = expr(e);
    if text.starts_with('-') {
        format!("({text})")
    } else {
        text
    }
}

/// A reward that is written on one line.
fn inline_reward(r: &Reward) -> String {
    match &r.node {
        RewardKind::Coupon(c) => coupon(c),
        RewardKind::RedPacket { amount, split } => {
            let mut s = format!("red_packet {}", expr(amount));
            if let Some(split) = split {
                let mode = if split.node.random { "random" } else { "equal" };
                s.push_str(&format!(" split {} {mode}", split.node.shares));
            }
            s
        }
        RewardKind::Points(amount) => format!("points {}", expr(amount)),
        RewardKind::Gift { name, worth } => match worth {
            Some(w) => format!(
                "gift {} worth {}",
                expr::quote(&name.node),
                expr::money(w.node)
            ),
            None => format!("gift {}", expr::quote(&name.node)),
        },
        RewardKind::Ref(name) => name.node.clone(),
        // Blocks are printed by `Printer::reward`.
        _ => String::new(),
    }
}

fn coupon(c: &Coupon) -> String {
    let mut s = match c.value.node {
        CouponValue::Amount(m) => format!("coupon {}", expr::money(m)),
        CouponValue::PercentOff(r) => format!("coupon {} off", expr::rate(r)),
        CouponValue::Zhe(r) => format!("coupon {}", expr::zhe(r)),
    };
    for o in &c.options {
        s.push(' ');
        s.push_str(&match &o.node {
            CouponOption::Over(m) => format!("over {}", expr::money(*m)),
            CouponOption::Max(m) => format!("max {}", expr::money(*m)),
            CouponOption::Scope(scope) => format!("on {}", expr::quote(scope)),
            CouponOption::Valid(d) => format!("valid {}", expr::duration(*d)),
            CouponOption::Stackable => "stackable".to_string(),
        });
    }
    s
}

/// Whether a reward is printed as a block over several lines.
pub(super) fn is_block(r: &Reward) -> bool {
    matches!(
        r.node,
        RewardKind::Lottery { .. }
            | RewardKind::Tier { .. }
            | RewardKind::TierBy { .. }
            | RewardKind::Experiment { .. }
    )
}
