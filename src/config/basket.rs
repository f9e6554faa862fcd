//! `[strategy.basket]` (the Avellaneda-Lee basket strategy's model and rules) and `[[baskets]]`
//! (the traded universes).

use super::{ParamsError, check};
use serde::Deserialize;

/// The most names one basket trades (IB's default 100 market-data lines): one dispatch ticket
/// carries every name of a rebalance (`types::MAX_BASKET_LEGS`, the same number; config imports
/// nothing of ours, so the strategy asserts the two agree).
pub const MAX_BASKET_NAMES: usize = 100;

/// The most baskets netted in one decision step (`strategy.basket.net_across_baskets`): the
/// dispatcher's step buffer holds this many (`dispatch::STEP_BASKETS`, the same number), so
/// the params refuse more baskets while netting is on rather than refuse rebalances at run time.
pub const MAX_NETTED_BASKETS: usize = 16;

/// The basket strategy's model and rules (`kind = "basket"`). Rows are grid rows
/// (`strategy.grid_secs`); the model is refitted every `strategy.evaluation_secs` of event time.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BasketStrategyParams {
    /// Rows of returns in the correlation (PCA) window.
    pub factor_window: usize,
    /// The last rows of that window used by the residual regressions and the AR(1).
    pub residual_window: usize,
    /// Factors kept: a fixed count, or 0 for the fewest explaining `variance_explained`.
    pub factors: usize,
    /// With `factors = 0`: the fraction of variance the kept factors explain (the paper: 0.55).
    pub variance_explained: f64,
    /// Open long when the s-score falls below this (the paper: -1.25).
    pub open_long: f64,
    /// Open short when the s-score rises above this (the paper: 1.25).
    pub open_short: f64,
    /// Close a long when the s-score rises above this (the paper: -0.50).
    pub close_long: f64,
    /// Close a short when the s-score falls below this (the paper: 0.75).
    pub close_short: f64,
    /// Trade a name only when its mean-reversion time 1/kappa, in rows, is below this (0: half
    /// the residual window, the paper's rule).
    pub max_reversion_rows: f64,
    /// Dollars long or short per position in a name (its hedge follows its factor loadings).
    pub position_usd: f64,
    /// The value tilt's weight `w` (0: off): every rule compares `s - w z` with its threshold,
    /// `z` the name's value score from `fundamentals` standardised across the basket's names
    /// (higher = cheaper), so cheap names open long sooner and short later, rich names the
    /// reverse (`strategy::basket_value`).
    pub value_tilt: f64,
    /// The point-in-time fundamentals file of the value tilt (`date,symbol,pe,pb,...`,
    /// `pairs::valuation`); needed when `value_tilt > 0`, read at start-up; a relative path is
    /// taken from the current directory.
    pub fundamentals: String,
    /// Net the trades of baskets that decide on one quote per instrument before they are sent
    /// (`dispatch/netting.rs`: opposite trades cross internally at the mid, one order per name
    /// goes to the market). `false` sends each basket's orders on its own (for comparison).
    pub net_across_baskets: bool,
}

impl Default for BasketStrategyParams {
    fn default() -> Self {
        BasketStrategyParams {
            factor_window: 120,
            residual_window: 60,
            factors: 1,
            variance_explained: 0.55,
            open_long: -1.25,
            open_short: 1.25,
            close_long: -0.50,
            close_short: 0.75,
            max_reversion_rows: 0.0,
            position_usd: 10_000.0,
            value_tilt: 0.0,
            fundamentals: String::new(),
            net_across_baskets: true,
        }
    }
}

impl BasketStrategyParams {
    /// The bound on 1/kappa in rows (`max_reversion_rows`, or half the residual window).
    pub fn reversion_bound_rows(&self) -> f64 {
        if self.max_reversion_rows > 0.0 {
            self.max_reversion_rows
        } else {
            self.residual_window as f64 / 2.0
        }
    }

    /// Range checks; `prefix` is the section's key path (`strategy.basket`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            (3..=100_000).contains(&self.factor_window),
            file,
            &key("factor_window"),
            "must be in 3..=100000 rows",
        )?;
        check(
            self.residual_window >= 5 && self.residual_window <= self.factor_window,
            file,
            &key("residual_window"),
            "must be at least 5 rows and at most factor_window",
        )?;
        check(
            self.factors <= MAX_BASKET_NAMES && self.factors + 4 <= self.residual_window,
            file,
            &key("factors"),
            "must be at most 100 and at most residual_window - 4",
        )?;
        check(
            self.variance_explained > 0.0 && self.variance_explained <= 1.0,
            file,
            &key("variance_explained"),
            "must be in (0, 1]",
        )?;
        check(
            self.open_long < self.close_long && self.open_long.is_finite(),
            file,
            &key("open_long"),
            "must be finite and below close_long",
        )?;
        check(
            self.open_short > self.close_short && self.open_short.is_finite(),
            file,
            &key("open_short"),
            "must be finite and above close_short",
        )?;
        check(
            self.close_long.is_finite() && self.close_short.is_finite(),
            file,
            &key("close_long"),
            "close_long and close_short must be finite",
        )?;
        check(
            self.max_reversion_rows >= 0.0 && self.max_reversion_rows.is_finite(),
            file,
            &key("max_reversion_rows"),
            "must be >= 0 (0: half the residual window)",
        )?;
        check(
            self.position_usd > 0.0 && self.position_usd <= 1e9,
            file,
            &key("position_usd"),
            "must be in (0, 1e9]",
        )?;
        check(
            (0.0..=100.0).contains(&self.value_tilt),
            file,
            &key("value_tilt"),
            "must be in [0, 100] (0: no value tilt)",
        )?;
        check(
            self.value_tilt == 0.0 || !self.fundamentals.trim().is_empty(),
            file,
            &key("fundamentals"),
            "a value_tilt above 0 needs the fundamentals file",
        )
    }
}

/// One traded basket: its universe of names.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BasketParams {
    /// The names, 2 to 100 distinct symbols.
    pub symbols: Vec<String>,
}

impl BasketParams {
    /// Checks of one basket; `prefix` is its key path (`baskets[i]`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = format!("{prefix}.symbols");
        check(
            (2..=MAX_BASKET_NAMES).contains(&self.symbols.len()),
            file,
            &key,
            "a basket has 2 to 100 names",
        )?;
        for (i, s) in self.symbols.iter().enumerate() {
            check(!s.trim().is_empty(), file, &key, "a symbol is empty")?;
            check(
                !self.symbols[..i].contains(s),
                file,
                &key,
                &format!("{s} is named twice"),
            )?;
        }
        Ok(())
    }
}
