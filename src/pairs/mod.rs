//! Pair selection: which symbols of a universe move together closely enough to trade as pairs.
//!
//! Every pair of a universe of aligned close series is scored two ways:
//!
//! - **Correlation** of simple returns (Pearson).
//! - **Engle-Granger cointegration** (Engle & Granger, 1987, "Co-integration and error correction:
//!   representation, estimation, and testing", *Econometrica* 55(2), 251-276), as statsmodels
//!   `coint(a, b, trend="c", autolag="aic")`. First the cointegrating regression, OLS with a
//!   constant of leg A on leg B: `a[t] = α + β b[t] + e[t]`. Then an augmented Dickey-Fuller test
//!   (Dickey & Fuller, 1979, *JASA* 74(366), 427-431) on the residuals, without a constant (the
//!   residuals have mean zero by construction):
//!   `Δe[t] = γ e[t-1] + φ1 Δe[t-1] + … + φk Δe[t-k] + u[t]`; the statistic is the t ratio of `γ`.
//!
//! **Lags** ([`AdfLags`]): chosen by AIC up to Schwert's maximum, as statsmodels
//! `adfuller(e, maxlag=None, regression="n", autolag="AIC")` (the default, `adf.rs`), or a fixed
//! number (`hft analyze` uses 0, the plain Dickey-Fuller regression).
//!
//! **p-values** are MacKinnon's (1994) approximate asymptotic p-values for two variables with a
//! constant ([`eg_p_value`], statsmodels `mackinnonp(stat, "c", N=2)`), and
//! [`eg_critical_values`] gives MacKinnon's (2010) finite-sample critical values for reference
//! (`mackinnon.rs`). The residuals are estimated, so the plain Dickey-Fuller table would be far too
//! lenient.
//!
//! **Regression direction: both are reported.** The test is not symmetric: A on B and B on A give
//! different statistics. [`analyze_pair`] regresses its first argument on its second. The ranking
//! ([`rank_universe`]) fits both orderings of every pair and reports both (`adf_stat`, `p_value`
//! for the ordering shown as `a` on `b`, the one with the smaller p-value; `reverse_*` for the
//! other). The pair's own p-value is the **larger** of the two (`pair_p_value`): the pair counts as
//! cointegrated only when both regressions reject, an intersection test that keeps the nominal
//! size without depending on which leg was put on the left (taking the better of the two, as this
//! module did before, rejected 9 % of independent random walks at a nominal 5 %).
//!
//! **False discoveries.** With hundreds of symbols the tests number in the hundred thousands, and at
//! 5 % thousands of unrelated pairs would pass by chance. The pair p-values of all
//! `n (n - 1) / 2` pairs of the universe (a pair without a defined statistic counts as p = 1) are
//! adjusted by Benjamini-Hochberg ([`benjamini_hochberg`], statsmodels `multipletests(p,
//! method="fdr_bh")`, `fdr.rs`): `q_value`; the pairs with `q_value <= fdr` are the discoveries
//! (`discovered`), the ones [`select_pairs`] and `hft bootstrap` keep. `passes` is the single test
//! at a level (`pair_p_value < level`), without multiplicity control.
//!
//! **Scale.** The pairs are scored on scoped threads that take chunks of 64 pairs from a shared
//! counter; each pair's result depends only on its two columns, and the ranking is sorted by a
//! total order afterwards, so the output is identical for any thread count (`rank.rs`).
//!
//! For each pair: hedge ratio `β`, intercept `α`, the spread `s[t] = a[t] - β b[t]` (hold one
//! unit of A against `β` units of B) with its mean (equal to `α`) and sample standard deviation,
//! and the half-life of mean reversion of the spread, in rows: `-ln 2 / λ` with `λ` the slope of
//! `Δs[t]` on `s[t-1]` (with a constant), `None` when `λ ≥ 0`.
//!
//! Cold path: allocation is fine; numerics are f64 with centered sums, and no NaN or infinity is
//! ever returned (undefined statistics give `None`).

mod adf;
mod csv;
mod fdr;
mod leader;
mod mackinnon;
mod rank;
mod stats;
pub mod valuation;

pub use adf::{Adf, AdfLags, adf, schwert_maxlag};
pub use csv::{CsvError, read_closes_csv};
pub use fdr::benjamini_hochberg;
pub use leader::ErrorCorrection;
pub use mackinnon::{eg_critical_values, eg_p_value};
pub use rank::{
    RankOptions, Ranking, rank_pairs, rank_pairs_with_lags, rank_universe, select_pairs,
};
pub use stats::{adf_no_constant, ols};

use serde::Serialize;

/// Significance level of the cointegration test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Significance {
    /// 1 %.
    P1,
    /// 5 % (the default).
    #[default]
    P5,
    /// 10 %.
    P10,
}

impl Significance {
    /// MacKinnon's (2010) asymptotic critical value of the Engle-Granger test for two variables
    /// with a constant in the cointegrating regression (Table 2, N = 2, case "c").
    ///
    /// # Examples
    /// ```
    /// use hft::pairs::Significance;
    /// assert_eq!(Significance::P5.critical_value(), -3.33613);
    /// assert!(Significance::P1.critical_value() < Significance::P10.critical_value());
    /// ```
    pub fn critical_value(self) -> f64 {
        match self {
            Significance::P1 => -3.89644,
            Significance::P5 => -3.33613,
            Significance::P10 => -3.04445,
        }
    }

    /// The level for a percentage: 1, 5 or 10.
    ///
    /// # Examples
    /// ```
    /// use hft::pairs::Significance;
    /// assert_eq!(Significance::from_percent(10), Some(Significance::P10));
    /// assert_eq!(Significance::from_percent(2), None);
    /// ```
    pub fn from_percent(percent: u8) -> Option<Self> {
        match percent {
            1 => Some(Significance::P1),
            5 => Some(Significance::P5),
            10 => Some(Significance::P10),
            _ => None,
        }
    }

    /// The level as a fraction (0.01, 0.05, 0.10): `passes` is `pair_p_value` below it.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(hft::pairs::Significance::P5.fraction(), 0.05);
    /// ```
    pub fn fraction(self) -> f64 {
        f64::from(self.percent()) / 100.0
    }

    /// The level as a percentage.
    ///
    /// # Examples
    /// ```
    /// use hft::pairs::Significance;
    /// assert_eq!(Significance::P1.percent(), 1);
    /// ```
    pub fn percent(self) -> u8 {
        match self {
            Significance::P1 => 1,
            Significance::P5 => 5,
            Significance::P10 => 10,
        }
    }
}

/// Statistics of one pair, leg `a` regressed on leg `b`:
/// `a(t) = intercept + hedge_ratio * b(t) + e(t)`. Every `f64` is finite.
///
/// # Examples
/// It serializes with its field names as keys (what `hft pairs --json` prints):
/// ```
/// use hft::pairs::PairStats;
/// let pair = PairStats {
///     a: "EWJ".into(),
///     b: "XLF".into(),
///     correlation: 0.6436,
///     hedge_ratio: 1.2859,
///     intercept: 23.7367,
///     adf_stat: -5.4473,
///     adf_lags: 0,
///     p_value: 2.9e-5,
///     reverse_adf_stat: Some(-5.0927),
///     reverse_adf_lags: Some(0),
///     reverse_p_value: Some(1.4e-4),
///     pair_p_value: 1.4e-4,
///     q_value: Some(3.3e-3),
///     spread_mean: 23.7367,
///     spread_std: 2.0296,
///     half_life: None,
///     error_correction: None,
///     passes: true,
///     discovered: true,
/// };
/// let json = serde_json::to_value(&pair).unwrap();
/// assert_eq!(json["hedge_ratio"], 1.2859);
/// assert!(json["half_life"].is_null());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairStats {
    /// The dependent leg (empty when the pair came from [`analyze_pair`], which has no names).
    pub a: String,
    /// The explanatory leg.
    pub b: String,
    /// Pearson correlation of the legs' simple returns.
    pub correlation: f64,
    /// `β`: units of B held against one unit of A.
    pub hedge_ratio: f64,
    /// `α`, the constant of the cointegrating regression.
    pub intercept: f64,
    /// Dickey-Fuller statistic (no constant) of the residuals of `a` on `b`; more negative is
    /// more strongly mean-reverting.
    pub adf_stat: f64,
    /// Lagged differences in that Dickey-Fuller regression.
    pub adf_lags: usize,
    /// MacKinnon's approximate p-value of `adf_stat` ([`eg_p_value`]).
    pub p_value: f64,
    /// The Dickey-Fuller statistic of the other ordering, `b` on `a` (`None` from
    /// [`analyze_pair`], which tests one ordering, or when that ordering is undefined).
    pub reverse_adf_stat: Option<f64>,
    /// Its lagged differences.
    pub reverse_adf_lags: Option<usize>,
    /// Its p-value.
    pub reverse_p_value: Option<f64>,
    /// The pair's p-value: the larger of `p_value` and `reverse_p_value` (both orderings must
    /// reject); `p_value` when only one ordering was tested.
    pub pair_p_value: f64,
    /// The Benjamini-Hochberg adjusted `pair_p_value` across every pair of the universe (`None`
    /// outside a ranking).
    pub q_value: Option<f64>,
    /// Mean of the spread `a - β b` (equal to `α` up to rounding).
    pub spread_mean: f64,
    /// Sample standard deviation (divisor `n - 1`) of the spread.
    pub spread_std: f64,
    /// Half-life of mean reversion of the spread in rows; `None` when it does not revert.
    pub half_life: Option<f64>,
    /// The legs' error-correction loadings on the lagged spread ([`ErrorCorrection`]: which leg
    /// answers the spread and which leads); `None` when undefined.
    pub error_correction: Option<ErrorCorrection>,
    /// Whether `pair_p_value` is below the level asked for (one test, no multiplicity control).
    pub passes: bool,
    /// Whether `q_value` is at most the false-discovery rate asked for (false outside a ranking).
    pub discovered: bool,
}

/// Scores one pair with a fixed number of lags: see [`analyze_pair_with`].
///
/// # Examples
/// ```
/// use hft::pairs::{analyze_pair, Significance};
/// // B wanders; A = 5 + 2 B + stationary noise (a deterministic hash standing in for draws).
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract();
/// let b: Vec<f64> = (0..500).map(|t| 100.0 + 10.0 * (t as f64 / 40.0).sin() + noise(t + 1000)).collect();
/// let a: Vec<f64> = b.iter().enumerate().map(|(t, x)| 5.0 + 2.0 * x + noise(t)).collect();
/// let pair = analyze_pair(&a, &b, Significance::P5, 0).unwrap();
/// assert!((pair.hedge_ratio - 2.0).abs() < 0.05);
/// assert!(pair.passes && pair.adf_stat < -10.0 && pair.p_value < 1e-10);
/// assert!(pair.half_life.unwrap() < 2.0);
///
/// assert_eq!(analyze_pair(&a, &vec![7.0; 500], Significance::P5, 0), None);
/// ```
pub fn analyze_pair(a: &[f64], b: &[f64], level: Significance, lags: usize) -> Option<PairStats> {
    analyze_pair_with(a, b, level, AdfLags::Fixed(lags))
}

/// Scores one pair: leg `a` regressed on leg `b` (see the [module docs](self) for the method),
/// with the Dickey-Fuller lags per `lags`. `passes` compares `p_value` with `level`; the
/// `reverse_*` fields and `q_value` are `None` and `discovered` false (a ranking fills them).
///
/// The returned `a` and `b` names are empty; the ranking fills them in.
///
/// Returns `None` when a statistic is undefined: the series differ in length or are too short
/// for the regressions (fewer than `lags + 4` points), a value is not finite, a price is zero,
/// either leg (or its returns) is constant, or `a` is an exact linear function of `b`.
///
/// # Examples
/// ```
/// use hft::pairs::{AdfLags, Significance, analyze_pair_with};
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract();
/// let b: Vec<f64> = (0..300).scan(50.0, |p, t| { *p += noise(t + 77) - 0.5; Some(*p) }).collect();
/// let a: Vec<f64> = b.iter().enumerate().map(|(t, x)| 1.0 + x + noise(t)).collect();
/// let pair = analyze_pair_with(&a, &b, Significance::P5, AdfLags::Aic).unwrap();
/// assert!(pair.adf_lags <= 16 && (pair.hedge_ratio - 1.0).abs() < 0.1);
/// assert_eq!(pair.pair_p_value, pair.p_value);
/// assert!(pair.reverse_p_value.is_none() && pair.q_value.is_none());
/// ```
pub fn analyze_pair_with(
    a: &[f64],
    b: &[f64],
    level: Significance,
    lags: AdfLags,
) -> Option<PairStats> {
    let min_len = match lags {
        AdfLags::Fixed(k) => k + 4,
        AdfLags::Aic => 4,
    };
    if a.len() != b.len() || a.len() < min_len {
        return None;
    }
    let correlation = stats::returns_correlation(a, b)?;
    let (hedge_ratio, intercept) = ols(b, a)?;
    let residuals: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(y, x)| y - intercept - hedge_ratio * x)
        .collect();
    if stats::perfect_fit(&residuals, a) {
        return None;
    }
    let test = adf(&residuals, lags)?;
    let spread_mean = stats::mean(
        &a.iter()
            .zip(b)
            .map(|(y, x)| y - hedge_ratio * x)
            .collect::<Vec<f64>>(),
    );
    // The residuals are the spread less its mean, without the cancellation of a large intercept.
    let spread_std = stats::sample_std(&residuals)?;
    let half_life = stats::half_life(&residuals);
    let error_correction = ErrorCorrection::of(a, b, hedge_ratio, intercept);
    let p_value = eg_p_value(test.stat);
    let pair = PairStats {
        a: String::new(),
        b: String::new(),
        correlation,
        hedge_ratio,
        intercept,
        adf_stat: test.stat,
        adf_lags: test.lags,
        p_value,
        reverse_adf_stat: None,
        reverse_adf_lags: None,
        reverse_p_value: None,
        pair_p_value: p_value,
        q_value: None,
        spread_mean,
        spread_std,
        half_life,
        error_correction,
        passes: p_value < level.fraction(),
        discovered: false,
    };
    [
        correlation,
        hedge_ratio,
        intercept,
        test.stat,
        spread_mean,
        spread_std,
    ]
    .iter()
    .all(|v| v.is_finite())
    .then_some(pair)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn critical_values_round_to_the_usual_table() {
        for (level, rounded) in [
            (Significance::P1, -3.90),
            (Significance::P5, -3.34),
            (Significance::P10, -3.04),
        ] {
            assert!((level.critical_value() - rounded).abs() < 0.005);
            assert_eq!(Significance::from_percent(level.percent()), Some(level));
        }
    }

    #[test]
    fn undefined_pairs_are_none() {
        let b: Vec<f64> = (0..40).map(|t| 10.0 + (t as f64 * 0.7).sin()).collect();
        let a: Vec<f64> = (0..40).map(|t| 20.0 + (t as f64 * 1.3).cos()).collect();
        assert!(analyze_pair(&a, &b, Significance::P5, 0).is_some());
        assert_eq!(analyze_pair(&a, &b[..39], Significance::P5, 0), None);
        assert_eq!(analyze_pair(&a[..3], &b[..3], Significance::P5, 0), None);
        assert_eq!(analyze_pair(&a, &b, Significance::P5, 37), None);
        let exact: Vec<f64> = b.iter().map(|x| 3.0 + 0.5 * x).collect();
        assert_eq!(analyze_pair(&exact, &b, Significance::P5, 0), None);
        let mut with_nan = a.clone();
        with_nan[5] = f64::NAN;
        assert_eq!(analyze_pair(&with_nan, &b, Significance::P5, 0), None);
        assert_eq!(analyze_pair(&b, &with_nan, Significance::P5, 0), None);
    }

    proptest! {
        /// No NaN or infinity escapes, whatever finite prices come in.
        #[test]
        fn statistics_are_finite_or_none(
            rows in prop::collection::vec((0.5f64..1e4, 0.5f64..1e4), 0..60),
            lags in 0usize..4,
        ) {
            let (a, b): (Vec<f64>, Vec<f64>) = rows.into_iter().unzip();
            if let Some(p) = analyze_pair(&a, &b, Significance::P10, lags) {
                for v in [p.correlation, p.hedge_ratio, p.intercept, p.adf_stat, p.spread_mean, p.spread_std] {
                    prop_assert!(v.is_finite());
                }
                prop_assert!(p.half_life.is_none_or(|h| h.is_finite() && h > 0.0));
                prop_assert!((-1.0..=1.0).contains(&p.correlation));
            }
        }

        /// The ranking is the same whatever the order of the columns.
        #[test]
        fn ranking_does_not_depend_on_column_order(
            steps in prop::collection::vec(prop::collection::vec(-1.0f64..1.0, 30), 4),
            rotate in 1usize..4,
        ) {
            let columns: Vec<Vec<f64>> = steps
                .iter()
                .map(|s| s.iter().scan(100.0, |p, d| { *p += d; Some(*p) }).collect())
                .collect();
            let names: Vec<String> = (0..columns.len()).map(|i| format!("S{i}")).collect();
            let (mut names2, mut columns2) = (names.clone(), columns.clone());
            names2.rotate_left(rotate);
            columns2.rotate_left(rotate);
            let one = rank_pairs(&names, &columns, Significance::P10, usize::MAX);
            let two = rank_pairs(&names2, &columns2, Significance::P10, usize::MAX);
            prop_assert_eq!(one, two);
        }
    }
}
