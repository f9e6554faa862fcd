//! A stage made to panic mid-run: the engine stops every other stage, joins every thread,
//! names the stage in the summary and fails the run.

use super::*;
use crate::config::SimParams;
use crate::sim::{Gateway, GatewayOptions};
use std::sync::Mutex;

/// The stage the next engine run in this test binary makes panic as its thread starts.
static PANIC_STAGE: Mutex<Option<&'static str>> = Mutex::new(None);

/// Called by each hooked stage thread before it runs.
pub(super) fn maybe_panic(stage: &str) {
    let hit = PANIC_STAGE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .is_some_and(|s| s == stage);
    if hit {
        panic!("test hook: the {stage} stage panics");
    }
}

#[test]
fn a_panicking_stage_stops_the_others_and_fails_the_run() {
    let gw = Gateway::start(
        SimParams::embedded(),
        GatewayOptions {
            listen: Some("127.0.0.1:0".into()),
            ..Default::default()
        },
    )
    .expect("gateway starts");
    *PANIC_STAGE.lock().unwrap() = Some("signal");
    let run_dir = std::env::temp_dir().join(format!("hft-panic-{}", std::process::id()));
    let result = run(
        &EngineParams::embedded(),
        RunOptions {
            gateway: gw.local_addr().to_string(),
            // Far longer than the test may take: only the panic ends this run.
            duration: Duration::from_secs(600),
            run_dir: run_dir.clone(),
            warmup: None,
            stop: Arc::new(AtomicBool::new(false)),
            require_paper: true,
            resume: None,
            metrics: None,
        },
    );
    *PANIC_STAGE.lock().unwrap() = None;
    let err = result.err().expect("the run fails");
    assert!(err.to_string().contains("signal"), "{err}");
    let summary = std::fs::read_to_string(run_dir.join("summary.json")).expect("summary written");
    let json: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(
        json["stages_panicked"],
        serde_json::json!(["signal"]),
        "{summary}"
    );
    assert!(
        gw.snapshot().orders.iter().all(|o| o.state != "Submitted"),
        "no order left working"
    );
    let _ = std::fs::remove_dir_all(run_dir);
}
