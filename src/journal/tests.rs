//! Round trips through the writer thread and the loader.

use super::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hft-journal-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self) -> PathBuf {
        self.0.join(FILE)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn symbols() -> Vec<String> {
    vec!["SPY".into(), "QQQ".into(), "BRK B".into()]
}

fn id(s: &str) -> ExecId {
    ExecId::from(s).unwrap()
}

/// Writes `entries` through a journal thread with queue `capacity`; returns its stats.
fn write(
    path: &Path,
    entries: &[JournalEntry],
    policy: FsyncPolicy,
    capacity: usize,
) -> JournalStats {
    let (mut tx, writer) = spawn(path, symbols(), policy, capacity).unwrap();
    for &e in entries {
        tx.append(e).unwrap();
    }
    assert_eq!(tx.lost(), 0);
    drop(tx);
    writer.join().unwrap()
}

fn order(order_id: i32, instrument: u16, pair: u16, buy: bool, qty: u32) -> JournalEntry {
    JournalEntry::Order {
        t_ns: 1_718_000_000_123_456_789,
        order_id,
        instrument,
        pair,
        buy,
        qty,
        ticket: 40_000 + order_id as u32,
        leg: (order_id % 2) as u8,
        seq: u64::MAX - order_id as u64,
        // Orders 104 and 105 are the legs of BAG 104 (ratios 1 and 2).
        combo: match order_id {
            104 | 105 => Some(ComboLeg {
                bag_id: 104,
                ratio: order_id as u32 - 103,
            }),
            _ => None,
        },
    }
}

fn execution(
    order_id: i32,
    exec_id: &str,
    instrument: u16,
    pair: u16,
    qty: f64,
    price: f64,
) -> JournalEntry {
    JournalEntry::Execution {
        t_ns: 1_718_000_000_500_000_000 + order_id as u64,
        order_id,
        exec_id: id(exec_id),
        instrument,
        pair,
        qty,
        price,
    }
}

/// A session touching every record kind and field edge.
fn session() -> Vec<JournalEntry> {
    vec![
        order(101, 0, 0, true, 100),
        order(102, 2, 0, false, 37),
        order(103, 1, u16::MAX, false, 5),
        JournalEntry::Cancel {
            t_ns: 1_718_000_000_200_000_000,
            order_id: 102,
        },
        execution(101, "0000e0d5.6567cd7a.01.01", 0, 0, 60.0, 123.456789),
        execution(101, "0000e0d5.6567cd7a.01.02", 0, 0, 40.0, 0.1 + 0.2),
        execution(102, "0000e0d5.6567cd7b.01.01", 2, 0, -12.0, 417_123.000_001),
        execution(
            103,
            "a-rather-long-execution-id.0000000000000.01.0001",
            1,
            u16::MAX,
            -5.0,
            1e-7,
        ),
        JournalEntry::Commission {
            exec_id: id("0000e0d5.6567cd7a.01.01"),
            commission: 0.35,
        },
        JournalEntry::Commission {
            exec_id: id("0000e0d5.6567cd7b.01.01"),
            commission: 1.000_000_000_000_2,
        },
        JournalEntry::Done {
            t_ns: 1_718_000_000_600_000_000,
            order_id: 101,
            filled: 100.0,
        },
        JournalEntry::Done {
            t_ns: 1_718_000_000_700_000_000,
            order_id: 102,
            filled: 12.0,
        },
    ]
}

#[test]
fn every_field_round_trips() {
    let dir = TempDir::new();
    let entries = session();
    let stats = write(&dir.file(), &entries, FsyncPolicy::Batch, 1024);
    assert_eq!(stats.records, entries.len() as u64);
    assert_eq!(stats.bytes, std::fs::metadata(dir.file()).unwrap().len());
    assert_eq!((stats.dropped, stats.cut_bytes, stats.error), (0, 0, None));

    let r = load(&dir.file(), &symbols()).unwrap();
    let mut want_orders = Vec::new();
    for e in &entries {
        if let JournalEntry::Order {
            t_ns,
            order_id,
            instrument,
            pair,
            buy,
            qty,
            ticket,
            leg,
            seq,
            combo,
        } = *e
        {
            want_orders.push(RecoveredOrder {
                order_id,
                instrument,
                pair,
                buy,
                qty,
                ticket,
                leg,
                seq,
                combo,
                t_ns,
                done: false,
                cancelled: false,
                filled: 0.0,
            });
        }
    }
    want_orders[0].done = true;
    want_orders[0].filled = 100.0;
    want_orders[1].done = true;
    want_orders[1].cancelled = true;
    want_orders[1].filled = 12.0;
    // Still working, with its one execution.
    want_orders[2].filled = 5.0;
    assert_eq!(r.orders, want_orders);

    let commission = |exec_id: &ExecId| match exec_id.as_str() {
        "0000e0d5.6567cd7a.01.01" => 0.35,
        "0000e0d5.6567cd7b.01.01" => 1.000_000_000_000_2,
        _ => 0.0,
    };
    let mut want_executions = Vec::new();
    for e in &entries {
        if let JournalEntry::Execution {
            t_ns,
            order_id,
            exec_id,
            instrument,
            pair,
            qty,
            price,
        } = *e
        {
            want_executions.push(RecoveredExecution {
                t_ns,
                order_id,
                exec_id,
                instrument,
                pair,
                qty,
                price,
                commission: commission(&exec_id),
            });
        }
    }
    assert_eq!(r.executions, want_executions);
    assert_eq!(r.executions[1].price.to_bits(), (0.1f64 + 0.2).to_bits());

    assert_eq!(r.duplicate_executions, 0);
    assert_eq!(r.max_order_id, 103);
    assert_eq!((r.unknown_symbols, r.unmatched_updates), (0, 0));
    assert!(!r.truncated_tail);
    assert_eq!(r.positions(3), vec![100.0, -5.0, -12.0]);
    assert_eq!(r.positions(1), vec![100.0]);
    let open: Vec<i32> = r.open_orders().map(|o| o.order_id).collect();
    assert_eq!(open, vec![103]);
}

#[test]
fn the_file_is_readable_text() {
    let dir = TempDir::new();
    write(&dir.file(), &session()[..5], FsyncPolicy::Never, 16);
    let text = std::fs::read_to_string(dir.file()).unwrap();
    let want = format!(
        "{HEADER}\
         O,1718000000123456789,101,SPY,0,BUY,100,40101,1,18446744073709551514\n\
         O,1718000000123456789,102,BRK B,0,SELL,37,40102,0,18446744073709551513\n\
         O,1718000000123456789,103,QQQ,65535,SELL,5,40103,1,18446744073709551512\n\
         X,1718000000200000000,102\n\
         E,1718000000500000101,101,0000e0d5.6567cd7a.01.01,SPY,0,60,123.456789\n"
    );
    assert_eq!(text, want);
}

#[test]
fn a_queue_smaller_than_the_session_loses_nothing() {
    let dir = TempDir::new();
    let entries: Vec<JournalEntry> = (1..=500).map(|i| order(i, 0, 1, i % 2 == 0, 1)).collect();
    let stats = write(&dir.file(), &entries, FsyncPolicy::Never, 1);
    assert_eq!(stats.records, 500);
    let r = load(&dir.file(), &symbols()).unwrap();
    let ids: Vec<i32> = r.orders.iter().map(|o| o.order_id).collect();
    assert_eq!(ids, (1..=500).collect::<Vec<_>>());
}

#[test]
fn duplicate_executions_are_counted_once() {
    let dir = TempDir::new();
    let entries = [
        execution(7, "dup.01", 0, 0, 10.0, 50.0),
        JournalEntry::Commission {
            exec_id: id("dup.01"),
            commission: 0.5,
        },
        execution(7, "dup.01", 0, 0, 10.0, 50.0),
        execution(7, "dup.02", 0, 0, 5.0, 50.5),
        execution(7, "dup.01", 0, 0, 10.0, 50.0),
    ];
    write(&dir.file(), &entries, FsyncPolicy::Never, 8);
    let r = load(&dir.file(), &symbols()).unwrap();
    let ids: Vec<&str> = r.executions.iter().map(|e| e.exec_id.as_str()).collect();
    assert_eq!(ids, ["dup.01", "dup.02"]);
    assert_eq!(r.duplicate_executions, 2);
    assert_eq!(r.executions[0].commission, 0.5);
    assert_eq!(r.positions(1), vec![15.0]);
}

#[test]
fn commissions_sum_and_may_precede_their_execution() {
    let dir = TempDir::new();
    std::fs::write(
        dir.file(),
        "C,x.1,0.25\nE,1,5,x.1,SPY,0,3,10\nC,x.1,0.5\nC,orphan,9\n",
    )
    .unwrap();
    let r = load(&dir.file(), &symbols()).unwrap();
    assert_eq!(r.executions.len(), 1);
    assert_eq!(r.executions[0].commission, 0.75);
}

#[test]
fn a_truncated_last_line_is_ignored_and_flagged() {
    let dir = TempDir::new();
    let entries = session();
    write(&dir.file(), &entries, FsyncPolicy::Never, 64);
    let whole = load(&dir.file(), &symbols()).unwrap();

    let mut bytes = std::fs::read(dir.file()).unwrap();
    let complete = bytes.len();
    bytes.extend_from_slice(b"E,1718000000900000000,104,cut.01,SPY,0,-3");
    std::fs::write(dir.file(), &bytes).unwrap();
    let r = load(&dir.file(), &symbols()).unwrap();
    assert!(r.truncated_tail);
    assert_eq!(r.executions, whole.executions);
    assert_eq!(r.max_order_id, 103);

    // Reopening cuts the fragment off before appending, so the next record stays whole.
    let stats = write(
        &dir.file(),
        &[execution(104, "after.01", 1, 0, 2.0, 9.5)],
        FsyncPolicy::Batch,
        8,
    );
    assert_eq!(stats.cut_bytes, (bytes.len() - complete) as u64);
    let r = load(&dir.file(), &symbols()).unwrap();
    assert!(!r.truncated_tail);
    assert_eq!(r.executions.len(), whole.executions.len() + 1);
    assert_eq!(r.executions.last().unwrap().exec_id.as_str(), "after.01");
    let text = std::fs::read_to_string(dir.file()).unwrap();
    assert_eq!(text.matches("# hft journal v1").count(), 1);
}

#[test]
fn a_file_that_is_only_a_fragment_gets_a_fresh_header() {
    let dir = TempDir::new();
    std::fs::write(dir.file(), "# hft jour").unwrap();
    let r = load(&dir.file(), &symbols()).unwrap();
    assert!(r.truncated_tail);
    assert_eq!(
        r,
        Recovered {
            truncated_tail: true,
            ..Recovered::default()
        }
    );

    let stats = write(&dir.file(), &[], FsyncPolicy::Never, 8);
    assert_eq!(stats.cut_bytes, 10);
    assert_eq!(std::fs::read_to_string(dir.file()).unwrap(), HEADER);
}

#[test]
fn reopening_appends_without_a_second_header() {
    let dir = TempDir::new();
    write(&dir.file(), &session()[..2], FsyncPolicy::Batch, 8);
    write(&dir.file(), &session()[2..], FsyncPolicy::Batch, 8);
    let r = load(&dir.file(), &symbols()).unwrap();
    assert_eq!(r.orders.len(), 3);
    assert_eq!(r.executions.len(), 4);
    let text = std::fs::read_to_string(dir.file()).unwrap();
    assert!(text.starts_with(HEADER));
    assert_eq!(text.matches("# hft journal v1").count(), 1);
}

#[test]
fn a_malformed_middle_line_names_file_and_line() {
    let dir = TempDir::new();
    let cases = [
        ("O,1,2,SPY,0,BUY,100,1,0\n", "missing field seq"),
        ("O,1,2,SPY,0,HOLD,100,1,0,3\n", "bad side"),
        ("X,1,2,3\n", "unexpected extra field"),
        ("D,1,abc,3\n", "bad order_id"),
        ("E,1,2,x,SPY,0,1,nope\n", "bad price"),
        ("Z,1\n", "unknown record kind"),
        ("O,1,2,SPY,0,BUY,-100,1,0,3\n", "bad qty"),
        ("# hft journal v2\n", "unsupported journal version"),
    ];
    for (bad, want) in cases {
        let text = format!("{HEADER}X,1,2\n{bad}X,1,3\nX,1,4");
        std::fs::write(dir.file(), text).unwrap();
        match load(&dir.file(), &symbols()) {
            Err(JournalError::Malformed { path, line, msg }) => {
                assert_eq!(line, 4, "{bad:?}");
                assert!(msg.contains(want), "{bad:?}: {msg}");
                assert_eq!(path, dir.file().display().to_string());
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    let err = load(&dir.file().with_extension("missing"), &symbols()).unwrap_err();
    assert!(matches!(err, JournalError::Io { .. }), "{err}");
}

#[test]
fn unknown_symbols_are_skipped_and_counted() {
    let dir = TempDir::new();
    let entries = [
        order(1, 0, 0, true, 10),
        order(2, 1, 0, false, 10),
        order(3, 9, 0, false, 10), // out of range: written as `?`
        execution(1, "k.1", 0, 0, 10.0, 1.0),
        execution(2, "k.2", 1, 0, -10.0, 1.0),
        JournalEntry::Done {
            t_ns: 5,
            order_id: 2,
            filled: 10.0,
        },
    ];
    write(&dir.file(), &entries, FsyncPolicy::Never, 8);
    assert!(
        std::fs::read_to_string(dir.file())
            .unwrap()
            .contains(",3,?,0,SELL,")
    );

    // Loaded with QQQ missing: its order, execution and the order's Done are skipped.
    let r = load(&dir.file(), &["SPY".to_string()]).unwrap();
    assert_eq!(r.unknown_symbols, 3);
    assert_eq!(r.unmatched_updates, 1);
    assert_eq!(r.orders.len(), 1);
    assert_eq!(r.executions.len(), 1);
    assert_eq!(r.max_order_id, 3);
    assert_eq!(r.positions(1), vec![10.0]);
}

#[test]
fn each_fsync_policy_writes_the_same_bytes() {
    let entries = session();
    let mut texts = Vec::new();
    for policy in [FsyncPolicy::Never, FsyncPolicy::Batch, FsyncPolicy::Every] {
        let dir = TempDir::new();
        let stats = write(&dir.file(), &entries, policy, 4);
        assert_eq!(stats.records, entries.len() as u64, "{policy:?}");
        assert_eq!(stats.error, None);
        match policy {
            FsyncPolicy::Never => assert_eq!(stats.fsyncs, 0),
            FsyncPolicy::Batch => assert!(stats.fsyncs > 0),
            FsyncPolicy::Every => assert!(stats.fsyncs >= entries.len() as u64),
        }
        texts.push(std::fs::read_to_string(dir.file()).unwrap());
    }
    assert_eq!(texts[0], texts[1]);
    assert_eq!(texts[0], texts[2]);
}

#[test]
fn an_unopenable_path_is_an_error_at_spawn() {
    let dir = TempDir::new();
    let path = dir.0.join("no-such-dir").join(FILE);
    let err = spawn(&path, symbols(), FsyncPolicy::Batch, 8).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn a_working_order_recovers_its_partial_fills() {
    // Order 201 is still working when the journal ends, with two executions (a partial fill);
    // order 202 is done, and its D line says what it filled.
    let dir = TempDir::new();
    let entries = [
        order(201, 0, 0, true, 100),
        order(202, 1, 0, false, 50),
        execution(201, "part.01", 0, 0, 30.0, 10.0),
        execution(202, "part.02", 1, 0, -50.0, 20.0),
        execution(201, "part.03", 0, 0, 25.0, 10.5),
        // A replayed execution is not counted twice.
        execution(201, "part.01", 0, 0, 30.0, 10.0),
        JournalEntry::Done {
            t_ns: 1_718_000_000_700_000_000,
            order_id: 202,
            filled: 50.0,
        },
    ];
    write(&dir.file(), &entries, FsyncPolicy::Never, 16);
    let r = load(&dir.file(), &symbols()).unwrap();
    let working = r.orders.iter().find(|o| o.order_id == 201).unwrap();
    assert!(!working.done);
    assert_eq!(working.filled, 55.0, "{working:?}");
    let done = r.orders.iter().find(|o| o.order_id == 202).unwrap();
    assert!(done.done);
    assert_eq!(done.filled, 50.0);
}

/// A combo's two legs carry their BAG and ratio through the file; a line without them (a
/// plain order, or a journal written before them) reads as a plain order; a bad BAG or a
/// missing ratio is an error naming the field.
#[test]
fn combo_legs_round_trip_and_plain_lines_read_as_before() {
    let dir = TempDir::new();
    write(
        &dir.file(),
        &[order(105, 1, 0, false, 200), order(104, 0, 0, true, 100)],
        FsyncPolicy::Never,
        8,
    );
    let text = std::fs::read_to_string(dir.file()).unwrap();
    assert!(
        text.contains(",104,2\n") && text.ends_with(",104,1\n"),
        "{text}"
    );
    let r = load(&dir.file(), &symbols()).unwrap();
    let combos: Vec<(i32, Option<ComboLeg>)> =
        r.orders.iter().map(|o| (o.order_id, o.combo)).collect();
    let leg = |ratio| Some(ComboLeg { bag_id: 104, ratio });
    assert_eq!(combos, [(105, leg(2)), (104, leg(1))]);

    let plain = format!("{HEADER}O,1,9,SPY,0,BUY,100,4,0,7\n");
    std::fs::write(dir.file(), plain).unwrap();
    let r = load(&dir.file(), &symbols()).unwrap();
    assert_eq!(r.orders[0].combo, None);

    for (line, field) in [
        ("O,1,9,SPY,0,BUY,100,4,0,7,x,1", "bag_id"),
        ("O,1,9,SPY,0,BUY,100,4,0,7,9", "ratio"),
    ] {
        std::fs::write(dir.file(), format!("{HEADER}{line}\n")).unwrap();
        let err = load(&dir.file(), &symbols()).unwrap_err().to_string();
        assert!(err.contains(field), "{line}: {err}");
    }
}

#[test]
fn internal_crosses_and_allocations_read_back_in_file_order() {
    let dir = TempDir::new();
    let exec = JournalEntry::Execution {
        t_ns: 2,
        order_id: 101,
        exec_id: id("e1"),
        instrument: 0,
        pair: 3,
        qty: 121.0,
        price: 100.25,
    };
    let cross = |pair, qty| JournalEntry::Cross {
        t_ns: 1,
        instrument: 1,
        pair,
        qty,
        price: 50.5,
    };
    let entries = [
        cross(3, -30.0),
        cross(4, 30.0),
        order(101, 0, 3, true, 121),
        exec,
        JournalEntry::Allocation {
            exec_id: id("e1"),
            pair: 5,
            qty: 41.0,
        },
        cross(5, 7.0),
    ];
    write(&dir.file(), &entries, FsyncPolicy::Never, 8);
    let text = std::fs::read_to_string(dir.file()).unwrap();
    assert!(text.contains("\nN,1,QQQ,3,-30,50.5\n"), "{text}");
    assert!(text.contains("\nA,e1,5,41\n"), "{text}");
    let r = load(&dir.file(), &symbols()).unwrap();
    let crosses: Vec<(u16, f64, usize)> = r
        .crosses
        .iter()
        .map(|c| (c.pair, c.qty, c.after_executions))
        .collect();
    assert_eq!(crosses, [(3, -30.0, 0), (4, 30.0, 0), (5, 7.0, 1)]);
    assert_eq!(
        r.allocations,
        [RecoveredAllocation {
            execution: 0,
            pair: 5,
            qty: 41.0
        }]
    );
    // The account position counts the execution whole; crosses move no position.
    assert_eq!(r.positions(2), vec![121.0, 0.0]);
}

#[test]
fn shared_leg_owners_read_back() {
    let dir = TempDir::new();
    let share = |pair, residual| JournalEntry::Share {
        ticket: 9,
        leg: 1,
        instrument: 1,
        pair,
        residual,
    };
    let entries = [share(3, 80), share(5, 41), order(101, 1, 3, true, 121)];
    write(&dir.file(), &entries, FsyncPolicy::Never, 8);
    let text = std::fs::read_to_string(dir.file()).unwrap();
    assert!(
        text.contains("\nS,9,1,QQQ,3,80\nS,9,1,QQQ,5,41\n"),
        "{text}"
    );
    let r = load(&dir.file(), &symbols()).unwrap();
    let want = |pair, residual| RecoveredShare {
        ticket: 9,
        leg: 1,
        instrument: 1,
        pair,
        residual,
    };
    assert_eq!(r.shares, [want(3, 80), want(5, 41)]);
    assert_eq!(r.orders.len(), 1);
}
