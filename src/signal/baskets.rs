//! The baskets' side of the signal stage: quotes routed to each basket's strategy by
//! instrument, each basket's cold fit behind its [`ModelLink`] (inline in a backtest, on the
//! model thread in the engine), and each basket's chart rows in a log sized at start-up.

use super::model::{LinkCounters, ModelLink, ModelThreadBuilder, Refit};
use crate::config::StrategyParams;
use crate::record::FixedLog;
use crate::strategy::basket::{BasketSample, BasketStrategy};
use crate::strategy::basket_fit::{BasketFit, BasketRefit, BasketSnapshot};
use crate::strategy::basket_value::ValueTilt;
use crate::types::{IntentKind, IntentOutcome, Legs, OrderIntent, Quote};

impl Refit for BasketRefit {
    type Snapshot = BasketSnapshot;
    type Params = BasketFit;
    fn refit(&mut self, snapshot: &BasketSnapshot) -> Option<BasketFit> {
        self.fit(snapshot)
    }
}

/// What one basket's strategy and its cold fit did (for `summary.json`).
#[derive(Debug, Clone, Copy, Default)]
pub struct BasketReport {
    pub counters: crate::strategy::StrategyCounters,
    pub fits: LinkCounters,
    /// [`BasketStrategy::max_names_held`].
    pub max_names_held: usize,
}

/// Every basket of the engine (slots `first_slot..`), with its link and chart rows.
#[derive(Default)]
pub struct BasketRouter {
    pub baskets: Vec<BasketStrategy>,
    links: Vec<ModelLink<BasketRefit>>,
    series: Vec<FixedLog<BasketSample>>,
    /// Per instrument: the baskets that trade it.
    by_instrument: Vec<Vec<u16>>,
    first_slot: usize,
    /// A decision step's intents go between step markers (`strategy.basket.net_across_baskets`).
    net_across_baskets: bool,
}

impl BasketRouter {
    /// Writes every chart log's preallocated room once (no page fault when rows are logged).
    pub fn prefault(&mut self) {
        self.series.iter_mut().for_each(FixedLog::prefault);
    }

    /// Baskets over `baskets` (instrument indices of their names) numbered from slot
    /// `first_slot` (after the pairs), among `instruments` instruments; fits inline until
    /// attached to a model thread; up to `series_capacity` chart rows each.
    pub fn new(
        baskets: &[Vec<u16>],
        first_slot: usize,
        instruments: usize,
        params: &StrategyParams,
        series_capacity: usize,
    ) -> Self {
        let mut by_instrument = vec![Vec::new(); instruments];
        let strategies: Vec<BasketStrategy> = baskets
            .iter()
            .enumerate()
            .map(|(b, names)| {
                for &i in names {
                    if let Some(list) = by_instrument.get_mut(i as usize) {
                        list.push(b as u16);
                    }
                }
                BasketStrategy::new((first_slot + b) as u16, names, params)
            })
            .collect();
        let links = strategies
            .iter()
            .map(|s| {
                let (refit, snapshot) = s.cold_model();
                ModelLink::inline(refit, snapshot)
            })
            .collect();
        BasketRouter {
            series: (0..strategies.len())
                .map(|_| FixedLog::preallocated(series_capacity))
                .collect(),
            baskets: strategies,
            links,
            by_instrument,
            first_slot,
            net_across_baskets: params.basket.net_across_baskets,
        }
    }

    /// Tilts each basket's rules by its value tilt (in basket order; `None`: no tilt), from
    /// `pairs::valuation::basket_value_tilts`.
    pub fn with_value_tilts(mut self, tilts: Vec<Option<ValueTilt>>) -> Self {
        for (basket, tilt) in self.baskets.iter_mut().zip(tilts) {
            if let Some(tilt) = tilt {
                basket.set_value_tilt(tilt);
            }
        }
        self
    }

    /// Moves every basket's fit to the model thread being built.
    pub fn attach(&mut self, builder: &mut ModelThreadBuilder) {
        for link in &mut self.links {
            builder.attach(link);
        }
    }

    /// Feeds `q` to every basket trading its instrument: a fit published since the last quote
    /// is applied first (it may decide an intent), then the quote; a refit falling due hands a
    /// snapshot over.
    ///
    /// The intents decided on one quote are one decision step: they go between an
    /// [`IntentKind::StepOpen`] and an [`IntentKind::StepClose`] of the quote's sequence number
    /// (only when some basket decided), so dispatch nets them per instrument across baskets.
    #[inline]
    pub fn on_quote(&mut self, q: &Quote, emit: &mut impl FnMut(OrderIntent)) {
        let Some(list) = self.by_instrument.get(q.instrument as usize) else {
            return;
        };
        let marker = |kind| OrderIntent {
            pair: self.first_slot as u16,
            seq: q.seq,
            t_ns: q.t_ns,
            kind,
            legs: Legs::new(),
        };
        let (open, close) = (marker(IntentKind::StepOpen), marker(IntentKind::StepClose));
        let mut opened = false;
        for &b in list {
            let b = b as usize;
            let (basket, link, series) = (
                &mut self.baskets[b],
                &mut self.links[b],
                &mut self.series[b],
            );
            if let Some(fit) = link.poll()
                && let Some(intent) = basket.apply_fit(&fit, q.seq, q.t_ns, |row| {
                    series.push(row);
                })
            {
                if !opened && self.net_across_baskets {
                    opened = true;
                    emit(open);
                }
                // A basket of more names than one intent carries: its parts go first.
                basket.leading_parts(&intent, &mut *emit);
                emit(intent);
            }
            basket.on_quote(q);
            if basket.take_refit_request() {
                link.request(|snapshot| basket.fill_snapshot(snapshot));
            }
        }
        if opened {
            emit(close);
        }
    }

    /// An outcome for slot `o.pair`, if it is one of the baskets.
    pub fn on_outcome(&mut self, o: &IntentOutcome) {
        let b = (o.pair as usize).wrapping_sub(self.first_slot);
        if let Some(basket) = self.baskets.get_mut(b) {
            basket.on_outcome(o);
        }
    }

    /// What each basket's strategy and fit did, in basket order.
    pub fn reports(&self) -> Vec<BasketReport> {
        self.baskets
            .iter()
            .zip(&self.links)
            .map(|(b, l)| BasketReport {
                counters: b.counters(),
                fits: l.counters(),
                max_names_held: b.max_names_held(),
            })
            .collect()
    }

    /// Each basket's link counters, in basket order.
    pub fn model_counters(&self) -> Vec<LinkCounters> {
        self.links.iter().map(|l| l.counters()).collect()
    }

    /// Each basket's chart rows, in basket order (the router is spent).
    pub fn into_series(self) -> Vec<FixedLog<BasketSample>> {
        self.series
    }
}
