//! The Prometheus text exposition format (version 0.0.4) of [`EngineMetrics`]: every family
//! with its `# HELP` and `# TYPE` lines, names prefixed `hft_`, labels for stage, symbol,
//! queue and histogram. Counters end in `_total`; latency percentiles are gauges in seconds
//! with a `quantile` label (`"1"` is the maximum), cumulative since the run started.

use super::{EngineMetrics, LINK_DOWN, LINK_RECONCILING, LINK_UP};
use std::fmt::Write as _;

/// The content type of [`render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric family name [`render`] writes (the Grafana dashboard's test checks its
/// queries against this list).
pub const FAMILIES: &[&str] = &[
    "hft_up",
    "hft_uptime_seconds",
    "hft_ticks_total",
    "hft_frames_total",
    "hft_bytes_read_total",
    "hft_order_events_total",
    "hft_md_dropped_total",
    "hft_malformed_frames_total",
    "hft_disconnects_total",
    "hft_reconnects_total",
    "hft_reconnect_failures_total",
    "hft_quotes_total",
    "hft_bad_ticks_total",
    "hft_quotes_recorded_total",
    "hft_quotes_record_dropped_total",
    "hft_intents_total",
    "hft_orders_total",
    "hft_fills_total",
    "hft_risk_rejects_total",
    "hft_order_errors_total",
    "hft_cancels_total",
    "hft_naked_legs_total",
    "hft_reconciliations_total",
    "hft_kill_switch",
    "hft_link_state",
    "hft_open_orders",
    "hft_orders_queued",
    "hft_position",
    "hft_pnl_usd",
    "hft_queue_depth",
    "hft_latency_seconds",
    "hft_latency_samples_total",
];

/// One family: HELP and TYPE, then each sample (`labels` without braces, may be empty).
fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

fn one(v: u64) -> [(String, f64); 1] {
    [(String::new(), v as f64)]
}

/// Escapes a label value (backslash, double quote, newline).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The exposition text of `m` now.
pub fn render(m: &EngineMetrics) -> String {
    let mut out = String::with_capacity(8192);
    let (io, n, s, d) = (&m.io, &m.normalize, &m.signal, &m.dispatch);
    family(
        &mut out,
        "hft_up",
        "gauge",
        "1 while the engine runs.",
        &one(1),
    );
    family(
        &mut out,
        "hft_uptime_seconds",
        "gauge",
        "Seconds since the run started.",
        &[(String::new(), m.uptime_secs())],
    );
    let counters: [(&str, &str, u64); 21] = [
        (
            "hft_ticks_total",
            "Market-data events decoded by io.",
            io.ticks.get(),
        ),
        (
            "hft_frames_total",
            "Frames read from the gateway.",
            io.frames.get(),
        ),
        (
            "hft_bytes_read_total",
            "Bytes read from the gateway.",
            io.bytes.get(),
        ),
        (
            "hft_order_events_total",
            "Order events decoded by io for dispatch.",
            io.order_events.get(),
        ),
        (
            "hft_md_dropped_total",
            "Market-data events dropped on a full queue (md_queue_policy = drop).",
            io.md_dropped.get(),
        ),
        (
            "hft_malformed_frames_total",
            "Frames that did not decode.",
            io.malformed.get(),
        ),
        (
            "hft_disconnects_total",
            "Sessions lost (socket closed, failed or unreadable).",
            io.disconnects.get(),
        ),
        (
            "hft_reconnects_total",
            "Sessions re-established.",
            io.reconnects.get(),
        ),
        (
            "hft_reconnect_failures_total",
            "Connection attempts that failed.",
            io.reconnect_failures.get(),
        ),
        (
            "hft_quotes_total",
            "Quotes accepted by normalize.",
            n.quotes.get(),
        ),
        (
            "hft_bad_ticks_total",
            "Ticks rejected by the bad-tick filter.",
            n.bad_ticks.get(),
        ),
        (
            "hft_quotes_recorded_total",
            "Tops of book handed to the quote recorder (quotes.csv).",
            n.recorded.get(),
        ),
        (
            "hft_quotes_record_dropped_total",
            "Tops of book dropped because the recorder's queue was full.",
            n.record_dropped.get(),
        ),
        (
            "hft_intents_total",
            "Order intents decided by the strategies.",
            s.intents.get(),
        ),
        (
            "hft_orders_total",
            "Orders written to the gateway.",
            d.orders.get(),
        ),
        (
            "hft_fills_total",
            "Executions counted (each execId once).",
            d.fills.get(),
        ),
        (
            "hft_risk_rejects_total",
            "Intents refused by a pre-trade limit.",
            d.risk_rejects.get(),
        ),
        (
            "hft_order_errors_total",
            "Order errors from the gateway (rejects, refused cancels).",
            d.order_errors.get(),
        ),
        ("hft_cancels_total", "Cancels written.", d.cancels.get()),
        (
            "hft_naked_legs_total",
            "Legs left unhedged after every retry and unwind.",
            d.naked_legs.get(),
        ),
        (
            "hft_reconciliations_total",
            "Reconciliations with the gateway completed.",
            d.reconciliations.get(),
        ),
    ];
    for (name, help, v) in counters {
        family(&mut out, name, "counter", help, &one(v));
    }
    family(
        &mut out,
        "hft_kill_switch",
        "gauge",
        "1 once the kill switch has tripped.",
        &one(d.kill_switch.get().min(1)),
    );
    let link = d.link.get();
    let states = [
        ("down", LINK_DOWN),
        ("reconciling", LINK_RECONCILING),
        ("up", LINK_UP),
    ];
    let link_samples: Vec<(String, f64)> = states
        .iter()
        .map(|(name, v)| (format!("state=\"{name}\""), f64::from(u8::from(link == *v))))
        .collect();
    family(
        &mut out,
        "hft_link_state",
        "gauge",
        "The gateway session as dispatch sees it: 1 for the current state.",
        &link_samples,
    );
    family(
        &mut out,
        "hft_open_orders",
        "gauge",
        "Orders working at the gateway.",
        &one(d.open_orders.get()),
    );
    family(
        &mut out,
        "hft_orders_queued",
        "gauge",
        "Orders and cancels waiting for the message-rate limiter.",
        &one(d.queued.get()),
    );
    let positions: Vec<(String, f64)> = m
        .symbols()
        .iter()
        .zip(d.positions.iter())
        .map(|(sym, c)| (format!("symbol=\"{}\"", escape(sym)), c.get_f64()))
        .collect();
    family(
        &mut out,
        "hft_position",
        "gauge",
        "Shares held per symbol (negative: short).",
        &positions,
    );
    let pnl = [
        ("realized", d.realized.get_f64()),
        ("unrealized", d.unrealized.get_f64()),
        ("commissions", d.commissions.get_f64()),
        ("net", m.net_pnl()),
    ];
    let pnl: Vec<(String, f64)> = pnl
        .iter()
        .map(|(k, v)| (format!("kind=\"{k}\""), *v))
        .collect();
    family(
        &mut out,
        "hft_pnl_usd",
        "gauge",
        "PnL in USD: realized, unrealized (at the feed's mid), commissions, net.",
        &pnl,
    );
    let depths = [
        ("md", n.queue_depth.get()),
        ("quotes", s.queue_depth.get()),
        ("intents", d.intent_queue_depth.get()),
        ("order_events", d.order_queue_depth.get()),
    ];
    let depths: Vec<(String, f64)> = depths
        .iter()
        .map(|(q, v)| (format!("queue=\"{q}\""), *v as f64))
        .collect();
    family(
        &mut out,
        "hft_queue_depth",
        "gauge",
        "Items waiting in each SPSC queue.",
        &depths,
    );
    let mut quantiles = Vec::new();
    let mut samples = Vec::new();
    for (stage, hist, c) in m.latencies() {
        let labels = format!("stage=\"{stage}\",histogram=\"{hist}\"");
        for (q, cell) in [
            ("0.5", &c.p50),
            ("0.99", &c.p99),
            ("0.999", &c.p999),
            ("1", &c.max),
        ] {
            quantiles.push((
                format!("{labels},quantile=\"{q}\""),
                cell.get() as f64 / 1e9,
            ));
        }
        samples.push((labels, c.count.get() as f64));
    }
    family(
        &mut out,
        "hft_latency_seconds",
        "gauge",
        "Latency percentiles per stage and histogram since start (quantile 1 = max).",
        &quantiles,
    );
    family(
        &mut out,
        "hft_latency_samples_total",
        "counter",
        "Samples recorded per stage and histogram.",
        &samples,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_help_and_type_once() {
        let m = EngineMetrics::new(&["A\"B".into()]);
        let text = render(&m);
        for name in FAMILIES {
            assert_eq!(
                text.matches(&format!("# HELP {name} ")).count(),
                1,
                "{name}"
            );
            assert_eq!(
                text.matches(&format!("# TYPE {name} ")).count(),
                1,
                "{name}"
            );
        }
        assert_eq!(text.matches("# TYPE ").count(), FAMILIES.len());
        assert!(text.contains("hft_position{symbol=\"A\\\"B\"} 0\n"));
        assert!(text.contains("hft_link_state{state=\"down\"} 1\n"));
    }

    #[test]
    fn values_are_published_numbers() {
        let m = EngineMetrics::new(&["X".into()]);
        m.dispatch.positions[0].set_f64(-200.0);
        m.dispatch.realized.set_f64(10.0);
        m.dispatch.commissions.set_f64(2.5);
        m.dispatch.link.set(LINK_UP);
        m.dispatch.end_to_end.p99.set(250_000);
        let text = render(&m);
        assert!(text.contains("hft_position{symbol=\"X\"} -200\n"));
        assert!(text.contains("hft_pnl_usd{kind=\"net\"} 7.5\n"));
        assert!(text.contains("hft_link_state{state=\"up\"} 1\n"));
        assert!(text.contains(
            "hft_latency_seconds{stage=\"dispatch\",histogram=\"end_to_end\",quantile=\"0.99\"} 0.00025\n"
        ));
    }
}
