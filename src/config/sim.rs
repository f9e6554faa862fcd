//! The paper gateway's sections: `[gateway]` (session rules and fees), `[market]` and
//! `[[market.symbols]]` (the seeded synthetic universe), `[replay]` (a recorded quote file).

use super::{DEFAULT_MAX_FRAME, ParamsError, check};
use serde::Deserialize;
use std::path::PathBuf;

/// Session rules and fees of the paper gateway.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayParams {
    /// Listen address; must be loopback unless `--allow-remote`.
    pub listen: String,
    /// The paper account reported in MANAGED_ACCTS.
    pub account: String,
    /// First id reported in NEXT_VALID_ID.
    pub next_valid_id: i32,
    /// Market-data lines per client (IB default 100; error 101 past it).
    pub max_market_data_lines: usize,
    /// Messages per second from one client before error 100 (IB: 50).
    pub max_messages_per_sec: u32,
    /// Messages per second from one client before it is disconnected.
    pub disconnect_messages_per_sec: u32,
    /// Commission per share, in USD ...
    pub commission_per_share: f64,
    /// ... and its minimum per execution.
    pub commission_min: f64,
    /// Price levels of the simulated book beyond the touch.
    pub book_levels: usize,
    /// Largest frame body accepted from a client, bytes.
    pub max_frame_bytes: usize,
    /// Historical pacing: identical requests within this many seconds are refused ...
    pub pacing_identical_secs: u64,
    /// ... as is a burst of more than this many requests for one contract ...
    pub pacing_same_contract_max: usize,
    /// ... within this many seconds ...
    pub pacing_same_contract_secs: u64,
    /// ... and more than this many requests (a BID_ASK ticks request counts twice) ...
    pub pacing_max_per_10_min: usize,
    /// ... within this many seconds (IB: 600; shorter in tests that hit the limit).
    pub pacing_window_secs: u64,
    /// How far back from the live start historical ticks are served, days.
    pub tick_history_days: u64,
}

impl Default for GatewayParams {
    fn default() -> Self {
        GatewayParams {
            listen: "127.0.0.1:7497".into(),
            account: "DU1234567".into(),
            next_valid_id: 1,
            max_market_data_lines: 100,
            max_messages_per_sec: 50,
            disconnect_messages_per_sec: 100,
            commission_per_share: 0.005,
            commission_min: 1.0,
            book_levels: 5,
            max_frame_bytes: DEFAULT_MAX_FRAME,
            pacing_identical_secs: 15,
            pacing_same_contract_max: 6,
            pacing_same_contract_secs: 2,
            pacing_max_per_10_min: 60,
            pacing_window_secs: 600,
            tick_history_days: 10,
        }
    }
}

impl GatewayParams {
    /// Range checks; `prefix` is the section's key path (`gateway`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.listen.parse::<std::net::SocketAddr>().is_ok(),
            file,
            &key("listen"),
            "must be IP:PORT",
        )?;
        check(
            !self.account.is_empty() && !self.account.contains(','),
            file,
            &key("account"),
            "must be one account id",
        )?;
        check(
            self.next_valid_id > 0 && self.next_valid_id < 1_000_000_000,
            file,
            &key("next_valid_id"),
            "must be in 1..1e9",
        )?;
        check(
            self.max_market_data_lines > 0,
            file,
            &key("max_market_data_lines"),
            "must be positive",
        )?;
        check(
            self.max_messages_per_sec > 0,
            file,
            &key("max_messages_per_sec"),
            "must be positive",
        )?;
        check(
            self.disconnect_messages_per_sec >= self.max_messages_per_sec,
            file,
            &key("disconnect_messages_per_sec"),
            &format!("must be at least {}", key("max_messages_per_sec")),
        )?;
        super::risk::check_fill_model(
            file,
            prefix,
            self.commission_per_share,
            self.commission_min,
            self.book_levels,
        )?;
        check(
            self.pacing_window_secs >= 1,
            file,
            &key("pacing_window_secs"),
            "must be at least 1",
        )?;
        check(
            (1..=60).contains(&self.tick_history_days),
            file,
            &key("tick_history_days"),
            "must be in 1..=60",
        )?;
        check(
            (1024..=64 << 20).contains(&self.max_frame_bytes),
            file,
            &key("max_frame_bytes"),
            "must be in 1 KiB..=64 MiB",
        )
    }
}

/// The seeded synthetic market.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MarketParams {
    /// Seed of the market's random generator (the same seed gives the same feed).
    pub seed: u64,
    /// Quote updates per second of market time per symbol (Poisson arrivals); the wall-clock
    /// rate is `speed` times this.
    pub ticks_per_sec: f64,
    /// How much faster than the wall clock the synthetic market's clock runs: one wall second
    /// is `speed` seconds of market time, for the live feed's pace and its event times (the
    /// tick-by-tick `time` field, executions), while historical bars are in market time and end
    /// at the live start. Fault times (`[faults]`) and the gateway's session rules stay on the
    /// wall clock. 1 = real time.
    #[serde(default = "default_market_speed")]
    pub speed: f64,
    /// Probability that a quote event is also a trade.
    #[serde(default = "default_trade_probability")]
    pub trade_probability: f64,
    /// Volatility of the common market factor per trading day (log terms).
    #[serde(default = "default_market_vol")]
    pub market_vol_per_day: f64,
    /// Largest quoted spread in cents (spreads are 1..=this).
    #[serde(default = "default_max_spread")]
    pub max_spread_ticks: u32,
    /// Unix second at which the live feed starts (history ends there); 0 means now.
    #[serde(default)]
    pub start_unix: i64,
    /// The universe.
    pub symbols: Vec<SymbolParams>,
}

fn default_market_speed() -> f64 {
    1.0
}
fn default_trade_probability() -> f64 {
    0.2
}
fn default_market_vol() -> f64 {
    0.008
}
fn default_max_spread() -> u32 {
    3
}

impl MarketParams {
    /// Range checks of the market and of each symbol (unique names, leaders that exist and
    /// follow no other); `prefix` is the section's key path (`market`). An empty universe passes
    /// here: whether it needs symbols depends on `[replay]` (see [`super::SimParams::validate`]).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.ticks_per_sec > 0.0 && self.ticks_per_sec.is_finite(),
            file,
            &key("ticks_per_sec"),
            "must be positive",
        )?;
        check(
            self.speed > 0.0 && self.speed <= 10_000.0,
            file,
            &key("speed"),
            "must be in (0, 10000]",
        )?;
        check(
            (0.0..=1.0).contains(&self.trade_probability),
            file,
            &key("trade_probability"),
            "must be in [0, 1]",
        )?;
        check(
            (0.0..1.0).contains(&self.market_vol_per_day),
            file,
            &key("market_vol_per_day"),
            "must be in [0, 1)",
        )?;
        check(
            (1..=100).contains(&self.max_spread_ticks),
            file,
            &key("max_spread_ticks"),
            "must be in 1..=100",
        )?;
        check(
            self.symbols.len() <= 10_000,
            file,
            &key("symbols"),
            "at most 10000 symbols",
        )?;
        let symbols = &self.symbols;
        for (i, s) in symbols.iter().enumerate() {
            let prefix = format!("{prefix}.symbols[{i}]");
            let key = |k: &str| format!("{prefix}.{k}");
            check(
                !s.name.is_empty() && s.name.bytes().all(|b| b.is_ascii_graphic() && b != b','),
                file,
                &key("name"),
                "must be a non-empty symbol without spaces or commas",
            )?;
            check(
                symbols[..i].iter().all(|o| o.name != s.name),
                file,
                &key("name"),
                "duplicate symbol",
            )?;
            s.validate(file, &prefix)?;
            if let Some(leader) = &s.follows {
                let pos = symbols.iter().position(|o| &o.name == leader);
                check(
                    pos.is_some(),
                    file,
                    &key("follows"),
                    "names no symbol of market.symbols",
                )?;
                let lead = &symbols[pos.unwrap_or(0)];
                check(
                    lead.follows.is_none() && pos != Some(i),
                    file,
                    &key("follows"),
                    "must name a symbol that follows no other",
                )?;
            }
        }
        Ok(())
    }
}

/// One symbol of the synthetic universe.
///
/// A symbol either moves on its own (`beta` to the market factor plus idiosyncratic noise of
/// `vol_per_day`) or `follows` a leader: `log B = log(price_B / price_A) + log A + s`, where the
/// spread `s` is an Ornstein-Uhlenbeck process, so A and B are cointegrated.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SymbolParams {
    /// The ticker.
    pub name: String,
    /// Starting price, USD.
    pub price: f64,
    /// Idiosyncratic volatility per trading day (log terms).
    #[serde(default = "default_symbol_vol")]
    pub vol_per_day: f64,
    /// Exposure to the common market factor.
    #[serde(default = "default_beta")]
    pub beta: f64,
    /// The leader this symbol is cointegrated with, if any.
    #[serde(default)]
    pub follows: Option<String>,
    /// Half-life of the spread to the leader, seconds.
    #[serde(default = "default_half_life")]
    pub spread_half_life_secs: f64,
    /// Volatility of the spread to the leader per trading day.
    #[serde(default = "default_spread_vol")]
    pub spread_vol_per_day: f64,
    /// A symbol without a leader: its own (idiosyncratic) component mean-reverts with this
    /// half-life, seconds (an Ornstein-Uhlenbeck process of volatility `vol_per_day`), so the
    /// symbol is `beta` x the market factor plus a stationary residual: the factor structure
    /// the basket strategy trades. 0 (default): a random walk.
    #[serde(default)]
    pub residual_half_life_secs: f64,
}

fn default_symbol_vol() -> f64 {
    0.01
}
fn default_beta() -> f64 {
    1.0
}
fn default_half_life() -> f64 {
    600.0
}
fn default_spread_vol() -> f64 {
    0.004
}

impl SymbolParams {
    /// Range checks of the symbol's own values (its name and leader are checked against the
    /// universe by [`MarketParams::validate`]); `prefix` is its key path (`market.symbols[i]`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.price >= 0.05 && self.price < 1e6,
            file,
            &key("price"),
            "must be in [0.05, 1e6)",
        )?;
        check(
            (0.0..1.0).contains(&self.vol_per_day),
            file,
            &key("vol_per_day"),
            "must be in [0, 1)",
        )?;
        check(
            self.beta.is_finite() && self.beta.abs() <= 10.0,
            file,
            &key("beta"),
            "must be in [-10, 10]",
        )?;
        check(
            self.spread_half_life_secs > 0.0 && self.spread_half_life_secs.is_finite(),
            file,
            &key("spread_half_life_secs"),
            "must be positive",
        )?;
        check(
            (0.0..1.0).contains(&self.spread_vol_per_day),
            file,
            &key("spread_vol_per_day"),
            "must be in [0, 1)",
        )?;
        check(
            self.residual_half_life_secs >= 0.0 && self.residual_half_life_secs.is_finite(),
            file,
            &key("residual_half_life_secs"),
            "must be >= 0 (0: a random walk)",
        )
    }
}

/// Replay of a recorded quote file instead of the synthetic feed.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReplayParams {
    /// The recorded quotes: CSV, Parquet or DBN (by its first bytes).
    pub file: PathBuf,
    /// More quote files, merged with `file` by time (equal times: `file` first, then these in
    /// order).
    #[serde(default)]
    pub more_files: Vec<PathBuf>,
    /// Replay only these symbols (empty: all).
    #[serde(default)]
    pub symbols: Vec<String>,
    /// Multiplier of the recorded pace; 0 sends as fast as the client reads.
    #[serde(default = "default_speed")]
    pub speed: f64,
    /// Rows per second regardless of the recorded times (0 = follow `speed`); a fixed rate also
    /// records wire-to-wire tick-to-trade (`hft bench-wire`).
    #[serde(default)]
    pub rate: f64,
}

fn default_speed() -> f64 {
    1.0
}

impl ReplayParams {
    /// Range checks; `prefix` is the section's key path (`replay`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.speed >= 0.0 && self.speed.is_finite(),
            file,
            &key("speed"),
            "must be >= 0 (0 = as fast as read)",
        )?;
        check(
            self.rate >= 0.0 && self.rate.is_finite(),
            file,
            &key("rate"),
            "must be >= 0 (0 = follow speed)",
        )
    }
}
