//! The dispatch thread's socket side, driven by hand over loopback sockets: failed and stalled
//! writes, the session hand-off from io, and the write-ahead journal rule. No thread is
//! started and nothing waits on a clock.

use super::*;
use crate::config::RiskParams;
use crate::runtime::WaitStrategy;
use crate::types::{Direction, EndKind, IntentKind, Leg, OrderIntent, Side, Stamped};
use crate::wire::split_frame;
use std::io::{ErrorKind, Read};
use std::net::{Shutdown, TcpListener};

/// A connected loopback pair: our non-blocking writing end (as io hands it over) and the
/// gateway's end.
fn socket_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (peer, _) = listener.accept().unwrap();
    ours.set_nonblocking(true).unwrap();
    ours.set_nodelay(true).unwrap();
    peer.set_nonblocking(true).unwrap();
    (ours, peer)
}

struct Fixture {
    stage: DispatchStage,
    peer: TcpStream,
    mailbox: Arc<WriterMailbox>,
    _intents: rtrb::Producer<IntentMsg>,
    _orders: rtrb::Producer<OrderMsg>,
}

fn event(value: OrderEvent) -> OrderMsg {
    Stamped {
        value,
        t_recv_ns: now_ns(),
        t_enq_ns: now_ns(),
    }
}

/// A stage on one pair (A = 0, B = 1), started and reconciled (empty answers).
fn fixture(journal: Option<JournalTx>) -> Fixture {
    let (ours, peer) = socket_pair();
    let (intents_tx, intents) = rtrb::RingBuffer::new(16);
    let (orders_tx, orders) = rtrb::RingBuffer::new(64);
    let (outcomes, _) = rtrb::RingBuffer::new(64);
    let flag = || Arc::new(AtomicBool::new(false));
    let mailbox = Arc::new(WriterMailbox::default());
    let setup = DispatchSetup {
        dispatcher: DispatcherSetup {
            symbols: vec!["A".into(), "B".into()],
            pairs: vec![[0, 1]],
            baskets: Vec::new(),
            account: "DU1".into(),
            client_id: 7,
            next_order_id: 100,
            risk: RiskParams::default(),
            wall_offset_ns: 0,
            fills_capacity: 64,
            requests_sent: 0,
            feed: Arc::new(crate::normalize::FeedState::new(2)),
            execution: Default::default(),
            policies: Vec::new(),
            leaders: Vec::new(),
        },
        intents,
        orders,
        outcomes,
        writer: ours,
        tick_by_tick: false,
        waiter: Waiter::new(WaitStrategy::Backoff),
        upstream_done: flag(),
        drain_until: Arc::new(AtomicU64::new(u64::MAX)),
        kill_request: flag(),
        killed: flag(),
        writer_mailbox: mailbox.clone(),
        journal,
        metrics: Arc::new(crate::metrics::EngineMetrics::new(&[
            "A".into(),
            "B".into(),
        ])),
        cadence: crate::runtime::Cadence::new(1_000_000),
        con_ids: Vec::new(),
    };
    let mut stage = DispatchStage::new(setup, None);
    stage.dispatcher.start(now_ns());
    stage.flush();
    for k in [EndKind::Executions, EndKind::OpenOrders, EndKind::Positions] {
        stage.on_order_msg(&event(OrderEvent::End(k)));
    }
    Fixture {
        stage,
        peer,
        mailbox,
        _intents: intents_tx,
        _orders: orders_tx,
    }
}

/// The strategy opens the pair: buy 100 A, sell 200 B.
fn entry(stage: &mut DispatchStage) {
    let now = now_ns();
    stage
        .dispatcher
        .feed()
        .publish(0, now, 100.0, 100.0, 100.0, 100.0);
    stage
        .dispatcher
        .feed()
        .publish(1, now, 50.0, 50.0, 100.0, 100.0);
    let msg = Stamped {
        value: OrderIntent {
            pair: 0,
            seq: 1,
            t_ns: now,
            kind: IntentKind::Open(Direction::LongSpread),
            legs: [
                Leg {
                    instrument: 0,
                    side: Side::Buy,
                    qty: 100,
                },
                Leg {
                    instrument: 1,
                    side: Side::Sell,
                    qty: 200,
                },
            ]
            .into(),
        },
        t_recv_ns: now,
        t_enq_ns: now,
    };
    stage.dispatcher.on_intent(&msg, now);
    stage.flush();
}

/// Everything the gateway's end has received so far, split into frames, and the bytes of a
/// trailing partial frame. Loopback delivers within the write call: nothing is waited for.
fn received(peer: &mut TcpStream) -> (Vec<Vec<u8>>, usize) {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match peer.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let mut frames = Vec::new();
    let mut rest = &bytes[..];
    while let Ok(Some((body, used))) = split_frame(rest, usize::MAX) {
        frames.push(body.to_vec());
        rest = &rest[used..];
    }
    (frames, rest.len())
}

fn places(frames: &[Vec<u8>]) -> usize {
    frames
        .iter()
        .filter(|f| matches!(Request::decode_text(f), Ok(Request::PlaceOrder(_))))
        .count()
}

#[test]
fn both_legs_of_a_pair_leave_in_one_write_from_their_templates() {
    let mut f = fixture(None);
    received(&mut f.peer);
    let writes = f.stage.wire.writes;
    entry(&mut f.stage);
    assert_eq!(f.stage.wire.writes, writes + 1, "one write for both legs");
    assert!(f.stage.wire.staged.is_empty());
    let (frames, partial) = received(&mut f.peer);
    assert_eq!((places(&frames), partial), (2, 0));
    let orders: Vec<_> = frames
        .iter()
        .filter_map(|b| match Request::decode_text(b) {
            Ok(Request::PlaceOrder(o)) => {
                Some((o.order_id, o.action.to_string(), o.total_quantity))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        orders,
        [
            (100, "BUY".to_string(), 100.0),
            (101, "SELL".to_string(), 200.0)
        ]
    );
    // Both were triggered by the tick: end to end, none measured as a re-send.
    assert_eq!(f.stage.latency.end_to_end.len(), 2);
    assert_eq!(f.stage.latency.resend_to_wire.len(), 0);
}

#[test]
fn a_failed_write_ends_the_session_and_nothing_more_is_written() {
    let mut f = fixture(None);
    let (frames, _) = received(&mut f.peer);
    assert!(
        !frames.is_empty(),
        "reconciliation and subscriptions went out"
    );
    // The session dies under dispatch: the socket no longer takes writes.
    let writer = f.stage.wire.writer.as_ref().unwrap();
    writer.shutdown(Shutdown::Write).unwrap();
    entry(&mut f.stage);
    let c = *f.stage.dispatcher.counters();
    assert!(
        f.stage.dispatcher.link_down(),
        "a failed write ends the session for dispatch: {c:?}"
    );
    assert_eq!(
        c.write_errors, 2,
        "the two legs of the batch, no re-send on the dead socket: {c:?}"
    );
    assert!(f.stage.wire.writer.is_none(), "the dead writer is dropped");
    // Later work writes nothing: re-sends wait for the next session.
    for _ in 0..10 {
        f.stage.dispatcher.poll(now_ns() + 1_000_000_000);
        f.stage.flush();
    }
    assert_eq!(f.stage.dispatcher.counters().write_errors, 2);
}

#[test]
fn two_reconnects_while_dispatch_is_busy_end_on_the_newest_writer() {
    let mut f = fixture(None);
    received(&mut f.peer);
    let (w1, mut p1) = socket_pair();
    let (w2, mut p2) = socket_pair();
    // io lost session 0, re-established session 1, lost it, re-established session 2, all
    // before dispatch looked at its queue.
    f.mailbox.publish(1, w1);
    f.mailbox.publish(2, w2);
    for e in [
        OrderEvent::Disconnected,
        OrderEvent::Reconnected { next_valid_id: 500 },
        OrderEvent::Disconnected,
        OrderEvent::Reconnected { next_valid_id: 600 },
    ] {
        f.stage.on_order_msg(&event(e));
    }
    assert!(
        !f.stage.dispatcher.link_down(),
        "dispatch is on the newest session: {:?}",
        f.stage.dispatcher.counters()
    );
    let (on_newest, _) = received(&mut p2);
    assert!(
        on_newest
            .iter()
            .any(|b| matches!(Request::decode_text(b), Ok(Request::OpenOrders))),
        "the newest session reconciles"
    );
    let (on_stale, _) = received(&mut p1);
    assert!(on_stale.is_empty(), "nothing written on a stale session");
}

#[test]
fn an_order_whose_journal_record_cannot_be_queued_is_not_written() {
    let mut f = fixture(Some(JournalTx::detached(4)));
    received(&mut f.peer);
    entry(&mut f.stage);
    let (frames, _) = received(&mut f.peer);
    assert_eq!(places(&frames), 0, "no order goes out unjournaled");
    assert_eq!(f.stage.dispatcher.open_orders(), 0);
}

#[test]
fn a_write_the_gateway_does_not_read_gives_up_and_never_follows_half_a_frame() {
    let mut f = fixture(None);
    received(&mut f.peer);
    // The gateway stops reading: the socket's buffers fill and writes hit WouldBlock.
    f.stage.wire.stall_limit = Duration::from_millis(20);
    let mut written = 0usize;
    while f.stage.wire.write(&Request::OpenOrders) {
        written += 1;
    }
    assert_eq!(
        f.stage.wire.stalls, 1,
        "the stalled write gave up at its deadline"
    );
    assert!(f.stage.wire.writer.is_none(), "and ended the session");
    assert!(
        !f.stage.wire.write(&Request::OpenOrders),
        "nothing more is written"
    );
    // The gateway reads everything that was sent, to the end of the stream.
    f.peer.set_nonblocking(false).unwrap();
    let mut bytes = Vec::new();
    f.peer.read_to_end(&mut bytes).unwrap();
    let mut rest = &bytes[..];
    let mut frames = 0;
    while let Ok(Some((body, used))) = split_frame(rest, usize::MAX) {
        assert!(
            matches!(Request::decode_text(body), Ok(Request::OpenOrders)),
            "every frame is whole"
        );
        frames += 1;
        rest = &rest[used..];
    }
    assert_eq!(
        frames, written,
        "only the frames written whole, then at most part of one"
    );
    let mut one = Vec::new();
    Request::OpenOrders.encode_text(&mut one);
    assert!(rest.len() < one.len());
}

#[test]
fn past_the_drain_deadline_working_orders_get_a_global_cancel_and_queued_ones_still_go_out() {
    let mut f = fixture(None);
    entry(&mut f.stage);
    let (frames, _) = received(&mut f.peer);
    assert_eq!(places(&frames), 2, "both legs work at the gateway");
    // A 1102 starts a reconciliation: the cancels of the wind-down wait in the dispatcher's
    // queue (as a flatten waits behind the rate limiter).
    f.stage.on_order_msg(&event(OrderEvent::Error {
        id: -1,
        code: crate::wire::ids::codes::RESTORED_DATA_KEPT,
    }));
    f.stage.upstream_done.store(true, Ordering::Release);
    assert!(!f.stage.dispatcher.wind_down(now_ns()));
    f.stage.flush();
    assert!(f.stage.dispatcher.queued() > 0, "the cancels are queued");
    // The drain deadline has passed.
    f.stage.drain_until.store(now_ns(), Ordering::Release);
    assert!(
        !f.stage.drained(),
        "what the dispatcher still has queued is not dropped at the drain deadline"
    );
    let (frames, _) = received(&mut f.peer);
    assert!(
        frames
            .iter()
            .any(|b| matches!(Request::decode_text(b), Ok(Request::GlobalCancel))),
        "orders still working get REQ_GLOBAL_CANCEL"
    );
    assert_eq!(f.stage.global_cancels, 1);
    assert!(!f.stage.drained(), "sent once");
    assert_eq!(f.stage.global_cancels, 1);
    // The second deadline bounds the wait.
    f.stage.final_grace_ns = 0;
    assert!(f.stage.drained());
}
