//! Parameter files (`params/*.toml`): loading, defaults and validation.
//!
//! Every tunable lives in a TOML file. Unknown keys and out-of-range values are errors that name
//! the key path and the file; the CLI turns them into exit status 2.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// The engine's embedded default parameters (`params/default.toml`).
pub const DEFAULT_PARAMS: &str = include_str!("../params/default.toml");
/// The paper gateway's embedded default parameters (`params/sim.toml`).
pub const DEFAULT_SIM_PARAMS: &str = include_str!("../params/sim.toml");

/// A parameter file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: key `{key}`: {message}")]
pub struct ParamsError {
    /// The file (or `<embedded ...>` for built-in defaults).
    pub file: String,
    /// Dotted key path, e.g. `market.symbols[2].price`.
    pub key: String,
    pub message: String,
}

impl ParamsError {
    /// An error about `key` in `file`.
    pub fn new(file: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        ParamsError {
            file: file.to_string(),
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Parses `text` (the contents of `file`) into `T`, naming the offending key on failure.
///
/// # Errors
/// A [`ParamsError`] with the key path: unknown keys, wrong types, missing required keys and
/// TOML syntax errors.
///
/// # Examples
/// ```
/// use hft::params::{parse, SimParams};
/// let err = parse::<SimParams>("x.toml", "[gateway]\nlisen = 1\n").unwrap_err();
/// assert_eq!((err.file.as_str(), err.key.as_str()), ("x.toml", "gateway.lisen"));
/// ```
pub fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, ParamsError> {
    let deserializer = toml::Deserializer::parse(text)
        .map_err(|e| ParamsError::new(file, "<syntax>", e.message().to_string()))?;
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(deserializer, &mut track);
    T::deserialize(tracked).map_err(|e| {
        let path = track.path().to_string();
        let message = e.message().to_string();
        // For unknown fields the path names the parent; append the unknown key itself.
        let key = match message
            .strip_prefix("unknown field `")
            .and_then(|m| m.split('`').next())
        {
            Some(unknown) if path == "." || path.is_empty() => unknown.to_string(),
            Some(unknown) if path == unknown || path.ends_with(&format!(".{unknown}")) => path,
            Some(unknown) => format!("{path}.{unknown}"),
            None => path,
        };
        ParamsError::new(file, key, message)
    })
}

/// Reads and parses a parameter file.
///
/// # Errors
/// A [`ParamsError`] (an unreadable file is reported with the key `<file>`).
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<T, ParamsError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ParamsError::new(&file, "<file>", format!("cannot read: {e}")))?;
    parse(&file, &text)
}

/// Checks a condition, producing an error about `key` otherwise.
fn check(ok: bool, file: &str, key: &str, message: &str) -> Result<(), ParamsError> {
    if ok {
        Ok(())
    } else {
        Err(ParamsError::new(file, key, message))
    }
}

/// Parameters of the paper gateway (`hft sim`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SimParams {
    #[serde(default)]
    pub gateway: GatewayParams,
    pub market: MarketParams,
    #[serde(default)]
    pub replay: Option<ReplayParams>,
}

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
    /// Commission per share and its minimum per execution, in USD.
    pub commission_per_share: f64,
    pub commission_min: f64,
    /// Price levels of the simulated book beyond the touch.
    pub book_levels: usize,
    /// Largest frame body accepted from a client, bytes.
    pub max_frame_bytes: usize,
    /// Historical pacing: identical request window, same-contract burst, and 10-minute cap.
    pub pacing_identical_secs: u64,
    pub pacing_same_contract_max: usize,
    pub pacing_same_contract_secs: u64,
    pub pacing_max_per_10_min: usize,
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
            max_frame_bytes: crate::wire::DEFAULT_MAX_FRAME,
            pacing_identical_secs: 15,
            pacing_same_contract_max: 6,
            pacing_same_contract_secs: 2,
            pacing_max_per_10_min: 60,
        }
    }
}

/// The seeded synthetic market.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MarketParams {
    pub seed: u64,
    /// Quote updates per second per symbol (Poisson arrivals).
    pub ticks_per_sec: f64,
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
    pub symbols: Vec<SymbolParams>,
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

/// One symbol of the synthetic universe.
///
/// A symbol either moves on its own (`beta` to the market factor plus idiosyncratic noise of
/// `vol_per_day`) or `follows` a leader: `log B = log(price_B / price_A) + log A + s`, where the
/// spread `s` is an Ornstein-Uhlenbeck process, so A and B are cointegrated.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SymbolParams {
    pub name: String,
    pub price: f64,
    #[serde(default = "default_symbol_vol")]
    pub vol_per_day: f64,
    #[serde(default = "default_beta")]
    pub beta: f64,
    #[serde(default)]
    pub follows: Option<String>,
    #[serde(default = "default_half_life")]
    pub spread_half_life_secs: f64,
    #[serde(default = "default_spread_vol")]
    pub spread_vol_per_day: f64,
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

/// Replay of a recorded quote file instead of the synthetic feed.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReplayParams {
    pub file: PathBuf,
    /// Multiplier of the recorded pace; 0 sends as fast as the client reads.
    #[serde(default = "default_speed")]
    pub speed: f64,
}

fn default_speed() -> f64 {
    1.0
}

impl SimParams {
    /// Parses and validates gateway parameters.
    ///
    /// # Errors
    /// A [`ParamsError`] naming the key and `file`.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, ParamsError> {
        let p: SimParams = parse(file, text)?;
        p.validate(file)?;
        Ok(p)
    }

    /// The embedded `params/sim.toml`.
    pub fn embedded() -> Self {
        Self::from_toml("<embedded params/sim.toml>", DEFAULT_SIM_PARAMS)
            .expect("embedded sim params are valid (checked by a unit test)")
    }

    /// Range and consistency checks.
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str) -> Result<(), ParamsError> {
        let g = &self.gateway;
        check(
            g.listen.parse::<std::net::SocketAddr>().is_ok(),
            file,
            "gateway.listen",
            "must be IP:PORT",
        )?;
        check(
            !g.account.is_empty() && !g.account.contains(','),
            file,
            "gateway.account",
            "must be one account id",
        )?;
        check(
            g.next_valid_id > 0 && g.next_valid_id < 1_000_000_000,
            file,
            "gateway.next_valid_id",
            "must be in 1..1e9",
        )?;
        check(
            g.max_market_data_lines > 0,
            file,
            "gateway.max_market_data_lines",
            "must be positive",
        )?;
        check(
            g.max_messages_per_sec > 0,
            file,
            "gateway.max_messages_per_sec",
            "must be positive",
        )?;
        check(
            g.disconnect_messages_per_sec >= g.max_messages_per_sec,
            file,
            "gateway.disconnect_messages_per_sec",
            "must be at least gateway.max_messages_per_sec",
        )?;
        check(
            g.commission_per_share >= 0.0,
            file,
            "gateway.commission_per_share",
            "must be >= 0",
        )?;
        check(
            g.commission_min >= 0.0,
            file,
            "gateway.commission_min",
            "must be >= 0",
        )?;
        check(
            (1..=50).contains(&g.book_levels),
            file,
            "gateway.book_levels",
            "must be in 1..=50",
        )?;
        check(
            (1024..=64 << 20).contains(&g.max_frame_bytes),
            file,
            "gateway.max_frame_bytes",
            "must be in 1 KiB..=64 MiB",
        )?;
        let m = &self.market;
        check(
            m.ticks_per_sec > 0.0 && m.ticks_per_sec.is_finite(),
            file,
            "market.ticks_per_sec",
            "must be positive",
        )?;
        check(
            (0.0..=1.0).contains(&m.trade_probability),
            file,
            "market.trade_probability",
            "must be in [0, 1]",
        )?;
        check(
            (0.0..1.0).contains(&m.market_vol_per_day),
            file,
            "market.market_vol_per_day",
            "must be in [0, 1)",
        )?;
        check(
            (1..=100).contains(&m.max_spread_ticks),
            file,
            "market.max_spread_ticks",
            "must be in 1..=100",
        )?;
        check(
            !m.symbols.is_empty() || self.replay.is_some(),
            file,
            "market.symbols",
            "needs at least one symbol",
        )?;
        check(
            m.symbols.len() <= 10_000,
            file,
            "market.symbols",
            "at most 10000 symbols",
        )?;
        for (i, s) in m.symbols.iter().enumerate() {
            let key = |k: &str| format!("market.symbols[{i}].{k}");
            check(
                !s.name.is_empty() && s.name.bytes().all(|b| b.is_ascii_graphic() && b != b','),
                file,
                &key("name"),
                "must be a non-empty symbol without spaces or commas",
            )?;
            check(
                m.symbols[..i].iter().all(|o| o.name != s.name),
                file,
                &key("name"),
                "duplicate symbol",
            )?;
            check(
                s.price >= 0.05 && s.price < 1e6,
                file,
                &key("price"),
                "must be in [0.05, 1e6)",
            )?;
            check(
                (0.0..1.0).contains(&s.vol_per_day),
                file,
                &key("vol_per_day"),
                "must be in [0, 1)",
            )?;
            check(
                s.beta.is_finite() && s.beta.abs() <= 10.0,
                file,
                &key("beta"),
                "must be in [-10, 10]",
            )?;
            check(
                s.spread_half_life_secs > 0.0 && s.spread_half_life_secs.is_finite(),
                file,
                &key("spread_half_life_secs"),
                "must be positive",
            )?;
            check(
                (0.0..1.0).contains(&s.spread_vol_per_day),
                file,
                &key("spread_vol_per_day"),
                "must be in [0, 1)",
            )?;
            if let Some(leader) = &s.follows {
                let pos = m.symbols.iter().position(|o| &o.name == leader);
                check(
                    pos.is_some(),
                    file,
                    &key("follows"),
                    "names no symbol of market.symbols",
                )?;
                let lead = &m.symbols[pos.unwrap_or(0)];
                check(
                    lead.follows.is_none() && pos != Some(i),
                    file,
                    &key("follows"),
                    "must name a symbol that follows no other",
                )?;
            }
        }
        if let Some(r) = &self.replay {
            check(
                r.speed >= 0.0 && r.speed.is_finite(),
                file,
                "replay.speed",
                "must be >= 0 (0 = as fast as read)",
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_sim_params_are_valid() {
        let p = SimParams::embedded();
        assert!(p.market.symbols.len() >= 4);
    }

    #[test]
    fn errors_name_key_and_file() {
        let base = DEFAULT_SIM_PARAMS;
        let bad = base.replacen("ticks_per_sec = ", "ticks_per_sec = -", 1);
        let e = SimParams::from_toml("f.toml", &bad).unwrap_err();
        assert_eq!(e.key, "market.ticks_per_sec");
        assert_eq!(e.file, "f.toml");
        let bad = format!("{base}\n[oops]\nx = 1\n");
        let e = SimParams::from_toml("f.toml", &bad).unwrap_err();
        assert_eq!(e.key, "oops");
        let bad = base.replacen("seed = ", "seed = \"x\" #", 1);
        let e = SimParams::from_toml("f.toml", &bad).unwrap_err();
        assert_eq!(e.key, "market.seed");
    }
}
