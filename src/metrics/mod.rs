//! What a running engine shows its operators: numbers the stages publish and cold threads read.
//!
//! Each stage owns its counters and latency histograms. Every `engine.metrics_publish_ms` (at an
//! idle point, or later under sustained load: the runtime's `Cadence`) it copies a few of
//! them into the [`Cell`]s of its part of [`EngineMetrics`]: plain `Relaxed` stores of `u64`s, no
//! lock, no allocation, no system call. Latency percentiles are computed by the stage from its own
//! fixed-bound histogram ([`LatencyCells::publish`]: three quantile scans that stop at the
//! quantile's bucket, plus the tracked maximum) and are cumulative since start, like the
//! histograms dumped at shutdown.
//!
//! Readers are cold: the Prometheus endpoint ([`server`], rendering with [`expose`]) and the
//! supervisor's status line ([`status`]). Each value is read on its own; two values may come from
//! different publications (a scrape is a sample, not a transaction).

pub mod expose;
pub mod server;
pub mod status;

use hdrhistogram::Histogram;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// One published value: written by one stage, read by cold threads.
///
/// # Examples
/// ```
/// let c = hft::metrics::Cell::default();
/// c.set(7);
/// assert_eq!(c.get(), 7);
/// c.set_f64(-1.5);
/// assert_eq!(c.get_f64(), -1.5);
/// ```
#[derive(Debug, Default)]
pub struct Cell(AtomicU64);

impl Cell {
    /// Publishes `v`.
    #[inline]
    pub fn set(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed);
    }

    /// The last value published (0 before the first).
    #[inline]
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Publishes a float (its bits).
    #[inline]
    pub fn set_f64(&self, v: f64) {
        self.set(v.to_bits());
    }

    /// The last float published (0.0 before the first).
    #[inline]
    pub fn get_f64(&self) -> f64 {
        f64::from_bits(self.get())
    }
}

/// Percentiles of one latency histogram in nanoseconds, published by the stage that owns it.
#[derive(Debug, Default)]
pub struct LatencyCells {
    pub count: Cell,
    pub p50: Cell,
    pub p99: Cell,
    pub p999: Cell,
    pub max: Cell,
}

impl LatencyCells {
    /// Copies `h`'s count, p50, p99, p99.9 and max. Never allocates; each quantile scan stops
    /// at the bucket that holds it.
    ///
    /// # Examples
    /// ```
    /// let mut h = hft::latency::histogram();
    /// for ns in 1..=1000 {
    ///     hft::latency::record(&mut h, ns * 1000);
    /// }
    /// let cells = hft::metrics::LatencyCells::default();
    /// cells.publish(&h);
    /// assert_eq!(cells.count.get(), 1000);
    /// assert!((499_000..=501_000).contains(&cells.p50.get()));
    /// assert!(cells.max.get() >= 999_000);
    /// ```
    pub fn publish(&self, h: &Histogram<u64>) {
        self.count.set(h.len());
        if h.is_empty() {
            return;
        }
        self.p50.set(h.value_at_quantile(0.50));
        self.p99.set(h.value_at_quantile(0.99));
        self.p999.set(h.value_at_quantile(0.999));
        self.max.set(h.max());
    }
}

/// The io stage's numbers.
#[derive(Debug, Default)]
pub struct IoCells {
    /// Market-data events decoded (ticks).
    pub ticks: Cell,
    pub frames: Cell,
    pub bytes: Cell,
    pub order_events: Cell,
    pub md_dropped: Cell,
    pub malformed: Cell,
    pub disconnects: Cell,
    pub reconnects: Cell,
    pub reconnect_failures: Cell,
    pub queue_wait: LatencyCells,
    pub service: LatencyCells,
}

/// The normalize stage's numbers.
#[derive(Debug, Default)]
pub struct NormalizeCells {
    /// Quotes accepted and forwarded.
    pub quotes: Cell,
    /// Ticks the bad-tick filter rejected (bad price, crossed, jump).
    pub bad_ticks: Cell,
    /// Market-data events waiting in its input queue.
    pub queue_depth: Cell,
    /// Tops of book handed to the quote recorder, and those dropped because its queue was full.
    pub recorded: Cell,
    pub record_dropped: Cell,
    pub queue_wait: LatencyCells,
    pub service: LatencyCells,
}

/// The signal stage's numbers.
#[derive(Debug, Default)]
pub struct SignalCells {
    pub quotes: Cell,
    pub intents: Cell,
    /// Quotes waiting in its input queue.
    pub queue_depth: Cell,
    pub queue_wait: LatencyCells,
    pub service: LatencyCells,
    /// Socket read of each quote's tick to the strategy's decision on it (trade or not).
    pub tick_to_decision: LatencyCells,
}

/// Link state as published by dispatch ([`DispatchCells::link`]).
pub const LINK_DOWN: u64 = 0;
/// The session is reconciling (start-up, after a reconnection or 1101/1102).
pub const LINK_RECONCILING: u64 = 1;
/// Trading.
pub const LINK_UP: u64 = 2;

/// The dispatch stage's numbers.
#[derive(Debug, Default)]
pub struct DispatchCells {
    pub intents: Cell,
    pub orders: Cell,
    pub fills: Cell,
    /// Intents refused by a pre-trade limit.
    pub risk_rejects: Cell,
    /// Order errors from the gateway (rejects, cancels refused).
    pub order_errors: Cell,
    pub cancels: Cell,
    pub naked_legs: Cell,
    /// 1 once the kill switch has tripped.
    pub kill_switch: Cell,
    pub reconnects: Cell,
    pub reconciliations: Cell,
    /// [`LINK_DOWN`], [`LINK_RECONCILING`] or [`LINK_UP`].
    pub link: Cell,
    pub open_orders: Cell,
    /// Orders and cancels waiting for the rate limiter.
    pub queued: Cell,
    /// USD, as `f64` bits.
    pub realized: Cell,
    pub unrealized: Cell,
    pub commissions: Cell,
    /// Intents waiting in its input queue.
    pub intent_queue_depth: Cell,
    /// Order events waiting in its input queue.
    pub order_queue_depth: Cell,
    /// Position per instrument (`f64` bits), in instrument order.
    pub positions: Box<[Cell]>,
    pub queue_wait: LatencyCells,
    pub service: LatencyCells,
    pub end_to_end: LatencyCells,
    /// Re-sends, hedges, give-ups and flattens: decision to order written.
    pub resend_to_wire: LatencyCells,
    pub read_to_signal: LatencyCells,
    pub order_events: LatencyCells,
}

/// Everything the stages publish, for one run.
///
/// # Examples
/// ```
/// let m = hft::metrics::EngineMetrics::new(&["SPY".into(), "IVV".into()]);
/// m.io.ticks.set(3);
/// let text = hft::metrics::expose::render(&m);
/// assert!(text.contains("hft_ticks_total 3\n"));
/// assert!(text.contains("hft_position{symbol=\"IVV\"} 0\n"));
/// ```
#[derive(Debug)]
pub struct EngineMetrics {
    symbols: Vec<String>,
    started: std::time::Instant,
    listening: OnceLock<SocketAddr>,
    pub io: IoCells,
    pub normalize: NormalizeCells,
    pub signal: SignalCells,
    pub dispatch: DispatchCells,
}

impl EngineMetrics {
    /// Cells for an engine trading `symbols` (instrument order), all zero.
    pub fn new(symbols: &[String]) -> Self {
        EngineMetrics {
            symbols: symbols.to_vec(),
            started: std::time::Instant::now(),
            listening: OnceLock::new(),
            io: IoCells::default(),
            normalize: NormalizeCells::default(),
            signal: SignalCells::default(),
            dispatch: DispatchCells {
                positions: symbols.iter().map(|_| Cell::default()).collect(),
                ..DispatchCells::default()
            },
        }
    }

    /// The instruments, in the order of [`DispatchCells::positions`].
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    /// Seconds since these cells were made (the run's start).
    pub fn uptime_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Where the metrics endpoint listens, once it does.
    pub fn listening(&self) -> Option<SocketAddr> {
        self.listening.get().copied()
    }

    /// Records the endpoint's bound address (the first call wins).
    pub fn set_listening(&self, addr: SocketAddr) {
        let _ = self.listening.set(addr);
    }

    /// Net PnL in USD: realized + unrealized - commissions.
    pub fn net_pnl(&self) -> f64 {
        let d = &self.dispatch;
        d.realized.get_f64() + d.unrealized.get_f64() - d.commissions.get_f64()
    }

    /// Every latency histogram's cells with its stage and histogram name, in pipeline order.
    pub fn latencies(&self) -> [(&'static str, &'static str, &LatencyCells); 13] {
        let (io, n, s, d) = (&self.io, &self.normalize, &self.signal, &self.dispatch);
        [
            ("io", "queue_wait", &io.queue_wait),
            ("io", "service", &io.service),
            ("normalize", "queue_wait", &n.queue_wait),
            ("normalize", "service", &n.service),
            ("signal", "queue_wait", &s.queue_wait),
            ("signal", "service", &s.service),
            ("signal", "tick_to_decision", &s.tick_to_decision),
            ("dispatch", "queue_wait", &d.queue_wait),
            ("dispatch", "service", &d.service),
            ("dispatch", "order_events", &d.order_events),
            ("dispatch", "read_to_signal", &d.read_to_signal),
            ("dispatch", "end_to_end", &d.end_to_end),
            ("dispatch", "resend_to_wire", &d.resend_to_wire),
        ]
    }
}
