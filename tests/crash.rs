//! Crashes: the engine killed with SIGKILL mid-run and restarted with `--resume` reconciles its
//! journal with the gateway (no fill lost, none counted twice, positions equal to the ledger),
//! also with combo (BAG) orders killed while working, legged, or filled before their legs'
//! commissions came (`crash/combo.rs`); a gateway that sends garbage gets a clean error and a
//! reconnect, not a crash.

mod common;

#[path = "crash/combo.rs"]
mod combo;

use common::PATIENCE;
use hft::sim::{Gateway, LedgerSnapshot};
use hft::wire::text::{ManagedAccts, NextValidId};
use hft::wire::{self, Request};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// `hft run` as its own process against `gw` with the params file `params`, writing `out`.
fn spawn_engine(gw: &Gateway, params: &Path, out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hft"))
        .args(["run", "--no-bootstrap", "--duration", "600", "--gateway"])
        .arg(gw.local_addr().to_string())
        .arg("--params")
        .arg(params)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("hft runs")
}

/// Polls the gateway (bounded by [`PATIENCE`]) until `moment` finds what it waits for in its
/// ledger, then SIGKILLs `child` at once; returns what `moment` found (`None`: it never came,
/// and the engine was killed anyway).
fn kill_when<T>(
    mut child: Child,
    gw: &Gateway,
    mut moment: impl FnMut(&LedgerSnapshot) -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + PATIENCE;
    let found = loop {
        if let Some(found) = moment(&gw.snapshot()) {
            break Some(found);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    // The gateway frees the dead session's client id when it sees the socket close.
    std::thread::sleep(Duration::from_millis(300));
    found
}

#[test]
fn sigkill_mid_run_then_resume_reconciles_with_the_gateway() {
    let tmp = std::env::temp_dir().join(format!("hft-crash-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let (gw, quotes) = common::replaying_gateway("crash", 3000, 100.0, |_| {});
    let params_path = tmp.join("params.toml");
    common::oscillating_params_file(&params_path, &[]);
    let first = tmp.join("first");

    // The engine as its own process, SIGKILLed once it has traded.
    let child = spawn_engine(&gw, &params_path, &first);
    let traded = kill_when(child, &gw, |snap| (snap.exec_ids.len() >= 8).then_some(()));
    assert!(traded.is_some(), "the first engine traded");
    let journaled = common::journal_exec_ids(&first);
    assert!(!journaled.is_empty(), "the journal has executions");

    // Restart from the journal; positions found are flattened at start-up, then it trades on.
    let mut params = common::fast_zscore_pair(30.0);
    params.risk.flatten_on_start = true;
    let engine = common::EngineRun::resuming(&gw, params.clone(), "resumed", Some(first.clone()));
    common::wait_replay_done(&gw);
    let run_dir = engine.run_dir.clone();
    let report = engine.finish();
    let c = &report.dispatch.counters;
    let snap = gw.snapshot();

    assert_eq!(
        c.journal_fills as usize,
        journaled.len(),
        "every journaled fill restored"
    );
    assert_eq!(
        (c.journal_fills + c.fills) as usize,
        snap.exec_ids.len(),
        "every fill at the gateway counted exactly once across the crash: {c:?}"
    );
    // The new journal (the old one carried over, then appended) names each execution once.
    let ids = common::journal_exec_ids(&run_dir);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no execution journaled twice");
    let ledger: HashSet<&String> = snap.exec_ids.iter().collect();
    assert_eq!(
        unique, ledger,
        "the journal holds exactly the gateway's executions"
    );
    assert_eq!(
        c.duplicate_fills as usize,
        journaled.len(),
        "replayed, not recounted"
    );
    for (_, symbol, qty, _) in &snap.positions {
        let i = ["AAA", "BBB"].iter().position(|s| s == symbol).unwrap();
        assert_eq!(report.dispatch.positions[i].qty, *qty, "{symbol} vs ledger");
    }
    assert!(report.dispatch.pair_books.iter().all(|b| !b.is_legged()));
    assert_eq!(gw.stats().rate_violations.load(Ordering::Relaxed), 0);
    let _ = std::fs::remove_dir_all(tmp);
    let _ = std::fs::remove_file(quotes);
}

fn read_frame(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).ok()?;
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).ok()?;
    Some(body)
}

/// Plays TWS's side of the handshake.
fn handshake(s: &mut TcpStream) -> Option<()> {
    let mut prefix = [0u8; 4];
    s.read_exact(&mut prefix).ok()?;
    read_frame(s)?; // version range
    let mut out = Vec::new();
    wire::encode_server_hello(&mut out, 178, "20231114 22:13:20 UTC");
    s.write_all(&out).ok()?;
    read_frame(s)?; // START_API
    out.clear();
    ManagedAccts { accounts: "DU1" }.encode(&mut out);
    NextValidId { order_id: 1 }.encode(&mut out);
    s.write_all(&out).ok()
}

#[test]
fn a_gateway_sending_garbage_gets_a_clean_error_and_a_reconnect() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sessions = Arc::new(AtomicU64::new(0));
    let reconciled = Arc::new(AtomicBool::new(false));
    let server = std::thread::spawn({
        let (sessions, reconciled) = (sessions.clone(), reconciled.clone());
        move || {
            for n in 0..2 {
                let Ok((mut s, _)) = listener.accept() else {
                    return;
                };
                if handshake(&mut s).is_none() {
                    return;
                }
                sessions.fetch_add(1, Ordering::SeqCst);
                if n == 0 {
                    // A length prefix past any sane frame, then noise.
                    let _ = s.write_all(&[0xff, 0xff, 0xff, 0xf0, 1, 2, 3, 0, 0]);
                    // The engine drops this session.
                    while read_frame(&mut s).is_some() {}
                    continue;
                }
                // A sane session: empty reconciliation answers, then quiet.
                while let Some(frame) = read_frame(&mut s) {
                    if let Some(answer) = common::reconcile_answer(&frame) {
                        let _ = s.write_all(&answer);
                    } else if let Ok(Request::TickByTick { .. }) = Request::decode_text(&frame) {
                        reconciled.store(true, Ordering::SeqCst);
                    }
                }
            }
        }
    });
    let mut params = common::fast_zscore_pair(30.0);
    params.connection.reconnect_min_ms = 20;
    let stop = Arc::new(AtomicBool::new(false));
    let run_dir = std::env::temp_dir().join(format!("hft-garbage-{}", std::process::id()));
    let engine = std::thread::spawn({
        let stop = stop.clone();
        move || {
            hft::pipeline::run(
                &params,
                hft::pipeline::RunOptions {
                    gateway: addr,
                    duration: Duration::from_secs(600),
                    run_dir,
                    warmup: None,
                    stop,
                    require_paper: true,
                    resume: None,
                    metrics: None,
                },
            )
        }
    });
    let deadline = Instant::now() + PATIENCE;
    while !reconciled.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        reconciled.load(Ordering::SeqCst),
        "the engine reconnected, reconciled and subscribed on the second session"
    );
    stop.store(true, Ordering::SeqCst);
    let report = engine
        .join()
        .expect("no panic")
        .expect("the run ends cleanly");
    let io = &report.summary.engine().connectivity;
    assert_eq!(io.protocol_errors, 1, "{io:?}");
    assert!(io.reconnects >= 1, "{io:?}");
    let error = &report.summary.engine().io_error;
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("protocol error")),
        "the error is named: {error:?}"
    );
    assert_eq!(sessions.load(Ordering::SeqCst), 2);
    drop(server);
}
