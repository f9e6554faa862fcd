//! The engine: four named, pinned stages joined by SPSC queues.
//!
//! ```text
//! socket -> [io] -> MdEvent -> [normalize] -> QuoteMsg -> [signal] -> IntentMsg -> [dispatch] -> socket
//!             \-------------------------- OrderMsg ------------------------------/
//! ```
//!
//! Shutdown runs in pipeline order: io stops reading, each later stage drains its queue and stops,
//! dispatch keeps reading order events for a short grace period so the last fills are counted.
//! A stage that panics ends the run the same way: the supervisor sees it finish, every other
//! stage is stopped in order (dispatch, if alive, still cancels its working orders, flattens
//! when configured and sends REQ_GLOBAL_CANCEL past its deadline), every thread is joined, the
//! summary names the stages that panicked and [`run`] returns an error.
//! Every stage hands its histograms back; the report prints them and writes the run directory:
//! `summary.json`, `latency/<stage>.hgrm`, `series/<A>-<B>.csv` (each pair's grid rows, logged by
//! the signal stage), `bootstrap/<A>-<B>.csv` (the warm-up's rows, `warmup.rs`) and `fills.csv`
//! (logged by dispatch), which `hft report` charts.

mod contract_ids;
mod ends;
mod placement;
mod prefault;
mod recorder;
mod report;
mod warmup;
mod watch;

pub use placement::{Placement, place, without_spare_cores};
pub use recorder::{MD_EVENTS_FILE, QUOTES_FILE, RecorderReport};
use recorder::{Recorders, spawn_recorders};
pub use warmup::{WarmRow, Warmup};

use crate::config::EngineParams;
use crate::dispatch::{DispatchReport, DispatchSetup, DispatchStage, DispatcherSetup};
use crate::instruments::Instruments;
use crate::io::stage::{ORDER_QUEUE_PATIENCE, Reconnect, split_for_stages};
use crate::io::{IoReport, IoStage, TwsConnection, WriterMailbox};
use crate::journal;
use crate::latency::{Named, now_ns};
use crate::metrics::EngineMetrics;
use crate::normalize::{FeedState, NormalizeReport, NormalizeStage, Normalizer};
use crate::runtime::{Cadence, Waiter, Waker, link, lock_all};
use crate::signal::{BasketRouter, PairRouter, SignalReport, SignalStage};
use crate::strategy::PairStrategy;
use anyhow::Context;
use placement::spawn;
use prefault::prefault_queues;
use report::report;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use watch::Watch;

/// Longest wait after the last intent for working orders to fill or end.
const DRAIN_GRACE: Duration = Duration::from_secs(10);

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
    /// Where the stages publish their numbers (the metrics endpoint and the status line read
    /// them); `None`: the run makes its own. A caller that passes one can watch the run.
    pub metrics: Option<Arc<EngineMetrics>>,
}

/// A file whose appearance in the run directory trips the kill switch (`hft kill RUN_DIR`).
pub const KILL_FILE: &str = "KILL";

/// The outcome of a run.
pub struct RunReport {
    pub run_dir: PathBuf,
    pub histograms: Vec<Named>,
    pub summary: crate::rundir::Summary,
    pub table: String,
    pub trading: String,
    pub dispatch: DispatchReport,
}

/// Connects, subscribes, runs the four stages for `opts.duration` (or until stopped), then shuts
/// down in order and writes the run directory.
///
/// # Errors
/// Connection failures, thread spawn failures, run-directory I/O.
pub fn run(params: &EngineParams, opts: RunOptions) -> anyhow::Result<RunReport> {
    crate::latency::start_clock();
    let instruments = Instruments::of(params);
    anyhow::ensure!(
        !instruments.is_empty(),
        "nothing to trade (params [[pairs]] and [[baskets]] are empty)"
    );
    std::fs::create_dir_all(&opts.run_dir)
        .with_context(|| format!("cannot create {}", opts.run_dir.display()))?;
    let metrics = match &opts.metrics {
        Some(m) => {
            anyhow::ensure!(
                m.symbols() == instruments.symbols(),
                "the metrics cells were made for other instruments"
            );
            m.clone()
        }
        None => Arc::new(EngineMetrics::new(instruments.symbols())),
    };
    let restored = restore_journal(&opts, &instruments)?;
    let mut watch = Watch::start(params, metrics.clone())?;
    // A combo policy the account cannot use fails here, before the engine connects.
    let con_ids = contract_ids::combo_contract_ids(params, &opts.gateway, instruments.symbols())?;
    let conn = connect(params, &opts)?;
    let mut pairs = PairStrategy::for_pairs(params, &instruments);
    if let Some(rows) = &opts.warmup {
        warmup::warm(&mut pairs, rows, params, &opts.run_dir)?;
    }
    let placement = place(params);
    tracing::info!(wait = ?placement.wait, "{}", placement.note);
    let wall_offset_ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        .saturating_sub(now_ns());
    let (stages, control) = build_stages(
        params,
        &opts,
        &instruments,
        conn,
        pairs,
        &placement,
        wall_offset_ns,
        restored.as_ref(),
        metrics,
        con_ids,
    )?;
    if params.engine.lock_memory {
        // After everything is allocated and pre-faulted: MCL_FUTURE covers what comes later.
        lock_all().context("engine.lock_memory = true")?;
        tracing::info!("memory locked (mlockall)");
    }
    let started = Instant::now();
    let running = stages.spawn(&placement)?;
    supervise(&opts, &control, started, &running, &mut watch);
    let ran = started.elapsed();
    let ends = running.shut_down(&control, instruments.symbols().len());
    watch.stop();
    let panicked = ends.panicked.clone();
    let report = report(
        params,
        &opts.run_dir,
        instruments.symbols(),
        &placement,
        ran,
        wall_offset_ns,
        ends,
    )?;
    anyhow::ensure!(
        panicked.is_empty(),
        "stage thread(s) panicked: {}; the other stages were stopped and joined (see {})",
        panicked.join(", "),
        opts.run_dir.join("summary.json").display()
    );
    Ok(report)
}

/// The journal of the run being resumed, copied into the new run directory so a second crash
/// loses nothing.
fn restore_journal(
    opts: &RunOptions,
    instruments: &Instruments,
) -> anyhow::Result<Option<journal::Recovered>> {
    let Some(dir) = &opts.resume else {
        return Ok(None);
    };
    let path = dir.join(journal::FILE);
    let r = journal::load(&path, instruments.symbols())
        .with_context(|| format!("cannot resume from {}", dir.display()))?;
    if r.truncated_tail {
        tracing::warn!(path = %path.display(), "journal ends mid-record (a crash while writing); the partial record is ignored");
    }
    std::fs::copy(&path, opts.run_dir.join(journal::FILE))
        .with_context(|| format!("cannot copy {} into the run directory", path.display()))?;
    Ok(Some(r))
}

/// The engine's session; refuses accounts that are not paper accounts unless told otherwise.
fn connect(params: &EngineParams, opts: &RunOptions) -> anyhow::Result<TwsConnection> {
    let conn = TwsConnection::connect(
        &opts.gateway,
        params.connection.client_id,
        Duration::from_secs(10),
    )
    .with_context(|| format!("cannot connect the engine to {}", opts.gateway))?;
    tracing::info!(version = conn.server_version, account = %conn.accounts, next_id = conn.next_valid_id, "engine connected");
    if opts.require_paper
        && let Some(live) = conn
            .accounts
            .split(',')
            .find(|a| !a.trim().starts_with('D'))
    {
        anyhow::bail!(
            "account {live} is not a paper account (paper ids start with D): pass --live to trade it"
        );
    }
    Ok(conn)
}

/// The flags the stages and the supervisor share.
struct Control {
    stop_io: Arc<AtomicBool>,
    md_stop: Arc<AtomicBool>,
    io_done: Arc<AtomicBool>,
    normalize_done: Arc<AtomicBool>,
    signal_done: Arc<AtomicBool>,
    drain_until: Arc<AtomicU64>,
    killed: Arc<AtomicBool>,
    kill_request: Arc<AtomicBool>,
    /// The doorbells of normalize, signal and dispatch (rung after their done flag is set, so a
    /// blocked stage sees it at once).
    wake_normalize: Waker,
    wake_signal: Waker,
    wake_dispatch: Waker,
}

/// The four stages and the journal writer, built and not yet started.
struct Stages {
    io: IoStage,
    normalize: NormalizeStage,
    signal: SignalStage,
    dispatch: DispatchStage,
    journal: std::thread::JoinHandle<journal::JournalStats>,
    recorder: Recorders,
}

/// The stage threads, running.
struct Running {
    io: std::thread::JoinHandle<IoReport>,
    normalize: std::thread::JoinHandle<NormalizeReport>,
    signal: std::thread::JoinHandle<SignalReport>,
    dispatch: std::thread::JoinHandle<DispatchReport>,
    journal: std::thread::JoinHandle<journal::JournalStats>,
    recorder: Recorders,
}

/// What every stage handed back.
pub(crate) struct StageEnds {
    pub io: IoReport,
    pub normalize: NormalizeReport,
    pub signal: SignalReport,
    pub dispatch: DispatchReport,
    pub journal: journal::JournalStats,
    /// The recorders' end states (`None`: that recording is off).
    pub recorder: Option<RecorderReport>,
    pub event_recorder: Option<RecorderReport>,
    /// Stages whose thread panicked (their report is empty).
    pub panicked: Vec<String>,
}

/// Queues between the stages, and each stage with its end of them. Market data is requested
/// by dispatch once it has reconciled with the gateway.
#[allow(clippy::too_many_arguments)]
fn build_stages(
    params: &EngineParams,
    opts: &RunOptions,
    instruments: &Instruments,
    conn: TwsConnection,
    pairs: Vec<PairStrategy>,
    placement: &Placement,
    wall_offset_ns: u64,
    restored: Option<&journal::Recovered>,
    metrics: Arc<EngineMetrics>,
    con_ids: Vec<i32>,
) -> anyhow::Result<(Stages, Control)> {
    let symbols = instruments.symbols().to_vec();
    let cap = params.engine.queue_capacity;
    let (mut md_tx, mut md_rx) = rtrb::RingBuffer::new(cap);
    let (mut quote_tx, mut quote_rx) = link(
        params.engine.md_conflate,
        cap,
        symbols.len(),
        prefault::quote_sample(),
    );
    let (mut intent_tx, mut intent_rx) = rtrb::RingBuffer::new(cap);
    let (mut order_tx, mut order_rx) = rtrb::RingBuffer::new(cap);
    let (mut outcome_tx, mut outcome_rx) = rtrb::RingBuffer::new(cap);
    prefault_queues(
        (&mut md_tx, &mut md_rx),
        (&mut quote_tx, &mut quote_rx),
        (&mut intent_tx, &mut intent_rx),
        (&mut order_tx, &mut order_rx),
        (&mut outcome_tx, &mut outcome_rx),
    );
    let account = conn.accounts.split(',').next().unwrap_or("").to_string();
    let (version, next_id) = (conn.server_version, conn.next_valid_id);
    let (stream, reader) = conn.into_parts();
    let (mio_stream, writer) = split_for_stages(stream)?;
    let flag = || Arc::new(AtomicBool::new(false));
    let wait = placement.wait;
    let spins = params.engine.spin_before_block;
    let (normalize_waiter, signal_waiter, dispatch_waiter) = (
        Waiter::with_spins(wait, spins),
        Waiter::with_spins(wait, spins),
        Waiter::with_spins(wait, spins),
    );
    let control = Control {
        stop_io: flag(),
        md_stop: flag(),
        io_done: flag(),
        normalize_done: flag(),
        signal_done: flag(),
        drain_until: Arc::new(AtomicU64::new(u64::MAX)),
        killed: flag(),
        kill_request: flag(),
        wake_normalize: normalize_waiter.waker(),
        wake_signal: signal_waiter.waker(),
        wake_dispatch: dispatch_waiter.waker(),
    };
    let feed = Arc::new(FeedState::new(symbols.len()));
    let writer_mailbox = Arc::new(WriterMailbox::default());
    let cadence = Cadence::new(params.engine.metrics_publish_ms * 1_000_000);
    let io = IoStage {
        stream: mio_stream,
        reader,
        version,
        symbols: symbols.clone(),
        md_tx,
        order_tx,
        md_waker: normalize_waiter.waker(),
        order_waker: dispatch_waiter.waker(),
        wait,
        md_policy: params.engine.md_queue_policy,
        wall_offset_ns,
        stop: control.stop_io.clone(),
        md_stop: control.md_stop.clone(),
        md_stopped: control.io_done.clone(),
        reconnect: Some(Reconnect {
            gateway: opts.gateway.clone(),
            client_id: params.connection.client_id,
            min_ms: params.connection.reconnect_min_ms,
            max_ms: params.connection.reconnect_max_ms,
            writer: writer_mailbox.clone(),
        }),
        order_patience: ORDER_QUEUE_PATIENCE,
        metrics: metrics.clone(),
        cadence,
    };
    let (tap, event_tap, recorder) = spawn_recorders(params, opts, &symbols)?;
    let normalize = NormalizeStage {
        tap,
        event_tap,
        rx: md_rx,
        tx: quote_tx,
        normalizer: Normalizer::new(symbols.len(), params.normalize),
        waker: signal_waiter.waker(),
        waiter: normalize_waiter,
        upstream_done: control.io_done.clone(),
        feed: feed.clone(),
        metrics: metrics.clone(),
        cadence,
    };
    // Cold fits (the `var` strategy, the pair filters) run on the model thread, which stops
    // when the router is dropped with the signal stage.
    let mut router = PairRouter::with_series(pairs, symbols.len(), params.engine.series_capacity)
        .with_models(&params.strategy)
        .with_baskets(
            BasketRouter::new(
                &instruments.basket_legs(&params.baskets),
                params.pairs.len(),
                symbols.len(),
                &params.strategy,
                params.engine.series_capacity,
            )
            .with_value_tilts(crate::pairs::valuation::basket_value_tilts(
                params, "params",
            )?),
        );
    router.prefault();
    router
        .start_model_thread()
        .context("cannot start the model thread")?;
    let signal = SignalStage {
        rx: quote_rx,
        tx: intent_tx,
        outcomes: outcome_rx,
        router,
        waker: dispatch_waiter.waker(),
        waiter: signal_waiter,
        upstream_done: control.normalize_done.clone(),
        metrics: metrics.clone(),
        cadence,
    };
    let (journal_tx, journal_h) = journal::spawn(
        &opts.run_dir.join(journal::FILE),
        symbols.clone(),
        params.engine.journal_fsync,
        params.engine.queue_capacity,
    )
    .context("cannot start the journal")?;
    let dispatch = DispatchStage::new(
        DispatchSetup {
            dispatcher: DispatcherSetup {
                pairs: instruments.pair_legs(&params.pairs),
                baskets: instruments.basket_legs(&params.baskets),
                symbols,
                account,
                client_id: params.connection.client_id,
                next_order_id: next_id,
                risk: params.risk,
                wall_offset_ns,
                fills_capacity: params.engine.fills_capacity,
                requests_sent: 0,
                feed: feed.clone(),
                execution: params.execution,
                policies: params.pair_policies(),
                leaders: params.pair_leaders(),
            },
            intents: intent_rx,
            orders: order_rx,
            outcomes: outcome_tx,
            writer,
            tick_by_tick: params.engine.tick_by_tick,
            waiter: dispatch_waiter,
            upstream_done: control.signal_done.clone(),
            drain_until: control.drain_until.clone(),
            kill_request: control.kill_request.clone(),
            killed: control.killed.clone(),
            writer_mailbox,
            journal: Some(journal_tx),
            metrics,
            cadence,
            con_ids,
        },
        restored,
    );
    let stages = Stages {
        io,
        normalize,
        signal,
        dispatch,
        journal: journal_h,
        recorder,
    };
    Ok((stages, control))
}

impl Stages {
    fn spawn(self, placement: &Placement) -> anyhow::Result<Running> {
        let Stages {
            io,
            normalize,
            signal,
            dispatch,
            journal,
            recorder,
        } = self;
        Ok(Running {
            recorder,
            io: spawn("hft-io", placement.cores[0], move || io.run())?,
            normalize: spawn("hft-normalize", placement.cores[1], move || normalize.run())?,
            signal: spawn("hft-signal", placement.cores[2], move || {
                #[cfg(test)]
                tests::maybe_panic("signal");
                signal.run()
            })?,
            dispatch: spawn("hft-dispatch", placement.cores[3], move || dispatch.run())?,
            journal,
        })
    }
}

/// Waits for the end of the run: its duration, a stop request, the kill switch, or any stage
/// ending (io losing its session for good, or a panic); turns a kill file in the run directory
/// into a kill request; logs the status line when due.
fn supervise(
    opts: &RunOptions,
    control: &Control,
    started: Instant,
    running: &Running,
    watch: &mut Watch,
) {
    let kill_file = opts.run_dir.join(KILL_FILE);
    while started.elapsed() < opts.duration
        && !opts.stop.load(Ordering::Relaxed)
        && !control.killed.load(Ordering::Relaxed)
        && !running.any_finished()
    {
        std::thread::sleep(Duration::from_millis(20));
        if kill_file.exists() {
            control.kill_request.store(true, Ordering::Release);
        }
        watch.tick();
    }
}

impl Running {
    fn any_finished(&self) -> bool {
        self.io.is_finished()
            || self.normalize.is_finished()
            || self.signal.is_finished()
            || self.dispatch.is_finished()
            || self.journal.is_finished()
    }

    /// Shutdown in pipeline order: market data stops, normalize and signal drain, dispatch waits
    /// for its last fills (io keeps reading order events meanwhile), then io stops. A stage that
    /// panicked is recorded (with an empty report) and the shutdown goes on, so every other
    /// stage is stopped and every thread joined.
    fn shut_down(self, control: &Control, instruments: usize) -> StageEnds {
        let mut panicked = Vec::new();
        control.md_stop.store(true, Ordering::Release);
        // A dead io never says it stopped forwarding market data: say it for it.
        while !control.io_done.load(Ordering::Acquire) && !self.io.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        control.io_done.store(true, Ordering::Release);
        control.wake_normalize.wake();
        let normalize = joined(self.normalize, "normalize", &mut panicked)
            .unwrap_or_else(|| ends::normalize(instruments));
        // Normalize dropped its end of the recorders' queues: they drain and stop.
        let mut join = |h: Option<std::thread::JoinHandle<RecorderReport>>| {
            let r = h.and_then(|h| joined(h, "recorder", &mut panicked));
            if let Some(e) = r.as_ref().and_then(|r| r.error.as_ref()) {
                tracing::error!(error = %e, "recording failed");
            }
            r
        };
        let recorder = join(self.recorder.quotes);
        let event_recorder = join(self.recorder.events);
        control.normalize_done.store(true, Ordering::Release);
        control.wake_signal.wake();
        let signal = joined(self.signal, "signal", &mut panicked).unwrap_or_else(ends::signal);
        control
            .drain_until
            .store(now_ns() + DRAIN_GRACE.as_nanos() as u64, Ordering::Release);
        control.signal_done.store(true, Ordering::Release);
        control.wake_dispatch.wake();
        let dispatch =
            joined(self.dispatch, "dispatch", &mut panicked).unwrap_or_else(ends::dispatch);
        control.stop_io.store(true, Ordering::Release);
        let io = joined(self.io, "io", &mut panicked).unwrap_or_else(ends::io);
        // Dispatch dropped its end of the journal queue: the writer drains, syncs and stops.
        let journal = joined(self.journal, "journal", &mut panicked).unwrap_or_default();
        if let Some(e) = &journal.error {
            tracing::error!(error = %e, "journal write failed");
        }
        StageEnds {
            io,
            normalize,
            signal,
            dispatch,
            journal,
            recorder,
            event_recorder,
            panicked,
        }
    }
}

/// Joins a stage thread; `None` (logged, recorded in `panicked`) when it panicked.
fn joined<T>(h: std::thread::JoinHandle<T>, name: &str, panicked: &mut Vec<String>) -> Option<T> {
    match h.join() {
        Ok(v) => Some(v),
        Err(_) => {
            tracing::error!(stage = name, "stage thread panicked; stopping the others");
            panicked.push(name.to_string());
            None
        }
    }
}

#[cfg(test)]
mod tests;
