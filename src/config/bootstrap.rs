//! `[bootstrap]`: the universe and the history `hft bootstrap` tests pairs on.

use super::{ParamsError, check};
use ibapi::market_data::historical::BarSize;
use serde::Deserialize;

/// Pair selection by `hft bootstrap`: the universe and the history it is tested on.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapParams {
    /// Symbols whose pairs are tested; empty means the symbols of `[[pairs]]`.
    pub universe: Vec<String>,
    /// Bar size of the history, seconds (an IB bar size: 1, 5, 10, 15, 30, 60, 120, 180, 300,
    /// 600, 900, 1200 or 1800).
    pub bar_secs: f64,
    /// Span of the history, seconds (rounded up to whole days past one day, as IB asks).
    pub duration_secs: f64,
}

impl Default for BootstrapParams {
    fn default() -> Self {
        // Two days of 1-minute bars: a few thousand rows, enough for the Engle-Granger test to
        // tell a spread with a half-life of minutes from a random walk.
        BootstrapParams {
            universe: Vec::new(),
            bar_secs: 60.0,
            duration_secs: 172_800.0,
        }
    }
}

impl BootstrapParams {
    /// Bars of history asked for.
    pub fn bars(&self) -> usize {
        (self.duration_secs / self.bar_secs).ceil() as usize
    }

    /// Range checks; `prefix` is the section's key path (`bootstrap`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        for (i, sym) in self.universe.iter().enumerate() {
            let key = format!("{prefix}.universe[{i}]");
            check(
                !sym.is_empty() && sym.bytes().all(|b| b.is_ascii_graphic() && b != b','),
                file,
                &key,
                "must be a non-empty symbol without spaces or commas",
            )?;
            check(
                !self.universe[..i].contains(sym),
                file,
                &key,
                "duplicate symbol",
            )?;
        }
        check(
            self.universe.len() != 1 && self.universe.len() <= 1000,
            file,
            &key("universe"),
            "needs 2..=1000 symbols, or none for the symbols of [[pairs]]",
        )?;
        check(
            bar_size_for(self.bar_secs).is_some(),
            file,
            &key("bar_secs"),
            "must be an IB bar size: 1, 5, 10, 15, 30, 60, 120, 180, 300, 600, 900, 1200 or 1800",
        )?;
        // IB durations past one day are whole days; the paper gateway serves at most 100,000
        // bars per request.
        let requested_secs = if self.duration_secs > 86_400.0 {
            (self.duration_secs / 86_400.0).ceil() * 86_400.0
        } else {
            self.duration_secs
        };
        check(
            self.duration_secs.is_finite()
                && self.duration_secs >= 30.0 * self.bar_secs
                && requested_secs / self.bar_secs <= 100_000.0,
            file,
            &key("duration_secs"),
            &format!(
                "must span 30..=100000 bars of {} (whole days past one day)",
                key("bar_secs")
            ),
        )
    }
}

/// The IB bar size of `secs` seconds, or `None` when IB has no such bar size.
///
/// # Examples
/// ```
/// use hft::config::bar_size_for;
/// assert!(bar_size_for(60.0).is_some());
/// assert!(bar_size_for(45.0).is_none());
/// assert!(bar_size_for(1.5).is_none());
/// ```
pub fn bar_size_for(secs: f64) -> Option<BarSize> {
    if secs.fract() != 0.0 {
        return None;
    }
    Some(match secs as u64 {
        1 => BarSize::Sec,
        5 => BarSize::Sec5,
        10 => BarSize::Sec10,
        15 => BarSize::Sec15,
        30 => BarSize::Sec30,
        60 => BarSize::Min,
        120 => BarSize::Min2,
        180 => BarSize::Min3,
        300 => BarSize::Min5,
        600 => BarSize::Min10,
        900 => BarSize::Min15,
        1200 => BarSize::Min20,
        1800 => BarSize::Min30,
        _ => return None,
    })
}
