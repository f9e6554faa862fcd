//! A pair's signal, recorded by one backtest and replayed by others over the same quotes (the
//! families of `hft sweep`).
//!
//! A z-score pair's signal (the grid, the window's moments, the hedge ratio, the spread's
//! moments, the regime) depends on its quotes and the signal's parameters only. Sets of a sweep
//! that differ only in the rules (entry, exit, stop, holding limit, sizing, costs, execution,
//! risk) compute the same signal on every quote; one of them records it here, step by step,
//! and the others take each step instead of computing it, then apply their own rules to it.
//!
//! ```text
//!  recording: quote ──> resampler ──> model.on_row / evaluate ──> step ──> rules ──> intent
//!                                                                   │
//!  replaying: quote ──────────────────────────────────────> step <──┘ ──> rules ──> intent
//! ```
//!
//! A replaying strategy checks that each step is its quote's (time and instrument); a step
//! missing or out of step, or one left unread, marks the strategy's signal lost and it decides
//! nothing more, so the owner runs that backtest again on its own rather than report a wrong
//! row.

use super::zscore::ZSignal;

/// What one quote did to a pair's signal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignalStep {
    t_ns: u64,
    instrument: u16,
    /// The re-estimation on this quote found a statistic undefined.
    undefined: bool,
    grid_rows: u64,
    evaluations: u64,
    signal: ZSignal,
}

impl SignalStep {
    pub(crate) fn new(
        t_ns: u64,
        instrument: u16,
        undefined: bool,
        (grid_rows, evaluations): (u64, u64),
        signal: ZSignal,
    ) -> Self {
        SignalStep {
            t_ns,
            instrument,
            undefined,
            grid_rows,
            evaluations,
            signal,
        }
    }

    pub(crate) fn undefined(&self) -> bool {
        self.undefined
    }

    /// Grid rows and re-estimations so far (the recording strategy's counters).
    pub(crate) fn counts(&self) -> (u64, u64) {
        (self.grid_rows, self.evaluations)
    }

    pub(crate) fn signal(&self) -> &ZSignal {
        &self.signal
    }
}

/// One pair's steps for a stretch of quotes (a sweep's chunk of rows): written by the
/// recording strategy, then read in order by each replaying one.
#[derive(Debug, Clone, Default)]
pub struct SignalTape {
    steps: Vec<SignalStep>,
    /// The next step to replay.
    at: usize,
    replaying: bool,
}

impl SignalTape {
    /// An empty tape, recording.
    pub fn recording() -> Self {
        SignalTape {
            steps: Vec::with_capacity(4096),
            ..SignalTape::default()
        }
    }

    pub(crate) fn replaying(&self) -> bool {
        self.replaying
    }

    pub(crate) fn record(&mut self, step: SignalStep) {
        self.steps.push(step);
    }

    /// The step of the quote at `t_ns` of `instrument`, the next one on the tape; `None` when
    /// the tape has none or another quote's.
    pub(crate) fn next(&mut self, t_ns: u64, instrument: u16) -> Option<SignalStep> {
        let s = self.steps.get(self.at)?;
        if s.t_ns != t_ns || s.instrument != instrument {
            return None;
        }
        self.at += 1;
        Some(*s)
    }

    /// The steps recorded, to replay from the first (the recorder hands its tape over).
    pub fn rewind_for_replay(&mut self) {
        self.at = 0;
        self.replaying = true;
    }

    /// Every step was read (a replay ended where the recording did).
    pub fn fully_read(&self) -> bool {
        self.at == self.steps.len()
    }

    /// Back with its recorder, steps kept (another strategy may replay them).
    pub fn clear_for_replay_end(&mut self) {
        self.at = 0;
        self.replaying = false;
    }

    /// Back to recording, empty (the next stretch of quotes).
    pub fn clear_for_recording(&mut self) {
        self.steps.clear();
        self.at = 0;
        self.replaying = false;
    }
}

impl super::PairStrategy {
    /// Records this pair's signal from now on; false when its model's signal cannot be taped
    /// (only the z-score model's can, with no pair filter and no cold fit).
    pub fn record_signal(&mut self) -> bool {
        let tapeable = matches!(self.model, super::Model::ZScore(_))
            && self.cold.is_none()
            && !self.filters.any();
        if tapeable {
            self.tape = Some(SignalTape::recording());
        }
        tapeable
    }

    /// The tape, recording or replaying (`None` when the signal is computed here untaped).
    pub fn signal_tape(&mut self) -> &mut Option<SignalTape> {
        &mut self.tape
    }

    /// A replayed signal was missing or out of step with this strategy's quotes (see [`self`]):
    /// its decisions since are not the set's.
    pub fn signal_lost(&self) -> bool {
        self.signal_lost
    }

    /// Marks the replayed signal lost (a replay that left steps unread).
    pub fn lose_signal(&mut self) {
        self.signal_lost = true;
    }

    /// Takes `step` (the quote's, read from the tape) as this quote's signal; `None` when it
    /// is missing: the signal is lost and nothing is decided.
    pub(super) fn replay_step(&mut self, step: Option<SignalStep>) -> Option<()> {
        let (Some(step), false, super::Model::ZScore(m)) =
            (step, self.signal_lost, &mut self.model)
        else {
            self.signal_lost = true;
            return None;
        };
        m.load_signal(step.signal());
        (self.counters.grid_rows, self.counters.evaluations) = step.counts();
        self.counters.undefined += u64::from(step.undefined());
        Some(())
    }
}
