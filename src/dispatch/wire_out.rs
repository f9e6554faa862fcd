//! The dispatch thread's socket side: requests encoded in the v178 text layout into one
//! buffer and written whole, or the session ends (see `stage.rs`, "Writing rules").

use super::{Control, Outbound, PlaceOrder, RECONCILE_REQ_ID};
use crate::instruments::req_id;
use crate::io::SessionGate;
use crate::wire::{ContractSpec, ExecutionFilter, OrderExtras, OrderRequest, Request};
use arrayvec::ArrayString;
use std::io::{ErrorKind, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// The socket side: the writer, what is needed to encode, and the scratch buffers.
pub(super) struct Wire {
    /// The current session's writer; `None` once it failed or io reported it lost.
    pub(super) writer: Option<TcpStream>,
    /// Which of io's sessions the writer belongs to, and what the dispatcher was told.
    pub(super) gate: SessionGate,
    pub(super) stall_limit: Duration,
    /// Frames given up at the stall limit.
    pub(super) stalls: u64,
    pub(super) symbols: Vec<String>,
    /// IB contract ids per instrument (0: unknown), for combo legs (`wire_combo.rs`).
    pub(super) con_ids: Vec<i32>,
    pub(super) account: String,
    pub(super) client_id: i32,
    pub(super) tick_by_tick: bool,
    pub(super) out: Vec<u8>,
    /// The dispatcher's outbox is swapped in here and carried out.
    pub(super) batch: Vec<Outbound>,
}

impl Wire {
    /// Writes a request on the session, whole; false when it could not be written. A failed
    /// or stalled write ends the session here: the socket is shut down and dropped, so nothing
    /// (no frame after half a frame) is written on it again.
    pub(super) fn write(&mut self, req: &Request<'_>) -> bool {
        let Some(w) = &mut self.writer else {
            return false;
        };
        self.out.clear();
        req.encode_text(&mut self.out);
        match write_frame(w, &self.out, self.stall_limit) {
            Ok(()) => true,
            Err(e) => {
                if e == WriteError::Stalled {
                    self.stalls += 1;
                }
                tracing::warn!(error = ?e, "write failed: ending the session");
                if let Some(w) = self.writer.take() {
                    let _ = w.shutdown(Shutdown::Both);
                }
                false
            }
        }
    }

    pub(super) fn place(&mut self, p: &PlaceOrder) -> bool {
        if let super::OrderKind::Combo(c) = p.kind {
            return self.place_combo(p, &c);
        }
        let mut order_ref = ArrayString::<24>::new();
        let _ = order_ref.try_push_str(itoa::Buffer::new().format(p.seq));
        let account = std::mem::take(&mut self.account);
        let symbol = std::mem::take(&mut self.symbols[p.instrument as usize]);
        let order = OrderRequest {
            order_id: p.order_id,
            contract: ContractSpec::stock(&symbol),
            action: p.side.as_str(),
            total_quantity: p.qty as f64,
            order_type: p.kind.order_type(),
            lmt_price: p
                .kind
                .limit()
                .map_or(f64::MAX, |cents| cents as f64 / 100.0),
            aux_price: f64::MAX,
            tif: if p.kind.is_ioc() { "IOC" } else { "DAY" },
            account: &account,
            order_ref: &order_ref,
            transmit: true,
            parent_id: 0,
        };
        // The Adaptive algo rides on the order's tail (algoStrategy and its algoParams).
        let written = match p.kind.algo() {
            None => self.write(&Request::PlaceOrder(order)),
            Some(priority) => self.write(&Request::PlaceOrderExt(
                order,
                OrderExtras {
                    algo_strategy: "Adaptive",
                    adaptive_priority: priority.as_ib(),
                    ..OrderExtras::default()
                },
            )),
        };
        self.account = account;
        self.symbols[p.instrument as usize] = symbol;
        written
    }

    pub(super) fn control(&mut self, c: Control) -> bool {
        match c {
            Control::Executions => {
                let filter = ExecutionFilter {
                    client_id: self.client_id,
                    account: "",
                    time: "",
                    symbol: "",
                    sec_type: "",
                    exchange: "",
                    side: "",
                };
                self.write(&Request::Executions {
                    req_id: RECONCILE_REQ_ID,
                    filter,
                })
            }
            Control::OpenOrders => self.write(&Request::OpenOrders),
            Control::Positions => self.write(&Request::Positions),
            Control::CancelPositions => self.write(&Request::CancelPositions),
            Control::Subscribe(instrument) => {
                let Some(symbol) = self.symbols.get_mut(instrument as usize) else {
                    return false;
                };
                let symbol = std::mem::take(symbol);
                let req_id = req_id(instrument);
                let contract = ContractSpec::stock(&symbol);
                let req = if self.tick_by_tick {
                    Request::TickByTick {
                        req_id,
                        contract,
                        tick_type: "BidAsk",
                        number_of_ticks: 0,
                        ignore_size: false,
                    }
                } else {
                    Request::MarketData {
                        req_id,
                        contract,
                        generic_ticks: "",
                        snapshot: false,
                    }
                };
                let written = self.write(&req);
                self.symbols[instrument as usize] = symbol;
                written
            }
        }
    }
}

/// Why a frame was not written whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WriteError {
    /// The socket refused it (reset, closed, shut down).
    Failed,
    /// The socket took nothing for `WRITE_STALL_LIMIT` (`stage.rs`) (the gateway does not read).
    Stalled,
}

/// Writes all of `buf` to a non-blocking socket. `WouldBlock` is waited out (spin, then yield)
/// until `stall_limit` after the first one; the clock is read only then. On an error part of
/// the frame may have gone out: the caller must end the session.
fn write_frame(w: &mut TcpStream, mut buf: &[u8], stall_limit: Duration) -> Result<(), WriteError> {
    let mut deadline: Option<Instant> = None;
    let backoff = crossbeam::utils::Backoff::new();
    while !buf.is_empty() {
        match w.write(buf) {
            Ok(0) => return Err(WriteError::Failed),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                let now = Instant::now();
                if now >= *deadline.get_or_insert(now + stall_limit) {
                    return Err(WriteError::Stalled);
                }
                if backoff.is_completed() {
                    std::thread::yield_now();
                } else {
                    backoff.snooze();
                }
            }
            Err(_) => return Err(WriteError::Failed),
        }
    }
    Ok(())
}
