//! The binary's contract for bad parameter files: a message naming the key and the file, and exit
//! status 2, for every subcommand that reads parameters.

use std::process::Command;

fn hft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hft"))
}

fn write(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("hft-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_params_error(args: &[&str], file: &std::path::Path, key: &str) {
    let out = hft().args(args).output().expect("hft runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(&file.display().to_string()),
        "names the file: {stderr}"
    );
    assert!(stderr.contains(key), "names the key `{key}`: {stderr}");
}

#[test]
fn invalid_engine_params_exit_2_naming_key_and_file() {
    let default = include_str!("../params/default.toml");
    let cases = [
        (
            "unknown-key.toml",
            format!("{default}\n[engine.extra]\nx = 1\n"),
            "engine.extra",
        ),
        (
            "out-of-range.toml",
            default.replacen("entry = 2.0", "entry = -2.0", 1),
            "strategy.zscore.entry",
        ),
        (
            "wrong-type.toml",
            default.replacen("base_qty = 100", "base_qty = \"many\"", 1),
            "strategy.base_qty",
        ),
        (
            "bad-enum.toml",
            default.replacen("kind = \"zscore\"", "kind = \"magic\"", 1),
            "strategy.kind",
        ),
        (
            "missing-section.toml",
            default.replacen("[strategy]", "[strategy_typo]", 1),
            "strategy",
        ),
    ];
    for (name, text, key) in cases {
        let file = write(name, &text);
        let ticks = write("ticks.csv", "ts_ns,symbol,bid,bid_size,ask,ask_size\n");
        let p = file.to_str().unwrap();
        assert_params_error(&["run", "--params", p, "--duration", "1"], &file, key);
        assert_params_error(
            &[
                "backtest",
                "--params",
                p,
                "--ticks",
                ticks.to_str().unwrap(),
                "--out",
                "/tmp",
            ],
            &file,
            key,
        );
    }
}

#[test]
fn invalid_sim_params_exit_2_naming_key_and_file() {
    let sim = include_str!("../params/sim.toml");
    let file = write(
        "sim.toml",
        &sim.replacen("book_levels = 5", "book_levels = 500", 1),
    );
    assert_params_error(
        &[
            "sim",
            "--params",
            file.to_str().unwrap(),
            "--duration",
            "0.1",
        ],
        &file,
        "gateway.book_levels",
    );
    let file = write(
        "sim-orderflow.toml",
        &sim.replacen("answer_delay_ms = [0, 0]", "answer_delay_ms = [9, 1]", 1),
    );
    assert_params_error(
        &[
            "sim",
            "--params",
            file.to_str().unwrap(),
            "--duration",
            "0.1",
        ],
        &file,
        "orderflow.answer_delay_ms",
    );
}

#[test]
fn live_port_needs_the_live_flag() {
    let out = hft()
        .args(["run", "--gateway", "127.0.0.1:7496", "--no-bootstrap"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--live"), "{stderr}");
}

#[test]
fn more_baskets_than_one_step_nets_exit_2_naming_baskets_and_netting() {
    let overlap = include_str!("../params/basket_overlap.toml");
    let extra = "\n[[baskets]]\nsymbols = [\"AAA\", \"BBB\", \"CCC\"]\n";
    let file = write("17-baskets.toml", &format!("{overlap}{}", extra.repeat(15)));
    let p = file.to_str().unwrap();
    assert_params_error(&["run", "--params", p, "--duration", "1"], &file, "baskets");
    let out = hft()
        .args(["run", "--params", p, "--duration", "1"])
        .output()
        .expect("hft runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("strategy.basket.net_across_baskets"),
        "{stderr}"
    );
}

#[test]
fn a_backtest_past_its_execution_table_says_why_entries_were_refused() {
    let dir = std::env::temp_dir().join(format!("hft-cli-{}-exec-table", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ticks = dir.join("ticks.csv");
    let st = hft()
        .args([
            "sim",
            "--write-ticks",
            "40000",
            "--out",
            ticks.to_str().unwrap(),
        ])
        .output()
        .expect("hft runs");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    // A table sized for 16 executions: the run trades more than that.
    let default = include_str!("../params/default.toml");
    let text = default
        .replacen("max_orders = 65536 ", "max_orders = 16 ", 1)
        .replacen("fills_capacity = 65536 ", "fills_capacity = 16 ", 1);
    assert_eq!(text.matches("= 16 ").count(), 2, "both keys found");
    let params = dir.join("params.toml");
    std::fs::write(&params, text).unwrap();
    let run = dir.join("out");
    let out = hft()
        .args(["backtest", "--params", params.to_str().unwrap()])
        .args(["--ticks", ticks.to_str().unwrap(), "--no-charts"])
        .args(["--out", run.to_str().unwrap()])
        .output()
        .expect("hft runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("entries refused once the execution table held what it was sized for"),
        "{stdout}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("summary.json")).unwrap()).unwrap();
    let d = &summary["dispatch"];
    assert!(d["rejected_exec_table"].as_u64().unwrap() > 0, "{d}");
    assert!(d["fills"].as_u64().unwrap() >= 16, "{d}");
    // Closes still traded in the reserve, and nothing went past it.
    assert_eq!(d["exec_table_overflow"].as_u64(), Some(0), "{d}");
    assert_eq!(d["kill_switch"].as_u64(), Some(0), "{d}");
    let _ = std::fs::remove_dir_all(&dir);
}
