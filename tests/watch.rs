//! What operators watch: the Prometheus endpoint scraped during a real run against the
//! in-process paper gateway, the Grafana dashboard's queries against the exposition, the
//! metrics parameters' validation through the binary, JSON logs and durations with units on the
//! command line. Assertions are on behaviour (what is served, what moves), never on time.

mod common;

use common::{PATIENCE, start_gateway, test_params};
use hft::metrics::EngineMetrics;
use hft::metrics::expose::{FAMILIES, render};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// One parsed exposition: family -> (HELP, TYPE, samples as (labels, value)).
#[derive(Debug, Default)]
struct Family {
    help: bool,
    kind: String,
    samples: Vec<(String, f64)>,
}

/// Parses Prometheus text format 0.0.4, failing the test on any line it does not understand or
/// on a sample whose family has no HELP and TYPE before it.
fn parse_exposition(text: &str) -> BTreeMap<String, Family> {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP has a text");
            assert!(!help.is_empty(), "{line}");
            families.entry(name.into()).or_default().help = true;
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE has a type");
            assert!(
                ["counter", "gauge", "summary", "histogram", "untyped"].contains(&kind),
                "{line}"
            );
            families.entry(name.into()).or_default().kind = kind.into();
        } else {
            assert!(!line.starts_with('#'), "unknown comment line {line}");
            let (series, value) = line.rsplit_once(' ').expect("sample has a value");
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("value of {line}"));
            let (name, labels) = match series.split_once('{') {
                Some((n, l)) => (n, l.strip_suffix('}').expect("labels close").to_string()),
                None => (series, String::new()),
            };
            assert!(
                name.starts_with("hft_")
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "metric name {name}"
            );
            let f = families
                .get_mut(name)
                .unwrap_or_else(|| panic!("{name}: no HELP/TYPE first"));
            assert!(
                f.help && !f.kind.is_empty(),
                "{name}: HELP and TYPE come first"
            );
            if f.kind == "counter" {
                assert!(name.ends_with("_total"), "counter {name} ends in _total");
            }
            f.samples.push((labels, value));
        }
    }
    families
}

fn scrape(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("metrics endpoint accepts");
    write!(s, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("HTTP head and body");
    (head.to_string(), body.to_string())
}

fn value(f: &BTreeMap<String, Family>, name: &str, labels: &str) -> f64 {
    f[name]
        .samples
        .iter()
        .find(|(l, _)| l == labels)
        .unwrap_or_else(|| panic!("{name}{{{labels}}} is served"))
        .1
}

#[test]
fn metrics_endpoint_serves_a_running_engine() {
    let gw = start_gateway(test_params());
    let mut params = hft::config::EngineParams::embedded();
    params.engine.metrics_listen = "127.0.0.1:0".into();
    params.engine.metrics_publish_ms = 20;
    params.engine.status_secs = 0.2;
    let metrics = Arc::new(EngineMetrics::new(&params.symbols()));
    let stop = Arc::new(AtomicBool::new(false));
    let run_dir = std::env::temp_dir().join(format!("hft-watch-{}", std::process::id()));
    let engine = std::thread::spawn({
        let (addr, stop, metrics) = (gw.local_addr().to_string(), stop.clone(), metrics.clone());
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
                    metrics: Some(metrics),
                },
            )
        }
    });
    let deadline = Instant::now() + PATIENCE;
    let addr = loop {
        if let Some(a) = metrics.listening() {
            break a;
        }
        assert!(Instant::now() < deadline, "the endpoint never listened");
        std::thread::sleep(Duration::from_millis(10));
    };
    // First scrape once ticks flow; then scrape until the tick counter has moved.
    let first = loop {
        let (head, body) = scrape(addr, "/metrics");
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
        assert!(
            head.contains("Content-Type: text/plain; version=0.0.4"),
            "{head}"
        );
        let f = parse_exposition(&body);
        if value(&f, "hft_ticks_total", "") > 0.0 {
            break f;
        }
        assert!(Instant::now() < deadline, "no ticks were published");
        std::thread::sleep(Duration::from_millis(50));
    };
    for name in FAMILIES {
        let f = first
            .get(*name)
            .unwrap_or_else(|| panic!("{name} is served"));
        assert!(
            f.help && !f.kind.is_empty() && !f.samples.is_empty(),
            "{name}"
        );
    }
    for sym in ["SPY", "IVV", "KO", "PEP"] {
        value(&first, "hft_position", &format!("symbol=\"{sym}\""));
    }
    assert_eq!(value(&first, "hft_up", ""), 1.0);
    for stage in ["io", "normalize", "signal", "dispatch"] {
        let l = format!("stage=\"{stage}\",histogram=\"service\",quantile=\"0.99\"");
        value(&first, "hft_latency_seconds", &l);
    }
    let link: f64 = ["down", "reconciling", "up"]
        .iter()
        .map(|s| value(&first, "hft_link_state", &format!("state=\"{s}\"")))
        .sum();
    assert_eq!(link, 1.0, "exactly one link state");
    let second = loop {
        std::thread::sleep(Duration::from_millis(50));
        let f = parse_exposition(&scrape(addr, "/metrics").1);
        if value(&f, "hft_ticks_total", "") > value(&first, "hft_ticks_total", "") {
            break f;
        }
        assert!(Instant::now() < deadline, "the tick counter never moved");
    };
    assert!(value(&second, "hft_quotes_total", "") >= value(&first, "hft_quotes_total", ""));
    assert!(
        value(
            &second,
            "hft_latency_samples_total",
            "stage=\"normalize\",histogram=\"service\""
        ) > 0.0
    );
    assert_eq!(value(&second, "hft_link_state", "state=\"up\""), 1.0);
    let (head, _) = scrape(addr, "/other");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    stop.store(true, Ordering::SeqCst);
    let report = engine.join().expect("engine thread").expect("engine run");
    // The last publication (at the stages' end) matches the run's own count.
    assert_eq!(
        metrics.io.ticks.get(),
        report.summary.engine().counters.ticks
    );
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the endpoint stops with the run"
    );
    gw.shutdown();
}

/// Every `hft_*` name in the dashboard's queries is a family the engine serves.
#[test]
fn grafana_dashboard_queries_served_metrics() {
    let text = include_str!("../scripts/grafana-hft.json");
    let dashboard: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
    let mut exprs = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match v.as_str() {
                        Some(s) if k == "expr" || k == "query" => out.push(s.to_string()),
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(&dashboard, &mut exprs);
    assert!(
        exprs.len() >= 8,
        "the dashboard has queries ({})",
        exprs.len()
    );
    let served = parse_exposition(&render(&EngineMetrics::new(&["SPY".into()])));
    let mut used = BTreeSet::new();
    for e in &exprs {
        let bytes = e.as_bytes();
        let mut i = 0;
        while let Some(at) = e[i..].find("hft_") {
            let start = i + at;
            let end = start
                + e[start..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(e.len() - start);
            let boundary = start == 0
                || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
            if boundary {
                used.insert(e[start..end].to_string());
            }
            i = end;
        }
    }
    assert!(!used.is_empty());
    for name in &used {
        assert!(
            served.contains_key(name),
            "{name} (in the dashboard) is not served"
        );
    }
    for must in [
        "hft_ticks_total",
        "hft_pnl_usd",
        "hft_position",
        "hft_latency_seconds",
    ] {
        assert!(used.contains(must), "the dashboard shows {must}");
    }
}

fn hft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hft"))
}

#[test]
fn bad_metrics_listen_exits_2_naming_key_and_file() {
    let default = include_str!("../params/default.toml");
    let path = std::env::temp_dir().join(format!("hft-watch-{}-remote.toml", std::process::id()));
    std::fs::write(
        &path,
        default.replacen(
            "metrics_listen = \"\"",
            "metrics_listen = \"0.0.0.0:9184\"",
            1,
        ),
    )
    .unwrap();
    let out = hft()
        .args([
            "run",
            "--params",
            path.to_str().unwrap(),
            "--duration",
            "1s",
        ])
        .output()
        .expect("hft runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("engine.metrics_listen"), "{stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("metrics_allow_remote"),
        "says how to allow it: {stderr}"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn json_logs_and_durations_with_units() {
    let out = hft()
        .args([
            "--log-format",
            "json",
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--duration",
            "300ms",
        ])
        .output()
        .expect("hft runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("paper gateway listening"))
        .unwrap_or_else(|| panic!("the gateway logs where it listens: {stderr}"));
    let v: serde_json::Value = serde_json::from_str(line).expect("a log line is JSON");
    assert_eq!(v["level"], "INFO", "{line}");
    assert_eq!(v["fields"]["message"], "paper gateway listening", "{line}");
    assert!(v["timestamp"].is_string(), "{line}");
    for l in stderr.lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{l}: {e}"));
    }
    // A bad duration: clap's usage error (status 2) with the parser's message.
    let out = hft()
        .args(["run", "--duration", "5 parsecs"])
        .output()
        .expect("hft runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown unit `parsecs`"), "{stderr}");
    assert!(stderr.contains("--duration"), "{stderr}");
}
