//! Parameter files (`params/*.toml`): loading, defaults and validation.
//!
//! Every tunable lives in a TOML file. Unknown keys and out-of-range values are errors that name
//! the key path and the file; the CLI turns them into exit status 2.
//!
//! This module is a leaf: it imports nothing else of the crate, so every other module may use
//! it. The sections live beside their checks:
//!
//! - [`EngineParams`] (`params/default.toml`): `[connection]` (`connection.rs`), `[strategy]`
//!   and `[[pairs]]` (`strategy.rs`), `[strategy.var]`, `[strategy.filters]` and
//!   `[strategy.seed]` (`models.rs`), `[costs]` and `[risk]` (`risk.rs`), `[engine]` and
//!   `[normalize]` (`engine.rs`), `[bootstrap]` (`bootstrap.rs`);
//! - [`SimParams`] (`params/sim.toml`): `[gateway]`, `[market]`, `[[market.symbols]]` and
//!   `[replay]` (`sim.rs`), `[faults]` (`faults.rs`), `[orderflow]` (`orderflow.rs`).
//!
//! Each section has `validate(&self, file, prefix)`, where `prefix` is the section's key path;
//! the top-level `validate` calls them in file order and returns the first problem.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::Path;

mod backtest;
mod basket;
mod bootstrap;
mod connection;
mod engine;
mod execution;
mod faults;
mod models;
mod orderflow;
mod risk;
mod sim;
mod strategy;

pub use backtest::BacktestParams;
pub use basket::{BasketParams, BasketStrategyParams, MAX_BASKET_NAMES, MAX_NETTED_BASKETS};
pub use bootstrap::{BootstrapParams, bar_size_for};
pub use connection::ConnectionParams;
pub use engine::{EngineSection, FsyncPolicy, NormalizeParams, QueuePolicy, WaitStrategy};
pub use execution::{
    AdaptivePriority, ComboPrice, ExecutionParams, PassiveLeg, PassivePrice, Policy, RestRule,
};
pub use faults::FaultParams;
pub use models::{
    BreakTest, FilterParams, LagCriterion, MAX_VAR_LAGS, SeedParams, TrendTest, VarHedge, VarModel,
    VarParams,
};
pub use orderflow::{ORDERFLOW_REJECT_CODES, OrderMoment, OrderflowParams};
pub use risk::{CostParams, RiskParams};
pub use sim::{GatewayParams, MarketParams, ReplayParams, SymbolParams};
pub use strategy::{
    KalmanParams, KernelKind, PairLeg, PairParams, Sizing, StrategyKind, StrategyParams,
    ZScoreParams,
};

/// The engine's embedded default parameters (`params/default.toml`).
pub const DEFAULT_PARAMS: &str = include_str!("../../params/default.toml");
/// The paper gateway's embedded default parameters (`params/sim.toml`).
pub const DEFAULT_SIM_PARAMS: &str = include_str!("../../params/sim.toml");

/// Default largest accepted TWS frame body: 1 MiB (`gateway.max_frame_bytes`, and the engine's
/// frame reader).
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;

/// A parameter file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: key `{key}`: {message}")]
pub struct ParamsError {
    /// The file (or `<embedded ...>` for built-in defaults).
    pub file: String,
    /// Dotted key path, e.g. `market.symbols[2].price`.
    pub key: String,
    /// What is wrong with the value.
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
/// use hft::config::{parse, SimParams};
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
    /// Session rules and fees (`[gateway]`).
    #[serde(default)]
    pub gateway: GatewayParams,
    /// The synthetic market (`[market]`).
    pub market: MarketParams,
    /// A recorded quote file replayed instead of the synthetic feed (`[replay]`).
    #[serde(default)]
    pub replay: Option<ReplayParams>,
    /// Injected faults (all off by default).
    #[serde(default)]
    pub faults: FaultParams,
    /// The message orderings of real TWS, on request (all off by default).
    #[serde(default)]
    pub orderflow: OrderflowParams,
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
        self.gateway.validate(file, "gateway")?;
        self.market.validate(file, "market")?;
        // A replay brings its own symbols; only the synthetic feed needs some.
        check(
            !self.market.symbols.is_empty() || self.replay.is_some(),
            file,
            "market.symbols",
            "needs at least one symbol",
        )?;
        if let Some(replay) = &self.replay {
            replay.validate(file, "replay")?;
        }
        self.faults.validate(file, "faults")?;
        self.orderflow.validate(file, "orderflow")
    }
}

/// Parameters of the engine, the backtest and the bootstrap (`params/default.toml`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EngineParams {
    /// Where the engine connects (`[connection]`).
    #[serde(default)]
    pub connection: ConnectionParams,
    /// The model and its thresholds (`[strategy]`).
    pub strategy: StrategyParams,
    /// The traded pairs (leg A, leg B); `hft bootstrap` fills in their statistics.
    #[serde(default)]
    pub pairs: Vec<PairParams>,
    /// The traded baskets (`kind = "basket"`): each a universe of 2 to 100 names.
    #[serde(default)]
    pub baskets: Vec<BasketParams>,
    /// Commissions and the fill model (`[costs]`).
    #[serde(default)]
    pub costs: CostParams,
    /// Threads, queues and the run (`[engine]`).
    #[serde(default)]
    pub engine: EngineSection,
    /// Pre-trade limits (`[risk]`).
    #[serde(default)]
    pub risk: RiskParams,
    /// How pairs' orders are priced (`[execution]`).
    #[serde(default)]
    pub execution: ExecutionParams,
    /// The backtest's latencies (`[backtest]`).
    #[serde(default)]
    pub backtest: BacktestParams,
    /// The bad-tick filter (`[normalize]`).
    #[serde(default)]
    pub normalize: NormalizeParams,
    /// Pair selection by `hft bootstrap` (`[bootstrap]`).
    #[serde(default)]
    pub bootstrap: BootstrapParams,
}

impl EngineParams {
    /// The execution policy of each pair, in `pairs` order.
    pub fn pair_policies(&self) -> Vec<Policy> {
        self.pairs
            .iter()
            .map(|p| p.execution.unwrap_or(self.execution.policy))
            .collect()
    }

    /// Each pair's leader as a leg index (0: A, 1: B), `None` where params do not give one.
    pub fn pair_leaders(&self) -> Vec<Option<u8>> {
        self.pairs
            .iter()
            .map(|p| p.leader.map(PairLeg::index))
            .collect()
    }

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
        self.connection.validate(file, "connection")?;
        self.strategy.validate(file, "strategy")?;
        check(
            self.pairs.len() <= 4096,
            file,
            "pairs",
            "at most 4096 pairs",
        )?;
        for (i, pair) in self.pairs.iter().enumerate() {
            pair.validate(file, &format!("pairs[{i}]"))?;
        }
        let policies = self.pair_policies();
        for (i, pair) in self.pairs.iter().enumerate() {
            check(
                policies[i] != Policy::Passive
                    || self.execution.passive_leg != PassiveLeg::Leader
                    || pair.leader.is_some(),
                file,
                &format!("pairs[{i}].leader"),
                &format!(
                    "pair {}/{} trades the passive policy with execution.passive_leg = \"leader\", \
                     which needs the pair's leader (\"a\" or \"b\"; `hft bootstrap` estimates it)",
                    pair.a, pair.b
                ),
            )?;
        }
        let basket = self.strategy.kind == StrategyKind::Basket;
        check(
            basket || self.baskets.is_empty(),
            file,
            "baskets",
            "baskets trade only with strategy.kind = \"basket\"",
        )?;
        check(
            !basket || self.pairs.is_empty(),
            file,
            "pairs",
            "strategy.kind = \"basket\" trades [[baskets]], not pairs",
        )?;
        check(
            self.baskets.len() <= 256,
            file,
            "baskets",
            "at most 256 baskets",
        )?;
        check(
            !(basket && self.strategy.basket.net_across_baskets)
                || self.baskets.len() <= MAX_NETTED_BASKETS,
            file,
            "baskets",
            &format!(
                "at most {MAX_NETTED_BASKETS} baskets with strategy.basket.net_across_baskets = \
                 true (one decision step nets that many); set it to false to trade more"
            ),
        )?;
        check(
            !basket || !matches!(self.execution.policy, Policy::Passive | Policy::Combo),
            file,
            "execution.policy",
            "baskets trade each leg with market, marketable_limit or adaptive orders; passive \
             (one resting leg hedged by the other) and combo (one BAG of two legs) are pair \
             policies",
        )?;
        for (i, b) in self.baskets.iter().enumerate() {
            b.validate(file, &format!("baskets[{i}]"))?;
        }
        self.bootstrap.validate(file, "bootstrap")?;
        self.costs.validate(file, "costs")?;
        self.engine.validate(file, "engine")?;
        self.risk.validate(file, "risk")?;
        self.execution.validate(file, "execution")?;
        self.backtest.validate(file, "backtest")?;
        self.normalize.validate(file, "normalize")
    }

    /// Distinct symbols of all pairs and baskets, in order of first appearance.
    pub fn symbols(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let pairs = self.pairs.iter().flat_map(|p| [&p.a, &p.b]);
        for s in pairs.chain(self.baskets.iter().flat_map(|b| &b.symbols)) {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    }

    /// How many strategy slots trade: pairs, then baskets (dispatch numbers them so).
    pub fn slots(&self) -> usize {
        self.pairs.len() + self.baskets.len()
    }
}

#[cfg(test)]
mod tests;
