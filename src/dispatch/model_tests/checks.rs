//! What every schedule of the model-based test must satisfy, during the run and at its end.

use super::Model;
use super::gateway::GwState;
use crate::dispatch::{PlaceOrder, TICKETS, tickets};

impl Model {
    /// An order has an intent (its ticket), a re-send of it, or a flatten behind it.
    pub(super) fn check_behind(&mut self, p: &PlaceOrder) -> Result<(), String> {
        let ticket = *self
            .tickets
            .get(&p.order_id)
            .ok_or_else(|| format!("order {} sent without a journal record", p.order_id))?;
        if ticket == 0 {
            let flattening = self.d.killed() || self.d.stopping;
            return if flattening {
                Ok(())
            } else {
                Err(format!(
                    "order {} with no ticket and no flatten",
                    p.order_id
                ))
            };
        }
        let t = self
            .d
            .ticket_mut(ticket)
            .ok_or_else(|| format!("order {} for unknown ticket {ticket}", p.order_id))?;
        if !t
            .legs()
            .iter()
            .any(|l| l.instrument == p.instrument && l.side == p.side)
        {
            return Err(format!(
                "order {} matches no leg of ticket {ticket}",
                p.order_id
            ));
        }
        Ok(())
    }

    /// The working set is exactly the slots whose orders have not ended, each once, and every
    /// slot knows where it sits in it.
    pub(super) fn check_working_set(&self) -> Result<(), String> {
        let d = &self.d;
        let working = d
            .slots
            .iter()
            .flatten()
            .filter(|s| !s.status.is_terminal())
            .count();
        if working != d.live.len() {
            return Err(format!(
                "{working} orders working, {} in the working set",
                d.live.len()
            ));
        }
        for (at, &i) in d.live.iter().enumerate() {
            match d.slots[i as usize] {
                Some(s) if !s.status.is_terminal() && s.live_at as usize == at => {}
                _ => return Err(format!("working set entry {at} (slot {i}) is stale")),
            }
        }
        Ok(())
    }

    /// No leg works (or queues) more than its intent lacks, and no ticket called hedged still
    /// has an order working for a quantity it lacks.
    pub(super) fn check_no_overhedge(&self) -> Result<(), String> {
        let d = &self.d;
        for &id in d.open_tickets.iter() {
            let Some(t) = d.tickets[id as usize % TICKETS]
                .as_ref()
                .filter(|t| t.id == id)
            else {
                continue;
            };
            for (k, leg) in t.legs().iter().enumerate() {
                let working: f64 = d
                    .slots
                    .iter()
                    .flatten()
                    .filter(|s| s.ticket == id && s.leg as usize == k && !s.status.is_terminal())
                    .map(|s| (s.qty - s.filled()).max(0.0))
                    .sum();
                let queued: f64 = d
                    .pending
                    .iter()
                    .filter(|o| o.cancel_id == 0 && o.ticket == id && o.leg as usize == k)
                    .map(|o| f64::from(o.qty))
                    .sum();
                if leg.filled + working + queued > leg.qty + 1e-6 {
                    return Err(format!(
                        "over-hedge: ticket {id} leg {k} wants {} has {} working {working} \
                         queued {queued}",
                        leg.qty, leg.filled
                    ));
                }
            }
        }
        for s in d.slots.iter().flatten() {
            if s.ticket == 0 || s.status.is_terminal() || s.qty - s.filled() < 1e-9 {
                continue;
            }
            let hedged = d.tickets[s.ticket as usize % TICKETS]
                .as_ref()
                .filter(|t| t.id == s.ticket)
                .is_some_and(|t| t.state == tickets::TicketState::Hedged);
            if hedged {
                return Err(format!(
                    "order {} works for ticket {} already hedged",
                    s.order_id, s.ticket
                ));
            }
        }
        Ok(())
    }

    /// What the dispatcher ends with against the gateway's ledger.
    pub(super) fn check_end(&self) -> Result<(), String> {
        let d = &self.d;
        let c = d.counters();
        // Every pair's strategy hears what its latest intent came to.
        for (&pair, &seq) in &self.last_intent {
            if !self.outcomes.contains(&(pair, seq)) {
                return Err(format!("no outcome for intent {seq} of pair {pair}"));
            }
        }
        for (i, p) in d.positions().iter().enumerate() {
            if p.qty != self.gw.positions[i] {
                return Err(format!(
                    "instrument {i}: engine holds {} gateway {}",
                    p.qty, self.gw.positions[i]
                ));
            }
            let booked: f64 = self
                .gw
                .execs
                .iter()
                .filter(|x| x.instrument as usize == i)
                .map(|x| x.commission)
                .sum();
            if p.commissions != booked {
                return Err(format!(
                    "instrument {i}: commissions {} ledger {booked}",
                    p.commissions
                ));
            }
        }
        if d.unattributed_commissions() != 0.0 {
            return Err(format!("unattributed {}", d.unattributed_commissions()));
        }
        if c.fills != self.gw.execs.len() as u64 || d.fills().len() != self.gw.execs.len() {
            return Err(format!(
                "fills counted {} logged {} executions {}",
                c.fills,
                d.fills().len(),
                self.gw.execs.len()
            ));
        }
        if c.inconsistent_fills != 0 || c.position_mismatches != 0 {
            return Err(format!(
                "inconsistent fills {} position mismatches {}",
                c.inconsistent_fills, c.position_mismatches
            ));
        }
        let live_slots = d
            .slots
            .iter()
            .flatten()
            .filter(|s| !s.status.is_terminal())
            .count();
        if d.open_orders() != 0 || live_slots != 0 || !d.settled() {
            return Err(format!(
                "open orders {} live slots {live_slots} settled {}",
                d.open_orders(),
                d.settled()
            ));
        }
        if self.gw.orders.values().any(|o| o.state != GwState::Done) {
            return Err("the gateway still has working orders".into());
        }
        // Hedging can be impossible only when the gateway refused orders (or the order table
        // ran out of room). A full queue behind the rate limiter is no excuse: an entry it has
        // no room for is refused whole, and a hedge or an unwind waits for room.
        let impossible = self.gw.hostile || c.orders_refused_table_full > 0;
        if impossible {
            return Ok(());
        }
        if c.naked_legs != 0 {
            return Err(format!("{} naked legs", c.naked_legs));
        }
        if let Some(b) = d.pair_books().find(|b| b.is_legged()) {
            return Err(format!("a pair ends legged: {b:?}"));
        }
        let flatten = self.risk.flatten_on_stop || (d.killed() && self.risk.flatten_on_kill);
        if flatten && d.positions().iter().any(|p| p.qty != 0.0) {
            return Err("not flat at the end although a flatten was asked for".into());
        }
        Ok(())
    }
}
