//! `report.html`: one self-contained page of a run directory, the summary (`summary.json`), the
//! latency table (its `latency` section) and every chart, each SVG inlined, so the page needs
//! nothing beside it (no network, no other file) and opens in any browser.

use anyhow::Context;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The page's name in the run directory.
pub const HTML_FILE: &str = "report.html";

/// Top-level sections of `summary.json` drawn elsewhere on the page (or only for the charts).
const NOT_IN_SUMMARY: [&str; 2] = ["latency", "series"];

/// Writes `run_dir/report.html` from `summary.json` (when present) and the SVG files among
/// `charts`; returns its path.
///
/// # Errors
/// A malformed `summary.json`, an unreadable chart, or the page cannot be written.
pub fn write_html(run_dir: &Path, charts: &[PathBuf]) -> anyhow::Result<PathBuf> {
    let summary_path = run_dir.join("summary.json");
    let summary: Option<Value> = match std::fs::read(&summary_path) {
        Ok(bytes) => Some(
            serde_json::from_slice(&bytes)
                .with_context(|| format!("{}: not valid JSON", summary_path.display()))?,
        ),
        Err(_) => None,
    };
    let mut svgs = Vec::new();
    for chart in charts
        .iter()
        .filter(|c| c.extension().is_some_and(|x| x == "svg"))
    {
        let text = std::fs::read_to_string(chart)
            .with_context(|| format!("cannot read {}", chart.display()))?;
        let name = chart
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("chart");
        svgs.push((name.to_string(), text));
    }
    let page = render(&run_dir.display().to_string(), summary.as_ref(), &svgs);
    let path = run_dir.join(HTML_FILE);
    std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The page: `title`, the summary's sections, its latency table and the charts `(name, svg)`.
fn render(title: &str, summary: Option<&Value>, svgs: &[(String, String)]) -> String {
    let mut out = String::with_capacity(svgs.iter().map(|s| s.1.len()).sum::<usize>() + 16_384);
    let title = escape(title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>hft report: {title}</title><style>\
         body{{font-family:sans-serif;margin:24px;color:#222}}\
         table{{border-collapse:collapse;margin:8px 0 18px}}\
         td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}\
         th{{background:#f2f2f2}} td:first-child,th:first-child{{text-align:left}}\
         .chart svg{{max-width:100%;height:auto;border:1px solid #ddd}}\
         </style></head><body>\n<h1>hft report</h1>\n<p>{title}</p>\n"
    );
    let map = match summary {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    };
    let shown = |k: &String| !NOT_IN_SUMMARY.contains(&k.as_str());
    match map {
        Some(map) => {
            // The headline first (scalars, PnL, the per-pair tables), then the latency table and
            // the charts, then every counter section.
            out.push_str("<h2 id=\"summary\">Summary</h2>\n");
            let scalars: Vec<(&String, &Value)> = map
                .iter()
                .filter(|(k, v)| is_scalar(v) && shown(k))
                .collect();
            key_values(&mut out, "run", &scalars);
            if let Some(Value::Object(pnl)) = map.get("pnl") {
                key_values(&mut out, "pnl", &pnl.iter().collect::<Vec<_>>());
            }
            for (key, value) in map.iter().filter(|(k, _)| shown(k)) {
                if let Value::Array(items) = value {
                    records(&mut out, key, items);
                }
            }
            if let Some(Value::Object(latency)) = map.get("latency") {
                latency_table(&mut out, latency);
            }
        }
        None => out.push_str("<p>no summary.json in this directory</p>\n"),
    }
    out.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for (name, svg) in svgs {
        // The XML declaration is not allowed inside HTML; the <svg> element is.
        let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
        let _ = writeln!(
            out,
            "<h3>{0}</h3>\n<div class=\"chart\" id=\"chart-{0}\">{body}</div>",
            escape(name)
        );
    }
    if let Some(map) = map {
        out.push_str("<h2 id=\"details\">Details</h2>\n");
        for (key, value) in map.iter().filter(|(k, _)| shown(k) && k.as_str() != "pnl") {
            if let Value::Object(inner) = value {
                key_values(&mut out, key, &inner.iter().collect::<Vec<_>>());
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

fn is_scalar(v: &Value) -> bool {
    !(v.is_object() || v.is_array())
}

/// A value as a table cell: numbers with at most two decimals, JSON for anything nested.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => escape(s),
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{x:.0}")
            } else {
                format!("{x:.2}")
            }
        }
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => escape(&other.to_string()),
    }
}

/// A two-column table of `rows` under heading `name`.
fn key_values(out: &mut String, name: &str, rows: &[(&String, &Value)]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h3>{}</h3>\n<table>", escape(name));
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><td>{}</td><td>{}</td></tr>", escape(k), cell(v));
    }
    out.push_str("</table>\n");
}

/// A table of `items` (objects), one column per key of the first.
fn records(out: &mut String, name: &str, items: &[Value]) {
    let Some(Value::Object(first)) = items.iter().find(|v| v.is_object()) else {
        // Not a list of records (e.g. the stages that panicked): one line of JSON.
        if !items.is_empty() {
            let _ = writeln!(
                out,
                "<p>{}: {}</p>",
                escape(name),
                escape(&Value::from(items.to_vec()).to_string())
            );
        }
        return;
    };
    let columns: Vec<&String> = first.keys().collect();
    let _ = write!(out, "<h3>{}</h3>\n<table><tr>", escape(name));
    for c in &columns {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr>\n");
    for item in items {
        out.push_str("<tr>");
        for c in &columns {
            let _ = write!(
                out,
                "<td>{}</td>",
                item.get(c.as_str()).map(cell).unwrap_or_default()
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// The latency table as the run printed it: count and percentiles in microseconds.
fn latency_table(out: &mut String, latency: &serde_json::Map<String, Value>) {
    const COLUMNS: [(&str, &str); 6] = [
        ("p50_ns", "p50"),
        ("p90_ns", "p90"),
        ("p99_ns", "p99"),
        ("p99_9_ns", "p99.9"),
        ("p99_99_ns", "p99.99"),
        ("max_ns", "max"),
    ];
    out.push_str("<h2 id=\"latency\">Latency (us)</h2>\n<table><tr><th>stage</th><th>count</th>");
    for (_, label) in COLUMNS {
        let _ = write!(out, "<th>{label}</th>");
    }
    out.push_str("</tr>\n");
    for (stage, p) in latency {
        let count = p.get("count").and_then(Value::as_u64).unwrap_or(0);
        let _ = write!(out, "<tr><td>{}</td><td>{count}</td>", escape(stage));
        for (key, _) in COLUMNS {
            let us = p.get(key).and_then(Value::as_f64).unwrap_or(0.0) / 1000.0;
            let _ = write!(out, "<td>{us:.2}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// `text` with HTML's special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_holds_every_chart_and_the_summary_values() {
        let summary: Value = serde_json::json!({
            "mode": "engine",
            "strategy": "zscore",
            "orders": 492,
            "pnl": {"realized": 1271.83, "net": 779.83},
            "pairs": [{"a": "SPY", "b": "IVV", "net_pnl": 707.88},
                      {"a": "KO", "b": "PEP", "net_pnl": 72.12}],
            "latency": {"end_to_end": {"count": 496, "p50_ns": 402690, "p90_ns": 658430,
                "p99_ns": 1_000_000, "p99_9_ns": 2_000_000, "p99_99_ns": 2_000_000,
                "max_ns": 3_500_000}},
            "series": {"pairs": []}
        });
        let svgs = [
            (
                "pair-SPY-IVV".to_string(),
                "<?xml version=\"1.0\"?>\n<svg id=\"a\"></svg>".into(),
            ),
            ("pair-KO-PEP".to_string(), "<svg id=\"b\"></svg>".into()),
            ("latency".to_string(), "<svg id=\"c\"></svg>".into()),
        ];
        let page = render("runs/run-1 <x>", Some(&summary), &svgs);
        assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
        for (name, _) in &svgs {
            assert!(page.contains(&format!("id=\"chart-{name}\"")), "{name}");
        }
        for id in ["a", "b", "c"] {
            assert!(page.contains(&format!("<svg id=\"{id}\"></svg>")), "{id}");
        }
        assert!(!page.contains("<?xml"), "declarations are dropped");
        for value in [
            "zscore",
            "492",
            "1271.83",
            "779.83",
            "707.88",
            "72.12",
            "SPY",
            "PEP",
            "end_to_end",
            "<td>496</td>",
            "<td>402.69</td>",
            "<td>3500.00</td>",
        ] {
            assert!(page.contains(value), "{value} is on the page");
        }
        assert!(page.contains("runs/run-1 &lt;x&gt;"), "text is escaped");
        assert!(render("d", None, &[]).contains("no summary.json"));
    }
}
