//! io driven over a loopback socket, in both reading modes: polled (`block`) and reading the
//! socket directly (`spin`, no poll). The same bytes must give the same events either way.

use super::*;
use crate::instruments::req_id;
use crate::wire::TickPrice;
use std::io::Write;
use std::net::TcpListener;

/// Runs io with `wait` on a socket whose peer sends `ticks` TICK_PRICE frames (bid prices
/// 100.01, 100.02, ... of instrument 1) in small, odd-sized writes, then returns the events
/// normalize would have received, and io's counters.
fn run_io(wait: WaitStrategy, ticks: usize) -> (Vec<MdEvent>, IoCounters) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let (stream, _writer) = split_for_stages(ours).unwrap();
    let (md_tx, mut md_rx) = rtrb::RingBuffer::new(ticks + 16);
    let (order_tx, _order_rx) = rtrb::RingBuffer::new(16);
    let stop = Arc::new(AtomicBool::new(false));
    let symbols = vec!["A".to_string(), "B".to_string()];
    let io = IoStage {
        stream,
        reader: FrameReader::new(1 << 16),
        version: 178,
        symbols: symbols.clone(),
        md_tx,
        order_tx,
        md_waker: Waker::none(),
        order_waker: Waker::none(),
        wait,
        md_policy: QueuePolicy::Backpressure,
        wall_offset_ns: 0,
        stop: stop.clone(),
        md_stop: Arc::new(AtomicBool::new(false)),
        md_stopped: Arc::new(AtomicBool::new(false)),
        reconnect: None,
        order_patience: ORDER_QUEUE_PATIENCE,
        metrics: Arc::new(EngineMetrics::new(&symbols)),
        cadence: Cadence::new(1_000_000),
    };
    let handle = std::thread::spawn(move || io.run());
    let mut bytes = Vec::new();
    for k in 0..ticks {
        TickPrice {
            req_id: req_id(1),
            tick_type: 1,
            price: 100.0 + (k + 1) as f64 / 100.0,
            size: 300.0,
            attr_mask: 0,
        }
        .encode(&mut bytes);
    }
    // Frames split across writes: io must reassemble them whatever the reading mode.
    for chunk in bytes.chunks(37) {
        peer.write_all(chunk).unwrap();
    }
    let mut events = Vec::new();
    while events.len() < ticks {
        match md_rx.pop() {
            Ok(e) => events.push(e),
            Err(_) => std::thread::yield_now(),
        }
    }
    stop.store(true, Ordering::Release);
    let report = handle.join().unwrap();
    (events, report.counters)
}

#[test]
fn spinning_io_reads_the_socket_directly_and_decodes_every_frame() {
    const TICKS: usize = 500;
    let (spun, spin_counters) = run_io(WaitStrategy::Spin, TICKS);
    let (polled, poll_counters) = run_io(WaitStrategy::Block, TICKS);
    for (k, (a, b)) in spun.iter().zip(&polled).enumerate() {
        assert_eq!(a.seq, k as u64 + 1, "ticks numbered in arrival order");
        assert_eq!((a.seq, a.req_id, a.tick), (b.seq, b.req_id, b.tick));
        assert_eq!(a.req_id, req_id(1));
        // Stamps run forward: read, then queued.
        assert!(a.t_enq_ns >= a.t_recv_ns);
    }
    assert_eq!(spin_counters.md_events, TICKS as u64);
    assert_eq!(
        (
            spin_counters.frames,
            spin_counters.malformed,
            spin_counters.md_dropped
        ),
        (poll_counters.frames, 0, 0)
    );
}
