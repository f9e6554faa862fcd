//! Unit tests of the factor model on synthetic universes with a known structure, and against the
//! crate's general linear algebra (eigenvalues by `symmetric_eigenvalues`, regressions by
//! `least_squares`). The numpy/statsmodels reference values on real closes are in
//! `tests/factor.rs`.

use super::*;
use crate::stats::{Matrix, least_squares, symmetric_eigenvalues};

/// A seeded generator (SplitMix64) with Box-Muller normals.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// `rows x n` returns: two factors (a market factor loading on every name, a second one long
/// the first half and short the second) plus idiosyncratic noise that mean-reverts in level.
fn universe(seed: u64, rows: usize, n: usize) -> Vec<f64> {
    let mut rng = Rng(seed);
    let mut out = vec![0.0; rows * n];
    let mut level = vec![0.0; n];
    for t in 0..rows {
        let (market, style) = (0.01 * rng.normal(), 0.006 * rng.normal());
        for i in 0..n {
            let tilt = if i < n / 2 { 1.0 } else { -1.0 };
            // The idiosyncratic part is the change of an AR(1) level (b = 0.8): its cumulative
            // sum reverts.
            let next = 0.8 * level[i] + 0.004 * rng.normal();
            let idio = next - level[i];
            level[i] = next;
            out[t * n + i] = (0.8 + 0.05 * i as f64) * market + tilt * style + idio;
        }
    }
    out
}

fn config(rows: usize, k: FactorCount) -> FactorConfig {
    FactorConfig {
        factor_window: rows,
        residual_window: 60,
        k,
        dt: 1.0 / 252.0,
    }
}

#[test]
fn two_factor_universe_keeps_two_factors_and_every_name_reverts() {
    let (rows, n) = (252, 10);
    let returns = universe(7, rows, n);
    let mut model = FactorModel::new(n, &config(rows, FactorCount::Explained(0.7)));
    let fit = model.fit(&returns).unwrap();
    assert_eq!(fit.k(), 2, "explained {:?}", &fit.explained_variance()[..3]);
    let ev = fit.eigenvalues();
    assert!(ev.windows(2).all(|w| w[0] >= w[1]));
    assert!((ev.iter().sum::<f64>() - n as f64).abs() < 1e-12);
    assert!((fit.explained_variance().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // Sign rule: the largest component is positive; the market mode is all long; the style
    // mode splits the halves.
    for j in 0..2 {
        let v = fit.loadings(j);
        let big = v
            .iter()
            .fold(0.0f64, |m, x| if x.abs() > m.abs() { *x } else { m });
        assert!(big > 0.0);
        assert!((v.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-12);
    }
    assert!(fit.loadings(0).iter().all(|v| *v > 0.0));
    let style = fit.loadings(1);
    assert!(
        style[..n / 2]
            .iter()
            .all(|v| v.signum() == style[0].signum())
    );
    assert!(
        style[n / 2..]
            .iter()
            .all(|v| v.signum() == -style[0].signum())
    );
    for (i, w) in fit.eigenportfolio(0).iter().enumerate() {
        assert_eq!(*w, fit.loadings(0)[i] / fit.std_devs()[i]);
    }
    for name in fit.names() {
        assert!(name.tradeable(), "{name:?}");
        assert!(name.b > 0.3 && name.b < 1.0);
        let (m_c, sigma_eq) = (name.m_centred.unwrap(), name.sigma_eq.unwrap());
        assert!(name.x_last.abs() < 1e-15);
        assert!((name.s_score.unwrap() - (name.x_last - m_c) / sigma_eq).abs() < 1e-15);
        assert!((name.kappa.unwrap() + name.b.ln() * 252.0).abs() < 1e-12);
    }
    let m_c_sum: f64 = fit.names().iter().map(|x| x.m_centred.unwrap()).sum();
    assert!(m_c_sum.abs() < 1e-12);
}

#[test]
fn eigenvalues_and_regressions_agree_with_the_general_linear_algebra() {
    let (rows, n) = (200, 8);
    let returns = universe(11, rows, n);
    let mut model = FactorModel::new(n, &config(rows, FactorCount::Fixed(3)));
    let fit = model.fit(&returns).unwrap().clone();
    // Correlation matrix by the definition, eigenvalues by the other solver.
    let col = |i: usize| (0..rows).map(|t| returns[t * n + i]).collect::<Vec<f64>>();
    let centred: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let c = col(i);
            let m = c.iter().sum::<f64>() / rows as f64;
            c.iter().map(|x| x - m).collect()
        })
        .collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let corr = Matrix::from_fn(n, n, |i, j| {
        dot(&centred[i], &centred[j])
            / (dot(&centred[i], &centred[i]) * dot(&centred[j], &centred[j])).sqrt()
    });
    for (got, want) in fit.eigenvalues().iter().zip(symmetric_eigenvalues(&corr)) {
        assert!((got - want).abs() < 1e-12, "{got} {want}");
    }
    // Each loading vector is an eigenvector: C v = λ v.
    for j in 0..3 {
        let v = fit.loadings(j);
        for i in 0..n {
            let cv: f64 = (0..n).map(|l| corr[(i, l)] * v[l]).sum();
            assert!((cv - fit.eigenvalues()[j] * v[i]).abs() < 1e-12);
        }
    }
    // The residual regression of every name by the general QR least squares.
    let start = rows - 60;
    let design = Matrix::from_fn(60, 4, |s, j| {
        if j == 0 {
            1.0
        } else {
            let w = fit.eigenportfolio(j - 1);
            (0..n).map(|i| w[i] * returns[(start + s) * n + i]).sum()
        }
    });
    for i in 0..n {
        let y = Matrix::from_fn(60, 1, |s, _| returns[(start + s) * n + i]);
        let (coef, _) = least_squares(&design, &y).unwrap();
        assert!((coef[(0, 0)] - fit.names()[i].intercept).abs() < 1e-14);
        for j in 0..3 {
            assert!((coef[(j + 1, 0)] - fit.betas(i)[j]).abs() < 1e-12);
        }
    }
}

#[test]
fn refits_are_identical_and_reuse_the_workspace() {
    let (rows, n) = (150, 6);
    let a = universe(3, rows, n);
    let b = universe(4, rows, n);
    let mut model = FactorModel::new(n, &config(rows, FactorCount::Fixed(2)));
    let first = model.fit(&a).unwrap().clone();
    model.fit(&b).unwrap();
    let again = model.fit(&a).unwrap();
    assert_eq!(first.eigenvalues(), again.eigenvalues());
    assert_eq!(first.loadings(1), again.loadings(1));
    assert_eq!(first.names(), again.names());
}

#[test]
fn a_trending_residual_is_not_tradeable_and_stays_out_of_the_mean() {
    let (rows, n) = (252, 6);
    let mut returns = universe(5, rows, n);
    // Name 0's own part becomes a random walk in level: its cumulative residual drifts.
    let mut rng = Rng(99);
    let mut walk = 0.0;
    for t in 0..rows {
        walk += 0.01 * rng.normal() + 0.002;
        returns[t * n] += walk * 0.05;
    }
    let mut model = FactorModel::new(n, &config(rows, FactorCount::Fixed(1)));
    let fit = model.fit(&returns).unwrap();
    let names = fit.names();
    for name in names {
        assert_eq!(name.tradeable(), name.b > 0.0 && name.b < 1.0);
        if !name.tradeable() {
            assert!(name.kappa.is_none() && name.m.is_none() && name.sigma_eq.is_none());
        }
    }
    let tradeable: Vec<&NameFit> = names.iter().filter(|x| x.tradeable()).collect();
    let mean_m = tradeable.iter().map(|x| x.m.unwrap()).sum::<f64>() / tradeable.len() as f64;
    for name in tradeable {
        assert!((name.m_centred.unwrap() - (name.m.unwrap() - mean_m)).abs() < 1e-15);
    }
}

#[test]
fn bad_input_and_settings_are_errors_not_panics() {
    let (rows, n) = (100, 4);
    let good = universe(1, rows, n);
    let mut model = FactorModel::new(n, &config(rows, FactorCount::Fixed(2)));
    assert_eq!(
        model.fit(&good[..10]).unwrap_err(),
        FitError::WrongLength {
            expected: 400,
            got: 10
        }
    );
    let mut nan = good.clone();
    nan[5 * n + 3] = f64::NAN;
    assert_eq!(
        model.fit(&nan).unwrap_err(),
        FitError::NonFinite { row: 5, name: 3 }
    );
    let mut flat = good.clone();
    for t in 0..rows {
        flat[t * n + 1] = 0.001;
    }
    assert_eq!(
        model.fit(&flat).unwrap_err(),
        FitError::Constant { name: 1 }
    );
    // Two identical names make the correlation matrix singular, not the model: fine. Settings:
    for (k, window, res) in [
        (FactorCount::Fixed(0), 100, 60),
        (FactorCount::Fixed(5), 100, 60),
        (FactorCount::Explained(1.5), 100, 60),
        (FactorCount::Explained(0.5), 100, 120),
        (FactorCount::Fixed(2), 2, 2),
    ] {
        let cfg = FactorConfig {
            factor_window: window,
            residual_window: res,
            k,
            dt: 1.0,
        };
        assert!(matches!(cfg.check(n), Err(FitError::Config(_))), "{cfg:?}");
        let mut bad = FactorModel::new(n, &cfg);
        assert!(matches!(bad.fit(&good), Err(FitError::Config(_))));
    }
    // The explained rule may ask for more factors than the residual window can carry.
    let cfg = FactorConfig {
        factor_window: rows,
        residual_window: 6,
        k: FactorCount::Explained(1.0),
        dt: 1.0,
    };
    let mut model = FactorModel::new(n, &cfg);
    assert_eq!(
        model.fit(&good).unwrap_err(),
        FitError::TooManyFactors { k: 4, needed: 8 }
    );
}
