//! Start-up: every slot of the stage queues written once, so no stage takes a page fault on
//! its first pass through a queue (see [`crate::runtime::prefault_queue`]).

use crate::runtime::{LinkRx, LinkTx, prefault_queue};
use crate::types::{
    IntentKind, IntentMsg, IntentOutcome, Legs, MdEvent, MdTick, OrderEvent, OrderIntent, OrderMsg,
    Quote, QuoteMsg, Stamped,
};

/// Writes every slot of the five stage queues once (see [`prefault_queue`]).
pub(super) fn prefault_queues(
    md: (&mut rtrb::Producer<MdEvent>, &mut rtrb::Consumer<MdEvent>),
    quotes: (&mut LinkTx<QuoteMsg>, &mut LinkRx<QuoteMsg>),
    intents: (
        &mut rtrb::Producer<IntentMsg>,
        &mut rtrb::Consumer<IntentMsg>,
    ),
    orders: (&mut rtrb::Producer<OrderMsg>, &mut rtrb::Consumer<OrderMsg>),
    outcomes: (
        &mut rtrb::Producer<IntentOutcome>,
        &mut rtrb::Consumer<IntentOutcome>,
    ),
) {
    let intent = OrderIntent {
        pair: 0,
        seq: 0,
        t_ns: 0,
        kind: IntentKind::Rebalance,
        legs: Legs::default(),
    };
    let outcome = IntentOutcome {
        pair: 0,
        seq: 0,
        held: [0, 0],
        reached: false,
    };
    prefault_queue(md.0, md.1, md_sample());
    // Conflating slots are written when created.
    if let (LinkTx::Fifo(tx), LinkRx::Fifo(rx)) = quotes {
        prefault_queue(tx, rx, quote_sample());
    }
    prefault_queue(intents.0, intents.1, stamped(intent));
    prefault_queue(orders.0, orders.1, stamped(OrderEvent::Disconnected));
    prefault_queue(outcomes.0, outcomes.1, outcome);
}

/// A market-data event to fill queues with (popped before any stage runs).
pub(super) fn md_sample() -> MdEvent {
    MdEvent {
        seq: 0,
        t_recv_ns: 0,
        t_enq_ns: 0,
        t_event_ns: 0,
        req_id: 0,
        tick: MdTick::BidSize(0.0),
    }
}

/// A quote message to fill queues and slots with (never delivered).
pub(super) fn quote_sample() -> QuoteMsg {
    stamped(Quote::default())
}

/// `value`, unstamped (a filler: it is popped before any stage runs).
fn stamped<T>(value: T) -> Stamped<T> {
    Stamped {
        value,
        t_recv_ns: 0,
        t_enq_ns: 0,
    }
}
