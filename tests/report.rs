//! `hft report`: the charts of a backtest's output directory and of latency dumps, and clear
//! errors for directories it cannot chart.

mod common;

use hft::backtest::{Backtest, write_outputs};
use hft::cli::report;
use hft::config::StrategyKind;
use std::path::{Path, PathBuf};

const T0: i64 = 1_700_000_000;

/// A scratch directory under Cargo's per-target temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("report_tests")
        .join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// The output directory of a backtest of the oscillating pair (20 minutes, trades).
fn backtest_dir(name: &str, kind: StrategyKind) -> PathBuf {
    let mut params = common::fast_zscore_pair(30.0);
    params.strategy.kind = kind;
    let mut bt = Backtest::new(&params);
    bt.run_reader(common::oscillating_quotes(T0, 1200).as_bytes(), |_| {})
        .expect("reads");
    let out = bt.finish();
    assert!(out.summary.fills > 0, "{kind:?} trades");
    let dir = scratch(name);
    write_outputs(&out, &dir).expect("writes");
    dir
}

/// Decodes a PNG fully: its size and how many pixels are not white.
fn decode_png(path: &Path) -> ((u32, u32), usize) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(&bytes[12..16], b"IHDR");
    let header = (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    );
    let mut reader = png::Decoder::new(bytes.as_slice()).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), header);
    let channels = frame.color_type.samples();
    let inked = pixels[..frame.buffer_size()]
        .chunks(channels)
        .filter(|px| px.iter().take(3).any(|c| *c < 250))
        .count();
    (header, inked)
}

fn written<'a>(charts: &'a [PathBuf], name: &str) -> &'a Path {
    charts
        .iter()
        .find(|p| p.ends_with(name))
        .unwrap_or_else(|| panic!("{name} not among {charts:?}"))
}

#[test]
fn a_backtest_is_charted_per_pair() {
    for (kind, expected) in [
        (
            StrategyKind::Zscore,
            &[
                "Price A: AAA",
                "Price B: BBB",
                "Hedge ratio",
                "Volatility ratio",
                "Spread z-score",
                "entry ±1.5",
                "exit ±0.3",
                "stop ±50 is off this scale",
                "Positions",
                "Cumulative PnL",
                "fills marked to mid",
            ][..],
        ),
        (
            StrategyKind::Seed,
            &["Beta = mean(A) / mean(B)", "VR = 1"][..],
        ),
        (
            StrategyKind::Kalman,
            &["Forecast error of A", "entry ±1"][..],
        ),
    ] {
        let dir = backtest_dir(&format!("{kind:?}"), kind);
        let charts = report::run(&dir).expect("charts");
        // A backtest has no latency dump: one figure, PNG and SVG.
        assert_eq!(charts.len(), 2, "{charts:?}");
        let png = written(&charts, "charts/pair-AAA-BBB.png");
        let (size, inked) = decode_png(png);
        assert_eq!(size, (1400, 1750));
        assert!(inked > 20_000, "{kind:?}: only {inked} non-white pixels");
        let svg = std::fs::read_to_string(written(&charts, "charts/pair-AAA-BBB.svg")).unwrap();
        assert!(svg.starts_with("<svg"), "{kind:?}");
        for text in expected {
            assert!(svg.contains(text), "{kind:?}: the SVG lacks `{text}`");
        }
    }
}

#[test]
fn the_binary_prints_the_chart_paths() {
    let dir = backtest_dir("binary", StrategyKind::Zscore);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hft"))
        .arg("report")
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "PNG, SVG and report.html: {stdout}");
    for line in &lines {
        assert!(Path::new(line).is_file(), "{line}");
    }
    assert_eq!(Path::new(lines[2]), dir.join("report.html"));
}

/// The first of these browsers on PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

#[test]
fn report_html_renders_in_a_headless_browser() {
    let dir = backtest_dir("html", StrategyKind::Zscore);
    let charts = report::run(&dir).expect("report");
    let html = report::html_path(&dir);
    let page = std::fs::read_to_string(&html).expect("report.html written");
    for chart in charts
        .iter()
        .filter(|c| c.extension().is_some_and(|x| x == "svg"))
    {
        let name = chart.file_stem().unwrap().to_str().unwrap();
        assert!(
            page.contains(&format!("id=\"chart-{name}\"")),
            "{name} inlined"
        );
    }
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "self-contained"
    );
    let Some(browser) = chromium() else {
        println!(
            "report_html_renders_in_a_headless_browser: no chromium on PATH, screenshot skipped"
        );
        return;
    };
    let shot = dir.join("report.png");
    let profile = dir.join("chromium-profile");
    let mut child = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1400,2400")
        .arg(format!("file://{}", html.canonicalize().unwrap().display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Only a bound on a hung browser: the assertions are on the picture.
    let deadline = std::time::Instant::now() + common::PATIENCE;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} did not finish the screenshot", browser.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 20_000, "a screenshot of {size} bytes");
    let ((w, h), inked) = decode_png(&shot);
    assert_eq!((w, h), (1400, 2400));
    assert!(
        inked > (w * h) as usize / 50,
        "the page is not blank: {inked} of {} pixels inked",
        w * h
    );
}

/// A run directory with the engine's latency dump for two stages.
fn latency_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    let mut dumps = Vec::new();
    for (stage, base_ns) in [("signal.service", 400u64), ("end_to_end", 30_000)] {
        let mut h = hft::latency::histogram();
        for k in 0..20_000u64 {
            // A body and a tail: one sample in a thousand is 20 times slower.
            let slow = if k % 1000 == 7 { 20 } else { 1 };
            hft::latency::record(&mut h, (base_ns + k % 997) * slow);
        }
        dumps.push(hft::latency::Named {
            name: stage.to_string(),
            histogram: h,
        });
    }
    hft::rundir::write_latency(&dir, &dumps).unwrap();
    dir
}

#[test]
fn latency_dumps_are_charted_on_the_percentile_axis() {
    let dir = latency_dir("latency");
    // An empty histogram is skipped, not drawn.
    let empty = hft::latency::Named {
        name: "io.service".to_string(),
        histogram: hft::latency::histogram(),
    };
    hft::rundir::write_latency(&dir, &[empty]).unwrap();
    let charts = report::run(&dir).expect("charts");
    assert_eq!(charts.len(), 4, "{charts:?}");
    for name in ["latency", "latency-end_to_end"] {
        let (size, inked) = decode_png(written(&charts, &format!("charts/{name}.png")));
        assert_eq!(size, (1200, 720));
        assert!(inked > 5_000, "{name}: {inked}");
    }
    let all = std::fs::read_to_string(written(&charts, "charts/latency.svg")).unwrap();
    for text in [
        "signal.service (n = 20000)",
        "end_to_end (n = 20000)",
        "90%",
        "99.9%",
        "latency (us, log scale)",
    ] {
        assert!(all.contains(text), "latency.svg lacks `{text}`");
    }
    assert!(
        !all.contains("io.service"),
        "the empty histogram is not drawn"
    );
    let e2e = std::fs::read_to_string(written(&charts, "charts/latency-end_to_end.svg")).unwrap();
    assert!(e2e.contains("end_to_end (n = 20000)") && !e2e.contains("signal.service"));
}

#[test]
fn a_malformed_file_is_an_error_naming_it_and_the_line() {
    let dir = latency_dir("bad-hgrm");
    let path = dir.join("latency/end_to_end.hgrm");
    let text = std::fs::read_to_string(&path).unwrap();
    // The fourth line is the second data line.
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "      12.5x0 0.100000000000       2000           1.11";
    std::fs::write(&path, lines.join("\n")).unwrap();
    let e = format!("{:#}", report::run(&dir).unwrap_err());
    assert!(e.contains("end_to_end.hgrm") && e.contains("line 4"), "{e}");

    let dir = backtest_dir("bad-series", StrategyKind::Zscore);
    let path = dir.join("series/AAA-BBB.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen('\n', "\n1,2\n", 1)).unwrap();
    let e = format!("{:#}", report::run(&dir).unwrap_err());
    assert!(e.contains("AAA-BBB.csv") && e.contains("line 2"), "{e}");

    let dir = backtest_dir("bad-fills", StrategyKind::Zscore);
    let path = dir.join("fills.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen(",BUY,", ",HOLD,", 1)).unwrap();
    let e = format!("{:#}", report::run(&dir).unwrap_err());
    assert!(e.contains("fills.csv") && e.contains("HOLD"), "{e}");
}

#[test]
fn nothing_to_plot_is_said_plainly() {
    let dir = scratch("empty");
    let e = format!("{:#}", report::run(&dir).unwrap_err());
    assert!(e.contains("nothing to plot"), "{e}");
    let e = format!("{:#}", report::run(&dir.join("missing")).unwrap_err());
    assert!(e.contains("not a directory"), "{e}");
}
