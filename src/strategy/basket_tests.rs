//! The basket strategy's rules, netting, outcomes and snapshot, on fits written by hand.

use super::basket::{BasketStrategy, NameState};
use super::basket_fit::{BasketFit, BasketSnapshot};
use crate::config::{EngineParams, StrategyKind};
use crate::types::{IntentKind, IntentOutcome, MAX_BASKET_LEGS, OrderIntent, Quote};

const SEC: u64 = 1_000_000_000;

/// A basket of three names (instruments 4, 5, 6) on a 1 s grid, factor window 10 rows.
fn basket() -> BasketStrategy {
    let mut p = EngineParams::embedded().strategy;
    p.kind = StrategyKind::Basket;
    p.grid_secs = 1.0;
    p.evaluation_secs = 5.0;
    p.basket.factor_window = 10;
    p.basket.residual_window = 6;
    p.basket.position_usd = 1_000.0;
    BasketStrategy::new(7, &[4, 5, 6], &p)
}

fn quote(instrument: u16, t_s: u64, mid: f64) -> Quote {
    Quote {
        seq: t_s,
        instrument,
        t_ns: t_s * SEC,
        bid: mid - 0.005,
        ask: mid + 0.005,
        bid_size: 100.0,
        ask_size: 100.0,
    }
}

/// Quotes every name each second up to `until_s` at prices 10, 20, 40 times `1 + t/1000`.
fn feed(b: &mut BasketStrategy, from_s: u64, until_s: u64) {
    for t in from_s..until_s {
        for (k, base) in [10.0, 20.0, 40.0].into_iter().enumerate() {
            b.on_quote(&quote(4 + k as u16, t, base * (1.0 + t as f64 / 1000.0)));
        }
    }
}

/// A fit with s-scores `s`, every name tradeable, and hedge `hedge` (identity when `None`).
fn fit(s: [f64; 3], hedge: Option<[[f64; 3]; 3]>) -> BasketFit {
    let mut f = BasketFit {
        n: 3,
        k: 1,
        s_score: [f64::NAN; MAX_BASKET_LEGS],
        tradeable: [false; MAX_BASKET_LEGS],
        reversion_rows: [1.0; MAX_BASKET_LEGS],
        hedge: [[0.0; MAX_BASKET_LEGS]; MAX_BASKET_LEGS],
        mids: [0.0; MAX_BASKET_LEGS],
    };
    // The row at t = 2 s that `feed(.., 0, 3)` ends on.
    f.mids[..3].copy_from_slice(&[10.02, 20.04, 40.08]);
    for i in 0..3 {
        f.s_score[i] = s[i];
        f.tradeable[i] = true;
        for l in 0..3 {
            f.hedge[i][l] = hedge.map_or(f64::from(u8::from(i == l)), |h| h[i][l]);
        }
    }
    f
}

fn targets(intent: &OrderIntent) -> Vec<(u16, i64)> {
    intent
        .legs
        .iter()
        .map(|l| (l.instrument, l.signed()))
        .collect()
}

fn reached(seq: u64) -> IntentOutcome {
    IntentOutcome {
        pair: 7,
        seq,
        held: [1, 1],
        reached: true,
    }
}

#[test]
fn the_papers_rules_open_and_close_each_name() {
    let mut b = basket();
    feed(&mut b, 0, 3);
    // Row mids at t = 2 s: 10.02, 20.04, 40.08. Name 4 below -1.25 opens long, name 6 above
    // 1.25 opens short, name 5 inside stays flat.
    let i = b
        .apply_fit(&fit([-1.3, 1.2, 1.3], None), 1, 3 * SEC, |_| {})
        .unwrap();
    assert_eq!(i.kind, IntentKind::Rebalance);
    assert_eq!(i.pair, 7);
    assert_eq!(targets(&i), [(4, 100), (5, 0), (6, -25)]);
    assert_eq!(
        b.states(),
        [NameState::Long, NameState::Flat, NameState::Short]
    );
    b.on_outcome(&reached(1));
    // Nothing crosses a rule: no intent.
    assert!(
        b.apply_fit(&fit([-0.6, 1.2, 0.8], None), 2, 4 * SEC, |_| {})
            .is_none()
    );
    // The long closes above -0.50, the short below 0.75.
    let i = b
        .apply_fit(&fit([-0.4, 0.0, 0.7], None), 3, 5 * SEC, |_| {})
        .unwrap();
    assert_eq!(i.kind, IntentKind::Close(crate::types::CloseReason::Exit));
    assert_eq!(b.states(), [NameState::Flat; 3]);
}

#[test]
fn names_not_tradeable_or_undefined_do_not_open() {
    let mut b = basket();
    feed(&mut b, 0, 3);
    let mut f = fit([-2.0, 2.0, f64::NAN], None);
    f.tradeable[0] = false;
    f.tradeable[1] = false;
    assert!(b.apply_fit(&f, 1, 3 * SEC, |_| {}).is_none());
    assert_eq!(b.counters().undefined, 1);
}

#[test]
fn positions_are_hedged_with_their_loadings_and_netted_per_name() {
    let mut b = basket();
    feed(&mut b, 0, 3);
    // Long $1,000 of name 4 hedged by -$500 of 5 and -$500 of 6; long name 5 hedged by
    // -$1,000 of 4: name 4 nets to 0, name 5 to +$500, name 6 to -$500.
    let hedge = [[1.0, -0.5, -0.5], [-1.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    let i = b
        .apply_fit(&fit([-2.0, -2.0, 0.0], Some(hedge)), 1, 3 * SEC, |_| {})
        .unwrap();
    // One target per name: 0, 500 / 20.04, -500 / 40.08.
    assert_eq!(targets(&i), [(4, 0), (5, 25), (6, -12)]);
}

#[test]
fn outcomes_set_what_the_basket_believes_it_holds() {
    let mut b = basket();
    feed(&mut b, 0, 3);
    let i = b
        .apply_fit(&fit([-2.0, 0.0, 0.0], None), 1, 3 * SEC, |_| {})
        .unwrap();
    // While its outcome is awaited, no new intent.
    assert!(
        b.apply_fit(&fit([-2.0, -2.0, 0.0], None), 2, 4 * SEC, |_| {})
            .is_none()
    );
    // Refused: back to flat (nothing was confirmed before).
    b.on_outcome(&IntentOutcome {
        pair: 7,
        seq: i.seq,
        held: [0, 0],
        reached: false,
    });
    assert_eq!(b.states(), [NameState::Flat; 3]);
    assert_eq!(b.counters().corrected, 1);
    // Decided again, and reached this time.
    let i = b
        .apply_fit(&fit([-2.0, 0.0, 0.0], None), 3, 5 * SEC, |_| {})
        .unwrap();
    b.on_outcome(&reached(i.seq));
    let j = b
        .apply_fit(&fit([-2.0, 2.0, 0.0], None), 4, 6 * SEC, |_| {})
        .unwrap();
    assert_eq!(targets(&j)[0], (4, 100));
    // Refused while holding: the states confirmed before come back.
    b.on_outcome(&IntentOutcome {
        pair: 7,
        seq: j.seq,
        held: [100, 100],
        reached: false,
    });
    assert_eq!(
        b.states(),
        [NameState::Long, NameState::Flat, NameState::Flat]
    );
    // An outcome of another intent changes nothing.
    b.on_outcome(&reached(99));
    assert_eq!(b.states()[0], NameState::Long);
}

#[test]
fn the_snapshot_is_the_returns_window_oldest_first() {
    let mut b = basket();
    assert!(!b.take_refit_request());
    // Rows at t = 1..=11 s: ten returns fill the window; a refit falls due.
    feed(&mut b, 0, 12);
    assert!(b.take_refit_request());
    assert!(!b.take_refit_request(), "taken once");
    let mut s = BasketSnapshot {
        returns: vec![0.0; 30],
        mids: [0.0; MAX_BASKET_LEGS],
    };
    b.fill_snapshot(&mut s);
    // Name 4's log return from row t to t + 1: ln((1 + (t + 1) / 1000) / (1 + t / 1000)).
    let r = |t: f64| ((1.0 + (t + 1.0) / 1000.0) / (1.0 + t / 1000.0)).ln();
    assert!((s.returns[0] - r(0.0)).abs() < 1e-12, "{}", s.returns[0]);
    assert!((s.returns[27] - r(9.0)).abs() < 1e-12);
    // With the mids of the window's last row (the prices its decisions are sized at).
    assert!(s.mids[0] > 10.0 && (s.mids[1] - 2.0 * s.mids[0]).abs() < 1e-9);
    assert!((s.mids[2] - 4.0 * s.mids[0]).abs() < 1e-9);
    // Two more rows: the window slides by two, still oldest first.
    feed(&mut b, 12, 14);
    b.fill_snapshot(&mut s);
    assert!((s.returns[0] - r(2.0)).abs() < 1e-12);
    assert!((s.returns[27] - r(11.0)).abs() < 1e-12);
}

#[test]
fn a_hedged_position_carries_no_factor_exposure_over_the_residual_window() {
    use super::basket_fit::BasketRefit;
    use crate::config::BasketStrategyParams;
    use crate::stats::{FactorConfig, FactorCount, FactorModel};
    // Four names on one factor with their own noise (a deterministic hash).
    let noise = |x: usize| ((x as f64 * 12.9898).sin() * 43_758.545_3).fract() - 0.5;
    let (rows, n) = (80, 4);
    let returns: Vec<f64> = (0..rows * n)
        .map(|x| 0.01 * (1.0 + (x % n) as f64 / 4.0) * noise(x / n + 9_000) + 0.004 * noise(x))
        .collect();
    let params = BasketStrategyParams {
        factor_window: rows,
        residual_window: 40,
        factors: 1,
        ..BasketStrategyParams::default()
    };
    let (mut refit, mut snapshot) = BasketRefit::new(n, &params);
    snapshot.returns.copy_from_slice(&returns);
    let fit = refit.fit(&snapshot).expect("a fit");
    // The factor's returns over the residual window, from the same model.
    let cfg = FactorConfig {
        factor_window: rows,
        residual_window: 40,
        k: FactorCount::Fixed(1),
        dt: 1.0,
    };
    let mut model = FactorModel::new(n, &cfg);
    let q = model.fit(&returns).unwrap().eigenportfolio(0).to_vec();
    let window = &returns[(rows - 40) * n..];
    let factor: Vec<f64> = window
        .chunks(n)
        .map(|r| r.iter().zip(&q).map(|(x, w)| x * w).sum())
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let f_mean = mean(&factor);
    for i in 0..n {
        // Dollars per name of $1 long name i, hedged: its returns are the intercept plus the
        // residual, orthogonal (in sample) to the factor.
        let hedged: Vec<f64> = window
            .chunks(n)
            .map(|r| (0..n).map(|l| fit.hedge[i][l] * r[l]).sum())
            .collect();
        let h_mean = mean(&hedged);
        let cov: f64 = hedged
            .iter()
            .zip(&factor)
            .map(|(h, f)| (h - h_mean) * (f - f_mean))
            .sum();
        assert!(
            cov.abs() < 1e-12,
            "name {i}: covariance with the factor {cov}"
        );
        assert!(
            (fit.hedge[i][i] - 1.0).abs() < 1.0,
            "the name itself dominates"
        );
    }
}

/// A tilt of weight `w` where, from day 0 (the epoch), name 4 is cheap, 5 neutral and 6 rich
/// (`z` = 1.2247, 0, -1.2247), and from day 1 the reverse.
fn tilt(w: f64) -> super::basket_value::ValueTilt {
    super::basket_value::ValueTilt::new(
        w,
        3,
        vec![
            (0, vec![Some(1.0), Some(0.0), Some(-1.0)]),
            (1, vec![Some(-1.0), Some(0.0), Some(1.0)]),
        ],
    )
}

#[test]
fn the_value_tilt_opens_cheap_names_long_and_rich_names_short_sooner() {
    // s-scores inside the open thresholds: untilted, nothing opens.
    let s = [-1.0, 0.0, 1.0];
    let mut plain = basket();
    feed(&mut plain, 0, 3);
    assert!(plain.apply_fit(&fit(s, None), 1, 3 * SEC, |_| {}).is_none());
    // Tilted by 0.5: name 4 (cheap) compares -1.0 - 0.61 < -1.25 and opens long; name 6 (rich)
    // 1.0 + 0.61 > 1.25 and opens short; name 5 (z = 0) is untouched.
    let mut tilted = basket();
    tilted.set_value_tilt(tilt(0.5));
    feed(&mut tilted, 0, 3);
    let i = tilted.apply_fit(&fit(s, None), 1, 3 * SEC, |_| {}).unwrap();
    assert_eq!(targets(&i), [(4, 100), (5, 0), (6, -25)]);
    // The mirror image: a cheap name does not open short at 1.3 (1.3 - 0.61 < 1.25), a rich
    // one does not open long at -1.3.
    let mut mirror = basket();
    mirror.set_value_tilt(tilt(0.5));
    feed(&mut mirror, 0, 3);
    assert!(
        mirror
            .apply_fit(&fit([1.3, 0.0, -1.3], None), 1, 3 * SEC, |_| {})
            .is_none()
    );
    // The closes are shifted too: the cheap long stays open at s = -0.4 (-0.4 - 0.61 < -0.5).
    tilted.on_outcome(&reached(1));
    assert!(
        tilted
            .apply_fit(&fit([-0.4, 0.0, 1.0], None), 2, 4 * SEC, |_| {})
            .is_none()
    );
    assert_eq!(tilted.states()[0], NameState::Long);
}

#[test]
fn the_value_tilt_uses_only_values_known_on_the_decisions_day() {
    // At day 0 the tilt says name 4 is cheap (long at s = -1.0); a row dated day 1 says the
    // reverse and must not change a decision on day 0.
    let day = 86_400 * SEC;
    let one_day = super::basket_value::ValueTilt::new(
        0.5,
        3,
        vec![(0, vec![Some(1.0), Some(0.0), Some(-1.0)])],
    );
    let decide = |t: super::basket_value::ValueTilt, at_ns: u64| {
        let mut b = basket();
        b.set_value_tilt(t);
        feed(&mut b, 0, 3);
        b.apply_fit(&fit([-1.0, 0.0, 0.0], None), 1, at_ns, |_| {})
            .map(|i| targets(&i))
    };
    let last_ns_of_day_0 = day - 1;
    assert_eq!(
        decide(tilt(0.5), last_ns_of_day_0),
        decide(one_day.clone(), last_ns_of_day_0)
    );
    assert_eq!(
        decide(tilt(0.5), last_ns_of_day_0).unwrap()[0],
        (4, 100),
        "cheap on day 0: long"
    );
    // On day 1 the new row is known: name 4 is rich and does not open long at -1.0.
    assert_eq!(decide(tilt(0.5), day), None);
    assert!(decide(one_day, day).is_some(), "the old row still holds");
}

#[test]
fn a_basket_of_40_names_sends_its_targets_in_parts_then_the_intent_that_completes_them() {
    let mut p = EngineParams::embedded().strategy;
    p.kind = StrategyKind::Basket;
    p.basket.position_usd = 1_000.0;
    let names: Vec<u16> = (10..50).collect();
    let mut b = BasketStrategy::new(3, &names, &p);
    // Every name opens long (identity hedge) at a mid of 10: 100 shares each.
    let mut f = fit([0.0; 3], None);
    f.n = 40;
    for i in 0..40 {
        f.s_score[i] = -2.0;
        f.tradeable[i] = true;
        f.mids[i] = 10.0;
        f.hedge[i] = [0.0; MAX_BASKET_LEGS];
        f.hedge[i][i] = 1.0;
    }
    let last = b.apply_fit(&f, 9, 3 * SEC, |_| {}).unwrap();
    assert_eq!(last.kind, IntentKind::Rebalance);
    let mut parts = Vec::new();
    b.leading_parts(&last, |i| parts.push(i));
    assert_eq!(parts.len(), 2);
    assert!(parts.iter().all(|i| i.kind == IntentKind::RebalancePart));
    assert!(
        parts
            .iter()
            .all(|i| (i.pair, i.seq, i.t_ns) == (3, 9, 3 * SEC))
    );
    // In order, every name once, each at its target.
    let all: Vec<(u16, i64)> = parts.iter().chain([&last]).flat_map(targets).collect();
    let wanted: Vec<(u16, i64)> = names.iter().map(|&i| (i, 100)).collect();
    assert_eq!(all, wanted);
    // A close goes alone.
    b.on_outcome(&IntentOutcome {
        pair: 3,
        ..reached(9)
    });
    f.s_score = [0.0; MAX_BASKET_LEGS];
    let close = b.apply_fit(&f, 10, 4 * SEC, |_| {}).unwrap();
    assert!(matches!(close.kind, IntentKind::Close(_)));
    let mut none = 0;
    b.leading_parts(&close, |_| none += 1);
    assert_eq!(none, 0);
}
