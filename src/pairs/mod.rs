//! Pair selection: which symbols of a universe move together closely enough to trade as pairs.
//!
//! Every pair of a universe of aligned close series is scored two ways:
//!
//! - **Correlation** of simple returns (Pearson).
//! - **Engle-Granger cointegration** (Engle & Granger, 1987, "Co-integration and error correction:
//!   representation, estimation, and testing", *Econometrica* 55(2), 251-276). First the
//!   cointegrating regression, OLS with a constant of leg A on leg B: `a[t] = α + β b[t] + e[t]`.
//!   Then a Dickey-Fuller test (Dickey & Fuller, 1979, "Distribution of the estimators for
//!   autoregressive time series with a unit root", *JASA* 74(366), 427-431) on the residuals,
//!   without a constant (the residuals have mean zero by construction):
//!   `Δe[t] = γ e[t-1] + φ1 Δe[t-1] + … + φk Δe[t-k] + u[t]`; the statistic is the t ratio of `γ`.
//!   The pair is cointegrated at a level when the statistic is below the critical value.
//!
//! **Critical values** are MacKinnon's asymptotic values for the residual-based test with two
//! variables and a constant in the cointegrating regression (MacKinnon, 2010, "Critical values
//! for cointegration tests", Queen's Economics Department Working Paper No. 1227, Table 2,
//! N = 2, case "c"): -3.89644, -3.33613 and -3.04445 at 1, 5 and 10 % (-3.90 / -3.34 / -3.04
//! rounded). The finite-sample correction is left out: at 500 rows it moves the 5 % value by
//! 0.01, at 2,000 rows by 0.003. The residuals are estimated, so the plain Dickey-Fuller values
//! (-1.94 at 5 %) would be far too lenient.
//!
//! **Lag rule.** A fixed number of lagged differences, 0 by default (the plain Dickey-Fuller
//! regression, as `statsmodels.tsa.stattools.adfuller(resid, maxlag=0, regression="n",
//! autolag=None)`); [`analyze_pair`] and [`rank_pairs_with_lags`] take any fixed `k`. There is no
//! automatic lag selection: an information criterion would pick a different `k` per pair and
//! make statistics across pairs harder to compare.
//!
//! **Regression direction.** The test is not symmetric: regressing A on B and B on A give
//! different statistics. [`analyze_pair`] regresses its first argument on its second.
//! [`rank_pairs`] tests both orderings of every pair and keeps the one with the more negative
//! statistic (ties keep the column order), so a ranking does not depend on the order of the
//! columns. Taking the better of two statistics makes the test more lenient than its nominal
//! level: on 300 pairs of independent 250-row random walks the 5 % test rejected 9 % (see
//! `tests/pairs.rs`). The ranking, not the exact size, is what selection needs.
//!
//! For each pair: hedge ratio `β`, intercept `α`, the spread `s[t] = a[t] - β b[t]` (hold one
//! unit of A against `β` units of B) with its mean (equal to `α`) and sample standard deviation,
//! and the half-life of mean reversion of the spread, in rows: `-ln 2 / λ` with `λ` the slope of
//! `Δs[t]` on `s[t-1]` (with a constant), `None` when `λ ≥ 0`.
//!
//! Cold path: allocation is fine; numerics are f64 with centered sums, and no NaN or infinity is
//! ever returned (undefined statistics give `None`).

mod csv;
mod stats;
pub mod valuation;

pub use csv::{CsvError, read_closes_csv};
pub use stats::{adf_no_constant, ols};

use serde::Serialize;
use std::cmp::Ordering;

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
///     spread_mean: 23.7367,
///     spread_std: 2.0296,
///     half_life: None,
///     passes: true,
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
    /// Dickey-Fuller statistic (no constant) of the regression residuals; more negative is more
    /// strongly mean-reverting.
    pub adf_stat: f64,
    /// Mean of the spread `a - β b` (equal to `α` up to rounding).
    pub spread_mean: f64,
    /// Sample standard deviation (divisor `n - 1`) of the spread.
    pub spread_std: f64,
    /// Half-life of mean reversion of the spread in rows; `None` when it does not revert.
    pub half_life: Option<f64>,
    /// Whether `adf_stat` is below the critical value of the level asked for.
    pub passes: bool,
}

/// Scores one pair: leg `a` regressed on leg `b` (see the [module docs](self) for the method),
/// with `lags` lagged differences in the Dickey-Fuller regression (0 for the plain test).
///
/// The returned `a` and `b` names are empty; [`rank_pairs`] fills them in.
///
/// Returns `None` when a statistic is undefined: the series differ in length or are too short
/// for the regressions (fewer than `lags + 4` points), a value is not finite, a price is zero,
/// either leg (or its returns) is constant, or `a` is an exact linear function of `b`.
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
/// assert!(pair.passes && pair.adf_stat < -10.0);
/// assert!(pair.half_life.unwrap() < 2.0);
///
/// assert_eq!(analyze_pair(&a, &vec![7.0; 500], Significance::P5, 0), None);
/// ```
pub fn analyze_pair(a: &[f64], b: &[f64], level: Significance, lags: usize) -> Option<PairStats> {
    if a.len() != b.len() || a.len() < lags + 4 {
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
    let adf_stat = adf_no_constant(&residuals, lags)?;
    let spread: Vec<f64> = a.iter().zip(b).map(|(y, x)| y - hedge_ratio * x).collect();
    let spread_mean = stats::mean(&spread);
    // The residuals are the spread less its mean, without the cancellation of a large intercept.
    let spread_std = stats::sample_std(&residuals)?;
    let half_life = stats::half_life(&residuals);
    let pair = PairStats {
        a: String::new(),
        b: String::new(),
        correlation,
        hedge_ratio,
        intercept,
        adf_stat,
        spread_mean,
        spread_std,
        half_life,
        passes: adf_stat < level.critical_value(),
    };
    [
        correlation,
        hedge_ratio,
        intercept,
        adf_stat,
        spread_mean,
        spread_std,
    ]
    .iter()
    .all(|v| v.is_finite())
    .then_some(pair)
}

/// Ranks every pair of a universe with 0 lags in the Dickey-Fuller regression; see
/// [`rank_pairs_with_lags`].
///
/// # Panics
/// If `names` and `columns` differ in length.
///
/// # Examples
/// ```
/// use hft::pairs::{rank_pairs, Significance};
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract();
/// let walk: Vec<f64> = (0..400).scan(50.0, |p, t| { *p += noise(t + 7000); Some(*p) }).collect();
/// let tracker: Vec<f64> = walk.iter().enumerate().map(|(t, p)| 1.5 * p + noise(t)).collect();
/// let other: Vec<f64> = (0..400).scan(80.0, |p, t| { *p += noise(t + 3000); Some(*p) }).collect();
/// let names = ["WALK", "TRACK", "OTHER"].map(String::from);
/// let ranked = rank_pairs(&names, &[walk, tracker, other], Significance::P5, 2);
/// assert_eq!(ranked.len(), 2);
/// assert!(ranked[0].passes);
/// let legs = [ranked[0].a.as_str(), ranked[0].b.as_str()];
/// assert!(legs.contains(&"WALK") && legs.contains(&"TRACK"));
/// ```
pub fn rank_pairs(
    names: &[String],
    columns: &[Vec<f64>],
    level: Significance,
    top: usize,
) -> Vec<PairStats> {
    rank_pairs_with_lags(names, columns, level, 0, top)
}

/// Scores every pair of a universe (`names[i]` labels `columns[i]`; rows aligned) and returns
/// the first `top` of the ranking (`usize::MAX` for all).
///
/// Each pair is regressed both ways and the ordering with the more negative Dickey-Fuller
/// statistic is kept (the first column as `a` on a tie). Pairs whose statistics are undefined
/// (see [`analyze_pair`]) are left out.
///
/// **Order:** pairs that pass the test at `level` first, by Dickey-Fuller statistic ascending
/// (strongest mean reversion first); then the others by return correlation, highest first. Ties
/// are broken by the statistic, then the correlation, then the names, so the order is total and
/// does not depend on the column order. Because passing pairs come first, the passing pairs of
/// the first `top` are the best `top` that pass; [`select_pairs`] returns just those.
///
/// # Panics
/// If `names` and `columns` differ in length.
///
/// # Examples
/// ```
/// use hft::pairs::{rank_pairs_with_lags, Significance};
/// let names = ["A", "B"].map(String::from);
/// let flat = vec![vec![1.0; 50], vec![2.0; 50]];
/// assert!(rank_pairs_with_lags(&names, &flat, Significance::P5, 1, usize::MAX).is_empty());
/// ```
pub fn rank_pairs_with_lags(
    names: &[String],
    columns: &[Vec<f64>],
    level: Significance,
    lags: usize,
    top: usize,
) -> Vec<PairStats> {
    assert_eq!(names.len(), columns.len(), "one name per column of closes");
    let mut ranked = Vec::new();
    for i in 0..columns.len() {
        for j in i + 1..columns.len() {
            let forward = analyze_pair(&columns[i], &columns[j], level, lags).map(|p| (p, i, j));
            let backward = analyze_pair(&columns[j], &columns[i], level, lags).map(|p| (p, j, i));
            let best = match (forward, backward) {
                (Some(f), Some(r)) => Some(if r.0.adf_stat < f.0.adf_stat { r } else { f }),
                (f, r) => f.or(r),
            };
            if let Some((mut pair, ia, ib)) = best {
                pair.a.clone_from(&names[ia]);
                pair.b.clone_from(&names[ib]);
                ranked.push(pair);
            }
        }
    }
    ranked.sort_by(ranking);
    ranked.truncate(top);
    ranked
}

/// The best `top` pairs that pass the test at `level` (0 lags), in the order of [`rank_pairs`].
///
/// # Panics
/// If `names` and `columns` differ in length.
///
/// # Examples
/// ```
/// use hft::pairs::{select_pairs, Significance};
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract();
/// let x: Vec<f64> = (0..300).scan(20.0, |p, t| { *p += noise(t + 500); Some(*p) }).collect();
/// let y: Vec<f64> = (0..300).scan(30.0, |p, t| { *p += noise(t + 900); Some(*p) }).collect();
/// let names = ["X", "Y"].map(String::from);
/// // Two independent random walks: nothing to trade.
/// assert!(select_pairs(&names, &[x, y], Significance::P5, 10).is_empty());
/// ```
pub fn select_pairs(
    names: &[String],
    columns: &[Vec<f64>],
    level: Significance,
    top: usize,
) -> Vec<PairStats> {
    let mut pairs = rank_pairs(names, columns, level, top);
    pairs.retain(|p| p.passes);
    pairs
}

/// The ranking order of [`rank_pairs_with_lags`].
fn ranking(x: &PairStats, y: &PairStats) -> Ordering {
    let primary = if x.passes && y.passes {
        x.adf_stat.total_cmp(&y.adf_stat)
    } else {
        y.correlation.total_cmp(&x.correlation)
    };
    y.passes
        .cmp(&x.passes)
        .then(primary)
        .then_with(|| x.adf_stat.total_cmp(&y.adf_stat))
        .then_with(|| y.correlation.total_cmp(&x.correlation))
        .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pair(a: &str, b: &str, adf_stat: f64, correlation: f64, passes: bool) -> PairStats {
        PairStats {
            a: a.into(),
            b: b.into(),
            correlation,
            hedge_ratio: 1.0,
            intercept: 0.0,
            adf_stat,
            spread_mean: 0.0,
            spread_std: 1.0,
            half_life: None,
            passes,
        }
    }

    #[test]
    fn ranking_puts_passing_pairs_first_by_statistic_then_the_rest_by_correlation() {
        let mut pairs = [
            pair("F1", "x", -2.0, 0.5, false),
            pair("P2", "x", -4.0, 0.1, true),
            pair("F2", "x", -3.0, 0.9, false),
            pair("P1", "x", -5.0, 0.2, true),
            pair("F3", "x", -1.0, 0.9, false),
        ];
        pairs.sort_by(ranking);
        let order: Vec<&str> = pairs.iter().map(|p| p.a.as_str()).collect();
        // F2 and F3 tie on correlation: the more negative statistic goes first.
        assert_eq!(order, ["P1", "P2", "F2", "F3", "F1"]);
    }

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
