//! `hft analyze`: every research statistic of the crate for a few named series of a closes file,
//! as one serializable [`Report`] (the README's "hft analyze" section documents every key).
//!
//! Inputs per statistic (the choices are fixed so that a report is comparable across runs):
//!
//! - Per symbol: variance ratios of the log closes, Hurst exponents (R/S and DFA) of the log
//!   returns, Zivot-Andrews on the log closes.
//! - For a pair `A,B` (leg A regressed on leg B, the Engle-Granger regression of
//!   [`crate::pairs`]): hedge ratio, intercept, return correlation, ADF statistic, half-life;
//!   OLS-CUSUM of the regression residuals; a Chow test of the regression at a candidate row;
//!   the last values of the rectangular and exponential kernels (hedge ratio and correlation of
//!   A on B, mean, standard deviation and z-score of the spread `A - βB`); and the regime
//!   statistics of the spread (variance ratios and Zivot-Andrews on its level, Hurst on its
//!   changes).
//! - For all the symbols together: VAR lag selection and fit on the log returns, and the
//!   Johansen test on the closes (two symbols or more).
//! - With `--basket` instead: the Avellaneda-Lee factor model of the symbols at the last window
//!   ([`basket`], `basket.rs`).
//!
//! Cold path: allocates freely. Errors are [`AnalyzeError`]s naming the symbol and the statistic.

mod basket;
mod report;

pub use basket::{BasketReport, FactorReport, NameReport, basket};
pub use report::{
    ChowReport, CusumReport, JohansenReport, KernelReport, Kernels, PairReport, Report,
    SeriesReport, SpreadReport, VarReport, ZaReport,
};

use crate::pairs::{Significance, analyze_pair};
use crate::stats::{
    AutoLag, FitError, HurstMethod, Kernel, KernelMoments, ModelError, VarianceRatio, ZaRegression,
    chow_test, cusum_ols_resid, hurst, johansen, var_fit, var_select_order, variance_ratio,
    zivot_andrews,
};

/// The settings of an analysis; [`Default`] gives `hft analyze`'s defaults.
///
/// # Examples
/// ```
/// let p = hft::analysis::AnalyzeParams::default();
/// assert_eq!((p.rect_window, p.ema_half_life_rows, p.max_lags), (60, 20.0, 8));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzeParams {
    /// Rows of the rectangular kernel.
    pub rect_window: usize,
    /// Half-life of the exponential kernel, in rows.
    pub ema_half_life_rows: f64,
    /// Horizons of the variance ratios.
    pub vr_lags: Vec<usize>,
    /// The largest VAR order considered; the fit uses the order AIC selects.
    pub max_lags: usize,
    /// Johansen deterministic terms (-1, 0, 1).
    pub det_order: i32,
    /// Johansen lagged differences.
    pub k_ar_diff: usize,
    /// Smallest Hurst window.
    pub hurst_min_window: usize,
    /// Zivot-Andrews trim fraction.
    pub za_trim: f64,
    /// Zivot-Andrews break model.
    pub za_regression: ZaRegression,
    /// CUSUM degrees of freedom (parameters of the cointegrating regression).
    pub cusum_ddof: usize,
    /// The Chow candidate row; `None` for the middle row (`rows / 2`).
    pub chow_index: Option<usize>,
}

impl Default for AnalyzeParams {
    fn default() -> Self {
        AnalyzeParams {
            rect_window: 60,
            ema_half_life_rows: 20.0,
            vr_lags: vec![2, 4, 8, 16],
            max_lags: 8,
            det_order: 0,
            k_ar_diff: 1,
            hurst_min_window: 8,
            za_trim: 0.15,
            za_regression: ZaRegression::Constant,
            cusum_ddof: 2,
            chow_index: None,
        }
    }
}

/// The fewest rows an analysis accepts (the defaults need about this many).
pub const MIN_ROWS: usize = 100;

/// Why an analysis could not be made.
///
/// # Examples
/// ```
/// use hft::analysis::AnalyzeError;
/// let e = AnalyzeError::UnknownSymbol("XYZ".into());
/// assert_eq!(e.to_string(), "unknown symbol `XYZ` (not a column of the closes file)");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalyzeError {
    /// A requested symbol is not a column.
    #[error("unknown symbol `{0}` (not a column of the closes file)")]
    UnknownSymbol(String),
    /// No symbol, or one named twice.
    #[error("{0}")]
    Symbols(&'static str),
    /// Fewer rows than [`MIN_ROWS`].
    #[error("too few rows: {got}, hft analyze needs at least {needed}")]
    TooFewRows {
        /// The minimum.
        needed: usize,
        /// The file's rows.
        got: usize,
    },
    /// A close is zero or negative (the log is undefined).
    #[error("symbol `{0}` has a close that is not positive")]
    NonPositive(String),
    /// A series does not move.
    #[error("symbol `{0}` is constant")]
    Constant(String),
    /// A parameter is out of range.
    #[error("invalid parameter: {0}")]
    Parameter(&'static str),
    /// The factor model (`--basket`) has no answer for this input or these settings.
    #[error("factor model of {subject}: {reason}")]
    Factor {
        /// The symbol the fit names, or all of them.
        subject: String,
        /// Why.
        reason: FitError,
    },
    /// A statistic is undefined for this input.
    #[error("{what} of {subject}: {reason}")]
    Model {
        /// The statistic.
        what: &'static str,
        /// The symbol(s).
        subject: String,
        /// Why (in the message; no separate error source, so `{:#}` does not repeat it).
        reason: ModelError,
    },
}

fn model<T>(
    r: Result<T, ModelError>,
    what: &'static str,
    subject: &str,
) -> Result<T, AnalyzeError> {
    r.map_err(|reason| AnalyzeError::Model {
        what,
        subject: subject.to_string(),
        reason,
    })
}

/// Analyzes the `symbols` (columns of `names` / `columns`, as [`crate::pairs::read_closes_csv`]
/// returns them); two symbols are also analyzed as a pair, the first regressed on the second.
///
/// # Errors
/// See [`AnalyzeError`].
///
/// # Examples
/// ```
/// use hft::analysis::{AnalyzeError, AnalyzeParams, analyze};
/// let names = vec!["A".to_string()];
/// let columns = vec![vec![1.0; 150]];
/// let err = analyze(&names, &columns, &["A".into()], &AnalyzeParams::default()).unwrap_err();
/// assert_eq!(err, AnalyzeError::Constant("A".into()));
/// ```
pub fn analyze(
    names: &[String],
    columns: &[Vec<f64>],
    symbols: &[String],
    params: &AnalyzeParams,
) -> Result<Report, AnalyzeError> {
    let closes = select(names, columns, symbols)?;
    let rows = closes.first().map_or(0, |c| c.len());
    let log_closes: Vec<Vec<f64>> = closes
        .iter()
        .map(|c| c.iter().map(|p| p.ln()).collect())
        .collect();
    let log_returns: Vec<Vec<f64>> = log_closes
        .iter()
        .map(|c| c.windows(2).map(|w| w[1] - w[0]).collect())
        .collect();
    let mut series = Vec::with_capacity(symbols.len());
    for (i, symbol) in symbols.iter().enumerate() {
        series.push(SeriesReport {
            symbol: symbol.clone(),
            variance_ratio: variance_ratios(&log_closes[i], &params.vr_lags, symbol)?,
            hurst_rs: model(
                hurst(
                    &log_returns[i],
                    params.hurst_min_window,
                    HurstMethod::RescaledRange,
                ),
                "Hurst (R/S)",
                symbol,
            )?,
            hurst_dfa: model(
                hurst(&log_returns[i], params.hurst_min_window, HurstMethod::Dfa),
                "Hurst (DFA)",
                symbol,
            )?,
            zivot_andrews: za(&log_closes[i], params, symbol)?,
        });
    }
    let all = symbols.join(",");
    let pair = match closes.as_slice() {
        [a, b] => Some(pair_report(a, b, &symbols[0], &symbols[1], params)?),
        _ => None,
    };
    let selection = model(
        var_select_order(&log_returns, params.max_lags),
        "VAR lag selection",
        &all,
    )?;
    let fit = model(var_fit(&log_returns, selection.aic), "VAR fit", &all)?;
    let johansen = if closes.len() >= 2 {
        let j = model(
            johansen(&closes, params.det_order, params.k_ar_diff),
            "Johansen test",
            &all,
        )?;
        Some(JohansenReport::from(j))
    } else {
        None
    };
    Ok(Report {
        rows,
        symbols: symbols.to_vec(),
        series,
        pair,
        var: VarReport::new(&selection, &fit),
        johansen,
    })
}

fn select<'a>(
    names: &[String],
    columns: &'a [Vec<f64>],
    symbols: &[String],
) -> Result<Vec<&'a [f64]>, AnalyzeError> {
    if symbols.is_empty() {
        return Err(AnalyzeError::Symbols("no symbol given"));
    }
    let mut out = Vec::with_capacity(symbols.len());
    for (i, symbol) in symbols.iter().enumerate() {
        if symbols[..i].contains(symbol) {
            return Err(AnalyzeError::Symbols("a symbol is named twice"));
        }
        let column = names
            .iter()
            .position(|n| n == symbol)
            .and_then(|c| columns.get(c))
            .ok_or_else(|| AnalyzeError::UnknownSymbol(symbol.clone()))?;
        if column.len() < MIN_ROWS {
            return Err(AnalyzeError::TooFewRows {
                needed: MIN_ROWS,
                got: column.len(),
            });
        }
        if column.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
            return Err(AnalyzeError::NonPositive(symbol.clone()));
        }
        if column.iter().all(|p| *p == column[0]) {
            return Err(AnalyzeError::Constant(symbol.clone()));
        }
        out.push(column.as_slice());
    }
    Ok(out)
}

fn variance_ratios(
    y: &[f64],
    lags: &[usize],
    subject: &str,
) -> Result<Vec<VarianceRatio>, AnalyzeError> {
    lags.iter()
        .map(|&q| model(variance_ratio(y, q), "variance ratio", subject))
        .collect()
}

fn za(x: &[f64], params: &AnalyzeParams, subject: &str) -> Result<ZaReport, AnalyzeError> {
    let r = zivot_andrews(
        x,
        params.za_trim,
        None,
        params.za_regression,
        Some(AutoLag::Aic),
    );
    model(r, "Zivot-Andrews", subject).map(ZaReport::from)
}

fn pair_report(
    a: &[f64],
    b: &[f64],
    name_a: &str,
    name_b: &str,
    params: &AnalyzeParams,
) -> Result<PairReport, AnalyzeError> {
    let subject = format!("{name_a},{name_b}");
    let eg = analyze_pair(a, b, Significance::P5, 0).ok_or(AnalyzeError::Model {
        what: "Engle-Granger regression",
        subject: subject.clone(),
        reason: ModelError::Singular,
    })?;
    let residuals: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(y, x)| y - eg.intercept - eg.hedge_ratio * x)
        .collect();
    let spread: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(y, x)| y - eg.hedge_ratio * x)
        .collect();
    let changes: Vec<f64> = spread.windows(2).map(|w| w[1] - w[0]).collect();
    let cusum = model(
        cusum_ols_resid(&residuals, params.cusum_ddof),
        "CUSUM",
        &subject,
    )?;
    let chow_index = params.chow_index.unwrap_or(a.len() / 2);
    let chow = model(chow_test(a, b, chow_index), "Chow test", &subject)?;
    let half_life = params.ema_half_life_rows;
    if !(half_life > 0.0 && half_life.is_finite()) || params.rect_window < 2 {
        return Err(AnalyzeError::Parameter(
            "the half-life must be positive and the window at least 2",
        ));
    }
    let kernels = Kernels {
        rect: kernel_report(
            Kernel::Rect {
                window: params.rect_window,
            },
            a,
            b,
            &spread,
        ),
        ema: kernel_report(
            Kernel::Ema {
                half_life_rows: half_life,
            },
            a,
            b,
            &spread,
        ),
    };
    let spread_subject = format!("the spread {subject}");
    Ok(PairReport {
        a: name_a.to_string(),
        b: name_b.to_string(),
        hedge_ratio: eg.hedge_ratio,
        intercept: eg.intercept,
        correlation: eg.correlation,
        adf_stat: eg.adf_stat,
        adf_critical_5: Significance::P5.critical_value(),
        half_life: eg.half_life,
        cusum: CusumReport {
            ddof: params.cusum_ddof,
            stat: cusum.stat,
            pvalue: cusum.pvalue,
        },
        chow: ChowReport {
            index: chow_index,
            f: chow.stat,
            pvalue: chow.pvalue,
        },
        kernels,
        spread: SpreadReport {
            variance_ratio: variance_ratios(&spread, &params.vr_lags, &spread_subject)?,
            hurst_rs: model(
                hurst(
                    &changes,
                    params.hurst_min_window,
                    HurstMethod::RescaledRange,
                ),
                "Hurst (R/S)",
                &spread_subject,
            )?,
            hurst_dfa: model(
                hurst(&changes, params.hurst_min_window, HurstMethod::Dfa),
                "Hurst (DFA)",
                &spread_subject,
            )?,
            zivot_andrews: za(&spread, params, &spread_subject)?,
        },
    })
}

/// The kernel's values at the last row: hedge ratio and correlation of `a` on `b`, and the
/// spread's mean, standard deviation and z-score.
fn kernel_report(kernel: Kernel, a: &[f64], b: &[f64], spread: &[f64]) -> KernelReport {
    let (mut legs, mut s) = (KernelMoments::new(kernel), KernelMoments::new(kernel));
    for ((y, x), v) in a.iter().zip(b).zip(spread) {
        legs.update(*x, *y);
        s.update(*v, *v);
    }
    let (window, half_life) = match kernel {
        Kernel::Rect { window } => (Some(window), None),
        Kernel::Ema { half_life_rows } => (None, Some(half_life_rows)),
    };
    KernelReport {
        window,
        half_life,
        hedge_ratio: legs.hedge_ratio(),
        correlation: legs.correlation(),
        mean: s.mean_x(),
        std: s.var_x().map(f64::sqrt),
        zscore: s.zscore_x(),
    }
}
