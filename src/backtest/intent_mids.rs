//! The mids each intent was decided at, by intent sequence number: what the execution
//! shortfall of its orders (and of their re-sends, re-prices and hedges) is measured from.
//!
//! A flat vector of `(seq, instrument, mid)` kept sorted by `seq` (intents arrive in sequence
//! order, so an entry is nearly always appended), looked up by binary search: no allocation
//! per intent and no per-entry room for a full basket, where a map of fixed-size leg arrays
//! took 1.6 KB per intent and its page faults.

use crate::types::MAX_BASKET_LEGS;

/// One leg's mid when an intent was decided.
#[derive(Debug, Clone, Copy)]
struct Entry {
    seq: u64,
    instrument: u16,
    mid: f64,
}

/// The mids of every intent's legs, by sequence number.
/// (`tests` below shows the rules.)
#[derive(Debug, Default)]
pub(super) struct IntentMids {
    entries: Vec<Entry>,
}

impl IntentMids {
    /// Room for `n` legs before the first growth.
    pub(super) fn with_capacity(n: usize) -> Self {
        IntentMids {
            entries: Vec::with_capacity(n),
        }
    }

    /// The entries of `seq`.
    fn range(&self, seq: u64) -> std::ops::Range<usize> {
        let start = self.entries.partition_point(|e| e.seq < seq);
        let end = start + self.entries[start..].partition_point(|e| e.seq == seq);
        start..end
    }

    /// Records `mid` for `instrument` under intent `seq` unless that instrument already has one
    /// there (two baskets deciding on one quote share its mids; a rebalance sent in parts adds
    /// each part's names), at most [`MAX_BASKET_LEGS`] instruments per intent.
    pub(super) fn insert(&mut self, seq: u64, instrument: u16, mid: f64) {
        let entry = Entry {
            seq,
            instrument,
            mid,
        };
        // The common case: a new intent after every one recorded.
        if self.entries.last().is_none_or(|e| e.seq < seq) {
            self.entries.push(entry);
            return;
        }
        let r = self.range(seq);
        if r.len() >= MAX_BASKET_LEGS
            || self.entries[r.clone()]
                .iter()
                .any(|e| e.instrument == instrument)
        {
            return;
        }
        self.entries.insert(r.end, entry);
    }

    /// The mid of `instrument` when intent `seq` was decided.
    pub(super) fn get(&self, seq: u64, instrument: u16) -> Option<f64> {
        let r = self.range(seq);
        self.entries[r]
            .iter()
            .find(|e| e.instrument == instrument)
            .map(|e| e.mid)
    }
}

#[cfg(test)]
mod tests {
    use super::IntentMids;

    #[test]
    fn the_first_mid_of_each_leg_is_kept_whatever_the_order_of_intents() {
        let mut m = IntentMids::with_capacity(2);
        m.insert(7, 1, 10.5);
        m.insert(7, 2, 20.5);
        m.insert(7, 1, 11.0);
        m.insert(9, 1, 12.0);
        // A later part of an earlier intent, and an intent recorded out of order.
        m.insert(7, 3, 30.5);
        m.insert(8, 1, 13.0);
        assert_eq!(m.get(7, 1), Some(10.5));
        assert_eq!(m.get(7, 2), Some(20.5));
        assert_eq!(m.get(7, 3), Some(30.5));
        assert_eq!(m.get(8, 1), Some(13.0));
        assert_eq!(m.get(9, 1), Some(12.0));
        assert_eq!(m.get(9, 2), None);
        assert_eq!(m.get(6, 1), None);
        assert_eq!(m.get(10, 1), None);
    }

    #[test]
    fn an_intent_holds_at_most_a_full_basket_of_instruments() {
        let mut m = IntentMids::with_capacity(0);
        for i in 0..=crate::types::MAX_BASKET_LEGS as u16 {
            m.insert(1, i, f64::from(i));
        }
        m.insert(2, 0, 1.0);
        for i in 0..=crate::types::MAX_BASKET_LEGS as u16 {
            m.insert(1, i, f64::from(i));
        }
        let last = crate::types::MAX_BASKET_LEGS as u16;
        assert_eq!(m.get(1, last - 1), Some(f64::from(last - 1)));
        assert_eq!(m.get(1, last), None);
    }
}
