//! Pair selection on real prices, checked against an independent computation (statsmodels and
//! pandas), on synthetic pairs whose answer is known, and through `hft pairs`.
//!
//! Data: `tests/data/etf23_daily.csv`, daily adjusted closes of 23 US ETFs, 2008-01-02 to
//! 2016-07-01 (source and licence in `tests/data/README.md`).

use hft::pairs::{
    PairStats, Significance, adf_no_constant, analyze_pair, rank_pairs, read_closes_csv,
    select_pairs,
};
use std::path::{Path, PathBuf};
use std::process::Command;

const ETF_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/etf23_daily.csv");

/// Relative tolerance against the reference values: both sides are f64 least squares on the same
/// data, so they agree far beyond what any use needs.
const TOLERANCE: f64 = 1e-9;

fn etf() -> (Vec<String>, Vec<Vec<f64>>) {
    let file = std::fs::File::open(ETF_FILE).expect("tests/data/etf23_daily.csv is present");
    read_closes_csv(std::io::BufReader::new(file)).expect("the ETF file is well formed")
}

fn column<'a>(names: &[String], columns: &'a [Vec<f64>], symbol: &str) -> &'a [f64] {
    let i = names
        .iter()
        .position(|n| n == symbol)
        .expect("symbol in file");
    &columns[i]
}

fn assert_close(what: &str, got: f64, expected: f64) {
    let error = (got - expected).abs() / expected.abs().max(1e-12);
    assert!(
        error <= TOLERANCE,
        "{what}: got {got}, expected {expected} (relative error {error:.1e})"
    );
}

// Reference values, produced with Python 3.11, numpy 2.4.6, pandas 3.0.1 and statsmodels 0.15.0
// by this script, run from the crate root (each printed line is a row of the tables below):
//
// ```python
// import itertools, warnings
// import numpy as np, pandas as pd, statsmodels.api as sm
// from statsmodels.tsa.stattools import adfuller
//
// warnings.simplefilter("ignore", FutureWarning)  # adfuller's tuple-return notice
// df = pd.read_csv("tests/data/etf23_daily.csv", index_col="Date")
//
// def eg(a, b, lags=0):
//     """a regressed on b: OLS with constant, ADF (no constant, fixed lags) on the residuals."""
//     fit = sm.OLS(df[a], sm.add_constant(df[b])).fit()
//     alpha, beta = float(fit.params["const"]), float(fit.params[b])
//     adf = adfuller(fit.resid, maxlag=lags, regression="n", autolag=None)[0]
//     return alpha, beta, adf
//
// for a, b in [("SPY", "DIA"), ("DIA", "SPY"), ("EFA", "VGK"), ("VGK", "EFA"), ("EWG", "EWQ"),
//              ("EWQ", "EWG"), ("TLT", "IEF"), ("IEF", "TLT"), ("EWJ", "XLF"), ("XLF", "EWJ"),
//              ("XLE", "TLT"), ("TLT", "XLE")]:
//     alpha, beta, adf = eg(a, b)
//     corr = float(df[a].pct_change().corr(df[b].pct_change()))
//     spread = df[a] - beta * df[b]
//     hl = sm.OLS(spread.diff().iloc[1:], sm.add_constant(spread.shift(1).iloc[1:])).fit()
//     lam = float(hl.params.iloc[1])
//     half = f"Some({float(-np.log(2) / lam)!r})" if lam < 0 else "None"
//     print(f'    ("{a}", "{b}", {corr!r}, {beta!r}, {alpha!r}, {adf!r}, '
//           f'{float(spread.mean())!r}, {float(spread.std(ddof=1))!r}, {half}),')
// for a, b in [("SPY", "DIA"), ("TLT", "IEF")]:
//     for lags in (1, 2, 5):
//         print(f'    ("{a}", "{b}", {lags}, {eg(a, b, lags)[2]!r}),')
// best = []
// for a, b in itertools.combinations(df.columns, 2):
//     best.append(min(((y, x, eg(y, x)[2]) for y, x in ((a, b), (b, a))), key=lambda r: r[2]))
// best.sort(key=lambda r: r[2])
// for y, x, adf in best[:6]:
//     print(f'    ("{y}", "{x}", {adf!r}),')
// print("passing at 1/5/10 %:", [sum(r[2] < c for r in best) for c in (-3.89644, -3.33613, -3.04445)])
// ```

/// `a` regressed on `b`: (a, b, correlation of simple returns, hedge ratio, intercept, ADF
/// statistic with 0 lags, spread mean, spread sample std, half-life).
#[allow(clippy::type_complexity)]
#[rustfmt::skip]
const DIRECTED: &[(&str, &str, f64, f64, f64, f64, f64, f64, Option<f64>)] = &[
    ("SPY", "DIA", 0.9769096308745336, 1.2854326742152613, -23.476531529426556, -2.5193703203469804, -23.4765315294267, 3.909249396589511, Some(114.75983505979755)),
    ("DIA", "SPY", 0.9769096308745338, 0.7702498621797234, 19.405580240588684, -2.5835230699898966, 19.40558024058878, 3.0261087056808553, Some(110.06461079176096)),
    ("EFA", "VGK", 0.9658060988554136, 0.990814647558211, 7.81907570384605, -2.9012119751865426, 7.819075703845995, 1.9419297401169666, Some(95.75615499422155)),
    ("VGK", "EFA", 0.9658060988554136, 0.9527342755692354, -4.6236485224142205, -3.1320492275651826, -4.623648522414167, 1.9042466427176155, Some(89.32877114687936)),
    ("EWG", "EWQ", 0.9527954368126297, 0.9735970029558144, 0.5236063480218023, -1.644654467204795, 0.523606348021814, 2.068788306634132, Some(291.6942138557158)),
    ("EWQ", "EWG", 0.9527954368126297, 0.8079912856537367, 4.873538527609242, -2.64012186681359, 4.873538527609279, 1.8846459565223905, Some(139.77265781282117)),
    ("TLT", "IEF", 0.9104005017318497, 1.7844606242580383, -69.41551126242945, -2.7174671295477166, -69.41551126243075, 4.0920958927930915, Some(98.42495558131017)),
    ("IEF", "TLT", 0.9104005017318498, 0.5079155891420929, 44.6296766177711, -2.8556855699324326, 44.629676617770784, 2.1831726846573623, Some(103.09078461068806)),
    ("EWJ", "XLF", 0.6436188022551839, 1.285874347273232, 23.736745844162154, -5.447346076315481, 23.736745844162, 2.0296417517822207, Some(25.210995574863396)),
    ("XLF", "EWJ", 0.6436188022551839, 0.6645192384346008, -13.605948858644656, -5.092739715213462, -13.60594885864462, 1.4590625192051812, Some(28.89458849578017)),
    ("XLE", "TLT", -0.42589916110259834, 0.19418510672113484, 48.77319408466237, -2.385797710000849, 48.77319408466204, 13.120875994644326, Some(134.03568123662384)),
    ("TLT", "XLE", -0.4258991611025984, 0.19409477141412285, 95.60110926526853, -1.642447621187464, 95.60110926526843, 13.117823710507235, Some(211.6102064976196)),
];

/// ADF statistic with `lags` lagged differences: (a, b, lags, statistic).
const WITH_LAGS: &[(&str, &str, usize, f64)] = &[
    ("SPY", "DIA", 1, -2.2891207580618955),
    ("SPY", "DIA", 2, -2.235146515636203),
    ("SPY", "DIA", 5, -2.2401585520142566),
    ("TLT", "IEF", 1, -2.7062830655412946),
    ("TLT", "IEF", 2, -2.6821462864779946),
    ("TLT", "IEF", 5, -2.436759629997277),
];

/// The head of the ranking over all 253 pairs, the better ordering of each: (a, b, statistic).
const RANKING_HEAD: &[(&str, &str, f64)] = &[
    ("CSJ", "LQD", -7.51805251299479),
    ("CSJ", "EPP", -5.8195510380823965),
    ("CSJ", "BND", -5.772390025541341),
    ("EWJ", "XLF", -5.447346076315481),
    ("CSJ", "TIP", -5.335824156994555),
    ("CSJ", "XLK", -5.179116784610233),
];

/// Pairs (of 253) whose better ordering passes at 1, 5 and 10 %.
const PASSING: [(Significance, usize); 3] = [
    (Significance::P1, 45),
    (Significance::P5, 102),
    (Significance::P10, 144),
];

#[test]
fn the_etf_file_reads_as_23_aligned_columns() {
    let (names, columns) = etf();
    assert_eq!(names.len(), 23);
    assert_eq!(names[0], "EEM");
    assert_eq!(names[22], "DIA");
    assert!(columns.iter().all(|c| c.len() == 2141));
    assert_eq!(column(&names, &columns, "SPY")[0], 144.92999267578125);
}

#[test]
fn directed_statistics_match_statsmodels() {
    let (names, columns) = etf();
    for &(a, b, correlation, hedge, intercept, adf, mean, std, half_life) in DIRECTED {
        let pair = analyze_pair(
            column(&names, &columns, a),
            column(&names, &columns, b),
            Significance::P5,
            0,
        )
        .unwrap_or_else(|| panic!("{a}~{b} is defined"));
        let what = |field: &str| format!("{a}~{b} {field}");
        assert_close(&what("correlation"), pair.correlation, correlation);
        assert_close(&what("hedge ratio"), pair.hedge_ratio, hedge);
        assert_close(&what("intercept"), pair.intercept, intercept);
        assert_close(&what("ADF"), pair.adf_stat, adf);
        assert_close(&what("spread mean"), pair.spread_mean, mean);
        assert_close(&what("spread std"), pair.spread_std, std);
        assert_close(
            &what("half-life"),
            pair.half_life.expect("reverts"),
            half_life.expect("reference reverts"),
        );
        assert_eq!(pair.passes, adf < Significance::P5.critical_value());
    }
}

#[test]
fn lagged_adf_matches_statsmodels() {
    let (names, columns) = etf();
    for &(a, b, lags, expected) in WITH_LAGS {
        let pair = analyze_pair(
            column(&names, &columns, a),
            column(&names, &columns, b),
            Significance::P5,
            lags,
        )
        .expect("defined");
        assert_close(&format!("{a}~{b} ADF({lags})"), pair.adf_stat, expected);
        // The building block gives the same on the residuals.
        let residuals: Vec<f64> = column(&names, &columns, a)
            .iter()
            .zip(column(&names, &columns, b))
            .map(|(y, x)| y - pair.intercept - pair.hedge_ratio * x)
            .collect();
        let direct = adf_no_constant(&residuals, lags).expect("defined");
        assert_close(
            &format!("{a}~{b} adf_no_constant({lags})"),
            direct,
            expected,
        );
    }
}

#[test]
fn ranking_keeps_the_better_ordering_and_matches_statsmodels() {
    let (names, columns) = etf();
    let all = rank_pairs(&names, &columns, Significance::P5, usize::MAX);
    assert_eq!(all.len(), 23 * 22 / 2);
    for (pair, &(a, b, adf)) in all.iter().zip(RANKING_HEAD) {
        assert_eq!((pair.a.as_str(), pair.b.as_str()), (a, b));
        assert_close(&format!("{a}~{b} ADF"), pair.adf_stat, adf);
    }
    // Each named pair appears once, in the ordering with the more negative statistic.
    for &(a, b, ..) in DIRECTED {
        let found = all
            .iter()
            .find(|p| (p.a == a && p.b == b) || (p.a == b && p.b == a))
            .expect("every pair is ranked");
        let best = DIRECTED
            .iter()
            .filter(|r| (r.0 == a && r.1 == b) || (r.0 == b && r.1 == a))
            .min_by(|x, y| x.5.total_cmp(&y.5))
            .expect("both orderings listed");
        assert_eq!((found.a.as_str(), found.b.as_str()), (best.0, best.1));
    }
    // Passing pairs first, by statistic; the rest by correlation.
    let passing = all.iter().take_while(|p| p.passes).count();
    assert_eq!(passing, 102);
    assert!(all[passing..].iter().all(|p| !p.passes));
    assert!(
        all[..passing]
            .windows(2)
            .all(|w| w[0].adf_stat <= w[1].adf_stat)
    );
    assert!(
        all[passing..]
            .windows(2)
            .all(|w| w[0].correlation >= w[1].correlation)
    );
    // The non-cointegrated pair fails both ways; the strongest real pair passes even at 1 %.
    let find = |a: &str, b: &str| all.iter().find(|p| p.a == a && p.b == b).unwrap();
    assert!(!find("XLE", "TLT").passes);
    assert!(find("EWJ", "XLF").adf_stat < Significance::P1.critical_value());

    for (level, count) in PASSING {
        let ranked = rank_pairs(&names, &columns, level, usize::MAX);
        assert_eq!(
            ranked.iter().filter(|p| p.passes).count(),
            count,
            "{level:?}"
        );
        let selected = select_pairs(&names, &columns, level, 10);
        assert_eq!(selected.len(), 10);
        assert_eq!(selected, ranked[..10]);
    }
    assert_eq!(rank_pairs(&names, &columns, Significance::P5, 7).len(), 7);
}

/// SplitMix64 (Steele, Lea & Flood, 2014) with Box-Muller normals: small, seeded, and the same on
/// every platform.
struct Draws(u64);

impl Draws {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn random_walk(&mut self, start: f64, len: usize) -> Vec<f64> {
        let mut level = start;
        (0..len)
            .map(|_| {
                level += self.normal();
                level
            })
            .collect()
    }
}

/// B is a random walk; A = 10 + 1.5 B + u, with u an AR(1) of coefficient 0.5.
fn cointegrated(seed: u64, len: usize) -> (Vec<f64>, Vec<f64>) {
    let mut draws = Draws(seed);
    let b = draws.random_walk(100.0, len);
    let mut u = 0.0;
    let a = b
        .iter()
        .map(|x| {
            u = 0.5 * u + draws.normal();
            10.0 + 1.5 * x + u
        })
        .collect();
    (a, b)
}

#[test]
fn a_synthetic_cointegrated_pair_passes() {
    for seed in 1..=20 {
        let (a, b) = cointegrated(seed, 1000);
        let pair = analyze_pair(&a, &b, Significance::P5, 0).expect("defined");
        assert!(pair.passes, "seed {seed}: {pair:?}");
        assert!(
            (pair.hedge_ratio - 1.5).abs() < 0.05,
            "seed {seed}: {pair:?}"
        );
        // The residual is an AR(1) with coefficient 0.5: λ = -0.5, half-life ln 2 / 0.5 ≈ 1.39.
        let half_life = pair.half_life.expect("reverts");
        assert!((0.9..2.2).contains(&half_life), "seed {seed}: {half_life}");
        let names = ["A", "B"].map(String::from);
        assert_eq!(
            select_pairs(&names, &[a, b], Significance::P1, 5).len(),
            1,
            "seed {seed}"
        );
    }
}

#[test]
fn independent_random_walks_do_not_pass() {
    let names = ["X", "Y"].map(String::from);
    let mut draws = Draws(2024);
    let x = draws.random_walk(100.0, 1000);
    let y = draws.random_walk(100.0, 1000);
    let ranked = rank_pairs(&names, &[x, y], Significance::P5, usize::MAX);
    assert_eq!(ranked.len(), 1);
    assert!(!ranked[0].passes, "{:?}", ranked[0]);

    // Over many independent pairs the 5 % test rejects rarely. Testing both orderings makes it
    // somewhat more lenient than 5 %; Dickey-Fuller's own -1.94 would reject far more often.
    let trials = 300;
    let (mut rejected, mut rejected_by_plain_df) = (0, 0);
    for _ in 0..trials {
        let columns = [draws.random_walk(50.0, 250), draws.random_walk(50.0, 250)];
        let pair = rank_pairs(&names, &columns, Significance::P5, 1).remove(0);
        rejected += usize::from(pair.passes);
        rejected_by_plain_df += usize::from(pair.adf_stat < -1.94);
    }
    let rate = rejected as f64 / trials as f64;
    assert!(rate < 0.12, "false rejection rate {rate}");
    assert!(
        rejected_by_plain_df > 3 * rejected.max(1),
        "{rejected_by_plain_df}"
    );
}

#[test]
fn constant_and_broken_series_give_none_not_nan() {
    let mut draws = Draws(7);
    let walk = draws.random_walk(100.0, 300);
    for constant in [vec![42.0; 300], vec![0.1; 300]] {
        assert_eq!(analyze_pair(&constant, &walk, Significance::P5, 0), None);
        assert_eq!(analyze_pair(&walk, &constant, Significance::P5, 0), None);
    }
    assert_eq!(analyze_pair(&walk, &walk[..299], Significance::P5, 0), None);
    assert_eq!(
        analyze_pair(&walk[..3], &walk[..3], Significance::P5, 0),
        None
    );
    let names = ["FLAT", "W1", "W2"].map(String::from);
    let columns = [vec![5.0; 300], walk.clone(), draws.random_walk(100.0, 300)];
    let ranked = rank_pairs(&names, &columns, Significance::P5, usize::MAX);
    assert_eq!(ranked.len(), 1, "only W1/W2 is defined");
    let finite = |p: &PairStats| {
        [
            p.correlation,
            p.hedge_ratio,
            p.intercept,
            p.adf_stat,
            p.spread_mean,
            p.spread_std,
        ]
        .iter()
        .all(|v| v.is_finite())
    };
    assert!(ranked.iter().all(finite), "{ranked:?}");
}

fn hft(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hft"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the hft binary runs")
}

fn scratch_file(name: &str, contents: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, contents).expect("write scratch file");
    path
}

#[test]
fn cli_prints_the_ranking_as_json() {
    let out = hft(&["pairs", "--closes", ETF_FILE, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON array");
    assert_eq!(rows.len(), 253);
    for row in &rows {
        for key in ["correlation", "hedge_ratio", "intercept", "adf_stat"] {
            assert!(row[key].is_f64(), "{key} in {row}");
        }
        assert!(row["a"].is_string() && row["b"].is_string(), "{row}");
        assert!(
            row["half_life"].is_f64() || row["half_life"].is_null(),
            "{row}"
        );
        assert!(row["passes"].is_boolean(), "{row}");
    }
    assert_eq!(
        (rows[0]["a"].as_str(), rows[0]["b"].as_str()),
        (Some("CSJ"), Some("LQD"))
    );
    assert_close(
        "CLI ADF",
        rows[0]["adf_stat"].as_f64().unwrap(),
        RANKING_HEAD[0].2,
    );
    let passing = rows.iter().filter(|r| r["passes"] == true).count();
    assert_eq!(passing, 102);

    let out = hft(&[
        "pairs", "--closes", ETF_FILE, "--json", "--top", "3", "--level", "1",
    ]);
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON array");
    assert_eq!(rows.len(), 3);
}

#[test]
fn cli_prints_a_table() {
    let out = hft(&["pairs", "--closes", ETF_FILE, "--top", "5"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2 + 5, "{text}");
    assert!(
        lines[0].contains("253 of 253 pairs analyzed, 102 cointegrated at 5 %"),
        "{text}"
    );
    assert!(
        lines[2].contains("CSJ") && lines[2].contains("LQD"),
        "{text}"
    );
    assert!(lines[2].trim_end().ends_with("yes"), "{text}");
}

#[test]
fn cli_reports_bad_input_without_panicking() {
    let bad = scratch_file(
        "pairs_malformed.csv",
        "Date,A,B\n2020-01-01,1,2\n2020-01-02,1.5,2.5\n2020-01-03,oops,2\n",
    );
    let out = hft(&["pairs", "--closes", bad.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("line 4") && stderr.contains("oops"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let short = scratch_file("pairs_short_row.csv", "Date,A,B\n2020-01-01,1\n");
    let out = hft(&["pairs", "--closes", short.to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));

    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no_such_closes.csv");
    let out = hft(&["pairs", "--closes", missing.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("cannot open") && stderr.contains("no_such_closes.csv"),
        "{stderr}"
    );

    let out = hft(&["pairs", "--closes", ETF_FILE, "--level", "3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--level must be 1, 5 or 10"));
}
