//! `orders.csv` rows and the decision mids the shortfall is measured from, per order written.

use super::Backtest;
use crate::dispatch::{OrderKind, PlaceOrder};
use std::io::Write as _;

impl Backtest {
    pub(super) fn log_order(&mut self, p: &PlaceOrder, now: u64) {
        // A combo is one row per leg; leg B's slot (and shortfall) is the BAG's id plus one.
        if let OrderKind::Combo(c) = p.kind {
            self.log_leg(p, now);
            let b = PlaceOrder {
                order_id: p.order_id + 1,
                instrument: c.instrument_b,
                side: c.side_b,
                qty: c.qty_b,
                kind: OrderKind::Market,
                ..*p
            };
            return self.log_leg(&b, now);
        }
        self.log_leg(p, now);
    }

    fn log_leg(&mut self, p: &PlaceOrder, now: u64) {
        // The mid when the order's intent was decided (re-sends, re-prices and hedges are
        // measured from there too); an order no intent decided, from the mid of now.
        if let Ok(i) = usize::try_from(p.order_id) {
            if self.decision_mids.len() <= i {
                self.decision_mids.resize(i + 1, 0.0);
            }
            let decided = self
                .intent_mids
                .get(&p.seq)
                .and_then(|legs| legs.iter().find(|(x, _)| *x == p.instrument))
                .map(|(_, mid)| *mid);
            self.decision_mids[i] = decided.unwrap_or(self.mids[p.instrument as usize]);
        }
        let label = match self.stats.get(p.pair as usize) {
            None => "flatten",
            Some(st) => match st.last_intent {
                Some((seq, kind)) if seq == p.seq => kind.label(),
                _ => "repair",
            },
        };
        let _ = writeln!(
            self.orders_csv,
            "{},{now},{},{},{},{},{},{label}",
            p.order_id,
            p.seq,
            p.pair,
            self.instruments.symbol(p.instrument),
            p.side.as_str(),
            p.qty
        );
    }
}
