//! The end of a run: histograms, run-directory files, `summary.json` and the printed tables.

use super::{Placement, RunReport, StageEnds};
use crate::config::EngineParams;
use crate::dispatch::KillReason;
use crate::latency::{self, Named};
use crate::record::{self, SeriesEntry, SeriesIndex};
use crate::rundir;
use crate::strategy::ZScoreBands;
use anyhow::Context;
use serde_json::json;
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
    } = ends;
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
