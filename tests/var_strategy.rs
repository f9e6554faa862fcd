//! The `var` strategy and the pair filters on synthetic series built to trigger them, through
//! the signal stage's router with its cold fits (inline, as in `hft backtest`, and on the model
//! thread, as in the engine).
//!
//! Quotes: leg A 250 ms into every second, leg B 500 ms in; grid rows every second.

use hft::config::{
    BreakTest, CostParams, EngineParams, PairParams, StrategyKind, StrategyParams, VarModel,
};
use hft::signal::PairRouter;
use hft::sim::Rng;
use hft::strategy::PairStrategy;
use hft::types::{CloseReason, Direction, IntentKind, OrderIntent, Quote};
use std::path::PathBuf;

const SEC: u64 = 1_000_000_000;
const T0: u64 = 1_700_000_000 * SEC;

/// B a random walk from 50 (steps of 0.1); A = hedge(k) B + 5 + s with s an AR(1) spread of
/// standard deviation `spread_sd` and coefficient `phi`. Returns (A, B, s).
fn pair(
    rng: &mut Rng,
    steps: usize,
    spread_sd: f64,
    phi: f64,
    hedge: impl Fn(usize) -> f64,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let innovation = spread_sd * (1.0 - phi * phi).sqrt();
    let (mut b, mut s) = (50.0, 0.0);
    let (mut va, mut vb, mut vs) = (vec![], vec![], vec![]);
    for k in 0..steps {
        b += 0.1 * rng.normal();
        s = phi * s + innovation * rng.normal();
        va.push(hedge(k) * b + 5.0 + s);
        vb.push(b);
        vs.push(s);
    }
    (va, vb, vs)
}

fn quotes(a: &[f64], b: &[f64]) -> Vec<Quote> {
    let q = |seq: u64, instrument: u16, t_ns: u64, mid: f64| Quote {
        seq,
        instrument,
        t_ns,
        bid: mid - 0.005,
        ask: mid + 0.005,
        bid_size: 500.0,
        ask_size: 500.0,
    };
    let mut out = Vec::with_capacity(2 * a.len());
    for k in 0..a.len() {
        let t = T0 + k as u64 * SEC;
        out.push(q(2 * k as u64 + 1, 0, t + SEC / 4, a[k]));
        out.push(q(2 * k as u64 + 2, 1, t + SEC / 2, b[k]));
    }
    out
}

fn var_params() -> StrategyParams {
    let mut p = EngineParams::embedded().strategy;
    p.kind = StrategyKind::Var;
    p.grid_secs = 1.0;
    p.window_secs = 600.0;
    p.evaluation_secs = 5.0;
    p.var.max_lags = 2;
    p.var.horizon = 5;
    p.var.refit_secs = 60.0;
    p.var.entry = 1.5;
    p.var.exit = 0.0;
    p.var.max_hold_secs = 0.0;
    p.var.min_edge_ratio = 0.0;
    p
}

fn costs() -> CostParams {
    CostParams {
        commission_per_share: 0.0,
        commission_min: 0.0,
        book_levels: 5,
    }
}

fn pair_params() -> PairParams {
    PairParams {
        a: "AAA".into(),
        b: "BBB".into(),
        hedge_ratio: None,
        intercept: None,
        spread_mean: None,
        spread_std: None,
        half_life_secs: None,
        execution: None,
        leader: None,
    }
}

fn router(p: &StrategyParams) -> PairRouter {
    let s = PairStrategy::new(0, 0, 1, p, &costs(), &pair_params());
    PairRouter::new(vec![s], 2).with_models(p)
}

/// Every intent, with the quote index it came on.
fn run(router: &mut PairRouter, quotes: &[Quote]) -> Vec<(usize, OrderIntent)> {
    let mut out = vec![];
    for (i, q) in quotes.iter().enumerate() {
        router.on_quote(q, |intent| out.push((i, intent)));
    }
    out
}

#[test]
fn var_strategy_trades_the_forecast_reversion_of_a_cointegrated_pair() {
    let mut rng = Rng::new(11, 0);
    let (a, b, s) = pair(&mut rng, 3000, 0.4, 0.9, |_| 2.0);
    let qs = quotes(&a, &b);
    let p = var_params();
    let mut r = router(&p);
    let intents = run(&mut r, &qs);
    let fit = r.pairs[0].spread_forecast().expect("fitted");
    assert!(fit.vecm, "Johansen finds the cointegration: a VECM");
    assert!((fit.hedge_ratio - 2.0).abs() < 0.05, "{}", fit.hedge_ratio);
    let opens: Vec<_> = intents
        .iter()
        .filter_map(|(i, it)| match it.kind {
            IntentKind::Open(d) => Some((*i, d)),
            _ => None,
        })
        .collect();
    assert!(opens.len() >= 10, "{} entries", opens.len());
    // The VECM forecasts reversion: a long spread (the spread forecast to rise) is opened while
    // the spread is below its mean, a short one above. Quote i is step i / 2.
    let wrong = opens
        .iter()
        .filter(|(i, d)| {
            let spread = s[i / 2];
            match d {
                Direction::LongSpread => spread > 0.0,
                Direction::ShortSpread => spread < 0.0,
            }
        })
        .count();
    assert!(
        wrong * 10 <= opens.len(),
        "{wrong} of {} entries against the spread",
        opens.len()
    );
    // Every entry is closed by the exit rule or is the last one.
    let closes = intents
        .iter()
        .filter(|(_, it)| it.kind == IntentKind::Close(CloseReason::Exit))
        .count();
    assert!(closes + 1 >= opens.len());
    let c = r.model_counters(0).unwrap();
    assert!(c.requested >= 40 && c.applied >= 40, "{c:?}");
}

#[test]
fn inline_fits_are_deterministic_and_a_var_without_cointegration_is_a_var() {
    let mut rng = Rng::new(5, 0);
    let (a, b, _) = pair(&mut rng, 1500, 0.4, 0.9, |_| 2.0);
    let qs = quotes(&a, &b);
    let p = var_params();
    let first = run(&mut router(&p), &qs);
    let second = run(&mut router(&p), &qs);
    assert_eq!(first, second);
    let mut forced = p.clone();
    forced.var.model = VarModel::Var;
    let mut r = router(&forced);
    run(&mut r, &qs);
    let fit = r.pairs[0].spread_forecast().unwrap();
    assert!(!fit.vecm);
    assert_eq!(fit.levels_order, fit.levels_order.clamp(1, 3));
}

#[test]
fn the_model_thread_publishes_fits_to_the_router() {
    let mut rng = Rng::new(7, 0);
    let (a, b, _) = pair(&mut rng, 900, 0.4, 0.9, |_| 2.0);
    let qs = quotes(&a, &b);
    let p = var_params();
    let mut r = router(&p);
    r.start_model_thread().unwrap();
    // Requests made while the thread still fits are skipped, so keep the rows coming (the same
    // prices, later in time) until a fit has come back: no clock involved, the loop ends when
    // the thread has published a defined forecast.
    let span = qs.len() as u64 / 2 * SEC;
    let mut pass = 0;
    while r.pairs[0].spread_forecast().is_none() {
        for q in &qs {
            let mut q = *q;
            q.t_ns += pass * span;
            r.on_quote(&q, |_| {});
        }
        pass += 1;
        std::thread::yield_now();
    }
    let c = r.model_counters(0).unwrap();
    assert!(c.requested >= 1 && c.applied >= 1, "{c:?}");
}

/// The hedge ratio shifts from 2.0 to 2.6 at step 1500. With the Chow test on (candidate 120 s
/// before the end of the 600 s window), the break is found within the window after the shift;
/// entries stop until `break_resume_secs` after the break, an open position is closed as a stop,
/// and the z-score model re-estimates from the break on: it does not trade on a hedge ratio
/// that mixes the regimes, as the same model without the filter does.
#[test]
fn a_level_shift_in_the_hedge_ratio_stops_entries_flattens_and_re_estimates() {
    let shift = 1500;
    let mut flattened = 0;
    for seed in 0..6 {
        let mut rng = Rng::new(100 + seed, 0);
        let (a, b, _) = pair(
            &mut rng,
            2400,
            0.3,
            0.5,
            |k| if k < shift { 2.0 } else { 2.6 },
        );
        let qs = quotes(&a, &b);
        let mut off = EngineParams::embedded().strategy;
        off.kind = StrategyKind::Zscore;
        off.grid_secs = 1.0;
        off.window_secs = 600.0;
        off.evaluation_secs = 5.0;
        off.zscore.entry = 1.0;
        off.zscore.exit = 0.0;
        off.zscore.stop = 50.0;
        off.zscore.max_hold_secs = 0.0;
        off.zscore.min_edge_ratio = 0.0;
        let mut on = off.clone();
        on.filters.breaks = BreakTest::Chow;
        on.filters.break_recent_secs = 120.0;
        on.filters.break_pvalue = 1e-4;
        on.filters.flatten_on_break = true;
        on.filters.break_resume_secs = 300.0;
        on.filters.refit_secs = 10.0;

        let mut r_off = router(&off);
        let mut r_on = router(&on);
        let mut detected: Option<(usize, u64)> = None;
        let mut on_intents = vec![];
        let mut beta_at = (None, None);
        for (i, q) in qs.iter().enumerate() {
            let was_open = r_on.pairs[0].position() != hft::strategy::Position::Flat;
            let mut here = vec![];
            r_on.on_quote(q, |it| here.push(it));
            r_off.on_quote(q, |_| {});
            if detected.is_none()
                && let Some(t) = r_on.pairs[0].filter_state().break_t_ns
            {
                detected = Some((i, t));
                if was_open {
                    assert_eq!(
                        here.first().map(|it| it.kind),
                        Some(IntentKind::Close(CloseReason::Stop)),
                        "seed {seed}: the open position is flattened at the break"
                    );
                    flattened += 1;
                }
            }
            on_intents.extend(here.into_iter().map(|it| (i, it)));
            if i == 2 * (shift + 200) {
                beta_at = (r_on.pairs[0].hedge_ratio(), r_off.pairs[0].hedge_ratio());
            }
        }
        let (at, t_break) = detected.unwrap_or_else(|| panic!("seed {seed}: no break found"));
        // Found after the shift, within the window; placed at most the window before.
        assert!(
            at / 2 > shift && at / 2 < shift + 480,
            "seed {seed}: found at step {}",
            at / 2
        );
        let t_shift = T0 + shift as u64 * SEC;
        assert!(t_break + 600 * SEC > t_shift && t_break < t_shift + 480 * SEC);
        // No entry from the detection until 300 s after the latest break.
        let latest = r_on.pairs[0].filter_state().break_t_ns.unwrap();
        assert!(latest >= t_break);
        for (i, it) in &on_intents {
            let t = qs[*i].t_ns;
            if *i >= at && t < t_break + 300 * SEC {
                assert!(
                    !matches!(it.kind, IntentKind::Open(_)),
                    "seed {seed}: entry at step {} inside the blocked span",
                    i / 2
                );
            }
        }
        // Re-estimated from the break on: 200 s after the shift the filtered model is either
        // still refilling its window from the break (no hedge ratio, no trading) or on the new
        // level, while the unfiltered window mixes both regimes and trades on it.
        let (with, without) = beta_at;
        assert!(
            with.is_none_or(|b| (b - 2.6).abs() < 0.1),
            "seed {seed}: beta {with:?}"
        );
        assert!(
            without.is_some_and(|b| (b - 2.6).abs() > 0.1 && (b - 2.0).abs() > 0.1),
            "seed {seed}: {without:?}"
        );
        let end = r_on.pairs[0].hedge_ratio().unwrap();
        assert!((end - 2.6).abs() < 0.05, "seed {seed}: final beta {end}");
    }
    assert!(flattened >= 1, "no seed had a position open at the break");
}

/// A backtest of the `var` strategy with every filter on, charted: the series files carry the
/// filter columns and the pair figure gains a panel per active filter.
#[test]
fn the_pair_chart_gains_the_filter_panels() {
    use hft::backtest::{Backtest, write_outputs};
    use hft::config::TrendTest;
    use std::fmt::Write as _;
    let mut rng = Rng::new(21, 0);
    let (a, b, _) = pair(&mut rng, 1800, 0.4, 0.9, |_| 2.0);
    let mut text = format!("{}\n", hft::rundir::QUOTE_HEADER);
    for k in 0..a.len() {
        let ts = T0 + k as u64 * SEC + SEC / 2;
        for (symbol, mid) in [("AAA", a[k]), ("BBB", b[k])] {
            let bid = (mid * 100.0).round() / 100.0;
            let _ = writeln!(text, "{ts},{symbol},{bid:.2},300,{:.2},200", bid + 0.01);
        }
    }
    let mut params = EngineParams::embedded();
    params.pairs = vec![pair_params()];
    params.engine.tick_by_tick = true;
    params.strategy = var_params();
    params.strategy.var.entry = 1.0;
    let f = &mut params.strategy.filters;
    f.breaks = BreakTest::Chow;
    f.trend = TrendTest::VarianceRatio;
    f.vr_max_stat = 3.0;
    f.markov = true;
    f.markov_min_prob = 0.2;
    f.refit_secs = 60.0;
    params.validate("test").unwrap();
    let mut bt = Backtest::new(&params);
    bt.run_reader(text.as_bytes(), |_| {}).expect("reads");
    let out = bt.finish();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("var-chart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write_outputs(&out, &dir).unwrap();
    let series = std::fs::read_to_string(dir.join("series/AAA-BBB.csv")).unwrap();
    let rows = hft::rundir::read_series(&series).unwrap();
    let last = rows.last().unwrap().filters;
    assert!(last.spread.is_some() && last.forecast.is_some(), "{last:?}");
    assert!(
        last.vr_stat.is_some() && last.reverting_prob.is_some(),
        "{last:?}"
    );
    let charts = hft::cli::report::run(&dir).expect("charts");
    let png = charts
        .iter()
        .find(|p| p.ends_with("charts/pair-AAA-BBB.png"))
        .unwrap();
    let bytes = std::fs::read(png).unwrap();
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!(height, 1750 + 3 * 250, "three filter panels");
    let svg_path = charts
        .iter()
        .find(|p| p.ends_with("charts/pair-AAA-BBB.svg"))
        .unwrap();
    let svg = std::fs::read_to_string(svg_path).unwrap();
    for title in [
        "Regime filter",
        "markov_min_prob 0.2",
        "Trend test: variance-ratio z",
        "vr_max_stat 3",
        "VAR / VECM forecast of the spread",
        "VAR forecast of the spread",
    ] {
        assert!(svg.contains(title), "the SVG lacks `{title}`");
    }
    if std::env::var_os("KEEP_CHART").is_none() {
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// The spread reverts (AR(1), coefficient 0.5) for 1500 s, then becomes a random walk. With the
/// variance-ratio trend filter asking for significant mean reversion (`vr_max_stat = -2`: entries
/// only while the robust z of VR(8) is below -2), the z-score strategy keeps trading the
/// reverting part and nearly stops once the window holds only the random walk; without it, it
/// keeps entering.
#[test]
fn a_spread_that_becomes_a_random_walk_stops_entries_under_the_trend_filter() {
    use hft::config::TrendTest;
    let switch = 1500;
    let (steps, window) = (3000, 300);
    let mut rng = Rng::new(42, 0);
    let (mut b, mut s) = (50.0, 0.0);
    let (mut va, mut vb) = (vec![], vec![]);
    for k in 0..steps {
        b += 0.1 * rng.normal();
        s = if k < switch {
            0.5 * s + 0.3 * rng.normal()
        } else {
            s + 0.1 * rng.normal()
        };
        va.push(2.0 * b + 5.0 + s);
        vb.push(b);
    }
    let qs = quotes(&va, &vb);
    let mut off = EngineParams::embedded().strategy;
    off.kind = StrategyKind::Zscore;
    off.grid_secs = 1.0;
    off.window_secs = window as f64;
    off.evaluation_secs = 5.0;
    off.zscore.entry = 1.0;
    off.zscore.exit = 0.0;
    off.zscore.stop = 50.0;
    off.zscore.max_hold_secs = 0.0;
    off.zscore.min_edge_ratio = 0.0;
    let mut on = off.clone();
    on.filters.trend = TrendTest::VarianceRatio;
    on.filters.vr_lags = 8;
    on.filters.vr_max_stat = -2.0;
    on.filters.refit_secs = 10.0;
    let entries = |p: &StrategyParams, from: usize, to: usize| {
        run(&mut router(p), &qs)
            .iter()
            .filter(|(i, it)| {
                (from..to).contains(&(i / 2)) && matches!(it.kind, IntentKind::Open(_))
            })
            .count()
    };
    let late = switch + window + 60;
    let (reverting_on, reverting_off) = (
        entries(&on, 2 * window, switch),
        entries(&off, 2 * window, switch),
    );
    let (walk_on, walk_off) = (entries(&on, late, steps), entries(&off, late, steps));
    assert!(
        reverting_on * 2 >= reverting_off && reverting_on >= 10,
        "reverting part: {reverting_on} entries with the filter, {reverting_off} without"
    );
    assert!(
        walk_off >= 5 && walk_on * 4 <= walk_off,
        "random walk: {walk_on} entries with the filter, {walk_off} without"
    );
}
