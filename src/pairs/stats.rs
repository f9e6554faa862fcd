//! Numerical building blocks: centered sums, ordinary least squares with a constant, the
//! correlation of simple returns, the ADF regression without a constant (solved by Householder QR)
//! and the half-life of mean reversion.
//!
//! The public functions return `None` instead of a NaN or an infinity: too few points, a non-finite
//! input, or a degenerate design (a series whose spread is at rounding level relative to its size).

/// A series whose standard deviation is at most this fraction of its largest magnitude is treated
/// as constant. Centered sums of a truly constant series are not exactly zero in floating point
/// (the mean itself is rounded), so an exact `== 0.0` test would let rounding noise through.
const DEGENERATE: f64 = 1e-10;

/// The mean, with one correction pass so that the centered sums built on it are accurate.
pub(crate) fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let first = values.iter().sum::<f64>() / n;
    first + values.iter().map(|v| v - first).sum::<f64>() / n
}

/// The sample standard deviation (divisor `n - 1`), or `None` for fewer than two points.
pub(crate) fn sample_std(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values);
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    let std = (ss / (values.len() - 1) as f64).sqrt();
    std.is_finite().then_some(std)
}

fn max_abs(values: &[f64]) -> f64 {
    values.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Whether a sum of squared deviations `ss` over `n` points is rounding noise for values of
/// magnitude up to `scale`.
fn negligible(ss: f64, n: usize, scale: f64) -> bool {
    let floor = DEGENERATE * scale;
    ss <= n as f64 * floor * floor
}

fn all_finite(values: &[f64]) -> bool {
    values.iter().all(|v| v.is_finite())
}

/// Ordinary least squares with a constant, `y = intercept + slope * x`, from centered sums.
///
/// Returns `(slope, intercept)`, or `None` when the slices differ in length, hold fewer than two
/// points or a non-finite value, or `x` is constant.
///
/// # Examples
/// ```
/// use hft::pairs::ols;
/// let x = [1.0, 2.0, 3.0, 4.0];
/// let y = [3.0, 5.0, 7.0, 9.0]; // y = 1 + 2 x
/// let (slope, intercept) = ols(&x, &y).unwrap();
/// assert!((slope - 2.0).abs() < 1e-12 && (intercept - 1.0).abs() < 1e-12);
/// assert_eq!(ols(&[5.0, 5.0, 5.0], &[1.0, 2.0, 3.0]), None);
/// ```
pub fn ols(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len();
    if n < 2 || y.len() != n || !all_finite(x) || !all_finite(y) {
        return None;
    }
    let (mx, my) = (mean(x), mean(y));
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (xi, yi) in x.iter().zip(y) {
        let dx = xi - mx;
        sxx += dx * dx;
        sxy += dx * (yi - my);
    }
    if negligible(sxx, n, max_abs(x)) {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    (slope.is_finite() && intercept.is_finite()).then_some((slope, intercept))
}

/// Simple returns `p[t] / p[t-1] - 1`, or `None` if a price is zero or not finite.
fn simple_returns(prices: &[f64]) -> Option<Vec<f64>> {
    let returns: Vec<f64> = prices.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
    all_finite(&returns).then_some(returns)
}

/// Pearson correlation of the simple returns of two aligned price series (what pandas computes
/// with `a.pct_change().corr(b.pct_change())`).
///
/// `None` when the series differ in length, have fewer than three prices, contain a zero or
/// non-finite price, or either return series is constant.
pub(crate) fn returns_correlation(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 3 {
        return None;
    }
    let (ra, rb) = (simple_returns(a)?, simple_returns(b)?);
    let (ma, mb) = (mean(&ra), mean(&rb));
    let (mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        let (dx, dy) = (x - ma, y - mb);
        saa += dx * dx;
        sbb += dy * dy;
        sab += dx * dy;
    }
    let n = ra.len();
    if negligible(saa, n, max_abs(&ra)) || negligible(sbb, n, max_abs(&rb)) {
        return None;
    }
    let r = (sab / (saa.sqrt() * sbb.sqrt())).clamp(-1.0, 1.0);
    r.is_finite().then_some(r)
}

/// The augmented Dickey-Fuller t statistic without a constant or trend, with a fixed number of
/// lagged differences:
///
/// `Δe[t] = γ e[t-1] + φ1 Δe[t-1] + … + φk Δe[t-k] + u[t]`, statistic `γ̂ / se(γ̂)`.
///
/// The sample is the one statsmodels uses (`adfuller(series, maxlag=lags, regression="n",
/// autolag=None)`): `n - 1 - lags` observations, the first `lags` differences serving only as
/// regressors; `se` uses the residual variance with `nobs - (lags + 1)` degrees of freedom. The
/// regression is solved by Householder QR rather than normal equations, so nearly collinear lags
/// lose no more precision than they must.
///
/// Returns `None` when there are too few points (fewer than `lags + 3`), a value is not finite,
/// the regressors are collinear, or the fit is exact (the statistic would be infinite).
///
/// # Examples
/// ```
/// use hft::pairs::adf_no_constant;
/// // White noise (a deterministic hash standing in for random draws) reverts at once: the
/// // statistic is far below the critical values.
/// let noise: Vec<f64> = (0..200).map(|t| ((t as f64 * 12.9898).sin() * 43758.5453).fract()).collect();
/// assert!(adf_no_constant(&noise, 0).unwrap() < -5.0);
/// assert!(adf_no_constant(&noise, 2).unwrap() < -4.0);
/// // A random walk built from the same draws is not.
/// let walk: Vec<f64> = noise.iter().scan(0.0, |level, step| { *level += step; Some(*level) }).collect();
/// assert!(adf_no_constant(&walk, 0).unwrap() > -2.0);
/// assert_eq!(adf_no_constant(&[1.0, 2.0], 0), None);
/// ```
pub fn adf_no_constant(series: &[f64], lags: usize) -> Option<f64> {
    let n = series.len();
    // Observations: n - 1 - lags; they must exceed the lags + 1 regressors.
    if n < lags + 3 || !all_finite(series) {
        return None;
    }
    let nobs = n - 1 - lags;
    let diff = |t: usize| series[t] - series[t - 1];
    // Rows are t = lags + 1 ..= n - 1 (indices into `series`). The lagged level goes last, so its
    // t statistic falls out of the last row of R (see `last_coefficient_t`).
    let rows = lags + 1..n;
    let mut columns: Vec<Vec<f64>> = (1..=lags)
        .map(|i| rows.clone().map(|t| diff(t - i)).collect())
        .collect();
    columns.push(rows.clone().map(|t| series[t - 1]).collect());
    let y: Vec<f64> = rows.map(diff).collect();
    debug_assert_eq!(y.len(), nobs);
    last_coefficient_t(columns, y)
}

/// The t statistic of the last coefficient in the least-squares fit of `y` on `columns` (no
/// constant), by Householder QR.
///
/// With `X = QR` and `z = Qᵀy`, the last coefficient is `z[p-1] / R[p-1][p-1]` and its standard
/// error `s / |R[p-1][p-1]|`, so the statistic is `sign(R[p-1][p-1]) z[p-1] / s`, where
/// `s² = Σ_{i ≥ p} z[i]² / (n - p)`.
fn last_coefficient_t(mut columns: Vec<Vec<f64>>, mut y: Vec<f64>) -> Option<f64> {
    let n = y.len();
    let p = columns.len();
    if p == 0 || n <= p {
        return None;
    }
    let norms: Vec<f64> = columns.iter().map(|c| dot(c, c).sqrt()).collect();
    let y_norm = dot(&y, &y).sqrt();
    let mut r_last = 0.0;
    for j in 0..p {
        let (done, rest) = columns.split_at_mut(j + 1);
        let col = &mut done[j][j..];
        let alpha = dot(col, col).sqrt();
        if alpha <= DEGENERATE * norms[j] || alpha == 0.0 {
            return None; // column j is (numerically) a combination of the earlier ones
        }
        // Reflect `col` onto -sign(col[0]) * alpha * e1 (the sign that avoids cancellation).
        let r_jj = if col[0] > 0.0 { -alpha } else { alpha };
        col[0] -= r_jj;
        let v = &*col;
        let vtv = dot(v, v);
        for other in rest.iter_mut() {
            reflect(v, vtv, &mut other[j..]);
        }
        reflect(v, vtv, &mut y[j..]);
        r_last = r_jj;
    }
    let rss: f64 = y[p..].iter().map(|z| z * z).sum();
    if rss <= (DEGENERATE * y_norm) * (DEGENERATE * y_norm) {
        return None; // exact fit: the standard error is zero
    }
    let s = (rss / (n - p) as f64).sqrt();
    let t = r_last.signum() * y[p - 1] / s;
    t.is_finite().then_some(t)
}

/// Applies the Householder reflection `I - 2 v vᵀ / (vᵀv)` to `x`.
fn reflect(v: &[f64], vtv: f64, x: &mut [f64]) {
    let f = 2.0 * dot(v, x) / vtv;
    for (xi, vi) in x.iter_mut().zip(v) {
        *xi -= f * vi;
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The half-life of mean reversion of `spread`, in rows: the slope `λ` of `Δs[t]` on `s[t-1]`
/// (with a constant), and `-ln 2 / λ`, the Ornstein-Uhlenbeck approximation. `None` when `λ ≥ 0`
/// (no mean reversion: the half-life is infinite) or the regression is undefined.
pub(crate) fn half_life(spread: &[f64]) -> Option<f64> {
    if spread.len() < 3 {
        return None;
    }
    let lagged = &spread[..spread.len() - 1];
    let change: Vec<f64> = spread.windows(2).map(|w| w[1] - w[0]).collect();
    let (lambda, _) = ols(lagged, &change)?;
    let half = -std::f64::consts::LN_2 / lambda;
    (lambda < 0.0 && half.is_finite()).then_some(half)
}

/// Whether the residual sum of squares of `residuals` is rounding noise compared with the spread
/// of the dependent series `y` (a perfect linear relation, for which the test is undefined).
pub(crate) fn perfect_fit(residuals: &[f64], y: &[f64]) -> bool {
    let my = mean(y);
    let syy: f64 = y.iter().map(|v| (v - my) * (v - my)).sum();
    let rss: f64 = residuals.iter().map(|e| e * e).sum();
    rss <= DEGENERATE * DEGENERATE * syy
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ols_recovers_an_exact_line_and_rejects_constant_x() {
        let x: Vec<f64> = (0..50).map(|i| 100.0 + (i as f64 * 0.37).sin()).collect();
        let y: Vec<f64> = x.iter().map(|v| -4.0 + 1.5 * v).collect();
        let (slope, intercept) = ols(&x, &y).unwrap();
        assert!((slope - 1.5).abs() < 1e-9, "{slope}");
        assert!((intercept + 4.0).abs() < 1e-7, "{intercept}");
        // 0.1 is not exact in binary: centered sums are rounding noise, not zero.
        assert_eq!(ols(&[0.1; 7], &y[..7]), None);
        assert_eq!(ols(&[1.0], &[2.0]), None);
        assert_eq!(ols(&[1.0, 2.0], &[2.0]), None);
        assert_eq!(ols(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0]), None);
    }

    #[test]
    fn adf_zero_lags_matches_the_closed_form() {
        // With one regressor the statistic is Σ e Δe / sqrt(s² Σ e²).
        let e: Vec<f64> = (0..40)
            .map(|t| ((t * 7919) % 23) as f64 / 7.0 - 1.5)
            .collect();
        let (mut see, mut sed) = (0.0, 0.0);
        for t in 1..e.len() {
            see += e[t - 1] * e[t - 1];
            sed += e[t - 1] * (e[t] - e[t - 1]);
        }
        let gamma = sed / see;
        let rss: f64 = (1..e.len())
            .map(|t| (e[t] - e[t - 1] - gamma * e[t - 1]).powi(2))
            .sum();
        let s2 = rss / (e.len() - 2) as f64;
        let expected = gamma / (s2 / see).sqrt();
        let got = adf_no_constant(&e, 0).unwrap();
        assert!(
            (got - expected).abs() < 1e-12 * expected.abs(),
            "{got} {expected}"
        );
    }

    #[test]
    fn adf_rejects_degenerate_designs() {
        assert_eq!(adf_no_constant(&[0.0; 20], 0), None);
        assert_eq!(adf_no_constant(&[1.0, 2.0, 3.0], 1), None); // too few points
        // A geometric series is fitted exactly by Δe = γ e.
        let geometric: Vec<f64> = (0..20).map(|t| 0.9f64.powi(t)).collect();
        assert_eq!(adf_no_constant(&geometric, 0), None);
        assert_eq!(adf_no_constant(&[1.0, f64::INFINITY, 0.5, 0.2], 0), None);
    }

    #[test]
    fn half_life_of_an_ar1_and_of_a_trend() {
        // s[t] = 0.9 s[t-1] + 0.3, so Δs[t] = 0.3 - 0.1 s[t-1] exactly: λ = -0.1.
        let mut s = vec![1.0];
        for t in 1..60 {
            s.push(0.9 * s[t - 1] + 0.3);
        }
        let h = half_life(&s).unwrap();
        assert!((h - std::f64::consts::LN_2 / 0.1).abs() < 1e-6, "{h}");
        // An explosive series does not revert.
        let growing: Vec<f64> = (0..30).map(|t| 1.1f64.powi(t) + (t % 3) as f64).collect();
        assert_eq!(half_life(&growing), None);
    }

    #[test]
    fn correlation_of_returns() {
        let a: Vec<f64> = (0..30).map(|t| 100.0 + (t as f64).sin()).collect();
        let doubled: Vec<f64> = a.iter().map(|p| 2.0 * p).collect();
        assert!((returns_correlation(&a, &doubled).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(returns_correlation(&a, &[5.0; 30]), None);
        let mut zero = a.clone();
        zero[3] = 0.0;
        assert_eq!(returns_correlation(&zero, &a), None);
    }

    proptest! {
        #[test]
        fn ols_is_exact_on_lines(
            x in prop::collection::vec(-1e3f64..1e3, 3..60),
            slope in -10.0f64..10.0,
            intercept in -100.0f64..100.0,
        ) {
            let spread = x.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v))
                - x.iter().fold(f64::INFINITY, |m, v| m.min(*v));
            prop_assume!(spread > 1e-3);
            let y: Vec<f64> = x.iter().map(|v| intercept + slope * v).collect();
            let (s, i) = ols(&x, &y).unwrap();
            prop_assert!((s - slope).abs() < 1e-6, "{} vs {}", s, slope);
            prop_assert!((i - intercept).abs() < 1e-3, "{} vs {}", i, intercept);
        }

        #[test]
        fn adf_is_finite_or_none(
            series in prop::collection::vec(-1e6f64..1e6, 0..80),
            lags in 0usize..6,
        ) {
            if let Some(t) = adf_no_constant(&series, lags) {
                prop_assert!(t.is_finite());
            }
        }

        #[test]
        fn adf_does_not_depend_on_scale(
            series in prop::collection::vec(-1e3f64..1e3, 10..60),
            lags in 0usize..3,
            scale in 1e-3f64..1e3,
        ) {
            let scaled: Vec<f64> = series.iter().map(|v| v * scale).collect();
            match (adf_no_constant(&series, lags), adf_no_constant(&scaled, lags)) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0)),
                (a, b) => prop_assert_eq!(a.is_some(), b.is_some()),
            }
        }
    }
}
