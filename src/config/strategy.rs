//! `[strategy]` (the model, its grid and window, `[strategy.zscore]`, `[strategy.kalman]`) and
//! `[[pairs]]` (the traded pairs and their bootstrapped statistics).

use super::{FilterParams, ParamsError, SeedParams, TrendTest, VarParams, check};
use serde::Deserialize;

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
    /// Entry and exit from a VAR or VECM forecast of the spread, fitted on the cold model thread
    /// (`[strategy.var]`).
    Var,
    /// Avellaneda-Lee baskets: PCA factors, AR(1) s-scores of the residuals, N-leg hedged
    /// positions, fitted on the cold model thread (`[strategy.basket]`, `[[baskets]]`).
    Basket,
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

/// The weighting of the z-score strategy's rolling moments (mean, variance, covariance, hedge
/// ratio), `strategy.kernel`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum KernelKind {
    /// Equal weights over `window_secs` (default).
    #[default]
    Rect,
    /// Exponential weights halving every `half_life_secs` (pandas `ewm(halflife, adjust=False)`
    /// on the grid).
    Ema,
}

/// Strategy parameters shared by all kinds, and each kind's own.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StrategyParams {
    /// Which model runs.
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
    /// Weighting of the z-score strategy's moments: `rect` (default) or `ema`.
    #[serde(default)]
    pub kernel: KernelKind,
    /// Half-life of the `ema` kernel, seconds (grid rows = half_life_secs / grid_secs). With
    /// `ema`, `window_secs` is the warm-up before the first decision.
    #[serde(default = "default_half_life_secs")]
    pub half_life_secs: f64,
    /// Shares of leg A per entry.
    #[serde(default = "default_base_qty")]
    pub base_qty: u32,
    /// How the quantity of leg B follows from leg A.
    #[serde(default = "default_sizing")]
    pub sizing: Sizing,
    /// Thresholds of the z-score model.
    #[serde(default)]
    pub zscore: ZScoreParams,
    /// Parameters of the Kalman model.
    #[serde(default)]
    pub kalman: KalmanParams,
    /// Parameters of the VAR / VECM model.
    #[serde(default)]
    pub var: VarParams,
    /// Cold-thread filters any kind can enable (breaks, Markov regime, trend test).
    #[serde(default)]
    pub filters: FilterParams,
    /// The seed model's options.
    #[serde(default)]
    pub seed: SeedParams,
    /// The basket strategy's model and rules.
    #[serde(default)]
    pub basket: super::BasketStrategyParams,
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
fn default_half_life_secs() -> f64 {
    900.0
}
fn default_base_qty() -> u32 {
    100
}
fn default_sizing() -> Sizing {
    Sizing::Beta
}

impl StrategyParams {
    /// Range checks, including `zscore` and `kalman`; `prefix` is the section's key path
    /// (`strategy`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            finite_pos(self.grid_secs),
            file,
            &key("grid_secs"),
            "must be positive",
        )?;
        check(
            finite_pos(self.window_secs) && self.window_secs >= 2.0 * self.grid_secs,
            file,
            &key("window_secs"),
            "must be at least two grid steps",
        )?;
        check(
            self.window_secs / self.grid_secs <= 1_000_000.0,
            file,
            &key("window_secs"),
            "at most 1,000,000 grid steps per window",
        )?;
        check(
            self.evaluation_secs >= 0.0 && self.evaluation_secs.is_finite(),
            file,
            &key("evaluation_secs"),
            "must be >= 0",
        )?;
        check(
            finite_pos(self.half_life_secs) && self.half_life_secs / self.grid_secs <= 1_000_000.0,
            file,
            &key("half_life_secs"),
            "must be positive and at most 1,000,000 grid steps",
        )?;
        check(
            self.base_qty >= 1 && self.base_qty <= 1_000_000,
            file,
            &key("base_qty"),
            "must be in 1..=1000000",
        )?;
        self.zscore.validate(file, &key("zscore"))?;
        let hurst_rows = self.zscore.hurst_window_secs / self.grid_secs;
        check(
            self.zscore.max_hurst == 0.0 || (64.0..=1_000_000.0).contains(&hurst_rows),
            file,
            &key("zscore.hurst_window_secs"),
            "must span 64 to 1,000,000 grid steps when max_hurst is set",
        )?;
        self.kalman.validate(file, &key("kalman"))?;
        let window_rows = self.window_secs / self.grid_secs;
        if self.kind == StrategyKind::Var {
            self.var
                .validate(file, &key("var"), window_rows, self.grid_secs)?;
        }
        if self.kind == StrategyKind::Basket {
            self.basket.validate(file, &key("basket"))?;
        }
        self.filters
            .validate(file, &key("filters"), self.window_secs, self.grid_secs)
    }

    /// Whether the pair needs fits on the cold model thread: the `var` kind, a filter, or the
    /// seed model's variance-ratio trend.
    pub fn needs_model_thread(&self) -> bool {
        self.kind == StrategyKind::Var
            || self.filters.any()
            || (self.kind == StrategyKind::Seed && self.seed.trend != TrendTest::Off)
    }
}

/// Positive and finite.
fn finite_pos(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Thresholds of the z-score strategy.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ZScoreParams {
    /// Enter when |z| exceeds this.
    pub entry: f64,
    /// Exit when the spread comes back within this many standard deviations of its mean.
    pub exit: f64,
    /// Stop out when |z| exceeds this.
    pub stop: f64,
    /// Close a position held longer than this (seconds of event time; 0 = never).
    pub max_hold_secs: f64,
    /// Enter only if the expected move to the exit level covers this multiple of the round-trip
    /// cost (bid-ask spreads and commissions of both legs).
    pub min_edge_ratio: f64,
    /// Regime filter: no new entry while the Hurst exponent (DFA-1) of the spread's changes over
    /// the last `hurst_window_secs` is above this (the spread trends), nor before that window is
    /// full; 0 = off (default).
    pub max_hurst: f64,
    /// Window of the regime filter's Hurst exponent, seconds (at least 64 grid steps).
    pub hurst_window_secs: f64,
}

impl Default for ZScoreParams {
    fn default() -> Self {
        ZScoreParams {
            entry: 2.0,
            exit: 0.5,
            stop: 4.0,
            max_hold_secs: 3600.0,
            min_edge_ratio: 1.0,
            max_hurst: 0.0,
            hurst_window_secs: 600.0,
        }
    }
}

impl ZScoreParams {
    /// Range and ordering checks; `prefix` is the section's key path (`strategy.zscore`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            finite_pos(self.entry),
            file,
            &key("entry"),
            "must be positive",
        )?;
        check(
            self.exit >= 0.0 && self.exit < self.entry,
            file,
            &key("exit"),
            "must be in [0, entry)",
        )?;
        check(
            self.stop > self.entry,
            file,
            &key("stop"),
            "must be above entry",
        )?;
        check(
            self.max_hold_secs >= 0.0,
            file,
            &key("max_hold_secs"),
            "must be >= 0",
        )?;
        check(
            (0.0..1.0).contains(&self.max_hurst),
            file,
            &key("max_hurst"),
            "must be in [0, 1) (0 = off)",
        )?;
        check(
            self.min_edge_ratio >= 0.0,
            file,
            &key("min_edge_ratio"),
            "must be >= 0",
        )
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

impl KalmanParams {
    /// Range checks; `prefix` is the section's key path (`strategy.kalman`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.delta > 0.0 && self.delta < 1.0,
            file,
            &key("delta"),
            "must be in (0, 1)",
        )?;
        check(
            finite_pos(self.observation_var),
            file,
            &key("observation_var"),
            "must be positive",
        )?;
        check(
            finite_pos(self.entry_k),
            file,
            &key("entry_k"),
            "must be positive",
        )?;
        check(
            self.exit_k >= 0.0 && self.exit_k < self.entry_k,
            file,
            &key("exit_k"),
            "must be in [0, entry_k)",
        )
    }
}

/// A traded pair and, after the bootstrap, its initial statistics.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PairParams {
    /// Symbol of leg A.
    pub a: String,
    /// Symbol of leg B.
    pub b: String,
    /// Initial hedge ratio (B per A), as estimated by `hft bootstrap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hedge_ratio: Option<f64>,
    /// Initial intercept of the spread, as estimated by `hft bootstrap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intercept: Option<f64>,
    /// Mean of the spread over the bootstrap's history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_mean: Option<f64>,
    /// Standard deviation of the spread over the bootstrap's history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_std: Option<f64>,
    /// Half-life of the spread's mean reversion over that history, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_life_secs: Option<f64>,
    /// How this pair's orders are priced (default: `execution.policy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<super::Policy>,
    /// The leg whose price does not answer the spread (the smaller share of its error
    /// correction, `pairs::ErrorCorrection`), as estimated by `hft bootstrap`; the leg
    /// a `passive_leg = "leader"` trade rests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<PairLeg>,
}

/// One of a pair's two legs, as written in params (`"a"` or `"b"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairLeg {
    /// Leg A.
    A,
    /// Leg B.
    B,
}

impl PairLeg {
    /// The leg's index in the pair's orders (A first).
    pub fn index(self) -> u8 {
        match self {
            PairLeg::A => 0,
            PairLeg::B => 1,
        }
    }
}

impl PairParams {
    /// Checks of one pair; `prefix` is its key path (`pairs[i]`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(!self.a.is_empty(), file, &key("a"), "must name a symbol")?;
        check(
            !self.b.is_empty() && self.b != self.a,
            file,
            &key("b"),
            "must name a symbol other than a",
        )?;
        if let Some(h) = self.hedge_ratio {
            check(h.is_finite(), file, &key("hedge_ratio"), "must be finite")?;
        }
        if let Some(sd) = self.spread_std {
            check(
                sd.is_finite() && sd >= 0.0,
                file,
                &key("spread_std"),
                "must be >= 0",
            )?;
        }
        Ok(())
    }
}
