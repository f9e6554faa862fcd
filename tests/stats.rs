//! The rolling statistics against straightforward references.
//!
//! Every windowed statistic is checked after every update against a two-pass computation over
//! the last `window` values (`reference_*` below), on random series of three shapes (i.i.d.
//! noise, random walk, and steps from a three-value alphabet that makes constant windows common)
//! at price levels from 0 to 5e7 and noise scales from 0 (constant) to 1e3. A hand-checked
//! series with exact answers, a long run that wraps a window of 7 many times, the EMA against
//! its defining integral, and the grid resampler against a brute-force previous-tick lookup
//! complete the set.
//!
//! # Tolerances
//!
//! Rounding in the rolling statistics is bounded by roughly `window * eps * kappa` relative to
//! the second moment, where `eps` is 2.2e-16 and `kappa` the condition of the data after the
//! reference shift (spread over standard deviation, squared); for these generators `kappa` stays
//! below about 100 and the window below 300, so the bound is about 1e-11. The comparisons use
//! 1e-9: 100 times that, and still a million times tighter than any algebraic mistake, which
//! shows up at 1e-3 or worse. Each tolerance is scaled by the natural size of its statistic:
//! the variance by itself, the covariance by `sqrt(var_x * var_y)` (it may be near zero while
//! the variances are not), the correlation absolutely (it lives in [-1, 1]), the slope by
//! `sd_y / sd_x`, and the intercept additionally by `|mean_x|` times the slope's tolerance (it
//! extrapolates the line to `x = 0`).

use std::collections::VecDeque;

use hft::stats::{
    GridResampler, Interpolation, IrregularEma, Ring, RollingCovariance, RollingMean, RollingOls,
    RollingReturns, RollingVariance,
};
use proptest::prelude::*;

const REL: f64 = 1e-9;

// ---------------------------------------------------------------------------------------------
// References: plain two-pass formulas over a slice.
// ---------------------------------------------------------------------------------------------

/// The window shifted by its first value (exact for nearby values, as one would do by hand for
/// numbers like 1e6 + 1e-4) and the mean of the shifted values.
fn shifted(w: &[f64]) -> (Vec<f64>, f64) {
    let d: Vec<f64> = w.iter().map(|x| x - w[0]).collect();
    let mean = d.iter().sum::<f64>() / w.len() as f64;
    (d, mean)
}

fn reference_mean(w: &[f64]) -> f64 {
    w[0] + shifted(w).1
}

/// Deviations from the mean, taken in shifted units so the rounding of the level stays out.
fn deviations(w: &[f64]) -> Vec<f64> {
    let (d, mean) = shifted(w);
    d.iter().map(|v| v - mean).collect()
}

/// Two-pass sum of squares, with the correction term of Chan, Golub and LeVeque.
fn corrected_sum_of_squares(e: &[f64]) -> f64 {
    let c: f64 = e.iter().sum();
    e.iter().map(|v| v * v).sum::<f64>() - c * c / e.len() as f64
}

fn reference_m2(w: &[f64]) -> f64 {
    corrected_sum_of_squares(&deviations(w))
}

fn reference_cxy(x: &[f64], y: &[f64]) -> f64 {
    let (ex, ey) = (deviations(x), deviations(y));
    let (cx, cy) = (ex.iter().sum::<f64>(), ey.iter().sum::<f64>());
    ex.iter().zip(&ey).map(|(a, b)| a * b).sum::<f64>() - cx * cy / x.len() as f64
}

fn all_equal(w: &[f64]) -> bool {
    w.iter().all(|&x| x == w[0])
}

fn assert_close(what: &str, got: f64, expected: f64, tolerance: f64) {
    assert!(got.is_finite(), "{what}: {got} is not finite");
    assert!(
        (got - expected).abs() <= tolerance,
        "{what}: got {got}, expected {expected}, |diff| {} > {tolerance}",
        (got - expected).abs()
    );
}

/// Tolerance of a mean: one rounding of the level plus summation of the deviations.
fn mean_tolerance(w: &[f64], m: f64) -> f64 {
    let spread = w.iter().map(|x| (x - m).abs()).fold(0.0, f64::max);
    1e-12 * spread + 4.0 * f64::EPSILON * m.abs()
}

fn check_variance(var: &RollingVariance, w: &[f64], window: usize) {
    if w.len() < window {
        assert!(!var.is_ready());
        assert_eq!(var.value(), None);
        assert_eq!(var.mean(), None);
        return;
    }
    assert!(var.is_ready());
    let m = reference_mean(w);
    assert_close("mean", var.mean().unwrap(), m, mean_tolerance(w, m));
    if window < 2 || all_equal(w) {
        assert_eq!(var.variance(), None, "window {w:?}");
        assert_eq!(var.std(), None);
        return;
    }
    let expected = reference_m2(w) / (window - 1) as f64;
    let got = var.variance().expect("defined variance");
    assert_close("variance", got, expected, REL * expected);
    assert_eq!(var.value(), Some(got));
    assert_eq!(var.std(), Some(got.sqrt()));
}

fn check_covariance(cov: &RollingCovariance, x: &[f64], y: &[f64], window: usize) {
    if x.len() < window {
        assert!(!cov.is_ready());
        assert_eq!(cov.value(), None);
        assert_eq!(cov.correlation(), None);
        assert_eq!((cov.mean_x(), cov.mean_y()), (None, None));
        return;
    }
    let (mx, my) = (reference_mean(x), reference_mean(y));
    assert_close("mean_x", cov.mean_x().unwrap(), mx, mean_tolerance(x, mx));
    assert_close("mean_y", cov.mean_y().unwrap(), my, mean_tolerance(y, my));
    if window < 2 {
        assert_eq!(cov.covariance(), None);
        assert_eq!(cov.correlation(), None);
        return;
    }
    let dof = (window - 1) as f64;
    let (sxx, syy) = (reference_m2(x), reference_m2(y));
    let (constant_x, constant_y) = (all_equal(x), all_equal(y));
    for (got, constant, s, name) in [
        (cov.var_x(), constant_x, sxx, "var_x"),
        (cov.var_y(), constant_y, syy, "var_y"),
    ] {
        if constant {
            assert_eq!(got, None, "{name}");
        } else {
            assert_close(name, got.unwrap(), s / dof, REL * s / dof);
        }
    }
    let covariance = cov.covariance().expect("covariance of a full window");
    assert_eq!(cov.value(), Some(covariance));
    if constant_x || constant_y {
        assert_eq!(covariance, 0.0);
        assert_eq!(cov.correlation(), None);
        return;
    }
    let scale = (sxx * syy).sqrt();
    assert_close(
        "covariance",
        covariance,
        reference_cxy(x, y) / dof,
        REL * scale / dof,
    );
    let r = cov.correlation().unwrap();
    assert!((-1.0..=1.0).contains(&r));
    assert_close("correlation", r, reference_cxy(x, y) / scale, REL);
}

fn check_ols(ols: &RollingOls, x: &[f64], y: &[f64], window: usize) {
    if x.len() < window || window < 2 || all_equal(x) {
        assert_eq!(ols.value(), None);
        assert_eq!(ols.slope(), None);
        assert_eq!(ols.intercept(), None);
        assert_eq!(ols.residual_std(), None);
        return;
    }
    let (mx, my) = (reference_mean(x), reference_mean(y));
    let (sxx, syy) = (reference_m2(x), reference_m2(y));
    let slope = reference_cxy(x, y) / sxx;
    let intercept = my - slope * mx;
    let (got_slope, got_intercept) = ols.value().expect("defined fit");
    let slope_tolerance = REL * (syy / sxx).sqrt();
    assert_close("slope", got_slope, slope, slope_tolerance);
    let intercept_tolerance = slope_tolerance * mx.abs()
        + mean_tolerance(y, my)
        + mean_tolerance(x, mx) * slope.abs()
        + REL * (syy / window as f64).sqrt();
    assert_close("intercept", got_intercept, intercept, intercept_tolerance);
    if window < 3 {
        assert_eq!(ols.residual_std(), None);
        return;
    }
    // Residuals directly, around the means; compare variances (the square root would magnify
    // the error of a near-perfect fit).
    let residuals: Vec<f64> = deviations(x)
        .iter()
        .zip(deviations(y))
        .map(|(a, b)| b - slope * a)
        .collect();
    let ssr = corrected_sum_of_squares(&residuals);
    let dof = (window - 2) as f64;
    let got = ols.residual_std().expect("residual std").powi(2);
    assert_close("residual variance", got, ssr / dof, REL * syy / dof);
}

// ---------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Shape {
    /// level + scale * u
    Noise,
    /// level + scale * (u_1 + ... + u_i)
    Walk,
    /// level + scale * round(1.5 u): three values, so runs and constant windows are common.
    Steps,
}

fn build(level: f64, scale: f64, shape: Shape, unit: &[f64]) -> Vec<f64> {
    let mut walk = 0.0;
    unit.iter()
        .map(|&u| match shape {
            Shape::Noise => level + scale * u,
            Shape::Walk => {
                walk += u;
                level + scale * walk
            }
            Shape::Steps => level + scale * (1.5 * u).round(),
        })
        .collect()
}

fn window() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 1..=4usize, 4 => 5..=40usize, 1 => 41..=300usize]
}

fn level() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(1.0), Just(1e3), Just(1e6), Just(-5e7)]
}

fn scale() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 3 => Just(1e-4), 3 => Just(1.0), 2 => Just(1e3)]
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![Just(Shape::Noise), Just(Shape::Walk), Just(Shape::Steps)]
}

fn series(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    (
        level(),
        scale(),
        shape(),
        prop::collection::vec(-1.0f64..1.0, 0..max_len),
    )
        .prop_map(|(level, scale, shape, unit)| build(level, scale, shape, &unit))
}

/// Pairs: `y` is its own series plus `beta` times the deviations of `x`, so correlations range
/// from none to nearly perfect, positive and negative.
fn pairs(max_len: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (
        level(),
        scale(),
        shape(),
        level(),
        scale(),
        shape(),
        prop_oneof![Just(0.0), Just(1.0), Just(-2.5), Just(1e-3)],
        prop::collection::vec((-1.0f64..1.0, -1.0f64..1.0), 0..max_len),
    )
        .prop_map(|(lx, sx, hx, ly, sy, hy, beta, units)| {
            let (ux, uy): (Vec<f64>, Vec<f64>) = units.into_iter().unzip();
            let x = build(lx, sx, hx, &ux);
            let mut y = build(ly, sy, hy, &uy);
            if beta != 0.0 {
                for (yi, xi) in y.iter_mut().zip(&x) {
                    *yi += beta * (xi - lx);
                }
            }
            (x, y)
        })
}

/// Seeded generator for the long deterministic runs (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

// ---------------------------------------------------------------------------------------------
// Windowed statistics against the references.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ring_matches_a_deque(capacity in 1..=9usize, xs in prop::collection::vec(-1e3f64..1e3, 0..60)) {
        let mut ring = Ring::new(capacity);
        let mut model = VecDeque::new();
        for x in xs {
            let evicted = if model.len() == capacity { model.pop_front() } else { None };
            model.push_back(x);
            prop_assert_eq!(ring.push(x), evicted);
            prop_assert_eq!(ring.len(), model.len());
            prop_assert_eq!(ring.is_full(), model.len() == capacity);
            prop_assert_eq!(ring.last(), model.back().copied());
            prop_assert_eq!(ring.iter().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(ring.iter().rev().collect::<Vec<_>>(), model.iter().rev().copied().collect::<Vec<_>>());
            for i in 0..=capacity {
                prop_assert_eq!(ring.get(i), model.get(i).copied());
            }
        }
    }

    #[test]
    fn mean_matches_two_pass(window in window(), xs in series(400)) {
        let mut mean = RollingMean::new(window);
        for i in 0..xs.len() {
            mean.update(xs[i]);
            let w = &xs[(i + 1).saturating_sub(window)..=i];
            if w.len() < window {
                prop_assert_eq!(mean.value(), None);
            } else {
                let m = reference_mean(w);
                assert_close("mean", mean.value().unwrap(), m, mean_tolerance(w, m));
            }
        }
    }

    #[test]
    fn variance_matches_two_pass(window in window(), xs in series(400)) {
        let mut var = RollingVariance::new(window);
        for i in 0..xs.len() {
            var.update(xs[i]);
            check_variance(&var, &xs[(i + 1).saturating_sub(window)..=i], window);
        }
    }

    #[test]
    fn covariance_matches_two_pass(window in window(), (xs, ys) in pairs(400)) {
        let mut cov = RollingCovariance::new(window);
        for i in 0..xs.len() {
            cov.update(xs[i], ys[i]);
            let from = (i + 1).saturating_sub(window);
            check_covariance(&cov, &xs[from..=i], &ys[from..=i], window);
        }
    }

    #[test]
    fn ols_matches_two_pass(window in window(), (xs, ys) in pairs(400)) {
        let mut ols = RollingOls::new(window);
        for i in 0..xs.len() {
            ols.update(xs[i], ys[i]);
            let from = (i + 1).saturating_sub(window);
            check_ols(&ols, &xs[from..=i], &ys[from..=i], window);
        }
    }

    #[test]
    fn returns_match_two_pass(
        window in window(),
        level in prop_oneof![Just(1.0), Just(100.0), Just(1e6)],
        scale in prop_oneof![Just(0.0), Just(1e-10), Just(1e-4), Just(1e-2)],
        shape in shape(),
        unit in prop::collection::vec(-1.0f64..1.0, 0..300),
    ) {
        // Prices level * (1 + scale * u): returns of size `scale`, down to 1e-10.
        let prices: Vec<f64> = build(1.0, scale, shape, &unit).iter().map(|p| level * p).collect();
        let returns: Vec<f64> = prices.windows(2).map(|p| (p[1] - p[0]) / p[0]).collect();
        let mut vol = RollingReturns::new(window);
        for i in 0..prices.len() {
            vol.update(prices[i]);
            if i == 0 {
                prop_assert_eq!(vol.last_return(), None);
                prop_assert!(!vol.is_ready());
                continue;
            }
            prop_assert_eq!(vol.last_return(), Some(returns[i - 1]));
            let w = &returns[i.saturating_sub(window)..i];
            if w.len() < window {
                prop_assert!(!vol.is_ready());
                prop_assert_eq!(vol.value(), None);
            } else if window < 2 || all_equal(w) {
                prop_assert_eq!(vol.std(), None);
            } else {
                let expected = (reference_m2(w) / (window - 1) as f64).sqrt();
                // The std's relative error is half the variance's.
                assert_close("std of returns", vol.std().unwrap(), expected, REL * expected);
                prop_assert_eq!(vol.value(), vol.std());
            }
        }
    }

    #[test]
    fn constant_series_never_has_variance(
        window in 1..=12usize,
        level in level(),
        n in 0..80usize,
    ) {
        let mut var = RollingVariance::new(window);
        let mut cov = RollingCovariance::new(window);
        let mut ols = RollingOls::new(window);
        let mut mean = RollingMean::new(window);
        for i in 0..n {
            var.update(level);
            mean.update(level);
            // y varies with x constant, then x varies with y constant: slope undefined, then 0.
            cov.update(level, i as f64);
            ols.update(level, i as f64);
            prop_assert_eq!(var.variance(), None);
            prop_assert_eq!(var.std(), None);
            prop_assert_eq!(cov.correlation(), None);
            prop_assert_eq!(ols.value(), None);
            prop_assert_eq!(ols.residual_std(), None);
            if var.is_ready() {
                prop_assert_eq!(var.mean(), Some(level));
                prop_assert_eq!(mean.value(), Some(level));
                prop_assert_eq!(cov.mean_x(), Some(level));
                prop_assert_eq!(cov.covariance(), (window > 1).then_some(0.0));
            }
        }
        let mut flat_y = RollingOls::new(window);
        for i in 0..n {
            flat_y.update(i as f64, level);
            if flat_y.is_ready() && window > 1 {
                prop_assert_eq!(flat_y.slope(), Some(0.0));
                prop_assert_eq!(flat_y.intercept(), Some(level));
                prop_assert_eq!(flat_y.moments().correlation(), None);
            }
        }
    }
}

#[test]
fn long_runs_wrap_a_window_of_seven() {
    const WINDOW: usize = 7;
    const UPDATES: usize = 100_000;
    let mut rng = SplitMix(7);
    // Random walks at 1e6 with steps of 1e-4, with a steps-shaped stretch now and then so
    // constant windows come and go.
    let mut x = 1e6;
    let mut y = 5e5;
    let (mut xs, mut ys) = (Vec::with_capacity(UPDATES), Vec::with_capacity(UPDATES));
    for i in 0..UPDATES {
        let (u, v) = (rng.unit(), rng.unit());
        if (i / 500) % 4 == 3 {
            x = 1e6 + 1e-4 * (1.5 * u).round();
        } else {
            x += 1e-4 * u;
        }
        y += 1e-4 * v + 0.5 * 1e-4 * u;
        xs.push(x);
        ys.push(y);
    }
    let mut mean = RollingMean::new(WINDOW);
    let mut var = RollingVariance::new(WINDOW);
    let mut cov = RollingCovariance::new(WINDOW);
    let mut ols = RollingOls::new(WINDOW);
    let mut vol = RollingReturns::new(WINDOW);
    let returns: Vec<f64> = xs.windows(2).map(|p| (p[1] - p[0]) / p[0]).collect();
    for i in 0..UPDATES {
        mean.update(xs[i]);
        var.update(xs[i]);
        cov.update(xs[i], ys[i]);
        ols.update(xs[i], ys[i]);
        vol.update(xs[i]);
        let from = (i + 1).saturating_sub(WINDOW);
        let (wx, wy) = (&xs[from..=i], &ys[from..=i]);
        if wx.len() == WINDOW {
            let m = reference_mean(wx);
            assert_close("mean", mean.value().unwrap(), m, mean_tolerance(wx, m));
        }
        check_variance(&var, wx, WINDOW);
        check_covariance(&cov, wx, wy, WINDOW);
        check_ols(&ols, wx, wy, WINDOW);
        if i >= WINDOW {
            let w = &returns[i - WINDOW..i];
            match vol.std() {
                None => assert!(all_equal(w), "returns {w:?}"),
                Some(got) => {
                    let expected = (reference_m2(w) / (WINDOW - 1) as f64).sqrt();
                    assert_close("std of returns", got, expected, REL * expected);
                }
            }
        }
    }
}

#[test]
fn window_one_and_two_edges() {
    let xs = [3.0, 3.0, 5.0, 1e6, 1e6 + 1e-4, 1e6 + 1e-4, -2.0];
    for window in [1, 2] {
        let mut var = RollingVariance::new(window);
        let mut cov = RollingCovariance::new(window);
        let mut ols = RollingOls::new(window);
        for (i, &x) in xs.iter().enumerate() {
            let y = 2.0 * x + 1.0;
            var.update(x);
            cov.update(x, y);
            ols.update(x, y);
            let w = &xs[(i + 1).saturating_sub(window)..=i];
            let wy: Vec<f64> = w.iter().map(|x| 2.0 * x + 1.0).collect();
            check_variance(&var, w, window);
            check_covariance(&cov, w, &wy, window);
            check_ols(&ols, w, &wy, window);
            assert_eq!(ols.residual_std(), None, "fewer than 3 points");
        }
    }
}

/// A value far larger than the rest weighs nothing once it has left the window: nothing is
/// ever subtracted, so no rounding of its size stays behind in the sums of the small values.
#[test]
fn a_spike_leaves_no_trace() {
    const WINDOW: usize = 10;
    const SPIKE_AT: usize = 55;
    let mut var = RollingVariance::new(WINDOW);
    let mut cov = RollingCovariance::new(WINDOW);
    let mut rng = SplitMix(11);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..200 {
        let x = if i == SPIKE_AT {
            1e12
        } else {
            100.0 + 1e-3 * rng.unit()
        };
        let y = 50.0 + 1e-3 * rng.unit();
        xs.push(x);
        ys.push(y);
        var.update(x);
        cov.update(x, y);
        if i + 1 >= WINDOW {
            let from = i + 1 - WINDOW;
            check_variance(&var, &xs[from..], WINDOW);
            check_covariance(&cov, &xs[from..], &ys[from..], WINDOW);
        }
    }
}

/// Cases proptest found against an earlier design that subtracted departing values: a window of
/// two after a jump of 1 (or 1e6) and then moves of 1e-4.
#[test]
fn departed_jumps_at_window_two() {
    let xs = [0.0, 0.0, 0.0, 0.0, -5.794_562_775_772_059e-5];
    let ys = [0.0, 0.0, -1.0, 0.0, -5.794_562_775_772_059e-5];
    let mut cov = RollingCovariance::new(2);
    let mut var = RollingVariance::new(2);
    for i in 0..xs.len() {
        cov.update(xs[i], ys[i]);
        var.update(ys[i]);
        let from = (i + 1).saturating_sub(2);
        check_covariance(&cov, &xs[from..=i], &ys[from..=i], 2);
        check_variance(&var, &ys[from..=i], 2);
    }
    let levels = [5.0, 1e6, 1e6 + 1e-4, 1e6 + 1e-4, 1e6 - 2e-4];
    let mut var = RollingVariance::new(2);
    for i in 0..levels.len() {
        var.update(levels[i]);
        check_variance(&var, &levels[(i + 1).saturating_sub(2)..=i], 2);
    }
}

#[test]
fn known_series_exact_answers() {
    // Values are multiples of 1/4, exact in binary. The expected numbers are the exact rational
    // answers for the last window of 4, computed with Python's fractions.Fraction (and decimal
    // at 50 digits for square roots), written as the nearest f64 (Python's repr):
    //   x = [101.25, 100.5, 102.75, 99.0, 103.5, 101.0, 98.25]
    //   y = [50.5, 50.0, 51.75, 49.25, 52.0, 50.25, 49.0]
    let xs = [101.25, 100.5, 102.75, 99.0, 103.5, 101.0, 98.25];
    let ys = [50.5, 50.0, 51.75, 49.25, 52.0, 50.25, 49.0];
    let mut mean = RollingMean::new(4);
    let mut var = RollingVariance::new(4);
    let mut cov = RollingCovariance::new(4);
    let mut ols = RollingOls::new(4);
    let mut vol = RollingReturns::new(4);
    for (&x, &y) in xs.iter().zip(&ys) {
        mean.update(x);
        var.update(x);
        cov.update(x, y);
        ols.update(x, y);
        vol.update(x);
    }
    // Several roundings per answer: 1e-14 relative is tens of ulps.
    let rel = |what: &str, got: Option<f64>, expected: f64| {
        assert_close(what, got.unwrap(), expected, 1e-14 * expected.abs());
    };
    rel("mean", mean.value(), 100.4375);
    rel("var mean", var.mean(), 100.4375);
    rel("variance", var.variance(), 5.515625);
    rel("std", var.std(), 2.348_536_778_506_992);
    rel("mean_y", cov.mean_y(), 50.125);
    rel("var_y", cov.var_y(), 1.854_166_666_666_666_7);
    rel("covariance", cov.covariance(), 3.177_083_333_333_333_5);
    rel("correlation", cov.correlation(), 0.993_474_801_116_927_5);
    rel("slope", ols.slope(), 0.576_015_108_593_012_3);
    rel("intercept", ols.intercept(), -7.728_517_469_310_67);
    rel("residual std", ols.residual_std(), 0.190_205_147_436_723_9);
    rel("last return", vol.last_return(), -0.027_227_722_772_277_228);
    rel("mean return", vol.mean(), -0.010_606_029_263_668_989);
    rel("std of returns", vol.std(), 0.037_740_080_111_941_486);
}

// ---------------------------------------------------------------------------------------------
// The EMA against its defining integral.
// ---------------------------------------------------------------------------------------------

/// The continuous EMA at `T` (the last tick's time) of the series interpolated between ticks:
/// `z_0 exp(-(T - t_0)/tau) + sum over gaps of the integral of exp(-(T - s)/tau) z(s) ds / tau`,
/// by closed form for previous-tick interpolation and composite Simpson for linear.
fn reference_ema(ticks: &[(f64, f64)], tau: f64, interpolation: Interpolation) -> f64 {
    // Times relative to the last tick (exact subtractions), so the quadrature points of epoch
    // times keep their precision.
    let end = ticks.last().unwrap().0;
    let ticks: Vec<(f64, f64)> = ticks.iter().map(|&(t, z)| (t - end, z)).collect();
    let kernel = |s: f64| (s / tau).exp() / tau;
    let mut total = ticks[0].1 * (ticks[0].0 / tau).exp();
    for pair in ticks.windows(2) {
        let ((a, za), (b, zb)) = (pair[0], pair[1]);
        if b <= a {
            continue;
        }
        total += match interpolation {
            Interpolation::Previous => za * ((b / tau).exp() - (a / tau).exp()),
            Interpolation::Linear => {
                const STEPS: usize = 1024;
                let h = (b - a) / STEPS as f64;
                let f = |s: f64| kernel(s) * (za + (zb - za) * (s - a) / (b - a));
                let mut sum = f(a) + f(b);
                for k in 1..STEPS {
                    sum += f(a + k as f64 * h) * if k % 2 == 1 { 4.0 } else { 2.0 };
                }
                sum * h / 3.0
            }
        };
    }
    total
}

fn interpolation() -> impl Strategy<Value = Interpolation> {
    prop_oneof![Just(Interpolation::Previous), Just(Interpolation::Linear)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ema_matches_its_integral(
        tau in prop_oneof![Just(0.001), Just(1.0), Just(60.0)],
        interpolation in interpolation(),
        start in prop_oneof![Just(0.0), Just(1.7e9)],
        steps in prop::collection::vec((prop_oneof![1 => Just(0.0), 6 => 0.0f64..3.0], -1.0f64..1.0), 1..40),
    ) {
        // Gaps from 0 to 3 tau, irregular; values in [-1, 1].
        let mut t = start;
        let mut ticks = Vec::new();
        for (gap, x) in steps {
            t += gap * tau;
            ticks.push((t, x));
        }
        let mut ema = IrregularEma::new(tau, interpolation);
        for &(t, x) in &ticks {
            ema.update(t, x);
        }
        // Both sides use the same (rounded) tick times. Simpson's error bound with 1024 steps over
        // a gap of at most 3 tau is about 1e-11 per gap for values in [-1, 1]; the recursion
        // adds a few ulps per tick.
        let expected = reference_ema(&ticks, tau, interpolation);
        assert_close("ema", ema.value().unwrap(), expected, 1e-9);
    }

    #[test]
    fn ema_of_a_constant_is_the_constant(
        tau in 0.001f64..100.0,
        interpolation in interpolation(),
        x in -1e9f64..1e9,
        gaps in prop::collection::vec(0.0f64..1e3, 1..50),
    ) {
        let mut ema = IrregularEma::new(tau, interpolation);
        let mut t = 0.0;
        for gap in gaps {
            t += gap;
            ema.update(t, x);
            prop_assert_eq!(ema.value(), Some(x));
        }
    }

    #[test]
    fn previous_tick_step_covers_one_minus_inverse_e_in_tau(
        tau in 0.01f64..100.0,
        cuts in prop::collection::vec(0.0f64..1.0, 0..20),
    ) {
        // A unit step at t = 0, ticks of 1 at irregular times inside (0, tau], the last at tau.
        let mut ema = IrregularEma::new(tau, Interpolation::Previous);
        ema.update(-tau, 0.0);
        ema.update(0.0, 1.0);
        let mut times: Vec<f64> = cuts.iter().map(|c| c * tau).collect();
        times.sort_by(f64::total_cmp);
        for t in times {
            ema.update(t, 1.0);
        }
        ema.update(tau, 1.0);
        let expected = 1.0 - (-1.0f64).exp();
        // Exact for any spacing: the interpolated signal is the step itself.
        assert_close("step", ema.value().unwrap(), expected, 1e-14);
    }

    #[test]
    fn linear_step_approaches_one_minus_inverse_e(
        tau in 0.01f64..100.0,
        cuts in prop::collection::vec(0.0f64..1.0, 0..20),
    ) {
        // The step is a ramp from 0 at -tau/1000 to 1 at 0, so the signal starts rising a little
        // early: the EMA ends at 1 - nu(1/1000)/e, above 1 - 1/e by (1 - nu)/e < 1/(2000 e),
        // about 1.8e-4.
        let mut ema = IrregularEma::new(tau, Interpolation::Linear);
        ema.update(-tau, 0.0);
        ema.update(-tau / 1000.0, 0.0);
        ema.update(0.0, 1.0);
        let mut times: Vec<f64> = cuts.iter().map(|c| c * tau).collect();
        times.sort_by(f64::total_cmp);
        for t in times {
            ema.update(t, 1.0);
        }
        ema.update(tau, 1.0);
        let got = ema.value().unwrap();
        let expected = 1.0 - (-1.0f64).exp();
        prop_assert!(got > expected && got - expected < 1.0 / 2000.0 / std::f64::consts::E);
    }
}

#[test]
fn ema_warm_up() {
    let mut ema = IrregularEma::with_warmup(2.0, Interpolation::Linear, 6.0);
    for t in 0..6 {
        ema.update(f64::from(t), 1.0);
        assert!(!ema.is_ready());
        assert_eq!(ema.value(), None);
    }
    ema.update(6.0, 1.0);
    assert!(ema.is_ready());
    assert_eq!(ema.value(), Some(1.0));
    ema.reset();
    assert!(!ema.is_ready());
}

// ---------------------------------------------------------------------------------------------
// The grid resampler against a brute-force previous-tick lookup.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn resampler_rows_are_previous_tick_and_causal(
        instruments in 1..=4usize,
        step in 1..=50u64,
        start in prop_oneof![Just(0u64), 0u64..1_000, Just(1_700_000_000_000_000_000)],
        raw in prop::collection::vec((0..4usize, 0..=150u64), 0..80),
    ) {
        // Non-decreasing times (gaps 0 to 3 steps, zero gaps included); each tick's value is its
        // index, so a row says exactly which ticks it used.
        let mut t = start;
        let ticks: Vec<(usize, u64, f64)> = raw
            .iter()
            .enumerate()
            .map(|(k, &(i, gap))| {
                t += gap * step / 50;
                (i % instruments, t, k as f64)
            })
            .collect();
        let mut grid = GridResampler::new(instruments, step);
        let mut rows: Vec<(u64, Vec<f64>)> = Vec::new();
        for &(i, t, x) in &ticks {
            let before = rows.len();
            grid.on_tick(i, t, x, |grid_t, row| rows.push((grid_t, row.to_vec())));
            for (grid_t, _) in &rows[before..] {
                // Emitted no earlier than its own time, and only when a tick passes it.
                prop_assert!(*grid_t <= t);
            }
            prop_assert_eq!(grid.last(i), Some(x));
        }
        // Every row: each instrument's value is that of its last tick strictly before the row.
        for (grid_t, row) in &rows {
            prop_assert_eq!(grid_t % step, 0);
            prop_assert_eq!(row.len(), instruments);
            for (i, &value) in row.iter().enumerate() {
                let expected = ticks
                    .iter()
                    .rfind(|&&(j, t, _)| j == i && t < *grid_t)
                    .map(|&(_, _, x)| x);
                prop_assert_eq!(Some(value), expected, "row {} instrument {}", grid_t, i);
            }
        }
        // Rows cover every grid time from the first complete one to the last tick, once each.
        let first_complete = (0..instruments)
            .map(|i| ticks.iter().find(|&&(j, _, _)| j == i).map(|&(_, t, _)| t))
            .collect::<Option<Vec<u64>>>()
            .map(|firsts| firsts.into_iter().max().unwrap() / step * step + step);
        let expected_times: Vec<u64> = match (first_complete, ticks.last()) {
            (Some(first), Some(&(_, last_t, _))) if first <= last_t => {
                (first / step..=last_t / step).map(|k| k * step).collect()
            }
            _ => Vec::new(),
        };
        let times: Vec<u64> = rows.iter().map(|r| r.0).collect();
        prop_assert_eq!(times, expected_times);
    }
}

#[test]
fn resampler_quiet_instrument_and_multi_boundary_ticks() {
    let mut grid = GridResampler::new(3, 1_000);
    let mut rows = Vec::new();
    let ticks = [
        (0, 100, 10.0),
        (1, 200, 20.0),
        (2, 999, 30.0),
        (0, 1_000, 11.0), // exactly on 1000: row 1000 is before it
        (0, 1_500, 12.0),
        (1, 4_200, 21.0), // crosses 2000, 3000, 4000; instruments 0 and 2 stay quiet
    ];
    for (i, t, x) in ticks {
        grid.on_tick(i, t, x, |grid_t, row| rows.push((grid_t, row.to_vec())));
    }
    assert_eq!(
        rows,
        [
            (1_000, vec![10.0, 20.0, 30.0]),
            (2_000, vec![12.0, 20.0, 30.0]),
            (3_000, vec![12.0, 20.0, 30.0]),
            (4_000, vec![12.0, 20.0, 30.0]),
        ]
    );
    assert_eq!(grid.next_boundary_ns(), Some(5_000));
}
