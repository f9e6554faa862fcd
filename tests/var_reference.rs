//! The `var` strategy's cold-thread fits against statsmodels on the real ETF closes (reference
//! values: `tests/data/var_reference.json`, written by `scripts/reference_var.py` with Python
//! 3.11.7, numpy 2.4.6, pandas 3.1.1, scipy 1.17.1 and statsmodels 0.15.0; the versions are
//! also in the file's `versions` object).

#[path = "common/reference.rs"]
mod reference;

use hft::stats::{Matrix, VecmDeterministic, vecm_fit};
use reference::*;
use serde_json::Value;

const VAR_REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/var_reference.json");

fn var_reference() -> Value {
    let text = std::fs::read_to_string(VAR_REFERENCE).expect("tests/data/var_reference.json");
    serde_json::from_str(&text).expect("reference JSON parses")
}

/// The same reduced-rank regression, a different order of floating-point operations (QR here,
/// normal equations and `numpy.linalg.eig` there): 1e-8 relative to the entry, floored at 1e-6
/// of the matrix's largest entry (an entry near zero has no relative precision to agree on).
fn assert_matrix(what: &str, got: &Matrix, want: &[Vec<f64>]) {
    assert_eq!(
        (got.rows(), got.cols()),
        (want.len(), want[0].len()),
        "{what} shape"
    );
    let scale = want.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, row) in want.iter().enumerate() {
        for (j, w) in row.iter().enumerate() {
            assert_close(
                &format!("{what}[{i}][{j}]"),
                got[(i, j)],
                *w,
                1e-8,
                1e-6 * scale,
            );
        }
    }
}

#[test]
fn vecm_matches_statsmodels_on_etf_closes() {
    let reference = var_reference();
    let cases = reference["vecm"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let (a, b) = (case["a"].as_str().unwrap(), case["b"].as_str().unwrap());
        let rows = case["rows"].as_u64().unwrap() as usize;
        let k_ar_diff = case["k_ar_diff"].as_u64().unwrap() as usize;
        let det = match case["deterministic"].as_str().unwrap() {
            "ci" => VecmDeterministic::Inside,
            "co" => VecmDeterministic::Outside,
            "n" => VecmDeterministic::None,
            other => panic!("deterministic {other}"),
        };
        let series = [closes(a)[..rows].to_vec(), closes(b)[..rows].to_vec()];
        let v = vecm_fit(&series, k_ar_diff, 1, det).unwrap();
        let name = format!("{a}/{b} k_ar_diff={k_ar_diff} {det:?}");
        assert_eq!(v.nobs, rows - k_ar_diff - 1);
        assert_matrix(&format!("{name} alpha"), &v.alpha, &matrix(&case["alpha"]));
        assert_matrix(&format!("{name} beta"), &v.beta, &matrix(&case["beta"]));
        assert_matrix(&format!("{name} gamma"), &v.gamma, &matrix(&case["gamma"]));
        assert_matrix(
            &format!("{name} sigma_u"),
            &v.sigma_u,
            &matrix(&case["sigma_u"]),
        );
        for (i, w) in floats(&case["constant"]).iter().enumerate() {
            assert_close(
                &format!("{name} constant[{i}]"),
                v.constant[i],
                *w,
                1e-8,
                1e-8,
            );
        }
        // Forecasts through the levels form, as VECMResults.predict.
        let f = v.levels_var().forecast(&series, 5).unwrap();
        for (i, w) in floats(&case["predict1"]).iter().enumerate() {
            assert_close(&format!("{name} predict1[{i}]"), f[0][i], *w, 1e-10, 1.0);
        }
        for (i, w) in floats(&case["predict5"]).iter().enumerate() {
            assert_close(&format!("{name} predict5[{i}]"), f[4][i], *w, 1e-10, 1.0);
        }
    }
}

#[test]
fn markov_ar1_likelihood_equals_statsmodels_at_fixed_parameters() {
    let reference = var_reference();
    let m = &reference["markov"];
    let series = floats(&m["series"]);
    let probe: Vec<f64> = floats(&m["probe_params"]);
    let params: [f64; 8] = probe.try_into().unwrap();
    let (llf, last) = hft::stats::markov_ar1_loglike(&series, params).unwrap();
    // The same recursion in the same order: 1e-10 relative.
    assert_close("probe llf", llf, f(&m["probe_llf"]), 1e-10, 1.0);
    for (i, w) in floats(&m["probe_filtered_last"]).iter().enumerate() {
        assert_close(&format!("probe filtered[{i}]"), last[i], *w, 1e-9, 1e-9);
    }
}

/// The maximum itself: statsmodels stops BFGS at its gradient tolerance (its default fit and a
/// 50-search fit differ by 4e-6 in the log-likelihood and ~1e-4 in the parameters), and this
/// crate stops Nelder-Mead at a relative change of 1e-12: the log-likelihoods agree to 1e-7
/// relative (ours is never lower by more than that) and the parameters to 2e-3 relative, floored
/// at 2e-3 absolute (the flat directions of the likelihood: a transition probability near 0).
#[test]
fn markov_ar1_fit_reaches_the_statsmodels_maximum() {
    let reference = var_reference();
    let m = &reference["markov"];
    let series = floats(&m["series"]);
    let fit = hft::stats::markov_ar1_fit(&series).unwrap();
    let want_llf = f(&m["llf"]);
    assert!(
        fit.loglike >= want_llf - 1e-7 * want_llf.abs(),
        "llf {} below statsmodels' {}",
        fit.loglike,
        want_llf
    );
    assert_close("llf", fit.loglike, want_llf, 1e-7, 1.0);
    let got = [
        fit.p00,
        fit.p10,
        fit.mean[0],
        fit.mean[1],
        fit.sigma2[0],
        fit.sigma2[1],
        fit.ar[0],
        fit.ar[1],
    ];
    let names = strs(&m["param_names"]);
    for ((name, g), w) in names.iter().zip(got).zip(floats(&m["params"])) {
        assert_close(name, g, w, 2e-3, 1.0);
    }
}
