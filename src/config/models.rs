//! `[strategy.var]` (the VAR / VECM strategy), `[strategy.filters]` (the cold-thread filters any
//! strategy can enable: structural breaks, a Markov-switching regime, a variance-ratio trend
//! test) and `[strategy.seed]` (the seed model's trend test).

use super::{ParamsError, check};
use serde::Deserialize;

/// Which model the `var` strategy fits (`strategy.var.model`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VarModel {
    /// A VECM when the Johansen trace test rejects rank 0 at 95 %, else a VAR in differences
    /// (default).
    #[default]
    Auto,
    /// Always a VAR on the legs' differences.
    Var,
    /// Always a VECM of rank 1 (constant inside the cointegration relation).
    Vecm,
}

/// Where the `var` strategy's hedge ratio comes from (`strategy.var.hedge`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VarHedge {
    /// OLS of A on B over the fit window (default).
    #[default]
    Ols,
    /// The VAR's innovations: `cov(u_A, u_B) / var(u_B)` (the minimum-variance hedge of the
    /// one-step surprises).
    Var,
    /// The VECM's cointegration vector (OLS when the fit is a VAR).
    Coint,
}

/// The information criterion that picks the lag order (`strategy.var.criterion`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LagCriterion {
    Aic,
    /// Default.
    #[default]
    Bic,
    Hqic,
}

/// Parameters of the `var` strategy: fitted on the cold model thread over the last
/// `strategy.window_secs` of grid rows, every `refit_secs`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct VarParams {
    /// VAR, VECM, or the Johansen test decides.
    pub model: VarModel,
    /// The hedge ratio of the traded spread.
    pub hedge: VarHedge,
    /// Lag order chosen by this criterion.
    pub criterion: LagCriterion,
    /// Largest lag order tried (1..=8).
    pub max_lags: usize,
    /// Forecast horizon, grid rows (1..=64).
    pub horizon: usize,
    /// Refit every this many seconds of event time (at least `grid_secs`).
    pub refit_secs: f64,
    /// Enter when the forecast change of the spread exceeds this many standard deviations of
    /// its forecast error.
    pub entry: f64,
    /// Exit when it comes back below this (a long spread), above minus this (a short one).
    pub exit: f64,
    /// Close a position held longer than this (seconds; 0 = never).
    pub max_hold_secs: f64,
    /// Enter only if the forecast change covers this multiple of the round-trip cost.
    pub min_edge_ratio: f64,
}

impl Default for VarParams {
    fn default() -> Self {
        VarParams {
            model: VarModel::Auto,
            hedge: VarHedge::Ols,
            criterion: LagCriterion::Bic,
            max_lags: 4,
            horizon: 1,
            refit_secs: 300.0,
            entry: 2.0,
            exit: 0.5,
            max_hold_secs: 3600.0,
            min_edge_ratio: 1.0,
        }
    }
}

/// The largest `strategy.var.max_lags`.
pub const MAX_VAR_LAGS: usize = 8;

impl VarParams {
    /// Range checks; `prefix` is the section's key path (`strategy.var`); `window_rows` the fit
    /// window in grid rows.
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(
        &self,
        file: &str,
        prefix: &str,
        window_rows: f64,
        grid_secs: f64,
    ) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            (1..=MAX_VAR_LAGS).contains(&self.max_lags),
            file,
            &key("max_lags"),
            "must be in 1..=8",
        )?;
        check(
            window_rows >= (20 * (self.max_lags + 1)) as f64,
            file,
            &key("max_lags"),
            "the fit window (strategy.window_secs) must hold at least 20 x (max_lags + 1) grid rows",
        )?;
        check(
            (1..=64).contains(&self.horizon),
            file,
            &key("horizon"),
            "must be in 1..=64",
        )?;
        check(
            self.refit_secs.is_finite() && self.refit_secs >= grid_secs,
            file,
            &key("refit_secs"),
            "must be at least strategy.grid_secs",
        )?;
        check(
            self.entry.is_finite() && self.entry > 0.0,
            file,
            &key("entry"),
            "must be positive",
        )?;
        check(
            self.exit.is_finite() && self.exit < self.entry && self.exit > -self.entry,
            file,
            &key("exit"),
            "must be in (-entry, entry)",
        )?;
        check(
            self.max_hold_secs >= 0.0,
            file,
            &key("max_hold_secs"),
            "must be >= 0",
        )?;
        check(
            self.min_edge_ratio >= 0.0,
            file,
            &key("min_edge_ratio"),
            "must be >= 0",
        )
    }
}

/// Which structural-break test guards a pair (`strategy.filters.breaks`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BreakTest {
    /// No break test (default).
    #[default]
    Off,
    /// OLS-CUSUM on the residuals of the cointegrating regression over the fit window; the
    /// break is placed at the largest cumulative sum.
    Cusum,
    /// Chow at the latest candidate: `break_recent_secs` before the snapshot's end.
    Chow,
}

/// The trend test of a regime filter (`strategy.filters.trend`, `strategy.seed.trend`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TrendTest {
    /// No test (the filter default; the seed model then keeps its volatility ratio).
    #[default]
    Off,
    /// The Lo-MacKinlay variance ratio (overlapping, robust) of the spread at `vr_lags`:
    /// trending when its z statistic is above `vr_max_stat`.
    VarianceRatio,
}

/// Cold-thread filters on a pair, for any strategy kind (`[strategy.filters]`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FilterParams {
    /// Structural-break test on the cointegrating regression `A = a + b B`.
    pub breaks: BreakTest,
    /// A break is declared when the test's p-value is below this.
    pub break_pvalue: f64,
    /// Chow's candidate: this many seconds before the end of the fit window.
    pub break_recent_secs: f64,
    /// Close an open position when a break is found (else only entries stop).
    pub flatten_on_break: bool,
    /// After a break, the fits use only rows from the break on, and entries resume once this
    /// many seconds of rows follow it.
    pub break_resume_secs: f64,
    /// The spread's trend test.
    pub trend: TrendTest,
    /// Horizon of the variance ratio, grid rows.
    pub vr_lags: usize,
    /// Trending (no entries) when the variance ratio's z statistic exceeds this.
    pub vr_max_stat: f64,
    /// Fit a two-state Markov-switching AR(1) to the spread; entries only while the filtered
    /// probability of its mean-reverting state (the smaller AR coefficient) is at least
    /// `markov_min_prob`.
    pub markov: bool,
    /// See `markov`.
    pub markov_min_prob: f64,
    /// Refit the filters every this many seconds of event time.
    pub refit_secs: f64,
}

impl Default for FilterParams {
    fn default() -> Self {
        FilterParams {
            breaks: BreakTest::Off,
            break_pvalue: 1e-4,
            break_recent_secs: 120.0,
            flatten_on_break: false,
            break_resume_secs: 1800.0,
            trend: TrendTest::Off,
            vr_lags: 8,
            vr_max_stat: 1.96,
            markov: false,
            markov_min_prob: 0.5,
            refit_secs: 300.0,
        }
    }
}

impl FilterParams {
    /// Whether any filter needs the cold thread.
    pub fn any(&self) -> bool {
        self.breaks != BreakTest::Off || self.trend != TrendTest::Off || self.markov
    }

    /// Range checks; `prefix` is the section's key path (`strategy.filters`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(
        &self,
        file: &str,
        prefix: &str,
        window_secs: f64,
        grid_secs: f64,
    ) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.break_pvalue > 0.0 && self.break_pvalue < 1.0,
            file,
            &key("break_pvalue"),
            "must be in (0, 1)",
        )?;
        check(
            self.breaks != BreakTest::Chow
                || (self.break_recent_secs >= 3.0 * grid_secs
                    && self.break_recent_secs <= window_secs - 3.0 * grid_secs),
            file,
            &key("break_recent_secs"),
            "must leave three grid rows on each side within strategy.window_secs",
        )?;
        check(
            self.break_resume_secs.is_finite() && self.break_resume_secs >= 0.0,
            file,
            &key("break_resume_secs"),
            "must be >= 0",
        )?;
        check(
            (2..=1000).contains(&self.vr_lags)
                && (self.trend == TrendTest::Off
                    || ((2 * self.vr_lags + 2) as f64) <= window_secs / grid_secs),
            file,
            &key("vr_lags"),
            "must be in 2..=1000 with 2 vr_lags + 2 rows in strategy.window_secs",
        )?;
        check(
            self.vr_max_stat.is_finite(),
            file,
            &key("vr_max_stat"),
            "must be finite",
        )?;
        check(
            (0.0..=1.0).contains(&self.markov_min_prob),
            file,
            &key("markov_min_prob"),
            "must be in [0, 1]",
        )?;
        check(
            self.refit_secs.is_finite() && self.refit_secs >= grid_secs,
            file,
            &key("refit_secs"),
            "must be at least strategy.grid_secs",
        )
    }
}

/// The seed model's options (`[strategy.seed]`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SeedParams {
    /// `off` (default): the original volatility ratio stands for "trend";
    /// `variance_ratio`: a real trend test of the spread `A - beta B` replaces it, with
    /// `strategy.filters.vr_lags` and `vr_max_stat` (trending above, reverting below minus it).
    pub trend: TrendTest,
}
