//! Pair selection on real prices, checked against an independent computation (statsmodels and
//! pandas), on synthetic pairs whose answer is known, and through `hft pairs`.
//!
//! Data: `tests/data/etf23_daily.csv`, daily adjusted closes of 23 US ETFs, 2008-01-02 to
//! 2016-07-01 (source and licence in `tests/data/README.md`).

use hft::pairs::{
    AdfLags, PairStats, RankOptions, Significance, adf, adf_no_constant, analyze_pair,
    analyze_pair_with, benjamini_hochberg, eg_critical_values, eg_p_value, rank_pairs,
    rank_pairs_with_lags, rank_universe, read_closes_csv, select_pairs,
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
// import warnings
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
        assert_eq!(pair.adf_lags, 0);
        assert_eq!(pair.p_value, eg_p_value(pair.adf_stat));
        assert_eq!(pair.passes, pair.p_value < 0.05);
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

// ---------------------------------------------------------------------------------------------
// Selection at scale: AIC lags, MacKinnon p-values, both directions, Benjamini-Hochberg.
//
// Reference values printed by `scripts/reference_pairs.py` (run from the crate root with
// /work/venv-ref/bin/python; its docstring names the statsmodels call behind each table):
//
// // Python 3.11.7, numpy 2.4.6, pandas 3.1.1, statsmodels 0.15.0
#[rustfmt::skip]
const COINT: &[(&str, &str, f64, f64, usize)] = &[
    ("SPY", "DIA", -2.0579116527932846, 0.49837434560587546, 14),
    ("DIA", "SPY", -2.1278406412151747, 0.4618254106586541, 14),
    ("EWJ", "XLF", -4.110100743684565, 0.004971399953967701, 5),
    ("XLF", "EWJ", -3.580967705635073, 0.025861533874110457, 6),
    ("TLT", "IEF", -2.7174671295477184, 0.19335943667652505, 0),
    ("IEF", "TLT", -2.855685569932434, 0.14860822498154164, 0),
    ("CSJ", "LQD", -3.7672050526809255, 0.014982602471776019, 26),
    ("LQD", "CSJ", -2.8165176143150754, 0.16048569682841746, 26),
    ("XLE", "TLT", -2.0002075502827146, 0.5284701899882137, 7),
    ("EWG", "EWQ", -1.513841264442049, 0.7558463479669346, 7),
];
#[rustfmt::skip]
const CRIT_2141: [f64; 3] = [-3.901565031225435, -3.3389866767839984, -3.0464324630972137];
#[rustfmt::skip]
const MACKINNONP: &[(f64, f64)] = &[
    (-19.0, 0.0),
    (-18.0, 1.8689844738018625e-29),
    (-6.0, 1.6234924812268292e-06),
    (-4.5, 0.0012246688283669626),
    (-3.9, 0.009919396659836632),
    (-3.34, 0.04946535878273698),
    (-2.7, 0.19957866516520906),
    (-2.62, 0.2296596033101832),
    (-2.5, 0.2790690234367212),
    (-1.0, 0.902847226038779),
    (0.0, 0.9859002580259643),
    (0.9, 0.9939524645785258),
    (1.5, 1.0),
];

/// (a, b, adf, lags, p, reverse adf, reverse p, pair p, q), best first.
#[rustfmt::skip]
#[allow(clippy::type_complexity)]
const RANKING_HEAD: &[(&str, &str, f64, usize, f64, f64, f64, f64, f64)] = &[
    ("XLF", "SPY", -4.603402437136072, 26, 0.0008239340290330319, -3.992554816386429, 0.007358781355747605, 0.007358781355747605, 0.9106583465183749),
    ("XLF", "DIA", -4.432129481486031, 26, 0.0015797948019148115, -3.8107058415297237, 0.013116842892387626, 0.013116842892387626, 0.9106583465183749),
    ("EWG", "VPL", -3.717285589470264, 3, 0.017408535143470346, -3.658603520680558, 0.0206945411013173, 0.0206945411013173, 0.9106583465183749),
    ("XLF", "XLK", -4.259861117575073, 26, 0.0029548619410575726, -3.641537038995629, 0.021746264215884253, 0.021746264215884253, 0.9106583465183749),
    ("XLF", "XLB", -4.208325247062939, 26, 0.003543262358137684, -3.5886016738495745, 0.025308449152054362, 0.025308449152054362, 0.9106583465183749),
    ("EWJ", "XLF", -4.110100743684565, 5, 0.004971399953967701, -3.580967705635073, 0.025861533874110457, 0.025861533874110457, 0.9106583465183749),
    ("EWU", "XLE", -4.0961861571317995, 3, 0.005211543930464545, -3.574458696117775, 0.026341292992642425, 0.026341292992642425, 0.9106583465183749),
    ("EFA", "VPL", -3.7663377624395014, 3, 0.015022067141275174, -3.5252243807726606, 0.03022385981344192, 0.03022385981344192, 0.9106583465183749),
];

/// (FDR, pairs discovered of 253; pairs whose pair p-value is below 1, 5, 10 %).
#[rustfmt::skip]
const DISCOVERED: &[(f64, usize)] = &[(0.01, 0), (0.05, 0), (0.1, 0)];
#[rustfmt::skip]
const PASSING: &[(f64, usize)] = &[(0.01, 1), (0.05, 10), (0.1, 17)];
#[rustfmt::skip]
const BH: &[(f64, f64)] = &[
    (0.001, 0.004),
    (0.2, 0.26666666666666666),
    (0.03, 0.06),
    (0.04, 0.064),
    (0.5, 0.5714285714285714),
    (0.03, 0.06),
    (1.0, 1.0),
    (0.0, 0.0),
];

#[test]
fn mackinnon_p_values_match_statsmodels() {
    for &(stat, p) in MACKINNONP {
        let got = eg_p_value(stat);
        if p == 0.0 || p == 1.0 {
            assert_eq!(got, p, "mackinnonp({stat})");
        } else {
            assert_close(&format!("mackinnonp({stat})"), got, p);
        }
    }
    for (got, want) in eg_critical_values(2141).iter().zip(CRIT_2141) {
        assert_close("coint critical value", *got, want);
    }
}

#[test]
fn coint_with_aic_lags_matches_statsmodels() {
    let (names, columns) = etf();
    for &(a, b, stat, p, lags) in COINT {
        let pair = analyze_pair_with(
            column(&names, &columns, a),
            column(&names, &columns, b),
            Significance::P5,
            AdfLags::Aic,
        )
        .expect("defined");
        assert_eq!(pair.adf_lags, lags, "{a}~{b} lags");
        assert_close(&format!("{a}~{b} coint stat"), pair.adf_stat, stat);
        assert_close(&format!("{a}~{b} coint p"), pair.p_value, p);
        // The building block on the residuals chooses the same lag.
        let residuals: Vec<f64> = column(&names, &columns, a)
            .iter()
            .zip(column(&names, &columns, b))
            .map(|(y, x)| y - pair.intercept - pair.hedge_ratio * x)
            .collect();
        assert_eq!(adf(&residuals, AdfLags::Aic).unwrap().lags, lags);
    }
}

#[test]
fn benjamini_hochberg_matches_statsmodels() {
    let p: Vec<f64> = BH.iter().map(|r| r.0).collect();
    for (got, &(_, want)) in benjamini_hochberg(&p).iter().zip(BH) {
        if want == 0.0 {
            assert_eq!(*got, 0.0);
        } else {
            assert_close("fdr_bh", *got, want);
        }
    }
}

#[test]
fn ranking_reports_both_directions_and_controls_false_discoveries() {
    let (names, columns) = etf();
    let ranking = rank_universe(&names, &columns, &RankOptions::default());
    assert_eq!(ranking.tested, 253);
    assert_eq!(ranking.pairs.len(), 253);
    for (pair, &(a, b, stat, lags, p, rstat, rp, pp, q)) in ranking.pairs.iter().zip(RANKING_HEAD) {
        assert_eq!((pair.a.as_str(), pair.b.as_str()), (a, b));
        assert_eq!(pair.adf_lags, lags, "{a}~{b}");
        assert_close(&format!("{a}~{b} stat"), pair.adf_stat, stat);
        assert_close(&format!("{a}~{b} p"), pair.p_value, p);
        assert_close(
            &format!("{a}~{b} reverse stat"),
            pair.reverse_adf_stat.unwrap(),
            rstat,
        );
        assert_close(
            &format!("{a}~{b} reverse p"),
            pair.reverse_p_value.unwrap(),
            rp,
        );
        assert_close(&format!("{a}~{b} pair p"), pair.pair_p_value, pp);
        assert_close(&format!("{a}~{b} q"), pair.q_value.unwrap(), q);
    }
    // The pair's p-value is the larger of its two, and the shown ordering has the smaller.
    for pair in &ranking.pairs {
        let reverse = pair.reverse_p_value.expect("both orderings defined");
        assert_eq!(pair.pair_p_value, pair.p_value.max(reverse));
        assert!(pair.p_value <= reverse);
        assert!(pair.q_value.unwrap() >= pair.pair_p_value);
    }
    assert!(
        ranking
            .pairs
            .windows(2)
            .all(|w| w[0].pair_p_value <= w[1].pair_p_value)
    );
    // One ranking gives every FDR's discoveries (q-values do not depend on the rate) and every
    // level's single tests (the pair p-values).
    for &(fdr, count) in DISCOVERED {
        let found = ranking
            .pairs
            .iter()
            .filter(|p| p.q_value.unwrap() <= fdr)
            .count();
        assert_eq!(found, count, "FDR {fdr}");
    }
    assert_eq!(ranking.discovered, DISCOVERED[1].1);
    assert!(
        ranking
            .pairs
            .iter()
            .all(|p| p.discovered == (p.q_value.unwrap() <= 0.05))
    );
    for &(level, count) in PASSING {
        let found = ranking
            .pairs
            .iter()
            .filter(|p| p.pair_p_value < level)
            .count();
        assert_eq!(found, count, "level {level}");
    }
    let found = ranking.pairs.iter().filter(|p| p.passes).count();
    assert_eq!(found, PASSING[1].1);
    // No ETF pair survives the FDR control, so nothing is selected.
    assert!(select_pairs(&names, &columns, &RankOptions::default(), 10).is_empty());
    assert_eq!(
        rank_pairs_with_lags(&names, &columns, Significance::P5, 0, 7).len(),
        7
    );
}

#[test]
fn on_a_universe_with_known_groups_the_discoveries_are_the_cointegrated_pairs() {
    // Six groups of five symbols; in four, every member is its own loading on a shared random
    // walk plus a stationary AR(1) deviation (pairs inside are cointegrated); in two, the members
    // are independent random walks. 435 pairs, 40 of them cointegrated.
    let mut draws = Draws(99);
    let mut columns = Vec::new();
    for group in 0..6 {
        let common = draws.random_walk(100.0, 500);
        for _ in 0..5 {
            if group >= 4 {
                columns.push(draws.random_walk(100.0, 500));
                continue;
            }
            let loading = 0.8 + 0.4 * draws.uniform();
            let mut deviation = 0.0;
            columns.push(
                common
                    .iter()
                    .map(|c| {
                        deviation = 0.7 * deviation + draws.normal();
                        20.0 + loading * c + deviation
                    })
                    .collect(),
            );
        }
    }
    let names: Vec<String> = (0..30).map(|i| format!("G{}M{}", i / 5, i % 5)).collect();
    let group = |name: &str| name.as_bytes()[1];
    let ranking = rank_universe(&names, &columns, &RankOptions::default());
    assert_eq!(ranking.tested, 435);
    let discovered: Vec<&PairStats> = ranking.pairs.iter().filter(|p| p.discovered).collect();
    let true_pairs = discovered
        .iter()
        .filter(|p| group(&p.a) == group(&p.b) && group(&p.a) < b'4')
        .count();
    // Most cointegrated pairs are found.
    assert!(true_pairs >= 36, "{true_pairs} of 40 found");
    // No member of the independent groups is discovered. Across two cointegrated groups, what
    // is tested 25 times is one relation between their two common walks, and a spurious relation
    // between two random walks is an ordinary event (here G1's and G3's: 6 of their 25 member
    // pairs reach q <= 0.05). Benjamini-Hochberg bounds the expected proportion of false
    // discoveries, not each draw's; this draw's is 6 of 45.
    let false_pairs: Vec<&&PairStats> = discovered
        .iter()
        .filter(|p| group(&p.a) != group(&p.b) || group(&p.a) >= b'4')
        .collect();
    assert!(
        false_pairs
            .iter()
            .all(|p| group(&p.a) < b'4' && group(&p.b) < b'4'),
        "{false_pairs:?}"
    );
    assert!(false_pairs.len() <= 6, "{false_pairs:?}");
    // Discoveries lead the ranking.
    assert!(
        ranking.pairs[..discovered.len()]
            .iter()
            .all(|p| p.discovered)
    );
}

#[test]
fn the_ranking_is_identical_for_one_and_three_threads() {
    let (names, columns) = etf();
    let with = |threads| {
        rank_universe(
            &names,
            &columns,
            &RankOptions {
                threads,
                ..RankOptions::default()
            },
        )
    };
    assert_eq!(with(1), with(3));
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
        let strict = RankOptions {
            fdr: 0.01,
            ..RankOptions::default()
        };
        assert_eq!(
            select_pairs(&names, &[a, b], &strict, 5).len(),
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

    // Over many independent pairs the 5 % test rejects rarely: a pair passes only when both
    // orderings reject, so at most at the nominal rate (taking the better ordering, as before,
    // rejected 9 %); Dickey-Fuller's own -1.94 would reject far more often.
    let trials = 300;
    let (mut rejected, mut rejected_by_plain_df) = (0, 0);
    for _ in 0..trials {
        let columns = [draws.random_walk(50.0, 250), draws.random_walk(50.0, 250)];
        let pair = rank_pairs(&names, &columns, Significance::P5, 1).remove(0);
        rejected += usize::from(pair.passes);
        rejected_by_plain_df += usize::from(pair.adf_stat < -1.94);
    }
    let rate = rejected as f64 / trials as f64;
    assert!(rate <= 0.07, "false rejection rate {rate}");
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
    for key in [
        "p_value",
        "pair_p_value",
        "q_value",
        "reverse_adf_stat",
        "reverse_p_value",
    ] {
        assert!(rows.iter().all(|r| r[key].is_f64()), "{key}");
    }
    assert!(
        rows.iter()
            .all(|r| r["adf_lags"].is_u64() && r["discovered"].is_boolean())
    );
    let head = RANKING_HEAD[0];
    assert_eq!(
        (rows[0]["a"].as_str(), rows[0]["b"].as_str()),
        (Some(head.0), Some(head.1))
    );
    assert_close("CLI ADF", rows[0]["adf_stat"].as_f64().unwrap(), head.2);
    assert_close("CLI q", rows[0]["q_value"].as_f64().unwrap(), head.8);
    let passing = rows.iter().filter(|r| r["passes"] == true).count();
    assert_eq!(passing, PASSING[1].1);
    let discovered = rows.iter().filter(|r| r["discovered"] == true).count();
    assert_eq!(discovered, DISCOVERED[1].1);

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
    assert!(lines[0].contains("253 of 253 pairs analyzed"), "{text}");
    assert!(
        lines[0].contains(&format!(
            "{} pass at 5 %, {} discovered at FDR 0.05",
            PASSING[1].1, DISCOVERED[1].1
        )),
        "{text}"
    );
    assert!(
        lines[2].contains(RANKING_HEAD[0].0) && lines[2].contains(RANKING_HEAD[0].1),
        "{text}"
    );
    // The best ETF pair passes one 5 % test; across 253 pairs none survives the FDR control.
    assert!(lines[2].trim_end().ends_with("yes  no"), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ranked 253 pairs of 23 symbols"),
        "{stderr}"
    );
}

#[test]
fn cli_output_does_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        let out = hft(&[
            "pairs",
            "--closes",
            ETF_FILE,
            "--json",
            "--threads",
            threads,
        ]);
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(run("1"), run("3"));
    // Fixed lags and another FDR are accepted.
    let out = hft(&[
        "pairs", "--closes", ETF_FILE, "--json", "--lags", "0", "--fdr", "0.1", "--top", "2",
    ]);
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.iter().all(|r| r["adf_lags"] == 0));
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

    for (args, needle) in [
        (["--fdr", "1.5"], "false-discovery rate must be in (0, 1]"),
        (["--fdr", "0"], "false-discovery rate must be in (0, 1]"),
        (["--lags", "many"], "--lags takes `aic` or a number"),
        (["--threads", "0"], "--threads"),
    ] {
        let mut all = vec!["pairs", "--closes", ETF_FILE];
        all.extend(args);
        let out = hft(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
