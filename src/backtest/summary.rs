//! What a backtest produces: the typed summary ([`crate::rundir::Summary`]) and the output files.

use crate::dispatch::LegBook;
use crate::rundir::{BasketSummary, BasketTrading, PairSummary, Summary};
use crate::signal::BasketReport;
use crate::types::IntentKind;
use std::io;
use std::path::Path;

/// Everything a run produces.
pub struct BacktestOutput {
    pub summary: Summary,
    pub orders_csv: Vec<u8>,
    pub fills_csv: Vec<u8>,
    /// Each pair's series file: path relative to the output directory, and its bytes.
    pub series_csv: Vec<(String, Vec<u8>)>,
}

/// What the backtest tracks of a strategy slot (a pair or a basket) beyond the dispatcher's book.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PairStats {
    pub(super) trades: u64,
    pub(super) stops: u64,
    pub(super) timeouts: u64,
    pub(super) open_since_ns: Option<u64>,
    pub(super) in_market_ns: u64,
    pub(super) traded_notional: f64,
    /// The last intent dispatched for the pair: its tick and kind (labels in `orders.csv`).
    pub(super) last_intent: Option<(u64, IntentKind)>,
}

/// Rounds a pair's PnL to 6 decimals so summaries do not carry float noise.
pub(super) fn round_pnl(s: &mut PairSummary) {
    for x in [
        &mut s.realized_pnl,
        &mut s.unrealized_pnl,
        &mut s.commissions,
        &mut s.net_pnl,
    ] {
        *x = round6(*x);
    }
}

/// Rounds to 6 decimals so summaries do not carry float noise.
pub(super) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// One basket's section of the summary (rounded like the pairs'): its book marked at `mids`,
/// what its strategy did, and the round trips, time in market (its slot's `st`, an open
/// position closed at `end_ns`, over `span` ns) and turnover of its slot.
pub(super) fn basket_summary(
    names: &[String],
    book: &LegBook,
    mids: &[f64],
    report: &BasketReport,
    st: &mut PairStats,
    end_ns: u64,
    span: f64,
) -> BasketSummary {
    if let Some(since) = st.open_since_ns.take() {
        st.in_market_ns += end_ns - since;
    }
    let mut s = BasketSummary::of(
        names,
        book,
        mids,
        &report.counters,
        report.fits.applied,
        report.max_names_held,
    );
    for x in [
        &mut s.realized_pnl,
        &mut s.unrealized_pnl,
        &mut s.commissions,
        &mut s.gross_pnl,
        &mut s.net_pnl,
    ] {
        *x = round6(*x);
    }
    s.trading = Some(BasketTrading {
        trades: st.trades,
        time_in_market: round6(st.in_market_ns as f64 / span),
        turnover: round6(st.traded_notional),
    });
    s
}

/// Annualized Sharpe ratio of equity changes and the maximum drawdown of the equity curve.
pub(super) fn risk_stats(equity: &[f64], step_ns: u64) -> (Option<f64>, f64) {
    let mut peak = f64::MIN;
    let mut max_dd: f64 = 0.0;
    for &e in equity {
        peak = peak.max(e);
        max_dd = max_dd.max(peak - e);
    }
    if equity.len() < 3 || step_ns == 0 {
        return (None, max_dd);
    }
    let n = (equity.len() - 1) as f64;
    let mean = (equity[equity.len() - 1] - equity[0]) / n;
    let var = equity
        .windows(2)
        .map(|w| (w[1] - w[0] - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    if var.is_nan() || var <= 0.0 {
        return (None, max_dd);
    }
    let steps_per_year = 252.0 * 23_400.0 / (step_ns as f64 / 1e9);
    (Some(mean / var.sqrt() * steps_per_year.sqrt()), max_dd)
}

/// Writes `orders.csv`, `fills.csv`, `series/<A>-<B>.csv` and `summary.json` into `dir` (created
/// if needed).
///
/// # Errors
/// I/O errors.
pub fn write_outputs(out: &BacktestOutput, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("orders.csv"), &out.orders_csv)?;
    std::fs::write(dir.join("fills.csv"), &out.fills_csv)?;
    for (file, bytes) in &out.series_csv {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    let mut json = serde_json::to_vec_pretty(&out.summary).map_err(io::Error::other)?;
    json.push(b'\n');
    std::fs::write(dir.join("summary.json"), json)
}

impl super::Backtest {
    /// A decision step's marker: the step's rebalances trade when it closes (netted across
    /// baskets), so that is when a basket of the step starts holding.
    pub(super) fn dispatch_step_marker(&mut self, intent: &crate::types::OrderIntent, now: u64) {
        let msg = crate::types::Stamped {
            value: *intent,
            t_recv_ns: now,
            t_enq_ns: now,
        };
        self.dispatcher.on_intent(&msg, now);
        self.carry_out(now);
        if intent.kind != crate::types::IntentKind::StepClose {
            return;
        }
        for p in 0..self.stats.len() {
            let of_step = matches!(self.stats[p].last_intent,
                Some((seq, crate::types::IntentKind::Rebalance)) if seq == intent.seq);
            let held_now = self
                .dispatcher
                .slot_target(p as u16)
                .is_some_and(super::held);
            if of_step && held_now && self.stats[p].open_since_ns.is_none() {
                self.stats[p].open_since_ns = Some(now);
            }
        }
    }
}

impl super::Backtest {
    /// Net PnL of every pair and basket so far: realized and open at the last mids, after
    /// commissions.
    fn books_pnl(&self) -> f64 {
        let leg_pnl = |leg: &crate::dispatch::PositionState, i: u16| {
            leg.realized + leg.unrealized(self.mids[i as usize]) - leg.commissions
        };
        let pairs: f64 = self
            .dispatcher
            .pair_books()
            .map(|b| {
                (0..2)
                    .map(|k| leg_pnl(&b.legs[k], b.instruments[k]))
                    .sum::<f64>()
            })
            .sum();
        let baskets: f64 = self
            .dispatcher
            .basket_books()
            .map(|b| {
                b.legs()
                    .iter()
                    .zip(b.instruments())
                    .map(|(l, &i)| leg_pnl(l, i))
                    .sum::<f64>()
            })
            .sum();
        pairs + baskets
    }

    pub(super) fn sample_equity(&mut self) {
        let total = self.books_pnl();
        self.equity.push(total);
    }
}
