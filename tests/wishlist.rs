//! The issue-15 statistics against statsmodels, arch, pandas and numpy on the real ETF closes
//! (reference values: `tests/data/wishlist_reference.json`, written by
//! `scripts/reference_wishlist.py`; versions in `tests/common/reference.rs`).

#[path = "common/reference.rs"]
mod reference;

use hft::stats::{EwmMoments, Kernel, KernelMoments};
use proptest::prelude::*;
use reference::*;

/// pandas and this crate run the same recursion in the same order: agreement to 1e-10 relative.
const EWM_TOLERANCE: f64 = 1e-10;

#[test]
fn ewm_moments_match_pandas_adjust_false() {
    let reference = reference();
    for case in reference["ewm"].as_array().unwrap() {
        let (x, y) = (
            closes(case["x"].as_str().unwrap()),
            closes(case["y"].as_str().unwrap()),
        );
        let half_life = f(&case["half_life"]);
        let rows: Vec<usize> = case["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_u64().unwrap() as usize)
            .collect();
        let mut m = EwmMoments::new(half_life);
        let mut k = KernelMoments::new(Kernel::Ema {
            half_life_rows: half_life,
        });
        let mut next = 0;
        for t in 0..x.len() {
            m.update(x[t], y[t]);
            k.update(x[t], y[t]);
            if next < rows.len() && rows[next] == t {
                let got = [
                    m.mean_x(),
                    m.mean_y(),
                    m.var_x(),
                    m.var_y(),
                    m.covariance(),
                    m.correlation(),
                ];
                let via_kernel = [
                    k.mean_x(),
                    k.mean_y(),
                    k.var_x(),
                    k.var_y(),
                    k.covariance(),
                    k.correlation(),
                ];
                assert_eq!(got, via_kernel);
                for (name, g) in ["mean_x", "mean_y", "var_x", "var_y", "cov", "corr"]
                    .iter()
                    .zip(got)
                {
                    let want = &case[*name][next];
                    let what =
                        format!("{} {}/{} h={half_life} row {t}", name, case["x"], case["y"]);
                    match (g, want.as_f64()) {
                        (Some(g), Some(w)) => assert_close(&what, g, w, EWM_TOLERANCE, 1e-300),
                        (None, None) => {}
                        (g, w) => panic!("{what}: got {g:?}, expected {w:?}"),
                    }
                }
                next += 1;
            }
        }
        assert_eq!(next, rows.len());
    }
}

#[test]
fn rect_kernel_matches_pandas_rolling() {
    let reference = reference();
    for case in reference["rect"].as_array().unwrap() {
        let (x, y) = (
            closes(case["x"].as_str().unwrap()),
            closes(case["y"].as_str().unwrap()),
        );
        let window = case["window"].as_u64().unwrap() as usize;
        let rows: Vec<usize> = case["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_u64().unwrap() as usize)
            .collect();
        let mut k = KernelMoments::new(Kernel::Rect { window });
        let mut next = 0;
        for t in 0..x.len() {
            k.update(x[t], y[t]);
            if next < rows.len() && rows[next] == t {
                let got = [
                    k.mean_x(),
                    k.mean_y(),
                    k.var_x(),
                    k.var_y(),
                    k.covariance(),
                    k.correlation(),
                ];
                for (name, g) in ["mean_x", "mean_y", "var_x", "var_y", "cov", "corr"]
                    .iter()
                    .zip(got)
                {
                    let want = &case[*name][next];
                    let what = format!("rect {name} w={window} row {t}");
                    match (g, want.as_f64()) {
                        (Some(g), Some(w)) => assert_close(&what, g, w, 1e-9, 1e-300),
                        (None, None) => {}
                        (g, w) => panic!("{what}: got {g:?}, expected {w:?}"),
                    }
                }
                next += 1;
            }
        }
    }
}

/// Two-pass weighted moments over the whole history: weights `w_i = α (1-α)^(t-i)`, the first
/// observation `(1-α)^t` (adjust=False), normalized; the corrected variance
/// `Σw (x - m)² / (1 - Σw²)` with `Σw = 1`.
fn two_pass(xs: &[f64], ys: &[f64], alpha: f64) -> (f64, f64, f64, f64, f64) {
    let t = xs.len() - 1;
    let w: Vec<f64> = (0..=t)
        .map(|i| {
            if i == 0 {
                (1.0 - alpha).powi(t as i32)
            } else {
                alpha * (1.0 - alpha).powi((t - i) as i32)
            }
        })
        .collect();
    let total: f64 = w.iter().sum();
    let w: Vec<f64> = w.iter().map(|v| v / total).collect();
    let mx: f64 = w.iter().zip(xs).map(|(w, x)| w * x).sum();
    let my: f64 = w.iter().zip(ys).map(|(w, y)| w * y).sum();
    let w2: f64 = w.iter().map(|v| v * v).sum();
    let c = |a: &[f64], ma: f64, b: &[f64], mb: f64| -> f64 {
        w.iter()
            .zip(a.iter().zip(b))
            .map(|(w, (a, b))| w * (a - ma) * (b - mb))
            .sum::<f64>()
            / (1.0 - w2)
    };
    (
        mx,
        my,
        c(xs, mx, xs, mx),
        c(ys, my, ys, my),
        c(xs, mx, ys, my),
    )
}

proptest! {
    #[test]
    fn ewm_moments_equal_the_two_pass_weighted_moments(
        xs in prop::collection::vec(-1e3f64..1e3, 2..80),
        noise in prop::collection::vec(-10f64..10.0, 80),
        half_life in 0.5f64..50.0,
        level in -1e4f64..1e4,
    ) {
        let xs: Vec<f64> = xs.iter().map(|v| v + level).collect();
        let ys: Vec<f64> = xs.iter().zip(&noise).map(|(x, e)| 0.5 * x + e).collect();
        let mut m = EwmMoments::new(half_life);
        for (x, y) in xs.iter().zip(&ys) {
            m.update(*x, *y);
        }
        let (mx, my, vx, vy, cxy) = two_pass(&xs, &ys, m.alpha());
        let scale = (vx * vy).sqrt().max(1e-12);
        prop_assert!((m.mean_x().unwrap() - mx).abs() <= 1e-9 * (mx.abs() + vx.sqrt()));
        prop_assert!((m.mean_y().unwrap() - my).abs() <= 1e-9 * (my.abs() + vy.sqrt()));
        prop_assert!((m.var_x().unwrap() - vx).abs() <= 1e-8 * vx.max(1e-12));
        prop_assert!((m.var_y().unwrap() - vy).abs() <= 1e-8 * vy.max(1e-12));
        prop_assert!((m.covariance().unwrap() - cxy).abs() <= 1e-8 * scale);
        if let Some(r) = m.correlation() {
            prop_assert!((r - cxy / scale).abs() <= 1e-8);
        }
    }
}

/// VAR, Johansen, variance ratio and the p-values: 1e-8 relative (both sides are f64 least
/// squares and eigenvalue solvers on the same data; the floor covers values near zero).
const MODEL_TOLERANCE: f64 = 1e-8;

fn symbols(case: &serde_json::Value) -> Vec<String> {
    strs(&case["symbols"])
}

#[test]
fn var_fit_and_lag_selection_match_statsmodels() {
    let reference = reference();
    for case in reference["var"].as_array().unwrap() {
        let series: Vec<Vec<f64>> = symbols(case).iter().map(|s| log_returns(s)).collect();
        let max_lags = case["max_lags"].as_u64().unwrap() as usize;
        let sel = hft::stats::var_select_order(&series, max_lags).unwrap();
        for name in ["aic", "bic", "hqic", "fpe"] {
            let want = floats(&case["criteria"][name]);
            assert_eq!(want.len(), sel.criteria.len());
            for (p, w) in want.iter().enumerate() {
                let c = sel.criteria[p];
                let got = match name {
                    "aic" => c.aic,
                    "bic" => c.bic,
                    "hqic" => c.hqic,
                    _ => c.fpe,
                };
                assert_close(
                    &format!("{name}[{p}] {:?}", symbols(case)),
                    got,
                    *w,
                    MODEL_TOLERANCE,
                    0.0,
                );
            }
        }
        let selected = [sel.aic, sel.bic, sel.hqic, sel.fpe];
        for (name, got) in ["aic", "bic", "hqic", "fpe"].iter().zip(selected) {
            assert_eq!(
                got as u64,
                case["selected"][*name].as_u64().unwrap(),
                "{name}"
            );
        }
        let order = case["order"].as_u64().unwrap() as usize;
        let fit = hft::stats::var_fit(&series, order).unwrap();
        let k = series.len();
        let scale: f64 = floats(&case["intercept"])
            .iter()
            .fold(0.0, |m, v| m.max(v.abs()));
        for (i, w) in floats(&case["intercept"]).iter().enumerate() {
            assert_close("intercept", fit.intercept[i], *w, MODEL_TOLERANCE, scale);
        }
        let coefs = case["coefs"].as_array().unwrap();
        assert_eq!(coefs.len(), fit.coefs.len());
        for (l, lag) in coefs.iter().enumerate() {
            for (i, row) in matrix(lag).iter().enumerate() {
                for (j, w) in row.iter().enumerate() {
                    assert_close(
                        &format!("A{}[{i},{j}]", l + 1),
                        fit.coefs[l][(i, j)],
                        *w,
                        MODEL_TOLERANCE,
                        1e-3,
                    );
                }
            }
        }
        let sigma = matrix(&case["sigma_u"]);
        let diag_scale = (0..k).map(|i| sigma[i][i]).fold(0.0, f64::max);
        for (i, row) in sigma.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                assert_close(
                    "sigma_u",
                    fit.sigma_u[(i, j)],
                    *w,
                    MODEL_TOLERANCE,
                    diag_scale,
                );
            }
        }
        for (name, got) in [
            ("aic", fit.criteria.aic),
            ("bic", fit.criteria.bic),
            ("hqic", fit.criteria.hqic),
            ("fpe", fit.criteria.fpe),
        ] {
            assert_close(name, got, f(&case[name]), MODEL_TOLERANCE, 0.0);
        }
    }
}

#[test]
fn johansen_matches_statsmodels() {
    let reference = reference();
    for case in reference["johansen"].as_array().unwrap() {
        let series: Vec<Vec<f64>> = symbols(case).iter().map(|s| closes(s)).collect();
        let det_order = case["det_order"].as_i64().unwrap() as i32;
        let k_ar_diff = case["k_ar_diff"].as_u64().unwrap() as usize;
        let j = hft::stats::johansen(&series, det_order, k_ar_diff).unwrap();
        let what = format!("{:?} det {det_order} k {k_ar_diff}", symbols(case));
        for (name, got) in [
            ("eigenvalues", &j.eigenvalues),
            ("trace", &j.trace),
            ("max_eigen", &j.max_eigen),
        ] {
            let want = floats(&case[name]);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert_close(&format!("{what} {name}"), *g, *w, MODEL_TOLERANCE, 0.0);
            }
        }
        for (name, got) in [
            ("trace_crit", &j.trace_crit),
            ("max_eigen_crit", &j.max_eigen_crit),
        ] {
            let want = matrix(&case[name]);
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.unwrap().to_vec(), *w, "{what} {name}");
            }
        }
    }
}

#[test]
fn variance_ratio_matches_arch() {
    let reference = reference();
    for case in reference["variance_ratio"].as_array().unwrap() {
        let symbol = case["symbol"].as_str().unwrap();
        let lags = case["lags"].as_u64().unwrap() as usize;
        let v = hft::stats::variance_ratio(&log_closes(symbol), lags).unwrap();
        let what = format!("{symbol} q={lags}");
        assert_close(
            &format!("{what} vr"),
            v.vr,
            f(&case["vr"]),
            MODEL_TOLERANCE,
            0.0,
        );
        assert_close(
            &format!("{what} stat"),
            v.stat,
            f(&case["stat"]),
            MODEL_TOLERANCE,
            0.0,
        );
        assert_close(
            &format!("{what} pvalue"),
            v.pvalue,
            f(&case["pvalue"]),
            MODEL_TOLERANCE,
            1e-12,
        );
    }
}

#[test]
fn hurst_matches_the_numpy_definition() {
    use hft::stats::{HurstMethod, hurst};
    let reference = reference();
    for case in reference["hurst"].as_array().unwrap() {
        let symbol = case["symbol"].as_str().unwrap();
        let min = case["min_window"].as_u64().unwrap() as usize;
        let x = log_returns(symbol);
        let rs = hurst(&x, min, HurstMethod::RescaledRange).unwrap();
        let dfa = hurst(&x, min, HurstMethod::Dfa).unwrap();
        assert_close(&format!("{symbol} R/S"), rs, f(&case["rs"]), 1e-10, 0.0);
        assert_close(&format!("{symbol} DFA"), dfa, f(&case["dfa"]), 1e-10, 0.0);
    }
}

/// Leg `a` regressed on leg `b` with a constant: the Engle-Granger residuals.
fn eg_residuals(a: &str, b: &str) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (ya, yb) = (closes(a), closes(b));
    let (slope, intercept) = hft::pairs::ols(&yb, &ya).unwrap();
    let resid = ya
        .iter()
        .zip(&yb)
        .map(|(p, q)| p - intercept - slope * q)
        .collect();
    (ya, yb, resid)
}

/// CUSUM, Chow and Zivot-Andrews: 1e-6 relative (the tolerance).
const BREAK_TOLERANCE: f64 = 1e-6;

#[test]
fn cusum_matches_statsmodels() {
    let reference = reference();
    for case in reference["cusum"].as_array().unwrap() {
        let (a, b) = (case["a"].as_str().unwrap(), case["b"].as_str().unwrap());
        let ddof = case["ddof"].as_u64().unwrap() as usize;
        let (_, _, resid) = eg_residuals(a, b);
        let t = hft::stats::cusum_ols_resid(&resid, ddof).unwrap();
        assert_close(
            &format!("{a}/{b} cusum"),
            t.stat,
            f(&case["stat"]),
            BREAK_TOLERANCE,
            0.0,
        );
        assert_close(
            &format!("{a}/{b} cusum p"),
            t.pvalue,
            f(&case["pvalue"]),
            BREAK_TOLERANCE,
            0.0,
        );
    }
}

#[test]
fn chow_matches_numpy_and_scipy() {
    let reference = reference();
    for case in reference["chow"].as_array().unwrap() {
        let (a, b) = (case["a"].as_str().unwrap(), case["b"].as_str().unwrap());
        let index = case["index"].as_u64().unwrap() as usize;
        let (ya, yb, _) = eg_residuals(a, b);
        let t = hft::stats::chow_test(&ya, &yb, index).unwrap();
        assert_close(
            &format!("{a}/{b} chow F"),
            t.stat,
            f(&case["f"]),
            BREAK_TOLERANCE,
            0.0,
        );
        assert_close(
            &format!("{a}/{b} chow p"),
            t.pvalue,
            f(&case["pvalue"]),
            BREAK_TOLERANCE,
            1e-300,
        );
    }
}

#[test]
fn zivot_andrews_matches_statsmodels() {
    use hft::stats::{AutoLag, ZaRegression, zivot_andrews};
    let reference = reference();
    for case in reference["zivot_andrews"].as_array().unwrap() {
        let symbol = case["symbol"].as_str().unwrap();
        let regression = ZaRegression::parse(case["regression"].as_str().unwrap()).unwrap();
        let autolag = case["autolag"].as_str().map(|s| AutoLag::parse(s).unwrap());
        let maxlag = case["maxlag"].as_u64().map(|m| m as usize);
        let za = zivot_andrews(
            &log_closes(symbol),
            f(&case["trim"]),
            maxlag,
            regression,
            autolag,
        )
        .unwrap();
        let what = format!("{symbol} {:?}", regression);
        assert_eq!(
            za.lags as u64,
            case["lags"].as_u64().unwrap(),
            "{what} lags"
        );
        assert_eq!(
            za.break_index as u64,
            case["break_index"].as_u64().unwrap(),
            "{what} break"
        );
        assert_close(
            &format!("{what} stat"),
            za.stat,
            f(&case["stat"]),
            BREAK_TOLERANCE,
            0.0,
        );
        assert_close(
            &format!("{what} p"),
            za.pvalue,
            f(&case["pvalue"]),
            BREAK_TOLERANCE,
            0.0,
        );
        for (i, key) in ["crit_1", "crit_5", "crit_10"].iter().enumerate() {
            assert_eq!(za.crit[i], f(&case[*key]), "{what} {key}");
        }
    }
}

/// A small deterministic generator (xorshift64* and Box-Muller) for synthetic series.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Increments of a random walk, of a mean-reverting AR(1) level (φ = 0.5), and of a trending
/// process (AR(1) increments, φ = 0.9).
fn synthetic(seed: u64, n: usize) -> [Vec<f64>; 3] {
    let mut rng = Rng(seed);
    let noise: Vec<f64> = (0..n + 1).map(|_| rng.normal()).collect();
    let walk = noise[1..].to_vec();
    let mut level = vec![0.0; n + 1];
    for t in 1..=n {
        level[t] = 0.5 * level[t - 1] + noise[t];
    }
    let reverting = level.windows(2).map(|w| w[1] - w[0]).collect();
    let mut trending = vec![0.0; n];
    for t in 1..n {
        trending[t] = 0.9 * trending[t - 1] + noise[t];
    }
    [walk, reverting, trending]
}

#[test]
fn hurst_separates_random_walks_mean_reversion_and_trends() {
    use hft::stats::{HurstMethod, hurst};
    for seed in [1, 2, 3] {
        let [walk, reverting, trending] = synthetic(seed, 4096);
        let dfa = |x: &[f64]| hurst(x, 8, HurstMethod::Dfa).unwrap();
        let rs = |x: &[f64]| hurst(x, 8, HurstMethod::RescaledRange).unwrap();
        // DFA is nearly unbiased on independent increments; classic R/S reads high (module docs).
        assert!((dfa(&walk) - 0.5).abs() < 0.08, "walk DFA {}", dfa(&walk));
        assert!((0.45..0.65).contains(&rs(&walk)), "walk R/S {}", rs(&walk));
        assert!(dfa(&reverting) < 0.35, "reverting DFA {}", dfa(&reverting));
        assert!(rs(&reverting) < 0.4, "reverting R/S {}", rs(&reverting));
        assert!(dfa(&trending) > 0.75, "trending DFA {}", dfa(&trending));
        assert!(rs(&trending) > 0.7, "trending R/S {}", rs(&trending));
    }
}

#[test]
fn rolling_hurst_equals_the_batch_estimate_of_its_window() {
    use hft::stats::{HurstMethod, RollingHurst, hurst};
    let [walk, ..] = synthetic(9, 1500);
    for method in [HurstMethod::Dfa, HurstMethod::RescaledRange] {
        let mut rolling = RollingHurst::new(512, 8, method);
        for (t, x) in walk.iter().enumerate() {
            rolling.update(*x);
            if t + 1 >= 512 && t % 97 == 0 {
                let batch = hurst(&walk[t + 1 - 512..=t], 8, method).unwrap();
                assert_eq!(rolling.value(), Some(batch));
            }
        }
    }
}
