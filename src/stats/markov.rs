//! A two-state Markov-switching AR(1) by maximum likelihood: the regime model of the pair
//! filters (mean-reverting or trending spread), fitted on the cold model thread.
//!
//! Model (Hamilton 1989, "A new approach to the economic analysis of nonstationary time series
//! and the business cycle", *Econometrica* 57(2); Kim and Nelson 1999, *State-Space Models with
//! Regime Switching*, ch. 4), with statsmodels' definitions (`MarkovAutoregression(y,
//! k_regimes=2, order=1, trend="c", switching_ar=True, switching_variance=True)`):
//!
//! ```text
//! y_t = μ_{S_t} + φ_{S_t} (y_{t-1} - μ_{S_{t-1}}) + ε_t,   ε_t ~ N(0, σ²_{S_t})
//! P[i, j] = Pr(S_t = i | S_{t-1} = j),   p00 = P[0, 0],  p10 = P[0, 1]
//! ```
//!
//! The likelihood conditions on the first observation; the regime of that observation starts at
//! the chain's steady state. The Hamilton filter runs on the joint state `(S_t, S_{t-1})`:
//! `Pr(S_t = i, S_{t-1} = j | Y_{t-1}) = P[i, j] Σ_k Pr(S_{t-1} = j, S_{t-2} = k | Y_{t-1})`.
//!
//! The maximum is found by Nelder-Mead (Lagarias et al. 1998, "Convergence properties of the
//! Nelder-Mead simplex method in low dimensions", *SIAM J. Optim.* 9(1)) on unconstrained
//! parameters (`p = logistic(x)`, `σ² = exp(x)`, `φ = tanh(x)`, so `|φ| < 1` as statsmodels'
//! stationarity transform), from statsmodels' start and from a reverting/trending start, each
//! restarted at its optimum until the likelihood stops improving. The states are then labelled
//! so that state 0 has the smaller AR coefficient.
//!
//! Cold path: allocates.

use super::ModelError;

/// A fitted two-state Markov-switching AR(1) (statsmodels' parameter names in brackets).
///
/// # Examples
/// ```
/// use hft::stats::markov_ar1_fit;
/// // 300 rows reverting fast around 0, then 300 rows of a persistent walk.
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract().abs() - 0.5;
/// let mut y = vec![0.0];
/// for t in 1..600 {
///     let phi = if t < 300 { 0.2 } else { 0.98 };
///     y.push(phi * y[t - 1] + noise(t));
/// }
/// let m = markov_ar1_fit(&y).unwrap();
/// assert!(m.ar[0] < 0.6 && m.ar[1] > 0.8);
/// assert!(m.reverting_probability().unwrap() < 0.5); // the end trends
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkovAr1 {
    /// `Pr(S_t = 0 | S_{t-1} = 0)` (`p[0->0]`).
    pub p00: f64,
    /// `Pr(S_t = 0 | S_{t-1} = 1)` (`p[1->0]`).
    pub p10: f64,
    /// `μ_0, μ_1` (`const[0]`, `const[1]`).
    pub mean: [f64; 2],
    /// `σ²_0, σ²_1` (`sigma2[0]`, `sigma2[1]`).
    pub sigma2: [f64; 2],
    /// `φ_0 ≤ φ_1` (`ar.L1[0]`, `ar.L1[1]`).
    pub ar: [f64; 2],
    /// The maximised log-likelihood (`llf`).
    pub loglike: f64,
    /// `Pr(S_T = i | Y_T)` at the last observation (`filtered_marginal_probabilities[-1]`).
    pub filtered_last: [f64; 2],
}

impl MarkovAr1 {
    /// The filtered probability of the mean-reverting state (state 0, the smaller `φ`) at the
    /// last observation; `None` when both states have the same coefficient.
    pub fn reverting_probability(&self) -> Option<f64> {
        (self.ar[0] < self.ar[1]).then_some(self.filtered_last[0])
    }
}

/// Parameters in statsmodels' order: p00, p10, μ0, μ1, σ²0, σ²1, φ0, φ1.
type Params = [f64; 8];

/// The log-likelihood of `y` at `params` and the filtered probabilities at the last row
/// (statsmodels `MarkovAutoregression.loglike` and `filtered_marginal_probabilities`).
///
/// # Examples
/// ```
/// use hft::stats::markov_ar1_loglike;
/// // With both states identical, the model is one AR(1): a sum of normal log-densities.
/// let y = [0.0, 1.0, 0.5];
/// let (ll, _) = markov_ar1_loglike(&y, [0.9, 0.1, 0.0, 0.0, 1.0, 1.0, 0.5, 0.5]).unwrap();
/// let norm = |e: f64| -0.5 * e * e - 0.5 * (2.0 * std::f64::consts::PI).ln();
/// assert!((ll - (norm(1.0) + norm(0.0))).abs() < 1e-12);
/// ```
pub fn markov_ar1_loglike(y: &[f64], params: Params) -> Option<(f64, [f64; 2])> {
    let [p00, p10, m0, m1, s0, s1, a0, a1] = params;
    let valid = s0 > 0.0 && s1 > 0.0 && (0.0..=1.0).contains(&p00) && (0.0..=1.0).contains(&p10);
    if !valid {
        return None;
    }
    // P[i][j] = Pr(S_t = i | S_{t-1} = j), floored as statsmodels' log filter does.
    let tr = [[p00, p10], [1.0 - p00, 1.0 - p10]].map(|r| r.map(|p| p.max(1e-20)));
    let steady0 = if (1.0 - p00 + p10) > 0.0 {
        p10 / (1.0 - p00 + p10)
    } else {
        0.5
    };
    let (mean, var, ar) = ([m0, m1], [s0, s1], [a0, a1]);
    // filtered[i][j] = Pr(S_t = i, S_{t-1} = j | Y_t); start: the previous regime at steady state.
    let start = [steady0.max(1e-20), (1.0 - steady0).max(1e-20)];
    let mut marginal_prev = start;
    let mut loglike = 0.0;
    let mut last = [0.0; 2];
    let log_2pi = (2.0 * std::f64::consts::PI).ln();
    for t in 1..y.len() {
        let mut joint = [[0.0; 2]; 2];
        let mut total = 0.0;
        for i in 0..2 {
            for j in 0..2 {
                let e = y[t] - mean[i] - ar[i] * (y[t - 1] - mean[j]);
                let log_density = -0.5 * e * e / var[i] - 0.5 * (log_2pi + var[i].ln());
                joint[i][j] = tr[i][j] * marginal_prev[j] * log_density.exp();
                total += joint[i][j];
            }
        }
        if !(total > 0.0 && total.is_finite()) {
            return None;
        }
        loglike += total.ln();
        last = [
            (joint[0][0] + joint[0][1]) / total,
            (joint[1][0] + joint[1][1]) / total,
        ];
        marginal_prev = last;
    }
    loglike.is_finite().then_some((loglike, last))
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn constrain(x: &Params) -> Params {
    [
        logistic(x[0]),
        logistic(x[1]),
        x[2],
        x[3],
        x[4].exp(),
        x[5].exp(),
        x[6].tanh(),
        x[7].tanh(),
    ]
}

fn unconstrain(p: &Params) -> Params {
    let clamp = |v: f64| v.clamp(-0.999, 0.999);
    [
        logit(p[0].clamp(1e-6, 1.0 - 1e-6)),
        logit(p[1].clamp(1e-6, 1.0 - 1e-6)),
        p[2],
        p[3],
        p[4].ln(),
        p[5].ln(),
        clamp(p[6]).atanh(),
        clamp(p[7]).atanh(),
    ]
}

/// Fits the model to `y` (see the module docs).
///
/// # Errors
/// [`ModelError::TooFewRows`] below 20 observations; [`ModelError::NonFinite`];
/// [`ModelError::Singular`] for a series without variation or a likelihood that cannot be
/// evaluated at any start.
///
/// # Examples
/// ```
/// use hft::stats::{ModelError, markov_ar1_fit};
/// assert_eq!(markov_ar1_fit(&[1.0; 50]).unwrap_err(), ModelError::Singular);
/// ```
pub fn markov_ar1_fit(y: &[f64]) -> Result<MarkovAr1, ModelError> {
    let n = y.len();
    if n < 20 {
        return Err(ModelError::TooFewRows { needed: 20, got: n });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    // OLS of y_t on (1, y_{t-1}), statsmodels' start.
    let m = (n - 1) as f64;
    let (mx, my) = (
        y[..n - 1].iter().sum::<f64>() / m,
        y[1..].iter().sum::<f64>() / m,
    );
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for t in 1..n {
        sxx += (y[t - 1] - mx) * (y[t - 1] - mx);
        sxy += (y[t - 1] - mx) * (y[t] - my);
    }
    if sxx <= 0.0 {
        return Err(ModelError::Singular);
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let resid_var = (1..n)
        .map(|t| (y[t] - intercept - slope * y[t - 1]).powi(2))
        .sum::<f64>()
        / m;
    if resid_var <= 0.0 {
        return Err(ModelError::Singular);
    }
    let level = y.iter().sum::<f64>() / n as f64;
    let starts: [Params; 2] = [
        [
            0.5,
            0.5,
            0.0,
            intercept * 0.5,
            resid_var / 10.0,
            resid_var,
            0.0,
            slope * 0.5,
        ],
        [
            0.9,
            0.1,
            level,
            level,
            resid_var,
            resid_var,
            0.2,
            slope.clamp(-0.99, 0.99),
        ],
    ];
    let scale = resid_var.sqrt().max(1e-12);
    let objective = |x: &Params| -> f64 {
        markov_ar1_loglike(y, constrain(x)).map_or(f64::INFINITY, |(ll, _)| -ll)
    };
    let mut best: Option<(f64, Params)> = None;
    for start in &starts {
        let mut x = unconstrain(start);
        let mut value = objective(&x);
        if !value.is_finite() {
            continue;
        }
        for _restart in 0..20 {
            let (nx, nv) = nelder_mead(&objective, &x, scale);
            let improved = value - nv;
            (x, value) = (nx, nv);
            if improved <= 1e-10 * value.abs().max(1.0) {
                break;
            }
        }
        if best.is_none_or(|(v, _)| value < v) {
            best = Some((value, x));
        }
    }
    let (_, x) = best.ok_or(ModelError::Singular)?;
    let mut p = constrain(&x);
    if p[6] > p[7] {
        // Relabel: state 0 is the smaller φ. p'00 = p11, p'10 = p01.
        p = [1.0 - p[1], 1.0 - p[0], p[3], p[2], p[5], p[4], p[7], p[6]];
    }
    let (loglike, filtered_last) = markov_ar1_loglike(y, p).ok_or(ModelError::Singular)?;
    Ok(MarkovAr1 {
        p00: p[0],
        p10: p[1],
        mean: [p[2], p[3]],
        sigma2: [p[4], p[5]],
        ar: [p[6], p[7]],
        loglike,
        filtered_last,
    })
}

/// Nelder-Mead minimisation from `x0` (standard coefficients 1, 2, 1/2, 1/2); the initial
/// simplex steps 0.5 in every transformed coordinate and `scale` in the means.
fn nelder_mead(f: &impl Fn(&Params) -> f64, x0: &Params, scale: f64) -> (Params, f64) {
    const N: usize = 8;
    let mut simplex: Vec<(Params, f64)> = Vec::with_capacity(N + 1);
    simplex.push((*x0, f(x0)));
    for i in 0..N {
        let mut x = *x0;
        x[i] += if i == 2 || i == 3 { scale } else { 0.5 };
        simplex.push((x, f(&x)));
    }
    for _ in 0..20_000 {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[N].1);
        let spread = (0..N)
            .map(|i| {
                simplex
                    .iter()
                    .map(|(x, _)| (x[i] - simplex[0].0[i]).abs())
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max);
        if (worst - best).abs() <= 1e-12 * best.abs().max(1e-12) && spread < 1e-9 {
            break;
        }
        let mut centroid = [0.0; N];
        for (x, _) in &simplex[..N] {
            for i in 0..N {
                centroid[i] += x[i] / N as f64;
            }
        }
        let towards = |t: f64| -> Params {
            let mut p = [0.0; N];
            for i in 0..N {
                p[i] = centroid[i] + t * (simplex[N].0[i] - centroid[i]);
            }
            p
        };
        let reflected = towards(-1.0);
        let fr = f(&reflected);
        if fr < simplex[0].1 {
            let expanded = towards(-2.0);
            let fe = f(&expanded);
            simplex[N] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[N - 1].1 {
            simplex[N] = (reflected, fr);
        } else {
            let (contracted, fc) = if fr < simplex[N].1 {
                let c = towards(-0.5);
                (c, f(&c))
            } else {
                let c = towards(0.5);
                (c, f(&c))
            };
            if fc < fr.min(simplex[N].1) {
                simplex[N] = (contracted, fc);
            } else {
                let x0 = simplex[0].0;
                for (x, v) in simplex.iter_mut().skip(1) {
                    for i in 0..N {
                        x[i] = x0[i] + 0.5 * (x[i] - x0[i]);
                    }
                    *v = f(x);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex[0]
}
