//! The Avellaneda-Lee factor model of a universe of returns: PCA eigenportfolios, residual
//! regressions and AR(1) s-scores (Avellaneda and Lee, 2010, "Statistical arbitrage in the U.S.
//! equities market", *Quantitative Finance* 10(7), 761-782, sections 2-4 and appendix A).
//!
//! [`FactorModel::fit`] takes a window of `factor_window` rows of returns of `n` names (row-major,
//! oldest first) and computes, with every buffer sized in [`FactorModel::new`] (no allocation in
//! `fit`, so a cold model thread can run it on a snapshot without touching the allocator):
//!
//! 1. **Correlation.** Per name the mean and sample standard deviation `σ_i` (divisor `T - 1`)
//!    over the whole window; the correlation matrix of the standardized returns
//!    `Y_ti = (R_ti - mean_i) / σ_i`, i.e. `numpy.corrcoef(R, rowvar=False)`.
//! 2. **PCA.** Its eigenvalues in descending order (ties keep the lower index) and unit
//!    eigenvectors (`numpy.linalg.eigh`, reordered). **Sign rule:** each eigenvector is turned so
//!    that its component of largest magnitude is positive (the first such component on an exact
//!    tie), so the market mode is long the market and outputs are reproducible across solvers.
//!    Explained variance ratios `λ_j / Σ λ`. `k` factors are kept: [`FactorCount::Fixed`], or the
//!    fewest whose cumulative ratio reaches [`FactorCount::Explained`].
//! 3. **Eigenportfolios.** Weights `Q_ij = v_ij / σ_i`; factor returns `F_tj = Σ_i Q_ij R_ti` on
//!    the raw returns of the last `residual_window` rows.
//! 4. **Residual regressions.** Per name, OLS with a constant of its returns on the `k` factor
//!    returns over those rows (`statsmodels OLS(R_i, add_constant(F))`): intercept `β_0` and
//!    betas `β_ij`; residuals `ε_t` (the intercept is left out of them, as in the paper).
//! 5. **AR(1).** The cumulative residual `X_t = Σ_{s<=t} ε_s` (`numpy.cumsum`), and OLS with a
//!    constant of `X_{t+1}` on `X_t` (`residual_window - 1` observations): `a`, `b`, and
//!    `var(e) = SSR / (nobs - 2)` (statsmodels' `scale`). Then `κ = -ln(b) / dt`,
//!    `m = a / (1 - b)`, `σ_eq = sqrt(var(e) / (1 - b²))`.
//! 6. **s-score** in the paper's centred form: `m_c = m - mean(m)` over the tradeable names,
//!    `s = (X_T - m_c) / σ_eq` with `X_T` the last cumulative residual (zero up to rounding,
//!    since OLS residuals with a constant sum to zero, so `s ≈ -m_c / σ_eq`).
//!
//! **Not tradeable:** a name whose `b` is not in `(0, 1)` has no mean reversion (`κ` would be
//! negative or undefined, `m` and `σ_eq` meaningless): its `kappa`, `m`, `sigma_eq`, `m_centred`
//! and `s_score` are `None`, and it does not enter the cross-sectional mean of `m`. The strategy's
//! further rule (trade only when `1/κ` is below a bound) is the strategy's.
//!
//! **Linear algebra.** The eigen decomposition is our own cyclic Jacobi ([`SymmetricEigen`]),
//! chosen by measurement (`cargo bench --bench factor`, numbers in the README's "Factor model"
//! section): for the sizes a basket uses (n <= 100 names, 252-row windows) a fit runs within
//! milliseconds on the cold model thread, the solver is allocation-free by construction, its
//! eigenvectors are accurate to rounding (Jacobi's strength), and it adds no dependency to a crate
//! that is compiled on two shared cores.

mod eigen;
mod regress;

pub use eigen::{EigenError, SymmetricEigen};

use regress::{QrWorkspace, ar1};

/// How many factors the model keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FactorCount {
    /// Exactly this many (at least 1, at most the number of names).
    Fixed(usize),
    /// The fewest whose explained variance ratios add up to at least this fraction, in `(0, 1]`
    /// (the paper: 0.55).
    Explained(f64),
}

/// The settings of a [`FactorModel`].
///
/// # Examples
/// ```
/// use hft::stats::{FactorConfig, FactorCount};
/// let cfg = FactorConfig::daily();
/// assert_eq!((cfg.factor_window, cfg.residual_window), (252, 60));
/// assert_eq!(cfg.k, FactorCount::Explained(0.55));
/// assert!(cfg.check(10).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FactorConfig {
    /// Rows of returns in the correlation window (the paper: 252 days).
    pub factor_window: usize,
    /// The last rows of that window used by the residual regressions and the AR(1) (the paper:
    /// 60 days); at most `factor_window`.
    pub residual_window: usize,
    /// How many factors to keep.
    pub k: FactorCount,
    /// The length of one row in the unit `κ` is expressed in (the paper: 1/252, so `κ` is per
    /// year).
    pub dt: f64,
}

impl FactorConfig {
    /// The paper's settings for daily returns: 252-row factor window, 60-row residual window,
    /// factors explaining 55 % of the variance, `dt = 1/252`.
    pub fn daily() -> Self {
        FactorConfig {
            factor_window: 252,
            residual_window: 60,
            k: FactorCount::Explained(0.55),
            dt: 1.0 / 252.0,
        }
    }

    /// Checks the settings for `n` names.
    ///
    /// # Errors
    /// [`FitError::Config`] naming the setting that is out of range.
    pub fn check(&self, n: usize) -> Result<(), FitError> {
        let bad = |what| Err(FitError::Config(what));
        if n < 2 {
            return bad("the model needs at least 2 names");
        }
        if self.factor_window < 3 {
            return bad("factor_window must be at least 3 rows");
        }
        if self.residual_window < 5 || self.residual_window > self.factor_window {
            return bad("residual_window must be at least 5 rows and at most factor_window");
        }
        if !(self.dt > 0.0 && self.dt.is_finite()) {
            return bad("dt must be positive and finite");
        }
        match self.k {
            FactorCount::Fixed(k) if k == 0 || k > n => {
                bad("the fixed factor count must be between 1 and the number of names")
            }
            FactorCount::Fixed(k) if k + 4 > self.residual_window => {
                bad("residual_window must exceed the factor count by at least 4 rows")
            }
            FactorCount::Explained(f) if !(f > 0.0 && f <= 1.0) => {
                bad("the explained variance fraction must be in (0, 1]")
            }
            _ => Ok(()),
        }
    }
}

/// Why a fit has no answer.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum FitError {
    /// A setting is out of range (see [`FactorConfig::check`]).
    #[error("invalid factor model setting: {0}")]
    Config(&'static str),
    /// The returns slice is not `factor_window * n` long.
    #[error("the returns window has {got} values, the model expects {expected}")]
    WrongLength {
        /// `factor_window * n`.
        expected: usize,
        /// The slice's length.
        got: usize,
    },
    /// A return is NaN or infinite.
    #[error("the return of name {name} at row {row} is not finite")]
    NonFinite {
        /// The row in the window.
        row: usize,
        /// The name's column.
        name: usize,
    },
    /// A name's returns do not vary over the window (its correlations are undefined).
    #[error("the returns of name {name} are constant over the window")]
    Constant {
        /// The name's column.
        name: usize,
    },
    /// More factors would be kept than the residual window can regress on.
    #[error("{k} factors need a residual window of at least {needed} rows")]
    TooManyFactors {
        /// The factors the rule chose.
        k: usize,
        /// The rows that would take.
        needed: usize,
    },
    /// The factor returns are collinear over the residual window.
    #[error("the factor returns are collinear over the residual window")]
    Singular,
    /// A name's cumulative residual does not move or is fitted exactly by its AR(1).
    #[error("the cumulative residual of name {name} has no AR(1) fit")]
    Degenerate {
        /// The name's column.
        name: usize,
    },
    /// The eigen decomposition failed.
    #[error("eigen decomposition: {0}")]
    Eigen(#[from] EigenError),
}

/// One name's residual model.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NameFit {
    /// `β_0`, the constant of the residual regression (a drift per row).
    pub intercept: f64,
    /// AR(1) constant `a` of the cumulative residual.
    pub a: f64,
    /// AR(1) slope `b`.
    pub b: f64,
    /// Variance of the AR(1) innovations, `SSR / (nobs - 2)`.
    pub var_e: f64,
    /// The last cumulative residual `X_T` (zero up to rounding).
    pub x_last: f64,
    /// Speed of mean reversion `-ln(b) / dt`; `None` when not tradeable.
    pub kappa: Option<f64>,
    /// Equilibrium level `a / (1 - b)`; `None` when not tradeable.
    pub m: Option<f64>,
    /// Equilibrium deviation `sqrt(var_e / (1 - b²))`; `None` when not tradeable.
    pub sigma_eq: Option<f64>,
    /// `m` less its mean over the tradeable names; `None` when not tradeable.
    pub m_centred: Option<f64>,
    /// `(X_T - m_centred) / sigma_eq`; `None` when not tradeable.
    pub s_score: Option<f64>,
}

impl NameFit {
    /// Whether the name mean-reverts (`b` in `(0, 1)`), so its s-score is defined.
    pub fn tradeable(&self) -> bool {
        self.s_score.is_some()
    }
}

/// The result of [`FactorModel::fit`]; storage is sized for `n` names once and reused.
#[derive(Debug, Clone)]
pub struct FactorFit {
    n: usize,
    k: usize,
    eigenvalues: Vec<f64>,
    explained: Vec<f64>,
    /// Factor-major: `loadings[j * n + i]`, first `k * n` valid.
    loadings: Vec<f64>,
    /// Factor-major: `weights[j * n + i] = v_ij / σ_i`.
    weights: Vec<f64>,
    std: Vec<f64>,
    /// Name-major with stride `k`: `betas[i * k + j]`.
    betas: Vec<f64>,
    names: Vec<NameFit>,
}

impl FactorFit {
    fn new(n: usize) -> Self {
        FactorFit {
            n,
            k: 0,
            eigenvalues: vec![0.0; n],
            explained: vec![0.0; n],
            loadings: vec![0.0; n * n],
            weights: vec![0.0; n * n],
            std: vec![0.0; n],
            betas: vec![0.0; n * n],
            names: vec![NameFit::default(); n],
        }
    }

    /// The number of names.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The number of factors kept.
    pub fn k(&self) -> usize {
        self.k
    }

    /// All `n` eigenvalues of the correlation matrix, largest first.
    pub fn eigenvalues(&self) -> &[f64] {
        &self.eigenvalues
    }

    /// All `n` explained variance ratios `λ_j / Σ λ`, in the order of the eigenvalues.
    pub fn explained_variance(&self) -> &[f64] {
        &self.explained
    }

    /// The unit eigenvector of factor `j < k` (one component per name), sign-normalized.
    ///
    /// # Panics
    /// If `j >= k`.
    pub fn loadings(&self, j: usize) -> &[f64] {
        assert!(j < self.k, "factor {j} of {}", self.k);
        &self.loadings[j * self.n..(j + 1) * self.n]
    }

    /// The eigenportfolio of factor `j < k`: weight `v_ij / σ_i` per name.
    ///
    /// # Panics
    /// If `j >= k`.
    pub fn eigenportfolio(&self, j: usize) -> &[f64] {
        assert!(j < self.k, "factor {j} of {}", self.k);
        &self.weights[j * self.n..(j + 1) * self.n]
    }

    /// The sample standard deviation (divisor `T - 1`) of each name's returns over the window.
    pub fn std_devs(&self) -> &[f64] {
        &self.std
    }

    /// Name `i`'s betas on the `k` factor returns.
    ///
    /// # Panics
    /// If `i >= n`.
    pub fn betas(&self, i: usize) -> &[f64] {
        &self.betas[i * self.k..(i + 1) * self.k]
    }

    /// Every name's residual model, in column order.
    pub fn names(&self) -> &[NameFit] {
        &self.names
    }
}

/// The factor model of `n` names with all its workspaces (see the [module docs](self)).
///
/// # Examples
/// ```
/// use hft::stats::{FactorConfig, FactorCount, FactorModel};
/// // Three names driven by one common factor plus their own noise (a deterministic hash).
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5;
/// let (rows, n) = (120, 3);
/// let returns: Vec<f64> = (0..rows * n)
///     .map(|x| 0.01 * noise(x / n + 7_000) + 0.004 * noise(x + 1))
///     .collect();
/// let cfg = FactorConfig { factor_window: rows, residual_window: 60, k: FactorCount::Fixed(1), dt: 1.0 / 252.0 };
/// let mut model = FactorModel::new(n, &cfg);
/// let fit = model.fit(&returns).unwrap();
/// assert_eq!(fit.k(), 1);
/// assert!(fit.explained_variance()[0] > 0.8);
/// assert!(fit.loadings(0).iter().all(|v| *v > 0.0)); // the market mode, long
/// assert_eq!(fit.betas(2).len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct FactorModel {
    n: usize,
    cfg: FactorConfig,
    config_error: Option<FitError>,
    /// Returns less their means, row-major `factor_window x n`.
    centred: Vec<f64>,
    means: Vec<f64>,
    correlation: Vec<f64>,
    eigen: SymmetricEigen,
    order: Vec<usize>,
    qr: QrWorkspace,
    response: Vec<f64>,
    coef: Vec<f64>,
    resid: Vec<f64>,
    fit: FactorFit,
}

impl FactorModel {
    /// A model for `n` names; every buffer `fit` uses is allocated here. Invalid settings are
    /// reported by [`fit`](Self::fit) (and by [`FactorConfig::check`] beforehand).
    pub fn new(n: usize, cfg: &FactorConfig) -> Self {
        let rows = cfg.factor_window;
        let res_rows = cfg.residual_window.min(rows);
        FactorModel {
            n,
            cfg: *cfg,
            config_error: cfg.check(n).err(),
            centred: vec![0.0; rows * n],
            means: vec![0.0; n],
            correlation: vec![0.0; n * n],
            eigen: SymmetricEigen::new(n),
            order: (0..n).collect(),
            qr: QrWorkspace::new(res_rows, n + 1),
            response: vec![0.0; res_rows],
            coef: vec![0.0; n + 1],
            resid: vec![0.0; res_rows],
            fit: FactorFit::new(n),
        }
    }

    /// The settings.
    pub fn config(&self) -> &FactorConfig {
        &self.cfg
    }

    /// The latest successful fit (zeros before the first).
    pub fn last_fit(&self) -> &FactorFit {
        &self.fit
    }

    /// Fits the model on `returns`: `factor_window` rows of `n` returns, row-major, oldest
    /// first. Allocates nothing.
    ///
    /// # Errors
    /// See [`FitError`]; after an error [`last_fit`](Self::last_fit) holds partial results.
    pub fn fit(&mut self, returns: &[f64]) -> Result<&FactorFit, FitError> {
        if let Some(e) = self.config_error {
            return Err(e);
        }
        let (n, rows) = (self.n, self.cfg.factor_window);
        if returns.len() != rows * n {
            return Err(FitError::WrongLength {
                expected: rows * n,
                got: returns.len(),
            });
        }
        if let Some(at) = returns.iter().position(|r| !r.is_finite()) {
            return Err(FitError::NonFinite {
                row: at / n,
                name: at % n,
            });
        }
        self.correlate(returns)?;
        self.eigen.decompose(&self.correlation)?;
        self.sort_and_normalize();
        self.choose_k()?;
        self.regress(returns)?;
        self.score();
        Ok(&self.fit)
    }

    /// Means, standard deviations and the correlation matrix (lower triangle mirrored).
    fn correlate(&mut self, returns: &[f64]) -> Result<(), FitError> {
        let (n, rows) = (self.n, self.cfg.factor_window);
        for i in 0..n {
            let first = (0..rows).map(|t| returns[t * n + i]).sum::<f64>() / rows as f64;
            let fix = (0..rows).map(|t| returns[t * n + i] - first).sum::<f64>() / rows as f64;
            self.means[i] = first + fix;
        }
        for t in 0..rows {
            for i in 0..n {
                self.centred[t * n + i] = returns[t * n + i] - self.means[i];
            }
        }
        self.correlation.iter_mut().for_each(|c| *c = 0.0);
        for row in self.centred.chunks_exact(n) {
            for i in 0..n {
                let ci = row[i];
                let out = &mut self.correlation[i * n..i * n + i + 1];
                for (o, cj) in out.iter_mut().zip(&row[..=i]) {
                    *o += ci * cj;
                }
            }
        }
        for i in 0..n {
            let ss = self.correlation[i * n + i];
            let scale = (0..rows).fold(0.0f64, |m, t| m.max(returns[t * n + i].abs()));
            if ss <= rows as f64 * (1e-12 * scale).powi(2) || ss == 0.0 {
                return Err(FitError::Constant { name: i });
            }
            self.fit.std[i] = (ss / (rows - 1) as f64).sqrt();
        }
        for i in 0..n {
            let si = self.correlation[i * n + i].sqrt();
            for j in 0..i {
                let sj = self.correlation[j * n + j].sqrt();
                let c = self.correlation[i * n + j] / (si * sj);
                self.correlation[i * n + j] = c;
                self.correlation[j * n + i] = c;
            }
        }
        for i in 0..n {
            self.correlation[i * n + i] = 1.0;
        }
        Ok(())
    }

    /// Eigenpairs in descending order of eigenvalue, signs by the rule of the module docs.
    fn sort_and_normalize(&mut self) {
        let n = self.n;
        for (i, o) in self.order.iter_mut().enumerate() {
            *o = i;
        }
        let eigen = &self.eigen;
        self.order
            .sort_unstable_by(|&x, &y| eigen.value(y).total_cmp(&eigen.value(x)).then(x.cmp(&y)));
        let total: f64 = (0..n).map(|j| self.eigen.value(j)).sum();
        for (rank, &col) in self.order.iter().enumerate() {
            let value = self.eigen.value(col);
            self.fit.eigenvalues[rank] = value;
            self.fit.explained[rank] = value / total;
            let mut pivot = 0;
            for i in 1..n {
                if self.eigen.vector_component(i, col).abs()
                    > self.eigen.vector_component(pivot, col).abs()
                {
                    pivot = i;
                }
            }
            let sign = if self.eigen.vector_component(pivot, col) < 0.0 {
                -1.0
            } else {
                1.0
            };
            for i in 0..n {
                self.fit.loadings[rank * n + i] = sign * self.eigen.vector_component(i, col);
            }
        }
    }

    fn choose_k(&mut self) -> Result<(), FitError> {
        let n = self.n;
        let k = match self.cfg.k {
            FactorCount::Fixed(k) => k,
            FactorCount::Explained(fraction) => {
                let mut cumulative = 0.0;
                let mut k = n;
                for (j, r) in self.fit.explained.iter().enumerate() {
                    cumulative += r;
                    // A fraction of 1 is reached up to the rounding of the sum.
                    if cumulative >= fraction - 1e-12 {
                        k = j + 1;
                        break;
                    }
                }
                k
            }
        };
        if k + 4 > self.cfg.residual_window {
            return Err(FitError::TooManyFactors { k, needed: k + 4 });
        }
        self.fit.k = k;
        for j in 0..k {
            for i in 0..n {
                self.fit.weights[j * n + i] = self.fit.loadings[j * n + i] / self.fit.std[i];
            }
        }
        Ok(())
    }

    /// Factor returns over the residual window, one QR of `[1, F]`, every name's regression and
    /// the AR(1) of its cumulative residual.
    fn regress(&mut self, returns: &[f64]) -> Result<(), FitError> {
        let (n, k) = (self.n, self.fit.k);
        let (rows, res_rows) = (self.cfg.factor_window, self.cfg.residual_window);
        let start = rows - res_rows;
        self.qr.column_mut(0).fill(1.0);
        for j in 0..k {
            let w = &self.fit.weights[j * n..(j + 1) * n];
            for (s, f) in self.qr.column_mut(j + 1).iter_mut().enumerate() {
                let r = &returns[(start + s) * n..(start + s + 1) * n];
                *f = r.iter().zip(w).map(|(x, y)| x * y).sum();
            }
        }
        if !self.qr.factor(k + 1) {
            return Err(FitError::Singular);
        }
        for i in 0..n {
            for (s, y) in self.response.iter_mut().enumerate() {
                *y = returns[(start + s) * n + i];
            }
            self.qr
                .solve(&self.response, &mut self.coef[..k + 1], &mut self.resid);
            self.fit.betas[i * k..(i + 1) * k].copy_from_slice(&self.coef[1..k + 1]);
            // Cumulative residual, in place.
            let mut x = 0.0;
            for e in self.resid.iter_mut() {
                x += *e;
                *e = x;
            }
            let fit = ar1(&self.resid).ok_or(FitError::Degenerate { name: i })?;
            self.fit.names[i] = NameFit {
                intercept: self.coef[0],
                a: fit.a,
                b: fit.b,
                var_e: fit.var_e,
                x_last: x,
                ..NameFit::default()
            };
        }
        Ok(())
    }

    /// κ, m, σ_eq for the tradeable names, then the centred m and the s-scores.
    fn score(&mut self) {
        let dt = self.cfg.dt;
        let (mut sum_m, mut count) = (0.0, 0usize);
        for name in self.fit.names.iter_mut() {
            let b = name.b;
            if b > 0.0 && b < 1.0 {
                let m = name.a / (1.0 - b);
                name.kappa = Some(-b.ln() / dt);
                name.m = Some(m);
                name.sigma_eq = Some((name.var_e / (1.0 - b * b)).sqrt());
                sum_m += m;
                count += 1;
            }
        }
        let mean_m = if count > 0 { sum_m / count as f64 } else { 0.0 };
        for name in self.fit.names.iter_mut() {
            if let (Some(m), Some(sigma_eq)) = (name.m, name.sigma_eq) {
                let m_c = m - mean_m;
                name.m_centred = Some(m_c);
                name.s_score = Some((name.x_last - m_c) / sigma_eq);
            }
        }
    }
}

#[cfg(test)]
mod tests;
