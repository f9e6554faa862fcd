//! The strategies on synthetic series built to trigger them, checked decision by decision against
//! reference models written here from the rules the strategies document (two-pass window
//! statistics, a textbook Kalman filter); and the backtest's causality, determinism and handling
//! of malformed rows.
//!
//! Quotes: leg A quotes 250 ms into every second, leg B 500 ms in. By the resampling convention
//! (the grid row at time T holds each leg's last tick before T), the row at second k + 1 holds the
//! step-k mids, so a decision during step k sees the rows of steps 0..k.

use hft::backtest::{Backtest, BacktestOutput, write_outputs};
use hft::config::{
    CostParams, EngineParams, KalmanParams, KernelKind, PairParams, Sizing, StrategyKind,
    StrategyParams, ZScoreParams,
};
use hft::rundir::{RowError, RowProblem};
use hft::sim::Rng;
use hft::strategy::PairStrategy;
use hft::types::{CloseReason, Direction, IntentKind, OrderIntent, Quote, Side};
use std::path::PathBuf;
use std::process::Command;

const SEC: u64 = 1_000_000_000;
/// The first step starts on a whole second, so grid rows fall on whole seconds.
const T0: u64 = 1_700_000_000 * SEC;
/// Window of the strategies here, in grid rows of 1 s.
const WINDOW: usize = 60;
/// The Kalman model's rows of filtering before it trades (`src/strategy/kalman.rs`).
const KALMAN_WARMUP_ROWS: usize = 20;

// ---------------------------------------------------------------------------------------------
// Series, quotes and parameters

/// Mid prices of legs A and B, one of each per second.
#[derive(Debug, Clone, Default)]
struct Series {
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Series {
    fn push(&mut self, a: f64, b: f64) {
        self.a.push(a);
        self.b.push(b);
    }
}

/// B a random walk from 50 (steps of 0.1), A = 2 B + 5 + s with s an Ornstein-Uhlenbeck spread
/// of standard deviation `spread_sd` and half-life `half_life` steps, from `rng`.
fn ou_pair(rng: &mut Rng, steps: usize, spread_sd: f64, half_life: f64) -> Series {
    regime_pair(rng, steps, spread_sd, half_life, [0.1, 0.1], steps)
}

/// As [`ou_pair`], with B's steps switching between `b_steps[0]` and `b_steps[1]` every `regime`
/// steps: the seed model's volatility ratio swings across 1.
fn regime_pair(
    rng: &mut Rng,
    steps: usize,
    spread_sd: f64,
    half_life: f64,
    b_steps: [f64; 2],
    regime: usize,
) -> Series {
    let phi = (-std::f64::consts::LN_2 / half_life).exp();
    let innovation = spread_sd * (1.0 - phi * phi).sqrt();
    let (mut b, mut s) = (50.0, 0.0);
    let mut series = Series::default();
    for k in 0..steps {
        b += b_steps[(k / regime) % 2] * rng.normal();
        s = phi * s + innovation * rng.normal();
        series.push(2.0 * b + 5.0 + s, b);
    }
    series
}

/// A quote one cent wide around `mid`.
fn quote(seq: u64, instrument: u16, t_ns: u64, mid: f64) -> Quote {
    Quote {
        seq,
        instrument,
        t_ns,
        bid: mid - 0.005,
        ask: mid + 0.005,
        bid_size: 500.0,
        ask_size: 500.0,
    }
}

/// Leg A (instrument 0) 250 ms into each step, leg B (instrument 1) 500 ms in.
fn quote_stream(s: &Series) -> Vec<Quote> {
    let mut out = Vec::with_capacity(2 * s.a.len());
    for (k, (&a, &b)) in s.a.iter().zip(&s.b).enumerate() {
        let t = T0 + k as u64 * SEC;
        out.push(quote(2 * k as u64 + 1, 0, t + SEC / 4, a));
        out.push(quote(2 * k as u64 + 2, 1, t + SEC / 2, b));
    }
    out
}

fn zscore_thresholds() -> ZScoreParams {
    ZScoreParams {
        entry: 2.0,
        exit: 0.5,
        stop: 4.0,
        max_hold_secs: 0.0,
        // Edge filter off: every crossing of `entry` is an entry.
        min_edge_ratio: 0.0,
        max_hurst: 0.0,
        hurst_window_secs: 600.0,
    }
}

fn params(kind: StrategyKind, evaluation_secs: f64, sizing: Sizing) -> StrategyParams {
    StrategyParams {
        kind,
        grid_secs: 1.0,
        window_secs: WINDOW as f64,
        evaluation_secs,
        kernel: KernelKind::Rect,
        half_life_secs: 900.0,
        base_qty: 100,
        sizing,
        zscore: zscore_thresholds(),
        kalman: KalmanParams {
            delta: 1e-6,
            observation_var: 0.01,
            entry_k: 1.0,
            exit_k: 0.0,
        },
        var: Default::default(),
        filters: Default::default(),
        seed: Default::default(),
        basket: Default::default(),
    }
}

fn free_costs() -> CostParams {
    CostParams {
        commission_per_share: 0.0,
        commission_min: 0.0,
        book_levels: 5,
    }
}

/// A pair without bootstrap statistics.
fn fresh_pair() -> PairParams {
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

/// Runs a strategy over the quotes; returns it and its intents.
fn run(p: &StrategyParams, quotes: &[Quote]) -> (PairStrategy, Vec<OrderIntent>) {
    let mut strategy = PairStrategy::new(0, 0, 1, p, &free_costs(), &fresh_pair());
    let intents = quotes.iter().filter_map(|q| strategy.on_quote(q)).collect();
    (strategy, intents)
}

fn kinds(intents: &[OrderIntent]) -> Vec<(u64, IntentKind)> {
    intents.iter().map(|i| (i.seq, i.kind)).collect()
}

// ---------------------------------------------------------------------------------------------
// The reference driver and models

/// What a reference model sees at a quote.
struct Tick<'a> {
    /// Grid rows (A, B) so far, oldest first.
    rows: &'a [(f64, f64)],
    /// Latest mids of A and B.
    a: f64,
    b: f64,
    t_ns: u64,
    /// Whether slow statistics are re-estimated on this quote.
    evaluate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Held {
    Flat,
    Open(Direction, u64),
}

/// A reference model: re-estimates on `evaluate`, then decides.
trait Reference {
    fn decide(&mut self, tick: &Tick<'_>, held: Held) -> Option<IntentKind>;
}

/// Drives a reference over the quotes by the documented conventions: rows by previous tick,
/// re-estimation on the first quote at or after `evaluation_secs` past the last one (every quote
/// when 0), a decision on every quote once both legs have quoted. Returns the expected intents.
fn expected(
    quotes: &[Quote],
    evaluation_secs: f64,
    model: &mut impl Reference,
) -> Vec<(u64, IntentKind)> {
    let mids: Vec<f64> = quotes.iter().map(Quote::mid).collect();
    let rows: Vec<(f64, f64)> = mids.chunks(2).map(|m| (m[0], m[1])).collect();
    let every_ns = ((evaluation_secs * 1e9) as u64).max(1);
    let (mut next_eval, mut held, mut out) = (0u64, Held::Flat, Vec::new());
    for (i, q) in quotes.iter().enumerate() {
        let step = i / 2;
        let evaluate = q.t_ns >= next_eval;
        if evaluate {
            next_eval = q.t_ns + every_ns;
        }
        if i == 0 {
            continue; // B has not quoted yet
        }
        let b = if q.instrument == 0 {
            mids[i - 1]
        } else {
            mids[i]
        };
        let tick = Tick {
            rows: &rows[..step],
            a: mids[2 * step],
            b,
            t_ns: q.t_ns,
            evaluate,
        };
        if let Some(kind) = model.decide(&tick, held) {
            held = match kind {
                IntentKind::Open(d) => Held::Open(d, q.t_ns),
                IntentKind::Close(_)
                | IntentKind::Rebalance
                | IntentKind::RebalancePart
                | IntentKind::StepOpen
                | IntentKind::StepClose => Held::Flat,
            };
            out.push((q.seq, kind));
        }
    }
    out
}

fn mean(xs: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = xs.clone().count() as f64;
    xs.sum::<f64>() / n
}

/// Sum of squared deviations from the mean (two passes).
fn squares(xs: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = mean(xs.clone());
    xs.map(|x| (x - m) * (x - m)).sum()
}

/// The z-score rule from two-pass window statistics: OLS of A on B over the last `WINDOW` rows
/// at each re-estimation; at every quote the spread `A - beta B - alpha` over the window, its mean
/// and sample deviation, and the z-score of the current mids.
struct ZScoreReference {
    p: ZScoreParams,
    /// `Some(h)`: exponential weights with half-life `h` rows over every row so far (the `ema`
    /// kernel) instead of the last `WINDOW` rows.
    half_life: Option<f64>,
    fit: Option<(f64, f64)>,
    cooling: bool,
    /// Every z-score computed, for the margin check.
    zs: Vec<f64>,
    /// (z, beta) at each decision taken.
    at_decisions: Vec<(f64, f64)>,
}

impl ZScoreReference {
    fn new(p: ZScoreParams) -> Self {
        ZScoreReference {
            p,
            half_life: None,
            fit: None,
            cooling: false,
            zs: Vec::new(),
            at_decisions: Vec::new(),
        }
    }

    fn with_half_life(p: ZScoreParams, half_life: f64) -> Self {
        ZScoreReference {
            half_life: Some(half_life),
            ..ZScoreReference::new(p)
        }
    }

    fn zscore(&self, tick: &Tick<'_>) -> Option<f64> {
        let (beta, alpha) = self.fit?;
        let n = tick.rows.len();
        if n < WINDOW {
            return None;
        }
        if let Some(h) = self.half_life {
            let spread: Vec<f64> = tick
                .rows
                .iter()
                .map(|(a, b)| a - beta * b - alpha)
                .collect();
            let (m, var) = weighted_moments(&spread, &spread, h);
            return (var > 1e-8).then(|| (tick.a - beta * tick.b - alpha - m.0) / var.sqrt());
        }
        let spread = tick.rows[n - WINDOW..]
            .iter()
            .map(|(a, b)| a - beta * b - alpha);
        let var = squares(spread.clone()) / (WINDOW - 1) as f64;
        (var > 1e-8).then(|| (tick.a - beta * tick.b - alpha - mean(spread)) / var.sqrt())
    }
}

impl Reference for ZScoreReference {
    fn decide(&mut self, tick: &Tick<'_>, held: Held) -> Option<IntentKind> {
        let n = tick.rows.len();
        if let (true, Some(h)) = (tick.evaluate && n >= WINDOW, self.half_life) {
            let (a, b): (Vec<f64>, Vec<f64>) = tick.rows.iter().copied().unzip();
            let ((mb, ma), cov) = weighted_moments(&b, &a, h);
            let (_, var_b) = weighted_moments(&b, &b, h);
            if var_b > 0.0 {
                self.fit = Some((cov / var_b, ma - cov / var_b * mb));
            }
        } else if tick.evaluate && n >= WINDOW {
            let w = &tick.rows[n - WINDOW..];
            let (ma, mb) = (mean(w.iter().map(|r| r.0)), mean(w.iter().map(|r| r.1)));
            let sxx: f64 = w.iter().map(|r| (r.1 - mb) * (r.1 - mb)).sum();
            let sxy: f64 = w.iter().map(|r| (r.1 - mb) * (r.0 - ma)).sum();
            if sxx > 0.0 {
                self.fit = Some((sxy / sxx, ma - sxy / sxx * mb));
            }
        }
        let z = self.zscore(tick)?;
        self.zs.push(z);
        let p = self.p;
        let decision = match held {
            Held::Flat if self.cooling => {
                self.cooling = z.abs() >= p.exit;
                None
            }
            Held::Flat if z.abs() > p.entry && z.abs() < p.stop => {
                Some(IntentKind::Open(if z > 0.0 {
                    Direction::ShortSpread
                } else {
                    Direction::LongSpread
                }))
            }
            Held::Flat => None,
            Held::Open(..) if z.abs() > p.stop => {
                self.cooling = true;
                Some(IntentKind::Close(CloseReason::Stop))
            }
            Held::Open(_, since)
                if p.max_hold_secs > 0.0 && (tick.t_ns - since) as f64 / 1e9 > p.max_hold_secs =>
            {
                self.cooling = true;
                Some(IntentKind::Close(CloseReason::Timeout))
            }
            Held::Open(Direction::ShortSpread, _) if z < p.exit => {
                Some(IntentKind::Close(CloseReason::Exit))
            }
            Held::Open(Direction::LongSpread, _) if z > -p.exit => {
                Some(IntentKind::Close(CloseReason::Exit))
            }
            Held::Open(..) => None,
        };
        if decision.is_some() {
            self.at_decisions
                .push((z, self.fit.map_or(f64::NAN, |f| f.0)));
        }
        decision
    }
}

/// Two-pass exponentially weighted moments of `x` and `y` over all their values, the weights
/// of pandas `ewm(halflife=h, adjust=False)`: `(1-α)^(n-1)` for the first value and
/// `α (1-α)^(n-1-i)` after, `α = 1 - 2^(-1/h)`. Returns `((mean x, mean y), cov)` with the
/// covariance divided by `1 - Σw²` (pandas' bias correction).
fn weighted_moments(x: &[f64], y: &[f64], half_life: f64) -> ((f64, f64), f64) {
    let n = x.len();
    let alpha = 1.0 - 0.5f64.powf(1.0 / half_life);
    let w: Vec<f64> = (0..n)
        .map(|i| {
            let age = (n - 1 - i) as i32;
            if i == 0 {
                (1.0 - alpha).powi(age)
            } else {
                alpha * (1.0 - alpha).powi(age)
            }
        })
        .collect();
    let total: f64 = w.iter().sum();
    let mx = w.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() / total;
    let my = w.iter().zip(y).map(|(w, v)| w * v).sum::<f64>() / total;
    let w2: f64 = w.iter().map(|v| (v / total) * (v / total)).sum();
    let c = w
        .iter()
        .zip(x.iter().zip(y))
        .map(|(w, (a, b))| w * (a - mx) * (b - my))
        .sum::<f64>()
        / total;
    ((mx, my), c / (1.0 - w2))
}

/// Smallest distance of any z-score from a threshold: the model and the reference round
/// differently, so they are compared only where no z-score sits on a threshold.
fn margin(zs: &[f64], p: &ZScoreParams) -> f64 {
    let thresholds = [p.entry, p.exit, p.stop];
    zs.iter()
        .flat_map(|z| thresholds.iter().map(move |t| (z.abs() - t).abs()))
        .fold(f64::INFINITY, f64::min)
}

/// A textbook Kalman filter for `A = beta B + alpha + noise` (E. Chan, "Algorithmic Trading",
/// 2013, example 3.3): `R = P + Vw`, `Q = x R x' + Ve`, `K = R x' / Q`, `P = R - K x R`. Trades
/// on the forecast error of the current mids against `entry_k sqrt(Q)`.
struct KalmanReference {
    k: KalmanParams,
    theta: [f64; 2],
    p: [[f64; 2]; 2],
    filtered: usize,
    /// (e, sqrt Q) at every forecast, and at each decision.
    forecasts: Vec<(f64, f64)>,
    at_decisions: Vec<(f64, f64)>,
}

impl KalmanReference {
    fn new(k: KalmanParams) -> Self {
        KalmanReference {
            k,
            theta: [0.0, 0.0],
            p: [[1.0, 0.0], [0.0, 1.0]],
            filtered: 0,
            forecasts: Vec::new(),
            at_decisions: Vec::new(),
        }
    }

    fn predicted(&self) -> [[f64; 2]; 2] {
        let vw = self.k.delta / (1.0 - self.k.delta);
        let mut r = self.p;
        r[0][0] += vw;
        r[1][1] += vw;
        r
    }

    /// `x R x' + Ve` for `x = [b, 1]`.
    fn q(&self, r: &[[f64; 2]; 2], b: f64) -> f64 {
        let x = [b, 1.0];
        let mut q = self.k.observation_var;
        for i in 0..2 {
            for j in 0..2 {
                q += x[i] * r[i][j] * x[j];
            }
        }
        q
    }

    fn filter(&mut self, a: f64, b: f64) {
        let r = self.predicted();
        let x = [b, 1.0];
        let q = self.q(&r, b);
        let e = a - (self.theta[0] * b + self.theta[1]);
        let rx = [r[0][0] * x[0] + r[0][1], r[1][0] * x[0] + r[1][1]];
        let gain = [rx[0] / q, rx[1] / q];
        self.theta = [self.theta[0] + gain[0] * e, self.theta[1] + gain[1] * e];
        // x R (a row vector) is R x' transposed, R being symmetric.
        for i in 0..2 {
            for j in 0..2 {
                self.p[i][j] = r[i][j] - gain[i] * rx[j];
            }
        }
        self.filtered += 1;
    }
}

impl Reference for KalmanReference {
    fn decide(&mut self, tick: &Tick<'_>, held: Held) -> Option<IntentKind> {
        for &(a, b) in &tick.rows[self.filtered..] {
            self.filter(a, b);
        }
        if self.filtered < KALMAN_WARMUP_ROWS {
            return None;
        }
        let e = tick.a - (self.theta[0] * tick.b + self.theta[1]);
        let sd = self.q(&self.predicted(), tick.b).sqrt();
        self.forecasts.push((e, sd));
        let k = self.k;
        let decision = match held {
            Held::Flat if e > k.entry_k * sd => Some(IntentKind::Open(Direction::ShortSpread)),
            Held::Flat if e < -k.entry_k * sd => Some(IntentKind::Open(Direction::LongSpread)),
            Held::Open(Direction::ShortSpread, _) if e < k.exit_k * sd => {
                Some(IntentKind::Close(CloseReason::Exit))
            }
            Held::Open(Direction::LongSpread, _) if e > -k.exit_k * sd => {
                Some(IntentKind::Close(CloseReason::Exit))
            }
            _ => None,
        };
        if decision.is_some() {
            self.at_decisions.push((e, sd));
        }
        decision
    }
}

/// The original rule from two-pass statistics: at each re-estimation beta = mean(A) / mean(B)
/// over the last `WINDOW` rows and VR = std(returns of A) / std(returns of B) over the last
/// `WINDOW` returns; short A / long B when A is below beta B and VR < 1, long A / short B when A
/// is above it and VR > 1; the opposite signal closes.
#[derive(Default)]
struct SeedReference {
    beta: Option<f64>,
    vr: Option<f64>,
}

impl Reference for SeedReference {
    fn decide(&mut self, tick: &Tick<'_>, held: Held) -> Option<IntentKind> {
        let n = tick.rows.len();
        if tick.evaluate {
            self.beta = (n >= WINDOW).then(|| {
                let w = &tick.rows[n - WINDOW..];
                mean(w.iter().map(|r| r.0)) / mean(w.iter().map(|r| r.1))
            });
            self.vr = if n > WINDOW {
                let w = &tick.rows[n - WINDOW - 1..];
                let ret_a = w.windows(2).map(|p| p[1].0 / p[0].0 - 1.0);
                let ret_b = w.windows(2).map(|p| p[1].1 / p[0].1 - 1.0);
                let (ssa, ssb) = (squares(ret_a), squares(ret_b));
                (ssa > 0.0 && ssb > 0.0).then(|| (ssa / ssb).sqrt())
            } else {
                None
            };
        }
        let (beta, vr) = (self.beta?, self.vr?);
        let fair = beta * tick.b;
        let signal = if tick.a < fair && vr < 1.0 {
            Some(Direction::ShortSpread)
        } else if tick.a > fair && vr > 1.0 {
            Some(Direction::LongSpread)
        } else {
            None
        };
        match (held, signal) {
            (Held::Flat, Some(d)) => Some(IntentKind::Open(d)),
            (Held::Open(d, _), Some(s)) if s != d => Some(IntentKind::Close(CloseReason::Exit)),
            _ => None,
        }
    }
}

/// Legs of an intent: A and B in order, the sides a direction implies.
fn check_legs(intent: &OrderIntent, qty_b: u32) {
    let (side_a, side_b) = match intent.kind {
        IntentKind::Open(Direction::LongSpread) => (Side::Buy, Side::Sell),
        IntentKind::Open(Direction::ShortSpread) => (Side::Sell, Side::Buy),
        IntentKind::Close(_)
        | IntentKind::Rebalance
        | IntentKind::RebalancePart
        | IntentKind::StepOpen
        | IntentKind::StepClose => return,
    };
    assert_eq!(
        (intent.legs[0].instrument, intent.legs[1].instrument),
        (0, 1)
    );
    assert_eq!((intent.legs[0].side, intent.legs[1].side), (side_a, side_b));
    assert_eq!((intent.legs[0].qty, intent.legs[1].qty), (100, qty_b));
}

/// Closes reverse the legs of the open before them, quantities included.
fn check_round_trips(intents: &[OrderIntent]) {
    for pair in intents.windows(2) {
        if let (IntentKind::Open(_), IntentKind::Close(_)) = (pair[0].kind, pair[1].kind) {
            for leg in 0..2 {
                assert_eq!(pair[1].legs[leg].side, pair[0].legs[leg].side.opposite());
                assert_eq!(pair[1].legs[leg].qty, pair[0].legs[leg].qty);
            }
        }
    }
    for w in intents.windows(2) {
        assert!(
            matches!(
                (w[0].kind, w[1].kind),
                (IntentKind::Open(_), IntentKind::Close(_))
                    | (IntentKind::Close(_), IntentKind::Open(_))
            ),
            "opens and closes alternate: {:?}",
            kinds(intents)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// z-score

#[test]
fn zscore_enters_beyond_entry_and_exits_at_exit_on_a_mean_reverting_spread() {
    for evaluation_secs in [0.0, 5.0] {
        let series = ou_pair(&mut Rng::new(11, 1), 1500, 0.4, 8.0);
        let quotes = quote_stream(&series);
        let p = params(StrategyKind::Zscore, evaluation_secs, Sizing::Beta);
        let (strategy, intents) = run(&p, &quotes);

        let mut reference = ZScoreReference::new(p.zscore);
        let want = expected(&quotes, evaluation_secs, &mut reference);
        assert!(
            margin(&reference.zs, &p.zscore) > 1e-9,
            "a z-score sits on a threshold"
        );
        assert_eq!(
            kinds(&intents),
            want,
            "evaluation every {evaluation_secs} s"
        );

        let opens = intents
            .iter()
            .filter(|i| matches!(i.kind, IntentKind::Open(_)))
            .count();
        let exits = intents
            .iter()
            .filter(|i| i.kind == IntentKind::Close(CloseReason::Exit))
            .count();
        assert!(opens >= 10 && exits >= 10, "{opens} entries, {exits} exits");
        // The z-score at each decision, from the reference's own window statistics, against the
        // thresholds: entries beyond `entry` (and short of `stop`), exits back inside `exit`.
        for (intent, &(z, beta)) in intents.iter().zip(&reference.at_decisions) {
            match intent.kind {
                IntentKind::Open(Direction::ShortSpread) => assert!(z > 2.0 && z < 4.0, "{z}"),
                IntentKind::Open(Direction::LongSpread) => assert!(z < -2.0 && z > -4.0, "{z}"),
                IntentKind::Close(CloseReason::Exit) => assert!(z.abs() <= 4.0, "{z}"),
                // A mean-reverting spread has its tails too.
                IntentKind::Close(CloseReason::Stop) => assert!(z.abs() > 4.0, "{z}"),
                IntentKind::Close(reason) => panic!("unexpected close {reason:?} at z = {z}"),
                IntentKind::Rebalance
                | IntentKind::RebalancePart
                | IntentKind::StepOpen
                | IntentKind::StepClose => panic!("a pair never rebalances"),
            }
            // Beta-weighted: B quantity = round(100 x beta), beta the rolling OLS estimate at the
            // decision (of the generating 2, but noisy over 60 rows of an autocorrelated spread).
            assert!(beta.is_finite() && beta > 0.0, "beta {beta}");
            check_legs(intent, (100.0 * beta).round() as u32);
        }
        for pair in intents.windows(2).zip(reference.at_decisions.windows(2)) {
            if let (IntentKind::Open(d), IntentKind::Close(CloseReason::Exit)) =
                (pair.0[0].kind, pair.0[1].kind)
            {
                let z = pair.1[1].0;
                match d {
                    Direction::ShortSpread => assert!(z < 0.5, "short closed at {z}"),
                    Direction::LongSpread => assert!(z > -0.5, "long closed at {z}"),
                }
            }
        }
        check_round_trips(&intents);
        let c = strategy.counters();
        assert_eq!(c.quotes, quotes.len() as u64);
        assert_eq!(c.intents, intents.len() as u64);
        assert!(strategy.hedge_ratio().is_some_and(f64::is_finite));
    }
}

#[test]
fn zscore_with_the_ema_kernel_decides_by_exponentially_weighted_moments() {
    // strategy.kernel = "ema": the same rule on pandas-style exponentially weighted moments of
    // every grid row (half-life 15 rows), after a warm-up of `window_secs`; checked against a
    // two-pass weighted reference.
    for evaluation_secs in [0.0, 5.0] {
        let series = ou_pair(&mut Rng::new(11, 1), 1500, 0.4, 8.0);
        let quotes = quote_stream(&series);
        let mut p = params(StrategyKind::Zscore, evaluation_secs, Sizing::Beta);
        p.kernel = KernelKind::Ema;
        p.half_life_secs = 15.0;
        let (strategy, intents) = run(&p, &quotes);
        let mut reference = ZScoreReference::with_half_life(p.zscore, 15.0);
        let want = expected(&quotes, evaluation_secs, &mut reference);
        assert!(
            margin(&reference.zs, &p.zscore) > 1e-9,
            "a z-score sits on a threshold"
        );
        assert_eq!(
            kinds(&intents),
            want,
            "evaluation every {evaluation_secs} s"
        );
        let opens = intents
            .iter()
            .filter(|i| matches!(i.kind, IntentKind::Open(_)))
            .count();
        assert!(opens >= 10, "{opens} entries");
        assert!(
            intents[0].t_ns >= T0 + WINDOW as u64 * SEC,
            "decided during the warm-up"
        );
        check_round_trips(&intents);
        assert!(strategy.hedge_ratio().is_some_and(f64::is_finite));
    }
    // The default stays the rectangular window.
    let default = EngineParams::from_toml("default.toml", &engine_text("zscore")).unwrap();
    assert_eq!(default.strategy.kernel, KernelKind::Rect);
    let bad =
        engine_text("zscore").replace("sizing", "kernel = \"ema\"\nhalf_life_secs = 0.0\nsizing");
    let err = EngineParams::from_toml("bad.toml", &bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("strategy.half_life_secs"), "{err}");
}

#[test]
fn the_regime_filter_blocks_entries_only_while_the_spread_trends() {
    // A mean-reverting spread: a Hurst limit of 0.99 never binds once the filter's window is
    // full (the same intents as without the filter from then on, none before); a limit of 0.01
    // always does (no entry at all).
    let series = ou_pair(&mut Rng::new(11, 1), 1500, 0.4, 8.0);
    let quotes = quote_stream(&series);
    let off = params(StrategyKind::Zscore, 5.0, Sizing::Beta);
    let (_, without) = run(&off, &quotes);
    assert!(!without.is_empty());
    let mut lenient = off.clone();
    lenient.zscore.max_hurst = 0.99;
    lenient.zscore.hurst_window_secs = 128.0;
    // 128 rows of changes (two quotes per row) after the first row with a hedge ratio.
    let (_, with_filter) = run(&lenient, &quotes);
    let first = with_filter.first().map_or(u64::MAX, |i| i.seq);
    assert!(
        first > 2 * 128,
        "entered at seq {first}, before the Hurst window was full"
    );
    let later: Vec<_> = kinds(&without)
        .into_iter()
        .filter(|(seq, _)| *seq >= first)
        .collect();
    assert_eq!(kinds(&with_filter), later);
    assert!(with_filter.len() >= 10);
    let mut strict = lenient.clone();
    strict.zscore.max_hurst = 0.01;
    let (_, blocked) = run(&strict, &quotes);
    assert!(blocked.is_empty(), "{:?}", kinds(&blocked));

    // Between the two: the OU spread's changes are anti-persistent (H well below 0.5), a
    // trending spread's are persistent; a limit of 0.5 lets the first trade.
    let mut typical = lenient.clone();
    typical.zscore.max_hurst = 0.5;
    let (_, traded) = run(&typical, &quotes);
    assert!(!traded.is_empty());

    // Validation: the window must span at least 64 grid steps when the filter is on.
    let bad = engine_text("zscore").replace(
        "min_edge_ratio = 1.0",
        "min_edge_ratio = 1.0\nmax_hurst = 0.6\nhurst_window_secs = 10.0",
    );
    let err = EngineParams::from_toml("bad.toml", &bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("strategy.zscore.hurst_window_secs"), "{err}");
}

#[test]
fn zscore_stops_out_on_a_trending_spread() {
    let mut series = ou_pair(&mut Rng::new(23, 1), 3 * WINDOW, 0.3, 5.0);
    // Then the spread runs away: A climbs 0.6 a second against B.
    let mut rng = Rng::new(23, 2);
    let (mut a, mut b) = (*series.a.last().unwrap(), *series.b.last().unwrap());
    for _ in 0..40 {
        let db = 0.05 * rng.normal();
        b += db;
        a += 2.0 * db + 0.6;
        series.push(a, b);
    }
    let quotes = quote_stream(&series);
    let p = params(StrategyKind::Zscore, 0.0, Sizing::Beta);
    let (_, intents) = run(&p, &quotes);
    let mut reference = ZScoreReference::new(p.zscore);
    let want = expected(&quotes, 0.0, &mut reference);
    assert!(margin(&reference.zs, &p.zscore) > 1e-9);
    assert_eq!(kinds(&intents), want);

    let trend_starts = 2 * 3 * WINDOW as u64;
    let during: Vec<_> = intents.iter().filter(|i| i.seq > trend_starts).collect();
    assert!(during.len() >= 2, "{:?}", kinds(&intents));
    assert_eq!(during[0].kind, IntentKind::Open(Direction::ShortSpread));
    assert_eq!(during[1].kind, IntentKind::Close(CloseReason::Stop));
    let k = intents.iter().position(|i| i.seq == during[1].seq).unwrap();
    let z = reference.at_decisions[k].0;
    assert!(z > p.zscore.stop, "stopped at z = {z}");
    // After a stop no re-entry while the spread stays away.
    assert_eq!(during.len(), 2, "{:?}", kinds(&intents));
}

#[test]
fn zscore_closes_positions_held_too_long() {
    // A slow spread on a quiet B: positions outlast the limit.
    let series = regime_pair(&mut Rng::new(5, 1), 1200, 0.4, 100.0, [0.02, 0.02], 1200);
    let quotes = quote_stream(&series);
    let mut p = params(StrategyKind::Zscore, 0.0, Sizing::Beta);
    p.zscore.max_hold_secs = 10.0;
    let (_, intents) = run(&p, &quotes);
    let mut reference = ZScoreReference::new(p.zscore);
    let want = expected(&quotes, 0.0, &mut reference);
    assert!(margin(&reference.zs, &p.zscore) > 1e-9);
    assert_eq!(kinds(&intents), want);
    let timeouts: Vec<_> = intents
        .windows(2)
        .filter(|w| w[1].kind == IntentKind::Close(CloseReason::Timeout))
        .collect();
    assert!(!timeouts.is_empty(), "{:?}", kinds(&intents));
    for w in timeouts {
        let held = w[1].t_ns - w[0].t_ns;
        assert!(held > 10 * SEC && held <= 11 * SEC, "held {held} ns");
    }
}

#[test]
fn zscore_skips_entries_whose_edge_does_not_cover_costs() {
    let series = ou_pair(&mut Rng::new(11, 1), 600, 0.4, 8.0);
    let quotes = quote_stream(&series);
    let mut p = params(StrategyKind::Zscore, 0.0, Sizing::Beta);
    let (_, free) = run(&p, &quotes);
    assert!(!free.is_empty());
    // A spread of 0.4 moves at most a few dollars on 100 shares: far below 1,000 x the cost.
    p.zscore.min_edge_ratio = 1000.0;
    let costs = CostParams {
        commission_per_share: 0.005,
        commission_min: 1.0,
        book_levels: 5,
    };
    let mut strategy = PairStrategy::new(0, 0, 1, &p, &costs, &fresh_pair());
    assert!(quotes.iter().all(|q| strategy.on_quote(q).is_none()));
    assert!(strategy.counters().edge_too_small > 0);
}

// ---------------------------------------------------------------------------------------------
// seed

/// A and B swinging around 100 and 50 by `swing_a` and `swing_b` (alternating each second).
fn swings(series: &mut Series, steps: usize, swing_a: f64, swing_b: f64) {
    for _ in 0..steps {
        let sign = if series.a.len().is_multiple_of(2) {
            1.0
        } else {
            -1.0
        };
        series.push(100.0 + sign * swing_a, 50.0 + sign * swing_b);
    }
}

#[test]
fn seed_opens_and_closes_by_fair_value_and_volatility_ratio() {
    // Phase 1: A is the volatile leg (VR > 1). Phase 2: B is (VR < 1). Phase 3: A again.
    let mut series = Series::default();
    swings(&mut series, 2 * WINDOW, 0.5, 0.05);
    swings(&mut series, 2 * WINDOW, 0.05, 0.5);
    swings(&mut series, 2 * WINDOW, 0.5, 0.05);
    let quotes = quote_stream(&series);
    for evaluation_secs in [0.0, 20.0] {
        let p = params(StrategyKind::Seed, evaluation_secs, Sizing::Equal);
        let (strategy, intents) = run(&p, &quotes);
        let want = expected(&quotes, evaluation_secs, &mut SeedReference::default());
        assert_eq!(
            kinds(&intents),
            want,
            "evaluation every {evaluation_secs} s"
        );
        // Long A / short B while A swings above its fair value with VR > 1; the short signal of
        // phase 2 closes it and opens the other way; phase 3 turns it back.
        let phase = |i: &OrderIntent| (i.seq - 1) / (2 * 2 * WINDOW as u64);
        let summary: Vec<(u64, IntentKind)> = intents.iter().map(|i| (phase(i), i.kind)).collect();
        assert_eq!(
            summary,
            [
                (0, IntentKind::Open(Direction::LongSpread)),
                (1, IntentKind::Close(CloseReason::Exit)),
                (1, IntentKind::Open(Direction::ShortSpread)),
                (2, IntentKind::Close(CloseReason::Exit)),
                (2, IntentKind::Open(Direction::LongSpread)),
            ]
        );
        // No signal before the window (and one more row for the returns) is full.
        assert!(intents[0].seq > 2 * WINDOW as u64);
        for intent in &intents {
            check_legs(intent, 100); // equal quantities
        }
        check_round_trips(&intents);
        let beta = strategy.hedge_ratio().expect("defined");
        assert!((beta - 2.0).abs() < 0.01, "{beta}");
    }
    // On a random series where the volatility ratio swings across 1 the rule still holds exactly.
    let series = regime_pair(&mut Rng::new(3, 1), 1200, 0.4, 8.0, [0.3, 0.02], 150);
    let quotes = quote_stream(&series);
    let p = params(StrategyKind::Seed, 5.0, Sizing::Equal);
    let (_, intents) = run(&p, &quotes);
    assert_eq!(
        kinds(&intents),
        expected(&quotes, 5.0, &mut SeedReference::default())
    );
    assert!(intents.len() >= 4, "{:?}", kinds(&intents));
}

// ---------------------------------------------------------------------------------------------
// kalman

#[test]
fn kalman_enters_when_the_forecast_error_exceeds_entry_k_deviations() {
    let series = ou_pair(&mut Rng::new(17, 1), 1200, 0.3, 6.0);
    let quotes = quote_stream(&series);
    let p = params(StrategyKind::Kalman, 5.0, Sizing::Equal);
    let (strategy, intents) = run(&p, &quotes);
    let mut reference = KalmanReference::new(p.kalman);
    let want = expected(&quotes, 5.0, &mut reference);
    let margin = reference
        .forecasts
        .iter()
        .map(|(e, sd)| (e.abs() - p.kalman.entry_k * sd).abs().min(e.abs()))
        .fold(f64::INFINITY, f64::min);
    assert!(margin > 1e-9, "a forecast error sits on a threshold");
    assert_eq!(kinds(&intents), want);
    assert!(intents.len() >= 20, "{:?}", kinds(&intents));
    for (intent, &(e, sd)) in intents.iter().zip(&reference.at_decisions) {
        match intent.kind {
            IntentKind::Open(Direction::ShortSpread) => assert!(e > p.kalman.entry_k * sd),
            IntentKind::Open(Direction::LongSpread) => assert!(e < -p.kalman.entry_k * sd),
            IntentKind::Close(CloseReason::Exit) => {}
            other => panic!("unexpected {other:?}"),
        }
        check_legs(intent, 100);
    }
    check_round_trips(&intents);
    // No decision before the filter has warmed up.
    assert!(intents[0].seq > 2 * KALMAN_WARMUP_ROWS as u64);
    let beta = strategy.hedge_ratio().expect("warmed up");
    assert!((beta - 2.0).abs() < 0.2, "filtered beta {beta}");
}

// ---------------------------------------------------------------------------------------------
// constant prices

#[test]
fn constant_prices_give_no_signal_and_no_nan() {
    let mut series = Series::default();
    for _ in 0..400 {
        series.push(100.0, 50.0);
    }
    let quotes = quote_stream(&series);
    for kind in [
        StrategyKind::Seed,
        StrategyKind::Zscore,
        StrategyKind::Kalman,
        StrategyKind::Var,
    ] {
        for evaluation_secs in [0.0, 5.0] {
            let p = params(kind, evaluation_secs, Sizing::Beta);
            let (strategy, intents) = run(&p, &quotes);
            assert!(intents.is_empty(), "{kind:?}: {:?}", kinds(&intents));
            let c = strategy.counters();
            assert_eq!(c.quotes, 800, "{kind:?}");
            assert_eq!(c.grid_rows, 399, "{kind:?}");
            assert_eq!(c.intents, 0, "{kind:?}");
            assert!(
                c.undefined > 0,
                "{kind:?}: undefined statistics are counted"
            );
            if let Some(h) = strategy.hedge_ratio() {
                assert!(h.is_finite(), "{kind:?}: hedge ratio {h}");
            }
            match kind {
                // No variance in B: no regression.
                StrategyKind::Zscore => assert_eq!(strategy.hedge_ratio(), None),
                // The mean ratio is defined; the volatility ratio is not.
                StrategyKind::Seed => {
                    assert!(
                        strategy
                            .hedge_ratio()
                            .is_some_and(|h| (h - 2.0).abs() < 1e-12)
                    )
                }
                StrategyKind::Kalman => assert!(strategy.hedge_ratio().is_some()),
                // No cold fit here (and none is defined on constant prices).
                StrategyKind::Var => assert_eq!(strategy.hedge_ratio(), None),
                // Baskets have no pair strategy (tests/basket.rs).
                StrategyKind::Basket => unreachable!("not among the kinds above"),
            }
        }
    }
    // Through the backtest: no orders, and every number of the summary is finite.
    for kind in ["seed", "zscore", "kalman", "var"] {
        let csv = quotes_csv(&quotes);
        let out = backtest(kind, &csv);
        assert_eq!(out.summary.orders, 0, "{kind}");
        let s = &out.summary;
        let b = s.backtest();
        let mut numbers = vec![
            b.gross_pnl,
            s.pnl.commissions,
            s.pnl.net,
            b.max_drawdown,
            b.turnover,
            b.time_in_market,
        ];
        numbers.extend(b.sharpe);
        for p in &s.pairs {
            let t = p.trading.expect("the backtest reports trading per pair");
            numbers.extend([
                p.realized_pnl,
                p.unrealized_pnl,
                p.commissions,
                p.net_pnl,
                t.time_in_market,
                t.turnover,
                p.position_a,
                p.position_b,
            ]);
        }
        for st in &s.strategies {
            numbers.extend(st.hedge_ratio);
        }
        assert!(numbers.iter().all(|x| x.is_finite()), "{kind}: {numbers:?}");
        assert_eq!(out.summary.pnl.net, 0.0);
        assert_eq!(out.summary.backtest().rows.quotes, 800);
    }
}

// ---------------------------------------------------------------------------------------------
// Backtest: causality, determinism, malformed rows

/// Engine parameters for the backtests here: pair AAA/BBB on a 1 s grid with a 60 s window.
fn engine_text(kind: &str) -> String {
    format!(
        "[strategy]\nkind = \"{kind}\"\ngrid_secs = 1.0\nwindow_secs = 60.0\nevaluation_secs = 5.0\n\
         base_qty = 100\nsizing = \"equal\"\n\n[strategy.zscore]\nentry = 2.0\nexit = 0.5\n\
         stop = 4.0\nmax_hold_secs = 120.0\nmin_edge_ratio = 1.0\n\n[strategy.kalman]\n\
         delta = 0.000001\nobservation_var = 0.01\nentry_k = 1.0\nexit_k = 0.0\n\n\
         [strategy.var]\nmax_lags = 2\nrefit_secs = 10.0\n\n\
         [[pairs]]\na = \"AAA\"\nb = \"BBB\"\n"
    )
}

fn backtest(kind: &str, csv: &str) -> BacktestOutput {
    let params = EngineParams::from_toml("strategy-test.toml", &engine_text(kind)).unwrap();
    let mut bt = Backtest::new(&params);
    bt.run_reader(csv.as_bytes(), |_| {}).expect("reads");
    bt.finish()
}

/// The quotes as a quote file, prices to the cent.
fn quotes_csv(quotes: &[Quote]) -> String {
    let mut s = String::from("ts_ns,symbol,bid,bid_size,ask,ask_size\n");
    for q in quotes {
        let sym = if q.instrument == 0 { "AAA" } else { "BBB" };
        // Cent prices: the mid rounded to the cent, then one cent wide.
        let bid = (q.mid() * 100.0).round() / 100.0;
        s.push_str(&format!(
            "{},{sym},{bid:.2},{},{:.2},{}\n",
            q.t_ns,
            q.bid_size,
            bid + 0.01,
            q.ask_size
        ));
    }
    s
}

/// A long mean-reverting stream with plenty of trades for every model.
fn trading_csv() -> String {
    quotes_csv(&quote_stream(&regime_pair(
        &mut Rng::new(31, 1),
        2400,
        0.5,
        10.0,
        [0.3, 0.02],
        200,
    )))
}

fn order_rows(out: &BacktestOutput) -> Vec<String> {
    String::from_utf8(out.orders_csv.clone())
        .unwrap()
        .lines()
        .skip(1)
        .map(String::from)
        .collect()
}

#[test]
fn signals_do_not_depend_on_later_ticks() {
    let csv = trading_csv();
    let lines: Vec<&str> = csv.lines().collect();
    for kind in ["seed", "zscore", "kalman"] {
        let whole = order_rows(&backtest(kind, &csv));
        assert!(whole.len() >= 8, "{kind}: {} orders", whole.len());
        for cut in [300, 1001, 2222, 3500, 4799] {
            let prefix = lines[..cut].join("\n") + "\n";
            let last_ts: u64 = lines[cut - 1].split(',').next().unwrap().parse().unwrap();
            let early = order_rows(&backtest(kind, &prefix));
            let whole_until: Vec<String> = whole
                .iter()
                .filter(|row| row.split(',').nth(1).unwrap().parse::<u64>().unwrap() <= last_ts)
                .cloned()
                .collect();
            assert_eq!(early, whole_until, "{kind}: prefix of {cut} lines");
        }
    }
}

/// A scratch directory under Cargo's per-target temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("strategy_tests")
        .join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

#[test]
fn the_same_input_gives_byte_identical_outputs() {
    let csv = trading_csv();
    for kind in ["seed", "zscore", "kalman"] {
        let (one, two) = (scratch(&format!("{kind}-1")), scratch(&format!("{kind}-2")));
        let first = backtest(kind, &csv);
        assert!(first.summary.fills > 0, "{kind}");
        write_outputs(&first, &one).unwrap();
        write_outputs(&backtest(kind, &csv), &two).unwrap();
        for file in [
            "orders.csv",
            "fills.csv",
            "summary.json",
            "series/AAA-BBB.csv",
        ] {
            let (a, b) = (
                std::fs::read(one.join(file)).unwrap(),
                std::fs::read(two.join(file)).unwrap(),
            );
            assert!(a.len() > 60, "{kind}/{file} is empty");
            assert!(a == b, "{kind}/{file} differs between runs");
        }
    }
}

/// The trading stream with malformed rows spliced in after its first two quotes; the expected
/// report, by line (the header is line 1).
fn with_bad_rows() -> (String, Vec<RowError>) {
    let csv = trading_csv();
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    let t = lines[2].split(',').next().unwrap().parse::<u64>().unwrap();
    let bad = [
        (
            format!("{t},AAA,1o5.00,500,105.01,500"),
            RowProblem::BadNumber,
        ),
        (
            format!("{t},ZZZ,105.00,500,105.01,500"),
            RowProblem::UnknownSymbol,
        ),
        (
            format!("{},AAA,105.00,500,105.01,500", t - 1),
            RowProblem::TimeBackwards,
        ),
        (
            format!("{t},AAA,105.02,500,105.01,500"),
            RowProblem::CrossedQuote,
        ),
        (format!("{t},AAA,105.00,500,105.01"), RowProblem::FieldCount),
        (
            format!("{t},AAA,105.00,500,105.01,500,7"),
            RowProblem::FieldCount,
        ),
        (
            format!("x{t},AAA,105.00,500,105.01,500"),
            RowProblem::BadTimestamp,
        ),
        (
            format!("{t},BBB,-50.00,500,50.01,500"),
            RowProblem::BadNumber,
        ),
    ];
    let mut errors = Vec::new();
    for (k, (row, problem)) in bad.into_iter().enumerate() {
        lines.insert(3 + k, row);
        errors.push(RowError {
            line: 4 + k as u64,
            problem,
        });
    }
    (lines.join("\n") + "\n", errors)
}

#[test]
fn malformed_rows_are_reported_by_line_and_counted_and_the_run_completes() {
    let (csv, errors) = with_bad_rows();
    let data_rows = csv.lines().count() as u64 - 1;
    let out = backtest("zscore", &csv);
    let s = out.summary.backtest();
    assert_eq!(s.first_errors, errors);
    assert_eq!(s.rows.rows, data_rows);
    assert_eq!(s.rows.quotes, data_rows - 8);
    assert_eq!(
        (
            s.rows.bad_number,
            s.rows.unknown_symbol,
            s.rows.time_backwards,
            s.rows.crossed_quote,
            s.rows.field_count,
            s.rows.bad_timestamp
        ),
        (2, 1, 1, 1, 2, 1)
    );
    // The rest of the stream trades exactly as it does without the bad rows.
    let clean = backtest("zscore", &trading_csv());
    assert!(out.summary.orders > 0);
    assert_eq!(out.orders_csv, clean.orders_csv);
    assert_eq!(out.fills_csv, clean.fills_csv);

    // `hft backtest` reports the lines and still writes its outputs.
    let dir = scratch("malformed-cli");
    let (params, ticks, out_dir) = (
        dir.join("params.toml"),
        dir.join("ticks.csv"),
        dir.join("out"),
    );
    std::fs::write(&params, engine_text("zscore")).unwrap();
    std::fs::write(&ticks, &csv).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_hft"))
        .arg("backtest")
        .arg("--params")
        .arg(&params)
        .arg("--ticks")
        .arg(&ticks)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("hft runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    for e in &errors {
        let line = format!("line {}: {:?}", e.line, e.problem);
        assert!(stderr.contains(&line), "missing {line:?} in {stderr}");
    }
    assert_eq!(
        std::fs::read(out_dir.join("orders.csv")).unwrap(),
        out.orders_csv
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["rows"]["bad_number"], 2);
    assert_eq!(summary["first_errors"][0]["line"], 4);
}

/// Defect 14: the strategy assumed its intents filled. An entry dispatch refused left it
/// believing it held a spread: it waited for an exit (a close of nothing) instead of trading
/// the next entry. It now believes what dispatch reports back.
#[test]
fn a_refused_entry_leaves_the_strategy_flat_and_an_old_outcome_changes_nothing() {
    use hft::strategy::Position;
    use hft::types::IntentOutcome;
    let series = ou_pair(&mut Rng::new(11, 1), 1500, 0.4, 8.0);
    let quotes = quote_stream(&series);
    let p = params(StrategyKind::Zscore, 0.0, Sizing::Beta);
    let mut strategy = PairStrategy::new(0, 0, 1, &p, &free_costs(), &fresh_pair());
    let mut k = 0;
    let entry = loop {
        if let Some(i) = strategy.on_quote(&quotes[k]) {
            break i;
        }
        k += 1;
    };
    assert!(matches!(entry.kind, IntentKind::Open(_)));
    assert!(matches!(strategy.position(), Position::Open { .. }));
    // An outcome of an older intent is not the latest word.
    let old = IntentOutcome {
        pair: 0,
        seq: entry.seq - 1,
        held: [0, 0],
        reached: false,
    };
    strategy.on_outcome(&old);
    assert!(matches!(strategy.position(), Position::Open { .. }));
    assert_eq!(strategy.counters().corrected, 0);
    // Refused: nothing held.
    strategy.on_outcome(&IntentOutcome {
        pair: 0,
        seq: entry.seq,
        held: [0, 0],
        reached: false,
    });
    assert_eq!(strategy.position(), Position::Flat);
    assert_eq!(strategy.counters().corrected, 1);
    // Partly filled and hedged at other quantities: the strategy holds what was traded.
    let (sa, sb) = match entry.kind {
        IntentKind::Open(Direction::LongSpread) => (1, -1),
        _ => (-1, 1),
    };
    strategy.on_outcome(&IntentOutcome {
        pair: 0,
        seq: entry.seq,
        held: [sa * 40, sb * 30],
        reached: false,
    });
    match strategy.position() {
        Position::Open { qty_a, qty_b, .. } => assert_eq!((qty_a, qty_b), (40, 30)),
        p => panic!("{p:?}"),
    }
    // The next decisions trade from what is held: the next intent is a close of it.
    let next = quotes[k + 1..]
        .iter()
        .find_map(|q| strategy.on_quote(q))
        .unwrap();
    assert!(matches!(next.kind, IntentKind::Close(_)), "{next:?}");
    assert_eq!((next.legs[0].qty, next.legs[1].qty), (40, 30));
}
