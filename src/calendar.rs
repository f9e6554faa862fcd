//! US-equity trading sessions as IB defines them for SMART-routed US stocks, shared by the paper
//! gateway (which serves historical ticks inside them) and `hft history` (which pages through
//! them), so both agree on every boundary.
//!
//! Rules:
//! - times are America/New_York: EST (UTC-5), or EDT (UTC-4) from the second Sunday of March
//!   02:00 local to the first Sunday of November 02:00 local (the US rule since 2007);
//! - a trading day is a weekday that is not an NYSE holiday; the holiday and early-close tables
//!   cover 2025-2027 (outside them only weekends are closed);
//! - regular trading hours (RTH, `useRth = 1`) are 09:30-16:00, 09:30-13:00 on an early close;
//! - with `useRth = 0` IB serves the whole US-stock day, 04:00-20:00 (04:00-17:00 on an early
//!   close);
//! - a session is the half-open interval `[open, close)` of Unix seconds: a tick stamped `close`
//!   belongs to no session.
//!
//! Source: NYSE holiday and early-close calendars for 2025-2027; IB's trading-hours pages for US
//! stocks (pre-market from 04:00, after-hours to 20:00).

use crate::wire::{civil_from_unix, unix_from_civil};

/// NYSE full-day holidays, `(year, month, day)`.
const HOLIDAYS: &[(i64, u32, u32)] = &[
    (2025, 1, 1),
    (2025, 1, 9),
    (2025, 1, 20),
    (2025, 2, 17),
    (2025, 4, 18),
    (2025, 5, 26),
    (2025, 6, 19),
    (2025, 7, 4),
    (2025, 9, 1),
    (2025, 11, 27),
    (2025, 12, 25),
    (2026, 1, 1),
    (2026, 1, 19),
    (2026, 2, 16),
    (2026, 4, 3),
    (2026, 5, 25),
    (2026, 6, 19),
    (2026, 7, 3),
    (2026, 9, 7),
    (2026, 11, 26),
    (2026, 12, 25),
    (2027, 1, 1),
    (2027, 1, 18),
    (2027, 2, 15),
    (2027, 3, 26),
    (2027, 5, 31),
    (2027, 6, 18),
    (2027, 7, 5),
    (2027, 9, 6),
    (2027, 11, 25),
    (2027, 12, 24),
];

/// NYSE early closes (13:00 local).
const EARLY_CLOSES: &[(i64, u32, u32)] = &[
    (2025, 7, 3),
    (2025, 11, 28),
    (2025, 12, 24),
    (2026, 11, 27),
    (2026, 12, 24),
    (2027, 11, 26),
];

/// One trading session, `[open, close)` in Unix seconds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Session {
    pub open: i64,
    pub close: i64,
}

impl Session {
    /// True when `t` (Unix seconds) lies in the session.
    pub fn contains(&self, t: i64) -> bool {
        (self.open..self.close).contains(&t)
    }
}

/// Day of the week of a Unix day number, 0 = Monday.
fn weekday(days: i64) -> i64 {
    // 1970-01-01 was a Thursday.
    (days + 3).rem_euclid(7)
}

/// The `n`-th Sunday (1-based) of `month` in `year`, as a Unix day number.
fn nth_sunday(year: i64, month: u32, n: i64) -> i64 {
    let first = unix_from_civil(year, month, 1).div_euclid(86_400);
    let to_sunday = (6 - weekday(first)).rem_euclid(7);
    first + to_sunday + 7 * (n - 1)
}

/// New York's offset from UTC at Unix time `t`, in seconds (-14400 in EDT, -18000 in EST).
///
/// # Examples
/// ```
/// use hft::calendar::new_york_offset;
/// // 2026-11-01 05:59:59 UTC is 01:59:59 EDT; a second later it is 01:00:00 EST.
/// assert_eq!(new_york_offset(1_793_512_799), -14_400);
/// assert_eq!(new_york_offset(1_793_512_800), -18_000);
/// ```
pub fn new_york_offset(t: i64) -> i64 {
    let (y, ..) = civil_from_unix(t);
    // 02:00 EST on the second Sunday of March is 07:00 UTC; 02:00 EDT on the first Sunday of
    // November is 06:00 UTC.
    let dst_start = nth_sunday(y, 3, 2) * 86_400 + 7 * 3600;
    let dst_end = nth_sunday(y, 11, 1) * 86_400 + 6 * 3600;
    if (dst_start..dst_end).contains(&t) {
        -4 * 3600
    } else {
        -5 * 3600
    }
}

/// The session of the New York calendar day `(year, month, day)`, or `None` on a weekend or a
/// holiday.
///
/// # Examples
/// ```
/// use hft::calendar::session_of_day;
/// // Monday 2026-11-02 (EST): RTH 14:30-21:00 UTC, the whole day 09:00-01:00 UTC.
/// let rth = session_of_day(2026, 11, 2, true).unwrap();
/// assert_eq!(rth.close - rth.open, 6 * 3600 + 1800);
/// assert_eq!(rth.open % 86_400, 14 * 3600 + 1800);
/// let all = session_of_day(2026, 11, 2, false).unwrap();
/// assert_eq!(all.close - all.open, 16 * 3600);
/// assert!(session_of_day(2026, 11, 7, true).is_none()); // a Saturday
/// assert!(session_of_day(2026, 11, 26, true).is_none()); // Thanksgiving
/// ```
pub fn session_of_day(year: i64, month: u32, day: u32, rth: bool) -> Option<Session> {
    let midnight_utc = unix_from_civil(year, month, day);
    if weekday(midnight_utc.div_euclid(86_400)) >= 5 || HOLIDAYS.contains(&(year, month, day)) {
        return None;
    }
    let early = EARLY_CLOSES.contains(&(year, month, day));
    let (open_local, close_local) = match (rth, early) {
        (true, false) => (9 * 3600 + 1800, 16 * 3600),
        (true, true) => (9 * 3600 + 1800, 13 * 3600),
        (false, false) => (4 * 3600, 20 * 3600),
        (false, true) => (4 * 3600, 17 * 3600),
    };
    // The offset at local noon is the day's offset (changes happen at 02:00 on Sundays).
    let offset = new_york_offset(midnight_utc + 12 * 3600 + 5 * 3600);
    Some(Session {
        open: midnight_utc + open_local - offset,
        close: midnight_utc + close_local - offset,
    })
}

/// The New York calendar day of Unix time `t`.
pub fn new_york_day(t: i64) -> (i64, u32, u32) {
    let (y, m, d, ..) = civil_from_unix(t + new_york_offset(t));
    (y, m, d)
}

/// Every session whose New York day lies in `from..=to` (days as `(year, month, day)`), oldest
/// first.
pub fn sessions_between(from: (i64, u32, u32), to: (i64, u32, u32), rth: bool) -> Vec<Session> {
    let first = unix_from_civil(from.0, from.1, from.2).div_euclid(86_400);
    let last = unix_from_civil(to.0, to.1, to.2).div_euclid(86_400);
    (first..=last)
        .filter_map(|day| {
            let (y, m, d, ..) = civil_from_unix(day * 86_400);
            session_of_day(y, m, d, rth)
        })
        .collect()
}

/// The session containing `t`, else the latest one that closed at or before `t` (searched up to
/// 14 days back): the one IB answers a historical-ticks request ending at `t` from.
pub fn session_ending_by(t: i64, rth: bool) -> Option<Session> {
    (0..15).find_map(|back| {
        let (y, m, d) = new_york_day(t - back * 86_400);
        session_of_day(y, m, d, rth).filter(|s| s.open <= t)
    })
}

/// The session containing `t`, else the next one to open after `t` (searched up to 14 days on):
/// the one IB answers a historical-ticks request starting at `t` from.
pub fn session_starting_from(t: i64, rth: bool) -> Option<Session> {
    (0..15).find_map(|on| {
        let (y, m, d) = new_york_day(t + on * 86_400);
        session_of_day(y, m, d, rth).filter(|s| s.close > t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dst_boundaries_2026() {
        // 2026-03-08 is the second Sunday of March, 2026-11-01 the first of November.
        let march = unix_from_civil(2026, 3, 8);
        assert_eq!(new_york_offset(march + 7 * 3600 - 1), -18_000);
        assert_eq!(new_york_offset(march + 7 * 3600), -14_400);
        // RTH in summer opens at 13:30 UTC, in winter at 14:30 UTC.
        let summer = session_of_day(2026, 7, 1, true).unwrap();
        assert_eq!(summer.open - unix_from_civil(2026, 7, 1), 13 * 3600 + 1800);
        let winter = session_of_day(2026, 11, 2, true).unwrap();
        assert_eq!(winter.open - unix_from_civil(2026, 11, 2), 14 * 3600 + 1800);
    }

    #[test]
    fn week_and_lookups() {
        let week = sessions_between((2026, 11, 2), (2026, 11, 8), true);
        assert_eq!(week.len(), 5);
        assert!(week.windows(2).all(|w| w[0].close < w[1].open));
        // Saturday noon: the Friday session; Sunday: the Monday after.
        let saturday = unix_from_civil(2026, 11, 7) + 12 * 3600;
        assert_eq!(session_ending_by(saturday, true), Some(week[4]));
        let monday = session_starting_from(saturday, true).unwrap();
        assert_eq!(new_york_day(monday.open), (2026, 11, 9));
        // Inside a session, that session both ways.
        let t = week[2].open + 100;
        assert_eq!(session_ending_by(t, true), Some(week[2]));
        assert_eq!(session_starting_from(t, true), Some(week[2]));
        // The day after Thanksgiving closes early.
        let friday = session_of_day(2026, 11, 27, true).unwrap();
        assert_eq!(friday.close - friday.open, 3 * 3600 + 1800);
    }
}
