//! Executions counted once per execution id, into positions, pair books, the fills log, the
//! journal and their order; commissions booked once per execution id, whenever and however
//! often their reports come (before the execution, late, or replayed after a reconnection).

use super::{Dispatcher, KillReason, SeenExec};
use crate::journal::JournalEntry;
use crate::record::FillRecord;
use crate::types::ExecId;

impl Dispatcher {
    /// An execution: counted once per execution id, into positions, pair books, the fills log,
    /// the journal and the order's ticket. `signed` is positive for a buy.
    pub(super) fn on_execution(
        &mut self,
        t_recv_ns: u64,
        order_id: i32,
        exec_id: ExecId,
        instrument: u16,
        signed: f64,
        price: f64,
    ) {
        // An execution of no shares is no fill: nothing to book, count or await a commission
        // for (its average cost would be 0 / 0).
        if signed == 0.0 || signed.is_nan() {
            self.counters.inconsistent_fills += 1;
            return;
        }
        let (mut pair, mut signal_t_ns, mut instrument) = (u16::MAX, 0, instrument);
        let slot = self.slot_index(order_id);
        if let Some(s) = slot.and_then(|i| self.slots[i]) {
            (pair, signal_t_ns) = (s.pair, s.signal_t_ns);
            // A symbol the engine does not know by name: the order says what it traded.
            if (instrument as usize) >= self.positions.len() {
                instrument = s.instrument;
            }
        }
        if (instrument as usize) >= self.positions.len() {
            self.counters.unknown_order_fills += 1;
            return;
        }
        // A commission report that came first left an entry: the execution takes it over.
        let early_commission = match self.seen.get_mut(&exec_id) {
            Some(e) if e.executed => {
                self.counters.duplicate_fills += 1;
                return;
            }
            Some(e) => {
                let c = e.commission;
                *e = SeenExec {
                    commission: c,
                    ..SeenExec::executed(instrument, pair, u32::MAX)
                };
                c
            }
            None => {
                self.remember_exec(exec_id, SeenExec::executed(instrument, pair, u32::MAX));
                None
            }
        };
        if early_commission.is_none() {
            // Its report is still to come: the run does not settle before it is booked.
            self.commissions_awaited += 1;
        }
        let shares = signed.abs();
        match slot.and_then(|i| self.slots[i]) {
            Some(s) => {
                if s.instrument != instrument || s.exec_filled + shares > s.qty + 1e-9 {
                    self.counters.inconsistent_fills += 1;
                }
            }
            None => {
                // No order of ours is behind it: it moves what the instrument will hold.
                self.counters.unknown_order_fills += 1;
                self.projected[instrument as usize] += signed;
            }
        }
        self.counters.fills += 1;
        self.last_fill_ns[instrument as usize] = self.now;
        if self.link.is_reconciling() {
            self.counters.recovered_fills += 1;
        }
        // An order shared by several baskets: each owner takes its piece (`shared.rs`).
        let shared = slot
            .and_then(|i| self.slots[i])
            .and_then(|s| self.shared_of(s.ticket, s.leg))
            .or_else(|| self.restored_shared_of(order_id));
        let split = match shared {
            Some(k) if self.nets.shared[k].instrument == instrument => {
                let id = self.apply_shared_fill(k, pair, signed, price);
                if let Some(s) = self.seen.get_mut(&exec_id) {
                    s.split = id;
                }
                Some(id)
            }
            _ => {
                self.apply_fill(instrument, pair, signed, price);
                None
            }
        };
        let index = self.fills.len();
        if self.fills.push(FillRecord {
            t_ns: t_recv_ns,
            signal_t_ns,
            order_id,
            instrument,
            pair,
            qty: signed,
            price,
            commission: 0.0,
        }) && let Some(s) = self.seen.get_mut(&exec_id)
        {
            s.fill = index as u32;
        }
        if let Some(c) = early_commission {
            // Waiting with the unattributed commissions until now.
            self.unattributed_commissions -= c;
            self.book_commission(&exec_id, c);
        }
        let t_ns = self.wall_ns();
        self.journal(JournalEntry::Execution {
            t_ns,
            order_id,
            exec_id,
            instrument,
            pair,
            qty: signed,
            price,
        });
        if let Some(id) = split {
            self.journal_split(id, exec_id);
        }
        if let Some(i) = slot {
            let exec_filled = self.slots[i].map_or(0.0, |s| s.exec_filled + shares);
            self.record_filled(i, 0.0, exec_filled);
        }
        self.check_loss();
    }

    /// A fill into the instrument position and, when it belongs to a pair, the pair's book.
    pub(super) fn apply_fill(&mut self, instrument: u16, pair: u16, signed: f64, price: f64) {
        self.positions[instrument as usize].apply(signed, price);
        if let Some(p) = self.pairs.get_mut(pair as usize)
            && let Some(k) = p.book.leg_of(instrument)
        {
            p.book.legs_mut()[k].apply(signed, price);
        }
    }

    /// A commission report: booked the first time its execution id is met, a duplicate after
    /// that. One that comes before its execution waits with the unattributed commissions (it
    /// counts towards the loss limit at once). True when booked.
    pub(super) fn apply_commission(&mut self, exec_id: &ExecId, commission: f64) -> bool {
        match self.seen.get_mut(exec_id) {
            Some(e) if e.commission.is_some() => {
                self.counters.duplicate_commissions += 1;
                false
            }
            Some(e) if e.executed => {
                e.commission = Some(commission);
                self.commissions_awaited = self.commissions_awaited.saturating_sub(1);
                self.book_commission(exec_id, commission);
                true
            }
            Some(e) => {
                e.commission = Some(commission);
                self.unattributed_commissions += commission;
                true
            }
            None => {
                let early = SeenExec {
                    commission: Some(commission),
                    executed: false,
                    ..SeenExec::executed(u16::MAX, u16::MAX, u32::MAX)
                };
                // A full table cannot remember it: booked, and the kill switch trips.
                self.remember_exec(*exec_id, early);
                self.unattributed_commissions += commission;
                true
            }
        }
    }

    /// Books `commission` where execution `exec_id` went: its instrument, pair leg and fill.
    fn book_commission(&mut self, exec_id: &ExecId, commission: f64) {
        match self.seen.get(exec_id).copied() {
            Some(s) if (s.instrument as usize) < self.positions.len() => {
                self.positions[s.instrument as usize].commissions += commission;
                // Split among the baskets that shared the order, else its slot's.
                let split = s.split != u32::MAX
                    && self.book_split_commission(s.split, s.instrument, commission);
                if !split
                    && let Some(p) = self.pairs.get_mut(s.pair as usize)
                    && let Some(k) = p.book.leg_of(s.instrument)
                {
                    p.book.legs_mut()[k].commissions += commission;
                }
                if let Some(f) = self.fills.get_mut(s.fill as usize) {
                    f.commission += commission;
                }
            }
            _ => self.unattributed_commissions += commission,
        }
    }

    /// Remembers execution `id` (false: it was there already). One the full table cannot
    /// remember is still new to the caller, but a replay of it could not be told from a new
    /// fill: counted, and the kill switch stops trading.
    pub(super) fn remember_exec(&mut self, id: ExecId, seen: SeenExec) -> bool {
        let overflow = self.seen.overflow;
        let new = self.seen.insert(id, seen);
        if self.seen.overflow > overflow {
            self.counters.exec_table_overflow += 1;
            if self.counters.kill_switch == 0 {
                tracing::error!(
                    executions = self.seen.len(),
                    "kill switch: the execution table is full and cannot remember an execution id; no more trading"
                );
            }
            self.kill(KillReason::ExecTableFull);
        }
        new
    }
}
