//! Historical ticks (REQ_HISTORICAL_TICKS) from the synthetic price process: the same backward
//! walk from the live start as the historical bars ([`Universe::history`], here at one-second
//! steps), so tick history ends where the live feed starts.
//!
//! Rules of the served history:
//! - ticks exist only inside US-equity sessions ([`crate::calendar`]): RTH with `useRth = 1`,
//!   04:00-20:00 New York time otherwise; never at or after the live start, and never earlier
//!   than `gateway.tick_history_days` before it (error 162 "no data" past that);
//! - second `s` of symbol `i` holds `0..=2r` quote ticks (`r` = `market.ticks_per_sec` rounded),
//!   each drawn from a hash of (seed, symbol, second, index), so any page asked again is the
//!   same ticks; the mid moves linearly from the path's value at `s` to its value at `s + 1`,
//!   the spread is 1..=`max_spread_ticks` cents, sizes are round lots, and a tick is also a trade
//!   (at the bid or the ask) with probability `market.trade_probability`;
//! - IB's request rules: exactly one of start / end, `numberOfTicks` in 1..=1000, `whatToShow`
//!   `BID_ASK`, `MIDPOINT` or `TRADES`, one session per request. An end-anchored request returns
//!   the last `numberOfTicks` ticks at or before the end (whole seconds; the oldest second of a
//!   full page may be cut), a start-anchored one the first ticks at or after the start.

use super::universe::{TICK, Universe};
use crate::calendar::{self, Session};
use crate::config::SimParams;
use crate::wire::TickKind;

/// IB's largest `numberOfTicks`.
pub const MAX_TICKS_PER_REQUEST: i32 = 1000;

/// One quote tick of the served history (prices in cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistTick {
    /// Unix seconds (IB stamps historical ticks in whole seconds).
    pub time: i64,
    pub bid: i64,
    pub ask: i64,
    pub bid_size: u32,
    pub ask_size: u32,
    /// `Some(true)` when the tick is also a trade at the ask (a buyer), `Some(false)` at the bid.
    pub trade_at_ask: Option<bool>,
}

impl HistTick {
    /// The midpoint in dollars.
    pub fn mid(&self) -> f64 {
        (self.bid + self.ask) as f64 * TICK / 2.0
    }

    /// Whether the tick shows in an answer of `kind` (TRADES shows the trades only).
    pub fn shown_in(&self, kind: TickKind) -> bool {
        kind != TickKind::Trades || self.trade_at_ask.is_some()
    }

    /// The trade price in dollars, when the tick is a trade.
    pub fn trade_price(&self) -> Option<f64> {
        self.trade_at_ask
            .map(|at_ask| if at_ask { self.ask } else { self.bid } as f64 * TICK)
    }
}

/// Why a historical-ticks request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickError {
    /// `whatToShow` is not one of the three (error 321).
    BadWhatToShow,
    /// `numberOfTicks` outside 1..=1000 (error 321).
    BadCount,
    /// Both or neither of start / end, or a date that does not parse (error 321).
    BadDates,
    /// No session with data around the anchor (error 162).
    NoData,
}

impl TickError {
    /// IB-style error text.
    pub fn message(self) -> &'static str {
        match self {
            TickError::BadWhatToShow => {
                "Error validating request:-'bW' : cause - whatToShow must be BID_ASK, MIDPOINT or TRADES"
            }
            TickError::BadCount => {
                "Error validating request:-'bW' : cause - numberOfTicks must be between 1 and 1000"
            }
            TickError::BadDates => {
                "Error validating request:-'bW' : cause - exactly one of startDateTime and endDateTime must be set"
            }
            TickError::NoData => {
                "Historical Market Data Service error message:HMDS query returned no data"
            }
        }
    }
}

/// A validated request: anchor, direction, size and session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickQuery {
    pub symbol: usize,
    pub kind: TickKind,
    pub count: usize,
    pub use_rth: bool,
    /// `Ok(end)`: the last ticks at or before `end`; `Err(start)`: the first at or after `start`.
    pub anchor: Result<i64, i64>,
}

impl TickQuery {
    /// Checks IB's rules.
    ///
    /// # Errors
    /// The first rule broken.
    pub fn new(
        symbol: usize,
        start: &str,
        end: &str,
        count: i32,
        what: &str,
        use_rth: bool,
    ) -> Result<Self, TickError> {
        let kind = TickKind::parse(what).ok_or(TickError::BadWhatToShow)?;
        if !(1..=MAX_TICKS_PER_REQUEST).contains(&count) {
            return Err(TickError::BadCount);
        }
        let date = |s: &str| super::history::parse_end_date(s).ok_or(TickError::BadDates);
        let anchor = match (date(start)?, date(end)?) {
            (None, Some(e)) => Ok(e),
            (Some(s), None) => Err(s),
            _ => return Err(TickError::BadDates),
        };
        Ok(TickQuery {
            symbol,
            kind,
            count: count as usize,
            use_rth,
            anchor,
        })
    }
}

/// The gateway's tick history: one-second mid paths walked back from the live start, grown on
/// demand and kept for the gateway's life.
#[derive(Debug)]
pub struct TickHistory {
    universe_at_start: Universe,
    start_unix: i64,
    seed: u64,
    max_per_sec: u64,
    max_spread: u64,
    trade_per_mille: u64,
    max_secs: usize,
    /// `paths[symbol][k]`: the mid at `start_unix - (len - 1) + k`.
    paths: Vec<Vec<f64>>,
}

impl TickHistory {
    /// The history of the synthetic universe of `params` whose live feed starts at `start_unix`.
    pub fn new(params: &SimParams, start_unix: i64) -> Self {
        Self::from_universe(Universe::new(&params.market), params, start_unix)
    }

    /// The same, from the universe as the live feed starts.
    pub(super) fn from_universe(universe: Universe, params: &SimParams, start_unix: i64) -> Self {
        let m = &params.market;
        TickHistory {
            universe_at_start: universe,
            start_unix,
            seed: m.seed,
            max_per_sec: 2 * m.ticks_per_sec.round().max(1.0) as u64,
            max_spread: u64::from(m.max_spread_ticks.max(1)),
            trade_per_mille: (m.trade_probability * 1000.0).round() as u64,
            max_secs: params.gateway.tick_history_days as usize * 86_400,
            paths: Vec::new(),
        }
    }

    /// The earliest second served.
    pub fn first_second(&self) -> i64 {
        self.start_unix - self.max_secs as i64
    }

    /// Makes the paths reach back to second `t` (within the served span).
    fn cover(&mut self, t: i64) {
        let t = t.max(self.first_second());
        let have = self.paths.first().map_or(0, |p| p.len().saturating_sub(1));
        let need = (self.start_unix - t).max(0) as usize;
        if need > have {
            // Grow in whole days at least, so paging back through a session regenerates rarely.
            let steps = need.max(have * 2).max(86_400).min(self.max_secs);
            self.paths = self.universe_at_start.history(1.0, steps);
        }
    }

    /// Every tick of `symbol` stamped in `[from, to)`, oldest first (within the served span;
    /// sessions are not applied here).
    pub fn ticks(&mut self, symbol: usize, from: i64, to: i64) -> Vec<HistTick> {
        let from = from.max(self.first_second());
        let to = to.min(self.start_unix);
        let mut out = Vec::new();
        if from >= to {
            return out;
        }
        self.cover(from);
        for s in from..to {
            self.second(symbol, s, &mut out);
        }
        out
    }

    /// Appends the ticks of second `s` (which the paths cover).
    fn second(&self, symbol: usize, s: i64, out: &mut Vec<HistTick>) {
        let path = &self.paths[symbol];
        let k = path.len() - 1 - (self.start_unix - s) as usize;
        let (m0, m1) = (path[k] / TICK, path[k + 1] / TICK);
        let h = mix(self.seed ^ mix(symbol as u64) ^ mix(s as u64 ^ 0x7469_636b));
        let count = h % (self.max_per_sec + 1);
        for j in 0..count {
            let r = mix(h.wrapping_add(j + 1));
            let mid = m0 + (m1 - m0) * (j + 1) as f64 / (count + 1) as f64;
            let spread = 1 + (r % self.max_spread) as i64;
            let bid = (mid - spread as f64 / 2.0).round() as i64;
            let lot = |x: u64| 100 * (1 + (x % 10) as u32);
            let trade = ((r >> 20) % 1000 < self.trade_per_mille).then_some((r >> 40) & 1 == 1);
            out.push(HistTick {
                time: s,
                bid,
                ask: bid + spread,
                bid_size: lot(r >> 8),
                ask_size: lot(r >> 14),
                trade_at_ask: trade,
            });
        }
    }

    /// The ticks answering `q` (oldest first) with the session they come from.
    ///
    /// # Errors
    /// [`TickError::NoData`] when no session with served data holds the anchor.
    pub fn answer(&mut self, q: &TickQuery) -> Result<Vec<HistTick>, TickError> {
        let session = match q.anchor {
            Ok(end) => calendar::session_ending_by(end, q.use_rth),
            Err(start) => calendar::session_starting_from(start, q.use_rth),
        }
        .ok_or(TickError::NoData)?;
        let lo = session.open.max(self.first_second());
        let hi = session.close.min(self.start_unix); // exclusive
        if lo >= hi {
            return Err(TickError::NoData);
        }
        self.cover(lo);
        let mut picked = Vec::with_capacity(q.count + 16);
        match q.anchor {
            Ok(end) => {
                let mut s = hi.min(end + 1);
                let mut second = Vec::new();
                while s > lo && picked.len() < q.count {
                    s -= 1;
                    second.clear();
                    self.second(q.symbol, s, &mut second);
                    picked.extend(second.iter().rev().filter(|t| t.shown_in(q.kind)));
                }
                picked.truncate(q.count);
                picked.reverse();
            }
            Err(start) => {
                let mut s = lo.max(start);
                let mut second = Vec::new();
                while s < hi && picked.len() < q.count {
                    second.clear();
                    self.second(q.symbol, s, &mut second);
                    picked.extend(second.iter().filter(|t| t.shown_in(q.kind)));
                    s += 1;
                }
                picked.truncate(q.count);
            }
        }
        Ok(picked)
    }

    /// The sessions of `from..=to` (New York days) with the part of each this history serves.
    pub fn served(&self, from: (i64, u32, u32), to: (i64, u32, u32), rth: bool) -> Vec<Session> {
        calendar::sessions_between(from, to, rth)
            .into_iter()
            .map(|s| Session {
                open: s.open.max(self.first_second()),
                close: s.close.min(self.start_unix),
            })
            .filter(|s| s.open < s.close)
            .collect()
    }
}

/// SplitMix64's finalizer: a well-mixed 64-bit hash of `x` (Steele, Lea and Flood, 2014).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::unix_from_civil;

    fn history() -> (TickHistory, Session) {
        let mut p = SimParams::embedded();
        p.market.start_unix = unix_from_civil(2026, 11, 7);
        let h = TickHistory::new(&p, p.market.start_unix);
        let friday = calendar::session_of_day(2026, 11, 6, true).unwrap();
        (h, friday)
    }

    #[test]
    fn pages_are_the_last_ticks_and_repeat_exactly() {
        let (mut h, friday) = history();
        let all = h.ticks(0, friday.open, friday.close);
        assert!(all.len() > 50_000, "{}", all.len());
        let q = TickQuery::new(0, "", "20261106 23:00:00 UTC", 1000, "BID_ASK", true).unwrap();
        let page = h.answer(&q).unwrap();
        assert_eq!(page.len(), 1000);
        assert_eq!(page[..], all[all.len() - 1000..]);
        assert_eq!(h.answer(&q).unwrap(), page);
        assert!(page.iter().all(|t| t.bid < t.ask && t.time < friday.close));
        // Start-anchored: the first ticks of the session.
        let q = TickQuery::new(0, "20261106 00:00:00 UTC", "", 10, "BID_ASK", true).unwrap();
        assert_eq!(h.answer(&q).unwrap()[..], all[..10]);
        // Trades are the ticks flagged as trades.
        let q = TickQuery::new(0, "", "20261106 23:00:00 UTC", 50, "TRADES", true).unwrap();
        let trades = h.answer(&q).unwrap();
        let flagged: Vec<_> = all.iter().filter(|t| t.trade_at_ask.is_some()).collect();
        assert_eq!(trades.len(), 50);
        assert_eq!(trades.last(), flagged.last().copied());
    }

    #[test]
    fn rules() {
        let bad = |s, e, n, w| TickQuery::new(0, s, e, n, w, true).unwrap_err();
        assert_eq!(bad("", "", 10, "BID_ASK"), TickError::BadDates);
        let both = bad("20261106 10:00:00", "20261106 11:00:00", 10, "BID_ASK");
        assert_eq!(both, TickError::BadDates);
        assert_eq!(
            bad("", "20261106 10:00:00", 1001, "BID_ASK"),
            TickError::BadCount
        );
        assert_eq!(
            bad("", "20261106 10:00:00", 0, "BID_ASK"),
            TickError::BadCount
        );
        assert_eq!(
            bad("", "20261106 10:00:00", 10, "BID"),
            TickError::BadWhatToShow
        );
        let (mut h, _) = history();
        // Before the served span, and after the live start: no data.
        let q = TickQuery::new(0, "", "20260101 20:00:00", 10, "BID_ASK", true).unwrap();
        assert_eq!(h.answer(&q), Err(TickError::NoData));
        let q = TickQuery::new(0, "20261109 00:00:00", "", 10, "BID_ASK", true).unwrap();
        assert_eq!(h.answer(&q), Err(TickError::NoData));
    }
}
