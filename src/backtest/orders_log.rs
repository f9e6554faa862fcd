//! `orders.csv` of a backtest: each order the dispatcher sends is kept as a small `Copy` line
//! while the rows run, and the file's text is written once after the loop (no formatting per
//! row).

use super::Backtest;
use crate::dispatch::{OrderKind, PlaceOrder};
use crate::types::Side;

/// The header of `orders.csv`.
pub(super) const ORDERS_HEADER: &str = "order_id,t_ns,seq,pair,symbol,side,qty,intent";

/// One line of `orders.csv`, not yet text.
#[derive(Debug, Clone, Copy)]
pub(super) struct OrderLine {
    order_id: i32,
    t_ns: u64,
    seq: u64,
    pair: u16,
    instrument: u16,
    side: Side,
    qty: u32,
    /// The intent's label, `repair` or `flatten`.
    label: &'static str,
}

impl Backtest {
    /// Keeps an order the dispatcher sent at `now`, with the mid it is measured from. A combo
    /// is one line per leg; leg B's slot (and shortfall) is the BAG's id plus one.
    pub(super) fn log_order(&mut self, p: &PlaceOrder, now: u64) {
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
            let decided = self.intent_mids.get(p.seq, p.instrument);
            self.decision_mids[i] = decided.unwrap_or(self.mids[p.instrument as usize]);
        }
        let label = match self.stats.get(p.pair as usize) {
            None => "flatten",
            Some(st) => match st.last_intent {
                Some((seq, kind)) if seq == p.seq => kind.label(),
                _ => "repair",
            },
        };
        self.order_lines.push(OrderLine {
            order_id: p.order_id,
            t_ns: now,
            seq: p.seq,
            pair: p.pair,
            instrument: p.instrument,
            side: p.side,
            qty: p.qty,
            label,
        });
    }
}

/// The text of `orders.csv`: the header and one line per order, in sending order.
pub(super) fn orders_csv(lines: &[OrderLine], symbols: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + lines.len() * 64);
    out.extend_from_slice(ORDERS_HEADER.as_bytes());
    out.push(b'\n');
    let mut num = itoa::Buffer::new();
    for l in lines {
        out.extend_from_slice(num.format(l.order_id).as_bytes());
        out.push(b',');
        out.extend_from_slice(num.format(l.t_ns).as_bytes());
        out.push(b',');
        out.extend_from_slice(num.format(l.seq).as_bytes());
        out.push(b',');
        out.extend_from_slice(num.format(l.pair).as_bytes());
        out.push(b',');
        out.extend_from_slice(symbols[l.instrument as usize].as_bytes());
        out.push(b',');
        out.extend_from_slice(l.side.as_str().as_bytes());
        out.push(b',');
        out.extend_from_slice(num.format(l.qty).as_bytes());
        out.push(b',');
        out.extend_from_slice(l.label.as_bytes());
        out.push(b'\n');
    }
    out
}
