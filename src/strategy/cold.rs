//! The strategy's side of the cold fits: the grid rows a fit needs (fixed rings, filled on the
//! signal thread), the refit schedule in event time, and applying a published [`PairFit`]. The
//! hand-over itself (snapshot buffer, parameter slot, the cold thread) is `signal::model`'s.

use super::filters::{FilterSample, PairFilters};
use super::refit::{PairFit, PairRefit, PairSnapshot};
use super::{GridSample, Model, PairStrategy};
use crate::config::{StrategyKind, StrategyParams};
use crate::stats::Ring;

/// The last `window` grid rows of both legs and when the next fit is due.
#[derive(Debug, Clone)]
pub(crate) struct ColdHistory {
    a: Ring,
    b: Ring,
    last_row_ns: u64,
    step_ns: u64,
    refit_every_ns: u64,
    next_refit_ns: u64,
    due: bool,
}

impl ColdHistory {
    /// Rings of `window` rows when `params` need cold fits; `None` otherwise.
    pub(crate) fn for_params(
        params: &StrategyParams,
        window: usize,
        step_ns: u64,
    ) -> Option<Box<Self>> {
        if !params.needs_model_thread() {
            return None;
        }
        let secs = match (params.kind == StrategyKind::Var, params.filters.any()) {
            (true, true) => params.var.refit_secs.min(params.filters.refit_secs),
            (true, false) => params.var.refit_secs,
            _ => params.filters.refit_secs,
        };
        Some(Box::new(ColdHistory {
            a: Ring::new(window),
            b: Ring::new(window),
            last_row_ns: 0,
            step_ns,
            refit_every_ns: ((secs * 1e9) as u64).max(1),
            next_refit_ns: 0,
            due: false,
        }))
    }

    /// Records a grid row at `t_ns`; a fit falls due every `refit_secs` of row time, the first
    /// `refit_secs` after the first row.
    #[inline]
    pub(crate) fn on_row(&mut self, t_ns: u64, a: f64, b: f64) {
        self.a.push(a);
        self.b.push(b);
        self.last_row_ns = t_ns;
        if self.next_refit_ns == 0 {
            self.next_refit_ns = t_ns.saturating_add(self.refit_every_ns);
        } else if t_ns >= self.next_refit_ns {
            self.due = true;
            self.next_refit_ns = t_ns.saturating_add(self.refit_every_ns);
        }
    }
}

impl PairStrategy {
    /// The cold fit of this pair and its snapshot buffer (allocated here, at full size), when
    /// the pair has one: the signal stage's model link is built from them.
    pub fn cold_model(&self, params: &StrategyParams) -> Option<(PairRefit, PairSnapshot)> {
        let c = self.cold.as_ref()?;
        Some((
            PairRefit::new(params),
            PairSnapshot::with_capacity(c.a.capacity(), c.step_ns),
        ))
    }

    /// True once when a fit fell due on the rows so far (then [`fill_snapshot`](Self::fill_snapshot)).
    #[inline]
    pub fn take_refit_request(&mut self) -> bool {
        self.cold
            .as_mut()
            .is_some_and(|c| std::mem::take(&mut c.due))
    }

    /// Copies the rows into `snap` (within its capacity: no allocation).
    pub fn fill_snapshot(&self, snap: &mut PairSnapshot) {
        snap.a.clear();
        snap.b.clear();
        if let Some(c) = &self.cold {
            let room = snap.a.capacity().min(snap.b.capacity());
            let skip = c.a.len().saturating_sub(room);
            snap.a.extend(c.a.iter().skip(skip));
            snap.b.extend(c.b.iter().skip(skip));
            snap.t_ns = c.last_row_ns;
            snap.step_ns = c.step_ns;
        }
    }

    /// Takes a fit published by the cold thread: the forecast to a `var` model, the filters'
    /// findings to the filters; a new structural break restarts the model's statistics (they
    /// re-estimate from the break on).
    pub fn apply_fit(&mut self, fit: &PairFit) {
        if let Model::Var(m) = &mut self.model {
            m.apply(fit.forecast);
        }
        if let Model::Seed(m) = &mut self.model {
            m.set_trend(fit.filters.variance_ratio);
        }
        if self.filters.apply(fit.filters) == super::filters::FilterNews::Break {
            match &mut self.model {
                Model::ZScore(m) => m.restart(),
                Model::Seed(m) => m.restart(),
                Model::Var(m) => {
                    m.restart();
                    m.apply(fit.forecast);
                }
                Model::Kalman(_) => return,
            }
            self.replay_since_break();
        }
    }

    /// Feeds the model the rows from the latest break on (once per break: O(window)).
    fn replay_since_break(&mut self) {
        let (Some(c), Some(t_break)) = (&self.cold, self.filters.state().break_t_ns) else {
            return;
        };
        let n = c.a.len();
        for (i, (a, b)) in c.a.iter().zip(c.b.iter()).enumerate() {
            let back = (n - 1 - i) as u64;
            if c.last_row_ns.saturating_sub(back * c.step_ns) >= t_break {
                self.model.on_row(a, b);
            }
        }
        self.model.evaluate();
    }

    /// The `var` model's latest forecast fit (`None` for other kinds, or before the first fit).
    pub fn spread_forecast(&self) -> Option<super::refit::SpreadForecast> {
        match &self.model {
            Model::Var(m) => m.fit(),
            _ => None,
        }
    }

    /// What the pair filters last found.
    pub fn filter_state(&self) -> &super::refit::FilterState {
        self.filters.state()
    }
}

impl GridSample {
    /// The row with what the filters and the `var` model saw at its mids.
    #[inline]
    pub(super) fn with_filters(mut self, model: &Model, filters: &PairFilters) -> GridSample {
        let state = filters.state();
        let narrow = |x: f64| x as f32;
        let mut f = FilterSample {
            vr_stat: state.variance_ratio.map(|v| narrow(v.stat)),
            reverting_prob: state.reverting_prob.map(narrow),
            break_t_ns: state.break_t_ns,
            ..FilterSample::default()
        };
        match model {
            Model::Var(m) => {
                let spread = m.spread(self.a_mid, self.b_mid);
                f.spread = spread.map(narrow);
                f.forecast = spread
                    .zip(m.forecast(self.a_mid, self.b_mid))
                    .map(|(s, (delta, _))| narrow(s + delta));
            }
            Model::ZScore(m) => f.hurst = m.hurst().map(narrow),
            _ => {}
        }
        self.filters = f;
        self
    }
}
