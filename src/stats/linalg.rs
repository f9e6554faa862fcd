//! A small dense linear algebra for the cold-path models (VAR, Johansen, Zivot-Andrews): a
//! row-major matrix, least squares by Householder QR, Cholesky, and the eigenvalues of a
//! symmetric matrix by cyclic Jacobi rotations.
//!
//! Sources: Golub and Van Loan, *Matrix Computations* (4th ed., 2013): Householder QR (5.2.2),
//! Cholesky (4.2.5), the cyclic Jacobi method (8.5.3). The matrices here are at most a few
//! dozen columns wide, so a dependency such as `nalgebra` would bring compile time and a second
//! matrix type into the crate for little: the largest problems here are a VAR(8) of a few series
//! (2,132 x 25 least squares, about 3 million flops by QR) and Zivot-Andrews' 30 x 30 normal
//! equations per candidate break, where a general library's blocking and SIMD have nothing to
//! work on. (Not measured against `nalgebra`: `hft analyze` on two ETFs runs in seconds in a
//! debug build, dominated by Zivot-Andrews' candidate loop, O(k³ + n) per break here.)

use std::ops::{Index, IndexMut};

/// A dense row-major matrix of `f64`.
///
/// # Examples
/// ```
/// use hft::stats::Matrix;
/// let a = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]]);
/// let b = a.transpose().matmul(&a); // AᵀA
/// assert_eq!(b[(0, 0)], 10.0);
/// assert_eq!(b[(0, 1)], 14.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A `rows x cols` matrix of zeros.
    ///
    /// # Examples
    /// ```
    /// let m = hft::stats::Matrix::zeros(2, 3);
    /// assert_eq!((m.rows(), m.cols()), (2, 3));
    /// ```
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Matrix {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// A matrix whose entry `(i, j)` is `f(i, j)`.
    ///
    /// # Examples
    /// ```
    /// let eye = hft::stats::Matrix::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.0 });
    /// assert_eq!(eye[(1, 1)], 1.0);
    /// ```
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f64) -> Self {
        let mut m = Matrix::zeros(rows, cols);
        for i in 0..rows {
            for j in 0..cols {
                m.data[i * cols + j] = f(i, j);
            }
        }
        m
    }

    /// A matrix from its rows (all of the first row's length; missing entries are zero).
    ///
    /// # Examples
    /// ```
    /// let m = hft::stats::Matrix::from_rows(&[vec![1.0, 2.0]]);
    /// assert_eq!(m[(0, 1)], 2.0);
    /// ```
    pub fn from_rows(rows: &[Vec<f64>]) -> Self {
        let cols = rows.first().map_or(0, Vec::len);
        Matrix::from_fn(rows.len(), cols, |i, j| {
            rows[i].get(j).copied().unwrap_or(0.0)
        })
    }

    /// The number of rows.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(hft::stats::Matrix::zeros(4, 1).rows(), 4);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(hft::stats::Matrix::zeros(4, 1).cols(), 1);
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i` as a slice.
    ///
    /// # Examples
    /// ```
    /// let m = hft::stats::Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]]);
    /// assert_eq!(m.row(1), &[3.0, 4.0]);
    /// ```
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The rows as vectors (for printing and JSON).
    ///
    /// # Examples
    /// ```
    /// let m = hft::stats::Matrix::from_rows(&[vec![1.0, 2.0]]);
    /// assert_eq!(m.to_rows(), vec![vec![1.0, 2.0]]);
    /// ```
    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        (0..self.rows).map(|i| self.row(i).to_vec()).collect()
    }

    /// The transpose.
    ///
    /// # Examples
    /// ```
    /// let m = hft::stats::Matrix::from_rows(&[vec![1.0, 2.0]]);
    /// assert_eq!(m.transpose()[(1, 0)], 2.0);
    /// ```
    pub fn transpose(&self) -> Matrix {
        Matrix::from_fn(self.cols, self.rows, |i, j| self[(j, i)])
    }

    /// The product `self * other`.
    ///
    /// # Panics
    /// If the inner dimensions differ.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::Matrix;
    /// let a = Matrix::from_rows(&[vec![1.0, 2.0]]);
    /// let b = Matrix::from_rows(&[vec![3.0], vec![4.0]]);
    /// assert_eq!(a.matmul(&b)[(0, 0)], 11.0);
    /// ```
    pub fn matmul(&self, other: &Matrix) -> Matrix {
        assert_eq!(self.cols, other.rows, "matmul: inner dimensions differ");
        let mut out = Matrix::zeros(self.rows, other.cols);
        for i in 0..self.rows {
            for k in 0..self.cols {
                let a = self[(i, k)];
                if a == 0.0 {
                    continue;
                }
                for j in 0..other.cols {
                    out.data[i * other.cols + j] += a * other[(k, j)];
                }
            }
        }
        out
    }

    /// `selfᵀ * other`, without forming the transpose.
    ///
    /// # Panics
    /// If the row counts differ.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::Matrix;
    /// let a = Matrix::from_rows(&[vec![1.0], vec![2.0]]);
    /// assert_eq!(a.t_matmul(&a)[(0, 0)], 5.0);
    /// ```
    pub fn t_matmul(&self, other: &Matrix) -> Matrix {
        assert_eq!(self.rows, other.rows, "t_matmul: row counts differ");
        let mut out = Matrix::zeros(self.cols, other.cols);
        for r in 0..self.rows {
            let (a, b) = (self.row(r), other.row(r));
            for (i, ai) in a.iter().enumerate() {
                for (j, bj) in b.iter().enumerate() {
                    out.data[i * other.cols + j] += ai * bj;
                }
            }
        }
        out
    }

    /// Every entry multiplied by `factor`.
    ///
    /// # Examples
    /// ```
    /// let m = hft::stats::Matrix::from_rows(&[vec![1.0, 2.0]]).scaled(2.0);
    /// assert_eq!(m.row(0), &[2.0, 4.0]);
    /// ```
    pub fn scaled(mut self, factor: f64) -> Matrix {
        self.data.iter_mut().for_each(|v| *v *= factor);
        self
    }

    /// Whether every entry is finite.
    pub(crate) fn all_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }
}

impl Index<(usize, usize)> for Matrix {
    type Output = f64;
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        &self.data[i * self.cols + j]
    }
}

impl IndexMut<(usize, usize)> for Matrix {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut f64 {
        &mut self.data[i * self.cols + j]
    }
}

/// A column of this relative size or less, after the earlier columns are taken out, counts as
/// collinear with them.
const RANK_TOLERANCE: f64 = 1e-10;

/// The least-squares fit of every column of `y` on the columns of `x`: `(coefficients, residuals)`
/// with `coefficients` of shape `x.cols() x y.cols()`, by Householder QR. `None` when `x` has no
/// more rows than columns, the row counts differ, a value is not finite, or `x` is (numerically)
/// rank deficient.
///
/// # Examples
/// ```
/// use hft::stats::{Matrix, least_squares};
/// let x = Matrix::from_fn(4, 2, |i, j| if j == 0 { 1.0 } else { i as f64 });
/// let y = Matrix::from_fn(4, 1, |i, _| 1.0 + 2.0 * i as f64);
/// let (b, resid) = least_squares(&x, &y).unwrap();
/// assert!((b[(0, 0)] - 1.0).abs() < 1e-12 && (b[(1, 0)] - 2.0).abs() < 1e-12);
/// assert!(resid[(3, 0)].abs() < 1e-12);
/// ```
pub fn least_squares(x: &Matrix, y: &Matrix) -> Option<(Matrix, Matrix)> {
    let (n, k) = (x.rows, x.cols);
    if n <= k || y.rows != n || !x.all_finite() || !y.all_finite() {
        return None;
    }
    // Column-major copies: the reflections walk down columns.
    let mut a: Vec<Vec<f64>> = (0..k)
        .map(|j| (0..n).map(|i| x[(i, j)]).collect())
        .collect();
    let mut b: Vec<Vec<f64>> = (0..y.cols)
        .map(|j| (0..n).map(|i| y[(i, j)]).collect())
        .collect();
    let norms: Vec<f64> = a.iter().map(|c| dot(c, c).sqrt()).collect();
    let mut diag = vec![0.0; k];
    for j in 0..k {
        let (done, rest) = a.split_at_mut(j + 1);
        let col = &mut done[j][j..];
        let alpha = dot(col, col).sqrt();
        if alpha == 0.0 || alpha <= RANK_TOLERANCE * norms[j] {
            return None;
        }
        let r_jj = if col[0] > 0.0 { -alpha } else { alpha };
        col[0] -= r_jj;
        let v = &*col;
        let vtv = dot(v, v);
        for other in rest.iter_mut() {
            reflect(v, vtv, &mut other[j..]);
        }
        for other in b.iter_mut() {
            reflect(v, vtv, &mut other[j..]);
        }
        diag[j] = r_jj;
    }
    // Back substitution R c = (Qᵀ y)[..k]; R's strict upper part sits in a[j][i], i < j.
    let mut coef = Matrix::zeros(k, y.cols);
    for (m, qty) in b.iter().enumerate() {
        for i in (0..k).rev() {
            let mut s = qty[i];
            for j in i + 1..k {
                s -= a[j][i] * coef[(j, m)];
            }
            coef[(i, m)] = s / diag[i];
        }
    }
    let resid = Matrix::from_fn(n, y.cols, |i, m| {
        y[(i, m)] - (0..k).map(|j| x[(i, j)] * coef[(j, m)]).sum::<f64>()
    });
    (coef.all_finite() && resid.all_finite()).then_some((coef, resid))
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

/// The lower Cholesky factor `L` of a symmetric positive definite `a = L Lᵀ`, or `None` when
/// `a` is not square or not positive definite.
///
/// # Examples
/// ```
/// use hft::stats::{Matrix, cholesky};
/// let a = Matrix::from_rows(&[vec![4.0, 2.0], vec![2.0, 5.0]]);
/// let l = cholesky(&a).unwrap();
/// assert_eq!(l.to_rows(), vec![vec![2.0, 0.0], vec![1.0, 2.0]]);
/// assert!(cholesky(&Matrix::from_rows(&[vec![1.0, 2.0], vec![2.0, 1.0]])).is_none());
/// ```
pub fn cholesky(a: &Matrix) -> Option<Matrix> {
    let n = a.rows;
    if a.cols != n {
        return None;
    }
    let mut l = Matrix::zeros(n, n);
    for j in 0..n {
        let d = a[(j, j)] - (0..j).map(|k| l[(j, k)] * l[(j, k)]).sum::<f64>();
        if d.is_nan() || d <= 0.0 {
            return None;
        }
        let d = d.sqrt();
        l[(j, j)] = d;
        for i in j + 1..n {
            let s = a[(i, j)] - (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum::<f64>();
            l[(i, j)] = s / d;
        }
    }
    Some(l)
}

/// The inverse of a lower triangular matrix with a non-zero diagonal.
pub(crate) fn lower_inverse(l: &Matrix) -> Matrix {
    let n = l.rows;
    let mut inv = Matrix::zeros(n, n);
    for j in 0..n {
        inv[(j, j)] = 1.0 / l[(j, j)];
        for i in j + 1..n {
            let s: f64 = (j..i).map(|k| l[(i, k)] * inv[(k, j)]).sum();
            inv[(i, j)] = -s / l[(i, i)];
        }
    }
    inv
}

/// The inverse of a symmetric positive definite matrix (through its Cholesky factor).
///
/// # Examples
/// ```
/// use hft::stats::{Matrix, spd_inverse};
/// let a = Matrix::from_rows(&[vec![4.0, 2.0], vec![2.0, 5.0]]);
/// let inv = spd_inverse(&a).unwrap();
/// assert!((a.matmul(&inv)[(0, 1)]).abs() < 1e-15);
/// ```
pub fn spd_inverse(a: &Matrix) -> Option<Matrix> {
    let li = lower_inverse(&cholesky(a)?);
    Some(li.t_matmul(&li))
}

/// `ln det a` of a symmetric positive definite matrix.
///
/// # Examples
/// ```
/// use hft::stats::{Matrix, spd_log_det};
/// let a = Matrix::from_rows(&[vec![4.0, 2.0], vec![2.0, 5.0]]);
/// assert!((spd_log_det(&a).unwrap() - 16f64.ln()).abs() < 1e-15);
/// ```
pub fn spd_log_det(a: &Matrix) -> Option<f64> {
    let l = cholesky(a)?;
    Some((0..a.rows).map(|i| 2.0 * l[(i, i)].ln()).sum())
}

/// The eigenvalues of a symmetric matrix, largest first, by cyclic Jacobi rotations (accurate to
/// a few units of rounding relative to the matrix's norm). Only the lower triangle is read.
///
/// # Examples
/// ```
/// use hft::stats::{Matrix, symmetric_eigenvalues};
/// let a = Matrix::from_rows(&[vec![2.0, 1.0], vec![1.0, 2.0]]);
/// let e = symmetric_eigenvalues(&a);
/// assert!((e[0] - 3.0).abs() < 1e-15 && (e[1] - 1.0).abs() < 1e-15);
/// ```
pub fn symmetric_eigenvalues(a: &Matrix) -> Vec<f64> {
    symmetric_eigen(a).0
}

/// The eigenvalues of a symmetric matrix, largest first, and their unit eigenvectors as the
/// columns of the second matrix, in the same order (cyclic Jacobi rotations, accumulated). Only
/// the lower triangle is read.
///
/// # Examples
/// ```
/// use hft::stats::{Matrix, symmetric_eigen};
/// let a = Matrix::from_rows(&[vec![2.0, 1.0], vec![1.0, 2.0]]);
/// let (e, v) = symmetric_eigen(&a);
/// assert!((e[0] - 3.0).abs() < 1e-15);
/// // The first eigenvector is (1, 1) / sqrt 2, up to sign.
/// assert!((v[(0, 0)].abs() - 0.5f64.sqrt()).abs() < 1e-15 && v[(0, 0)] == v[(1, 0)]);
/// ```
pub fn symmetric_eigen(a: &Matrix) -> (Vec<f64>, Matrix) {
    let n = a.rows.min(a.cols);
    let mut m = Matrix::from_fn(n, n, |i, j| if i >= j { a[(i, j)] } else { a[(j, i)] });
    let mut v = Matrix::from_fn(n, n, |i, j| if i == j { 1.0 } else { 0.0 });
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..i).map(move |j| (i, j)))
            .map(|(i, j)| m[(i, j)] * m[(i, j)])
            .sum();
        let diag: f64 = (0..n).map(|i| m[(i, i)] * m[(i, i)]).sum();
        if off <= 1e-32 * diag || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[(p, q)];
                if apq == 0.0 {
                    continue;
                }
                // The rotation that zeroes (p, q): t = tan θ, the smaller root.
                let theta = (m[(q, q)] - m[(p, p)]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[(k, p)], m[(k, q)]);
                    m[(k, p)] = c * mkp - s * mkq;
                    m[(k, q)] = s * mkp + c * mkq;
                    let (vkp, vkq) = (v[(k, p)], v[(k, q)]);
                    v[(k, p)] = c * vkp - s * vkq;
                    v[(k, q)] = s * vkp + c * vkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[(p, k)], m[(q, k)]);
                    m[(p, k)] = c * mpk - s * mqk;
                    m[(q, k)] = s * mpk + c * mqk;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| m[(y, y)].total_cmp(&m[(x, x)]));
    let values = order.iter().map(|&i| m[(i, i)]).collect();
    let vectors = Matrix::from_fn(n, n, |i, j| v[(i, order[j])]);
    (values, vectors)
}

/// The inverse of a small square matrix by Gauss-Jordan elimination with partial pivoting;
/// `None` when it is not square or (numerically) singular.
///
/// # Examples
/// ```
/// use hft::stats::{Matrix, inverse};
/// let a = Matrix::from_rows(&[vec![0.0, 2.0], vec![1.0, 1.0]]);
/// let inv = inverse(&a).unwrap();
/// assert_eq!(inv.to_rows(), vec![vec![-0.5, 1.0], vec![0.5, 0.0]]);
/// assert!(inverse(&Matrix::from_rows(&[vec![1.0, 2.0], vec![2.0, 4.0]])).is_none());
/// ```
pub fn inverse(a: &Matrix) -> Option<Matrix> {
    let n = a.rows;
    if a.cols != n || !a.all_finite() {
        return None;
    }
    let scale = a.data.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let mut m = a.clone();
    let mut inv = Matrix::from_fn(n, n, |i, j| if i == j { 1.0 } else { 0.0 });
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| m[(x, col)].abs().total_cmp(&m[(y, col)].abs()))?;
        if m[(pivot, col)].abs() <= RANK_TOLERANCE * scale {
            return None;
        }
        for j in 0..n {
            m.data.swap(col * n + j, pivot * n + j);
            inv.data.swap(col * n + j, pivot * n + j);
        }
        let d = m[(col, col)];
        for j in 0..n {
            m[(col, j)] /= d;
            inv[(col, j)] /= d;
        }
        for i in 0..n {
            if i != col {
                let f = m[(i, col)];
                if f != 0.0 {
                    for j in 0..n {
                        m[(i, j)] -= f * m[(col, j)];
                        inv[(i, j)] -= f * inv[(col, j)];
                    }
                }
            }
        }
    }
    inv.all_finite().then_some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_refuses_collinear_columns() {
        let x = Matrix::from_fn(5, 2, |i, _| i as f64);
        let y = Matrix::from_fn(5, 1, |i, _| i as f64);
        assert!(least_squares(&x, &y).is_none());
        assert!(least_squares(&Matrix::zeros(2, 2), &Matrix::zeros(2, 1)).is_none());
    }

    #[test]
    fn jacobi_matches_the_characteristic_polynomial_of_a_3x3() {
        // Eigenvalues of [[2,-1,0],[-1,2,-1],[0,-1,2]] are 2 - sqrt2, 2, 2 + sqrt2.
        let a = Matrix::from_rows(&[
            vec![2.0, -1.0, 0.0],
            vec![-1.0, 2.0, -1.0],
            vec![0.0, -1.0, 2.0],
        ]);
        let e = symmetric_eigenvalues(&a);
        let r2 = std::f64::consts::SQRT_2;
        for (got, want) in e.iter().zip([2.0 + r2, 2.0, 2.0 - r2]) {
            assert!((got - want).abs() < 1e-14, "{got} {want}");
        }
        let inv = spd_inverse(&a).unwrap();
        let eye = a.matmul(&inv);
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((eye[(i, j)] - want).abs() < 1e-14);
            }
        }
    }
}
