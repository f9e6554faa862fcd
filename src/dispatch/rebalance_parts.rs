//! A basket rebalance of more names than one intent carries: the strategy sends its targets as
//! consecutive intents of one sequence number (`types::rebalance_chunks`), the
//! [`IntentKind::RebalancePart`](crate::types::IntentKind::RebalancePart)s first and the
//! `Rebalance` that completes them last. The parts' targets wait here, per slot, in a fixed
//! buffer; the completing intent takes them and the whole rebalance goes through the checks
//! as one (every leg passes or none is sent). Intents stay small and `Copy` on the SPSC queue,
//! whose order delivers the parts first; nothing is shared between the threads.

use super::Dispatcher;
use crate::types::{IntentMsg, MAX_BASKET_LEGS};

/// The targets of the parts of one rebalance received so far.
#[derive(Debug, Clone, Copy)]
pub(super) struct RebalanceParts {
    /// The rebalance's sequence number (0: none held).
    pub seq: u64,
    /// A part named an instrument outside the slot, or one name twice: the rebalance is
    /// refused when its last intent comes.
    pub spoiled: bool,
    /// Per leg of the slot's book: a part named it, and its target (signed shares).
    pub named: [bool; MAX_BASKET_LEGS],
    pub wanted: [f64; MAX_BASKET_LEGS],
}

impl RebalanceParts {
    /// Nothing held.
    pub const NONE: RebalanceParts = RebalanceParts {
        seq: 0,
        spoiled: false,
        named: [false; MAX_BASKET_LEGS],
        wanted: [0.0; MAX_BASKET_LEGS],
    };

    /// The parts held for the rebalance `seq`, if any (a part of another sequence number is
    /// one whose last intent never came: it is ignored).
    pub fn of(&self, seq: u64) -> Option<&RebalanceParts> {
        (self.seq == seq && seq != 0).then_some(self)
    }
}

impl Dispatcher {
    /// Holds the targets of a rebalance part for the intent that completes it. A part of a new
    /// sequence number drops what an older one left (its completing intent never came).
    pub(super) fn hold_part(&mut self, msg: &IntentMsg) {
        let intent = &msg.value;
        let Some(state) = self.pairs.get_mut(intent.pair as usize) else {
            self.counters.intents_blocked += 1;
            return;
        };
        let (book, parts) = (&state.book, &mut state.parts);
        if parts.seq != intent.seq {
            *parts = RebalanceParts::NONE;
            parts.seq = intent.seq;
        }
        for leg in intent.legs.iter() {
            match book.leg_of(leg.instrument) {
                Some(at) if !parts.named[at] => {
                    parts.named[at] = true;
                    parts.wanted[at] = leg.signed() as f64;
                }
                _ => parts.spoiled = true,
            }
        }
    }
}
