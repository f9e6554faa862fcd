//! The gateway's single-threaded core. Connection threads hand it decoded-frame commands; it
//! answers by encoding into each session's outbox, which a per-session writer thread drains. One
//! thread owns all state, so there are no locks and the order of events is the order of
//! processing.
//!
//! The state is split by responsibility: [`Sessions`] (connections and their buffers),
//! [`Market`] (feed, books, market-data lines), [`Orders`] (ledger and matcher), [`History`]
//! (historical bars), and the injected faults here. `Core` routes commands and requests between
//! them: text and protobuf requests alike arrive as one [`Request`] in [`Core::on_request`].

use super::encode::{ContractInfo, Out};
use super::faults::{FaultAction, FaultClock};
use super::history::Pacing;
use super::market::{Feed, Market, tick_by_tick_kind};
use super::orderflow::Orderflow;
use super::orders::{Orders, Venue, publish_position};
use super::report::{GatewayStats, LedgerSnapshot, WireReport};
use super::requests::{self, History, no_security_definition, resolve};
use super::sessions::{Sessions, now_ms};
use super::universe::{MarketEvent, Universe};
use crate::config::{FaultParams, GatewayParams, SimParams};
use crate::wire::ids::codes;
use crate::wire::proto as pb;
use crate::wire::{
    ContractSpec, DecodeError, Fields, Negotiated, OrderExtras, OrderRequest, ProtoRequest, Request,
};
use crossbeam::channel::{Receiver, RecvTimeoutError, Sender};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Market events processed per loop turn, so requests are never starved by a fast feed.
const EVENTS_PER_TURN: usize = 4096;

/// Commands from the connection threads and the handle.
pub(crate) enum Cmd {
    Register {
        conn: u64,
        neg: Negotiated,
        tx: Sender<Vec<u8>>,
        control: TcpStream,
    },
    /// `t_ns`: when the connection thread read the frame (monotonic, [`crate::latency::now_ns`]).
    Frame {
        conn: u64,
        body: Vec<u8>,
        t_ns: u64,
    },
    RateExceeded {
        conn: u64,
        rate: u32,
        disconnect: bool,
    },
    Closed {
        conn: u64,
    },
    Snapshot(Sender<LedgerSnapshot>),
    WireReport(Sender<Option<WireReport>>),
    Stop,
}

pub(crate) struct Core {
    p: GatewayParams,
    contracts: Vec<ContractInfo>,
    sessions: Sessions,
    market: Market,
    orders: Orders,
    history: History,
    /// Injected faults and their schedule.
    faults: FaultParams,
    fault_clock: FaultClock,
    /// Index of the symbol whose feed goes stale, if any.
    stale_symbol: Option<usize>,
    /// When the gateway started (the fault schedule and the paced feed count from here).
    start: Instant,
    /// Read time of the frame being handled (monotonic ns).
    frame_read_ns: u64,
    /// The message orderings of real TWS (`[orderflow]`) and what they hold back.
    flow: Orderflow,
    /// A clock fixed by a test (`None`: the monotonic clock), so held-back messages come due in
    /// an order that depends on the seed alone.
    fixed_clock_ns: Option<u64>,
    stats: Arc<GatewayStats>,
    /// When account subscriptions were last refreshed.
    account_clock: account::AccountClock,
}

/// The parts of `Core` order handling works with, borrowed field by field.
macro_rules! venue {
    ($core:expr) => {
        Venue {
            sessions: &mut $core.sessions,
            contracts: &$core.contracts,
            books: &mut $core.market.books,
            stats: &$core.stats,
            flow: &mut $core.flow,
        }
    };
}

impl Core {
    pub(crate) fn new(
        params: &SimParams,
        universe: Universe,
        feed: Feed,
        start_ns: i64,
        stats: Arc<GatewayStats>,
    ) -> Self {
        let start_unix = start_ns.div_euclid(1_000_000_000);
        let stale_symbol = (!params.faults.stale_symbol.is_empty())
            .then(|| universe.index_of(&params.faults.stale_symbol))
            .flatten();
        let contracts = universe
            .names()
            .iter()
            .enumerate()
            .map(|(i, s)| ContractInfo {
                con_id: 756_700 + i as i32 * 17,
                symbol: s.clone(),
                long_name: format!("{s} SYNTHETIC"),
                sec_type: "STK",
            })
            .collect();
        let g = &params.gateway;
        // History is drawn backwards from the universe as the live feed starts.
        let history = History::new(universe.clone(), params, start_unix);
        let market = Market::new(
            universe,
            feed,
            start_ns,
            g.book_levels,
            g.max_market_data_lines,
        );
        let exec_prefix = (start_unix as u32) ^ 0x5eed_0000;
        Core {
            p: g.clone(),
            contracts,
            sessions: Sessions::default(),
            market,
            orders: Orders::new(g, &params.faults, exec_prefix),
            history,
            faults: params.faults.clone(),
            fault_clock: FaultClock::default(),
            stale_symbol,
            start: Instant::now(),
            frame_read_ns: 0,
            flow: Orderflow::new(&params.orderflow),
            fixed_clock_ns: None,
            stats,
            account_clock: account::AccountClock::default(),
        }
    }

    /// Runs until [`Cmd::Stop`] or until every sender is gone.
    pub(crate) fn run(mut self, rx: Receiver<Cmd>) {
        loop {
            let mut wait = self.market.next_event_wait(self.start);
            if let Some(due) = self.flow.next_due_ns() {
                let left = due.saturating_sub(self.now_ns());
                wait = wait.min(std::time::Duration::from_nanos(left));
            }
            wait = wait.min(self.account_wait().unwrap_or(wait));
            match rx.recv_timeout(wait) {
                Ok(Cmd::Stop) => break,
                Ok(cmd) => self.handle(cmd),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let mut stop = false;
            for _ in 0..1024 {
                match rx.try_recv() {
                    Ok(Cmd::Stop) => {
                        stop = true;
                        break;
                    }
                    Ok(cmd) => self.handle(cmd),
                    Err(_) => break,
                }
            }
            if stop {
                break;
            }
            if self.faults.any() {
                self.apply_faults();
            }
            self.pump_market();
            self.refresh_accounts();
            if self.flow.is_on() {
                self.deliver_due(self.now_ns());
            }
            self.flush_all();
        }
        self.flush_all();
        self.sessions.shut_down_all();
    }

    fn handle(&mut self, cmd: Cmd) {
        self.flow.now_ns = self.now_ns();
        self.handle_cmd(cmd);
        self.forget_dropped();
    }

    fn handle_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Register {
                conn,
                neg,
                tx,
                control,
            } => {
                GatewayStats::bump(&self.stats.connections);
                let pacing = Pacing::new(&self.p);
                self.sessions.register(conn, neg, tx, control, pacing);
            }
            Cmd::Frame { conn, body, t_ns } => {
                self.frame_read_ns = t_ns;
                self.on_frame(conn, &body)
            }
            Cmd::RateExceeded {
                conn,
                rate,
                disconnect,
            } => {
                GatewayStats::bump(&self.stats.rate_violations);
                let max = self.p.max_messages_per_sec;
                let msg = format!(
                    "Max rate of messages per second has been exceeded:max={max} rec={rate} (1)"
                );
                self.sessions
                    .error(conn, -1, codes::MAX_RATE_EXCEEDED, &msg);
                if disconnect {
                    GatewayStats::bump(&self.stats.rate_disconnects);
                    tracing::warn!(
                        conn,
                        rate,
                        "client keeps exceeding the message rate; disconnecting it"
                    );
                    self.flush(conn);
                    self.close(conn);
                }
            }
            Cmd::Closed { conn } => self.close(conn),
            Cmd::WireReport(reply) => {
                let _ = reply.send(self.market.wire.clone());
            }
            Cmd::Snapshot(reply) => {
                let _ = reply.send(self.snapshot());
            }
            Cmd::Stop => {}
        }
    }

    /// The gateway's monotonic clock, ns.
    fn now_ns(&self) -> u64 {
        self.fixed_clock_ns.unwrap_or_else(crate::latency::now_ns)
    }

    /// Delivers what the orderflow held back and is due at `now_ns`: frames, deferred cancels,
    /// lagging positions.
    fn deliver_due(&mut self, now_ns: u64) {
        self.flow.now_ns = now_ns;
        self.flow.take_due_frames(now_ns, &mut self.sessions);
        for index in self.flow.take_due_cancels(now_ns) {
            self.orders.cancel_due(&mut venue!(self), index);
        }
        for key in self.flow.take_due_positions(now_ns) {
            let pos = self
                .orders
                .ledger
                .positions
                .get(&key)
                .copied()
                .unwrap_or_default();
            self.flow.position_published(&key, (pos.qty, pos.avg_cost));
            publish_position(
                &mut self.sessions,
                &self.contracts,
                &key,
                pos.qty,
                pos.avg_cost,
            );
        }
        self.forget_dropped();
    }

    /// Connections the orderflow dropped lose their market-data lines.
    fn forget_dropped(&mut self) {
        for conn in std::mem::take(&mut self.flow.dropped) {
            self.market.drop_conn(conn);
        }
    }

    /// Carries out the scheduled faults that are due.
    fn apply_faults(&mut self) {
        let now = self.start.elapsed().as_secs_f64();
        match self.fault_clock.poll(&self.faults, now) {
            FaultAction::None => {}
            FaultAction::DropAll => self.drop_all(),
            FaultAction::RestartBegin => {
                tracing::warn!("fault injection: daily restart begins (1100)");
                self.sessions.notify_all(
                    codes::CONNECTIVITY_LOST,
                    "Connectivity between IB and Trader Workstation has been lost.",
                );
            }
            FaultAction::RestartEnd => {
                if self.faults.restart_data_lost {
                    // Data lost: every market-data line is gone; clients must resubscribe.
                    self.market.drop_all_lines(&mut self.sessions);
                    self.sessions.notify_all(
                        codes::RESTORED_DATA_LOST,
                        "Connectivity between IB and Trader Workstation has been restored - data lost.",
                    );
                } else {
                    self.sessions.notify_all(
                        codes::RESTORED_DATA_KEPT,
                        "Connectivity between IB and Trader Workstation has been restored - data maintained.",
                    );
                }
                tracing::warn!(
                    data_lost = self.faults.restart_data_lost,
                    "fault injection: daily restart ends"
                );
            }
        }
    }

    /// Fault injection: every connection closed, after what is already buffered.
    fn drop_all(&mut self) {
        let clients = self.sessions.len();
        tracing::warn!(clients, "fault injection: dropping every connection");
        self.flush_all();
        for c in self.sessions.conns() {
            self.close(c);
        }
    }

    /// True while market data for `sym` is held back by an injected fault.
    fn feed_paused(&self, sym: usize) -> bool {
        if self.fault_clock.restarting() {
            return true;
        }
        if self.stale_symbol == Some(sym) {
            let f = &self.faults;
            let now = self.start.elapsed().as_secs_f64();
            return now >= f.stale_after_secs && now < f.stale_after_secs + f.stale_for_secs;
        }
        false
    }

    fn pump_market(&mut self) {
        self.flow.now_ns = self.now_ns();
        let replay_t0 = self.market.replay_clock();
        for _ in 0..EVENTS_PER_TURN {
            let Some(event) = self.market.next_due_event(self.start, replay_t0) else {
                return;
            };
            self.on_market_event(event);
        }
    }

    /// One quote event: ticks to the subscribers, then resting orders on its symbol.
    fn on_market_event(&mut self, e: MarketEvent) {
        let paused = self.feed_paused(e.symbol);
        let (sent, time) = self.market.fan_out(&mut self.sessions, e, paused);
        self.stats.ticks_sent.fetch_add(sent, Ordering::Relaxed);
        for conn in self.sessions.over_flush_size() {
            self.flush(conn);
        }
        self.orders
            .on_market(&mut venue!(self), e.symbol, e.trade, time);
    }

    /// Hands `conn`'s buffer to its writer; a client that does not read is disconnected.
    fn flush(&mut self, conn: u64) {
        if !self.sessions.flush(conn) {
            tracing::warn!(conn, "client does not read its data; disconnecting it");
            GatewayStats::bump(&self.stats.slow_client_disconnects);
            self.close(conn);
        }
    }

    fn flush_all(&mut self) {
        for c in self.sessions.conns() {
            self.flush(c);
        }
    }

    fn close(&mut self, conn: u64) {
        self.sessions.close(conn);
        self.market.drop_conn(conn);
    }

    fn malformed(&mut self, conn: u64, err: DecodeError) {
        GatewayStats::bump(&self.stats.malformed_frames);
        tracing::warn!(conn, %err, "malformed request");
        let msg = format!("Error reading request: {err}");
        self.sessions
            .error(conn, -1, codes::ERROR_READING_REQUEST, &msg);
    }

    /// Decodes a frame (text, binary-id text or protobuf, as negotiated) into one [`Request`].
    fn on_frame(&mut self, conn: u64, body: &[u8]) {
        let Some(neg) = self.sessions.get(conn).map(|s| s.neg) else {
            return;
        };
        if !neg.binary_ids() {
            match Request::decode_text(body) {
                Ok(req) => self.on_request(conn, req),
                Err(e) => self.malformed(conn, e),
            }
            return;
        }
        let result = pb::split_binary_id(body).and_then(|(id, payload)| {
            if id > pb::PROTOBUF_ID_OFFSET {
                let decoded = ProtoRequest::decode(id - pb::PROTOBUF_ID_OFFSET, payload)?;
                self.on_request(conn, decoded.request());
            } else {
                let mut f = Fields::new(payload);
                self.on_request(conn, Request::decode_fields(id, &mut f)?);
            }
            Ok(())
        });
        if let Err(e) = result {
            self.malformed(conn, e);
        }
    }

    /// Serves one request of `conn`, however it was encoded.
    fn on_request(&mut self, conn: u64, req: Request<'_>) {
        let Some(client_id) = self.sessions.get(conn).map(|s| s.client_id) else {
            return;
        };
        let Some(client_id) = client_id else {
            if let Request::StartApi { client_id, .. } = req {
                self.start_api(conn, client_id);
            } else {
                let msg = "The API is not started: send START_API first";
                self.sessions
                    .error(conn, -1, codes::ERROR_VALIDATING_REQUEST, msg);
            }
            return;
        };
        match req {
            Request::MarketData {
                req_id,
                contract,
                snapshot,
                ..
            } => self.market_data(conn, req_id, &contract, snapshot),
            Request::CancelMarketData { req_id } | Request::CancelTickByTick { req_id } => {
                self.market.cancel_line(&mut self.sessions, conn, req_id)
            }
            Request::TickByTick {
                req_id,
                contract,
                tick_type,
                ..
            } => self.tick_by_tick(conn, req_id, &contract, tick_type),
            Request::PlaceOrder(o) => self.place_order(conn, client_id, &o, Default::default()),
            Request::PlaceOrderExt(o, x) => self.place_order(conn, client_id, &o, x),
            Request::CancelOrder { order_id } => {
                self.orders
                    .cancel(&mut venue!(self), conn, client_id, order_id)
            }
            Request::GlobalCancel => self.orders.cancel_all(&mut venue!(self)),
            Request::Account(a) => self.account_request(conn, a),
            Request::MarketDataType { data_type } => self.market_data_type(conn, data_type),
            Request::HistoricalTicks(_)
                if self
                    .history
                    .tick_request_drops(self.faults.drop_on_tick_request) =>
            {
                self.drop_all()
            }
            Request::AutoOpenOrders { .. }
            | Request::CancelHistoricalTicks { .. }
            | Request::CancelHistoricalData { .. }
            | Request::CancelContractData { .. } => {}
            _ => self.answer(conn, client_id, req),
        }
    }

    /// The requests answered from what the gateway knows, to the asking session only.
    fn answer(&mut self, conn: u64, client_id: i32, req: Request<'_>) {
        let s = self
            .sessions
            .get_mut(conn)
            .expect("caller checked the session");
        let (ledger, contracts) = (&self.orders.ledger, &self.contracts[..]);
        let combos = &self.orders.combos[..];
        let working = self.orders.matcher.working();
        let flow = &mut self.flow;
        match req {
            Request::StartApi { .. } => s.error(
                -1,
                codes::ERROR_VALIDATING_REQUEST,
                "START_API was already received",
            ),
            Request::ContractData { req_id, contract } => {
                requests::contract_data(s, contracts, req_id, &contract)
            }
            Request::HistoricalData(h) => self.history.request(s, contracts, &h),
            Request::HistoricalTicks(h) => self.history.ticks(s, contracts, &h),
            Request::OpenOrders => flow.answer(s, |s| {
                requests::open_orders(s, (ledger, combos), contracts, working, Some(client_id))
            }),
            Request::AllOpenOrders => flow.answer(s, |s| {
                requests::open_orders(s, (ledger, combos), contracts, working, None)
            }),
            Request::CompletedOrders { .. } => requests::completed_orders(s, ledger, contracts),
            Request::Executions { req_id, filter } => {
                let bags = flow.bag_executions_in_replay().then_some(combos);
                flow.answer(s, |s| {
                    requests::executions(s, (ledger, bags), contracts, req_id, &filter)
                })
            }
            Request::Ids { .. } => s.send(Out::NextValidId(self.orders.next_id_for(client_id))),
            Request::Positions => {
                // Answered as positions stood (a lag included) when asked.
                let flow_ref: &Orderflow = flow;
                let bytes = s.capture(|s| flow_ref.positions_answer(s, ledger, contracts));
                flow.answer(s, |s| s.push_encoded(&bytes))
            }
            Request::CancelPositions => s.positions_subscribed = false,
            Request::CurrentTime => s.send(Out::CurrentTime(now_ms() / 1000)),
            Request::ManagedAccounts => s.send(Out::ManagedAccounts(&self.p.account)),
            _ => {}
        }
    }

    fn start_api(&mut self, conn: u64, client_id: i32) {
        let next_id = self.orders.next_id_for(client_id);
        let replay = self
            .faults
            .replay_executions_on_reconnect
            .then_some((&self.orders.ledger, &self.contracts[..]));
        let started = self
            .sessions
            .start_api(conn, client_id, next_id, &self.p.account, replay);
        if started {
            self.market.first_session.get_or_insert_with(Instant::now);
        } else {
            self.flush(conn);
            self.close(conn);
        }
    }

    fn market_data(&mut self, conn: u64, req_id: i32, contract: &ContractSpec<'_>, snapshot: bool) {
        let Some(sym) = resolve(&self.contracts, contract) else {
            let s = self.sessions.get_mut(conn).expect("caller checked");
            return no_security_definition(s, req_id);
        };
        if let Some(s) = self.sessions.get_mut(conn) {
            super::account_subs::announce_data_type(s, req_id);
        }
        self.market
            .market_data(&mut self.sessions, conn, req_id, sym, snapshot);
    }

    fn tick_by_tick(&mut self, conn: u64, req_id: i32, contract: &ContractSpec<'_>, kind: &str) {
        let s = self.sessions.get_mut(conn).expect("caller checked");
        let Some(kind) = tick_by_tick_kind(kind) else {
            let code = codes::ERROR_VALIDATING_REQUEST;
            return s.error(req_id, code, "Invalid tick-by-tick type");
        };
        let Some(sym) = resolve(&self.contracts, contract) else {
            return no_security_definition(s, req_id);
        };
        self.market
            .tick_by_tick(&mut self.sessions, conn, req_id, sym, kind);
    }

    fn place_order(&mut self, conn: u64, client_id: i32, o: &OrderRequest, x: OrderExtras) {
        GatewayStats::bump(&self.stats.orders_received);
        // Wire to wire: the order names, in orderRef, the tick that triggered it.
        if let (Some(w), Some(s)) = (&mut self.market.wire, self.sessions.get(conn)) {
            let seq = crate::wire::parse_i64(o.order_ref.as_bytes()).unwrap_or(0);
            match u64::try_from(seq - 1).ok().and_then(|k| s.scheduled_at(k)) {
                Some(sched) => {
                    let latency = self.frame_read_ns.saturating_sub(sched);
                    crate::latency::record(&mut w.tick_to_trade, latency);
                    w.matched += 1;
                }
                None => w.unmatched += 1,
            }
        }
        let feed_unix = self.market.now_unix();
        self.orders
            .place(&mut venue!(self), conn, client_id, (o, &x), feed_unix);
    }
}

mod account;
mod snapshot;
#[cfg(test)]
mod tests;
