//! The empty report of a stage that panicked.

use crate::dispatch::DispatchReport;
use crate::io::IoReport;
use crate::latency::histogram;
use crate::normalize::NormalizeReport;
use crate::record::FixedLog;
use crate::signal::SignalReport;

pub(super) fn io() -> IoReport {
    IoReport {
        counters: Default::default(),
        queue_wait: histogram(),
        service: histogram(),
        disconnected: true,
        error: Some("the io thread panicked".into()),
    }
}

pub(super) fn normalize(instruments: usize) -> NormalizeReport {
    NormalizeReport {
        queue_wait: histogram(),
        service: histogram(),
        counters: Default::default(),
        quote_queue_full: 0,
        quotes_conflated: 0,
        mids: vec![0.0; instruments],
        recorded: 0,
        record_dropped: 0,
        events_recorded: 0,
        events_record_dropped: 0,
    }
}

pub(super) fn signal() -> SignalReport {
    SignalReport {
        queue_wait: histogram(),
        service: histogram(),
        tick_to_decision: histogram(),
        service_during_refit: histogram(),
        service_idle: histogram(),
        quotes: 0,
        intents: 0,
        strategies: Vec::new(),
        hedge_ratios: Vec::new(),
        series: Vec::new(),
        basket_series: Vec::new(),
        baskets: Vec::new(),
    }
}

pub(super) fn dispatch() -> DispatchReport {
    DispatchReport {
        queue_wait: histogram(),
        service: histogram(),
        end_to_end: histogram(),
        resend_to_wire: histogram(),
        read_to_signal: histogram(),
        order_events: histogram(),
        counters: Default::default(),
        positions: Vec::new(),
        pair_books: Vec::new(),
        basket_books: Vec::new(),
        basket_crosses: Vec::new(),
        unattributed_commissions: 0.0,
        disconnected: true,
        kill_reason: Default::default(),
        fills: FixedLog::preallocated(0),
        orders_working: 0,
        orders_unsent: 0,
        global_cancels: 0,
        write_stalls: 0,
        unjournaled_orders: 0,
    }
}
