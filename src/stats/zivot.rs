//! The Zivot-Andrews unit-root test with one structural break at an unknown date.
//!
//! Zivot and Andrews (1992, "Further evidence on the Great Crash, the oil-price shock, and the
//! unit-root hypothesis", *J. Business & Economic Statistics* 10(3)). For every candidate break
//! `bp` in the trimmed middle of the sample, the ADF regression of `Δx_t` on a constant, a trend,
//! the lagged level `x_{t-1}`, `lags` lagged differences and break dummies is fitted; the
//! statistic is the smallest t ratio of the lagged level, and the break index is where it occurs.
//! Dummies (`DU_t = 1` from the break on; `DT_t` a trend from the break on):
//! `"c"` a break in the intercept (DU), `"t"` in the trend (DT), `"ct"` in both.
//!
//! The computation follows statsmodels' `zivot_andrews(x, trim, maxlag, regression, autolag)`
//! (its documented behaviour, its scaling of the regressors, its candidate range
//! `⌊n·trim⌋ + 1 ..= n - ⌊n·trim⌋` and its reported break index `bp - 1`):
//!
//! - Lags: with `autolag` ("AIC"/"BIC") the order chosen by the ADF regression with constant and
//!   trend over `0..=maxlag` lags on a common sample (statsmodels `adfuller(x, maxlag, "ct",
//!   autolag)`; `maxlag` defaults to `min(⌈12 (n/100)^¼⌉, n/2 - 3)`); otherwise `maxlag` when
//!   given and non-zero, else `⌊12 (n/100)^¼⌋` (so `maxlag = Some(0)` without autolag means the
//!   default, as in statsmodels).
//! - p-value and critical values: linear interpolation in Zivot and Andrews' simulated quantile
//!   tables as statsmodels tabulates them (48 quantiles from 0.001 % to 99.9 % per model; the p-value
//!   is the interpolated quantile level, clamped to the table's ends).
//!
//! Each candidate costs O(k³ + n) after an O(n k²) set-up (not a fresh O(n k²) regression): the
//! products of the fixed regressors are computed once, their products with the break dummies
//! come from suffix sums, and the k x k normal equations are inverted by Cholesky, as
//! statsmodels inverts `X'X` in its candidate loop.

use super::{Matrix, ModelError, least_squares, spd_inverse};

/// The break model.
///
/// # Examples
/// ```
/// use hft::stats::ZaRegression;
/// assert_eq!(ZaRegression::parse("ct"), Some(ZaRegression::Both));
/// assert_eq!(ZaRegression::Constant.name(), "c");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZaRegression {
    /// `"c"`: a break in the intercept.
    Constant,
    /// `"t"`: a break in the trend.
    Trend,
    /// `"ct"`: a break in both.
    Both,
}

impl ZaRegression {
    /// From statsmodels' name: `"c"`, `"t"` or `"ct"`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "c" => Some(ZaRegression::Constant),
            "t" => Some(ZaRegression::Trend),
            "ct" => Some(ZaRegression::Both),
            _ => None,
        }
    }

    /// statsmodels' name.
    pub fn name(self) -> &'static str {
        match self {
            ZaRegression::Constant => "c",
            ZaRegression::Trend => "t",
            ZaRegression::Both => "ct",
        }
    }

    fn table(self) -> &'static [(f64, f64)] {
        match self {
            ZaRegression::Constant => &CONSTANT,
            ZaRegression::Trend => &TREND,
            ZaRegression::Both => &BOTH,
        }
    }
}

/// How the number of lagged differences is chosen.
///
/// # Examples
/// ```
/// use hft::stats::AutoLag;
/// assert_eq!(AutoLag::parse("AIC"), Some(AutoLag::Aic));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoLag {
    /// Smallest Akaike criterion.
    Aic,
    /// Smallest Schwarz criterion.
    Bic,
}

impl AutoLag {
    /// `"aic"` or `"bic"`, any case.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "aic" => Some(AutoLag::Aic),
            "bic" => Some(AutoLag::Bic),
            _ => None,
        }
    }
}

/// A Zivot-Andrews result (statsmodels' `(zastat, pvalue, cvdict, baselag, bpidx)`).
///
/// # Examples
/// ```
/// use hft::stats::{ZaRegression, zivot_andrews};
/// // A random-walk-like series with a level shift in the middle.
/// let mut x = vec![0.0];
/// for t in 1..300 { x.push(x[t - 1] + ((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5 + if t == 150 { 5.0 } else { 0.0 }); }
/// let za = zivot_andrews(&x, 0.15, Some(1), ZaRegression::Constant, None).unwrap();
/// assert_eq!(za.lags, 1);
/// assert!(za.crit[0] < za.crit[1] && za.crit[1] < za.crit[2]);
/// assert!((0.0..=1.0).contains(&za.pvalue));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ZivotAndrews {
    /// The smallest t ratio of the lagged level over the candidate breaks.
    pub stat: f64,
    /// Interpolated p-value.
    pub pvalue: f64,
    /// Critical values at 1, 5 and 10 %.
    pub crit: [f64; 3],
    /// Lagged differences used.
    pub lags: usize,
    /// The break index as statsmodels reports it (`bp - 1`).
    pub break_index: usize,
}

/// The Zivot-Andrews test of `x` (see the module docs in `src/stats/zivot.rs`).
///
/// # Errors
/// [`ModelError::Invalid`] for `trim` outside `[0, 1/3]` or a trim too small for the lags (a
/// candidate break before the first usable row); [`ModelError::TooFewRows`];
/// [`ModelError::NonFinite`]; [`ModelError::Singular`] for a constant series or a singular
/// regression.
///
/// # Examples
/// ```
/// use hft::stats::{ModelError, ZaRegression, zivot_andrews};
/// assert!(zivot_andrews(&[1.0; 200], 0.15, Some(1), ZaRegression::Constant, None).is_err());
/// assert_eq!(
///     zivot_andrews(&[1.0, 2.0], 0.5, None, ZaRegression::Constant, None).unwrap_err(),
///     ModelError::Invalid("trim must be in [0, 1/3]")
/// );
/// ```
pub fn zivot_andrews(
    x: &[f64],
    trim: f64,
    maxlag: Option<usize>,
    regression: ZaRegression,
    autolag: Option<AutoLag>,
) -> Result<ZivotAndrews, ModelError> {
    if !(0.0..=1.0 / 3.0).contains(&trim) {
        return Err(ModelError::Invalid("trim must be in [0, 1/3]"));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    let nobs = x.len();
    if nobs < 20 {
        return Err(ModelError::TooFewRows {
            needed: 20,
            got: nobs,
        });
    }
    let lags = match (autolag, maxlag) {
        (Some(method), _) => adf_ct_autolag(x, maxlag, method)?,
        (None, Some(m)) if m > 0 => m,
        _ => (12.0 * (nobs as f64 / 100.0).powf(0.25)) as usize,
    };
    let trimcnt = (nobs as f64 * trim) as usize;
    let (start, end) = (trimcnt + 1, nobs - trimcnt);
    if start < lags + 3 || end < start {
        return Err(ModelError::Invalid("trim too small for the number of lags"));
    }
    let rows = nobs - 1 - lags;
    let base_cols = if regression == ZaRegression::Both {
        5
    } else {
        4
    };
    if rows <= base_cols + lags + 1 {
        return Err(ModelError::TooFewRows {
            needed: base_cols + 2 * lags + 3,
            got: nobs,
        });
    }
    // statsmodels' scaling: Δx and x each divided by their norms; constant 1/√n; trend
    // (j + 1)·√3 / n^1.5.
    let diff: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let (dnorm, xnorm) = (norm(&diff), norm(x));
    if dnorm == 0.0 || xnorm == 0.0 {
        return Err(ModelError::Singular);
    }
    let c_const = 1.0 / (nobs as f64).sqrt();
    let t_scale = 3f64.sqrt() / (nobs as f64).powf(1.5);
    // Fixed columns: const, trend, lagged level, lagged differences.
    let fixed = 3 + lags;
    let fixed_col = |i: usize, c: usize| -> f64 {
        match c {
            0 => c_const,
            1 => (lags + 3 + i) as f64 * t_scale,
            2 => x[lags + i] / xnorm,
            _ => diff[lags + i - (c - 2)] / dnorm,
        }
    };
    let f = Matrix::from_fn(rows, fixed, fixed_col);
    let y: Vec<f64> = (0..rows).map(|i| diff[lags + i] / dnorm).collect();
    let ff = f.t_matmul(&f);
    let fy: Vec<f64> = (0..fixed)
        .map(|c| (0..rows).map(|i| f[(i, c)] * y[i]).sum())
        .collect();
    let yy: f64 = y.iter().map(|v| v * v).sum();
    // Suffix sums from row i on: Σ F, Σ r·F, Σ y, Σ r·y (r the row index).
    let mut s0 = Matrix::zeros(rows + 1, fixed + 1);
    let mut s1 = Matrix::zeros(rows + 1, fixed + 1);
    for i in (0..rows).rev() {
        for c in 0..=fixed {
            let v = if c < fixed { f[(i, c)] } else { y[i] };
            s0[(i, c)] = s0[(i + 1, c)] + v;
            s1[(i, c)] = s1[(i + 1, c)] + i as f64 * v;
        }
    }
    let dummies: &[Dummy] = match regression {
        ZaRegression::Constant => &[Dummy::Level],
        ZaRegression::Trend => &[Dummy::TrendEarly],
        ZaRegression::Both => &[Dummy::Level, Dummy::Trend],
    };
    let k = fixed + dummies.len();
    let mut best: Option<(f64, usize)> = None;
    let mut xtx = Matrix::zeros(k, k);
    let mut xty = vec![0.0; k];
    for bp in start..=end {
        let cutoff = bp - (lags + 1);
        for a in 0..fixed {
            for b in 0..fixed {
                xtx[(a, b)] = ff[(a, b)];
            }
            xty[a] = fy[a];
        }
        for (d, dummy) in dummies.iter().enumerate() {
            let (from, scale, offset) = dummy.shape(cutoff, c_const, t_scale);
            // The dummy is scale·(r + offset) (Trend) or scale (Level) for r ≥ from.
            let cross = |c: usize| match dummy {
                Dummy::Level => scale * s0[(from, c)],
                _ => scale * (s1[(from, c)] + offset * s0[(from, c)]),
            };
            for c in 0..fixed {
                xtx[(fixed + d, c)] = cross(c);
                xtx[(c, fixed + d)] = cross(c);
            }
            xty[fixed + d] = cross(fixed);
            for (e, other) in dummies.iter().enumerate().take(d + 1) {
                let (from2, scale2, offset2) = other.shape(cutoff, c_const, t_scale);
                let lo = from.max(from2);
                let v: f64 = (lo..rows)
                    .map(|r| {
                        dummy_value(dummy, r, scale, offset)
                            * dummy_value(other, r, scale2, offset2)
                    })
                    .sum();
                xtx[(fixed + d, fixed + e)] = v;
                xtx[(fixed + e, fixed + d)] = v;
            }
        }
        let inv = spd_inverse(&xtx).ok_or(ModelError::Singular)?;
        let b: Vec<f64> = (0..k)
            .map(|i| (0..k).map(|j| inv[(i, j)] * xty[j]).sum())
            .collect();
        let explained: f64 = b.iter().zip(&xty).map(|(bi, v)| bi * v).sum();
        let sigma2 = (yy - explained) / (rows - k) as f64;
        let t = b[2] / (sigma2 * inv[(2, 2)]).sqrt();
        if !t.is_finite() {
            return Err(ModelError::Singular);
        }
        if best.is_none_or(|(s, _)| t < s) {
            best = Some((t, bp));
        }
    }
    let (stat, bp) = best.ok_or(ModelError::Singular)?;
    let table = regression.table();
    Ok(ZivotAndrews {
        stat,
        pvalue: interpolate(stat, table.iter().map(|&(p, s)| (s, p))) / 100.0,
        crit: [1.0, 5.0, 10.0].map(|level| interpolate(level, table.iter().copied())),
        lags,
        break_index: bp - 1,
    })
}

#[derive(Debug, Clone, Copy)]
enum Dummy {
    /// `c_const` from the break row on.
    Level,
    /// `(r - cutoff + 2)·t_scale` from the break row on.
    Trend,
    /// The same trend, from the row before the break (statsmodels' `"t"` model).
    TrendEarly,
}

impl Dummy {
    /// `(first row, scale, offset)`: the value is `scale` (Level) or `scale·(r + offset)`.
    fn shape(&self, cutoff: usize, c_const: f64, t_scale: f64) -> (usize, f64, f64) {
        let offset = 2.0 - cutoff as f64;
        match self {
            Dummy::Level => (cutoff, c_const, 0.0),
            Dummy::Trend => (cutoff, t_scale, offset),
            Dummy::TrendEarly => (cutoff - 1, t_scale, offset),
        }
    }
}

fn dummy_value(dummy: &Dummy, r: usize, scale: f64, offset: f64) -> f64 {
    match dummy {
        Dummy::Level => scale,
        _ => scale * (r as f64 + offset),
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// numpy's `interp(at, xs, ys)` for increasing `xs`: linear between points, clamped outside.
fn interpolate(at: f64, points: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    let mut previous: Option<(f64, f64)> = None;
    for (x, y) in points.clone() {
        if at <= x {
            return match previous {
                None => y,
                Some((x0, y0)) => y0 + (y - y0) * (at - x0) / (x - x0),
            };
        }
        previous = Some((x, y));
    }
    previous.map_or(f64::NAN, |(_, y)| y)
}

/// The number of lagged differences chosen by `method` for the ADF regression with constant
/// and trend (statsmodels `adfuller(x, maxlag, regression="ct", autolag=method)[2]`).
fn adf_ct_autolag(x: &[f64], maxlag: Option<usize>, method: AutoLag) -> Result<usize, ModelError> {
    let n = x.len();
    let limit = (n / 2)
        .checked_sub(3)
        .ok_or(ModelError::TooFewRows { needed: 8, got: n })?;
    let maxlag = match maxlag {
        None => ((12.0 * (n as f64 / 100.0).powf(0.25)).ceil() as usize).min(limit),
        Some(m) if m > limit => return Err(ModelError::Invalid("maxlag must be below n/2 - 3")),
        Some(m) => m,
    };
    let diff: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let rows = n - 1 - maxlag;
    // Columns: const, trend 1..=rows, level x_{t-1}, Δx_{t-1} … Δx_{t-maxlag}.
    let full = Matrix::from_fn(rows, 3 + maxlag, |i, c| match c {
        0 => 1.0,
        1 => (i + 1) as f64,
        2 => x[maxlag + i],
        _ => diff[maxlag + i - (c - 2)],
    });
    let y = Matrix::from_fn(rows, 1, |i, _| diff[maxlag + i]);
    let nf = rows as f64;
    let mut best: Option<(f64, usize)> = None;
    for lag in 0..=maxlag {
        let cols = 3 + lag;
        let design = Matrix::from_fn(rows, cols, |i, c| full[(i, c)]);
        let (_, resid) = least_squares(&design, &y).ok_or(ModelError::Singular)?;
        let ssr: f64 = (0..rows).map(|i| resid[(i, 0)] * resid[(i, 0)]).sum();
        let llf =
            -nf / 2.0 * (2.0 * std::f64::consts::PI).ln() - nf / 2.0 * (ssr / nf).ln() - nf / 2.0;
        let penalty = match method {
            AutoLag::Aic => 2.0,
            AutoLag::Bic => nf.ln(),
        };
        let ic = -2.0 * llf + penalty * cols as f64;
        if best.is_none_or(|(b, _)| ic < b) {
            best = Some((ic, lag));
        }
    }
    best.map(|(_, lag)| lag).ok_or(ModelError::Singular)
}

// Zivot-Andrews simulated quantiles (percent, statistic), as tabulated in statsmodels'
// `ZivotAndrewsUnitRoot` (100,000 replications of 2,000 points).
#[rustfmt::skip]
const CONSTANT: [(f64, f64); 48] = [
    (0.001, -6.78442),
    (0.1, -5.83192),
    (0.2, -5.68139),
    (0.3, -5.58461),
    (0.4, -5.51308),
    (0.5, -5.45043),
    (0.6, -5.39924),
    (0.7, -5.36023),
    (0.8, -5.33219),
    (0.9, -5.30294),
    (1.0, -5.27644),
    (2.5, -5.0334),
    (5.0, -4.81067),
    (7.5, -4.67636),
    (10.0, -4.56618),
    (12.5, -4.4813),
    (15.0, -4.40507),
    (17.5, -4.33947),
    (20.0, -4.28155),
    (22.5, -4.22683),
    (25.0, -4.1783),
    (27.5, -4.13101),
    (30.0, -4.08586),
    (32.5, -4.04455),
    (35.0, -4.0038),
    (37.5, -3.96144),
    (40.0, -3.92078),
    (42.5, -3.88178),
    (45.0, -3.84503),
    (47.5, -3.80549),
    (50.0, -3.77031),
    (52.5, -3.73209),
    (55.0, -3.696),
    (57.5, -3.65985),
    (60.0, -3.62126),
    (65.0, -3.5458),
    (70.0, -3.46848),
    (75.0, -3.38533),
    (80.0, -3.29112),
    (85.0, -3.17832),
    (90.0, -3.04165),
    (92.5, -2.95146),
    (95.0, -2.83179),
    (96.0, -2.76465),
    (97.0, -2.68624),
    (98.0, -2.57884),
    (99.0, -2.40044),
    (99.9, -1.88932),
];
#[rustfmt::skip]
const TREND: [(f64, f64); 48] = [
    (0.001, -83.9094),
    (0.1, -13.8837),
    (0.2, -9.13205),
    (0.3, -6.32564),
    (0.4, -5.60803),
    (0.5, -5.38794),
    (0.6, -5.26585),
    (0.7, -5.18734),
    (0.8, -5.12756),
    (0.9, -5.07984),
    (1.0, -5.03421),
    (2.5, -4.65634),
    (5.0, -4.4058),
    (7.5, -4.25214),
    (10.0, -4.13678),
    (12.5, -4.03765),
    (15.0, -3.95185),
    (17.5, -3.87945),
    (20.0, -3.81295),
    (22.5, -3.75273),
    (25.0, -3.69836),
    (27.5, -3.64785),
    (30.0, -3.59819),
    (32.5, -3.55146),
    (35.0, -3.50522),
    (37.5, -3.45987),
    (40.0, -3.41672),
    (42.5, -3.37465),
    (45.0, -3.33394),
    (47.5, -3.29393),
    (50.0, -3.25316),
    (52.5, -3.21244),
    (55.0, -3.17124),
    (57.5, -3.13211),
    (60.0, -3.09204),
    (65.0, -3.01135),
    (70.0, -2.92897),
    (75.0, -2.83614),
    (80.0, -2.73893),
    (85.0, -2.6284),
    (90.0, -2.49611),
    (92.5, -2.41337),
    (95.0, -2.3082),
    (96.0, -2.25797),
    (97.0, -2.19648),
    (98.0, -2.1132),
    (99.0, -1.99138),
    (99.9, -1.67466),
];
#[rustfmt::skip]
const BOTH: [(f64, f64); 48] = [
    (0.001, -38.178),
    (0.1, -6.43107),
    (0.2, -6.07279),
    (0.3, -5.95496),
    (0.4, -5.86254),
    (0.5, -5.77081),
    (0.6, -5.72541),
    (0.7, -5.68406),
    (0.8, -5.65163),
    (0.9, -5.60419),
    (1.0, -5.57556),
    (2.5, -5.29704),
    (5.0, -5.07332),
    (7.5, -4.93003),
    (10.0, -4.82668),
    (12.5, -4.73711),
    (15.0, -4.6602),
    (17.5, -4.5897),
    (20.0, -4.52855),
    (22.5, -4.471),
    (25.0, -4.42011),
    (27.5, -4.37387),
    (30.0, -4.32705),
    (32.5, -4.28126),
    (35.0, -4.23793),
    (37.5, -4.19822),
    (40.0, -4.158),
    (42.5, -4.11946),
    (45.0, -4.08064),
    (47.5, -4.04286),
    (50.0, -4.00489),
    (52.5, -3.96837),
    (55.0, -3.932),
    (57.5, -3.89496),
    (60.0, -3.85577),
    (65.0, -3.77795),
    (70.0, -3.69794),
    (75.0, -3.61852),
    (80.0, -3.52485),
    (85.0, -3.41665),
    (90.0, -3.28527),
    (92.5, -3.19724),
    (95.0, -3.08769),
    (96.0, -3.03088),
    (97.0, -2.96091),
    (98.0, -2.85581),
    (99.0, -2.71015),
    (99.9, -2.28767),
];
