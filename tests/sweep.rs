//! `hft sweep`: the grid's expansion order, results independent of the thread count, each row
//! equal to `hft backtest` of its set, shards merging into the single-machine outputs, and bad
//! grid files exiting 2 naming the key and the file.

mod common;

use hft::sweep::ParamSets;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hft"))
        .args(args)
        .output()
        .expect("hft runs")
}

/// A fresh directory with the oscillating pair's quotes (`q.csv`) and params (`p.toml`).
fn setup(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hft-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("q.csv"),
        common::oscillating_quotes(1_700_000_000, 1800),
    )
    .unwrap();
    common::oscillating_params_file(&dir.join("p.toml"), &[]);
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `hft sweep` of `grid` in `dir` into `dir/<out>`; its `sweep.json`.
fn sweep(dir: &Path, grid: &str, threads: &str, out: &str) -> Vec<serde_json::Value> {
    std::fs::write(dir.join("g.toml"), grid).unwrap();
    let out = dir.join(out);
    let o = hft(&[
        "sweep",
        "--params",
        s(&dir.join("p.toml")),
        "--grid",
        s(&dir.join("g.toml")),
        "--ticks",
        s(&dir.join("q.csv")),
        "--threads",
        threads,
        "--out",
        s(&out),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("M config-rows/s"), "{stdout}");
    let json = std::fs::read(out.join("sweep.json")).unwrap();
    serde_json::from_slice(&json).unwrap()
}

const GRID: &str =
    "[grid]\n\"strategy.zscore.exit\" = [0.0, 0.3]\nstrategy.window_secs = [20.0, 30.0, 60.0]\n";

#[test]
fn a_grid_expands_in_file_order_the_last_axis_fastest() {
    let sets = ParamSets::parse("g.toml", GRID).unwrap();
    let keys: Vec<&str> = sets.axes.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys, ["strategy.zscore.exit", "strategy.window_secs"]);
    let got: Vec<(f64, f64)> = sets
        .sets
        .iter()
        .map(|set| {
            assert_eq!(set[0].0, "strategy.zscore.exit");
            assert_eq!(set[1].0, "strategy.window_secs");
            (set[0].1.as_float().unwrap(), set[1].1.as_float().unwrap())
        })
        .collect();
    let want = [
        (0.0, 20.0),
        (0.0, 30.0),
        (0.0, 60.0),
        (0.3, 20.0),
        (0.3, 30.0),
        (0.3, 60.0),
    ];
    assert_eq!(got, want);
    let list = "[[set]]\nstrategy.zscore.entry = 2.0\n[[set]]\n\"strategy.kind\" = \"kalman\"\n\"strategy.zscore.exit\" = 0.1\n";
    let sets = ParamSets::parse("l.toml", list).unwrap();
    assert!(sets.axes.is_empty());
    assert_eq!(sets.sets.len(), 2);
    assert_eq!(
        sets.keys(),
        [
            "strategy.zscore.entry",
            "strategy.kind",
            "strategy.zscore.exit"
        ]
    );
}

#[test]
fn threads_do_not_change_the_outputs() {
    let dir = setup("threads");
    let one = sweep(&dir, GRID, "1", "one");
    assert_eq!(one.len(), 6);
    for threads in ["2", "3", "8"] {
        let other = sweep(&dir, GRID, threads, threads);
        assert_eq!(one, other, "{threads} threads");
        for f in ["sweep.csv", "sweep.json"] {
            let a = std::fs::read(dir.join("one").join(f)).unwrap();
            assert_eq!(a, std::fs::read(dir.join(threads).join(f)).unwrap(), "{f}");
        }
    }
    assert!(one.iter().any(|r| r["trades"].as_u64().unwrap() > 0));
    let png = std::fs::read(dir.join("one/heatmap.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn each_row_is_hft_backtest_of_its_set() {
    let dir = setup("parity");
    let list = "[[set]]\n\"strategy.zscore.entry\" = 1.0\n\"strategy.window_secs\" = 20.0\n\n[[set]]\nstrategy.zscore.exit = 0.0\n\n[[set]]\n";
    let rows = sweep(&dir, list, "2", "out");
    assert_eq!(rows.len(), 3);
    let base = std::fs::read_to_string(dir.join("p.toml")).unwrap();
    let edits: [&[(&str, &str)]; 3] = [
        &[
            ("entry = 1.5", "entry = 1.0"),
            ("window_secs = 30.0", "window_secs = 20.0"),
        ],
        &[("exit = 0.3", "exit = 0.0")],
        &[],
    ];
    for (i, edits) in edits.iter().enumerate() {
        let mut text = base.clone();
        for (from, to) in *edits {
            let next = text.replacen(from, to, 1);
            assert_ne!(next, text, "{from}");
            text = next;
        }
        let params = dir.join(format!("p{i}.toml"));
        std::fs::write(&params, text).unwrap();
        let out = dir.join(format!("bt{i}"));
        let o = hft(&[
            "backtest",
            "--params",
            s(&params),
            "--ticks",
            s(&dir.join("q.csv")),
            "--out",
            s(&out),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        let row = &rows[i];
        assert_eq!(row["set"], i);
        assert_eq!(row["trades"], summary["trades"], "set {i}");
        assert_eq!(row["net_pnl"], summary["pnl"]["net"], "set {i}");
        assert_eq!(row["commissions"], summary["pnl"]["commissions"], "set {i}");
        for key in [
            "sharpe",
            "max_drawdown",
            "turnover",
            "shortfall",
            "gross_pnl",
        ] {
            assert_eq!(row[key], summary[key], "set {i} {key}");
        }
        assert_eq!(row["orders"], summary["orders"], "set {i}");
        assert_eq!(row["fills"], summary["fills"], "set {i}");
    }
    assert_ne!(rows[0]["net_pnl"], rows[2]["net_pnl"]);
}

#[test]
fn bad_grid_files_exit_2_naming_the_key_and_the_file() {
    let dir = setup("bad");
    let cases = [
        (
            "[grid]\n\"strategy.zscore.entyr\" = [1.0]\n",
            "strategy.zscore.entyr",
        ),
        (
            "[grid]\n\"strategy.zscore.entry\" = [-1.0]\n",
            "strategy.zscore.entry",
        ),
        (
            "[grid]\n\"strategy.zscore.entry\" = 2.0\n",
            "strategy.zscore.entry",
        ),
        (
            "[grid]\n\"strategy.zscore.exit\" = []\n",
            "strategy.zscore.exit",
        ),
        (
            "[[set]]\n\"strategy.base_qty\" = \"many\"\n",
            "strategy.base_qty",
        ),
        ("[sets]\nx = 1\n", "sets"),
        ("[grid]\n", "grid"),
    ];
    for (text, key) in cases {
        let grid = dir.join("g.toml");
        std::fs::write(&grid, text).unwrap();
        let o = hft(&[
            "sweep",
            "--params",
            s(&dir.join("p.toml")),
            "--grid",
            s(&grid),
            "--ticks",
            s(&dir.join("q.csv")),
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(s(&grid)), "names the file: {stderr}");
        assert!(stderr.contains(key), "names `{key}`: {stderr}");
    }
}

#[test]
fn shards_merge_into_exactly_the_single_machine_outputs() {
    let dir = setup("shards");
    let grid = "[grid]\n\"strategy.zscore.exit\" = [0.0, 0.3]\nstrategy.window_secs = [20.0, 30.0, 60.0]\nstrategy.zscore.entry = [1.0, 1.5]\n";
    let whole = sweep(&dir, grid, "2", "whole");
    assert_eq!(whole.len(), 12);
    let mut shard_dirs = Vec::new();
    for k in 1..=5 {
        let out = dir.join(format!("shard{k}"));
        let o = hft(&[
            "sweep",
            "--params",
            s(&dir.join("p.toml")),
            "--grid",
            s(&dir.join("g.toml")),
            "--ticks",
            s(&dir.join("q.csv")),
            "--threads",
            "1",
            "--shard",
            &format!("{k}/5"),
            "--out",
            s(&out),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // Shard k holds the sets k-1, k-1+5, ...
        let rows: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
        let sets: Vec<u64> = rows.iter().map(|r| r["set"].as_u64().unwrap()).collect();
        let want: Vec<u64> = (0..12).filter(|i| i % 5 == k - 1).collect();
        assert_eq!(sets, want, "shard {k}");
        shard_dirs.push(out);
    }
    // Merged in any order: the whole sweep's files, byte for byte.
    shard_dirs.reverse();
    let merged = dir.join("merged");
    let mut args = vec!["sweep", "merge"];
    args.extend(shard_dirs.iter().map(|d| s(d)));
    args.extend(["--out", s(&merged)]);
    let o = hft(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["sweep.csv", "sweep.json", "heatmap.png"] {
        let a = std::fs::read(dir.join("whole").join(f)).unwrap();
        assert_eq!(a, std::fs::read(merged.join(f)).unwrap(), "{f}");
    }

    // A shard missing, or given twice: exit 2 naming the shard file and the key.
    let o = hft(&[
        "sweep",
        "merge",
        s(&shard_dirs[0]),
        s(&shard_dirs[1]),
        "--out",
        s(&merged),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("shard.json") && stderr.contains("missing"),
        "{stderr}"
    );
    let o = hft(&[
        "sweep",
        "merge",
        s(&shard_dirs[0]),
        s(&shard_dirs[0]),
        "--out",
        s(&merged),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("twice"), "{stderr}");
    // A shard out of range.
    let o = hft(&[
        "sweep",
        "--grid",
        s(&dir.join("g.toml")),
        "--ticks",
        s(&dir.join("q.csv")),
        "--shard",
        "6/5",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--shard") && stderr.contains("6/5"),
        "{stderr}"
    );
}

#[test]
fn the_column_cache_changes_no_output_of_a_sweep_or_a_backtest() {
    let dir = setup("cache");
    let plain = sweep(&dir, GRID, "2", "plain");
    let cache = dir.join("q.csv.cols");
    for (run, said) in [
        ("written", "columns cached in"),
        ("read", "columns read from"),
    ] {
        let out = dir.join(run);
        let o = hft(&[
            "sweep",
            "--params",
            s(&dir.join("p.toml")),
            "--grid",
            s(&dir.join("g.toml")),
            "--ticks",
            s(&dir.join("q.csv")),
            "--threads",
            "2",
            "--out",
            s(&out),
            "--columns-cache",
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{stderr}");
        assert!(stderr.contains(said), "{run}: {stderr}");
        for f in ["sweep.csv", "sweep.json"] {
            let a = std::fs::read(dir.join("plain").join(f)).unwrap();
            assert_eq!(a, std::fs::read(out.join(f)).unwrap(), "{run}: {f}");
        }
        assert!(cache.exists());
    }
    assert!(plain.iter().any(|r| r["trades"].as_u64().unwrap() > 0));

    // `hft backtest` reads the same cache: its files equal those of the CSV parsed.
    let (params, quotes) = (dir.join("p.toml"), dir.join("q.csv"));
    let backtest = |out: &str, cached: bool| {
        let out = dir.join(out);
        let mut args = vec![
            "backtest",
            "--params",
            s(&params),
            "--ticks",
            s(&quotes),
            "--no-charts",
            "--out",
            s(&out),
        ];
        if cached {
            args.push("--columns-cache");
        }
        let o = hft(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        (out, stderr)
    };
    let (parsed, _) = backtest("bt-parsed", false);
    let (cached, stderr) = backtest("bt-cached", true);
    assert!(stderr.contains("columns read from"), "{stderr}");
    for f in ["orders.csv", "fills.csv", "summary.json"] {
        let a = std::fs::read(parsed.join(f)).unwrap();
        assert_eq!(a, std::fs::read(cached.join(f)).unwrap(), "{f}");
    }
}
