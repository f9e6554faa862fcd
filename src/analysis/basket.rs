//! `hft analyze --basket`: the factor model of [`crate::stats::FactorModel`] fitted on the last
//! window of the named series' simple returns, as one serializable [`BasketReport`] (every key is
//! documented in the README's "hft analyze --basket" section with the numpy / statsmodels
//! computation it matches; `scripts/reference_factor.py` is that computation).

use super::{AnalyzeError, select};
use crate::stats::{FactorConfig, FactorCount, FactorModel, FitError};
use serde::Serialize;
use std::io::{self, Write};

/// The factor model of a basket at the last window.
///
/// # Examples
/// ```
/// use hft::analysis::basket;
/// use hft::stats::{FactorConfig, FactorCount};
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5;
/// let walk = |seed: usize| -> Vec<f64> {
///     (0..200).scan(100.0, |p, t| { *p *= 1.0 + 0.01 * noise(t + 9000) + 0.004 * noise(t * 7 + seed); Some(*p) }).collect()
/// };
/// let names: Vec<String> = ["A", "B", "C"].map(String::from).to_vec();
/// let columns = vec![walk(1), walk(2), walk(3)];
/// let cfg = FactorConfig { factor_window: 150, residual_window: 60, k: FactorCount::Fixed(1), dt: 1.0 };
/// let report = basket(&names, &columns, &names, &cfg).unwrap();
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["k"], 1);
/// assert_eq!(json["names"][2]["symbol"], "C");
/// assert_eq!(json["factors"][0]["loadings"].as_array().unwrap().len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasketReport {
    /// Rows of the closes file.
    pub rows: usize,
    /// The symbols, in order (every per-name array follows it).
    pub symbols: Vec<String>,
    /// The returns: always `"simple"` (`close[t] / close[t-1] - 1`).
    pub returns: &'static str,
    /// Returns in the factor window (the last ones of the file).
    pub factor_window: usize,
    /// The last rows of that window used by the regressions.
    pub residual_window: usize,
    /// The unit of κ: one row is `dt`.
    pub dt: f64,
    /// The factor-count rule: `"fixed"` or `"explained"`.
    pub k_rule: &'static str,
    /// The fraction asked for under `"explained"` (null under `"fixed"`).
    pub explained_target: Option<f64>,
    /// Factors kept.
    pub k: usize,
    /// All eigenvalues of the correlation matrix, largest first.
    pub eigenvalues: Vec<f64>,
    /// All explained variance ratios, in the same order.
    pub explained_variance: Vec<f64>,
    /// The kept factors.
    pub factors: Vec<FactorReport>,
    /// Every name's residual model.
    pub names: Vec<NameReport>,
}

/// One kept factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorReport {
    /// Its eigenvalue.
    pub eigenvalue: f64,
    /// Its explained variance ratio.
    pub explained_variance: f64,
    /// The unit eigenvector, one component per symbol (sign rule: largest component positive).
    pub loadings: Vec<f64>,
    /// Eigenportfolio weights `loading / std`, one per symbol.
    pub eigenportfolio: Vec<f64>,
}

/// One name's residual model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NameReport {
    /// The symbol.
    pub symbol: String,
    /// Sample standard deviation of its returns over the factor window.
    pub std: f64,
    /// Constant of the residual regression.
    pub intercept: f64,
    /// Betas on the `k` factor returns.
    pub betas: Vec<f64>,
    /// AR(1) constant of the cumulative residual.
    pub a: f64,
    /// AR(1) slope.
    pub b: f64,
    /// AR(1) innovation variance, `SSR / (nobs - 2)`.
    pub var_e: f64,
    /// The last cumulative residual.
    pub x_last: f64,
    /// Whether `b` is in (0, 1) (the fields below are null otherwise).
    pub tradeable: bool,
    /// `-ln(b) / dt`.
    pub kappa: Option<f64>,
    /// `a / (1 - b)`.
    pub m: Option<f64>,
    /// `sqrt(var_e / (1 - b²))`.
    pub sigma_eq: Option<f64>,
    /// `m` less its mean over the tradeable names.
    pub m_centred: Option<f64>,
    /// `(x_last - m_centred) / sigma_eq`.
    pub s_score: Option<f64>,
}

/// Fits the factor model of `symbols` (columns of `names` / `columns`) on the last
/// `cfg.factor_window` simple returns.
///
/// # Errors
/// An unknown, repeated, non-positive or constant symbol, too few rows for the window, an
/// invalid setting, or a fit without an answer ([`AnalyzeError::Factor`]).
pub fn basket(
    names: &[String],
    columns: &[Vec<f64>],
    symbols: &[String],
    cfg: &FactorConfig,
) -> Result<BasketReport, AnalyzeError> {
    let closes = select(names, columns, symbols)?;
    let n = closes.len();
    let rows = closes.first().map_or(0, |c| c.len());
    cfg.check(n).map_err(|e| factor_error(e, symbols))?;
    if rows < cfg.factor_window + 1 {
        return Err(AnalyzeError::TooFewRows {
            needed: cfg.factor_window + 1,
            got: rows,
        });
    }
    let start = rows - cfg.factor_window;
    let mut window = Vec::with_capacity(cfg.factor_window * n);
    for t in start..rows {
        window.extend(closes.iter().map(|c| c[t] / c[t - 1] - 1.0));
    }
    let mut model = FactorModel::new(n, cfg);
    let fit = model.fit(&window).map_err(|e| factor_error(e, symbols))?;
    let k = fit.k();
    let (k_rule, explained_target) = match cfg.k {
        FactorCount::Fixed(_) => ("fixed", None),
        FactorCount::Explained(f) => ("explained", Some(f)),
    };
    Ok(BasketReport {
        rows,
        symbols: symbols.to_vec(),
        returns: "simple",
        factor_window: cfg.factor_window,
        residual_window: cfg.residual_window,
        dt: cfg.dt,
        k_rule,
        explained_target,
        k,
        eigenvalues: fit.eigenvalues().to_vec(),
        explained_variance: fit.explained_variance().to_vec(),
        factors: (0..k)
            .map(|j| FactorReport {
                eigenvalue: fit.eigenvalues()[j],
                explained_variance: fit.explained_variance()[j],
                loadings: fit.loadings(j).to_vec(),
                eigenportfolio: fit.eigenportfolio(j).to_vec(),
            })
            .collect(),
        names: fit
            .names()
            .iter()
            .enumerate()
            .map(|(i, x)| NameReport {
                symbol: symbols[i].clone(),
                std: fit.std_devs()[i],
                intercept: x.intercept,
                betas: fit.betas(i).to_vec(),
                a: x.a,
                b: x.b,
                var_e: x.var_e,
                x_last: x.x_last,
                tradeable: x.tradeable(),
                kappa: x.kappa,
                m: x.m,
                sigma_eq: x.sigma_eq,
                m_centred: x.m_centred,
                s_score: x.s_score,
            })
            .collect(),
    })
}

/// The error of a fit, naming the symbol where the fit names a column.
fn factor_error(e: FitError, symbols: &[String]) -> AnalyzeError {
    let subject = match e {
        FitError::NonFinite { name, .. }
        | FitError::Constant { name }
        | FitError::Degenerate { name } => symbols.get(name).cloned().unwrap_or_default(),
        _ => symbols.join(","),
    };
    AnalyzeError::Factor { subject, reason: e }
}

impl BasketReport {
    /// The report as a text table.
    ///
    /// # Errors
    /// A failed write.
    pub fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(
            out,
            "factor model of {} symbols: last {} of {} rows' simple returns, residual window {}, \
             dt {}, {} factors ({})",
            self.symbols.len(),
            self.factor_window,
            self.rows,
            self.residual_window,
            self.dt,
            self.k,
            match self.explained_target {
                Some(f) => format!("fewest explaining {f}"),
                None => "fixed".to_string(),
            },
        )?;
        write!(out, "eigenvalues:")?;
        for (v, r) in self.eigenvalues.iter().zip(&self.explained_variance) {
            write!(out, " {v:.4} ({:.1} %)", 100.0 * r)?;
        }
        writeln!(out)?;
        let width = self
            .symbols
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(4)
            .max(6);
        write!(out, "{:<width$}", "symbol")?;
        for j in 0..self.k {
            write!(out, "  {:>8}", format!("v{}", j + 1))?;
        }
        for j in 0..self.k {
            write!(out, "  {:>8}", format!("beta{}", j + 1))?;
        }
        writeln!(
            out,
            "  {:>9}  {:>7}  {:>10}  {:>8}  {:>10}  {:>9}  {:>7}",
            "intercept", "b", "var_e", "kappa", "m", "sigma_eq", "s"
        )?;
        let opt = |v: Option<f64>, digits: usize| {
            v.map_or_else(|| "-".to_string(), |x| format!("{x:.digits$}"))
        };
        for (i, name) in self.names.iter().enumerate() {
            write!(out, "{:<width$}", name.symbol)?;
            for f in &self.factors {
                write!(out, "  {:>8.4}", f.loadings[i])?;
            }
            for beta in &name.betas {
                write!(out, "  {beta:>8.4}")?;
            }
            writeln!(
                out,
                "  {:>9.2e}  {:>7.4}  {:>10.3e}  {:>8}  {:>10}  {:>9}  {:>7}",
                name.intercept,
                name.b,
                name.var_e,
                opt(name.kappa, 2),
                opt(name.m, 6),
                opt(name.sigma_eq, 6),
                opt(name.s_score, 3),
            )?;
        }
        Ok(())
    }
}
