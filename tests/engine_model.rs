//! Model-based test of the whole engine (the pipeline `cargo run` uses) against the paper
//! gateway in-process with `[orderflow]` on: each seed draws a schedule (the orderflow settings
//! and its seed, partial fills, dropped connections, a kill by `hft kill` or by the loss limit, a
//! flatten at the end, or a SIGKILL of an `hft run` process and a resume from its journal) and
//! runs a short replay of the oscillating pair through it. After every schedule:
//!
//! - the engine's position per symbol equals the gateway ledger's, and so do its commissions;
//! - each execution is counted once: fills counted (journal included) = executions booked, and
//!   the journal names each of the ledger's execution ids exactly once;
//! - nothing works at the gateway any more (the engine's own open-order count is not in its
//!   report; it ends through the same cancels);
//! - with a flatten asked for (stop or kill) and nothing refused by the gateway, flat at the end;
//! - a pair ends legged only when the gateway refused orders (hedging made impossible), and then
//!   the engine reported it (naked legs counted).
//!
//! Assertions are on what happened, never on how long it took. A failing schedule prints its
//! seed. `cargo test --test engine_model -- --ignored more_schedules` runs `ENGINE_MODEL_SEEDS`
//! schedules (from `ENGINE_MODEL_FIRST`); `SEED=n` with `one_seed` runs one.

mod common;

use common::PATIENCE;
use hft::config::{EngineParams, OrderMoment, OrderflowParams, SimParams, WaitStrategy};
use hft::pipeline::RunReport;
use hft::sim::Gateway;
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Schedules per `cargo test`.
const SCHEDULES: u64 = 20;

/// Seeds whose schedule failed on a dispatcher defect before its fix: a fill racing a
/// reconciliation after a reconnect, the positions answer (lagging, or computed before a live
/// execution the engine had counted) missing it, and the dispatcher adopting the stale position
/// (seed 2 ended holding 0 AAA against the ledger's 100, seed 11 0 AAA against -90). The
/// dispatcher now adopts a difference only when a second answer, asked for well after the
/// instrument's last fill, confirms it. Timing decides whether the race happens; the seeds run
/// by the default set (both are below `SCHEDULES`) and by
/// `seeds_2_and_11_a_position_racing_a_fill_is_not_adopted`.
const RACE_SEEDS: [u64; 2] = [2, 11];

/// Whether a schedule may combine a reconnect with lagging positions or spread answers (a fill
/// racing the reconciliation). On by default; `ENGINE_MODEL_RACING=0` turns it off.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Racing {
    Off,
    On,
}

/// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): the schedule's own generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len() as u64) as usize]
    }
}

/// How a schedule ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ending {
    /// The replay runs out and the engine is stopped.
    Stop,
    /// `hft kill RUN_DIR` after this many milliseconds.
    KillCommand(u64),
    /// The loss limit trips the kill switch (the first commissions pass it).
    LossLimit,
    /// An `hft run` process is SIGKILLed once it traded, and resumed from its journal.
    CrashAndResume { flatten_on_start: bool },
}

/// One schedule, drawn from its seed.
#[derive(Debug)]
struct Schedule {
    rows: i64,
    speed: f64,
    sim: SimParams,
    params: EngineParams,
    ending: Ending,
}

impl Schedule {
    fn draw(seed: u64, racing: Racing) -> Schedule {
        let mut r = Rng(seed ^ 0x0e9e_0de1);
        let ending = match r.below(100) {
            0..=14 => Ending::KillCommand(100 + r.below(400)),
            15..=22 => Ending::LossLimit,
            23..=32 => Ending::CrashAndResume {
                flatten_on_start: r.chance(50),
            },
            _ => Ending::Stop,
        };
        let crash = matches!(ending, Ending::CrashAndResume { .. });
        // A few hundred rows at a high rate: well under a second of replay (slower for a
        // crash, so the process traded before it is killed).
        let rows = 300 + r.below(200) as i64;
        let speed = if crash {
            300.0
        } else {
            r.pick(&[500.0, 1000.0, 2000.0])
        };
        let mut sim = common::test_params();
        sim.market.symbols.clear();
        let f = &mut sim.faults;
        if r.chance(50) {
            f.max_fill_qty = r.pick(&[30, 60]);
        }
        if r.chance(20) {
            f.drop_at_secs = vec![0.2 + r.below(600) as f64 / 1000.0];
        }
        let range = |r: &mut Rng, max: u64| [0, r.below(max + 1)];
        let mut o = OrderflowParams {
            seed: r.next(),
            status_first_probability: r.pick(&[0.0, 0.3, 0.5, 1.0]),
            commission_delay_ms: range(&mut r, 30),
            commission_repeat_probability: r.pick(&[0.0, 0.2, 0.5]),
            ..OrderflowParams::default()
        };
        if r.chance(60) {
            o.pending_cancel_ms = range(&mut r, 50);
        }
        if r.chance(60) {
            o.answer_delay_ms = range(&mut r, 30);
        }
        if r.chance(40) {
            o.position_lag_probability = r.pick(&[0.3, 1.0]);
            o.position_lag_ms = range(&mut r, 50);
        }
        if r.chance(40) {
            let moments = [
                OrderMoment::Acknowledged,
                OrderMoment::PartialFill,
                OrderMoment::PendingCancel,
                OrderMoment::Filled,
            ];
            o.disconnect_at = moments.iter().copied().filter(|_| r.chance(50)).collect();
            if o.disconnect_at.is_empty() {
                o.disconnect_at.push(r.pick(&moments));
            }
            o.disconnect_probability = r.pick(&[0.2, 0.5]);
            o.max_disconnects = 1 + r.below(2) as u32;
        }
        if r.chance(25) {
            o.reject_probability = r.pick(&[0.05, 0.15]);
            let codes = [103, 110, 200, 203, 10147];
            o.reject_codes = codes.iter().copied().filter(|_| r.chance(60)).collect();
            if o.reject_codes.is_empty() {
                o.reject_codes.push(r.pick(&codes));
            }
        }
        let reconnects =
            !o.disconnect_at.is_empty() || !sim.faults.drop_at_secs.is_empty() || crash;
        if racing == Racing::Off && reconnects {
            o.answer_delay_ms = [0, 0];
            o.position_lag_probability = 0.0;
        }
        // Diagnosis: `ENGINE_MODEL_OFF=answers,cancels,...` switches behaviours off.
        let off = std::env::var("ENGINE_MODEL_OFF").unwrap_or_default();
        for word in off.split(',') {
            match word {
                "status" => o.status_first_probability = 0.0,
                "commissions" => {
                    o.commission_delay_ms = [0, 0];
                    o.commission_repeat_probability = 0.0;
                }
                "cancels" => o.pending_cancel_ms = [0, 0],
                "answers" => o.answer_delay_ms = [0, 0],
                "positions" => o.position_lag_probability = 0.0,
                "drops" => o.disconnect_probability = 0.0,
                "rejects" => o.reject_probability = 0.0,
                "partial" => sim.faults.max_fill_qty = 0,
                _ => {}
            }
        }
        sim.orderflow = o;
        sim.orderflow
            .validate("<schedule>", "orderflow")
            .expect("drawn params are valid");

        let mut params = common::fast_zscore_pair(if crash { 30.0 } else { 20.0 });
        params.engine.wait = WaitStrategy::Backoff;
        params.connection.reconnect_min_ms = 20;
        params.connection.reconnect_max_ms = 200;
        params.risk.flatten_on_stop = r.chance(50);
        if ending == Ending::LossLimit {
            params.risk.max_daily_loss = 0.5;
        }
        if let Ending::CrashAndResume { flatten_on_start } = ending {
            params.risk.flatten_on_start = flatten_on_start;
        }
        Schedule {
            rows,
            speed,
            sim,
            params,
            ending,
        }
    }
}

/// What a schedule did, for its line in the test's output.
struct Outcome {
    fills: usize,
    disconnects: u64,
    rejects: u64,
}

/// Runs the schedule of `seed`; the error says which check failed and what both sides held.
fn run(seed: u64, racing: Racing) -> Result<Outcome, String> {
    let s = Schedule::draw(seed, racing);
    let name = format!("model-{seed}");
    let sim = s.sim.clone();
    // Quotes go on for a few seconds past the trading part, so the orders of the end (cancels,
    // a flatten's remainders under partial fills) meet a live market, not a frozen book.
    let tail = (4.0 * s.speed) as i64;
    let (gw, quotes) = common::replaying_gateway(&name, s.rows + tail, s.speed, move |p| {
        let file = p.replay.take();
        *p = sim;
        p.replay = file;
    });
    let result = match s.ending {
        Ending::CrashAndResume { .. } => crash_and_resume(&s, &gw, &name),
        _ => run_in_process(&s, &gw, &name),
    };
    let _ = std::fs::remove_file(quotes);
    let (report, journals) = result?;
    let outcome = check(&s, &gw, &report, &journals);
    // `ENGINE_MODEL_KEEP=1` keeps a failing seed's run directory (journal, orders, summary).
    if outcome.is_err() && std::env::var_os("ENGINE_MODEL_KEEP").is_some() {
        eprintln!(
            "seed {seed}: run directory kept: {}",
            report.run_dir.display()
        );
    } else {
        let _ = std::fs::remove_dir_all(&report.run_dir);
    }
    outcome
}

/// The engine in this process, to the schedule's end.
fn run_in_process(
    s: &Schedule,
    gw: &Gateway,
    name: &str,
) -> Result<(RunReport, Vec<std::path::PathBuf>), String> {
    let engine = common::EngineRun::start(gw, s.params.clone(), name);
    let run_dir = engine.run_dir.clone();
    let deadline = Instant::now() + PATIENCE;
    match s.ending {
        Ending::KillCommand(after_ms) => {
            std::thread::sleep(Duration::from_millis(after_ms));
            // `hft kill` needs the run directory's journal, written at start-up.
            while let Err(e) = hft::cli::run::kill(&run_dir) {
                if Instant::now() > deadline {
                    return Err(format!("kill file: {e}"));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            wait_engine_ends(&engine, deadline)?;
        }
        Ending::LossLimit => {
            // Stops by itself once a commission arrives; a run that never trades is stopped.
            let ticks = 2 * s.rows as u64;
            while !engine.handle.is_finished() && Instant::now() < deadline {
                let sent = gw
                    .stats()
                    .ticks_sent
                    .load(std::sync::atomic::Ordering::Relaxed);
                if sent >= ticks {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        _ => wait_trading_part(s, gw),
    }
    let report = join(engine)?;
    Ok((report, vec![run_dir]))
}

/// Waits (bounded) until the replay has sent the schedule's trading rows (one tick-by-tick
/// message a row per symbol) or has ended.
fn wait_trading_part(s: &Schedule, gw: &Gateway) {
    let deadline = Instant::now() + PATIENCE;
    let ticks = 2 * s.rows as u64;
    while Instant::now() < deadline {
        let sent = gw
            .stats()
            .ticks_sent
            .load(std::sync::atomic::Ordering::Relaxed);
        if sent >= ticks || gw.snapshot().replay_finished {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn wait_engine_ends(engine: &common::EngineRun, deadline: Instant) -> Result<(), String> {
    while !engine.handle.is_finished() {
        if Instant::now() > deadline {
            return Err("the engine did not stop after the kill".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn join(engine: common::EngineRun) -> Result<RunReport, String> {
    engine.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    match engine.handle.join() {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(e)) => Err(format!("the run failed: {e:#}")),
        Err(_) => Err("the engine panicked".into()),
    }
}

/// `hft run` as its own process, SIGKILLed once it traded, then resumed here from its journal.
fn crash_and_resume(
    s: &Schedule,
    gw: &Gateway,
    name: &str,
) -> Result<(RunReport, Vec<std::path::PathBuf>), String> {
    let tmp = std::env::temp_dir().join(format!("hft-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let params_path = tmp.join("params.toml");
    common::oscillating_params_file(
        &params_path,
        &[
            ("reconnect_min_ms = 250", "reconnect_min_ms = 20"),
            ("reconnect_max_ms = 30000", "reconnect_max_ms = 200"),
        ],
    );
    let first = tmp.join("first");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hft"))
        .args(["run", "--no-bootstrap", "--duration", "600", "--gateway"])
        .arg(gw.local_addr().to_string())
        .arg("--params")
        .arg(&params_path)
        .arg("--out")
        .arg(&first)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("hft runs: {e}"))?;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let snap = gw.snapshot();
        let sent = gw
            .stats()
            .ticks_sent
            .load(std::sync::atomic::Ordering::Relaxed);
        if snap.exec_ids.len() >= 2 || sent >= s.rows as u64 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    // The gateway frees the dead session's client id when it sees the socket close.
    std::thread::sleep(Duration::from_millis(300));
    let engine = common::EngineRun::resuming(gw, s.params.clone(), name, Some(first.clone()));
    wait_trading_part(s, gw);
    let report = join(engine)?;
    let dir = report.run_dir.clone();
    Ok((report, vec![dir, tmp]))
}

/// The checks every schedule must pass.
fn check(
    s: &Schedule,
    gw: &Gateway,
    report: &RunReport,
    dirs: &[std::path::PathBuf],
) -> Result<Outcome, String> {
    let snap = gw.snapshot();
    let d = &report.dispatch;
    let c = &d.counters;
    let symbols = s.params.symbols();
    let stats = gw.stats();
    let rejects = stats
        .orderflow_rejects
        .load(std::sync::atomic::Ordering::Relaxed);
    let disconnects = stats
        .orderflow_disconnects
        .load(std::sync::atomic::Ordering::Relaxed);
    let mut ledger_qty = vec![0.0; symbols.len()];
    for (_, symbol, qty, _) in &snap.positions {
        if let Some(i) = symbols.iter().position(|x| x == symbol) {
            ledger_qty[i] = *qty;
        }
    }
    let mut ledger_commission = vec![0.0; symbols.len()];
    for e in &snap.executions {
        if let Some(i) = symbols.iter().position(|x| *x == e.symbol) {
            ledger_commission[i] += e.commission;
        }
    }
    for (i, symbol) in symbols.iter().enumerate() {
        let p = &d.positions[i];
        if p.qty != ledger_qty[i] {
            return Err(format!(
                "{symbol}: engine holds {} gateway {} ({c:?})",
                p.qty, ledger_qty[i]
            ));
        }
        if (p.commissions - ledger_commission[i]).abs() > 1e-6 {
            return Err(format!(
                "{symbol}: engine commissions {} ledger {} (missing reports {}, unattributed {})",
                p.commissions,
                ledger_commission[i],
                c.commissions_missing,
                d.unattributed_commissions
            ));
        }
    }
    let counted = (c.fills + c.journal_fills) as usize;
    if counted != snap.executions.len() {
        return Err(format!(
            "fills counted {} (journal {}) but {} executions booked ({c:?})",
            c.fills,
            c.journal_fills,
            snap.executions.len()
        ));
    }
    // The last journal carries the earlier one over: it names each execution once.
    let journal = common::journal_exec_ids(&dirs[0]);
    let unique: BTreeSet<&String> = journal.iter().collect();
    if unique.len() != journal.len() {
        return Err(format!(
            "an execution journaled twice: {} records, {} ids",
            journal.len(),
            unique.len()
        ));
    }
    let booked: BTreeSet<&String> = snap.exec_ids.iter().collect();
    if unique != booked {
        return Err(format!(
            "journal ids differ from the ledger's: journal only {:?}, ledger only {:?}",
            unique.difference(&booked).collect::<Vec<_>>(),
            booked.difference(&unique).collect::<Vec<_>>()
        ));
    }
    let working: Vec<_> = snap
        .orders
        .iter()
        .filter(|o| o.state == "Submitted")
        .collect();
    if !working.is_empty() {
        return Err(format!(
            "orders still work at the gateway: {working:?} ({c:?})"
        ));
    }
    let killed = c.kill_switch > 0;
    let flatten = s.params.risk.flatten_on_stop || (killed && s.params.risk.flatten_on_kill);
    if flatten && rejects == 0 && ledger_qty.iter().any(|&q| q != 0.0) {
        return Err(format!(
            "not flat although a flatten was asked for (killed {killed}): ledger {ledger_qty:?}"
        ));
    }
    let legged: Vec<usize> = (0..d.pair_books.len())
        .filter(|&p| d.pair_books[p].is_legged())
        .collect();
    if rejects == 0 && (c.naked_legs != 0 || !legged.is_empty()) {
        return Err(format!(
            "naked legs {} / pairs legged {legged:?} although the gateway refused nothing: {:?}",
            c.naked_legs, d.pair_books
        ));
    }
    if !legged.is_empty() && c.naked_legs == 0 && report.summary.naked_pairs == 0 {
        return Err(format!("pairs {legged:?} end legged unreported"));
    }
    Ok(Outcome {
        fills: snap.executions.len(),
        disconnects,
        rejects,
    })
}

/// Runs `seeds`, printing one line each, and fails naming every failing seed.
fn run_all(seeds: impl Iterator<Item = u64>, racing: Racing) {
    let started = Instant::now();
    let mut failures = BTreeMap::new();
    let mut ran = 0;
    for seed in seeds {
        ran += 1;
        let t = Instant::now();
        let result = std::panic::catch_unwind(|| run(seed, racing))
            .unwrap_or_else(|_| Err("panicked (see above)".into()));
        match result {
            Ok(o) => eprintln!(
                "engine model seed {seed}: ok ({} executions, {} orderflow drops, {} rejects, {:?}: {:?})",
                o.fills,
                o.disconnects,
                o.rejects,
                t.elapsed(),
                Schedule::draw(seed, racing).ending
            ),
            Err(e) => {
                eprintln!("engine model schedule failed: seed {seed}: {e}");
                failures.insert(seed, e);
            }
        }
    }
    eprintln!("{ran} engine model schedules in {:?}", started.elapsed());
    assert!(
        failures.is_empty(),
        "failing seeds {:?}: {failures:#?}",
        failures.keys().collect::<Vec<_>>()
    );
}

#[test]
fn random_schedules_agree_with_the_gateway_ledger() {
    run_all(0..SCHEDULES, Racing::On);
}

/// More schedules: `ENGINE_MODEL_SEEDS` of them (default 200) from `ENGINE_MODEL_FIRST`;
/// `ENGINE_MODEL_RACING=0` draws them with [`Racing::Off`].
#[test]
#[ignore]
fn more_schedules() {
    let var = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let first = var("ENGINE_MODEL_FIRST", SCHEDULES);
    let n = var("ENGINE_MODEL_SEEDS", 200);
    let racing = if var("ENGINE_MODEL_RACING", 1) == 0 {
        Racing::Off
    } else {
        Racing::On
    };
    run_all(first..first + n, racing);
}

/// The seeds that found the race (see [`RACE_SEEDS`]); the default set runs them too (they
/// are below [`SCHEDULES`]), so this one is for a quick look. Ignored: two tests running the
/// same seed at once would share its run directory.
#[test]
#[ignore]
fn seeds_2_and_11_a_position_racing_a_fill_is_not_adopted() {
    run_all(RACE_SEEDS.into_iter(), Racing::On);
}

/// One seed, `SEED=n` (`ENGINE_MODEL_RACING=0` for [`Racing::Off`]).
#[test]
#[ignore]
fn one_seed() {
    let seed = std::env::var("SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("SEED=n");
    let racing = if std::env::var("ENGINE_MODEL_RACING").as_deref() == Ok("0") {
        Racing::Off
    } else {
        Racing::On
    };
    eprintln!("{:#?}", Schedule::draw(seed, racing));
    run_all(std::iter::once(seed), racing);
}
