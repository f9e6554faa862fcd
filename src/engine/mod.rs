//! The engine: four named, pinned stages joined by SPSC queues.
//!
//! ```text
//! socket -> [io] -> MdEvent -> [normalize] -> QuoteMsg -> [signal] -> IntentMsg -> [dispatch] -> socket
//!             \-------------------------- OrderMsg ------------------------------/
//! ```
//!
//! Shutdown runs in pipeline order: io stops reading, each later stage drains its queue and stops,
//! dispatch keeps reading order events for a short grace period so the last fills are counted.
//! Every stage hands its histograms back; the report prints them and writes the run directory:
//! `summary.json`, `latency/<stage>.hgrm`, `series/<A>-<B>.csv` (each pair's grid rows, logged by
//! the signal stage) and `fills.csv` (logged by dispatch), which `hft report` charts.

use crate::config::EngineParams;
use crate::dispatch::{DispatchReport, DispatchSetup, DispatchStage, DispatcherSetup, KillReason};
use crate::io::stage::{Reconnect, split_for_stages};
use crate::io::{IoReport, IoStage, TwsConnection};
use crate::journal::{self, JournalStats};
use crate::latency::{self, Named, now_ns};
use crate::normalize::{FeedState, NormalizeReport, NormalizeStage, Normalizer};
use crate::record::{self, SeriesEntry, SeriesIndex};
use crate::rundir;
use crate::runtime::{WaitStrategy, Waiter};
use crate::signal::{PairRouter, SignalReport, SignalStage};
use crate::strategy::{PairStrategy, ZScoreBands};
use anyhow::Context;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Longest wait after the last intent for working orders to fill or end.
const DRAIN_GRACE: Duration = Duration::from_secs(10);

/// Historical grid rows per pair (A mid, B mid), oldest first, to warm the strategies.
pub type Warmup = Vec<Vec<(f64, f64)>>;

/// How to run.
pub struct RunOptions {
    /// `HOST:PORT` of the gateway.
    pub gateway: String,
    pub duration: Duration,
    pub run_dir: PathBuf,
    pub warmup: Option<Warmup>,
    /// Set by a signal handler (or a test) to stop early.
    pub stop: Arc<AtomicBool>,
    /// Refuse accounts that are not paper accounts (ids starting with `D`).
    pub require_paper: bool,
    /// The run directory of a previous run whose journal is restored and reconciled with the
    /// gateway (after a crash).
    pub resume: Option<PathBuf>,
}

/// A file whose appearance in the run directory trips the kill switch (`hft kill RUN_DIR`).
pub const KILL_FILE: &str = "KILL";

/// The outcome of a run.
pub struct RunReport {
    pub run_dir: PathBuf,
    pub histograms: Vec<Named>,
    pub summary: serde_json::Value,
    pub table: String,
    pub trading: String,
    pub dispatch: DispatchReport,
}

/// Which core each stage runs on, and how it waits.
#[derive(Debug, Clone)]
pub struct Placement {
    pub cores: [Option<usize>; 4],
    pub wait: WaitStrategy,
    pub note: String,
}

/// Chooses cores and the wait strategy: spinning needs a core per stage; with fewer cores the
/// engine falls back to backoff and says why.
pub fn place(params: &EngineParams) -> Placement {
    let available: Vec<usize> = core_affinity::get_core_ids()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let wanted = params.engine.wait;
    if !params.engine.cores.is_empty() {
        let missing: Vec<usize> = params
            .engine
            .cores
            .iter()
            .copied()
            .filter(|c| !available.contains(c))
            .collect();
        if missing.is_empty() {
            let mut cores = [None; 4];
            for (slot, c) in cores.iter_mut().zip(&params.engine.cores) {
                *slot = Some(*c);
            }
            let distinct = {
                let mut v = params.engine.cores.clone();
                v.sort_unstable();
                v.dedup();
                v.len()
            };
            if wanted == WaitStrategy::Spin && distinct < 4 {
                return Placement {
                    cores,
                    wait: WaitStrategy::Backoff,
                    note: "spin needs 4 distinct cores in engine.cores; using backoff".into(),
                };
            }
            return Placement {
                cores,
                wait: wanted,
                note: format!("pinned to cores {:?}", params.engine.cores),
            };
        }
        return Placement {
            cores: [None; 4],
            wait: WaitStrategy::Backoff,
            note: format!(
                "cores {missing:?} are not available to this process; not pinning, using backoff"
            ),
        };
    }
    if available.len() >= 5 {
        // Leave the first core to the OS and the main thread.
        let cores = [
            Some(available[1]),
            Some(available[2]),
            Some(available[3]),
            Some(available[4]),
        ];
        Placement {
            cores,
            wait: wanted,
            note: format!("pinned to cores {:?}", &available[1..5]),
        }
    } else if available.len() >= 4 {
        let cores = [
            Some(available[0]),
            Some(available[1]),
            Some(available[2]),
            Some(available[3]),
        ];
        Placement {
            cores,
            wait: wanted,
            note: format!("pinned to cores {:?}", &available[..4]),
        }
    } else {
        let note = if wanted == WaitStrategy::Spin {
            format!(
                "{} cores for 4 stages: spinning needs a core per stage, falling back to backoff; not pinning",
                available.len()
            )
        } else {
            format!("{} cores for 4 stages: not pinning", available.len())
        };
        Placement {
            cores: [None; 4],
            wait: WaitStrategy::Backoff,
            note,
        }
    }
}

fn spawn<T: Send + 'static>(
    name: &str,
    core: Option<usize>,
    f: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<std::thread::JoinHandle<T>> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            if let Some(id) = core {
                if !core_affinity::set_for_current(core_affinity::CoreId { id }) {
                    tracing::warn!(core = id, "could not pin thread");
                }
            }
            f()
        })
        .with_context(|| format!("cannot spawn {name}"))
}

/// Connects, subscribes, runs the four stages for `opts.duration` (or until stopped), then shuts
/// down in order and writes the run directory.
///
/// # Errors
/// Connection failures, thread spawn failures, run-directory I/O.
pub fn run(params: &EngineParams, opts: RunOptions) -> anyhow::Result<RunReport> {
    let symbols = params.symbols();
    anyhow::ensure!(
        !symbols.is_empty(),
        "no pairs to trade (params [[pairs]] is empty)"
    );
    std::fs::create_dir_all(&opts.run_dir)
        .with_context(|| format!("cannot create {}", opts.run_dir.display()))?;
    let restored = match &opts.resume {
        Some(dir) => {
            let path = dir.join(journal::FILE);
            let r = journal::load(&path, &symbols)
                .with_context(|| format!("cannot resume from {}", dir.display()))?;
            if r.truncated_tail {
                tracing::warn!(path = %path.display(), "journal ends mid-record (a crash while writing); the partial record is ignored");
            }
            // The new journal starts as a copy of the old one, so a second crash loses nothing.
            std::fs::copy(&path, opts.run_dir.join(journal::FILE)).with_context(|| {
                format!("cannot copy {} into the run directory", path.display())
            })?;
            Some(r)
        }
        None => None,
    };
    let conn = TwsConnection::connect(
        &opts.gateway,
        params.connection.client_id,
        Duration::from_secs(10),
    )
    .with_context(|| format!("cannot connect the engine to {}", opts.gateway))?;
    tracing::info!(version = conn.server_version, account = %conn.accounts, next_id = conn.next_valid_id, "engine connected");
    if opts.require_paper {
        if let Some(live) = conn
            .accounts
            .split(',')
            .find(|a| !a.trim().starts_with('D'))
        {
            anyhow::bail!(
                "account {live} is not a paper account (paper ids start with D): pass --live to trade it"
            );
        }
    }
    // Market data is requested by dispatch once it has reconciled with the gateway.
    let index = |s: &str| {
        symbols
            .iter()
            .position(|x| x == s)
            .expect("pair symbols are listed") as u16
    };
    let mut pairs: Vec<PairStrategy> = params
        .pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            PairStrategy::new(
                i as u16,
                index(&p.a),
                index(&p.b),
                &params.strategy,
                &params.costs,
                p,
            )
        })
        .collect();
    if let Some(warmup) = &opts.warmup {
        for (p, rows) in pairs.iter_mut().zip(warmup) {
            for &(a, b) in rows {
                p.warm(a, b);
            }
            p.finish_warmup();
        }
    }

    let placement = place(params);
    tracing::info!(wait = ?placement.wait, "{}", placement.note);
    let cap = params.engine.queue_capacity;
    let (md_tx, md_rx) = rtrb::RingBuffer::new(cap);
    let (quote_tx, quote_rx) = rtrb::RingBuffer::new(cap);
    let (intent_tx, intent_rx) = rtrb::RingBuffer::new(cap);
    let (order_tx, order_rx) = rtrb::RingBuffer::new(cap);
    let account = conn.accounts.split(',').next().unwrap_or("").to_string();
    let (version, next_id) = (conn.server_version, conn.next_valid_id);
    let (stream, reader) = conn.into_parts();
    let (mio_stream, writer) = split_for_stages(stream)?;

    let stop_io = Arc::new(AtomicBool::new(false));
    let md_stop = Arc::new(AtomicBool::new(false));
    let io_done = Arc::new(AtomicBool::new(false));
    let normalize_done = Arc::new(AtomicBool::new(false));
    let signal_done = Arc::new(AtomicBool::new(false));
    let drain_until = Arc::new(AtomicU64::new(u64::MAX));
    let wall_offset_ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        .saturating_sub(now_ns());
    let wait = placement.wait;
    let feed = Arc::new(FeedState::new(symbols.len()));
    let writer_mailbox = Arc::new(Mutex::new(None));

    let io = IoStage {
        stream: mio_stream,
        reader,
        version,
        symbols: symbols.clone(),
        md_tx,
        order_tx,
        wait,
        md_policy: params.engine.md_queue_policy,
        wall_offset_ns,
        stop: stop_io.clone(),
        md_stop: md_stop.clone(),
        md_stopped: io_done.clone(),
        reconnect: Some(Reconnect {
            gateway: opts.gateway.clone(),
            client_id: params.connection.client_id,
            min_ms: params.connection.reconnect_min_ms,
            max_ms: params.connection.reconnect_max_ms,
            writer: writer_mailbox.clone(),
        }),
    };
    let normalize = NormalizeStage {
        rx: md_rx,
        tx: quote_tx,
        normalizer: Normalizer::new(symbols.len(), params.normalize),
        waiter: Waiter::new(wait),
        upstream_done: io_done.clone(),
        feed: feed.clone(),
    };
    let signal = SignalStage {
        rx: quote_rx,
        tx: intent_tx,
        router: PairRouter::with_series(pairs, symbols.len(), params.engine.series_capacity),
        waiter: Waiter::new(wait),
        upstream_done: normalize_done.clone(),
    };
    let (journal_tx, journal_h) = journal::spawn(
        &opts.run_dir.join(journal::FILE),
        symbols.clone(),
        params.engine.journal_fsync,
        params.engine.queue_capacity,
    )
    .context("cannot start the journal")?;
    let killed = Arc::new(AtomicBool::new(false));
    let kill_request = Arc::new(AtomicBool::new(false));
    let dispatch = DispatchStage::new(
        DispatchSetup {
            dispatcher: DispatcherSetup {
                symbols: symbols.clone(),
                pairs: params
                    .pairs
                    .iter()
                    .map(|p| [index(&p.a), index(&p.b)])
                    .collect(),
                account,
                client_id: params.connection.client_id,
                next_order_id: next_id,
                risk: params.risk,
                wall_offset_ns,
                fills_capacity: params.engine.fills_capacity,
                requests_sent: 0,
            },
            intents: intent_rx,
            orders: order_rx,
            writer,
            tick_by_tick: params.engine.tick_by_tick,
            waiter: Waiter::new(wait),
            upstream_done: signal_done.clone(),
            drain_until: drain_until.clone(),
            kill_request: kill_request.clone(),
            killed: killed.clone(),
            feed: feed.clone(),
            writer_mailbox: writer_mailbox.clone(),
            journal: Some(journal_tx),
        },
        restored.as_ref(),
    );
    let started = Instant::now();
    let io_h = spawn("hft-io", placement.cores[0], move || io.run())?;
    let norm_h = spawn("hft-normalize", placement.cores[1], move || normalize.run())?;
    let sig_h = spawn("hft-signal", placement.cores[2], move || signal.run())?;
    let disp_h = spawn("hft-dispatch", placement.cores[3], move || dispatch.run())?;

    let kill_file = opts.run_dir.join(KILL_FILE);
    while started.elapsed() < opts.duration
        && !opts.stop.load(Ordering::Relaxed)
        && !killed.load(Ordering::Relaxed)
        && !io_h.is_finished()
    {
        std::thread::sleep(Duration::from_millis(20));
        if kill_file.exists() {
            kill_request.store(true, Ordering::Release);
        }
    }
    let ran = started.elapsed();
    // Shutdown in pipeline order: market data stops, normalize and signal drain, dispatch waits
    // for its last fills (io keeps reading order events meanwhile), then io stops.
    md_stop.store(true, Ordering::Release);
    while !io_done.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let norm_report: NormalizeReport = norm_h
        .join()
        .map_err(|_| anyhow::anyhow!("normalize thread panicked"))?;
    normalize_done.store(true, Ordering::Release);
    let sig_report: SignalReport = sig_h
        .join()
        .map_err(|_| anyhow::anyhow!("signal thread panicked"))?;
    drain_until.store(now_ns() + DRAIN_GRACE.as_nanos() as u64, Ordering::Release);
    signal_done.store(true, Ordering::Release);
    let disp_report: DispatchReport = disp_h
        .join()
        .map_err(|_| anyhow::anyhow!("dispatch thread panicked"))?;
    stop_io.store(true, Ordering::Release);
    let io_report: IoReport = io_h
        .join()
        .map_err(|_| anyhow::anyhow!("io thread panicked"))?;
    // Dispatch dropped its end of the journal queue: the writer drains, syncs and stops.
    let journal_stats = journal_h
        .join()
        .map_err(|_| anyhow::anyhow!("journal thread panicked"))?;
    if let Some(e) = &journal_stats.error {
        tracing::error!(error = %e, "journal write failed");
    }

    report(
        params,
        &opts.run_dir,
        &symbols,
        &placement,
        ran,
        wall_offset_ns,
        io_report,
        norm_report,
        sig_report,
        disp_report,
        journal_stats,
    )
}

#[allow(clippy::too_many_arguments)]
fn report(
    params: &EngineParams,
    run_dir: &Path,
    symbols: &[String],
    placement: &Placement,
    ran: Duration,
    wall_offset_ns: u64,
    io: IoReport,
    norm: NormalizeReport,
    sig: SignalReport,
    disp: DispatchReport,
    journal: JournalStats,
) -> anyhow::Result<RunReport> {
    let named = |name: &str, h: &hdrhistogram::Histogram<u64>| Named {
        name: name.to_string(),
        histogram: h.clone(),
    };
    let histograms = vec![
        named("io.queue_wait", &io.queue_wait),
        named("io.service", &io.service),
        named("normalize.queue_wait", &norm.queue_wait),
        named("normalize.service", &norm.service),
        named("signal.queue_wait", &sig.queue_wait),
        named("signal.service", &sig.service),
        named("dispatch.queue_wait", &disp.queue_wait),
        named("dispatch.service", &disp.service),
        named("dispatch.order_events", &disp.order_events),
        named("read_to_signal", &disp.read_to_signal),
        named("end_to_end", &disp.end_to_end),
    ];
    rundir::write_latency(run_dir, &histograms)?;
    let table = latency::table(&histograms);

    let mut series = SeriesIndex {
        zscore_bands: ZScoreBands::of(&params.strategy),
        pairs: Vec::with_capacity(params.pairs.len()),
    };
    for (p, log) in params.pairs.iter().zip(&sig.series) {
        let file = record::series_file(&p.a, &p.b);
        let path = run_dir.join(&file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, record::series_csv(log.as_slice()))
            .with_context(|| format!("cannot write {}", path.display()))?;
        if log.dropped() > 0 {
            tracing::warn!(pair = %file, dropped = log.dropped(), "series log full (engine.series_capacity): later grid rows not charted");
        }
        series.pairs.push(SeriesEntry {
            a: p.a.clone(),
            b: p.b.clone(),
            file,
            rows: log.len() as u64,
            dropped_rows: log.dropped(),
        });
    }
    let fills_path = run_dir.join("fills.csv");
    std::fs::write(
        &fills_path,
        record::engine_fills_csv(disp.fills.as_slice(), symbols, wall_offset_ns),
    )
    .with_context(|| format!("cannot write {}", fills_path.display()))?;

    let mut positions = Vec::new();
    let (mut realized, mut unrealized, mut commissions) = (0.0, 0.0, disp.unattributed_commissions);
    let mid_of = |i: usize| norm.mids.get(i).copied().unwrap_or(0.0);
    for (i, p) in disp.positions.iter().enumerate() {
        let mid = mid_of(i);
        let open = p.unrealized(mid);
        realized += p.realized;
        unrealized += open;
        commissions += p.commissions;
        positions.push(json!({
            "symbol": symbols[i], "position": p.qty, "avg_cost": p.avg_cost, "realized_pnl": p.realized,
            "unrealized_pnl": open, "commissions": p.commissions, "last_mid": mid,
        }));
    }
    let mut naked_pairs = 0;
    let pair_pnl: Vec<serde_json::Value> = params
        .pairs
        .iter()
        .zip(&disp.pair_books)
        .map(|(p, b)| {
            let legs = [0, 1].map(|k| {
                let l = &b.legs[k];
                let mid = mid_of(b.instruments[k] as usize);
                (l, l.unrealized(mid))
            });
            let realized: f64 = legs.iter().map(|(l, _)| l.realized).sum();
            let unrealized: f64 = legs.iter().map(|(_, u)| u).sum();
            let commissions: f64 = legs.iter().map(|(l, _)| l.commissions).sum();
            naked_pairs += usize::from(b.is_legged());
            json!({
                "a": p.a, "b": p.b, "position_a": b.legs[0].qty, "position_b": b.legs[1].qty,
                "naked_leg": b.is_legged(), "realized_pnl": realized, "unrealized_pnl": unrealized,
                "commissions": commissions, "net_pnl": realized + unrealized - commissions,
            })
        })
        .collect();
    let percentiles: serde_json::Map<String, serde_json::Value> = histograms
        .iter()
        .map(|h| {
            let x = &h.histogram;
            let p = |q: f64| {
                if x.is_empty() {
                    0
                } else {
                    x.value_at_percentile(q)
                }
            };
            (
                h.name.clone(),
                json!({"count": x.len(), "p50_ns": p(50.0), "p90_ns": p(90.0), "p99_ns": p(99.0),
                "p99_9_ns": p(99.9), "p99_99_ns": p(99.99), "max_ns": x.max()}),
            )
        })
        .collect();
    let c = &disp.counters;
    let summary = json!({
        "strategy": format!("{:?}", params.strategy.kind).to_lowercase(),
        "duration_secs": ran.as_secs_f64(),
        "placement": {"wait": format!("{:?}", placement.wait).to_lowercase(), "cores": placement.cores, "note": placement.note},
        "latency": percentiles,
        "counters": {
            "ticks": io.counters.md_events,
            "frames": io.counters.frames,
            "malformed_frames": io.counters.malformed,
            "skipped_frames": io.counters.skipped,
            "md_queue_full": io.counters.md_queue_full,
            "md_dropped": io.counters.md_dropped,
            "quote_queue_full": norm.quote_queue_full,
            "quotes": norm.counters.quotes,
            "bad_ticks": norm.counters,
            "signals": sig.intents,
            "dispatch": c,
        },
        "strategies": params.pairs.iter().zip(&sig.strategies).zip(&sig.hedge_ratios).map(|((p, s), h)| json!({
            "a": p.a, "b": p.b, "hedge_ratio": h, "quotes": s.quotes, "grid_rows": s.grid_rows,
            "evaluations": s.evaluations, "undefined_statistics": s.undefined, "edge_too_small": s.edge_too_small, "intents": s.intents,
        })).collect::<Vec<_>>(),
        "positions": positions,
        "pairs": pair_pnl,
        "naked_pairs": naked_pairs,
        "kill_switch": disp.kill_reason,
        "connectivity": io.counters,
        "journal": {"records": journal.records, "bytes": journal.bytes, "fsyncs": journal.fsyncs,
            "dropped": journal.dropped, "error": journal.error, "policy": params.engine.journal_fsync},
        "pnl": {"realized": realized, "unrealized": unrealized, "commissions": commissions, "net": realized + unrealized - commissions},
        "series": series,
        "fills_log": {"logged": disp.fills.len(), "dropped": disp.fills.dropped()},
        "disconnected": io.disconnected || disp.disconnected,
        "io_error": io.error,
    });
    std::fs::write(
        run_dir.join("summary.json"),
        serde_json::to_vec_pretty(&summary)?,
    )?;
    let mut kill = match disp.kill_reason {
        KillReason::LossLimit => format!(
            "\nKILL SWITCH: daily loss limit of {:.2} USD reached; {} orders cancelled, {} flatten orders sent",
            params.risk.max_daily_loss, c.cancels_sent, c.flatten_orders
        ),
        KillReason::Command => format!(
            "\nKILL SWITCH: kill command; {} orders cancelled, {} flatten orders sent",
            c.cancels_sent, c.flatten_orders
        ),
        KillReason::None => String::new(),
    };
    if io.counters.disconnects + c.link_losses + c.reconciliations > 1 {
        kill.push_str(&format!(
            "\nconnectivity: {} sessions lost, {} re-established, {} 1100 notices, {} reconciliations, {} fills recovered, {} positions adopted",
            io.counters.disconnects,
            io.counters.reconnects,
            c.link_losses,
            c.reconciliations,
            c.recovered_fills,
            c.position_mismatches
        ));
    }
    if naked_pairs > 0 || c.naked_legs > 0 {
        kill.push_str(&format!(
            "\nNAKED LEGS: {naked_pairs} pairs end with one leg only ({} unwinds failed); see summary.json pairs",
            c.naked_legs
        ));
    }
    let trading = format!(
        "ticks {} | quotes {} | bad ticks {} | signals {} | orders {} | fills {} | rejected by risk {} | rate-limited {}\n\
         PnL: realized {:.2}, unrealized {:.2}, commissions {:.2}, net {:.2} USD{kill}",
        io.counters.md_events,
        norm.counters.quotes,
        norm.counters.bad_price + norm.counters.crossed + norm.counters.jumps_rejected,
        sig.intents,
        c.orders_sent,
        c.fills,
        c.rejected_by_risk,
        c.delayed_by_rate_limit,
        realized,
        unrealized,
        commissions,
        realized + unrealized - commissions
    );
    Ok(RunReport {
        run_dir: run_dir.to_path_buf(),
        histograms,
        summary,
        table,
        trading,
        dispatch: disp,
    })
}

/// A fresh run directory under `base`: `run-YYYYMMDD-HHMMSS[-n]`.
///
/// # Errors
/// I/O errors creating it.
pub fn new_run_dir(base: &Path) -> std::io::Result<PathBuf> {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d, hh, mm, ss) = crate::wire::civil_from_unix(t);
    let stem = format!("run-{y:04}{m:02}{d:02}-{hh:02}{mm:02}{ss:02}");
    std::fs::create_dir_all(base)?;
    for n in 0..1000 {
        let dir = if n == 0 {
            base.join(&stem)
        } else {
            base.join(format!("{stem}-{n}"))
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "too many run directories with the same timestamp",
    ))
}
