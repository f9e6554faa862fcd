//! The basket strategy (`kind = "basket"`; Avellaneda and Lee, "Statistical arbitrage in the
//! U.S. equities market", *Quantitative Finance*, 2010): a universe of up to
//! [`MAX_BASKET_LEGS`] names resampled onto the grid like pairs, log returns kept in a fixed ring, a
//! factor model ([`BasketRefit`], on the cold model thread) refitted every `evaluation_secs` on a
//! snapshot of that ring, and on each new fit the paper's rules per name:
//!
//! - open long when `s < open_long` (-1.25), open short when `s > open_short` (1.25);
//! - close a long when `s > close_long` (-0.50), a short when `s < close_short` (0.75);
//! - open only names whose mean-reversion time 1/kappa is below the bound (half the residual
//!   window unless set);
//! - with a value tilt ([`ValueTilt`], `strategy.basket.value_tilt` = `w`), every rule compares
//!   `s - w z` instead of `s`, `z` the name's standardised value score known on the decision's
//!   day (cheap names long sooner, rich names short sooner).
//!
//! Each position is `position_usd` dollars in its name, hedged with its factor loadings
//! ([`BasketFit::hedge`]), in shares at the mids of the grid row the fit was made at. The positions of all names are netted into one target per name and,
//! when a name's state changed, sent as one [`IntentKind::Rebalance`] intent (one order per name
//! in dispatch), or a close when every target is zero. A basket of more names than one intent
//! carries (`types::MAX_LEGS`) sends its targets in chunks ([`rebalance_chunks`]): the
//! [`IntentKind::RebalancePart`]s ([`BasketStrategy::leading_parts`]) and then the intent that
//! completes them, all under one sequence number. Targets are kept until the next state
//! change (the hedge is not re-traded on every fit). Time comes only from the quotes.
//!
//! What the strategy believes it holds follows dispatch's outcomes: one intent at a time; a
//! trade that completed confirms the states it was sent with, one refused keeps the states
//! confirmed before, one that ended flat (unwound) leaves every name flat.

use super::StrategyCounters;
use super::basket_fit::{BasketFit, BasketRefit, BasketSnapshot};
use super::basket_value::ValueTilt;
use crate::config::StrategyParams;
use crate::stats::GridResampler;
use crate::types::{
    CloseReason, IntentKind, IntentOutcome, Leg, Legs, MAX_BASKET_LEGS, OrderIntent, Quote, Side,
    rebalance_chunks,
};

/// A name's position as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameState {
    #[default]
    Flat,
    Long,
    Short,
}

impl NameState {
    fn sign(self) -> f64 {
        match self {
            NameState::Flat => 0.0,
            NameState::Long => 1.0,
            NameState::Short => -1.0,
        }
    }
}

/// One row of a basket's chart data (`series/basket-<b>.csv`): the s-scores of a fit and the
/// targets the strategy then held. `Copy`, logged into a buffer sized at start-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BasketSample {
    /// Event time of the quote the fit was applied on.
    pub t_ns: u64,
    pub s_score: [f64; MAX_BASKET_LEGS],
    /// Signed target shares per name after the decision.
    pub target: [i64; MAX_BASKET_LEGS],
}

const _: () = assert!(crate::config::MAX_BASKET_NAMES == MAX_BASKET_LEGS);

/// One basket's strategy (see the module docs).
pub struct BasketStrategy {
    slot: u16,
    /// Instrument indices of its names (the first `n`).
    instruments: [u16; MAX_BASKET_LEGS],
    n: usize,
    /// The legs (targets) of the latest decision, one per name: what its intents carry.
    decided: [Leg; MAX_BASKET_LEGS],
    grid: GridResampler,
    /// The previous grid row's mids (0 until the first row).
    last_row: [f64; MAX_BASKET_LEGS],
    /// Log returns, a ring of `window` rows x `n`, oldest at `head` once full.
    returns: Box<[f64]>,
    window: usize,
    head: usize,
    rows: usize,
    eval_every_ns: u64,
    next_eval_ns: u64,
    refit_due: bool,
    states: [NameState; MAX_BASKET_LEGS],
    /// States of the last intent dispatch reported complete (what is held).
    confirmed: [NameState; MAX_BASKET_LEGS],
    targets: [i64; MAX_BASKET_LEGS],
    confirmed_targets: [i64; MAX_BASKET_LEGS],
    /// The intent waiting for its outcome.
    pending: Option<u64>,
    params: crate::config::BasketStrategyParams,
    last_fit: Option<BasketFit>,
    /// The most names with a non-zero confirmed target at once.
    max_names_held: usize,
    /// The value tilt, when `strategy.basket.value_tilt > 0` (set at start-up).
    value_tilt: Option<ValueTilt>,
    counters: StrategyCounters,
}

impl BasketStrategy {
    /// The strategy of strategy slot `slot` over `instruments` (at most [`MAX_BASKET_LEGS`]).
    pub fn new(slot: u16, instruments: &[u16], params: &StrategyParams) -> Self {
        let n = instruments.len().min(MAX_BASKET_LEGS);
        let mut names = [0; MAX_BASKET_LEGS];
        names[..n].copy_from_slice(&instruments[..n]);
        let flat = Leg {
            instrument: 0,
            side: Side::Buy,
            qty: 0,
        };
        let window = params.basket.factor_window;
        let step_ns = ((params.grid_secs * 1e9) as u64).max(1);
        BasketStrategy {
            slot,
            instruments: names,
            n,
            decided: [flat; MAX_BASKET_LEGS],
            grid: GridResampler::new(n.max(1), step_ns),
            last_row: [0.0; MAX_BASKET_LEGS],
            returns: vec![0.0; window * n].into_boxed_slice(),
            window,
            head: 0,
            rows: 0,
            eval_every_ns: ((params.evaluation_secs * 1e9) as u64).max(step_ns),
            next_eval_ns: 0,
            refit_due: false,
            states: [NameState::Flat; MAX_BASKET_LEGS],
            confirmed: [NameState::Flat; MAX_BASKET_LEGS],
            targets: [0; MAX_BASKET_LEGS],
            confirmed_targets: [0; MAX_BASKET_LEGS],
            pending: None,
            params: params.basket.clone(),
            last_fit: None,
            max_names_held: 0,
            value_tilt: None,
            counters: StrategyCounters::default(),
        }
    }

    /// Tilts the rules by `tilt` (see the module docs); built at start-up from the
    /// fundamentals file over this basket's names, in order.
    pub fn set_value_tilt(&mut self, tilt: ValueTilt) {
        self.value_tilt = Some(tilt);
    }

    /// Its cold fit and the snapshot buffer (allocated now).
    pub fn cold_model(&self) -> (BasketRefit, BasketSnapshot) {
        BasketRefit::new(self.n, &self.params)
    }

    /// The strategy slot (dispatch's numbering: after the pairs).
    pub fn slot(&self) -> u16 {
        self.slot
    }

    /// Instrument indices of its names.
    pub fn instruments(&self) -> impl Iterator<Item = u16> + '_ {
        self.instruments[..self.n].iter().copied()
    }

    /// Counters so far.
    pub fn counters(&self) -> StrategyCounters {
        self.counters
    }

    /// The most names it held at once: non-zero targets of the intents dispatch reported
    /// complete.
    pub fn max_names_held(&self) -> usize {
        self.max_names_held
    }

    /// The states of its names as it believes them.
    pub fn states(&self) -> &[NameState] {
        &self.states[..self.n]
    }

    /// The latest fit applied.
    pub fn last_fit(&self) -> Option<&BasketFit> {
        self.last_fit.as_ref()
    }

    /// Takes a quote of one of its names: grid rows into the returns ring; a refit falls due
    /// every `evaluation_secs` once the window is full.
    #[inline]
    pub fn on_quote(&mut self, q: &Quote) {
        let Some(k) = self.instruments[..self.n]
            .iter()
            .position(|&i| i == q.instrument)
        else {
            return;
        };
        self.counters.quotes += 1;
        let mid = q.mid();
        let (returns, last_row, window, n) =
            (&mut self.returns, &mut self.last_row, self.window, self.n);
        let (head, rows, grid_rows) =
            (&mut self.head, &mut self.rows, &mut self.counters.grid_rows);
        let mut last_t = None;
        self.grid.on_tick(k, q.t_ns, mid, |t, row| {
            *grid_rows += 1;
            if last_row[0] > 0.0 {
                let at = *head * n;
                for (i, &x) in row.iter().enumerate() {
                    returns[at + i] = (x / last_row[i]).ln();
                }
                *head = (*head + 1) % window;
                *rows = (*rows + 1).min(window);
            }
            last_row[..n].copy_from_slice(row);
            last_t = Some(t);
        });
        if let Some(t) = last_t
            && self.rows == self.window
            && t >= self.next_eval_ns
        {
            self.next_eval_ns = t + self.eval_every_ns;
            self.refit_due = true;
            self.counters.evaluations += 1;
        }
    }

    /// A refit is due (taken once).
    pub fn take_refit_request(&mut self) -> bool {
        std::mem::take(&mut self.refit_due)
    }

    /// Copies the returns window, oldest row first, into `snapshot`.
    pub fn fill_snapshot(&self, snapshot: &mut BasketSnapshot) {
        let split = self.head * self.n;
        let (newer, older) = self.returns.split_at(split);
        snapshot.returns[..older.len()].copy_from_slice(older);
        snapshot.returns[older.len()..].copy_from_slice(newer);
        snapshot.mids = self.last_row;
    }

    /// A new fit: the rules decide each name's state; an intent when a state changed (and no
    /// intent is waiting for its outcome). `sample` receives the chart row.
    pub fn apply_fit(
        &mut self,
        fit: &BasketFit,
        seq: u64,
        t_ns: u64,
        mut sample: impl FnMut(BasketSample),
    ) -> Option<OrderIntent> {
        self.last_fit = Some(*fit);
        let decided = if self.pending.is_none() {
            self.decide(fit, seq, t_ns)
        } else {
            None
        };
        sample(BasketSample {
            t_ns,
            s_score: fit.s_score,
            target: self.targets,
        });
        decided
    }

    fn decide(&mut self, fit: &BasketFit, seq: u64, t_ns: u64) -> Option<OrderIntent> {
        let p = &self.params;
        let tilt = self
            .value_tilt
            .as_ref()
            .map(|t| (t.weight(), t.scores_at(t_ns)));
        let mut changed = false;
        for i in 0..self.n {
            let s = fit.s_score[i] - tilt.map_or(0.0, |(w, z)| w * z[i]);
            if !s.is_finite() {
                self.counters.undefined += 1;
                continue;
            }
            let next = match self.states[i] {
                NameState::Flat if fit.tradeable[i] && s < p.open_long => NameState::Long,
                NameState::Flat if fit.tradeable[i] && s > p.open_short => NameState::Short,
                NameState::Long if s > p.close_long => NameState::Flat,
                NameState::Short if s < p.close_short => NameState::Flat,
                state => state,
            };
            changed |= next != self.states[i];
            self.states[i] = next;
        }
        if !changed {
            return None;
        }
        // Every position with its hedge, netted per name.
        let mut dollars = [0.0; MAX_BASKET_LEGS];
        for i in 0..self.n {
            let sign = self.states[i].sign();
            if sign != 0.0 {
                for (l, d) in dollars[..self.n].iter_mut().enumerate() {
                    *d += sign * p.position_usd * fit.hedge[i][l];
                }
            }
        }
        for (l, &usd) in dollars[..self.n].iter().enumerate() {
            // Sized at the fit's row, not the latest: the decision is a function of the fit
            // alone, whichever quote applies it (the next one in a backtest, the first after
            // the model thread publishes in the engine).
            let mid = fit.mids[l];
            let shares = if mid > 0.0 {
                (usd / mid).round() as i64
            } else {
                0
            };
            self.targets[l] = shares;
            self.decided[l] = Leg {
                instrument: self.instruments[l],
                side: if shares < 0 { Side::Sell } else { Side::Buy },
                qty: shares.unsigned_abs().min(u64::from(u32::MAX)) as u32,
            };
        }
        // The intent returned completes the rebalance: the last chunk of the targets (all of
        // them for a basket of up to `MAX_LEGS` names); `leading_parts` sends the others.
        let last = rebalance_chunks(self.n).last().unwrap_or(0..0);
        let legs = Legs::from_slice(&self.decided[last]).unwrap_or_default();
        let kind = if self.targets.iter().all(|&q| q == 0) {
            IntentKind::Close(CloseReason::Exit)
        } else {
            IntentKind::Rebalance
        };
        self.counters.intents += 1;
        self.pending = Some(seq);
        Some(OrderIntent {
            pair: self.slot,
            seq,
            t_ns,
            kind,
            legs,
        })
    }

    /// The parts that go before `last` (the intent [`apply_fit`](Self::apply_fit) returned)
    /// when the basket has more names than one intent carries: its other targets, in chunks of
    /// `types::MAX_LEGS`, as [`IntentKind::RebalancePart`]s of the same sequence number, in
    /// order. Nothing for a close, nor for a basket of up to `MAX_LEGS` names.
    pub fn leading_parts(&self, last: &OrderIntent, mut emit: impl FnMut(OrderIntent)) {
        if last.kind != IntentKind::Rebalance {
            return;
        }
        for chunk in rebalance_chunks(self.n).filter(|c| c.end < self.n) {
            emit(OrderIntent {
                kind: IntentKind::RebalancePart,
                legs: Legs::from_slice(&self.decided[chunk]).unwrap_or_default(),
                ..*last
            });
        }
    }

    /// What became of an intent (see the module docs).
    pub fn on_outcome(&mut self, o: &IntentOutcome) {
        if self.pending != Some(o.seq) {
            return;
        }
        self.pending = None;
        if o.reached {
            self.confirmed = self.states;
            self.confirmed_targets = self.targets;
            let held = self.targets[..self.n].iter().filter(|&&q| q != 0).count();
            self.max_names_held = self.max_names_held.max(held);
            return;
        }
        self.counters.corrected += 1;
        if o.is_flat() {
            self.confirmed = [NameState::Flat; MAX_BASKET_LEGS];
            self.confirmed_targets = [0; MAX_BASKET_LEGS];
        }
        self.states = self.confirmed;
        self.targets = self.confirmed_targets;
    }
}
