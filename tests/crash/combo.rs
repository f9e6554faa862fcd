//! Combo (BAG) orders across a SIGKILL and `--resume`: the engine trades the oscillating pair
//! with `policy = "combo"` (LMT at the net mid worked in a leg's queue, or MKT) and is killed
//! at a chosen moment of a BAG's life, seen in the gateway's ledger: while it works with
//! nothing filled, after one leg filled more than the other (legged), or once it filled while
//! its legs' commissions are still held back (`[orderflow] commission_delay_ms`: they never
//! reach the dead session). The gateway works on (the BAG may fill meanwhile, as at IB), and
//! the engine resumes from the journal against it with entries out of reach, so that every
//! order it sends is about what it found. Then: each leg's execution is booked once (journal
//! and counters against the ledger), each commission once (per symbol against the ledger, one
//! `C` record per execution), no BAG is sent again (the gateway's BAG PLACE_ORDERs), a BAG the
//! resume found incomplete is finished (completed or unwound) once, nothing works, no pair is
//! legged, and positions equal the ledger's.

use super::common::{self, PATIENCE};
use super::{kill_when, spawn_engine};
use hft::config::{ComboPrice, EngineParams, OrderflowParams, Policy};
use hft::sim::{LedgerSnapshot, OrderSnapshot};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The BAG's id at the gateway (client id, order id).
type BagKey = (i32, i32);

/// How a scenario's pair trades.
#[derive(Clone, Copy)]
struct ComboSetup {
    /// LMT at the net mid (worked in a leg's queue) or MKT.
    price: ComboPrice,
    /// Shares of leg A per entry (500 against a 200/300-share touch one level deep: a MKT
    /// BAG's legs fill in parts, on their own quotes).
    base_qty: u32,
    /// The gateway's book depth.
    book_levels: usize,
    /// Cents a share of the larger leg added to a LMT combo's net (`combo_offset_ticks`;
    /// far below the mid: the BAG rests out of reach).
    offset_ticks: i32,
    /// Hold the legs' commissions back this long (ms).
    commission_delay_ms: u64,
    /// After the row that triggers the first BAG (found by a backtest of the file), the
    /// touches show no size for [`DRY_ROWS`] rows, so what the BAG's arrival left unfilled
    /// stays so: a legged MKT BAG is still legged and working when the engine resumes.
    dry_after_first_bag: bool,
}

/// LMT combos at the net mid, worked in a leg's queue.
const LMT_MID: ComboSetup = ComboSetup {
    price: ComboPrice::Mid,
    base_qty: 100,
    book_levels: 5,
    offset_ticks: 0,
    commission_delay_ms: 0,
    dry_after_first_bag: false,
};

/// MKT combos that fill whole at once (100 shares against five levels).
const MKT_WHOLE: ComboSetup = ComboSetup {
    price: ComboPrice::Market,
    base_qty: 100,
    book_levels: 5,
    offset_ticks: 0,
    commission_delay_ms: 0,
    dry_after_first_bag: false,
};

/// MKT combos whose legs fill in parts, on their own quotes.
const MKT_LEGGING: ComboSetup = ComboSetup {
    price: ComboPrice::Market,
    base_qty: 500,
    book_levels: 1,
    offset_ticks: 0,
    commission_delay_ms: 0,
    dry_after_first_bag: false,
};

/// Held far past the test: the first run never hears them.
const NEVER_MS: u64 = 3_600_000;

/// Rows of the oscillating quote file (one a second of market time, 10 a wall second).
const ROWS: i64 = 200;
/// The quote file's first second.
const T0: i64 = 1_700_000_000;
/// Rows without size (three wall seconds).
const DRY_ROWS: i64 = 30;

/// The quote file `quotes` with the sizes of rows `from .. from + rows` set to zero.
fn dry_rows(quotes: &str, from: i64, rows: i64) -> String {
    let dry = (T0 + from) as i128 * 1_000_000_000..(T0 + from + rows) as i128 * 1_000_000_000;
    let mut out = String::new();
    for line in quotes.lines() {
        let f: Vec<&str> = line.split(',').collect();
        match f[0].parse::<i128>() {
            Ok(ts) if dry.contains(&ts) => {
                out.push_str(&format!("{},{},{},0,{},0\n", f[0], f[1], f[2], f[4]));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The row of the oscillating quote file whose quotes trigger the first BAG under `setup`:
/// the first order of a backtest over the file (live, the engine sends the same sequence:
/// `tests/engine_combo.rs`).
fn first_bag_row(setup: ComboSetup) -> i64 {
    let mut bt = hft::backtest::Backtest::new(&combo_params(setup, NEVER_MS));
    let text = common::oscillating_quotes(T0, ROWS);
    bt.run_reader(text.as_bytes(), |_| {}).unwrap();
    let orders = String::from_utf8(bt.finish().orders_csv).unwrap();
    let first = orders.lines().nth(1).expect("the backtest trades");
    let t_ns: i64 = first.split(',').nth(1).unwrap().parse().unwrap();
    t_ns / 1_000_000_000 - T0
}

/// The gateway's BAGs: each as its two legs (the gateway books a combo's legs as orders under
/// the BAG's id, in leg order; a plain order's id is its own).
fn bags(snap: &LedgerSnapshot) -> BTreeMap<BagKey, Vec<&OrderSnapshot>> {
    let mut by_id: BTreeMap<BagKey, Vec<&OrderSnapshot>> = BTreeMap::new();
    for o in &snap.orders {
        by_id.entry((o.client_id, o.order_id)).or_default().push(o);
    }
    by_id.retain(|_, legs| legs.len() == 2);
    by_id
}

/// The moment of a BAG's life the engine is killed at.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Moment {
    /// It works with nothing filled.
    Working,
    /// One of its legs has filled a larger part than the other.
    Legged,
    /// Both legs have filled.
    Complete,
}

impl Moment {
    fn is(self, legs: &[&OrderSnapshot]) -> bool {
        let (a, b) = (legs[0], legs[1]);
        match self {
            Moment::Working => legs.iter().all(|o| o.state == "Submitted" && o.filled == 0),
            Moment::Legged => {
                u64::from(a.filled) * u64::from(b.total) != u64::from(b.filled) * u64::from(a.total)
            }
            Moment::Complete => complete(legs),
        }
    }
}

/// A BAG whose legs have both filled.
fn complete(legs: &[&OrderSnapshot]) -> bool {
    legs.iter().all(|o| o.state == "Filled")
}

/// The first BAG of the ledger at `moment`.
fn first_bag(snap: &LedgerSnapshot, moment: Moment) -> Option<BagKey> {
    bags(snap)
        .into_iter()
        .find(|(_, legs)| moment.is(legs))
        .map(|(k, _)| k)
}

/// The engine's params for `setup` (both runs; the resumed one gives a BAG it finds working
/// up after `give_up_ms`).
fn combo_params(setup: ComboSetup, give_up_ms: u64) -> EngineParams {
    let mut p = common::fast_zscore_pair(30.0);
    p.execution.policy = Policy::Combo;
    p.execution.combo_price = setup.price;
    p.execution.give_up_ms = give_up_ms;
    p.execution.combo_offset_ticks = setup.offset_ticks;
    // Out of reach: a BAG is never modified, so each goes out in one PLACE_ORDER.
    p.execution.reprice_ticks = 1_000;
    p.strategy.base_qty = setup.base_qty;
    p.costs.book_levels = setup.book_levels;
    p.risk.max_daily_loss = 1e6;
    p
}

/// The first run's params file: the same settings, never given up.
fn combo_params_file(path: &Path, setup: ComboSetup) {
    let price = match setup.price {
        ComboPrice::Mid => "combo_price = \"mid\"",
        ComboPrice::Cross => "combo_price = \"cross\"",
        ComboPrice::Market => "combo_price = \"market\"",
    };
    let base_qty = format!("base_qty = {}", setup.base_qty);
    let book_levels = format!("book_levels = {}", setup.book_levels);
    let offset = format!("combo_offset_ticks = {}", setup.offset_ticks);
    let extra = [
        ("policy = \"market\"", "policy = \"combo\""),
        ("combo_price = \"mid\"", price),
        ("give_up_ms = 3000", "give_up_ms = 3600000"),
        ("reprice_ticks = 2", "reprice_ticks = 1000"),
        ("base_qty = 100", base_qty.as_str()),
        ("book_levels = 5", book_levels.as_str()),
        ("max_daily_loss = 5000.0", "max_daily_loss = 1000000.0"),
        ("combo_offset_ticks = 0", offset.as_str()),
    ];
    // The defaults' own values need no replacing.
    let changed: Vec<(&str, &str)> = extra.into_iter().filter(|(a, b)| a != b).collect();
    common::oscillating_params_file(path, &changed);
}

/// Runs one crash: the engine killed at the first BAG `moment` picks, resumed once the replay
/// is over, then the money checks. `name` keeps the runs' files apart.
fn crash_and_resume(name: &str, setup: ComboSetup, moment: Moment) {
    let tmp = std::env::temp_dir().join(format!("hft-crash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let mut quotes = common::oscillating_quotes(T0, ROWS);
    if setup.dry_after_first_bag {
        quotes = dry_rows(&quotes, first_bag_row(setup) + 1, DRY_ROWS);
    }
    let (gw, quotes) = common::replaying_gateway_text(name, &quotes, 10.0, |p| {
        p.gateway.book_levels = setup.book_levels;
        p.orderflow = OrderflowParams {
            commission_delay_ms: [setup.commission_delay_ms; 2],
            ..OrderflowParams::default()
        };
    });
    let params_path = tmp.join("params.toml");
    combo_params_file(&params_path, setup);
    let first = tmp.join("first");

    let child = spawn_engine(&gw, &params_path, &first);
    // The moment, once the engine has journaled the BAG's legs (an order goes out once its
    // record is queued to the journal, not yet written: a kill in between leaves the resume an
    // order it never sent, an orphan it cancels) and every execution the gateway made so far
    // (it knew what had filled when it died).
    let killed = kill_when(child, &gw, |snap| {
        let bag = first_bag(snap, moment)?;
        let orders = common::journal_order_ids(&first);
        let journaled = common::journal_exec_ids(&first);
        (orders.contains(&bag.1)
            && orders.contains(&(bag.1 + 1))
            && snap.exec_ids.iter().all(|id| journaled.contains(id)))
        .then_some(bag)
    });
    let Some(killed) = killed else {
        panic!(
            "{name}: no BAG reached the moment ({:?})",
            gw.snapshot().orders
        );
    };

    // The gateway works on without the engine (a BAG may fill meanwhile, as at IB).
    let at_resume = gw.snapshot();
    let bags_sent = gw.stats().bag_orders_received.load(Ordering::Relaxed);
    if setup.commission_delay_ms == NEVER_MS {
        // The legs' commissions never reached the dead session.
        let first_commissions = journal_commissions(&first);
        assert!(
            first_commissions.is_empty(),
            "{name}: {first_commissions:?}"
        );
    }
    // The BAG the resume finds incomplete, if any (one pair: at most one ticket works).
    let open: Vec<BagKey> = bags(&at_resume)
        .into_iter()
        .filter(|(_, legs)| !complete(legs))
        .map(|(k, _)| k)
        .collect();
    assert!(open.len() <= 1, "{name}: {open:?}");
    let plain_before: BTreeSet<BagKey> = plain_orders(&at_resume);

    // The resumed strategy enters nothing (its thresholds are out of reach), so every order
    // it sends is about the BAG it found: none of them may be a BAG.
    let mut params = combo_params(setup, 1_000);
    params.strategy.zscore.entry = 1e6;
    params.strategy.zscore.stop = 2e6;
    let engine = common::EngineRun::resuming(&gw, params.clone(), name, Some(first.clone()));
    let run_dir = engine.run_dir.clone();
    // Behaviour, not time: until the replay is over, nothing works, the pair's legs are even
    // at the gateway (equal sizing: a BAG given up is cancelled before its legs cross, so
    // "nothing works" alone comes too early) and every execution's commission is journaled.
    let symbols = params.symbols();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let snap = gw.snapshot();
        let quiet = snap.replay_finished && snap.orders.iter().all(|o| o.state != "Submitted");
        let even = snap.position(&symbols[0]) == -snap.position(&symbols[1]);
        let commissions = journal_commissions(&run_dir);
        let all_in = snap.exec_ids.iter().all(|id| commissions.contains_key(id));
        if (quiet && even && all_in) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let report = engine.finish();
    let snap = gw.snapshot();
    let c = &report.dispatch.counters;
    let context = format!(
        "{name}: BAG {killed:?} at resume {:?}; {c:?}",
        bags(&at_resume)[&killed]
    );

    // Each leg's execution booked once: restored from the journal or heard now, never twice.
    let journaled = common::journal_exec_ids(&first);
    assert_eq!(c.journal_fills as usize, journaled.len(), "{context}");
    if moment != Moment::Working {
        assert!(
            c.journal_fills > 0,
            "the first run journaled its legs' fills: {context}"
        );
    }
    assert_eq!(
        (c.journal_fills + c.fills) as usize,
        snap.exec_ids.len(),
        "every leg's execution counted once: {context}"
    );
    let ids = common::journal_exec_ids(&run_dir);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "an execution journaled twice: {context}"
    );
    let ledger: BTreeSet<&String> = snap.exec_ids.iter().collect();
    assert_eq!(
        unique, ledger,
        "the journal holds the ledger's executions: {context}"
    );

    // Each commission once: one `C` record per execution, and per symbol the ledger's sum.
    let commissions = journal_commissions(&run_dir);
    for id in &snap.exec_ids {
        assert_eq!(
            commissions.get(id).map(Vec::len),
            Some(1),
            "{id}: one commission record ({commissions:?}): {context}"
        );
    }
    for (i, symbol) in symbols.iter().enumerate() {
        let charged: f64 = snap
            .executions
            .iter()
            .filter(|e| e.symbol == *symbol)
            .map(|e| e.commission)
            .sum();
        let booked = report.dispatch.positions[i].commissions;
        assert!(
            (booked - charged).abs() < 1e-6,
            "{symbol}: commissions {booked} vs ledger {charged}: {context}"
        );
        assert_eq!(
            report.dispatch.positions[i].qty,
            snap.position(symbol),
            "{symbol}: engine position vs ledger: {context}"
        );
    }

    // No BAG sent again: the resumed engine placed none, and each went out once.
    let stats = gw.stats();
    assert_eq!(
        stats.bag_orders_received.load(Ordering::Relaxed),
        bags_sent,
        "a BAG re-sent after the resume: {context}"
    );
    assert_eq!(bags_sent as usize, bags(&snap).len(), "{context}");
    // A BAG found incomplete is finished once: the resumed engine's orders (all plain) either
    // complete each leg by what the BAG did not fill, or unwind what each leg did fill; a
    // complete one needs none.
    let mut sent: BTreeMap<String, i64> = BTreeMap::new();
    let plain_after = plain_orders(&snap);
    for o in snap.orders.iter() {
        let key = (o.client_id, o.order_id);
        if plain_after.contains(&key) && !plain_before.contains(&key) {
            *sent.entry(o.symbol.clone()).or_default() += signed(o.action, o.filled);
        }
    }
    match open.first() {
        None => assert!(
            sent.is_empty(),
            "orders after the resume {sent:?}: {context}"
        ),
        Some(bag) => {
            let legs = &bags(&snap)[bag];
            let by = |f: &dyn Fn(&OrderSnapshot) -> i64| -> BTreeMap<String, i64> {
                legs.iter()
                    .map(|o| (o.symbol.clone(), f(o)))
                    .filter(|(_, q)| *q != 0)
                    .collect()
            };
            let completed = by(&|o| signed(o.action, o.total - o.filled));
            let unwound = by(&|o| -signed(o.action, o.filled));
            assert!(
                sent == completed || sent == unwound,
                "sent after the resume {sent:?}: neither the completion {completed:?} nor the \
                 unwind {unwound:?} of {legs:?}: {context}"
            );
        }
    }
    if setup.offset_ticks < 0 {
        // Out of reach: it still worked at the resume, and the resumed engine gave it up.
        assert_eq!(open, [killed], "{context}");
        assert_eq!(c.combo_give_ups, 1, "{context}");
    }
    assert!(
        snap.orders.iter().all(|o| o.state != "Submitted"),
        "nothing works at the end: {context}"
    );
    assert!(
        report.dispatch.pair_books.iter().all(|b| !b.is_legged()),
        "no pair legged: {context}"
    );
    assert_eq!(c.combo_rejects, 0, "{context}");
    assert_eq!(stats.rate_violations.load(Ordering::Relaxed), 0);
    let _ = std::fs::remove_dir_all(tmp);
    let _ = std::fs::remove_dir_all(run_dir);
    let _ = std::fs::remove_file(quotes);
}

/// `shares` of an order's `action`, signed (buys positive).
fn signed(action: &str, shares: u32) -> i64 {
    let shares = i64::from(shares);
    if action == "BUY" { shares } else { -shares }
}

/// The gateway's plain (non-BAG) orders.
fn plain_orders(snap: &LedgerSnapshot) -> BTreeSet<BagKey> {
    let bags = bags(snap);
    snap.orders
        .iter()
        .map(|o| (o.client_id, o.order_id))
        .filter(|k| !bags.contains_key(k))
        .collect()
}

/// A run directory's journal commissions: each execution id's `C` records.
fn journal_commissions(dir: &Path) -> BTreeMap<String, Vec<f64>> {
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let text = std::fs::read_to_string(dir.join(hft::journal::FILE)).unwrap_or_default();
    for line in text.lines().filter(|l| l.starts_with("C,")) {
        let mut f = line.split(',').skip(1);
        if let (Some(id), Some(Ok(c))) = (f.next(), f.next().map(str::parse)) {
            out.entry(id.to_string()).or_default().push(c);
        }
    }
    out
}

#[test]
fn sigkill_with_a_lmt_combo_working_then_resume_books_each_leg_once() {
    crash_and_resume("combo-working", LMT_MID, Moment::Working);
}

#[test]
fn sigkill_with_a_combo_out_of_reach_then_resume_keeps_it_gives_it_up_and_crosses_once() {
    // Five dollars a share below the mid: it still works when the engine resumes, which
    // keeps it (not an orphan), gives it up on its own clock and crosses what the legs lack.
    let setup = ComboSetup {
        offset_ticks: -500,
        ..LMT_MID
    };
    crash_and_resume("combo-resting", setup, Moment::Working);
}

#[test]
fn sigkill_with_a_legged_combo_then_resume_completes_or_unwinds_it_once() {
    crash_and_resume("combo-legged", MKT_LEGGING, Moment::Legged);
}

#[test]
fn sigkill_with_a_combo_legged_for_good_then_resume_gives_it_up_and_completes_it_once() {
    let setup = ComboSetup {
        dry_after_first_bag: true,
        ..MKT_LEGGING
    };
    crash_and_resume("combo-legged-at-end", setup, Moment::Legged);
}

#[test]
fn sigkill_after_a_lmt_combo_filled_before_its_commissions_then_resume_counts_them_once() {
    let setup = ComboSetup {
        commission_delay_ms: NEVER_MS,
        ..LMT_MID
    };
    crash_and_resume("combo-lmt-filled", setup, Moment::Complete);
}

#[test]
fn sigkill_after_a_mkt_combo_filled_before_its_commissions_then_resume_counts_them_once() {
    let setup = ComboSetup {
        commission_delay_ms: NEVER_MS,
        ..MKT_WHOLE
    };
    crash_and_resume("combo-mkt-filled", setup, Moment::Complete);
}
