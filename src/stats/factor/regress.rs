//! The two regressions of the factor model, in preallocated buffers: least squares of many
//! responses on one design (Householder QR factored once, applied to each response) and the
//! AR(1) fit of a cumulative residual.

/// A column of this relative size or less, after the earlier columns are taken out, counts as
/// collinear with them (the same rule as `stats::linalg::least_squares`).
const RANK_TOLERANCE: f64 = 1e-10;

/// Householder QR of a `rows x cols` design, column-major, reused for every response.
#[derive(Debug, Clone)]
pub(super) struct QrWorkspace {
    rows: usize,
    max_cols: usize,
    cols: usize,
    /// The design as given (column-major), for the residuals.
    design: Vec<f64>,
    /// Reflectors below the diagonal, R's strict upper part above it (column-major).
    factored: Vec<f64>,
    /// R's diagonal.
    diag: Vec<f64>,
    /// Scratch: `Qᵀ y`.
    qty: Vec<f64>,
}

impl QrWorkspace {
    /// A workspace for designs of `rows` rows and at most `max_cols` columns.
    pub(super) fn new(rows: usize, max_cols: usize) -> Self {
        QrWorkspace {
            rows,
            max_cols,
            cols: 0,
            design: vec![0.0; rows * max_cols],
            factored: vec![0.0; rows * max_cols],
            diag: vec![0.0; max_cols],
            qty: vec![0.0; rows],
        }
    }

    /// Column `j` of the design, to be filled before [`factor`](Self::factor).
    pub(super) fn column_mut(&mut self, j: usize) -> &mut [f64] {
        debug_assert!(j < self.max_cols);
        &mut self.design[j * self.rows..(j + 1) * self.rows]
    }

    /// Factors the first `cols` columns of the design; `false` when they are (numerically)
    /// collinear or `cols` does not fit.
    pub(super) fn factor(&mut self, cols: usize) -> bool {
        let n = self.rows;
        if cols == 0 || cols > self.max_cols || cols >= n {
            return false;
        }
        self.cols = cols;
        self.factored[..n * cols].copy_from_slice(&self.design[..n * cols]);
        for j in 0..cols {
            let norm = dot(self.column(j), self.column(j)).sqrt();
            let (done, rest) = self.factored.split_at_mut((j + 1) * n);
            let col = &mut done[j * n + j..];
            let alpha = dot(col, col).sqrt();
            if alpha == 0.0 || alpha <= RANK_TOLERANCE * norm {
                return false;
            }
            let r_jj = if col[0] > 0.0 { -alpha } else { alpha };
            col[0] -= r_jj;
            let v = &*col;
            let vtv = dot(v, v);
            for other in rest[..(cols - j - 1) * n].chunks_exact_mut(n) {
                reflect(v, vtv, &mut other[j..]);
            }
            self.diag[j] = r_jj;
        }
        true
    }

    fn column(&self, j: usize) -> &[f64] {
        &self.design[j * self.rows..(j + 1) * self.rows]
    }

    /// Least squares of `y` on the factored design: the coefficients into `coef` (length
    /// `cols`) and `y - X coef` into `resid` (length `rows`).
    pub(super) fn solve(&mut self, y: &[f64], coef: &mut [f64], resid: &mut [f64]) {
        let (n, k) = (self.rows, self.cols);
        self.qty.copy_from_slice(y);
        for j in 0..k {
            let v = &self.factored[j * n + j..(j + 1) * n];
            let vtv = dot(v, v);
            reflect(v, vtv, &mut self.qty[j..]);
        }
        for i in (0..k).rev() {
            let mut s = self.qty[i];
            for (j, c) in coef.iter().enumerate().take(k).skip(i + 1) {
                s -= self.factored[j * n + i] * c;
            }
            coef[i] = s / self.diag[i];
        }
        for (t, r) in resid.iter_mut().enumerate() {
            let fitted: f64 = (0..k).map(|j| self.design[j * n + t] * coef[j]).sum();
            *r = y[t] - fitted;
        }
    }
}

fn reflect(v: &[f64], vtv: f64, x: &mut [f64]) {
    let f = 2.0 * dot(v, x) / vtv;
    for (xi, vi) in x.iter_mut().zip(v) {
        *xi -= f * vi;
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// An AR(1) fit `x[t+1] = a + b x[t] + e[t]` by OLS with a constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Ar1 {
    pub(super) a: f64,
    pub(super) b: f64,
    /// `Σ e² / (nobs - 2)`: statsmodels' `OLS(...).fit().scale`.
    pub(super) var_e: f64,
}

/// Fits the AR(1) of `x` (at least 4 values: 3 observations for 2 parameters and a variance);
/// `None` when `x[..len-1]` is constant or the fit is exact.
pub(super) fn ar1(x: &[f64]) -> Option<Ar1> {
    let nobs = x.len().checked_sub(1)?;
    if nobs < 3 {
        return None;
    }
    let (lagged, next) = (&x[..nobs], &x[1..]);
    let mx = mean(lagged);
    let my = mean(next);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (xi, yi) in lagged.iter().zip(next) {
        let dx = xi - mx;
        sxx += dx * dx;
        sxy += dx * (yi - my);
    }
    let scale = lagged.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if sxx <= nobs as f64 * (1e-12 * scale).powi(2) || sxx == 0.0 {
        return None;
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    let ssr: f64 = lagged
        .iter()
        .zip(next)
        .map(|(xi, yi)| (yi - a - b * xi).powi(2))
        .sum();
    let var_e = ssr / (nobs - 2) as f64;
    (a.is_finite() && b.is_finite() && var_e > 0.0 && var_e.is_finite()).then_some(Ar1 {
        a,
        b,
        var_e,
    })
}

/// The mean with one correction pass.
fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let first = values.iter().sum::<f64>() / n;
    first + values.iter().map(|v| v - first).sum::<f64>() / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_recovers_exact_coefficients_for_every_response() {
        let rows = 30;
        let mut qr = QrWorkspace::new(rows, 3);
        qr.column_mut(0).fill(1.0);
        for (t, x) in qr.column_mut(1).iter_mut().enumerate() {
            *x = (t as f64 * 0.7).sin();
        }
        for (t, x) in qr.column_mut(2).iter_mut().enumerate() {
            *x = (t as f64 * 0.3).cos();
        }
        assert!(qr.factor(3));
        let mut coef = [0.0; 3];
        let mut resid = vec![0.0; rows];
        for (c0, c1, c2) in [(1.0, 2.0, -3.0), (-0.5, 0.0, 4.0)] {
            let y: Vec<f64> = (0..rows)
                .map(|t| c0 + c1 * (t as f64 * 0.7).sin() + c2 * (t as f64 * 0.3).cos())
                .collect();
            qr.solve(&y, &mut coef, &mut resid);
            for (got, want) in coef.iter().zip([c0, c1, c2]) {
                assert!((got - want).abs() < 1e-12, "{got} {want}");
            }
            assert!(resid.iter().all(|r| r.abs() < 1e-12));
        }
        // Collinear columns are refused.
        qr.column_mut(2).fill(2.0);
        assert!(!qr.factor(3));
    }

    #[test]
    fn ar1_of_an_exact_recursion_plus_noise() {
        let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5;
        let mut x = vec![0.0];
        for t in 1..500 {
            x.push(0.2 + 0.8 * x[t - 1] + 0.01 * noise(t));
        }
        let fit = ar1(&x).unwrap();
        assert!((fit.b - 0.8).abs() < 0.01 && (fit.a - 0.2).abs() < 0.01);
        assert!(ar1(&[1.0, 1.0, 1.0, 1.0, 1.0]).is_none());
        assert!(ar1(&[1.0, 2.0, 3.0]).is_none());
    }
}
