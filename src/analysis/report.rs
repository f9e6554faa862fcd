//! The report of `hft analyze`: serializable types (their field names are the JSON keys the
//! README documents) and the text table.

use crate::stats::{InfoCriteria, Johansen, LagSelection, VarFit, VarianceRatio, ZivotAndrews};
use serde::Serialize;
use std::io::{self, Write};

/// Everything `hft analyze` computes.
///
/// # Examples
/// ```
/// use hft::analysis::{AnalyzeParams, analyze};
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5;
/// let a: Vec<f64> = (0..300).scan(100.0, |p, t| { *p *= 1.0 + 0.01 * noise(t); Some(*p) }).collect();
/// let report = analyze(&["A".into()], &[a], &["A".into()], &AnalyzeParams::default()).unwrap();
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["rows"], 300);
/// assert!(json["pair"].is_null() && json["johansen"].is_null());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Rows of the closes file.
    pub rows: usize,
    /// The symbols analyzed, in order.
    pub symbols: Vec<String>,
    /// Per-symbol statistics.
    pub series: Vec<SeriesReport>,
    /// Pair statistics (exactly two symbols).
    pub pair: Option<PairReport>,
    /// VAR on the log returns.
    pub var: VarReport,
    /// Johansen test on the closes (two symbols or more).
    pub johansen: Option<JohansenReport>,
}

/// Statistics of one symbol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesReport {
    /// The symbol.
    pub symbol: String,
    /// Variance ratios of the log closes.
    pub variance_ratio: Vec<VarianceRatio>,
    /// Hurst exponent (R/S) of the log returns.
    pub hurst_rs: f64,
    /// Hurst exponent (DFA-1) of the log returns.
    pub hurst_dfa: f64,
    /// Zivot-Andrews on the log closes.
    pub zivot_andrews: ZaReport,
}

/// A Zivot-Andrews result with flat keys.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZaReport {
    /// Minimum t ratio.
    pub stat: f64,
    /// Interpolated p-value.
    pub pvalue: f64,
    /// Critical value at 1 %.
    pub crit_1: f64,
    /// Critical value at 5 %.
    pub crit_5: f64,
    /// Critical value at 10 %.
    pub crit_10: f64,
    /// Lagged differences (AIC).
    pub lags: usize,
    /// statsmodels' break index.
    pub break_index: usize,
}

impl From<ZivotAndrews> for ZaReport {
    fn from(z: ZivotAndrews) -> Self {
        ZaReport {
            stat: z.stat,
            pvalue: z.pvalue,
            crit_1: z.crit[0],
            crit_5: z.crit[1],
            crit_10: z.crit[2],
            lags: z.lags,
            break_index: z.break_index,
        }
    }
}

/// Statistics of a pair, `a` regressed on `b`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairReport {
    /// Dependent leg.
    pub a: String,
    /// Explanatory leg.
    pub b: String,
    /// OLS slope of `a` on `b`.
    pub hedge_ratio: f64,
    /// OLS constant.
    pub intercept: f64,
    /// Correlation of simple returns.
    pub correlation: f64,
    /// Engle-Granger ADF statistic (no constant, 0 lags) of the residuals.
    pub adf_stat: f64,
    /// MacKinnon's 5 % critical value for it.
    pub adf_critical_5: f64,
    /// Half-life of the spread in rows; `None` when it does not revert.
    pub half_life: Option<f64>,
    /// OLS-CUSUM of the residuals.
    pub cusum: CusumReport,
    /// Chow test of the regression.
    pub chow: ChowReport,
    /// Last values of the two kernels.
    pub kernels: Kernels,
    /// Regime statistics of the spread.
    pub spread: SpreadReport,
}

/// OLS-CUSUM result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CusumReport {
    /// Degrees of freedom removed.
    pub ddof: usize,
    /// Supremum statistic.
    pub stat: f64,
    /// Kolmogorov p-value.
    pub pvalue: f64,
}

/// Chow test result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChowReport {
    /// First row of the second segment.
    pub index: usize,
    /// F statistic.
    pub f: f64,
    /// p-value.
    pub pvalue: f64,
}

/// Both kernels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Kernels {
    /// Rectangular window.
    pub rect: KernelReport,
    /// Exponential weights.
    pub ema: KernelReport,
}

/// A kernel's values at the last row (`None` where undefined).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KernelReport {
    /// Rows of a rectangular window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    /// Half-life in rows of an exponential kernel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub half_life: Option<f64>,
    /// Slope of `a` on `b`.
    pub hedge_ratio: Option<f64>,
    /// Correlation of `a` and `b`.
    pub correlation: Option<f64>,
    /// Mean of the spread.
    pub mean: Option<f64>,
    /// Standard deviation of the spread.
    pub std: Option<f64>,
    /// Z-score of the last spread value.
    pub zscore: Option<f64>,
}

/// Regime statistics of the spread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpreadReport {
    /// Variance ratios of the spread level.
    pub variance_ratio: Vec<VarianceRatio>,
    /// Hurst (R/S) of the spread changes.
    pub hurst_rs: f64,
    /// Hurst (DFA-1) of the spread changes.
    pub hurst_dfa: f64,
    /// Zivot-Andrews on the spread level.
    pub zivot_andrews: ZaReport,
}

/// Information criteria per order, as arrays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriteriaTable {
    /// AIC for orders `0..=max_lags`.
    pub aic: Vec<f64>,
    /// BIC.
    pub bic: Vec<f64>,
    /// HQIC.
    pub hqic: Vec<f64>,
    /// FPE.
    pub fpe: Vec<f64>,
}

/// The order each criterion selects.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Selected {
    /// By AIC.
    pub aic: usize,
    /// By BIC.
    pub bic: usize,
    /// By HQIC.
    pub hqic: usize,
    /// By FPE.
    pub fpe: usize,
}

/// VAR lag selection and the fit at the AIC order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VarReport {
    /// The input: `"log_returns"`.
    pub input: &'static str,
    /// Largest order considered.
    pub max_lags: usize,
    /// Criteria per order.
    pub criteria: CriteriaTable,
    /// Each criterion's order.
    pub selected: Selected,
    /// The fitted order (AIC's).
    pub order: usize,
    /// Constants.
    pub intercept: Vec<f64>,
    /// `coefs[l][i][j]`: series `j` at lag `l + 1` in the equation of series `i`.
    pub coefs: Vec<Vec<Vec<f64>>>,
    /// Residual covariance (degrees-of-freedom corrected).
    pub sigma_u: Vec<Vec<f64>>,
    /// AIC of the fit.
    pub aic: f64,
    /// BIC of the fit.
    pub bic: f64,
    /// HQIC of the fit.
    pub hqic: f64,
    /// FPE of the fit.
    pub fpe: f64,
}

impl VarReport {
    pub(super) fn new(selection: &LagSelection, fit: &VarFit) -> Self {
        let column = |f: fn(&InfoCriteria) -> f64| selection.criteria.iter().map(f).collect();
        VarReport {
            input: "log_returns",
            max_lags: selection.criteria.len() - 1,
            criteria: CriteriaTable {
                aic: column(|c| c.aic),
                bic: column(|c| c.bic),
                hqic: column(|c| c.hqic),
                fpe: column(|c| c.fpe),
            },
            selected: Selected {
                aic: selection.aic,
                bic: selection.bic,
                hqic: selection.hqic,
                fpe: selection.fpe,
            },
            order: fit.order,
            intercept: fit.intercept.clone(),
            coefs: fit.coefs.iter().map(|m| m.to_rows()).collect(),
            sigma_u: fit.sigma_u.to_rows(),
            aic: fit.criteria.aic,
            bic: fit.criteria.bic,
            hqic: fit.criteria.hqic,
            fpe: fit.criteria.fpe,
        }
    }
}

/// The Johansen test on the closes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JohansenReport {
    /// Deterministic terms.
    pub det_order: i32,
    /// Lagged differences.
    pub k_ar_diff: usize,
    /// Eigenvalues, largest first.
    pub eigenvalues: Vec<f64>,
    /// Trace statistics for rank ≤ r.
    pub trace: Vec<f64>,
    /// Maximum-eigenvalue statistics.
    pub max_eigen: Vec<f64>,
    /// Trace critical values (90, 95, 99 %).
    pub trace_crit: Vec<Option<[f64; 3]>>,
    /// Maximum-eigenvalue critical values.
    pub max_eigen_crit: Vec<Option<[f64; 3]>>,
}

impl From<Johansen> for JohansenReport {
    fn from(j: Johansen) -> Self {
        JohansenReport {
            det_order: j.det_order,
            k_ar_diff: j.k_ar_diff,
            eigenvalues: j.eigenvalues,
            trace: j.trace,
            max_eigen: j.max_eigen,
            trace_crit: j.trace_crit,
            max_eigen_crit: j.max_eigen_crit,
        }
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"))
}

impl Report {
    /// Writes the report as aligned text tables.
    ///
    /// # Errors
    /// A failed write.
    pub fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(
            out,
            "{} rows; symbols {}",
            self.rows,
            self.symbols.join(", ")
        )?;
        writeln!(
            out,
            "\nper symbol (VR on log closes, Hurst on log returns, ZA on log closes)"
        )?;
        writeln!(
            out,
            "{:<8} {:>6} {:>8} {:>8} {:>8}  {:>8} {:>8}  {:>8} {:>7} {:>5} {:>6}",
            "symbol",
            "vr_q",
            "vr",
            "vr_stat",
            "vr_p",
            "hurst_rs",
            "hurst_dfa",
            "za_stat",
            "za_p",
            "lags",
            "break"
        )?;
        for s in &self.series {
            for (i, v) in s.variance_ratio.iter().enumerate() {
                let name = if i == 0 { s.symbol.as_str() } else { "" };
                write!(
                    out,
                    "{:<8} {:>6} {:>8.4} {:>8.3} {:>8.4}",
                    name, v.lags, v.vr, v.stat, v.pvalue
                )?;
                if i == 0 {
                    let z = &s.zivot_andrews;
                    write!(
                        out,
                        "  {:>8.4} {:>8.4}  {:>8.3} {:>7.4} {:>5} {:>6}",
                        s.hurst_rs, s.hurst_dfa, z.stat, z.pvalue, z.lags, z.break_index
                    )?;
                }
                writeln!(out)?;
            }
        }
        if let Some(p) = &self.pair {
            writeln!(out, "\npair {} on {}", p.a, p.b)?;
            writeln!(
                out,
                "  hedge ratio {:.6}, intercept {:.4}, return correlation {:.4}",
                p.hedge_ratio, p.intercept, p.correlation
            )?;
            writeln!(
                out,
                "  Engle-Granger ADF {:.4} (5 % critical {}), half-life {} rows",
                p.adf_stat,
                p.adf_critical_5,
                opt(p.half_life)
            )?;
            writeln!(
                out,
                "  CUSUM (ddof {}) {:.4}, p {:.4e}; Chow at row {}: F {:.4}, p {:.4e}",
                p.cusum.ddof, p.cusum.stat, p.cusum.pvalue, p.chow.index, p.chow.f, p.chow.pvalue
            )?;
            for (name, k) in [("rect", &p.kernels.rect), ("ema", &p.kernels.ema)] {
                let size = k.window.map_or_else(
                    || format!("half-life {}", opt(k.half_life)),
                    |w| format!("window {w}"),
                );
                writeln!(
                    out,
                    "  {name} ({size}): hedge {}, corr {}, spread mean {}, sd {}, z {}",
                    opt(k.hedge_ratio),
                    opt(k.correlation),
                    opt(k.mean),
                    opt(k.std),
                    opt(k.zscore)
                )?;
            }
            let s = &p.spread;
            for v in &s.variance_ratio {
                writeln!(
                    out,
                    "  spread VR(q={}) {:.4}, stat {:.3}, p {:.4}",
                    v.lags, v.vr, v.stat, v.pvalue
                )?;
            }
            let z = &s.zivot_andrews;
            writeln!(
                out,
                "  spread Hurst R/S {:.4}, DFA {:.4}; Zivot-Andrews {:.4} (p {:.4}, 5 % {}), {} lags, break {}",
                s.hurst_rs, s.hurst_dfa, z.stat, z.pvalue, z.crit_5, z.lags, z.break_index
            )?;
        }
        let v = &self.var;
        writeln!(
            out,
            "\nVAR on log returns: orders 0..={}; selected aic {}, bic {}, hqic {}, fpe {}; fitted order {}",
            v.max_lags, v.selected.aic, v.selected.bic, v.selected.hqic, v.selected.fpe, v.order
        )?;
        writeln!(
            out,
            "  aic {:.6}, bic {:.6}, hqic {:.6}, fpe {:.6e}",
            v.aic, v.bic, v.hqic, v.fpe
        )?;
        if let Some(j) = &self.johansen {
            writeln!(
                out,
                "\nJohansen (det_order {}, k_ar_diff {}) on closes",
                j.det_order, j.k_ar_diff
            )?;
            writeln!(
                out,
                "  {:>4} {:>12} {:>10} {:>10} {:>10} {:>10}",
                "r<=", "eigenvalue", "trace", "trace_95", "max_eig", "max_eig_95"
            )?;
            for r in 0..j.eigenvalues.len() {
                let c95 = |c: &Option<[f64; 3]>| {
                    c.map_or_else(|| "-".to_string(), |c| format!("{:.4}", c[1]))
                };
                writeln!(
                    out,
                    "  {:>4} {:>12.6e} {:>10.4} {:>10} {:>10.4} {:>10}",
                    r,
                    j.eigenvalues[r],
                    j.trace[r],
                    c95(&j.trace_crit[r]),
                    j.max_eigen[r],
                    c95(&j.max_eigen_crit[r])
                )?;
            }
        }
        Ok(())
    }
}
