//! The Johansen cointegration test: eigenvalues, trace and maximum-eigenvalue statistics, and
//! their critical values.
//!
//! Johansen (1991, "Estimation and hypothesis testing of cointegration vectors in Gaussian
//! vector autoregressive models", *Econometrica* 59(6)); the computation follows statsmodels'
//! `coint_johansen(endog, det_order, k_ar_diff)` step by step (written from its documented
//! definition, including its choice of sample):
//!
//! 1. `det_order` -1: no deterministic terms; 0: the levels are demeaned; 1: the levels are
//!    detrended (least squares on a constant and a linear trend).
//! 2. `Δx_t` is regressed on `k_ar_diff` lagged differences (all demeaned unless `det_order` is
//!    -1): residuals `R0`. The levels `x_{t+1}` for rows `1 .. n - k_ar_diff` (statsmodels'
//!    alignment: the lagged level for `k_ar_diff = 1`) are regressed on the same: residuals
//!    `R1`. `T` is the number of rows.
//! 3. `S11 = R1'R1/T`, `S10 = R1'R0/T`, `S00 = R0'R0/T`; the eigenvalues `λ` solve
//!    `|λ S11 - S10 S00⁻¹ S01| = 0`, found here as the eigenvalues of the symmetric
//!    `L⁻¹ S10 S00⁻¹ S01 L⁻ᵀ` with `S11 = LLᵀ` (Cholesky), largest first.
//! 4. Trace statistic for rank ≤ r: `-T Σ_{i ≥ r} ln(1 - λ_i)`; maximum eigenvalue: `-T ln(1 - λ_r)`.
//!
//! Critical values (90 %, 95 %, 99 %) are MacKinnon, Haug and Michelis (1999, "Numerical
//! distribution functions of likelihood ratio tests for cointegration", *J. Appl. Econometrics*
//! 14(5)), as tabulated in statsmodels' `coint_tables` (`c_sjt`, `c_sja`) for 1 to 12 series;
//! `None` beyond 12 series.

use super::linalg::lower_inverse;
use super::{Matrix, ModelError, cholesky, least_squares, symmetric_eigenvalues};

/// The result of [`johansen`]; index `r` of each vector is the null hypothesis "rank ≤ r".
///
/// # Examples
/// ```
/// use hft::stats::johansen;
/// // b is a random walk (a deterministic hash standing in for draws); a = 2 b + noise.
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5;
/// let b: Vec<f64> = (0..300).scan(0.0, |level, t| { *level += noise(t); Some(*level) }).collect();
/// let a: Vec<f64> = b.iter().enumerate().map(|(t, v)| 2.0 * v + noise(t + 1000)).collect();
/// let j = johansen(&[a, b], 0, 1).unwrap();
/// assert!(j.trace[0] > j.trace_crit[0].unwrap()[2]); // cointegrated at 1 %
/// assert_eq!(j.trace.len(), 2);
/// assert_eq!(j.trace[1], j.max_eigen[1]);
/// assert_eq!(j.trace_crit[1], Some([2.7055, 3.8415, 6.6349]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Johansen {
    /// The deterministic terms: -1, 0 or 1.
    pub det_order: i32,
    /// Lagged differences in the auxiliary regressions.
    pub k_ar_diff: usize,
    /// Rows of the auxiliary regressions.
    pub nobs: usize,
    /// Eigenvalues, largest first.
    pub eigenvalues: Vec<f64>,
    /// Trace statistics.
    pub trace: Vec<f64>,
    /// Maximum-eigenvalue statistics.
    pub max_eigen: Vec<f64>,
    /// Critical values of the trace statistic at 90, 95 and 99 %.
    pub trace_crit: Vec<Option<[f64; 3]>>,
    /// Critical values of the maximum-eigenvalue statistic at 90, 95 and 99 %.
    pub max_eigen_crit: Vec<Option<[f64; 3]>>,
}

/// Residuals of the least-squares fit of each column of `y` on a constant and, for
/// `order == 1`, a linear trend; `y` itself for `order == -1`.
fn detrend(y: Matrix, order: i32) -> Result<Matrix, ModelError> {
    if order < 0 {
        return Ok(y);
    }
    let n = y.rows();
    let x = Matrix::from_fn(n, order as usize + 1, |i, j| {
        if j == 0 { 1.0 } else { i as f64 / n as f64 }
    });
    least_squares(&x, &y)
        .map(|(_, r)| r)
        .ok_or(ModelError::Singular)
}

fn residualize(y: Matrix, z: Option<&Matrix>) -> Result<Matrix, ModelError> {
    match z {
        None => Ok(y),
        Some(z) => least_squares(z, &y)
            .map(|(_, r)| r)
            .ok_or(ModelError::Singular),
    }
}

/// The Johansen test of the aligned `series` (one slice per variable), as statsmodels
/// `coint_johansen(np.column_stack(series), det_order, k_ar_diff)`.
///
/// # Errors
/// [`ModelError::Invalid`] for `det_order` outside -1..=1, fewer than two series or unequal
/// lengths; [`ModelError::TooFewRows`] when the auxiliary regressions have no degrees of
/// freedom left; [`ModelError::Singular`] for collinear series (e.g. a constant one);
/// [`ModelError::NonFinite`].
///
/// # Examples
/// ```
/// use hft::stats::{ModelError, johansen};
/// let a: Vec<f64> = (0..100).map(|t| (t as f64).sin()).collect();
/// assert_eq!(johansen(&[a.clone(), a], 2, 1).unwrap_err(), ModelError::Invalid("det_order must be -1, 0 or 1"));
/// ```
pub fn johansen<S: AsRef<[f64]>>(
    series: &[S],
    det_order: i32,
    k_ar_diff: usize,
) -> Result<Johansen, ModelError> {
    if !(-1..=1).contains(&det_order) {
        return Err(ModelError::Invalid("det_order must be -1, 0 or 1"));
    }
    let k = series.len();
    if k < 2 {
        return Err(ModelError::Invalid(
            "the Johansen test needs at least two series",
        ));
    }
    let n = series[0].as_ref().len();
    if series.iter().any(|s| s.as_ref().len() != n) {
        return Err(ModelError::Invalid("series of different lengths"));
    }
    if series
        .iter()
        .any(|s| s.as_ref().iter().any(|v| !v.is_finite()))
    {
        return Err(ModelError::NonFinite);
    }
    let needed = k_ar_diff + 2 + k * k_ar_diff + 2 + k;
    if n < needed {
        return Err(ModelError::TooFewRows { needed, got: n });
    }
    let f = if det_order > -1 { 0 } else { -1 };
    let levels = detrend(
        Matrix::from_fn(n, k, |t, v| series[v].as_ref()[t]),
        det_order,
    )?;
    let dx = Matrix::from_fn(n - 1, k, |t, v| levels[(t + 1, v)] - levels[(t, v)]);
    let rows = n - 1 - k_ar_diff;
    let z = if k_ar_diff == 0 {
        None
    } else {
        // Row r (time k_ar_diff + r of dx): Δx at lags 1..=k_ar_diff.
        let lagged = Matrix::from_fn(rows, k * k_ar_diff, |r, c| {
            let (lag, v) = (c / k + 1, c % k);
            dx[(k_ar_diff + r - lag, v)]
        });
        Some(detrend(lagged, f)?)
    };
    let d0 = detrend(Matrix::from_fn(rows, k, |r, v| dx[(k_ar_diff + r, v)]), f)?;
    let r0 = residualize(d0, z.as_ref())?;
    let lx = detrend(Matrix::from_fn(rows, k, |r, v| levels[(1 + r, v)]), f)?;
    let r1 = residualize(lx, z.as_ref())?;
    let t = rows as f64;
    let s11 = r1.t_matmul(&r1).scaled(1.0 / t);
    let s10 = r1.t_matmul(&r0).scaled(1.0 / t);
    let s00 = r0.t_matmul(&r0).scaled(1.0 / t);
    let s00_inv = super::spd_inverse(&s00).ok_or(ModelError::Singular)?;
    let sig = s10.matmul(&s00_inv).matmul(&s10.transpose());
    let l_inv = lower_inverse(&cholesky(&s11).ok_or(ModelError::Singular)?);
    let c = l_inv.matmul(&sig).matmul(&l_inv.transpose());
    let eigenvalues = symmetric_eigenvalues(&c);
    if eigenvalues.iter().any(|l| !(0.0..1.0).contains(l)) {
        return Err(ModelError::Singular);
    }
    let log_one_minus: Vec<f64> = eigenvalues.iter().map(|l| (1.0 - l).ln()).collect();
    let trace = (0..k)
        .map(|i| -t * log_one_minus[i..].iter().sum::<f64>())
        .collect();
    let max_eigen = log_one_minus.iter().map(|v| -t * v).collect();
    let table =
        |tab: &[[[f64; 3]; 12]; 3], i: usize| tab[(det_order + 1) as usize].get(k - i - 1).copied();
    Ok(Johansen {
        det_order,
        k_ar_diff,
        nobs: rows,
        eigenvalues,
        trace,
        max_eigen,
        trace_crit: (0..k).map(|i| table(&TRACE, i)).collect(),
        max_eigen_crit: (0..k).map(|i| table(&MAX_EIGEN, i)).collect(),
    })
}

// MacKinnon, Haug and Michelis (1999) critical values at 90, 95 and 99 %, indexed
// [det_order + 1][number of series under the null - 1] (statsmodels `coint_tables`).
#[rustfmt::skip]
const MAX_EIGEN: [[[f64; 3]; 12]; 3] = [
    [
        [2.9762, 4.1296, 6.9406],
        [9.4748, 11.2246, 15.0923],
        [15.7175, 17.7961, 22.2519],
        [21.837, 24.1592, 29.0609],
        [27.916, 30.4428, 35.7359],
        [33.9271, 36.6301, 42.2333],
        [39.9085, 42.7679, 48.6606],
        [45.893, 48.8795, 55.0335],
        [51.8528, 54.9629, 61.3449],
        [57.7954, 61.0404, 67.6415],
        [63.7248, 67.0756, 73.8856],
        [69.6513, 73.0946, 80.0937],
    ],
    [
        [2.7055, 3.8415, 6.6349],
        [12.2971, 14.2639, 18.52],
        [18.8928, 21.1314, 25.865],
        [25.1236, 27.5858, 32.7172],
        [31.2379, 33.8777, 39.3693],
        [37.2786, 40.0763, 45.8662],
        [43.2947, 46.2299, 52.3069],
        [49.2855, 52.3622, 58.6634],
        [55.2412, 58.4332, 64.996],
        [61.2041, 64.504, 71.2525],
        [67.1307, 70.5392, 77.4877],
        [73.0563, 76.5734, 83.7105],
    ],
    [
        [2.7055, 3.8415, 6.6349],
        [15.0006, 17.1481, 21.7465],
        [21.8731, 24.2522, 29.2631],
        [28.2398, 30.8151, 36.193],
        [34.4202, 37.1646, 42.8612],
        [40.5244, 43.4183, 49.4095],
        [46.5583, 49.5875, 55.8171],
        [52.5858, 55.7302, 62.1741],
        [58.5316, 61.8051, 68.503],
        [64.5292, 67.904, 74.7434],
        [70.463, 73.9355, 81.0678],
        [76.4081, 79.9878, 87.2395],
    ],
];

#[rustfmt::skip]
const TRACE: [[[f64; 3]; 12]; 3] = [
    [
        [2.9762, 4.1296, 6.9406],
        [10.4741, 12.3212, 16.364],
        [21.7781, 24.2761, 29.5147],
        [37.0339, 40.1749, 46.5716],
        [56.2839, 60.0627, 67.6367],
        [79.5329, 83.9383, 92.7136],
        [106.7351, 111.7797, 121.7375],
        [137.9954, 143.6691, 154.7977],
        [173.2292, 179.5199, 191.8122],
        [212.4721, 219.4051, 232.8291],
        [255.6732, 263.2603, 277.9962],
        [302.9054, 311.1288, 326.9716],
    ],
    [
        [2.7055, 3.8415, 6.6349],
        [13.4294, 15.4943, 19.9349],
        [27.0669, 29.7961, 35.4628],
        [44.4929, 47.8545, 54.6815],
        [65.8202, 69.8189, 77.8202],
        [91.109, 95.7542, 104.9637],
        [120.3673, 125.6185, 135.9825],
        [153.6341, 159.529, 171.0905],
        [190.8714, 197.3772, 210.0366],
        [232.103, 239.2468, 253.2526],
        [277.374, 285.1402, 300.2821],
        [326.5354, 334.9795, 351.215],
    ],
    [
        [2.7055, 3.8415, 6.6349],
        [16.1619, 18.3985, 23.1485],
        [32.0645, 35.0116, 41.0815],
        [51.6492, 55.2459, 62.5202],
        [75.1027, 79.3422, 87.7748],
        [102.4674, 107.3429, 116.9829],
        [133.7852, 139.278, 150.0778],
        [169.0618, 175.1584, 187.1891],
        [208.3582, 215.1268, 228.2226],
        [251.6293, 259.0267, 273.3838],
        [298.8836, 306.8988, 322.4264],
        [350.1125, 358.719, 375.3203],
    ],
];
