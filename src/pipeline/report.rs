//! The end of a run: histograms, run-directory files, `summary.json` and the printed tables.

use super::{Placement, RunReport, StageEnds};
use crate::config::EngineParams;
use crate::dispatch::KillReason;
use crate::latency::{self, Named};
use crate::rundir::{
    self, BasketSummary, EngineCounters, EngineSummary, FillsLog, JournalSummary, PairSummary,
    Percentiles, PlacementSummary, Pnl, PositionSummary, RunMode, StrategySummary, Summary,
};
use crate::rundir::{SeriesEntry, SeriesIndex};
use crate::strategy::{FilterLevels, ZScoreBands};
use anyhow::Context;
use std::path::Path;
use std::time::Duration;

#[allow(clippy::too_many_arguments)]
pub(super) fn report(
    params: &EngineParams,
    run_dir: &Path,
    symbols: &[String],
    placement: &Placement,
    ran: Duration,
    wall_offset_ns: u64,
    ends: StageEnds,
) -> anyhow::Result<RunReport> {
    let StageEnds {
        io,
        normalize: norm,
        signal: sig,
        dispatch: disp,
        journal,
        recorder,
        event_recorder,
        panicked,
    } = ends;
    let named = |name: &str, h: &hdrhistogram::Histogram<u64>| Named {
        name: name.to_string(),
        histogram: h.clone(),
    };
    let mut histograms = vec![
        named("io.queue_wait", &io.queue_wait),
        named("io.service", &io.service),
        named("normalize.queue_wait", &norm.queue_wait),
        named("normalize.service", &norm.service),
        named("signal.queue_wait", &sig.queue_wait),
        named("signal.service", &sig.service),
        named("tick_to_decision", &sig.tick_to_decision),
        named("dispatch.queue_wait", &disp.queue_wait),
        named("dispatch.service", &disp.service),
        named("dispatch.order_events", &disp.order_events),
        named("read_to_signal", &disp.read_to_signal),
        named("end_to_end", &disp.end_to_end),
        named("resend_to_wire", &disp.resend_to_wire),
    ];
    // With a model thread (cold fits): the signal stage's service time during its fits and
    // outside them.
    if !(sig.service_during_refit.is_empty() && sig.service_idle.is_empty()) {
        histograms.push(named(
            "signal.service_during_refit",
            &sig.service_during_refit,
        ));
        histograms.push(named("signal.service_idle", &sig.service_idle));
    }
    rundir::write_latency(run_dir, &histograms)?;
    let table = latency::table(&histograms);

    let mut series = SeriesIndex {
        zscore_bands: ZScoreBands::of(&params.strategy),
        filter_levels: FilterLevels::of(&params.strategy),
        pairs: Vec::with_capacity(params.pairs.len()),
    };
    for (p, log) in params.pairs.iter().zip(&sig.series) {
        let file = crate::rundir::series_file(&p.a, &p.b);
        let path = run_dir.join(&file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, crate::rundir::series_csv(log.as_slice()))
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
    for (b, (basket, log)) in params.baskets.iter().zip(&sig.basket_series).enumerate() {
        let path = run_dir.join(crate::rundir::basket_series_file(b));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(
            &path,
            crate::rundir::basket_series_csv(&basket.symbols, log.as_slice()),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let fills_path = run_dir.join("fills.csv");
    std::fs::write(
        &fills_path,
        crate::rundir::fills_csv(disp.fills.as_slice(), symbols, wall_offset_ns),
    )
    .with_context(|| format!("cannot write {}", fills_path.display()))?;

    let mids = &norm.mids;
    let mid_of = |i: usize| mids.get(i).copied().unwrap_or(0.0);
    let positions = disp
        .positions
        .iter()
        .enumerate()
        .map(|(i, p)| PositionSummary::of(&symbols[i], p, mid_of(i)))
        .collect();
    let mut pnl = Pnl::of(
        disp.positions
            .iter()
            .enumerate()
            .map(|(i, p)| (p, mid_of(i))),
    );
    pnl.commissions += disp.unattributed_commissions;
    pnl.net -= disp.unattributed_commissions;
    let pairs: Vec<PairSummary> = params
        .pairs
        .iter()
        .zip(&disp.pair_books)
        .map(|(p, b)| PairSummary::of(&p.a, &p.b, b, mids))
        .collect();
    let naked_pairs = pairs.iter().filter(|p| p.naked_leg).count();
    let c = &disp.counters;
    let ended_flat = disp.positions.iter().all(|p| p.qty == 0.0)
        && disp.orders_working == 0
        && disp.orders_unsent == 0
        && !panicked.iter().any(|s| s == "dispatch");
    let summary = Summary {
        mode: RunMode::Engine,
        strategy: format!("{:?}", params.strategy.kind).to_lowercase(),
        orders: c.orders_sent,
        fills: c.fills,
        pnl,
        pairs,
        strategies: params
            .pairs
            .iter()
            .zip(&sig.strategies)
            .zip(&sig.hedge_ratios)
            .map(|((p, s), h)| StrategySummary::of(&p.a, &p.b, *h, s))
            .collect(),
        baskets: params
            .baskets
            .iter()
            .zip(&disp.basket_books)
            .zip(&sig.baskets)
            .enumerate()
            .map(|(k, ((b, book), r))| BasketSummary {
                netting: disp.basket_crosses.get(k).copied().unwrap_or_default(),
                ..BasketSummary::of(
                    &b.symbols,
                    book,
                    mids,
                    &r.counters,
                    r.fits.applied,
                    r.max_names_held,
                )
            })
            .collect(),
        positions,
        naked_pairs,
        kill_switch: disp.kill_reason,
        bad_ticks: norm.counters,
        dispatch: *c,
        fills_log: FillsLog {
            logged: disp.fills.len(),
            dropped: disp.fills.dropped(),
        },
        series,
        engine: Some(EngineSummary {
            duration_secs: ran.as_secs_f64(),
            placement: PlacementSummary {
                wait: placement.wait.name().to_string(),
                cores: placement.cores,
                note: placement.note.clone(),
            },
            latency: histograms
                .iter()
                .map(|h| (h.name.clone(), Percentiles::of(&h.histogram)))
                .collect(),
            counters: EngineCounters {
                ticks: io.counters.md_events,
                frames: io.counters.frames,
                malformed_frames: io.counters.malformed,
                skipped_frames: io.counters.skipped,
                md_queue_full: io.counters.md_queue_full,
                md_dropped: io.counters.md_dropped,
                quote_queue_full: norm.quote_queue_full,
                quotes_conflated: norm.quotes_conflated,
                quotes: norm.counters.quotes,
                signals: sig.intents,
                quotes_recorded: recorder.as_ref().map_or(0, |r| r.rows),
                quotes_record_dropped: norm.record_dropped,
                md_events_recorded: event_recorder.as_ref().map_or(0, |r| r.rows),
                md_events_record_dropped: norm.events_record_dropped,
            },
            connectivity: io.counters,
            journal: JournalSummary {
                records: journal.records,
                bytes: journal.bytes,
                fsyncs: journal.fsyncs,
                dropped: journal.dropped,
                error: journal.error.clone(),
                policy: params.engine.journal_fsync,
            },
            disconnected: io.disconnected || disp.disconnected,
            io_error: io.error.clone(),
            stages_panicked: panicked.clone(),
            ended_flat,
            orders_working_at_end: disp.orders_working,
            orders_unsent_at_end: disp.orders_unsent,
            global_cancels: disp.global_cancels,
        }),
        backtest: None,
    };
    let mut json = serde_json::to_vec_pretty(&summary)?;
    json.push(b'\n');
    std::fs::write(run_dir.join("summary.json"), json)?;
    let mut kill = match disp.kill_reason {
        KillReason::LossLimit => format!(
            "\nKILL SWITCH: daily loss limit of {:.2} USD reached; {} orders cancelled, {} flatten orders sent",
            params.risk.max_daily_loss, c.cancels_sent, c.flatten_orders
        ),
        KillReason::Command => format!(
            "\nKILL SWITCH: kill command; {} orders cancelled, {} flatten orders sent",
            c.cancels_sent, c.flatten_orders
        ),
        KillReason::ExecTableFull => format!(
            "\nKILL SWITCH: the execution table was full ({} executions it could not remember; raise engine.fills_capacity); {} orders cancelled, {} flatten orders sent",
            c.exec_table_overflow, c.cancels_sent, c.flatten_orders
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
    if !ended_flat {
        let held: Vec<String> = disp
            .positions
            .iter()
            .enumerate()
            .filter(|(_, p)| p.qty != 0.0)
            .map(|(i, p)| format!("{} {}", symbols[i], p.qty))
            .collect();
        kill.push_str(&format!(
            "\nNOT FLAT at the end: positions [{}], {} orders still working, {} unsent, {} global cancels sent",
            held.join(", "),
            disp.orders_working,
            disp.orders_unsent,
            disp.global_cancels
        ));
    }
    if !panicked.is_empty() {
        kill.push_str(&format!(
            "\nSTAGE PANICKED: {} (the other stages were stopped; its counters are empty)",
            panicked.join(", ")
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
        summary.pnl.realized,
        summary.pnl.unrealized,
        summary.pnl.commissions,
        summary.pnl.net
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
