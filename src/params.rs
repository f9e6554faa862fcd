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
    /// Injected faults (all off by default).
    #[serde(default)]
    pub faults: crate::sim::FaultParams,
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
    /// Rows per second regardless of the recorded times (0 = follow `speed`); a fixed rate also
    /// records wire-to-wire tick-to-trade (`hft bench-wire`).
    #[serde(default)]
    pub rate: f64,
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
            check(
                r.rate >= 0.0 && r.rate.is_finite(),
                file,
                "replay.rate",
                "must be >= 0 (0 = follow speed)",
            )?;
        }
        self.faults.validate(file)?;
        Ok(())
    }
}

/// Parameters of the engine, the backtest and the bootstrap (`params/default.toml`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EngineParams {
    #[serde(default)]
    pub connection: ConnectionParams,
    pub strategy: StrategyParams,
    /// The traded pairs (leg A, leg B); `hft bootstrap` fills in their statistics.
    #[serde(default)]
    pub pairs: Vec<PairParams>,
    #[serde(default)]
    pub costs: CostParams,
    #[serde(default)]
    pub engine: EngineSection,
    #[serde(default)]
    pub risk: RiskParams,
    #[serde(default)]
    pub normalize: crate::normalize::NormalizeParams,
    #[serde(default)]
    pub bootstrap: BootstrapParams,
}

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
}

/// Threads, queues and the run.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSection {
    /// `spin` or `backoff` for every stage (spin falls back to backoff without enough cores).
    pub wait: crate::runtime::WaitStrategy,
    /// Core ids for io, normalize, signal, dispatch; empty picks distinct free cores.
    pub cores: Vec<usize>,
    /// Capacity of each SPSC queue (rounded to what the queue allocates).
    pub queue_capacity: usize,
    /// What the io stage does when the market-data queue is full.
    pub md_queue_policy: crate::runtime::QueuePolicy,
    /// Subscribe tick-by-tick BidAsk (one event per book change, with exchange time) instead of
    /// REQ_MKT_DATA.
    pub tick_by_tick: bool,
    /// Default run length for `hft run` (seconds).
    pub duration_secs: f64,
    /// Where run directories are created.
    pub runs_dir: String,
    /// Grid rows recorded per pair for the charts (`series/<A>-<B>.csv`), allocated at start-up;
    /// rows past it are counted, not recorded. 88 bytes a row.
    pub series_capacity: usize,
    /// Executions recorded for `fills.csv`, allocated at start-up; later ones are counted.
    pub fills_capacity: usize,
    /// When the journal (`journal.csv`) is forced to disk.
    pub journal_fsync: crate::journal::FsyncPolicy,
}

impl Default for EngineSection {
    fn default() -> Self {
        EngineSection {
            wait: crate::runtime::WaitStrategy::Backoff,
            cores: Vec::new(),
            queue_capacity: 65_536,
            md_queue_policy: crate::runtime::QueuePolicy::Backpressure,
            tick_by_tick: false,
            duration_secs: 25.0,
            runs_dir: "runs".into(),
            series_capacity: 100_000,
            fills_capacity: 65_536,
            journal_fsync: crate::journal::FsyncPolicy::Batch,
        }
    }
}

/// Pre-trade limits and the outbound message rate.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RiskParams {
    /// Largest quantity of one order.
    pub max_order_qty: f64,
    /// Largest absolute position per instrument after a fill.
    pub max_position: f64,
    /// Orders working at once.
    pub max_open_orders: usize,
    /// Outbound messages per second (IB allows 50).
    pub max_messages_per_sec: u32,
    /// Size of the order table (orders remembered by id).
    pub max_orders: usize,
    /// A pair's legs must both fill within this many milliseconds, else the pair is legged.
    pub leg_timeout_ms: u64,
    /// A legged pair first re-sends its missing leg this many times (complete the hedge), then
    /// unwinds the filled leg and stops trading the pair.
    pub leg_retries: u8,
    /// Kill switch: realized loss (after commissions) in USD that stops the engine.
    pub max_daily_loss: f64,
    /// When the kill switch trips, close every position with market orders.
    pub flatten_on_kill: bool,
    /// At the end of a run (duration, SIGINT, SIGTERM), close every position with market orders.
    pub flatten_on_stop: bool,
    /// Largest gross notional (sum over instruments of |position| x last mid, USD) after an
    /// entry.
    pub max_gross_notional: f64,
    /// Staleness watchdog: an instrument without a quote for this long blocks entries in its
    /// pairs (milliseconds).
    pub max_quote_age_ms: u64,
    /// At start-up, after reconciling with the gateway (and the journal of `--resume`), close
    /// every position found. Otherwise inherited positions are kept, and a pair that is not
    /// flat takes no new entries.
    pub flatten_on_start: bool,
}

impl Default for RiskParams {
    fn default() -> Self {
        RiskParams {
            max_order_qty: 10_000.0,
            max_position: 50_000.0,
            max_open_orders: 100,
            max_messages_per_sec: 45,
            max_orders: 65_536,
            leg_timeout_ms: 5_000,
            leg_retries: 2,
            max_daily_loss: 5_000.0,
            flatten_on_kill: true,
            flatten_on_stop: false,
            max_gross_notional: 5_000_000.0,
            max_quote_age_ms: 5_000,
            flatten_on_start: false,
        }
    }
}

/// Where the engine connects.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionParams {
    /// `HOST:PORT` of TWS / IB Gateway; empty starts the paper gateway in-process.
    pub gateway: String,
    /// Client id of the engine's hot-path connection.
    pub client_id: i32,
    /// Client id of the control-plane (`ibapi`) connection used by the bootstrap.
    pub control_client_id: i32,
    /// First reconnect delay after the connection is lost; doubles per failed attempt ...
    pub reconnect_min_ms: u64,
    /// ... up to this cap (each delay is jittered by up to a half).
    pub reconnect_max_ms: u64,
}

impl Default for ConnectionParams {
    fn default() -> Self {
        ConnectionParams {
            gateway: String::new(),
            client_id: 1,
            control_client_id: 2,
            reconnect_min_ms: 250,
            reconnect_max_ms: 30_000,
        }
    }
}

/// Which strategy runs.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StrategyKind {
    /// The original model: beta = mean(A)/mean(B), volatility ratio as trend.
    Seed,
    /// Rolling OLS hedge ratio and z-score thresholds (default).
    Zscore,
    /// Kalman-filtered hedge ratio and intercept.
    Kalman,
}

/// How leg quantities are sized.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Sizing {
    /// B quantity = hedge ratio x A quantity.
    Beta,
    /// B quantity = A notional / B price.
    Dollar,
    /// Both legs the same quantity (the original model).
    Equal,
}

/// Strategy parameters shared by all kinds, and each kind's own.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StrategyParams {
    pub kind: StrategyKind,
    /// Resampling grid step, seconds (the original model: 30).
    #[serde(default = "default_grid_secs")]
    pub grid_secs: f64,
    /// Rolling window, seconds (the original model: 3600).
    #[serde(default = "default_window_secs")]
    pub window_secs: f64,
    /// How often hedge ratio and other slow statistics are re-estimated, seconds (0 = every row).
    #[serde(default = "default_evaluation_secs")]
    pub evaluation_secs: f64,
    /// Shares of leg A per entry.
    #[serde(default = "default_base_qty")]
    pub base_qty: u32,
    #[serde(default = "default_sizing")]
    pub sizing: Sizing,
    #[serde(default)]
    pub zscore: ZScoreParams,
    #[serde(default)]
    pub kalman: KalmanParams,
}

fn default_grid_secs() -> f64 {
    30.0
}
fn default_window_secs() -> f64 {
    3600.0
}
fn default_evaluation_secs() -> f64 {
    20.0
}
fn default_base_qty() -> u32 {
    100
}
fn default_sizing() -> Sizing {
    Sizing::Beta
}

/// Thresholds of the z-score strategy.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ZScoreParams {
    pub entry: f64,
    pub exit: f64,
    pub stop: f64,
    /// Close a position held longer than this (seconds of event time; 0 = never).
    pub max_hold_secs: f64,
    /// Enter only if the expected move to the exit level covers this multiple of the round-trip
    /// cost (bid-ask spreads and commissions of both legs).
    pub min_edge_ratio: f64,
}

impl Default for ZScoreParams {
    fn default() -> Self {
        ZScoreParams {
            entry: 2.0,
            exit: 0.5,
            stop: 4.0,
            max_hold_secs: 3600.0,
            min_edge_ratio: 1.0,
        }
    }
}

/// Parameters of the Kalman strategy (state: slope and intercept as random walks).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KalmanParams {
    /// Transition covariance = delta / (1 - delta) x identity.
    pub delta: f64,
    /// Observation noise variance.
    pub observation_var: f64,
    /// Enter when the forecast error exceeds `entry_k` standard deviations of its variance.
    pub entry_k: f64,
    /// Exit when it comes back within `exit_k` standard deviations.
    pub exit_k: f64,
}

impl Default for KalmanParams {
    fn default() -> Self {
        KalmanParams {
            delta: 1e-8,
            observation_var: 1e-3,
            entry_k: 1.0,
            exit_k: 0.0,
        }
    }
}

/// A traded pair and, after the bootstrap, its initial statistics.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PairParams {
    pub a: String,
    pub b: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hedge_ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intercept: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_std: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_life_secs: Option<f64>,
}

/// Costs and the fill model the backtest shares with the paper gateway.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CostParams {
    pub commission_per_share: f64,
    pub commission_min: f64,
    pub book_levels: usize,
}

impl Default for CostParams {
    fn default() -> Self {
        let g = GatewayParams::default();
        CostParams {
            commission_per_share: g.commission_per_share,
            commission_min: g.commission_min,
            book_levels: g.book_levels,
        }
    }
}

impl EngineParams {
    /// Parses and validates engine parameters.
    ///
    /// # Errors
    /// A [`ParamsError`] naming the key and `file`.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, ParamsError> {
        let p: EngineParams = parse(file, text)?;
        p.validate(file)?;
        Ok(p)
    }

    /// The embedded `params/default.toml`.
    pub fn embedded() -> Self {
        Self::from_toml("<embedded params/default.toml>", DEFAULT_PARAMS)
            .expect("embedded engine params are valid (checked by a unit test)")
    }

    /// Reads, parses and validates a file.
    ///
    /// # Errors
    /// A [`ParamsError`] naming the key and the file.
    pub fn load(path: &Path) -> Result<Self, ParamsError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ParamsError::new(&file, "<file>", format!("cannot read: {e}")))?;
        Self::from_toml(&file, &text)
    }

    /// Range and consistency checks.
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str) -> Result<(), ParamsError> {
        let c = &self.connection;
        check(
            c.gateway.is_empty() || is_host_port(&c.gateway),
            file,
            "connection.gateway",
            "must be HOST:PORT or empty",
        )?;
        check(
            c.client_id >= 0,
            file,
            "connection.client_id",
            "must be >= 0",
        )?;
        check(
            c.control_client_id >= 0 && c.control_client_id != c.client_id,
            file,
            "connection.control_client_id",
            "must be >= 0 and differ from connection.client_id",
        )?;
        let s = &self.strategy;
        let finite_pos = |x: f64| x.is_finite() && x > 0.0;
        check(
            finite_pos(s.grid_secs),
            file,
            "strategy.grid_secs",
            "must be positive",
        )?;
        check(
            finite_pos(s.window_secs) && s.window_secs >= 2.0 * s.grid_secs,
            file,
            "strategy.window_secs",
            "must be at least two grid steps",
        )?;
        check(
            s.window_secs / s.grid_secs <= 1_000_000.0,
            file,
            "strategy.window_secs",
            "at most 1,000,000 grid steps per window",
        )?;
        check(
            s.evaluation_secs >= 0.0 && s.evaluation_secs.is_finite(),
            file,
            "strategy.evaluation_secs",
            "must be >= 0",
        )?;
        check(
            s.base_qty >= 1 && s.base_qty <= 1_000_000,
            file,
            "strategy.base_qty",
            "must be in 1..=1000000",
        )?;
        let z = &s.zscore;
        check(
            finite_pos(z.entry),
            file,
            "strategy.zscore.entry",
            "must be positive",
        )?;
        check(
            z.exit >= 0.0 && z.exit < z.entry,
            file,
            "strategy.zscore.exit",
            "must be in [0, entry)",
        )?;
        check(
            z.stop > z.entry,
            file,
            "strategy.zscore.stop",
            "must be above entry",
        )?;
        check(
            z.max_hold_secs >= 0.0,
            file,
            "strategy.zscore.max_hold_secs",
            "must be >= 0",
        )?;
        check(
            z.min_edge_ratio >= 0.0,
            file,
            "strategy.zscore.min_edge_ratio",
            "must be >= 0",
        )?;
        let k = &s.kalman;
        check(
            k.delta > 0.0 && k.delta < 1.0,
            file,
            "strategy.kalman.delta",
            "must be in (0, 1)",
        )?;
        check(
            finite_pos(k.observation_var),
            file,
            "strategy.kalman.observation_var",
            "must be positive",
        )?;
        check(
            finite_pos(k.entry_k),
            file,
            "strategy.kalman.entry_k",
            "must be positive",
        )?;
        check(
            k.exit_k >= 0.0 && k.exit_k < k.entry_k,
            file,
            "strategy.kalman.exit_k",
            "must be in [0, entry_k)",
        )?;
        check(
            self.pairs.len() <= 4096,
            file,
            "pairs",
            "at most 4096 pairs",
        )?;
        for (i, p) in self.pairs.iter().enumerate() {
            check(
                !p.a.is_empty(),
                file,
                &format!("pairs[{i}].a"),
                "must name a symbol",
            )?;
            check(
                !p.b.is_empty() && p.b != p.a,
                file,
                &format!("pairs[{i}].b"),
                "must name a symbol other than a",
            )?;
            if let Some(h) = p.hedge_ratio {
                check(
                    h.is_finite(),
                    file,
                    &format!("pairs[{i}].hedge_ratio"),
                    "must be finite",
                )?;
            }
            if let Some(sd) = p.spread_std {
                check(
                    sd.is_finite() && sd >= 0.0,
                    file,
                    &format!("pairs[{i}].spread_std"),
                    "must be >= 0",
                )?;
            }
        }
        let bs = &self.bootstrap;
        for (i, sym) in bs.universe.iter().enumerate() {
            let key = format!("bootstrap.universe[{i}]");
            check(
                !sym.is_empty() && sym.bytes().all(|b| b.is_ascii_graphic() && b != b','),
                file,
                &key,
                "must be a non-empty symbol without spaces or commas",
            )?;
            check(
                !bs.universe[..i].contains(sym),
                file,
                &key,
                "duplicate symbol",
            )?;
        }
        check(
            bs.universe.len() != 1 && bs.universe.len() <= 1000,
            file,
            "bootstrap.universe",
            "needs 2..=1000 symbols, or none for the symbols of [[pairs]]",
        )?;
        check(
            crate::bootstrap::bar_size_for(bs.bar_secs).is_ok(),
            file,
            "bootstrap.bar_secs",
            "must be an IB bar size: 1, 5, 10, 15, 30, 60, 120, 180, 300, 600, 900, 1200 or 1800",
        )?;
        // IB durations past one day are whole days; the paper gateway serves at most 100,000
        // bars per request.
        let requested_secs = if bs.duration_secs > 86_400.0 {
            (bs.duration_secs / 86_400.0).ceil() * 86_400.0
        } else {
            bs.duration_secs
        };
        check(
            bs.duration_secs.is_finite()
                && bs.duration_secs >= 30.0 * bs.bar_secs
                && requested_secs / bs.bar_secs <= 100_000.0,
            file,
            "bootstrap.duration_secs",
            "must span 30..=100000 bars of bootstrap.bar_secs (whole days past one day)",
        )?;
        let co = &self.costs;
        check(
            co.commission_per_share >= 0.0,
            file,
            "costs.commission_per_share",
            "must be >= 0",
        )?;
        check(
            co.commission_min >= 0.0,
            file,
            "costs.commission_min",
            "must be >= 0",
        )?;
        check(
            (1..=50).contains(&co.book_levels),
            file,
            "costs.book_levels",
            "must be in 1..=50",
        )?;
        check(
            self.engine.series_capacity <= 10_000_000,
            file,
            "engine.series_capacity",
            "at most 10,000,000 rows per pair",
        )?;
        check(
            self.engine.fills_capacity <= 10_000_000,
            file,
            "engine.fills_capacity",
            "at most 10,000,000 fills",
        )?;
        let e = &self.engine;
        check(
            e.cores.is_empty() || e.cores.len() == 4,
            file,
            "engine.cores",
            "must list 4 core ids (io, normalize, signal, dispatch) or be empty",
        )?;
        check(
            (16..=1 << 24).contains(&e.queue_capacity),
            file,
            "engine.queue_capacity",
            "must be in 16..=16777216",
        )?;
        check(
            e.duration_secs > 0.0 && e.duration_secs.is_finite(),
            file,
            "engine.duration_secs",
            "must be positive",
        )?;
        let r = &self.risk;
        check(
            r.max_order_qty >= 1.0,
            file,
            "risk.max_order_qty",
            "must be >= 1",
        )?;
        check(
            r.max_position >= 1.0,
            file,
            "risk.max_position",
            "must be >= 1",
        )?;
        check(
            r.max_open_orders >= 1,
            file,
            "risk.max_open_orders",
            "must be >= 1",
        )?;
        check(
            (1..=50).contains(&r.max_messages_per_sec),
            file,
            "risk.max_messages_per_sec",
            "must be in 1..=50 (IB's limit)",
        )?;
        check(
            (16..=1 << 22).contains(&r.max_orders),
            file,
            "risk.max_orders",
            "must be in 16..=4194304",
        )?;
        check(
            (100..=600_000).contains(&r.leg_timeout_ms),
            file,
            "risk.leg_timeout_ms",
            "must be in 100..=600000",
        )?;
        check(
            r.leg_retries <= 10,
            file,
            "risk.leg_retries",
            "must be at most 10",
        )?;
        check(
            r.max_daily_loss > 0.0 && r.max_daily_loss.is_finite(),
            file,
            "risk.max_daily_loss",
            "must be positive",
        )?;
        check(
            r.max_gross_notional > 0.0 && r.max_gross_notional.is_finite(),
            file,
            "risk.max_gross_notional",
            "must be positive",
        )?;
        check(
            (10..=3_600_000).contains(&r.max_quote_age_ms),
            file,
            "risk.max_quote_age_ms",
            "must be in 10..=3600000",
        )?;
        let c = &self.connection;
        check(
            c.reconnect_min_ms >= 1 && c.reconnect_min_ms <= c.reconnect_max_ms,
            file,
            "connection.reconnect_min_ms",
            "must be >= 1 and <= connection.reconnect_max_ms",
        )?;
        check(
            c.reconnect_max_ms <= 600_000,
            file,
            "connection.reconnect_max_ms",
            "must be at most 600000",
        )?;
        let n = &self.normalize;
        check(
            n.max_jump > 0.0 && n.max_jump.is_finite(),
            file,
            "normalize.max_jump",
            "must be positive",
        )?;
        check(
            n.jump_confirm_ticks >= 1,
            file,
            "normalize.jump_confirm_ticks",
            "must be >= 1",
        )?;
        Ok(())
    }

    /// Distinct symbols of all pairs, in order of first appearance.
    pub fn symbols(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.pairs {
            for s in [&p.a, &p.b] {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
        }
        out
    }
}

/// `HOST:PORT` with a numeric port (resolution is not attempted here).
fn is_host_port(s: &str) -> bool {
    s.rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_sections_are_validated_by_key() {
        for (from, to, key) in [
            (
                "max_messages_per_sec = 45",
                "max_messages_per_sec = 80",
                "risk.max_messages_per_sec",
            ),
            ("leg_retries = 2", "leg_retries = 99", "risk.leg_retries"),
            (
                "queue_capacity = 65536",
                "queue_capacity = 1",
                "engine.queue_capacity",
            ),
            ("max_jump = 0.05", "max_jump = -1.0", "normalize.max_jump"),
        ] {
            let bad = DEFAULT_PARAMS.replacen(from, to, 1);
            assert_ne!(bad, DEFAULT_PARAMS, "{from}");
            assert_eq!(
                EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
                key
            );
        }
    }

    #[test]
    fn shipped_param_files_are_valid() {
        EngineParams::from_toml("params/paper.toml", include_str!("../params/paper.toml")).unwrap();
    }

    #[test]
    fn embedded_engine_params_are_valid() {
        let p = EngineParams::embedded();
        assert_eq!(p.strategy.kind, StrategyKind::Zscore);
        assert_eq!(p.symbols(), ["SPY", "IVV", "KO", "PEP"]);
        let bad = DEFAULT_PARAMS.replacen("exit = 0.5", "exit = 3.0", 1);
        assert_eq!(
            EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
            "strategy.zscore.exit"
        );
        let bad = DEFAULT_PARAMS.replacen("kind = \"zscore\"", "kind = \"magic\"", 1);
        assert_eq!(
            EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
            "strategy.kind"
        );
    }

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
