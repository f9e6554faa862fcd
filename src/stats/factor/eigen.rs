//! Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations, in place, in a
//! workspace sized once: no allocation in [`SymmetricEigen::decompose`].
//!
//! Source: Golub and Van Loan, *Matrix Computations* (4th ed., 2013), 8.5.2-8.5.3 (the symmetric
//! Schur decomposition of a 2 x 2 block and the cyclic-by-row Jacobi sweep), with Rutishauser's
//! update of the two diagonal entries (`a_pp - t a_pq`, `a_qq + t a_pq`), which keeps the
//! diagonal accurate as the off-diagonal mass goes to zero. Jacobi is slower than tridiagonal QR
//! by a constant factor but computes small eigenvalues and the eigenvectors to high relative
//! accuracy, and it is short enough to read in one sitting (why it is used: see the module docs
//! of [`crate::stats::FactorModel`]).

/// The largest number of sweeps before giving up (quadratic convergence needs about 6-10 for the
/// sizes used here; a symmetric matrix always converges).
const MAX_SWEEPS: usize = 60;

/// An eigen decomposition workspace for symmetric `n x n` matrices.
///
/// # Examples
/// ```
/// use hft::stats::SymmetricEigen;
/// let mut eig = SymmetricEigen::new(2);
/// eig.decompose(&[2.0, 1.0, 1.0, 2.0]).unwrap();
/// // Eigenvalues are on the diagonal in no particular order; vectors are columns.
/// let mut values = [eig.value(0), eig.value(1)];
/// values.sort_by(f64::total_cmp);
/// assert!((values[0] - 1.0).abs() < 1e-15 && (values[1] - 3.0).abs() < 1e-15);
/// let v = eig.vector_component(0, 0).abs();
/// assert!((v - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
/// ```
#[derive(Debug, Clone)]
pub struct SymmetricEigen {
    n: usize,
    /// The matrix being diagonalized, row-major (both triangles kept).
    a: Vec<f64>,
    /// The accumulated rotations, row-major: column `j` is the eigenvector of `a[j][j]`.
    v: Vec<f64>,
}

/// The matrix given to [`SymmetricEigen::decompose`] could not be decomposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EigenError {
    /// The slice is not `n * n` long.
    #[error("the matrix has {got} entries, the workspace expects {expected}")]
    WrongSize {
        /// `n * n`.
        expected: usize,
        /// The slice's length.
        got: usize,
    },
    /// An entry is NaN or infinite.
    #[error("the matrix has a value that is not finite")]
    NonFinite,
    /// The sweeps did not converge (not seen for finite symmetric input).
    #[error("the Jacobi sweeps did not converge")]
    NoConvergence,
}

impl SymmetricEigen {
    /// A workspace for `n x n` matrices (the only allocation).
    pub fn new(n: usize) -> Self {
        SymmetricEigen {
            n,
            a: vec![0.0; n * n],
            v: vec![0.0; n * n],
        }
    }

    /// The order of the matrices this workspace takes.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Decomposes the symmetric `matrix` (row-major, `n * n`; only its lower triangle is read).
    ///
    /// # Errors
    /// A slice of the wrong size, a value that is not finite, or no convergence.
    pub fn decompose(&mut self, matrix: &[f64]) -> Result<(), EigenError> {
        let n = self.n;
        if matrix.len() != n * n {
            return Err(EigenError::WrongSize {
                expected: n * n,
                got: matrix.len(),
            });
        }
        for i in 0..n {
            for j in 0..=i {
                let x = matrix[i * n + j];
                if !x.is_finite() {
                    return Err(EigenError::NonFinite);
                }
                self.a[i * n + j] = x;
                self.a[j * n + i] = x;
            }
        }
        self.v.iter_mut().for_each(|x| *x = 0.0);
        for i in 0..n {
            self.v[i * n + i] = 1.0;
        }
        for _ in 0..MAX_SWEEPS {
            let (mut off, mut diag) = (0.0, 0.0);
            for i in 0..n {
                diag += self.a[i * n + i] * self.a[i * n + i];
                for j in 0..i {
                    off += self.a[i * n + j] * self.a[i * n + j];
                }
            }
            // Off-diagonal mass at rounding level of the diagonal: done.
            if off == 0.0 || off <= 1e-34 * diag {
                return Ok(());
            }
            for p in 0..n {
                for q in p + 1..n {
                    self.rotate(p, q);
                }
            }
        }
        Err(EigenError::NoConvergence)
    }

    /// One Jacobi rotation in the plane `(p, q)` that zeroes `a[p][q]`.
    fn rotate(&mut self, p: usize, q: usize) {
        let n = self.n;
        let apq = self.a[p * n + q];
        if apq == 0.0 {
            return;
        }
        let (app, aqq) = (self.a[p * n + p], self.a[q * n + q]);
        // t = tan θ, the root of t² + 2τt - 1 = 0 of smaller magnitude (|θ| <= π/4).
        let tau = (aqq - app) / (2.0 * apq);
        let t = if tau >= 0.0 {
            1.0 / (tau + (1.0 + tau * tau).sqrt())
        } else {
            -1.0 / (-tau + (1.0 + tau * tau).sqrt())
        };
        let c = 1.0 / (1.0 + t * t).sqrt();
        let s = t * c;
        self.a[p * n + p] = app - t * apq;
        self.a[q * n + q] = aqq + t * apq;
        self.a[p * n + q] = 0.0;
        self.a[q * n + p] = 0.0;
        for k in 0..n {
            if k == p || k == q {
                continue;
            }
            let (akp, akq) = (self.a[k * n + p], self.a[k * n + q]);
            let (new_p, new_q) = (c * akp - s * akq, s * akp + c * akq);
            self.a[k * n + p] = new_p;
            self.a[p * n + k] = new_p;
            self.a[k * n + q] = new_q;
            self.a[q * n + k] = new_q;
        }
        for k in 0..n {
            let (vkp, vkq) = (self.v[k * n + p], self.v[k * n + q]);
            self.v[k * n + p] = c * vkp - s * vkq;
            self.v[k * n + q] = s * vkp + c * vkq;
        }
    }

    /// The `j`-th eigenvalue after [`decompose`](Self::decompose) (unsorted: the diagonal).
    ///
    /// # Panics
    /// If `j >= n`.
    pub fn value(&self, j: usize) -> f64 {
        self.a[j * self.n + j]
    }

    /// Component `i` of the unit eigenvector of [`value(j)`](Self::value).
    ///
    /// # Panics
    /// If `i` or `j` is not below `n`.
    pub fn vector_component(&self, i: usize, j: usize) -> f64 {
        self.v[i * self.n + j]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconstructs_a_random_symmetric_matrix() {
        let n = 12;
        let mut m = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let x = ((i * 31 + j * 17) as f64 * 0.618).sin();
                m[i * n + j] = x;
                m[j * n + i] = x;
            }
        }
        let mut eig = SymmetricEigen::new(n);
        eig.decompose(&m).unwrap();
        // A = V diag(λ) Vᵀ and VᵀV = I.
        for i in 0..n {
            for j in 0..n {
                let a: f64 = (0..n)
                    .map(|k| eig.vector_component(i, k) * eig.value(k) * eig.vector_component(j, k))
                    .sum();
                assert!((a - m[i * n + j]).abs() < 1e-13, "{i} {j}");
                let dot: f64 = (0..n)
                    .map(|k| eig.vector_component(k, i) * eig.vector_component(k, j))
                    .sum();
                let eye = if i == j { 1.0 } else { 0.0 };
                assert!((dot - eye).abs() < 1e-13);
            }
        }
    }

    #[test]
    fn refuses_bad_input() {
        let mut eig = SymmetricEigen::new(2);
        assert_eq!(
            eig.decompose(&[1.0; 3]),
            Err(EigenError::WrongSize {
                expected: 4,
                got: 3
            })
        );
        assert_eq!(
            eig.decompose(&[1.0, f64::NAN, f64::NAN, 1.0]),
            Err(EigenError::NonFinite)
        );
        // A diagonal matrix needs no rotation.
        eig.decompose(&[5.0, 0.0, 0.0, -1.0]).unwrap();
        assert_eq!((eig.value(0), eig.value(1)), (5.0, -1.0));
    }
}
