//! Positions with average-cost accounting, per instrument and per pair, and the table of
//! executions already counted.

use crate::types::{ExecId, MAX_BASKET_LEGS};

/// Position in one instrument (or one leg of a pair).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct PositionState {
    pub qty: f64,
    pub avg_cost: f64,
    pub realized: f64,
    pub commissions: f64,
}

impl PositionState {
    /// Applies a signed fill (positive buys) at `price` with average-cost accounting.
    ///
    /// # Examples
    /// ```
    /// let mut p = hft::dispatch::PositionState::default();
    /// p.apply(100.0, 10.0);
    /// p.apply(-150.0, 12.0); // closes 100 (+200 realized), opens 50 short at 12
    /// assert_eq!((p.qty, p.avg_cost, p.realized), (-50.0, 12.0, 200.0));
    /// ```
    pub fn apply(&mut self, signed: f64, price: f64) {
        // The one average-cost rule, shared with the gateway and the backtest.
        let mut p = crate::exchange::Position {
            qty: self.qty,
            avg_cost: self.avg_cost,
            realized: self.realized,
            commissions: self.commissions,
        };
        p.apply(signed, price);
        (self.qty, self.avg_cost, self.realized) = (p.qty, p.avg_cost, p.realized);
    }

    /// Open PnL at `mid` (0 without a position or a price).
    pub fn unrealized(&self, mid: f64) -> f64 {
        if self.qty != 0.0 && mid > 0.0 {
            self.qty * (mid - self.avg_cost)
        } else {
            0.0
        }
    }
}

/// What a pair holds: its two legs as traded by its own orders (entries, closes, resends,
/// unwinds and its share of a flatten), so PnL and hedging are known per pair even when pairs
/// share an instrument.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct PairBook {
    pub instruments: [u16; 2],
    pub legs: [PositionState; 2],
}

impl PairBook {
    /// True when both legs are flat.
    pub fn is_flat(&self) -> bool {
        self.legs.iter().all(|l| l.qty == 0.0)
    }

    /// True when exactly one leg holds a position: a naked leg.
    pub fn is_legged(&self) -> bool {
        (self.legs[0].qty == 0.0) != (self.legs[1].qty == 0.0)
    }

    /// The leg index trading `instrument`, if any.
    pub fn leg_of(&self, instrument: u16) -> Option<usize> {
        self.instruments.iter().position(|&i| i == instrument)
    }
}

/// What one strategy slot (a pair or a basket) holds, leg by leg: each leg as the slot's own
/// orders traded it. Up to [`MAX_BASKET_LEGS`] legs inline, so the dispatcher's tables stay fixed.
///
/// # Examples
/// ```
/// use hft::dispatch::LegBook;
/// let mut b = LegBook::new(&[4, 7, 9]).unwrap();
/// assert_eq!(b.leg_of(7), Some(1));
/// b.legs_mut()[2].apply(-100.0, 20.0);
/// assert!(!b.is_flat());
/// assert_eq!(b.instruments(), &[4, 7, 9]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegBook {
    instruments: [u16; MAX_BASKET_LEGS],
    legs: [PositionState; MAX_BASKET_LEGS],
    len: u8,
}

impl LegBook {
    /// A flat book over `instruments` (`None`: more than [`MAX_BASKET_LEGS`]).
    pub fn new(instruments: &[u16]) -> Option<Self> {
        if instruments.len() > MAX_BASKET_LEGS {
            return None;
        }
        let mut b = LegBook {
            instruments: [0; MAX_BASKET_LEGS],
            legs: [PositionState::default(); MAX_BASKET_LEGS],
            len: instruments.len() as u8,
        };
        b.instruments[..instruments.len()].copy_from_slice(instruments);
        Some(b)
    }

    /// The instruments of its legs, in leg order.
    pub fn instruments(&self) -> &[u16] {
        &self.instruments[..self.len as usize]
    }

    /// Its legs' positions, in leg order.
    pub fn legs(&self) -> &[PositionState] {
        &self.legs[..self.len as usize]
    }

    /// Its legs' positions, to update.
    pub fn legs_mut(&mut self) -> &mut [PositionState] {
        &mut self.legs[..self.len as usize]
    }

    /// The leg index trading `instrument`, if any.
    pub fn leg_of(&self, instrument: u16) -> Option<usize> {
        self.instruments().iter().position(|&i| i == instrument)
    }

    /// True when every leg is flat.
    pub fn is_flat(&self) -> bool {
        self.legs().iter().all(|l| l.qty == 0.0)
    }

    /// The book as a pair's (its first two legs).
    pub fn pair(&self) -> PairBook {
        PairBook {
            instruments: [self.instruments[0], self.instruments[1]],
            legs: [self.legs[0], self.legs[1]],
        }
    }

    /// Gross and net shares held (the sum of |qty| and of qty over the legs).
    pub fn gross_net(&self) -> [i64; 2] {
        let q = |l: &PositionState| l.qty.round() as i64;
        [
            self.legs().iter().map(|l| q(l).abs()).sum(),
            self.legs().iter().map(q).sum(),
        ]
    }
}

/// One execution id already met: where its commission goes, and whether it was booked.
#[derive(Debug, Clone, Copy)]
pub struct SeenExec {
    pub instrument: u16,
    pub pair: u16,
    /// Index in the fills log, `u32::MAX` when not logged.
    pub fill: u32,
    /// The commission booked for it (`None`: no report yet). The gateway replays every
    /// report after a reconnection; a repeat is not booked again.
    pub commission: Option<f64>,
    /// The execution itself was counted. False while only its commission report has come (a
    /// report may precede its execution): the commission then waits with the unattributed
    /// ones until the execution says where it goes.
    pub executed: bool,
    /// The split of an execution of an order shared by several baskets (its commission is
    /// split the same way), `u32::MAX` for none.
    pub split: u32,
}

impl SeenExec {
    /// An execution counted now, its commission not yet reported.
    pub fn executed(instrument: u16, pair: u16, fill: u32) -> Self {
        SeenExec {
            instrument,
            pair,
            fill,
            commission: None,
            executed: true,
            split: u32::MAX,
        }
    }
}

/// Execution ids counted so far: an open-addressing table sized at start-up (no allocation
/// afterwards), so a fill replayed by the gateway, or recovered from the journal, is counted once.
///
/// # Examples
/// ```
/// use hft::dispatch::{ExecTable, SeenExec};
/// let mut t = ExecTable::with_capacity(8);
/// let id = hft::types::ExecId::from("0001.01").unwrap();
/// let e = SeenExec::executed(1, 0, 0);
/// assert!(t.insert(id, e));
/// assert!(!t.insert(id, e)); // a duplicate
/// assert_eq!(t.get(&id).map(|s| s.instrument), Some(1));
/// ```
pub struct ExecTable {
    keys: Box<[ExecId]>,
    /// Each slot's key tag (the high half of its hash, never 0; 0: an empty slot): a probe
    /// reads only this dense array until a tag matches, one cache line per 16 slots, instead of
    /// a 52-byte key per slot (long runs in a nearly full table).
    hashes: Box<[u32]>,
    values: Box<[SeenExec]>,
    len: usize,
    /// The executions it was sized for ([`ExecTable::with_capacity`]); past them it still
    /// remembers up to 7/8 of its slots (twice as many), the reserve the dispatcher keeps for
    /// closes, unwinds and flattens.
    capacity: usize,
    /// Inserts refused because the table was full (those executions cannot be de-duplicated).
    pub overflow: u64,
}

impl ExecTable {
    /// A table for at least `n` executions (twice that many slots, a power of two).
    pub fn with_capacity(n: usize) -> Self {
        let slots = (2 * n.max(8)).next_power_of_two();
        let none = SeenExec::executed(u16::MAX, u16::MAX, u32::MAX);
        ExecTable {
            keys: crate::runtime::huge_filled(slots, ExecId::new()),
            hashes: crate::runtime::huge_filled(slots, 0),
            values: crate::runtime::huge_filled(slots, none),
            len: 0,
            capacity: n,
            overflow: 0,
        }
    }

    /// True once it holds the executions it was sized for: the dispatcher opens no new
    /// position then (what is left is the reserve for reducing trades).
    pub fn at_capacity(&self) -> bool {
        self.len >= self.capacity
    }

    fn hash(id: &ExecId) -> usize {
        // Eight bytes at a time (an execution id is 20 to 30 characters; a byte-at-a-time hash
        // is a chain of 30 multiplies on every execution and commission), then murmur3's
        // finalizer, so the low bits (the slot) and the high bits (the tag) both depend on
        // every byte.
        let bytes = id.as_bytes();
        let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let w = u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
            h = (h ^ w).wrapping_mul(0xff51_afd7_ed55_8ccd).rotate_left(31);
        }
        let mut last = [0u8; 8];
        last[..words.remainder().len()].copy_from_slice(words.remainder());
        h = (h ^ u64::from_le_bytes(last)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        h as usize
    }

    /// The tag of a hash: its high half, 0 reserved for an empty slot.
    fn tag(hash: usize) -> u32 {
        ((hash as u64 >> 32) as u32).max(1)
    }

    /// The slot holding `id`, or the empty slot (tag 0) where it would go.
    fn probe(&self, id: &ExecId) -> usize {
        self.probe_hashed(id, Self::hash(id))
    }

    /// [`probe`](Self::probe) with `id`'s hash already computed.
    fn probe_hashed(&self, id: &ExecId, hash: usize) -> usize {
        let mask = self.hashes.len() - 1;
        let tag = Self::tag(hash);
        let mut i = hash & mask;
        loop {
            let t = self.hashes[i];
            if t == 0 || (t == tag && self.keys[i] == *id) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// Inserts a new id; false when it was already there (or the table is full: `overflow`).
    pub fn insert(&mut self, id: ExecId, value: SeenExec) -> bool {
        if id.is_empty() {
            return true;
        }
        if self.len * 8 >= self.keys.len() * 7 {
            if self.get(&id).is_some() {
                return false;
            }
            self.overflow += 1;
            return true;
        }
        let hash = Self::hash(&id);
        let i = self.probe_hashed(&id, hash);
        if self.hashes[i] != 0 {
            return false;
        }
        self.keys[i] = id;
        self.hashes[i] = Self::tag(hash);
        self.values[i] = value;
        self.len += 1;
        true
    }

    /// What was recorded for `id`.
    pub fn get(&self, id: &ExecId) -> Option<&SeenExec> {
        if id.is_empty() {
            return None;
        }
        let i = self.probe(id);
        (self.hashes[i] != 0).then(|| &self.values[i])
    }

    /// What was recorded for `id`, to update.
    pub fn get_mut(&mut self, id: &ExecId) -> Option<&mut SeenExec> {
        if id.is_empty() {
            return None;
        }
        let i = self.probe(id);
        (self.hashes[i] != 0).then(|| &mut self.values[i])
    }

    /// Executions recorded.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{ExecId, ExecTable, SeenExec};

    /// Sequential execution ids, as the paper gateway writes them, spread over the table: the
    /// ids that share a slot's neighbourhood are few, so a look-up reads a slot or two.
    #[test]
    fn sequential_execution_ids_spread_over_the_table() {
        let n = 100_000u32;
        let mut t = ExecTable::with_capacity(n as usize);
        let ids: Vec<ExecId> = (0..n)
            .map(|k| {
                let text = crate::exchange::exec_id_text(0xbac7 + k / 50_000, k, (k % 2 + 1) as u8);
                ExecId::from(&text).unwrap()
            })
            .collect();
        for (k, id) in ids.iter().enumerate() {
            assert!(t.insert(*id, SeenExec::executed(0, 0, k as u32)), "{id}");
        }
        assert_eq!(t.len(), n as usize);
        let mask = t.hashes.len() - 1;
        let distance = |id: &ExecId| {
            let home = ExecTable::hash(id) & mask;
            (t.probe(id) + t.hashes.len() - home) & mask
        };
        let total: usize = ids.iter().map(distance).sum();
        let longest = ids.iter().map(distance).max().unwrap_or(0);
        // Uniform hashing at this load (100,000 in 262,144 slots, 38 %) gives a mean distance of
        // about 0.3; a hash that ignored part of the id would pile sequential ids up.
        assert!(
            total as f64 / f64::from(n) < 1.0,
            "mean {}",
            total as f64 / f64::from(n)
        );
        assert!(longest < 64, "longest {longest}");
        for (k, id) in ids.iter().enumerate() {
            assert!(t.get(id).is_some(), "{k}");
            assert!(
                !t.insert(*id, SeenExec::executed(0, 0, 0)),
                "a second insert is refused"
            );
        }
    }
}
