//! Historical bars from the synthetic price process, and IB's historical pacing rules.

use super::universe::{TICK, Universe};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Sub-steps per bar used to draw open, high, low and close.
const SUBSTEPS: usize = 4;
/// Largest number of bars one request may return.
pub const MAX_BARS: usize = 100_000;

/// Why a historical request was refused (the gateway answers error 162 or 321).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryError {
    BadDuration,
    BadBarSize,
    BadWhatToShow,
    BadEndDate,
    TooManyBars,
}

impl HistoryError {
    /// IB-style error text.
    pub fn message(&self) -> &'static str {
        match self {
            HistoryError::BadDuration => {
                "Historical Market Data Service error message:Invalid duration format"
            }
            HistoryError::BadBarSize => {
                "Historical Market Data Service error message:Invalid bar size"
            }
            HistoryError::BadWhatToShow => {
                "Historical Market Data Service error message:Invalid whatToShow"
            }
            HistoryError::BadEndDate => {
                "Historical Market Data Service error message:Invalid end date/time"
            }
            HistoryError::TooManyBars => {
                "Historical Market Data Service error message:Time length exceed max."
            }
        }
    }
}

/// Parses `N S|D|W|M|Y` into seconds (a month is 30 days, a year 365, as calendar days).
///
/// # Examples
/// ```
/// use hft::sim::parse_duration;
/// assert_eq!(parse_duration("3600 S"), Some(3600));
/// assert_eq!(parse_duration("2 D"), Some(172_800));
/// assert_eq!(parse_duration("1 W"), Some(604_800));
/// assert_eq!(parse_duration("1 X"), None);
/// ```
pub fn parse_duration(s: &str) -> Option<u64> {
    let mut it = s.split_whitespace();
    let n: u64 = it.next()?.parse().ok()?;
    let unit = it.next()?;
    if it.next().is_some() || n == 0 {
        return None;
    }
    let secs = match unit {
        "S" => 1,
        "D" => 86_400,
        "W" => 7 * 86_400,
        "M" => 30 * 86_400,
        "Y" => 365 * 86_400,
        _ => return None,
    };
    n.checked_mul(secs)
}

/// Parses an IB bar size (`1 sec`, `5 secs`, `1 min`, `2 mins`, `1 hour`, `1 day`) into seconds.
///
/// # Examples
/// ```
/// use hft::sim::parse_bar_size;
/// assert_eq!(parse_bar_size("1 secs"), Some(1));
/// assert_eq!(parse_bar_size("5 mins"), Some(300));
/// assert_eq!(parse_bar_size("1 day"), Some(86_400));
/// ```
pub fn parse_bar_size(s: &str) -> Option<u64> {
    let mut it = s.split_whitespace();
    let n: u64 = it.next()?.parse().ok()?;
    let unit = it.next()?;
    if it.next().is_some() {
        return None;
    }
    let (unit_secs, allowed): (u64, &[u64]) = match unit {
        "sec" | "secs" => (1, &[1, 5, 10, 15, 30]),
        "min" | "mins" => (60, &[1, 2, 3, 5, 10, 15, 20, 30]),
        "hour" | "hours" => (3600, &[1, 2, 3, 4, 8]),
        "day" | "days" => (86_400, &[1]),
        _ => return None,
    };
    allowed.contains(&n).then_some(n * unit_secs)
}

/// Parses an end date `YYYYMMDD HH:MM:SS[ zone]` or `YYYYMMDD-HH:MM:SS` (read as UTC; other
/// zones are read as UTC too, the synthetic market has no exchange calendar). Empty means now.
pub fn parse_end_date(s: &str) -> Option<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(None);
    }
    let b = s.as_bytes();
    if b.len() < 8 || !b[..8].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let y: i64 = s[..4].parse().ok()?;
    let m: u32 = s[4..6].parse().ok()?;
    let d: u32 = s[6..8].parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let rest = s[8..].trim_start_matches([' ', '-']);
    let mut secs = 0i64;
    if !rest.is_empty() {
        let hms = rest.split_whitespace().next()?;
        let mut parts = hms.split(':');
        let h: i64 = parts.next()?.parse().ok()?;
        let mi: i64 = parts.next()?.parse().ok()?;
        let se: i64 = parts.next()?.parse().ok()?;
        if h > 23 || mi > 59 || se > 60 {
            return None;
        }
        secs = h * 3600 + mi * 60 + se;
    }
    Some(Some(crate::wire::unix_from_civil(y, m, d) + secs))
}

/// A bar with an owned date string.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedBar {
    pub date: String,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// -1 where IB reports none (quotes rather than trades).
    pub volume: f64,
    pub wap: f64,
    pub count: i32,
}

/// A validated request for bars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarQuery {
    pub symbol: usize,
    pub bar_secs: u64,
    pub bars: usize,
    /// Bars end this many seconds before the live start.
    pub end_offset_secs: u64,
    pub what: WhatToShow,
    pub format_date: i32,
}

/// The price series a bar summarizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhatToShow {
    Trades,
    Midpoint,
    Bid,
    Ask,
}

impl WhatToShow {
    /// Parses IB's names.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "TRADES" => Some(WhatToShow::Trades),
            "MIDPOINT" => Some(WhatToShow::Midpoint),
            "BID" => Some(WhatToShow::Bid),
            "ASK" => Some(WhatToShow::Ask),
            _ => None,
        }
    }
}

impl BarQuery {
    /// Validates the request strings against a live start at `live_start_unix`.
    ///
    /// # Errors
    /// A [`HistoryError`] for malformed durations, bar sizes, dates or too many bars.
    pub fn new(
        symbol: usize,
        duration: &str,
        bar_size: &str,
        end_date: &str,
        what_to_show: &str,
        format_date: i32,
        live_start_unix: i64,
    ) -> Result<Self, HistoryError> {
        let span = parse_duration(duration).ok_or(HistoryError::BadDuration)?;
        let bar_secs = parse_bar_size(bar_size).ok_or(HistoryError::BadBarSize)?;
        let what = WhatToShow::parse(what_to_show).ok_or(HistoryError::BadWhatToShow)?;
        let end = parse_end_date(end_date).ok_or(HistoryError::BadEndDate)?;
        let end_offset_secs = match end {
            Some(t) if t < live_start_unix => (live_start_unix - t) as u64,
            _ => 0,
        };
        let bars = span.div_ceil(bar_secs) as usize;
        if bars > MAX_BARS || end_offset_secs / bar_secs > MAX_BARS as u64 {
            return Err(HistoryError::TooManyBars);
        }
        Ok(BarQuery {
            symbol,
            bar_secs,
            bars,
            end_offset_secs,
            what,
            format_date,
        })
    }
}

/// Serves bars from cached backward paths of the universe.
#[derive(Debug, Default)]
pub struct HistoryCache {
    /// Mid paths per bar size: `paths[bar_secs][symbol]`, oldest first, ending at the live start.
    paths: HashMap<u64, Vec<Vec<f64>>>,
}

impl HistoryCache {
    /// Bars for `q`, oldest first, with IB's date formats, plus the (start, end) strings of the
    /// window as `YYYYMMDD HH:MM:SS UTC`.
    pub fn bars(
        &mut self,
        universe: &Universe,
        q: &BarQuery,
        live_start_unix: i64,
    ) -> (Vec<OwnedBar>, String, String) {
        let offset_bars = (q.end_offset_secs / q.bar_secs) as usize;
        let needed_steps = (q.bars + offset_bars) * SUBSTEPS;
        let have = self
            .paths
            .get(&q.bar_secs)
            .map_or(0, |p| p[0].len().saturating_sub(1));
        if have < needed_steps {
            let step = q.bar_secs as f64 / SUBSTEPS as f64;
            self.paths
                .insert(q.bar_secs, universe.history(step, needed_steps.max(1024)));
        }
        let path = &self.paths[&q.bar_secs][q.symbol];
        let last = path.len() - 1 - offset_bars * SUBSTEPS;
        let first = last - q.bars * SUBSTEPS;
        let end_unix = live_start_unix - (offset_bars as u64 * q.bar_secs) as i64;
        let start_unix = end_unix - (q.bars as u64 * q.bar_secs) as i64;
        let shift = match q.what {
            WhatToShow::Bid => -TICK / 2.0,
            WhatToShow::Ask => TICK / 2.0,
            _ => 0.0,
        };
        let cents = |x: f64| ((x + shift) / TICK).round() * TICK;
        let mut bars = Vec::with_capacity(q.bars);
        for k in 0..q.bars {
            let seg = &path[first + k * SUBSTEPS..=first + (k + 1) * SUBSTEPS];
            let open = cents(seg[0]);
            let close = cents(seg[SUBSTEPS]);
            let high = seg.iter().copied().map(cents).fold(f64::MIN, f64::max);
            let low = seg.iter().copied().map(cents).fold(f64::MAX, f64::min);
            let t = start_unix + (k as u64 * q.bar_secs) as i64;
            let date = if q.bar_secs >= 86_400 {
                let (y, m, d, ..) = crate::wire::civil_from_unix(t);
                format!("{y:04}{m:02}{d:02}")
            } else if q.format_date == 2 {
                t.to_string()
            } else {
                let (y, m, d, hh, mm, ss) = crate::wire::civil_from_unix(t);
                format!("{y:04}{m:02}{d:02} {hh:02}:{mm:02}:{ss:02}")
            };
            let (volume, wap, count) = if q.what == WhatToShow::Trades {
                // Deterministic activity from the bar's own moves.
                let range_ticks = ((high - low) / TICK).round() as u64;
                let count = 5 + (range_ticks * 7 + (t as u64 % 13)) as i32;
                let wap = cents((seg.iter().sum::<f64>()) / seg.len() as f64 - shift);
                (count as f64 * 100.0, wap, count)
            } else {
                (-1.0, -1.0, -1)
            };
            bars.push(OwnedBar {
                date,
                open,
                high,
                low,
                close,
                volume,
                wap,
                count,
            });
        }
        (bars, tws_utc(start_unix), tws_utc(end_unix))
    }
}

fn tws_utc(t: i64) -> String {
    let (y, m, d, hh, mm, ss) = crate::wire::civil_from_unix(t);
    format!("{y:04}{m:02}{d:02} {hh:02}:{mm:02}:{ss:02} UTC")
}

/// IB's historical pacing rules (error 162), applied per client: no identical request within
/// `identical` seconds, at most `same_contract_max` requests for one contract (and data type)
/// within `same_contract` seconds, at most `max_per_window` within `window` (IB: 60 in ten
/// minutes). A request carries a weight: a BID_ASK ticks request counts twice, as at IB.
#[derive(Debug)]
pub struct Pacing {
    identical_window: Duration,
    same_contract_max: usize,
    same_contract_window: Duration,
    max_per_window: usize,
    window: Duration,
    /// Admitted requests: when, contract key, request key, weight.
    recent: VecDeque<(Instant, String, String, usize)>,
}

impl Pacing {
    /// Rules from the gateway parameters.
    pub fn new(p: &crate::config::GatewayParams) -> Self {
        Pacing {
            identical_window: Duration::from_secs(p.pacing_identical_secs),
            same_contract_max: p.pacing_same_contract_max,
            same_contract_window: Duration::from_secs(p.pacing_same_contract_secs),
            max_per_window: p.pacing_max_per_10_min,
            window: Duration::from_secs(p.pacing_window_secs),
            recent: VecDeque::new(),
        }
    }

    /// Records a request of `weight` at `now` if it respects the rules; otherwise returns the
    /// violation text.
    pub fn admit(
        &mut self,
        now: Instant,
        contract_key: &str,
        request_key: &str,
        weight: usize,
    ) -> Result<(), &'static str> {
        let horizon = self
            .window
            .max(self.identical_window)
            .max(self.same_contract_window);
        while self
            .recent
            .front()
            .is_some_and(|(t, ..)| now.duration_since(*t) > horizon)
        {
            self.recent.pop_front();
        }
        let in_window: usize = self
            .recent
            .iter()
            .filter(|(t, ..)| now.duration_since(*t) < self.window)
            .map(|r| r.3)
            .sum();
        if in_window + weight > self.max_per_window {
            return Err(
                "Historical Market Data Service error message:Pacing violation: too many requests in 10 minutes",
            );
        }
        let identical = self
            .recent
            .iter()
            .any(|(t, _, r, _)| r == request_key && now.duration_since(*t) < self.identical_window);
        if identical {
            return Err(
                "Historical Market Data Service error message:Pacing violation: identical request within 15 seconds",
            );
        }
        let same: usize = self
            .recent
            .iter()
            .filter(|(t, c, ..)| {
                c == contract_key && now.duration_since(*t) < self.same_contract_window
            })
            .map(|r| r.3)
            .sum();
        if same + weight > self.same_contract_max {
            return Err(
                "Historical Market Data Service error message:Pacing violation: too many requests for one contract",
            );
        }
        self.recent.push_back((
            now,
            contract_key.to_string(),
            request_key.to_string(),
            weight,
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimParams;

    #[test]
    fn bars_are_consistent() {
        let p = SimParams::embedded();
        let u = Universe::new(&p.market);
        let mut cache = HistoryCache::default();
        let q = BarQuery::new(0, "1 D", "1 min", "", "MIDPOINT", 2, 1_800_000_000).unwrap();
        let (bars, start, end) = cache.bars(&u, &q, 1_800_000_000);
        assert_eq!(bars.len(), 1440);
        assert_eq!(end, "20270115 08:00:00 UTC");
        assert!(start < end);
        let mut last_t = 0i64;
        for b in &bars {
            assert!(b.high >= b.low && b.high >= b.open && b.high >= b.close && b.low <= b.open);
            let t: i64 = b.date.parse().unwrap();
            assert!(t > last_t);
            last_t = t;
        }
        assert_eq!(last_t, 1_800_000_000 - 60);
        // The last close is the live starting mid, to the cent.
        let top = u.top(0);
        let close_cents = (bars.last().unwrap().close * 100.0).round() as i64;
        assert!((close_cents - (top.bid + top.ask) / 2).abs() <= 2);
    }

    #[test]
    fn pacing_rules() {
        let mut p = Pacing::new(&crate::config::GatewayParams::default());
        let t0 = Instant::now();
        assert!(p.admit(t0, "SPY", "a", 1).is_ok());
        assert!(p.admit(t0, "SPY", "a", 1).is_err());
        for i in 0..5 {
            assert!(p.admit(t0, "SPY", &format!("b{i}"), 1).is_ok());
        }
        assert!(p.admit(t0, "SPY", "c", 1).is_err());
        assert!(p.admit(t0 + Duration::from_secs(3), "SPY", "c", 1).is_ok());
        // A weight of two (BID_ASK ticks) fills the burst allowance twice as fast.
        let t1 = t0 + Duration::from_secs(10);
        for i in 0..3 {
            assert!(p.admit(t1, "IVV", &format!("d{i}"), 2).is_ok());
        }
        assert!(p.admit(t1, "IVV", "e", 1).is_err());
        // 60 in the ten-minute window in all (1 + 5 + 1 + 6 so far).
        for i in 0..47 {
            let t = t1 + Duration::from_secs(3 * (i + 1));
            assert!(p.admit(t, &format!("K{i}"), &format!("f{i}"), 1).is_ok());
        }
        let t = t1 + Duration::from_secs(200);
        assert!(p.admit(t, "XOM", "g", 1).is_err());
        assert!(
            p.admit(t0 + Duration::from_secs(601), "XOM", "g", 1)
                .is_ok()
        );
    }

    #[test]
    fn request_strings() {
        assert_eq!(
            parse_end_date("20240102 10:00:00 UTC"),
            Some(Some(1_704_189_600))
        );
        assert_eq!(
            parse_end_date("20240102-10:00:00"),
            Some(Some(1_704_189_600))
        );
        assert_eq!(parse_end_date(""), Some(None));
        assert_eq!(parse_end_date("2024"), None);
        assert!(BarQuery::new(0, "1 Y", "1 secs", "", "TRADES", 2, 0).is_err());
        assert_eq!(parse_bar_size("7 mins"), None);
    }
}
