//! The pair's cold fit: what the model thread computes from a snapshot of a pair's grid rows
//! (`signal::model` runs it; in `hft backtest` it runs inline at the same event times).
//!
//! On a snapshot of the last `strategy.window_secs` of rows (A and B mids):
//!
//! 1. **Breaks** (`strategy.filters.breaks`): rows before the latest break found so far are
//!    dropped ("re-estimate from the break on"). The cointegrating regression `A = a + b B` is
//!    fitted by OLS on the rest; OLS-CUSUM on its residuals (break at the largest cumulative
//!    sum) or Chow at the latest candidate (`break_recent_secs` before the end); a p-value below
//!    `break_pvalue` declares a break there, and the rows before it are dropped at once.
//! 2. **Trend** (`strategy.filters.trend`, `strategy.seed.trend`): the Lo-MacKinlay variance
//!    ratio of the spread `A - b B` at `vr_lags`.
//! 3. **Regime** (`strategy.filters.markov`): a two-state Markov-switching AR(1) of the spread
//!    ([`crate::stats::markov_ar1_fit`]); the filtered probability, at the last row, of the state
//!    with the smaller AR coefficient (the mean-reverting one).
//! 4. **Forecast** (kind `var`): a VAR on the differences or a rank-1 VECM on the levels
//!    (`strategy.var.model`; `auto`: the Johansen trace test at 95 % decides), the lag order by
//!    `criterion` up to `max_lags` (selected on the differences; the VECM takes it as
//!    `k_ar_diff`), the hedge ratio by `hedge`, and the forecast of the spread's change over
//!    `horizon` rows as a linear function of the current mids and the last rows
//!    ([`SpreadForecast`]), so the signal stage evaluates it per quote in a few multiply-adds.
//!
//! Allocates (it runs on the cold thread); the snapshot buffers are allocated once.

use crate::config::{
    BreakTest, LagCriterion, MAX_VAR_LAGS, StrategyKind, StrategyParams, TrendTest, VarHedge,
    VarModel,
};
use crate::stats::{
    LevelsVar, VarianceRatio, VecmDeterministic, chow_test, cusum_ols_resid, f_sf, johansen,
    kolmogorov_sf, levels_from_differences, markov_ar1_fit, var_fit, var_select_order,
    variance_ratio, vecm_fit,
};

/// The most lags of the levels form: a VAR(`max_lags`) in differences is a VAR(`max_lags + 1`)
/// in levels.
pub const MAX_LEVEL_LAGS: usize = MAX_VAR_LAGS + 1;

/// A snapshot of a pair's grid rows, oldest first (buffers sized once, refilled in place).
#[derive(Debug, Clone, PartialEq)]
pub struct PairSnapshot {
    /// Mids of leg A.
    pub a: Vec<f64>,
    /// Mids of leg B.
    pub b: Vec<f64>,
    /// Grid time of the last row.
    pub t_ns: u64,
    /// Grid step.
    pub step_ns: u64,
}

impl PairSnapshot {
    /// Empty buffers for up to `rows` rows.
    pub fn with_capacity(rows: usize, step_ns: u64) -> Self {
        PairSnapshot {
            a: Vec::with_capacity(rows),
            b: Vec::with_capacity(rows),
            t_ns: 0,
            step_ns,
        }
    }

    /// Grid time of row `i`.
    pub fn time_of(&self, i: usize) -> u64 {
        let back = (self.a.len() - 1 - i) as u64;
        self.t_ns.saturating_sub(back * self.step_ns)
    }
}

/// The forecast of the spread's change `δ = s_{t+h} - s_t`, `s = A - hedge_ratio B -
/// intercept`: `δ = constant + Σ_i (ga[i] A_{t-i} + gb[i] B_{t-i})`, where `t` is now (the
/// current mids, `i = 0`) and `t - i` the `i`-th last grid row; `sd` is the standard deviation
/// of the forecast error of `s_{t+h}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpreadForecast {
    /// B shares per A share of the traded spread.
    pub hedge_ratio: f64,
    /// The spread's intercept.
    pub intercept: f64,
    /// Whether the fit is a VECM (else a VAR in differences).
    pub vecm: bool,
    /// Lags of the levels form (`ga`, `gb` hold this many coefficients).
    pub levels_order: usize,
    /// The constant of the forecast.
    pub constant: f64,
    /// Coefficients on A at lags `0..levels_order`.
    pub ga: [f64; MAX_LEVEL_LAGS],
    /// Coefficients on B.
    pub gb: [f64; MAX_LEVEL_LAGS],
    /// Standard deviation of the `horizon`-step forecast error of the spread.
    pub sd: f64,
}

/// What the cold filters found (a field is `None` when its filter is off or undefined).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FilterState {
    /// Grid time of the latest structural break found.
    pub break_t_ns: Option<u64>,
    /// The p-value of the latest break test.
    pub break_pvalue: Option<f64>,
    /// The spread's variance ratio.
    pub variance_ratio: Option<VarianceRatio>,
    /// Filtered probability of the mean-reverting state at the last row.
    pub reverting_prob: Option<f64>,
}

/// One cold fit of a pair: small and `Copy`, published through the model slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairFit {
    /// Grid time of the snapshot's last row.
    pub t_ns: u64,
    /// Rows the fits used (after a break, only those from it on).
    pub rows: usize,
    /// The `var` strategy's forecast, when fitted.
    pub forecast: Option<SpreadForecast>,
    /// The filters' findings.
    pub filters: FilterState,
}

/// The pair's cold fit and what it remembers between fits (the latest break).
#[derive(Debug, Clone)]
pub struct PairRefit {
    params: StrategyParams,
    latest_break_ns: Option<u64>,
}

impl PairRefit {
    /// A fit for `params`.
    pub fn new(params: &StrategyParams) -> Self {
        PairRefit {
            params: params.clone(),
            latest_break_ns: None,
        }
    }

    /// Fits on `snap` (see the module docs); `None` when there are too few rows for anything.
    pub fn fit(&mut self, snap: &PairSnapshot) -> Option<PairFit> {
        let n = snap.a.len().min(snap.b.len());
        if n < 8 {
            return None;
        }
        let f = self.params.filters;
        let mut start = self.first_row_after_break(snap);
        let mut filters = FilterState {
            break_t_ns: self.latest_break_ns,
            ..FilterState::default()
        };
        if f.breaks != BreakTest::Off
            && let Some((found, pvalue)) = self.break_test(snap, start)
        {
            filters.break_pvalue = Some(pvalue);
            if let Some(at) = found {
                let t = snap.time_of(at);
                self.latest_break_ns = Some(t);
                filters.break_t_ns = Some(t);
                start = at;
            }
        }
        let (a, b) = (&snap.a[start..n], &snap.b[start..n]);
        let line = ols(a, b);
        let vr_wanted = f.trend != TrendTest::Off
            || (self.params.kind == StrategyKind::Seed && self.params.seed.trend != TrendTest::Off);
        if (vr_wanted || f.markov)
            && let Some((intercept, slope)) = line
        {
            let spread: Vec<f64> = a
                .iter()
                .zip(b)
                .map(|(x, y)| x - slope * y - intercept)
                .collect();
            if vr_wanted {
                filters.variance_ratio = variance_ratio(&spread, f.vr_lags).ok();
            }
            if f.markov {
                filters.reverting_prob = markov_ar1_fit(&spread)
                    .ok()
                    .and_then(|m| m.reverting_probability());
            }
        }
        let forecast = if self.params.kind == StrategyKind::Var {
            self.forecast(a, b, line)
        } else {
            None
        };
        Some(PairFit {
            t_ns: snap.t_ns,
            rows: n - start,
            forecast,
            filters,
        })
    }

    fn first_row_after_break(&self, snap: &PairSnapshot) -> usize {
        let Some(t_break) = self.latest_break_ns else {
            return 0;
        };
        (0..snap.a.len())
            .find(|&i| snap.time_of(i) >= t_break)
            .unwrap_or(snap.a.len())
    }

    /// The break test on rows `start..`: `Some((break row if declared, p-value))`, `None` when
    /// the test is undefined (too few rows, a flat leg).
    ///
    /// Both tests assume independent errors, and a spread's are autocorrelated (that is what
    /// mean reversion is): with the textbook statistics they reject on almost every window of a
    /// persistent spread. So each statistic is scaled by the long-run variance of AR(1) errors,
    /// `(1 + ρ) / (1 - ρ)` times the variance (ρ the lag-1 autocorrelation of the residuals
    /// *within* the two segments, so that the break itself does not inflate it; clamped to
    /// `0..=0.99`): CUSUM's statistic is divided by its square root (Ploberger and Krämer's
    /// statistic with a long-run scale), Chow's F by it (a Wald test with an AR(1) long-run
    /// variance). The p-values then come from the same distributions as statsmodels'.
    fn break_test(&self, snap: &PairSnapshot, start: usize) -> Option<(Option<usize>, f64)> {
        let f = self.params.filters;
        let (a, b) = (&snap.a[start..], &snap.b[start..]);
        let n = a.len();
        match f.breaks {
            BreakTest::Off => None,
            BreakTest::Cusum => {
                let resid = residuals(a, b)?;
                let test = cusum_ols_resid(&resid, 2).ok()?;
                // The break sits where the cumulative sum peaks.
                let (mut sum, mut peak, mut at) = (0.0f64, 0.0f64, 0);
                for (i, e) in resid.iter().enumerate() {
                    sum += e;
                    if sum.abs() > peak {
                        (peak, at) = (sum.abs(), i + 1);
                    }
                }
                if at < 3 || at + 3 > n {
                    return Some((None, test.pvalue));
                }
                let factor = long_run_factor(&[
                    residuals(&a[..at], &b[..at])?,
                    residuals(&a[at..], &b[at..])?,
                ]);
                let pvalue = kolmogorov_sf(test.stat / factor.sqrt());
                Some(((pvalue < f.break_pvalue).then_some(start + at), pvalue))
            }
            BreakTest::Chow => {
                let recent = (f.break_recent_secs * 1e9 / snap.step_ns as f64).round() as usize;
                let at = n.checked_sub(recent)?;
                let test = chow_test(a, b, at).ok()?;
                let factor = long_run_factor(&[
                    residuals(&a[..at], &b[..at])?,
                    residuals(&a[at..], &b[at..])?,
                ]);
                let pvalue = f_sf(test.stat / factor, 2.0, (n - 4) as f64);
                Some(((pvalue < f.break_pvalue).then_some(start + at), pvalue))
            }
        }
    }

    fn forecast(&self, a: &[f64], b: &[f64], line: Option<(f64, f64)>) -> Option<SpreadForecast> {
        let v = self.params.var;
        let (ols_intercept, ols_slope) = line?;
        let da: Vec<f64> = a.windows(2).map(|w| w[1] - w[0]).collect();
        let db: Vec<f64> = b.windows(2).map(|w| w[1] - w[0]).collect();
        let selection = var_select_order(&[&da[..], &db[..]], v.max_lags).ok()?;
        let lags = match v.criterion {
            LagCriterion::Aic => selection.aic,
            LagCriterion::Bic => selection.bic,
            LagCriterion::Hqic => selection.hqic,
        };
        let use_vecm = match v.model {
            VarModel::Var => false,
            VarModel::Vecm => true,
            VarModel::Auto => johansen(&[a, b], 0, lags.max(1))
                .ok()
                .is_some_and(|j| j.trace_crit[0].is_some_and(|c| j.trace[0] > c[1])),
        };
        let (levels, coint): (LevelsVar, Option<(f64, f64)>) = if use_vecm {
            let m = vecm_fit(&[a, b], lags, 1, VecmDeterministic::Inside).ok()?;
            let coint = (-m.beta[(1, 0)], -m.beta[(2, 0)]);
            (m.levels_var(), Some(coint))
        } else {
            let fit = var_fit(&[&da[..], &db[..]], lags).ok()?;
            let levels =
                levels_from_differences(None, &fit.coefs, fit.intercept, fit.sigma_u.clone());
            (levels, None)
        };
        let (hedge_ratio, intercept) = match (v.hedge, coint) {
            (VarHedge::Coint, Some(c)) => c,
            (VarHedge::Var, _) if levels.sigma_u[(1, 1)] > 0.0 => {
                let h = levels.sigma_u[(0, 1)] / levels.sigma_u[(1, 1)];
                let mean = a.iter().zip(b).map(|(x, y)| x - h * y).sum::<f64>() / a.len() as f64;
                (h, mean)
            }
            _ => (ols_slope, ols_intercept),
        };
        spread_forecast(&levels, hedge_ratio, intercept, use_vecm, v.horizon)
    }
}

/// The linear `horizon`-step forecast of the spread's change from the levels form (see
/// [`SpreadForecast`]): with the companion matrix `F`, `e = (1, -h, 0, …)` and
/// `C = (c, 0, …)`, the coefficients are `e F^h - e`, the constant `Σ_{j<h} e F^j C`, and the
/// error variance `Σ_{j<h} φ_j Σ_u φ_j'` with `φ_j` the first block of `e F^j`.
fn spread_forecast(
    levels: &LevelsVar,
    hedge_ratio: f64,
    intercept: f64,
    vecm: bool,
    horizon: usize,
) -> Option<SpreadForecast> {
    let order = levels.coefs.len();
    if order == 0 || order > MAX_LEVEL_LAGS {
        return None;
    }
    let width = 2 * order;
    let mut row = vec![0.0; width];
    row[0] = 1.0;
    row[1] = -hedge_ratio;
    let first = row.clone();
    let (mut constant, mut variance) = (0.0, 0.0);
    let s = &levels.sigma_u;
    for _ in 0..horizon {
        constant += row[0] * levels.constant[0] + row[1] * levels.constant[1];
        variance += row[0] * row[0] * s[(0, 0)]
            + 2.0 * row[0] * row[1] * s[(0, 1)]
            + row[1] * row[1] * s[(1, 1)];
        // row ← row F: block j gets row[0..2] A_{j+1} plus block j + 1.
        let mut next = vec![0.0; width];
        for j in 0..order {
            let a = &levels.coefs[j];
            for c in 0..2 {
                next[2 * j + c] = row[0] * a[(0, c)] + row[1] * a[(1, c)];
                if j + 1 < order {
                    next[2 * j + c] += row[2 * (j + 1) + c];
                }
            }
        }
        row = next;
    }
    let (mut ga, mut gb) = ([0.0; MAX_LEVEL_LAGS], [0.0; MAX_LEVEL_LAGS]);
    for j in 0..order {
        ga[j] = row[2 * j] - first[2 * j];
        gb[j] = row[2 * j + 1] - first[2 * j + 1];
    }
    let sd = variance.sqrt();
    let finite = constant.is_finite()
        && sd.is_finite()
        && sd > 0.0
        && ga.iter().chain(&gb).all(|g| g.is_finite());
    finite.then_some(SpreadForecast {
        hedge_ratio,
        intercept,
        vecm,
        levels_order: order,
        constant,
        ga,
        gb,
        sd,
    })
}

/// The OLS residuals of `y` on `x` (with an intercept); `None` when the line is undefined.
fn residuals(y: &[f64], x: &[f64]) -> Option<Vec<f64>> {
    let (intercept, slope) = ols(y, x)?;
    Some(
        y.iter()
            .zip(x)
            .map(|(a, b)| a - intercept - slope * b)
            .collect(),
    )
}

/// `(1 + ρ) / (1 - ρ)` for the lag-1 autocorrelation `ρ` pooled over the segments (lags taken
/// within each), clamped to `0..=0.99`: the long-run variance of AR(1) errors over their variance.
fn long_run_factor(segments: &[Vec<f64>]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for e in segments {
        for w in e.windows(2) {
            num += w[1] * w[0];
            den += w[0] * w[0];
        }
    }
    let rho = if den > 0.0 {
        (num / den).clamp(0.0, 0.99)
    } else {
        0.0
    };
    (1.0 + rho) / (1.0 - rho)
}

/// `(intercept, slope)` of the OLS line `y = intercept + slope x`; `None` when `x` is flat.
fn ols(y: &[f64], x: &[f64]) -> Option<(f64, f64)> {
    let n = y.len().min(x.len());
    if n < 3 {
        return None;
    }
    let (mx, my) = (
        x[..n].iter().sum::<f64>() / n as f64,
        y[..n].iter().sum::<f64>() / n as f64,
    );
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (xi, yi) in x.iter().zip(y) {
        sxx += (xi - mx) * (xi - mx);
        sxy += (xi - mx) * (yi - my);
    }
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((my - slope * mx, slope))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Matrix;

    #[test]
    fn forecast_map_matches_the_iterated_forecast() {
        // A VAR(2) in levels: the linear map must equal iterating the forecast.
        let levels = LevelsVar {
            constant: vec![0.1, -0.05],
            coefs: vec![
                Matrix::from_rows(&[vec![0.9, 0.05], vec![0.1, 0.8]]),
                Matrix::from_rows(&[vec![0.05, -0.02], vec![0.03, 0.1]]),
            ],
            sigma_u: Matrix::from_rows(&[vec![0.04, 0.01], vec![0.01, 0.09]]),
        };
        let (h, c) = (0.7, 1.5);
        let history = [vec![10.0, 10.4], vec![8.0, 7.9]];
        for horizon in [1, 3, 7] {
            let f = spread_forecast(&levels, h, c, false, horizon).unwrap();
            let path = levels.forecast(&history, horizon).unwrap();
            let end = &path[horizon - 1];
            let spread = |a: f64, b: f64| a - h * b - c;
            let want = spread(end[0], end[1]) - spread(10.4, 7.9);
            let got = f.constant + f.ga[0] * 10.4 + f.gb[0] * 7.9 + f.ga[1] * 10.0 + f.gb[1] * 8.0;
            assert!((got - want).abs() < 1e-12, "h={horizon}: {got} vs {want}");
        }
        // One step: the error is the spread of the innovations.
        let f = spread_forecast(&levels, h, c, false, 1).unwrap();
        let want = (0.04 - 2.0 * h * 0.01 + h * h * 0.09f64).sqrt();
        assert!((f.sd - want).abs() < 1e-15);
    }

    #[test]
    fn too_few_rows_fit_nothing() {
        let params = crate::config::EngineParams::embedded().strategy;
        let mut r = PairRefit::new(&params);
        let snap = PairSnapshot::with_capacity(4, 1);
        assert_eq!(r.fit(&snap), None);
    }
}
