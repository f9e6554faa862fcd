//! The dispatch thread's socket side: requests encoded in the v178 text layout into one
//! buffer and written whole, or the session ends (see `stage.rs`, "Writing rules").
//!
//! Orders are staged, not written one by one: the orders the dispatcher hands out together
//! (both legs of a pair) are encoded back to back into one buffer and leave in one write (one
//! syscall). A market order is written from its instrument's and side's [`OrderTemplate`] with
//! only the order id, quantity and orderRef patched in; limit orders use the ordinary encoder.

use super::{Control, Outbound, PlaceOrder, RECONCILE_REQ_ID};
use crate::instruments::req_id;
use crate::io::SessionGate;
use crate::types::Side;
use crate::wire::{
    ContractSpec, ExecutionFilter, OrderExtras, OrderRequest, OrderTemplate, Request,
};
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
    /// Per instrument, the market DAY order's template for a buy and for a sell (`None` only if
    /// the codec could not cut one: that instrument's orders use the ordinary encoder).
    pub(super) templates: Vec<[Option<OrderTemplate>; 2]>,
    /// Orders encoded into `out` and not yet written, each with the end of its frame in `out`.
    pub(super) staged: Vec<(PlaceOrder, usize)>,
    /// Buffers handed to the socket (each one write, or more only when it takes part).
    pub(super) writes: u64,
}

/// Templates for every instrument and both sides, built once at start-up.
pub(super) fn order_templates(
    symbols: &[String],
    account: &str,
) -> Vec<[Option<OrderTemplate>; 2]> {
    symbols
        .iter()
        .map(|s| {
            [Side::Buy, Side::Sell].map(|side| {
                OrderTemplate::market_day(s, side.as_str(), account)
                    .map_err(|e| tracing::error!(symbol = %s, error = %e, "no order template"))
                    .ok()
            })
        })
        .collect()
}

/// What [`Wire::stage`] did with an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Staged {
    /// Encoded behind the others; it leaves at [`Wire::send_staged`].
    Yes,
    /// No session: nothing staged (the session is lost).
    SessionDown,
    /// Not encodable (a combo leg without a contract id): nothing staged, the session stays.
    Refused,
}

/// What became of the staged orders after their write.
pub(super) struct Sent {
    /// Bytes of the staged frames that went out whole (all of them when the write succeeded).
    pub(super) written: usize,
    /// The write failed: the session is over for dispatch.
    pub(super) failed: bool,
}

impl Wire {
    /// Writes a request on the session, whole; false when it could not be written. A failed
    /// or stalled write ends the session here: the socket is shut down and dropped, so nothing
    /// (no frame after half a frame) is written on it again.
    /// Staged orders must be written first ([`Wire::send_staged`]).
    pub(super) fn write(&mut self, req: &Request<'_>) -> bool {
        debug_assert!(self.staged.is_empty(), "staged orders go out first");
        self.out.clear();
        req.encode_text(&mut self.out);
        !self.write_out().failed
    }

    /// Writes all of `out`, whole, and clears it; a failed or stalled write ends the session.
    fn write_out(&mut self) -> Sent {
        let Some(w) = &mut self.writer else {
            self.out.clear();
            return Sent {
                written: 0,
                failed: true,
            };
        };
        self.writes += 1;
        let result = write_frame(w, &self.out, self.stall_limit);
        self.out.clear();
        match result {
            Ok(()) => Sent {
                written: usize::MAX,
                failed: false,
            },
            Err((e, written)) => {
                if e == WriteError::Stalled {
                    self.stalls += 1;
                }
                tracing::warn!(error = ?e, "write failed: ending the session");
                if let Some(w) = self.writer.take() {
                    let _ = w.shutdown(Shutdown::Both);
                }
                Sent {
                    written,
                    failed: true,
                }
            }
        }
    }

    /// Encodes `p` behind the orders already staged; it leaves with them at
    /// [`Wire::send_staged`]. Nothing is staged when the session is down, or for a combo whose
    /// legs have no contract id (start-up refuses such a pair, so this is a defect, logged).
    pub(super) fn stage(&mut self, p: &PlaceOrder) -> Staged {
        if self.writer.is_none() {
            return Staged::SessionDown;
        }
        let side = usize::from(p.side != Side::Buy);
        let template = self
            .templates
            .get(p.instrument as usize)
            .and_then(|t| t[side].as_ref());
        match (p.kind, template) {
            (super::OrderKind::Combo(c), _) => {
                if !self.encode_combo(p, &c) {
                    return Staged::Refused;
                }
            }
            (super::OrderKind::Market, Some(t)) => t.write(p.order_id, p.qty, p.seq, &mut self.out),
            _ => self.encode_place(p),
        }
        self.staged.push((*p, self.out.len()));
        Staged::Yes
    }

    /// Writes the staged orders in one write; `self.staged` keeps them (with their frame ends)
    /// for the caller to account for.
    pub(super) fn send_staged(&mut self) -> Sent {
        self.write_out()
    }

    /// The ordinary encoder's PLACE_ORDER of `p`, appended to `out` (limit orders, and any
    /// order without a template).
    fn encode_place(&mut self, p: &PlaceOrder) {
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
        match p.kind.algo() {
            None => Request::PlaceOrder(order).encode_text(&mut self.out),
            Some(priority) => Request::PlaceOrderExt(
                order,
                OrderExtras {
                    algo_strategy: "Adaptive",
                    adaptive_priority: priority.as_ib(),
                    ..OrderExtras::default()
                },
            )
            .encode_text(&mut self.out),
        }
        self.account = account;
        self.symbols[p.instrument as usize] = symbol;
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
/// the buffer may have gone out (the error carries how many bytes did): the caller must end the
/// session.
fn write_frame(
    w: &mut TcpStream,
    buf: &[u8],
    stall_limit: Duration,
) -> Result<(), (WriteError, usize)> {
    let mut deadline: Option<Instant> = None;
    let backoff = crossbeam::utils::Backoff::new();
    let mut written = 0;
    while written < buf.len() {
        match w.write(&buf[written..]) {
            Ok(0) => return Err((WriteError::Failed, written)),
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                let now = Instant::now();
                if now >= *deadline.get_or_insert(now + stall_limit) {
                    return Err((WriteError::Stalled, written));
                }
                if backoff.is_completed() {
                    std::thread::yield_now();
                } else {
                    backoff.snooze();
                }
            }
            Err(_) => return Err((WriteError::Failed, written)),
        }
    }
    Ok(())
}
