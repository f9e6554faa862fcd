//! What a pair strategy believes it holds.

use crate::types::Direction;

/// The pair position as the strategy believes it: its own intents, assumed filled until dispatch
/// says what they came to ([`PairStrategy::on_outcome`]); dispatch tracks real fills and
/// legging.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Position {
    Flat,
    Open {
        direction: Direction,
        since_ns: u64,
        qty_a: u32,
        qty_b: u32,
    },
}

impl Position {
    /// Signed shares of legs A and B (long spread: long A, short B).
    ///
    /// # Examples
    /// ```
    /// use hft::strategy::Position;
    /// use hft::types::Direction;
    /// let p = Position::Open { direction: Direction::ShortSpread, since_ns: 0, qty_a: 100, qty_b: 90 };
    /// assert_eq!(p.signed_legs(), (-100, 90));
    /// assert_eq!(Position::Flat.signed_legs(), (0, 0));
    /// ```
    #[inline]
    pub fn signed_legs(&self) -> (i64, i64) {
        match *self {
            Position::Flat => (0, 0),
            Position::Open {
                direction: Direction::LongSpread,
                qty_a,
                qty_b,
                ..
            } => (qty_a as i64, -(qty_b as i64)),
            Position::Open {
                direction: Direction::ShortSpread,
                qty_a,
                qty_b,
                ..
            } => (-(qty_a as i64), qty_b as i64),
        }
    }
}
