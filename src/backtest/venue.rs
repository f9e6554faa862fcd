//! The backtest's side of the wire: the dispatcher's outbox carried out against the exchange
//! (the paper gateway's book, matcher and ledger), answered with the order events the gateway
//! would send, in the gateway's order (execution, status, commission). Pegged orders (MIDPRICE,
//! PEG MID, the Adaptive algo) follow the quote by the gateway's rules ([`Pegs`]), placed and
//! re-pegged in the gateway's order. Combo orders go through
//! the same combo rule as the gateway's ([`ComboOrder`]), reported as the gateway reports them
//! (each leg's execution, the BAG-level execution when units complete, the BAG's status in
//! units at the average net, the leg's commission).

use super::order_index::OrderIndex;
use crate::dispatch::{ComboKind, Control, OrderKind, Outbound, PlaceOrder};
use crate::exchange::{
    Book, BookTop, ComboEvent, ComboLegSpec, ComboOrder, FillFaults, Ledger, MatchEvent, Matcher,
    OrderRec, OrderState, PegContext, Pegs, Side as ExSide, Tif, Trade,
};
use crate::types::{BAG_INSTRUMENT, EndKind, ExecId, OrderEvent, OrderStatusKind, Side};

/// Executions of one order, for `fills`-side accounting by the caller.
#[derive(Debug, Clone, Copy)]
pub(super) struct Traded {
    pub pair: u16,
    pub order_id: i32,
    pub buy: bool,
    pub qty: f64,
    pub price: f64,
}

/// The exchange as the backtest's dispatcher sees it.
pub(super) struct Venue {
    books: Vec<Book>,
    ledger: Ledger,
    matcher: Matcher,
    /// Ledger index of each order id (for cancels).
    by_order_id: OrderIndex,
    /// The pair of each order, by ledger index.
    order_pairs: Vec<u16>,
    /// The pegged orders, re-pegged on their symbol's quotes.
    pegs: Pegs,
    /// Combo orders, by BAG order id; their legs' child orders are in the ledger.
    combos: Vec<(i32, u16, ComboOrder)>,
}

impl Venue {
    pub(super) fn new(instruments: usize, book_levels: usize, per_share: f64, min: f64) -> Self {
        Venue {
            books: (0..instruments)
                .map(|_| Book::new(BookTop::default(), book_levels))
                .collect(),
            ledger: Ledger::new(per_share, min, 0xbac7),
            matcher: Matcher::new(FillFaults::default()),
            by_order_id: OrderIndex::default(),
            order_pairs: Vec::new(),
            pegs: Pegs::default(),
            combos: Vec::new(),
        }
    }

    /// A new quote for `instrument`, with the trade printed with it: the book refreshes, the
    /// trade moves the queues at its price and fills what it reaches, then working orders on it
    /// try again, then pegged orders, then combos (the gateway's order,
    /// [`crate::exchange::Matcher::on_trade`], [`ComboOrder::on_market`]).
    #[inline]
    pub(super) fn on_quote(
        &mut self,
        instrument: u16,
        top: BookTop,
        trade: Option<Trade>,
        t_ns: u64,
        events: &mut Vec<OrderEvent>,
        traded: &mut Vec<Traded>,
    ) {
        self.books[instrument as usize].set_top(top);
        let unix_secs = (t_ns / 1_000_000_000) as i64;
        if !self.matcher.working().is_empty() {
            self.orders_on_quote(instrument, trade, t_ns, events, traded);
        }
        for k in 0..self.combos.len() {
            if self.combos[k].2.is_working() && self.combos[k].2.trades(instrument as usize) {
                let market = Some((instrument as usize, trade));
                self.work_combo(k, unix_secs, market, events, traded);
            }
        }
    }

    /// The working single orders on a quote of `instrument` and its trade.
    fn orders_on_quote(
        &mut self,
        instrument: u16,
        trade: Option<Trade>,
        t_ns: u64,
        events: &mut Vec<OrderEvent>,
        traded: &mut Vec<Traded>,
    ) {
        let unix_secs = (t_ns / 1_000_000_000) as i64;
        let Venue {
            books,
            ledger,
            matcher,
            order_pairs,
            pegs,
            ..
        } = self;
        let mut on = |l: &Ledger, e| report(l, e, order_pairs, events, traded);
        if let Some(t) = trade {
            matcher.on_trade(
                ledger,
                instrument as usize,
                t.price,
                t.size,
                unix_secs,
                t_ns,
                &mut on,
            );
        }
        matcher.on_quote(ledger, books, instrument as usize, unix_secs, t_ns, &mut on);
        let mut cx = PegContext {
            matcher,
            ledger,
            books,
            now_secs: unix_secs,
            unix_secs,
            now_ns: t_ns,
        };
        pegs.on_quote(&mut cx, instrument as usize, &mut on);
    }

    /// Carries out one item of the dispatcher's outbox at `t_ns`.
    pub(super) fn carry_out(
        &mut self,
        item: &Outbound,
        t_ns: u64,
        events: &mut Vec<OrderEvent>,
        traded: &mut Vec<Traded>,
    ) {
        match *item {
            Outbound::Journal(_) => {}
            Outbound::Place(p) => self.place(&p, t_ns, events, traded),
            Outbound::Cancel { order_id } => {
                if let Some(k) = self.combos.iter().position(|c| c.0 == order_id) {
                    let (_, _, combo) = &mut self.combos[k];
                    if combo.is_working() {
                        combo.cancel(&mut self.ledger);
                        events.push(bag_status(order_id, combo, &self.ledger));
                    }
                    return;
                }
                let Some(index) = self.by_order_id.get(order_id) else {
                    return;
                };
                if self.ledger.orders[index].state.is_working() {
                    self.matcher.cancel(&mut self.ledger, index);
                    events.push(status(&self.ledger.orders[index]));
                }
            }
            // Executions were all reported as they happened (the dispatcher counts each once);
            // open orders and positions are answered as the gateway would (a reconciliation
            // may come mid-run: the `combo` policy asks for one after a BAG ended short).
            Outbound::Control(Control::Executions) => {
                events.push(OrderEvent::End(EndKind::Executions))
            }
            Outbound::Control(Control::OpenOrders) => {
                for &i in self.matcher.working() {
                    let o = &self.ledger.orders[i];
                    events.push(OrderEvent::OpenOrder {
                        order_id: o.order_id,
                        instrument: o.symbol as u16,
                    });
                }
                for (bag_id, _, c) in self.combos.iter().filter(|c| c.2.is_working()) {
                    events.push(OrderEvent::OpenOrder {
                        order_id: *bag_id,
                        instrument: c.legs()[0].symbol as u16,
                    });
                }
                events.push(OrderEvent::End(EndKind::OpenOrders))
            }
            Outbound::Control(Control::Positions) => {
                for ((_, symbol), p) in &self.ledger.positions {
                    events.push(OrderEvent::Position {
                        account: crate::types::Account::new(),
                        instrument: *symbol as u16,
                        qty: p.qty,
                        avg_cost: p.avg_cost,
                    });
                }
                events.push(OrderEvent::End(EndKind::Positions))
            }
            Outbound::Control(Control::CancelPositions | Control::Subscribe(_)) => {}
            // For the strategies (the backtest hands them over itself).
            Outbound::Outcome(_) => {}
        }
    }

    fn place(
        &mut self,
        p: &PlaceOrder,
        t_ns: u64,
        events: &mut Vec<OrderEvent>,
        traded: &mut Vec<Traded>,
    ) {
        if let OrderKind::Combo(c) = p.kind {
            return self.place_combo(p, &c, t_ns, events, traded);
        }
        let unix_secs = (t_ns / 1_000_000_000) as i64;
        let side = match p.side {
            Side::Buy => ExSide::Buy,
            Side::Sell => ExSide::Sell,
        };
        // A pegged order starts at its peg's price of the moment, as at the gateway.
        let peg = p.kind.peg(unix_secs);
        let limit = match peg {
            Some(peg) => {
                let top = self.books[p.instrument as usize].top();
                Some(peg.price(side, top, unix_secs).unwrap_or(1).max(1))
            }
            None => p.kind.limit(),
        };
        let order = OrderRec {
            client_id: 0,
            order_id: p.order_id,
            perm_id: 0,
            account: String::new(),
            symbol: p.instrument as usize,
            side,
            total: p.qty,
            filled: 0,
            avg_price: 0.0,
            last_fill_price: 0.0,
            limit,
            tif: if p.kind.is_ioc() { Tif::Ioc } else { Tif::Day },
            order_ref: String::new(),
            state: OrderState::Submitted,
            commission_paid: 0.0,
        };
        let (Ok(index) | Err(index)) = self.matcher.submit(&mut self.ledger, order, t_ns);
        self.by_order_id.insert(p.order_id, index);
        self.order_pairs.push(p.pair);
        events.push(status(&self.ledger.orders[index]));
        let Venue {
            books,
            ledger,
            matcher,
            order_pairs,
            pegs,
            ..
        } = self;
        let mut on = |l: &Ledger, e| report(l, e, order_pairs, events, traded);
        if let (Some(peg), true) = (peg, ledger.orders[index].state.is_working()) {
            pegs.insert(index, peg);
            let mut cx = PegContext {
                matcher,
                ledger,
                books,
                now_secs: unix_secs,
                unix_secs,
                now_ns: t_ns,
            };
            pegs.repeg(&mut cx, index, &mut on);
        }
        matcher.try_fill(ledger, books, index, unix_secs, t_ns, &mut on);
    }
}

impl Venue {
    /// A combo `p`: booked (its legs as child orders), acknowledged, tried at once.
    fn place_combo(
        &mut self,
        p: &PlaceOrder,
        c: &ComboKind,
        t_ns: u64,
        events: &mut Vec<OrderEvent>,
        traded: &mut Vec<Traded>,
    ) {
        let side = |s: Side| match s {
            Side::Buy => ExSide::Buy,
            Side::Sell => ExSide::Sell,
        };
        let legs = [
            ComboLegSpec {
                symbol: p.instrument as usize,
                side: side(p.side),
                ratio: c.ratio_a,
            },
            ComboLegSpec {
                symbol: c.instrument_b as usize,
                side: side(c.side_b),
                ratio: c.ratio_b,
            },
        ];
        let template = ComboOrder::template(0, p.order_id, "", "");
        let combo = ComboOrder::new(&mut self.ledger, template, &legs, c.units, c.net);
        for _ in 0..legs.len() {
            self.order_pairs.push(p.pair);
        }
        events.push(bag_status(p.order_id, &combo, &self.ledger));
        self.combos.push((p.order_id, p.pair, combo));
        let k = self.combos.len() - 1;
        self.work_combo(k, (t_ns / 1_000_000_000) as i64, None, events, traded);
    }

    /// Combo `k` on a market event (`market`: the instrument and its trade) or tried as it
    /// stands (on arrival), reported as the gateway reports it.
    fn work_combo(
        &mut self,
        k: usize,
        unix_secs: i64,
        market: Option<(usize, Option<Trade>)>,
        events: &mut Vec<OrderEvent>,
        traded: &mut Vec<Traded>,
    ) {
        let (bag_id, pair, combo) = &mut self.combos[k];
        let (bag_id, pair) = (*bag_id, *pair);
        // One event: up to two worked fills (a print, then a trade-through), each with its
        // hedges and a BAG report, then a take at the touches over each leg's book levels
        // (at most 50, `[costs] book_levels`).
        let mut happened: arrayvec::ArrayVec<ComboEvent, 128> = arrayvec::ArrayVec::new();
        let on = |_: &Ledger, e| {
            let pushed = happened.try_push(e);
            debug_assert!(pushed.is_ok(), "combo events past the buffer");
        };
        match market {
            Some((symbol, trade)) => combo.on_market(
                &mut self.ledger,
                &mut self.books,
                symbol,
                trade,
                unix_secs,
                on,
            ),
            None => combo.try_fill(&mut self.ledger, &mut self.books, unix_secs, on),
        }
        for e in happened {
            match e {
                ComboEvent::LegExecution { order, exec } => {
                    let x = &self.ledger.executions[exec];
                    let leg = combo.children.iter().position(|&c| c == order).unwrap_or(0);
                    let exec_id = exec_id(&x.exec_id);
                    events.push(OrderEvent::Execution {
                        order_id: bag_id,
                        exec_id,
                        instrument: x.symbol as u16,
                        buy: x.side == ExSide::Buy,
                        shares: f64::from(x.qty),
                        price: x.price,
                        cum_qty: f64::from(x.cum_qty),
                    });
                    events.push(bag_status(bag_id, combo, &self.ledger));
                    events.push(OrderEvent::Commission {
                        exec_id,
                        commission: x.commission,
                        realized_pnl: x.realized_pnl,
                    });
                    // Leg k's slot in the dispatcher is the BAG's id plus k.
                    traded.push(Traded {
                        pair,
                        order_id: bag_id + leg as i32,
                        buy: x.side == ExSide::Buy,
                        qty: f64::from(x.qty),
                        price: x.price,
                    });
                }
                ComboEvent::Units { units, net } => {
                    let mut id = ExecId::new();
                    let _ = std::fmt::Write::write_fmt(
                        &mut id,
                        format_args!("bag.{bag_id:08x}.{}", self.ledger.executions.len()),
                    );
                    events.push(OrderEvent::Execution {
                        order_id: bag_id,
                        exec_id: id,
                        instrument: BAG_INSTRUMENT,
                        buy: true,
                        shares: f64::from(units),
                        price: net,
                        cum_qty: f64::from(combo.filled_units(&self.ledger)),
                    });
                    events.push(bag_status(bag_id, combo, &self.ledger));
                }
            }
        }
    }
}

/// A combo's status as the gateway reports it: units filled and remaining, the average net.
fn bag_status(order_id: i32, c: &ComboOrder, ledger: &Ledger) -> OrderEvent {
    let filled = c.filled_units(ledger);
    OrderEvent::Status {
        order_id,
        status: match c.state {
            OrderState::Filled => OrderStatusKind::Filled,
            OrderState::Cancelled => OrderStatusKind::Cancelled,
            OrderState::Inactive => OrderStatusKind::Inactive,
            _ => OrderStatusKind::Submitted,
        },
        filled: f64::from(filled),
        remaining: f64::from(if c.is_working() { c.units - filled } else { 0 }),
        avg_fill_price: c.avg_net(ledger),
        last_fill_price: c.avg_net(ledger),
    }
}

fn exec_id(s: &str) -> ExecId {
    let mut id = ExecId::new();
    let _ = id.try_push_str(s);
    id
}

/// The order's status as ORDER_STATUS reports it.
fn status(o: &OrderRec) -> OrderEvent {
    OrderEvent::Status {
        order_id: o.order_id,
        status: match o.state {
            OrderState::Filled => OrderStatusKind::Filled,
            OrderState::Cancelled => OrderStatusKind::Cancelled,
            OrderState::Inactive => OrderStatusKind::Inactive,
            _ => OrderStatusKind::Submitted,
        },
        filled: f64::from(o.filled),
        remaining: f64::from(o.remaining()),
        avg_fill_price: o.avg_price,
        last_fill_price: o.last_fill_price,
    }
}

/// One matcher event as the gateway reports it: the execution, the order's status, the
/// commission.
fn report(
    ledger: &Ledger,
    e: MatchEvent,
    order_pairs: &[u16],
    events: &mut Vec<OrderEvent>,
    traded: &mut Vec<Traded>,
) {
    match e {
        MatchEvent::Execution { order, exec } => {
            let x = &ledger.executions[exec];
            let mut exec_id = ExecId::new();
            let _ = exec_id.try_push_str(&x.exec_id);
            events.push(OrderEvent::Execution {
                order_id: x.order_id,
                exec_id,
                instrument: x.symbol as u16,
                buy: x.side == ExSide::Buy,
                shares: f64::from(x.qty),
                price: x.price,
                cum_qty: f64::from(x.cum_qty),
            });
            events.push(status(&ledger.orders[order]));
            events.push(OrderEvent::Commission {
                exec_id,
                commission: x.commission,
                realized_pnl: x.realized_pnl,
            });
            traded.push(Traded {
                pair: order_pairs[order],
                order_id: x.order_id,
                buy: x.side == ExSide::Buy,
                qty: f64::from(x.qty),
                price: x.price,
            });
        }
        MatchEvent::Expired { order } => events.push(status(&ledger.orders[order])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::OrderKind;

    const TOP: BookTop = BookTop {
        bid: 1000,
        ask: 1002,
        bid_size: 300,
        ask_size: 300,
    };

    fn executions(events: &[OrderEvent]) -> Vec<(f64, f64)> {
        events
            .iter()
            .filter_map(|e| match *e {
                OrderEvent::Execution { shares, price, .. } => Some((shares, price)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn trades_at_the_price_consume_the_queue_then_fill() {
        let mut v = Venue::new(1, 3, 0.0, 0.0);
        let (mut events, mut traded) = (Vec::new(), Vec::new());
        v.on_quote(0, TOP, None, 1, &mut events, &mut traded);
        let place = PlaceOrder {
            order_id: 1,
            instrument: 0,
            pair: 0,
            side: Side::Buy,
            qty: 200,
            kind: OrderKind::Limit {
                price: 1000,
                ioc: false,
            },
            seq: 1,
            t_recv_ns: 0,
            from_tick: true,
        };
        v.carry_out(&Outbound::Place(place), 2, &mut events, &mut traded);
        assert!(executions(&events).is_empty(), "joins behind 300 shares");
        // 200 of the 300 ahead trade at the bid: nothing for us yet.
        let at_bid = Trade {
            price: 1000,
            size: 200,
        };
        v.on_quote(0, TOP, Some(at_bid), 3, &mut events, &mut traded);
        assert!(executions(&events).is_empty());
        // A trade at the ask does not touch the bid's queue.
        let at_ask = Trade {
            price: 1002,
            size: 500,
        };
        v.on_quote(0, TOP, Some(at_ask), 4, &mut events, &mut traded);
        assert!(executions(&events).is_empty());
        // 250 more at the bid: the last 100 ahead, then 150 to us, at our price.
        let more = Trade {
            price: 1000,
            size: 250,
        };
        v.on_quote(0, TOP, Some(more), 5, &mut events, &mut traded);
        assert_eq!(executions(&events), [(150.0, 10.0)]);
        assert_eq!(traded.len(), 1);
    }
}
