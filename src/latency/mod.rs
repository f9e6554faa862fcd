//! Latency recording: a monotonic nanosecond clock, fixed-bound HDR histograms (no resize, no
//! allocation when recording) and the percentile table printed at shutdown. The `.hgrm` files
//! of a run directory are written and read by `rundir`.
//!
//! The clock reads the CPU's time-stamp counter through `quanta` (one `rdtsc` and a
//! multiply-shift, no system call and no vDSO page), calibrated once against CLOCK_MONOTONIC;
//! where the TSC is not invariant (`constant_tsc`/`nonstop_tsc`), `quanta` falls back to
//! CLOCK_MONOTONIC. Every thread reads the same calibrated clock, so stamps taken on one stage
//! and compared on another agree.

/// Highest value a histogram records, in nanoseconds (60 s); larger values saturate.
pub const MAX_TRACKABLE_NS: u64 = 60_000_000_000;
/// Significant decimal digits kept (0.1 % value resolution).
pub const SIGNIFICANT_DIGITS: u8 = 3;

use hdrhistogram::Histogram;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// The process's clock and its zero (a raw counter value).
struct Clock {
    clock: quanta::Clock,
    epoch_raw: u64,
}

fn clock() -> &'static Clock {
    static CLOCK: OnceLock<Clock> = OnceLock::new();
    CLOCK.get_or_init(|| {
        let clock = quanta::Clock::new();
        let epoch_raw = clock.raw();
        Clock { clock, epoch_raw }
    })
}

/// Calibrates the clock now (it takes milliseconds, once per process), so no stage pays for it
/// on its first stamp. The engine calls it at start-up.
pub fn start_clock() {
    clock();
}

/// Monotonic nanoseconds since the clock started in this process (the TSC, see the module).
///
/// # Examples
/// ```
/// let a = hft::latency::now_ns();
/// let b = hft::latency::now_ns();
/// assert!(b >= a);
/// ```
#[inline]
pub fn now_ns() -> u64 {
    let c = clock();
    c.clock.delta_as_nanos(c.epoch_raw, c.clock.raw())
}

/// A histogram with the engine's fixed bounds: 1 ns to 60 s at 3 significant digits. All memory
/// is allocated here and zeroed (written, so its pages are mapped now, not at a stage's first
/// samples); recording never allocates.
///
/// # Examples
/// ```
/// let mut h = hft::latency::histogram();
/// hft::latency::record(&mut h, 1_500);
/// assert_eq!(h.len(), 1);
/// ```
pub fn histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, MAX_TRACKABLE_NS, SIGNIFICANT_DIGITS)
        .expect("constant histogram bounds are valid");
    h.auto(false);
    h.reset();
    h
}

/// Records `ns`, clamped into the histogram's range (never fails, never allocates).
#[inline]
pub fn record(h: &mut Histogram<u64>, ns: u64) {
    h.saturating_record(ns.clamp(1, MAX_TRACKABLE_NS));
}

/// One named histogram of a stage, e.g. `normalize.service`.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub histogram: Histogram<u64>,
}

/// The percentiles reported for every histogram.
pub const PERCENTILES: [f64; 5] = [50.0, 90.0, 99.0, 99.9, 99.99];

/// A fixed-width table: count, p50, p90, p99, p99.9, p99.99, max, in microseconds.
pub fn table(rows: &[Named]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "latency (us)", "count", "p50", "p90", "p99", "p99.9", "p99.99", "max"
    );
    for r in rows {
        let h = &r.histogram;
        let us = |v: u64| v as f64 / 1000.0;
        let _ = write!(out, "{:<28} {:>10}", r.name, h.len());
        for p in PERCENTILES {
            let _ = write!(
                out,
                " {:>9.2}",
                if h.is_empty() {
                    0.0
                } else {
                    us(h.value_at_percentile(p))
                }
            );
        }
        let _ = writeln!(
            out,
            " {:>10.2}",
            if h.is_empty() { 0.0 } else { us(h.max()) }
        );
    }
    out
}
