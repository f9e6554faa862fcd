//! Stage 1, io: a non-blocking socket polled with mio, frames read into one fixed buffer and
//! decoded in place. Market data becomes [`MdEvent`]s for normalize; order messages become
//! [`OrderMsg`]s for dispatch; anything else is counted and skipped.
//!
//! With the `spin` wait strategy io does not poll: it reads the non-blocking socket directly on
//! every turn of its loop (a `read` that returns `WouldBlock` when nothing came), so a tick
//! costs one system call from the wire to the decoder instead of a `poll` and a `read`. The
//! other strategies sleep in `poll` until the kernel says the socket is readable.
//!
//! Stamps: the socket read's stamp is the first frame's start; the stamp taken when a frame's
//! event is queued ends that frame's service time, is the event's enqueue time, and starts the
//! next frame (one clock read per frame).

pub use super::decode::{Decoded, decode};
use super::{TwsConnection, WriterMailbox};
use crate::latency::{self, now_ns};
use crate::metrics::EngineMetrics;
use crate::runtime::{Cadence, QueuePolicy, WaitStrategy, Waker};
use crate::types::{MdEvent, OrderEvent, OrderMsg};
use crate::wire::FrameReader;
use hdrhistogram::Histogram;
use mio::{Events, Interest, Poll, Token};
use std::io::{self, ErrorKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long io waits for room in the order queue before it gives the session up: dispatch
/// drains order events first and its socket writes are bounded
/// (dispatch's `WRITE_STALL_LIMIT`), so a queue full for this long means dispatch is
/// stuck; the events of a session given up are recovered by the next reconciliation.
pub const ORDER_QUEUE_PATIENCE: Duration = Duration::from_secs(5);

/// io stage counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct IoCounters {
    pub bytes: u64,
    pub frames: u64,
    pub md_events: u64,
    pub order_events: u64,
    pub skipped: u64,
    pub malformed: u64,
    pub md_queue_full: u64,
    pub md_dropped: u64,
    pub order_queue_full: u64,
    /// Sessions given up because the order queue stayed full past its patience (dispatch
    /// stuck); their events are recovered by the next reconciliation.
    pub order_queue_timeouts: u64,
    /// Sessions lost: socket closed or failed, or an unreadable stream from the gateway.
    pub disconnects: u64,
    /// Unreadable streams (bad length prefix): the session is dropped and re-established.
    pub protocol_errors: u64,
    /// Sessions re-established.
    pub reconnects: u64,
    /// Connection attempts that failed (each followed by a longer, jittered wait).
    pub reconnect_failures: u64,
}

/// What the io thread returns at shutdown.
pub struct IoReport {
    pub counters: IoCounters,
    /// Socket read to start of decode (frames waiting in the read batch).
    pub queue_wait: Histogram<u64>,
    /// Decode and enqueue of one frame.
    pub service: Histogram<u64>,
    /// The session was down when the engine stopped.
    pub disconnected: bool,
    /// The last connection problem, if any.
    pub error: Option<String>,
}

/// How io re-establishes a lost session.
#[derive(Debug, Clone)]
pub struct Reconnect {
    /// `HOST:PORT` of the gateway.
    pub gateway: String,
    pub client_id: i32,
    /// First delay; doubles per failed attempt up to `max_ms`, each jittered by up to a half.
    pub min_ms: u64,
    pub max_ms: u64,
    /// Where a new session's writing half is handed to dispatch (cold path, once per session),
    /// numbered by session generation.
    pub writer: Arc<WriterMailbox>,
}

impl Reconnect {
    /// The wait before attempt `attempt` (0-based): capped exponential backoff with jitter in
    /// `[d/2, d]`, so clients that lost the same gateway do not come back in lockstep.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// let r = hft::io::stage::Reconnect { gateway: String::new(), client_id: 1, min_ms: 100,
    ///     max_ms: 1_000, writer: Arc::new(hft::io::WriterMailbox::default()) };
    /// let mut seed = 42;
    /// let d0 = r.delay(0, &mut seed).as_millis();
    /// assert!((50..=100).contains(&d0));
    /// let d9 = r.delay(9, &mut seed).as_millis();
    /// assert!((500..=1_000).contains(&d9)); // capped
    /// ```
    pub fn delay(&self, attempt: u32, seed: &mut u64) -> Duration {
        let base = self
            .min_ms
            .saturating_mul(1u64 << attempt.min(20))
            .min(self.max_ms)
            .max(1);
        // xorshift64: jitter needs no cryptographic quality.
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let half = base / 2;
        Duration::from_millis(base - half + *seed % (half + 1))
    }
}

/// Everything the io thread owns.
pub struct IoStage {
    pub stream: mio::net::TcpStream,
    pub reader: FrameReader,
    pub version: i32,
    pub symbols: Vec<String>,
    pub md_tx: rtrb::Producer<MdEvent>,
    pub order_tx: rtrb::Producer<OrderMsg>,
    /// Rung after each market-data push: normalize's doorbell (a no-op unless it blocks).
    pub md_waker: Waker,
    /// Rung after each order-event push: dispatch's doorbell.
    pub order_waker: Waker,
    pub wait: WaitStrategy,
    pub md_policy: QueuePolicy,
    /// Unix ns at monotonic time 0 of [`now_ns`]: converts receive stamps to event times.
    pub wall_offset_ns: u64,
    pub stop: Arc<AtomicBool>,
    /// Set by the engine to stop forwarding market data while order events still flow (the
    /// shutdown drains the pipeline, then waits for the last fills).
    pub md_stop: Arc<AtomicBool>,
    /// Set by this stage once it forwards no more market data (normalize's upstream is done).
    pub md_stopped: Arc<AtomicBool>,
    /// How to come back after a lost session; `None` ends the stage at the first loss.
    pub reconnect: Option<Reconnect>,
    /// Longest wait for room in the order queue before the session is given up
    /// ([`ORDER_QUEUE_PATIENCE`]).
    pub order_patience: Duration,
    /// Where its counters and latency are published for the operators, and how often.
    pub metrics: Arc<EngineMetrics>,
    pub cadence: Cadence,
}

const SOCKET: Token = Token(0);

/// Why a session ended.
enum SessionEnd {
    Stopped,
    Lost,
}

impl IoStage {
    /// Runs until `stop` is set (or, without [`Reconnect`], until the session is lost); market
    /// data stops at `md_stop`. A lost session is reported to dispatch
    /// ([`OrderEvent::Disconnected`]) and re-established with capped, jittered exponential
    /// backoff; the new session's writer goes to dispatch with [`OrderEvent::Reconnected`].
    pub fn run(self) -> IoReport {
        let md_stopped = self.md_stopped.clone();
        let metrics = self.metrics.clone();
        let report = self.run_inner();
        md_stopped.store(true, Ordering::Release);
        publish(&metrics, &report);
        report
    }

    fn run_inner(mut self) -> IoReport {
        let mut report = IoReport {
            counters: IoCounters::default(),
            queue_wait: latency::histogram(),
            service: latency::histogram(),
            disconnected: false,
            error: None,
        };
        let mut poll = match Poll::new() {
            Ok(p) => p,
            Err(e) => {
                report.error = Some(format!("cannot create poll: {e}"));
                return report;
            }
        };
        let mut seq = 0u64;
        let mut seed = now_ns() | 1;
        // The session io starts with is generation 0; each re-established one the next.
        let mut generation = 0u64;
        loop {
            match self.session(&mut poll, &mut seq, &mut report) {
                SessionEnd::Stopped => return report,
                SessionEnd::Lost => {}
            }
            report.counters.disconnects += 1;
            report.disconnected = true;
            publish(&self.metrics, &report);
            let _ = poll.registry().deregister(&mut self.stream);
            // Dispatch still holds a clone of this socket: shut it down so the gateway sees the
            // session end even when it was our side that gave up (an unreadable stream).
            let _ = self.stream.shutdown(std::net::Shutdown::Both);
            self.push_session_event(OrderEvent::Disconnected, &mut report);
            let Some(rc) = self.reconnect.clone() else {
                return report;
            };
            tracing::warn!(error = ?report.error, "session lost; reconnecting");
            let mut attempt = 0u32;
            let conn = loop {
                if !self.sleep_unless_stopped(rc.delay(attempt, &mut seed)) {
                    return report;
                }
                match TwsConnection::connect(&rc.gateway, rc.client_id, Duration::from_secs(5)) {
                    Ok(c) => break c,
                    Err(e) => {
                        report.counters.reconnect_failures += 1;
                        publish(&self.metrics, &report);
                        tracing::warn!(attempt, error = %e, "reconnect failed");
                        report.error = Some(format!("reconnect failed: {e}"));
                        attempt = attempt.saturating_add(1);
                    }
                }
            };
            let next_valid_id = conn.next_valid_id;
            self.version = conn.server_version;
            let (stream, reader) = conn.into_parts();
            let (mio_stream, writer) = match split_for_stages(stream) {
                Ok(x) => x,
                Err(e) => {
                    report.error = Some(format!("cannot set up the new socket: {e}"));
                    continue;
                }
            };
            self.stream = mio_stream;
            self.reader = reader;
            generation += 1;
            rc.writer.publish(generation, writer);
            report.counters.reconnects += 1;
            report.disconnected = false;
            publish(&self.metrics, &report);
            tracing::info!(next_valid_id, generation, "session re-established");
            self.push_session_event(OrderEvent::Reconnected { next_valid_id }, &mut report);
        }
    }

    /// Sleeps `d` in short steps; false if the engine stopped meanwhile. Market data is over
    /// for normalize once `md_stop` is set, session or not.
    fn sleep_unless_stopped(&self, d: Duration) -> bool {
        let until = std::time::Instant::now() + d;
        loop {
            if self.md_stop.load(Ordering::Relaxed) {
                self.md_stopped.store(true, Ordering::Release);
            }
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            let now = std::time::Instant::now();
            if now >= until {
                return true;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(10)));
        }
    }

    /// Reads one session until it is lost or the engine stops.
    fn session(&mut self, poll: &mut Poll, seq: &mut u64, report: &mut IoReport) -> SessionEnd {
        if let Err(e) = poll
            .registry()
            .register(&mut self.stream, SOCKET, Interest::READABLE)
        {
            report.error = Some(format!("cannot register socket: {e}"));
            return SessionEnd::Lost;
        }
        let mut events = Events::with_capacity(16);
        let timeout = match self.wait {
            WaitStrategy::Spin => Some(Duration::ZERO),
            // The kernel wakes io when bytes arrive; the limit only bounds the stop checks.
            WaitStrategy::Backoff | WaitStrategy::Block | WaitStrategy::SpinThenBlock => {
                Some(Duration::from_millis(1))
            }
        };
        // Spinning reads the socket directly: no poll system call per turn.
        let polls = self.wait != WaitStrategy::Spin;
        // Frames may already be buffered from the handshake.
        if !self.drain_frames(now_ns(), seq, report) {
            return SessionEnd::Lost;
        }
        while !self.stop.load(Ordering::Relaxed) {
            if self.md_stop.load(Ordering::Relaxed) {
                // From here on no market data is forwarded (drain_frames skips it).
                self.md_stopped.store(true, Ordering::Release);
            }
            if !polls {
                std::hint::spin_loop();
            } else if let Err(e) = poll.poll(&mut events, timeout) {
                if e.kind() == ErrorKind::Interrupted {
                    continue;
                }
                report.error = Some(format!("poll failed: {e}"));
                return SessionEnd::Lost;
            }
            // Edge-triggered: read until WouldBlock whether or not an event was reported.
            let bytes_before = report.counters.bytes;
            loop {
                match self.reader.fill_from(&mut self.stream) {
                    Ok(0) => {
                        report.error = Some("the gateway closed the connection".into());
                        return SessionEnd::Lost;
                    }
                    Ok(n) => {
                        report.counters.bytes += n as u64;
                        let t_recv = now_ns();
                        if !self.drain_frames(t_recv, seq, report) {
                            return SessionEnd::Lost;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => {
                        report.error = Some(format!("socket read failed: {e}"));
                        return SessionEnd::Lost;
                    }
                }
            }
            if self
                .cadence
                .due(now_ns(), report.counters.bytes == bytes_before)
            {
                publish(&self.metrics, report);
            }
        }
        SessionEnd::Stopped
    }

    /// Decodes every complete buffered frame. False on a fatal framing error.
    fn drain_frames(&mut self, t_recv: u64, seq: &mut u64, report: &mut IoReport) -> bool {
        // One clock read per frame: the stamp that ends a frame starts the next one.
        let mut start = t_recv;
        loop {
            let frame = match self.reader.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => return true,
                Err(e) => {
                    // The stream cannot be re-synchronised: drop the session and start anew.
                    report.counters.protocol_errors += 1;
                    report.error = Some(format!("protocol error from the gateway: {e}"));
                    tracing::error!(error = %e, "unreadable stream from the gateway; dropping the session");
                    return false;
                }
            };
            report.counters.frames += 1;
            latency::record(&mut report.queue_wait, start.saturating_sub(t_recv));
            let event_time = self.wall_offset_ns + t_recv;
            match decode(frame, self.version, t_recv, event_time, seq, &self.symbols) {
                Ok(Decoded::Md(mut e)) => {
                    if self.md_stop.load(Ordering::Relaxed) {
                        self.md_stopped.store(true, Ordering::Release);
                        report.counters.skipped += 1;
                    } else {
                        report.counters.md_events += 1;
                        let stamp = now_ns();
                        e.t_enq_ns = stamp;
                        push_md(&mut self.md_tx, e, self.md_policy, &mut report.counters);
                        self.md_waker.wake();
                        latency::record(&mut report.service, stamp.saturating_sub(start));
                        start = stamp;
                        continue;
                    }
                }
                Ok(Decoded::Order(event)) => {
                    report.counters.order_events += 1;
                    let stamp = now_ns();
                    let msg = OrderMsg {
                        t_recv_ns: t_recv,
                        t_enq_ns: stamp,
                        value: event,
                    };
                    if !self.push_order(msg, report) {
                        return false;
                    }
                    latency::record(&mut report.service, stamp.saturating_sub(start));
                    start = stamp;
                    continue;
                }
                Ok(Decoded::Skip) => report.counters.skipped += 1,
                Err(_) => report.counters.malformed += 1,
            }
            let end = now_ns();
            latency::record(&mut report.service, end.saturating_sub(start));
            start = end;
        }
    }

    /// Pushes an order event, waiting for room at most [`IoStage::order_patience`] (dispatch
    /// drains order events first). False when the queue stayed full that long: the session is
    /// given up (counted), and the events it still had are recovered by the reconciliation of
    /// the next one. True also when dispatch is gone (nothing to deliver to).
    fn push_order(&mut self, msg: OrderMsg, report: &mut IoReport) -> bool {
        match push_bounded(&mut self.order_tx, msg, self.order_patience) {
            Pushed::Queued { waited } => {
                self.order_waker.wake();
                report.counters.order_queue_full += u64::from(waited);
                true
            }
            Pushed::Abandoned => true,
            Pushed::TimedOut => {
                report.counters.order_queue_full += 1;
                report.counters.order_queue_timeouts += 1;
                report.error = Some(format!(
                    "the order queue stayed full for {:?} (dispatch stuck): session given up",
                    self.order_patience
                ));
                tracing::error!("order queue full past its patience: giving the session up");
                false
            }
        }
    }

    /// Pushes a session event (lost, re-established). Never dropped: dispatch numbers the
    /// sessions by counting them ([`super::handoff`]). It waits for room until dispatch is gone;
    /// dispatch drains order events first and its writes are bounded, so the wait ends.
    fn push_session_event(&mut self, value: OrderEvent, report: &mut IoReport) {
        let mut msg = OrderMsg {
            t_recv_ns: now_ns(),
            t_enq_ns: now_ns(),
            value,
        };
        loop {
            match push_bounded(&mut self.order_tx, msg, self.order_patience) {
                Pushed::Queued { waited } => {
                    self.order_waker.wake();
                    report.counters.order_queue_full += u64::from(waited);
                    return;
                }
                Pushed::Abandoned => return,
                Pushed::TimedOut => {
                    report.counters.order_queue_full += 1;
                    tracing::error!("order queue still full: waiting to report a session event");
                    msg.t_enq_ns = now_ns();
                }
            }
        }
    }
}

/// Copies io's counters and latency percentiles into its metrics cells (no allocation).
fn publish(metrics: &EngineMetrics, report: &IoReport) {
    let (c, cells) = (&report.counters, &metrics.io);
    cells.ticks.set(c.md_events);
    cells.frames.set(c.frames);
    cells.bytes.set(c.bytes);
    cells.order_events.set(c.order_events);
    cells.md_dropped.set(c.md_dropped);
    cells.malformed.set(c.malformed);
    cells.disconnects.set(c.disconnects);
    cells.reconnects.set(c.reconnects);
    cells.reconnect_failures.set(c.reconnect_failures);
    cells.queue_wait.publish(&report.queue_wait);
    cells.service.publish(&report.service);
}

/// What [`push_bounded`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// In the queue; `waited`: the queue was full first.
    Queued { waited: bool },
    /// The queue stayed full for the whole patience; the message was not queued.
    TimedOut,
    /// The consumer is gone; the message was not queued.
    Abandoned,
}

/// Pushes `msg`, waiting for room at most `patience` (spin, then yield; the clock is read only
/// once the queue has been found full).
///
/// # Examples
/// ```
/// use hft::io::stage::{Pushed, push_bounded};
/// use std::time::Duration;
/// let (mut tx, _rx) = rtrb::RingBuffer::new(1);
/// assert_eq!(push_bounded(&mut tx, 1, Duration::ZERO), Pushed::Queued { waited: false });
/// // Full, and nobody drains: the wait ends at the patience instead of blocking io.
/// assert_eq!(push_bounded(&mut tx, 2, Duration::from_millis(1)), Pushed::TimedOut);
/// ```
pub fn push_bounded<T>(tx: &mut rtrb::Producer<T>, mut msg: T, patience: Duration) -> Pushed {
    match tx.push(msg) {
        Ok(()) => return Pushed::Queued { waited: false },
        Err(rtrb::PushError::Full(m)) => msg = m,
    }
    let deadline = Instant::now() + patience;
    let backoff = crossbeam::utils::Backoff::new();
    loop {
        if tx.is_abandoned() {
            return Pushed::Abandoned;
        }
        if backoff.is_completed() {
            if Instant::now() >= deadline {
                return Pushed::TimedOut;
            }
            std::thread::yield_now();
        } else {
            backoff.snooze();
        }
        match tx.push(msg) {
            Ok(()) => return Pushed::Queued { waited: true },
            Err(rtrb::PushError::Full(m)) => msg = m,
        }
    }
}

fn push_md(
    tx: &mut rtrb::Producer<MdEvent>,
    mut e: MdEvent,
    policy: QueuePolicy,
    counters: &mut IoCounters,
) {
    match tx.push(e) {
        Ok(()) => {}
        Err(rtrb::PushError::Full(back)) => {
            counters.md_queue_full += 1;
            match policy {
                QueuePolicy::Drop => counters.md_dropped += 1,
                QueuePolicy::Backpressure => {
                    e = back;
                    let backoff = crossbeam::utils::Backoff::new();
                    while let Err(rtrb::PushError::Full(b)) = tx.push(e) {
                        e = b;
                        if tx.is_abandoned() {
                            return;
                        }
                        backoff.snooze();
                    }
                }
            }
        }
    }
}

/// Makes a connected std stream non-blocking for mio and returns a second handle for writing.
///
/// # Errors
/// Socket option or clone failures.
pub fn split_for_stages(
    stream: std::net::TcpStream,
) -> io::Result<(mio::net::TcpStream, std::net::TcpStream)> {
    stream.set_read_timeout(None)?;
    stream.set_nodelay(true)?;
    let writer = stream.try_clone()?;
    stream.set_nonblocking(true)?;
    Ok((mio::net::TcpStream::from_std(stream), writer))
}

#[cfg(test)]
#[path = "stage_tests.rs"]
mod tests;
