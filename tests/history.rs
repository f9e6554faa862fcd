//! `hft history --ticks` against the in-process paper gateway: paging by whole seconds (the
//! boundary second of every full page dropped and read again), pacing kept by the client or
//! enforced by the gateway (error 162, retried), a download interrupted by the gateway dropping
//! the connection and resumed by running it again, the text encoding of the answers, and bad input.
//!
//! Every download is compared byte for byte with the file the gateway's own tick history gives
//! for the same sessions ([`TickHistory`], the generator the gateway answers from), written with
//! the one quote writer: no tick lost, none duplicated, none reordered.

mod common;

use common::{PATIENCE, start_gateway, text_client};
use hft::calendar::{self, Session};
use hft::config::SimParams;
use hft::history::{self, HistoryError, Options, PacingRules, Report};
use hft::rundir::{QUOTE_HEADER, write_quote_row};
use hft::sim::{Gateway, TickHistory};
use hft::wire::{ContractSpec, Fields, HistoricalTicksRequest, Request, TickKind, unix_from_civil};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Friday 2026-11-06 (EST): the day downloaded; the gateway's live feed starts the next midnight.
const DAY: (i64, u32, u32) = (2026, 11, 6);

/// The embedded gateway with its live start after `DAY`, `ticks_per_sec` quote ticks per second
/// on average, and historical pacing loose enough not to matter unless a test tightens it. A
/// client that does not pace asks for a page as soon as the last one arrived, which on a fast
/// machine can pass IB's 50 (error 100) and 100 (disconnect) messages a second: those limits are
/// raised too.
fn params(ticks_per_sec: f64) -> SimParams {
    let mut p = SimParams::embedded();
    p.market.start_unix = unix_from_civil(2026, 11, 7);
    p.market.ticks_per_sec = ticks_per_sec;
    p.gateway.pacing_same_contract_max = 1_000_000;
    p.gateway.pacing_max_per_10_min = 1_000_000;
    p.gateway.max_messages_per_sec = 1_000_000;
    p.gateway.disconnect_messages_per_sec = 1_000_000;
    p
}

/// Client pacing that never waits.
const NO_PACING: PacingRules = PacingRules {
    max_per_window: 1_000_000,
    burst_max: 1_000_000,
    ..PacingRules::IB
};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hft-history-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn options(gw: &Gateway, symbols: &[&str], what: TickKind, rth: bool, out: &Path) -> Options {
    Options {
        gateway: gw.local_addr().to_string(),
        client_id: 7,
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
        from: DAY,
        to: DAY,
        what,
        rth,
        out: out.to_path_buf(),
        pacing: NO_PACING,
        progress_bar: false,
    }
}

/// The quote file the gateway's tick history gives for `symbols` on `DAY`, mapped as
/// `hft history` documents (rows in time order, then in the order of `symbols`).
fn expected_file(p: &SimParams, symbols: &[&str], what: TickKind, rth: bool) -> String {
    let mut h = TickHistory::new(p, p.market.start_unix);
    let names: Vec<&str> = p.market.symbols.iter().map(|s| s.name.as_str()).collect();
    let session: Session = calendar::session_of_day(DAY.0, DAY.1, DAY.2, rth).unwrap();
    let mut rows: Vec<(i64, usize, Vec<u8>)> = Vec::new();
    for (k, sym) in symbols.iter().enumerate() {
        let index = names.iter().position(|n| n == sym).unwrap();
        let ticks: Vec<_> = h
            .ticks(index, session.open, session.close)
            .into_iter()
            .filter(|t| what != TickKind::Trades || t.trade_at_ask.is_some())
            .collect();
        let mut j = 0;
        for (i, t) in ticks.iter().enumerate() {
            // The j-th tick of a second is stamped second x 1e9 + j.
            j = if i > 0 && ticks[i - 1].time == t.time {
                j + 1
            } else {
                0
            };
            let (bid, bs, ask, asz) = match what {
                TickKind::BidAsk => (
                    t.bid as f64 * 0.01,
                    f64::from(t.bid_size),
                    t.ask as f64 * 0.01,
                    f64::from(t.ask_size),
                ),
                TickKind::Midpoint => (t.mid(), 0.0, t.mid(), 0.0),
                TickKind::Trades => {
                    let price = t.trade_price().unwrap();
                    let size = f64::from(if t.trade_at_ask == Some(true) {
                        t.ask_size
                    } else {
                        t.bid_size
                    });
                    (price, size, price, size)
                }
            };
            let ts_ns = t.time * 1_000_000_000 + j;
            let mut line = Vec::new();
            write_quote_row(&mut line, ts_ns, sym, bid, bs, ask, asz);
            rows.push((ts_ns, k, line));
        }
    }
    rows.sort_by_key(|r| (r.0, r.1));
    let mut text = format!("{QUOTE_HEADER}\n");
    for (_, _, line) in rows {
        text.push_str(std::str::from_utf8(&line).unwrap());
    }
    text
}

fn assert_same_file(out: &Path, expected: &str) {
    let got = std::fs::read_to_string(out).unwrap();
    assert_eq!(got.lines().count(), expected.lines().count(), "row count");
    for (i, (g, e)) in got.lines().zip(expected.lines()).enumerate() {
        assert_eq!(g, e, "line {}", i + 1);
    }
    let partial = out.with_file_name(format!(
        "{}.partial",
        out.file_name().unwrap().to_string_lossy()
    ));
    assert!(!partial.exists(), "the partial file is removed at the end");
}

#[test]
fn bid_ask_pages_rejoin_every_boundary_second() {
    let p = params(4.0);
    let gw = start_gateway(p.clone());
    let dir = scratch("bidask");
    let out = dir.join("ticks.csv");
    let report = history::download(&options(&gw, &["SPY", "IVV"], TickKind::BidAsk, true, &out))
        .expect("download completes");
    let expected = expected_file(&p, &["SPY", "IVV"], TickKind::BidAsk, true);
    assert_same_file(&out, &expected);
    // 0..=8 ticks a second: almost every full page cut its oldest second, which was dropped and
    // read again whole as the newest second of the next page.
    let rows = expected.lines().count() as u64 - 1;
    assert_eq!(report.rows, rows);
    assert!(report.pages > rows / 1000, "{report:?}");
    assert!(report.boundary_rereads >= report.pages - 2, "{report:?}");
    assert!(
        report.ticks_received > rows,
        "re-read seconds arrive twice: {report:?}"
    );
    assert_eq!((report.overfull_seconds, report.skipped_ticks), (0, 0));
    assert_eq!(report.pacing_errors, 0);
    // The file is a quote file the backtest reads: every row accepted, in time order.
    let mut symbols = Vec::new();
    let (quotes, errors) = hft::sim::read_quotes(
        std::io::BufReader::new(std::fs::File::open(&out).unwrap()),
        &mut symbols,
    )
    .expect("readable");
    assert!(errors.is_empty());
    assert_eq!(quotes.len() as u64, rows);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn trades_and_midpoints_outside_rth() {
    let p = params(1.0);
    let gw = start_gateway(p.clone());
    let dir = scratch("trades");
    for what in [TickKind::Trades, TickKind::Midpoint] {
        let out = dir.join(format!("{}.csv", what.as_str()));
        let report = history::download(&options(&gw, &["KO"], what, false, &out)).unwrap();
        assert_same_file(&out, &expected_file(&p, &["KO"], what, false));
        assert!(report.rows > 1000, "{report:?}");
        // The extended session starts at 04:00 New York time, before RTH.
        let first: i64 = std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()[..19]
            .parse()
            .unwrap();
        let rth = calendar::session_of_day(DAY.0, DAY.1, DAY.2, true).unwrap();
        assert!(first / 1_000_000_000 < rth.open);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A gateway whose pacing windows are short (6 weight per 1 s for one contract, 12 per 2 s in
/// all), so a test reaches them in seconds.
fn tight_pacing(p: &mut SimParams) {
    p.gateway.pacing_same_contract_max = 6;
    p.gateway.pacing_same_contract_secs = 1;
    p.gateway.pacing_max_per_10_min = 12;
    p.gateway.pacing_window_secs = 2;
}

#[test]
fn client_pacing_keeps_the_gateway_rules() {
    let mut p = params(0.5);
    tight_pacing(&mut p);
    let gw = start_gateway(p.clone());
    let dir = scratch("paced");
    let out = dir.join("ticks.csv");
    let mut opts = options(&gw, &["SPY"], TickKind::BidAsk, true, &out);
    // The gateway's limits, kept with a 20 % margin; BID_ASK weighs 2 on both sides.
    opts.pacing = PacingRules {
        max_per_window: 12,
        window: Duration::from_secs(2),
        burst_max: 6,
        burst_window: Duration::from_secs(1),
        margin: 0.2,
        retry_after: Duration::from_secs(2),
        max_retries: 6,
    };
    let report = history::download(&opts).expect("download completes");
    assert_same_file(&out, &expected_file(&p, &["SPY"], TickKind::BidAsk, true));
    assert_eq!(report.pacing_errors, 0, "{report:?}");
    assert!(
        report.pacing_waits > 0,
        "the pacer held requests back: {report:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pacing_errors_are_waited_out_and_retried() {
    let mut p = params(0.5);
    tight_pacing(&mut p);
    let gw = start_gateway(p.clone());
    let dir = scratch("violations");
    let out = dir.join("ticks.csv");
    let mut opts = options(&gw, &["SPY"], TickKind::BidAsk, true, &out);
    // A client that does not pace: the gateway answers 162 and the client backs off.
    opts.pacing.retry_after = Duration::from_millis(1100);
    let report = history::download(&opts).expect("download completes");
    assert!(report.pacing_errors > 0, "{report:?}");
    assert_same_file(&out, &expected_file(&p, &["SPY"], TickKind::BidAsk, true));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn interrupted_download_resumes_without_gap_or_duplicate() {
    let mut p = params(2.0);
    // The gateway drops every connection when the 7th ticks request arrives (once).
    p.faults.drop_on_tick_request = 7;
    let gw = start_gateway(p.clone());
    let dir = scratch("resume");
    let out = dir.join("ticks.csv");
    let opts = options(&gw, &["SPY", "IVV"], TickKind::BidAsk, true, &out);
    let first = history::download(&opts);
    let err = match first {
        Err(e @ HistoryError::Interrupted { .. }) => e,
        other => panic!("the first run stops at the drop: {other:?}"),
    };
    assert!(err.to_string().contains("re-run"), "{err}");
    assert!(
        !out.exists(),
        "no output file until the download is complete"
    );
    let state = dir.join("ticks.csv.state.json");
    let saved: hft::history::Progress =
        serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved.pages, 6, "six pages were committed before the drop");
    let report: Report = history::download(&opts).expect("the second run completes");
    assert!(report.resumed);
    assert_same_file(
        &out,
        &expected_file(&p, &["SPY", "IVV"], TickKind::BidAsk, true),
    );
    assert!(!state.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Reads frames until one with message id `id` arrives.
fn frame_with_id(c: &mut hft::io::TwsConnection, id: i32) -> Vec<u8> {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(!left.is_zero(), "message {id} did not arrive");
        if let Ok(body) = c.next_frame(left)
            && Fields::new(body).i32() == Ok(id)
        {
            return body.to_vec();
        }
    }
}

#[test]
fn text_clients_get_96_97_98_as_documented() {
    let p = params(4.0);
    let gw = start_gateway(p.clone());
    let mut c = text_client(&gw, 31);
    let mut truth = TickHistory::new(&p, p.market.start_unix);
    let session = calendar::session_of_day(DAY.0, DAY.1, DAY.2, true).unwrap();
    let all = truth.ticks(0, session.open, session.close);
    let ask = |req_id, what| {
        Request::HistoricalTicks(HistoricalTicksRequest {
            req_id,
            contract: ContractSpec::stock("SPY"),
            start_date_time: "",
            end_date_time: "20261106 23:00:00 UTC",
            number_of_ticks: 20,
            what_to_show: what,
            use_rth: true,
            ignore_size: false,
        })
    };
    // BID_ASK (97): reqId, n, n x (time, mask, bid, ask, bidSize, askSize), done.
    c.send(&ask(1, "BID_ASK")).unwrap();
    let body = frame_with_id(&mut c, 97);
    let mut f = Fields::new(&body);
    f.i32().unwrap();
    assert_eq!((f.i32().unwrap(), f.i32().unwrap()), (1, 20));
    for t in &all[all.len() - 20..] {
        assert_eq!(f.i64().unwrap(), t.time);
        assert_eq!(f.i32().unwrap(), 0);
        assert_eq!(f.f64().unwrap(), t.bid as f64 * 0.01);
        assert_eq!(f.f64().unwrap(), t.ask as f64 * 0.01);
        assert_eq!(f.f64().unwrap(), f64::from(t.bid_size));
        assert_eq!(f.f64().unwrap(), f64::from(t.ask_size));
    }
    assert!(f.bool().unwrap());
    assert!(f.is_empty());
    // MIDPOINT (96): time, unused, price, size.
    c.send(&ask(2, "MIDPOINT")).unwrap();
    let body = frame_with_id(&mut c, 96);
    let mut f = Fields::new(&body);
    f.i32().unwrap();
    assert_eq!((f.i32().unwrap(), f.i32().unwrap()), (2, 20));
    let last = all.last().unwrap();
    for _ in 0..19 {
        f.skip_fields(4).unwrap();
    }
    assert_eq!(f.i64().unwrap(), last.time);
    f.skip_fields(1).unwrap();
    assert_eq!(f.f64().unwrap(), last.mid());
    // TRADES (98): time, mask, price, size, exchange, specialConditions.
    c.send(&ask(3, "TRADES")).unwrap();
    let body = frame_with_id(&mut c, 98);
    let mut f = Fields::new(&body);
    f.i32().unwrap();
    assert_eq!((f.i32().unwrap(), f.i32().unwrap()), (3, 20));
    let trades: Vec<_> = all.iter().filter(|t| t.trade_at_ask.is_some()).collect();
    for t in &trades[trades.len() - 20..] {
        assert_eq!(f.i64().unwrap(), t.time);
        f.skip_fields(1).unwrap();
        assert_eq!(f.f64().unwrap(), t.trade_price().unwrap());
        f.skip_fields(3).unwrap();
    }
    // IB's limits: more than 1000 ticks, or both dates, is error 321 naming the rule.
    let mut bad = ask(4, "BID_ASK");
    if let Request::HistoricalTicks(h) = &mut bad {
        h.number_of_ticks = 1001;
    }
    c.send(&bad).unwrap();
    let text = loop {
        let body = frame_with_id(&mut c, hft::wire::ids::incoming::ERR_MSG);
        let text = String::from_utf8_lossy(&body).to_string();
        if text.contains("numberOfTicks") {
            break text;
        }
    };
    assert!(text.contains("\x00321\x00"), "{text:?}");
}

#[test]
fn bad_input_exits_2_naming_the_problem() {
    let dir = scratch("badinput");
    let out = dir.join("q.csv");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hft"))
            .arg("history")
            .args(args)
            .output()
            .unwrap()
    };
    let base = [
        "--ticks",
        "--symbols",
        "SPY",
        "--out",
        out.to_str().unwrap(),
    ];
    let o = run(&[&base[..], &["--from", "2026-11-06", "--to", "2026-11-02"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from 2026-11-06 is after --to"));
    let o = run(&[&base[..], &["--from", "2026-11-32", "--to", "2026-11-02"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from: `2026-11-32`"));
    let o = run(&[
        &base[..],
        &[
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-02",
            "--what",
            "BID",
        ],
    ]
    .concat());
    assert_eq!(o.status.code(), Some(2));
    // An invalid params file: named with its key.
    let bad_params = dir.join("bad.toml");
    std::fs::write(
        &bad_params,
        hft::config::DEFAULT_PARAMS.replacen("control_client_id = 2", "control_client_id = -2", 1),
    )
    .unwrap();
    let days = ["--from", "2026-11-02", "--to", "2026-11-02"];
    let o = run(&[
        &base[..],
        &days,
        &["--params", bad_params.to_str().unwrap()],
    ]
    .concat());
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("connection.control_client_id"),
        "{stderr}"
    );
    // The state of an interrupted download with other arguments, and a corrupt one.
    let state = dir.join("q.csv.state.json");
    let args = hft::history::Fingerprint {
        symbols: vec!["IVV".into()],
        from: "2026-11-02".into(),
        to: "2026-11-02".into(),
        what: "BID_ASK".into(),
        rth: false,
    };
    let progress = hft::history::Progress {
        args,
        committed_bytes: 0,
        rows: 0,
        pages: 0,
        job: 0,
        next_end: None,
    };
    std::fs::write(&state, serde_json::to_vec(&progress).unwrap()).unwrap();
    let o = run(&[
        &base[..],
        &[
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-02",
            "--gateway",
            "127.0.0.1:9",
        ],
    ]
    .concat());
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("q.csv.state.json") && stderr.contains("--symbols IVV"),
        "{stderr}"
    );
    std::fs::write(&state, b"not json").unwrap();
    let o = run(&[
        &base[..],
        &[
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-02",
            "--gateway",
            "127.0.0.1:9",
        ],
    ]
    .concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a download state file"));
    std::fs::remove_dir_all(&dir).unwrap();
}
