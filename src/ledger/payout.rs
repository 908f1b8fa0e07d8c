//! Payout ids: the reference a payment channel keeps for a grant. WeChat Pay's
//! `out_bill_no`, `out_batch_no` and `out_detail_no`, and a red packet's
//! `mch_billno`, take at most 32 ASCII letters and digits, and a channel refuses (or
//! pays again) a reference it has seen. A grant's payout id is a pure function of its
//! identity in the ledger — playbook, rule, target, cause, reward position — so a
//! re-run, another machine, any thread count or ledger split gives the same id, and
//! two grants never share one.

use crate::interpret::grant::Grant;
use crate::syntax::ast::TargetKind;

/// How many characters a payout id has (the channels' limit).
pub const PAYOUT_ID_LEN: usize = 32;

/// The payout id of the grant with this identity: 32 lowercase hexadecimal digits,
/// the first 128 bits of a BLAKE3 hash of the fields, each written with its length
/// so that no two identities are written alike.
pub fn payout_id(
    playbook: &str,
    rule: &str,
    (kind, target): (TargetKind, &str),
    cause: &str,
    position: u32,
) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"playbook payout id v1");
    for field in [playbook, rule, kind.keyword(), target, cause] {
        hasher.update(&(field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hasher.update(&position.to_le_bytes());
    let hash = hasher.finalize();
    let mut id = String::with_capacity(PAYOUT_ID_LEN);
    for byte in &hash.as_bytes()[..PAYOUT_ID_LEN / 2] {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

/// The payout id of `grant`, made by playbook `playbook` in time zone `tz` (the
/// zone its tick causes are written in, as the ledger records them).
pub fn of_grant(playbook: &str, grant: &Grant, tz: chrono_tz::Tz) -> String {
    payout_id(
        playbook,
        &grant.rule,
        (grant.target.kind, &grant.target.id),
        &grant.cause.key(tz),
        grant.position,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_letters_and_digits_and_differ_with_any_field() {
        let base = payout_id("测", "红包", (TargetKind::Member, "m1"), "event:e1", 0);
        assert_eq!(base.len(), PAYOUT_ID_LEN);
        assert!(
            base.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let others = [
            payout_id("测2", "红包", (TargetKind::Member, "m1"), "event:e1", 0),
            payout_id("测", "红包2", (TargetKind::Member, "m1"), "event:e1", 0),
            payout_id("测", "红包", (TargetKind::Group, "m1"), "event:e1", 0),
            payout_id("测", "红包", (TargetKind::Member, "m2"), "event:e1", 0),
            payout_id("测", "红包", (TargetKind::Member, "m1"), "event:e2", 0),
            payout_id("测", "红包", (TargetKind::Member, "m1"), "event:e1", 1),
            // Lengths are written: moving a character between fields changes the id.
            payout_id("测红", "包", (TargetKind::Member, "m1"), "event:e1", 0),
        ];
        for other in &others {
            assert_ne!(other, &base);
        }
        // A pure function: the same identity, the same id (a constant, so that a
        // change to how ids are made cannot pass unnoticed).
        assert_eq!(base, "984de0aa27dba42de74560825e130553");
    }
}
