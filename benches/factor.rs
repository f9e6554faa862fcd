//! The factor model's cost, and the choice of its eigensolver by measurement:
//!
//! - `eigen/jacobi/N`: our cyclic Jacobi ([`SymmetricEigen`]) on the correlation matrix of `N`
//!   names over a 252-row window (values and vectors), for N = 10, 50, 100.
//! - `eigen/nalgebra/N`, `eigen/faer/N`: the same matrix by `nalgebra::SymmetricEigen` and faer's
//!   `self_adjoint_eigen` (tridiagonalization and implicit QR / divide and conquer), built only
//!   with `--features bench-nalgebra` / `--features bench-faer` so ordinary builds never compile
//!   them.
//! - `fit/N`: the whole [`FactorModel::fit`] (correlation, eigen decomposition, 5 factors,
//!   N residual regressions, AR(1)s and s-scores) on the same window.
//!
//! The universe is synthetic and seeded: three factors with random loadings and idiosyncratic
//! noise, so the spectrum looks like a real one (a dominant market mode, a few smaller ones, a
//! bulk).
//!
//! Run: `cargo bench --bench factor` (with the other solvers:
//! `cargo bench --bench factor --features bench-nalgebra,bench-faer`).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hft::stats::{FactorConfig, FactorCount, FactorModel, SymmetricEigen};
use std::hint::black_box;

const ROWS: usize = 252;
const SIZES: [usize; 3] = [10, 50, 100];

/// SplitMix64 with Box-Muller normals.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 + 1e-18
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next(), self.next());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// `ROWS x n` returns, row-major.
fn returns(n: usize) -> Vec<f64> {
    let mut rng = Rng(n as u64);
    let loadings: Vec<[f64; 3]> = (0..n)
        .map(|_| [1.0 + 0.3 * rng.normal(), rng.normal(), 0.5 * rng.normal()])
        .collect();
    let mut out = Vec::with_capacity(ROWS * n);
    for _ in 0..ROWS {
        let f = [
            0.01 * rng.normal(),
            0.005 * rng.normal(),
            0.004 * rng.normal(),
        ];
        for l in &loadings {
            out.push(l[0] * f[0] + l[1] * f[1] + l[2] * f[2] + 0.01 * rng.normal());
        }
    }
    out
}

/// The correlation matrix of the returns, row-major.
fn correlation(r: &[f64], n: usize) -> Vec<f64> {
    let mean: Vec<f64> = (0..n)
        .map(|i| (0..ROWS).map(|t| r[t * n + i]).sum::<f64>() / ROWS as f64)
        .collect();
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] = (0..ROWS)
                .map(|t| (r[t * n + i] - mean[i]) * (r[t * n + j] - mean[j]))
                .sum();
        }
    }
    let d: Vec<f64> = (0..n).map(|i| c[i * n + i].sqrt()).collect();
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] /= d[i] * d[j];
        }
    }
    c
}

fn eigen(c: &mut Criterion) {
    let mut group = c.benchmark_group("eigen");
    for n in SIZES {
        let corr = correlation(&returns(n), n);
        let mut jacobi = SymmetricEigen::new(n);
        group.bench_with_input(BenchmarkId::new("jacobi", n), &corr, |b, corr| {
            b.iter(|| {
                jacobi.decompose(black_box(corr)).unwrap();
                black_box(jacobi.value(0))
            })
        });
        #[cfg(feature = "bench-nalgebra")]
        {
            let m = nalgebra::DMatrix::from_row_slice(n, n, &corr);
            group.bench_with_input(BenchmarkId::new("nalgebra", n), &m, |b, m| {
                b.iter(|| black_box(nalgebra::SymmetricEigen::new(black_box(m.clone()))))
            });
        }
        #[cfg(feature = "bench-faer")]
        {
            let m = faer::Mat::from_fn(n, n, |i, j| corr[i * n + j]);
            group.bench_with_input(BenchmarkId::new("faer", n), &m, |b, m| {
                b.iter(|| black_box(m.self_adjoint_eigen(faer::Side::Lower).unwrap()))
            });
        }
    }
    group.finish();
}

fn fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit");
    for n in SIZES {
        let r = returns(n);
        let cfg = FactorConfig {
            k: FactorCount::Fixed(5),
            ..FactorConfig::daily()
        };
        let mut model = FactorModel::new(n, &cfg);
        group.bench_with_input(BenchmarkId::from_parameter(n), &r, |b, r| {
            b.iter(|| black_box(model.fit(black_box(r)).unwrap().eigenvalues()[0]))
        });
    }
    group.finish();
}

criterion_group!(benches, eigen, fit);
criterion_main!(benches);
