//! The status line the supervisor logs every `engine.status_secs`: ticks per second since the
//! last line, orders, fills, net PnL, positions, link state and the end-to-end p99.

use super::{EngineMetrics, LINK_RECONCILING, LINK_UP};
use std::fmt::Write as _;
use std::time::Instant;

/// Remembers the previous line's tick count to report a rate.
#[derive(Debug)]
pub struct StatusLine {
    last_ticks: u64,
    last_at: Instant,
}

impl Default for StatusLine {
    fn default() -> Self {
        StatusLine {
            last_ticks: 0,
            last_at: Instant::now(),
        }
    }
}

impl StatusLine {
    /// The line for now; the next rate is measured from here.
    pub fn next(&mut self, m: &EngineMetrics) -> String {
        let ticks = m.io.ticks.get();
        let now = Instant::now();
        let secs = now.duration_since(self.last_at).as_secs_f64();
        let rate = if secs > 0.0 {
            ticks.saturating_sub(self.last_ticks) as f64 / secs
        } else {
            0.0
        };
        self.last_ticks = ticks;
        self.last_at = now;
        format_status(m, rate)
    }
}

/// The line for `m` with `ticks_per_sec` already measured.
///
/// # Examples
/// ```
/// let m = hft::metrics::EngineMetrics::new(&["SPY".into(), "IVV".into()]);
/// m.dispatch.positions[0].set_f64(100.0);
/// m.dispatch.positions[1].set_f64(-100.0);
/// m.dispatch.end_to_end.p99.set(238_000);
/// let line = hft::metrics::status::format_status(&m, 12.0);
/// assert_eq!(
///     line,
///     "ticks/s 12.0 | orders 0 | fills 0 | pnl 0.00 USD | pos SPY +100 IVV -100 | link down | e2e p99 238.0 us"
/// );
/// ```
pub fn format_status(m: &EngineMetrics, ticks_per_sec: f64) -> String {
    let d = &m.dispatch;
    let mut line = format!(
        "ticks/s {ticks_per_sec:.1} | orders {} | fills {} | pnl {:.2} USD | pos",
        d.orders.get(),
        d.fills.get(),
        m.net_pnl()
    );
    if m.symbols().is_empty() {
        line.push_str(" -");
    }
    for (sym, cell) in m.symbols().iter().zip(d.positions.iter()) {
        let _ = write!(line, " {sym} {:+}", cell.get_f64());
    }
    let link = match d.link.get() {
        LINK_UP => "up",
        LINK_RECONCILING => "reconciling",
        _ => "down",
    };
    let _ = write!(
        line,
        " | link {link} | e2e p99 {:.1} us",
        d.end_to_end.p99.get() as f64 / 1e3
    );
    if d.kill_switch.get() > 0 {
        line.push_str(" | KILLED");
    }
    line
}
