//! Unit tests of the parameter files: the shipped files are valid, and each bad value names its
//! key, its file and the problem.

use super::*;

#[test]
fn engine_sections_are_validated_by_key() {
    for (from, to, key) in [
        (
            "max_messages_per_sec = 45",
            "max_messages_per_sec = 80",
            "risk.max_messages_per_sec",
        ),
        ("leg_retries = 2", "leg_retries = 99", "risk.leg_retries"),
        (
            "queue_capacity = 65536",
            "queue_capacity = 1",
            "engine.queue_capacity",
        ),
        ("max_jump = 0.05", "max_jump = -1.0", "normalize.max_jump"),
    ] {
        let bad = DEFAULT_PARAMS.replacen(from, to, 1);
        assert_ne!(bad, DEFAULT_PARAMS, "{from}");
        assert_eq!(
            EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
            key
        );
    }
}

#[test]
fn shipped_param_files_are_valid() {
    EngineParams::from_toml("params/paper.toml", include_str!("../../params/paper.toml")).unwrap();
    // The liquid market: the embedded pairs' symbols, one-cent spreads.
    let liquid = SimParams::from_toml(
        "params/sim_liquid.toml",
        include_str!("../../params/sim_liquid.toml"),
    )
    .unwrap();
    let names: Vec<&str> = liquid
        .market
        .symbols
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, EngineParams::embedded().symbols());
    assert_eq!(liquid.market.max_spread_ticks, 1);
}

#[test]
fn embedded_engine_params_are_valid() {
    let p = EngineParams::embedded();
    assert_eq!(p.strategy.kind, StrategyKind::Zscore);
    assert_eq!(p.symbols(), ["SPY", "IVV", "KO", "PEP"]);
    let bad = DEFAULT_PARAMS.replacen("exit = 0.5", "exit = 3.0", 1);
    assert_eq!(
        EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
        "strategy.zscore.exit"
    );
    let bad = DEFAULT_PARAMS.replacen("kind = \"zscore\"", "kind = \"magic\"", 1);
    assert_eq!(
        EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
        "strategy.kind"
    );
}

#[test]
fn embedded_sim_params_are_valid() {
    let p = SimParams::embedded();
    assert!(p.market.symbols.len() >= 4);
}

#[test]
fn market_speed_defaults_to_real_time_and_is_range_checked() {
    let p = SimParams::embedded();
    assert!(p.market.speed > 1.0, "the main job's market is accelerated");
    let without = DEFAULT_SIM_PARAMS.replacen("speed = ", "# speed = ", 1);
    let p = SimParams::from_toml("f.toml", &without).unwrap();
    assert_eq!(p.market.speed, 1.0);
    for bad in ["0.0", "-2.0", "20000.0", "nan"] {
        let text = DEFAULT_SIM_PARAMS.replacen("speed = 120.0", &format!("speed = {bad}"), 1);
        let e = SimParams::from_toml("f.toml", &text).unwrap_err();
        assert_eq!(e.key, "market.speed", "{bad}");
    }
}

#[test]
fn errors_name_key_and_file() {
    let base = DEFAULT_SIM_PARAMS;
    let bad = base.replacen("ticks_per_sec = ", "ticks_per_sec = -", 1);
    let e = SimParams::from_toml("f.toml", &bad).unwrap_err();
    assert_eq!(e.key, "market.ticks_per_sec");
    assert_eq!(e.file, "f.toml");
    let bad = format!("{base}\n[oops]\nx = 1\n");
    let e = SimParams::from_toml("f.toml", &bad).unwrap_err();
    assert_eq!(e.key, "oops");
    let bad = base.replacen("seed = ", "seed = \"x\" #", 1);
    let e = SimParams::from_toml("f.toml", &bad).unwrap_err();
    assert_eq!(e.key, "market.seed");
}

/// One bad value per section: the key and the whole message, as `params.rs` produced them
/// before the sections moved into their own files.
#[test]
fn every_section_names_its_key_and_message() {
    let engine_cases = [
        (
            "client_id = 1 ",
            "client_id = 2 ",
            "connection.control_client_id",
            "must be >= 0 and differ from connection.client_id",
        ),
        (
            "reconnect_min_ms = 250",
            "reconnect_min_ms = 40000",
            "connection.reconnect_min_ms",
            "must be >= 1 and <= connection.reconnect_max_ms",
        ),
        (
            "grid_secs = 1.0",
            "grid_secs = 0.0",
            "strategy.grid_secs",
            "must be positive",
        ),
        (
            "stop = 4.0",
            "stop = 1.0",
            "strategy.zscore.stop",
            "must be above entry",
        ),
        (
            "entry_k = 1.0",
            "entry_k = -1.0",
            "strategy.kalman.entry_k",
            "must be positive",
        ),
        (
            "b = \"IVV\"",
            "b = \"SPY\"",
            "pairs[0].b",
            "must name a symbol other than a",
        ),
        (
            "universe = []",
            "universe = [\"SPY\", \"SPY\"]",
            "bootstrap.universe[1]",
            "duplicate symbol",
        ),
        (
            "bar_secs = 60.0",
            "bar_secs = 45.0",
            "bootstrap.bar_secs",
            "must be an IB bar size: 1, 5, 10, 15, 30, 60, 120, 180, 300, 600, 900, 1200 or 1800",
        ),
        (
            "duration_secs = 172800.0",
            "duration_secs = 60.0",
            "bootstrap.duration_secs",
            "must span 30..=100000 bars of bootstrap.bar_secs (whole days past one day)",
        ),
        (
            "book_levels = 5",
            "book_levels = 0",
            "costs.book_levels",
            "must be in 1..=50",
        ),
        (
            "cores = []",
            "cores = [1]",
            "engine.cores",
            "must list 4 core ids (io, normalize, signal, dispatch) or be empty",
        ),
        (
            "max_quote_age_ms = 5000",
            "max_quote_age_ms = 1",
            "risk.max_quote_age_ms",
            "must be in 10..=3600000",
        ),
        (
            "jump_confirm_ticks = 3",
            "jump_confirm_ticks = 0",
            "normalize.jump_confirm_ticks",
            "must be >= 1",
        ),
        (
            "record_queue_capacity = 65536",
            "record_queue_capacity = 8",
            "engine.record_queue_capacity",
            "must be in 16..=16777216",
        ),
    ];
    for (from, to, key, message) in engine_cases {
        let bad = DEFAULT_PARAMS.replacen(from, to, 1);
        assert_ne!(bad, DEFAULT_PARAMS, "{from}");
        let e = EngineParams::from_toml("e.toml", &bad).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.message.as_str()),
            (key, message),
            "{from}"
        );
    }
    let sim_cases = [
        (
            "disconnect_messages_per_sec = 100",
            "disconnect_messages_per_sec = 10",
            "gateway.disconnect_messages_per_sec",
            "must be at least gateway.max_messages_per_sec",
        ),
        (
            "max_frame_bytes = 1048576",
            "max_frame_bytes = 10",
            "gateway.max_frame_bytes",
            "must be in 1 KiB..=64 MiB",
        ),
        (
            "max_spread_ticks = 3",
            "max_spread_ticks = 0",
            "market.max_spread_ticks",
            "must be in 1..=100",
        ),
        (
            "price = 450.0",
            "price = 0.01",
            "market.symbols[0].price",
            "must be in [0.05, 1e6)",
        ),
        (
            "name = \"SPY\"",
            "name = \"S PY\"",
            "market.symbols[0].name",
            "must be a non-empty symbol without spaces or commas",
        ),
        (
            "restart_gap_secs = 5.0",
            "restart_gap_secs = -1.0",
            "faults.restart_gap_secs",
            "must be >= 0",
        ),
        (
            "pacing_window_secs = 600",
            "pacing_window_secs = 0",
            "gateway.pacing_window_secs",
            "must be at least 1",
        ),
        (
            "tick_history_days = 10",
            "tick_history_days = 61",
            "gateway.tick_history_days",
            "must be in 1..=60",
        ),
    ];
    for (from, to, key, message) in sim_cases {
        let bad = DEFAULT_SIM_PARAMS.replacen(from, to, 1);
        assert_ne!(bad, DEFAULT_SIM_PARAMS, "{from}");
        let e = SimParams::from_toml("s.toml", &bad).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.message.as_str()),
            (key, message),
            "{from}"
        );
    }
    let mut sim = SimParams::embedded();
    sim.market.symbols[1].follows = Some("NOPE".into());
    let e = sim.validate("s.toml").unwrap_err();
    assert_eq!(
        (e.key.as_str(), e.message.as_str()),
        (
            "market.symbols[1].follows",
            "names no symbol of market.symbols"
        )
    );
    sim.market.symbols.clear();
    let e = sim.validate("s.toml").unwrap_err();
    assert_eq!(
        (e.key.as_str(), e.message.as_str()),
        ("market.symbols", "needs at least one symbol")
    );
    sim.replay = Some(ReplayParams {
        file: "q.csv".into(),
        more_files: Vec::new(),
        symbols: Vec::new(),
        speed: 1.0,
        rate: -1.0,
    });
    let e = sim.validate("s.toml").unwrap_err();
    assert_eq!(
        (e.key.as_str(), e.message.as_str()),
        ("replay.rate", "must be >= 0 (0 = follow speed)")
    );
}

#[test]
fn metrics_listen_is_loopback_unless_remote_is_allowed() {
    let with = |extra: &str| {
        let text = DEFAULT_PARAMS.replacen(
            "metrics_listen = \"\"",
            &format!("metrics_listen = {extra}"),
            1,
        );
        assert_ne!(text, DEFAULT_PARAMS);
        EngineParams::from_toml("m.toml", &text)
    };
    for ok in ["\"127.0.0.1:9184\"", "\"[::1]:9184\"", "\"127.0.0.1:0\""] {
        assert!(with(ok).is_ok(), "{ok}");
    }
    for (bad, says) in [
        ("\"0.0.0.0:9184\"", "not a loopback address"),
        ("\"10.1.2.3:9184\"", "not a loopback address"),
        ("\"localhost:9184\"", "is not IP:PORT"),
        ("\"127.0.0.1\"", "is not IP:PORT"),
        ("\"127.0.0.1:99999\"", "is not IP:PORT"),
    ] {
        let e = with(bad).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.key.as_str()),
            ("m.toml", "engine.metrics_listen")
        );
        assert!(e.message.contains(says), "{bad}: {}", e.message);
        assert!(
            e.to_string()
                .starts_with("m.toml: key `engine.metrics_listen`: ")
        );
    }
    let text = DEFAULT_PARAMS
        .replacen(
            "metrics_listen = \"\"",
            "metrics_listen = \"0.0.0.0:9184\"",
            1,
        )
        .replacen(
            "metrics_allow_remote = false",
            "metrics_allow_remote = true",
            1,
        );
    let remote = EngineParams::from_toml("m.toml", &text).unwrap();
    assert_eq!(remote.engine.metrics_listen, "0.0.0.0:9184");
    assert!(remote.engine.metrics_allow_remote);
    let e = with("9184").unwrap_err();
    assert_eq!(e.key, "engine.metrics_listen");
}

#[test]
fn status_and_publish_intervals_are_checked() {
    for (from, to, key) in [
        (
            "status_secs = 5.0",
            "status_secs = -1.0",
            "engine.status_secs",
        ),
        (
            "metrics_publish_ms = 250",
            "metrics_publish_ms = 0",
            "engine.metrics_publish_ms",
        ),
    ] {
        let bad = DEFAULT_PARAMS.replacen(from, to, 1);
        assert_ne!(bad, DEFAULT_PARAMS, "{from}");
        assert_eq!(
            EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
            key
        );
    }
    let off = DEFAULT_PARAMS.replacen("status_secs = 5.0", "status_secs = 0", 1);
    assert_eq!(
        EngineParams::from_toml("e.toml", &off)
            .unwrap()
            .engine
            .status_secs,
        0.0
    );
}

#[test]
fn execution_policies_are_validated_by_key_and_set_per_pair() {
    for (from, to, key) in [
        (
            "policy = \"market\"",
            "policy = \"twap\"",
            "execution.policy",
        ),
        (
            "give_up_ms = 3000",
            "give_up_ms = 0",
            "execution.give_up_ms",
        ),
        (
            "reprice_ticks = 2",
            "reprice_ticks = 0",
            "execution.reprice_ticks",
        ),
        (
            "passive_leg = \"less_liquid\"",
            "passive_leg = \"c\"",
            "execution.passive_leg",
        ),
        (
            "adaptive_priority = \"normal\"",
            "adaptive_priority = \"Urgent\"",
            "execution.adaptive_priority",
        ),
        (
            "passive_price = \"join\"",
            "passive_price = \"mid_price\"",
            "execution.passive_price",
        ),
        (
            "combo_price = \"mid\"",
            "combo_price = \"best\"",
            "execution.combo_price",
        ),
        (
            "combo_offset_ticks = 0",
            "combo_offset_ticks = 5000",
            "execution.combo_offset_ticks",
        ),
    ] {
        let bad = DEFAULT_PARAMS.replacen(from, to, 1);
        assert_ne!(bad, DEFAULT_PARAMS, "{from}");
        assert_eq!(
            EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
            key
        );
    }
    let passive_ko =
        DEFAULT_PARAMS.replacen("b = \"PEP\"", "b = \"PEP\"\nexecution = \"passive\"", 1);
    let p = EngineParams::from_toml("e.toml", &passive_ko).unwrap();
    assert_eq!(p.pair_policies(), [Policy::Market, Policy::Passive]);
    let adaptive = DEFAULT_PARAMS
        .replacen("policy = \"market\"", "policy = \"adaptive\"", 1)
        .replacen(
            "adaptive_priority = \"normal\"",
            "adaptive_priority = \"patient\"",
            1,
        )
        .replacen("passive_price = \"join\"", "passive_price = \"peg_mid\"", 1);
    let p = EngineParams::from_toml("e.toml", &adaptive).unwrap();
    assert_eq!(p.pair_policies(), [Policy::Adaptive, Policy::Adaptive]);
    assert_eq!(
        p.execution.adaptive_priority,
        crate::config::AdaptivePriority::Patient
    );
    assert_eq!(
        p.execution.passive_price,
        crate::config::PassivePrice::PegMid
    );
    let combo_ko = DEFAULT_PARAMS.replacen("b = \"PEP\"", "b = \"PEP\"\nexecution = \"combo\"", 1);
    let p = EngineParams::from_toml("e.toml", &combo_ko).unwrap();
    assert_eq!(p.pair_policies(), [Policy::Market, Policy::Combo]);
    let bad = DEFAULT_PARAMS.replacen("b = \"PEP\"", "b = \"PEP\"\nexecution = \"fast\"", 1);
    assert_eq!(
        EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
        "pairs[1].execution"
    );
}

#[test]
fn the_leader_rule_needs_each_passive_pairs_leader() {
    // KO/PEP trades passive on the leader rule without a leader: refused, naming the pair.
    let leader_rule = DEFAULT_PARAMS
        .replacen("b = \"PEP\"", "b = \"PEP\"\nexecution = \"passive\"", 1)
        .replacen(
            "passive_leg = \"less_liquid\"",
            "passive_leg = \"leader\"",
            1,
        );
    let e = EngineParams::from_toml("e.toml", &leader_rule).unwrap_err();
    assert_eq!(
        (e.key.as_str(), e.file.as_str()),
        ("pairs[1].leader", "e.toml")
    );
    assert!(
        e.to_string().contains("KO/PEP") && e.to_string().contains("passive"),
        "{e}"
    );
    // SPY/IVV trades market: it needs none. With KO/PEP's leader the file loads.
    let with_leader = leader_rule.replacen("b = \"PEP\"", "b = \"PEP\"\nleader = \"a\"", 1);
    let p = EngineParams::from_toml("e.toml", &with_leader).unwrap();
    assert_eq!(p.pair_leaders(), [None, Some(0)]);
    assert_eq!(p.execution.passive_leg, PassiveLeg::Leader);
    let bad = with_leader.replacen("leader = \"a\"", "leader = \"c\"", 1);
    assert_eq!(
        EngineParams::from_toml("e.toml", &bad).unwrap_err().key,
        "pairs[1].leader"
    );
}

#[test]
fn more_baskets_than_a_step_nets_are_refused_while_netting_is_on() {
    let overlap = include_str!("../../params/basket_overlap.toml");
    let extra = "\n[[baskets]]\nsymbols = [\"AAA\", \"BBB\", \"CCC\"]\n";
    // Two baskets in the file: up to MAX_NETTED_BASKETS load, one more does not.
    let at_limit = format!("{overlap}{}", extra.repeat(MAX_NETTED_BASKETS - 2));
    EngineParams::from_toml("o.toml", &at_limit).unwrap();
    let over = format!("{overlap}{}", extra.repeat(MAX_NETTED_BASKETS - 1));
    let e = EngineParams::from_toml("o.toml", &over).unwrap_err();
    assert_eq!((e.key.as_str(), e.file.as_str()), ("baskets", "o.toml"));
    assert!(
        e.to_string().contains("strategy.basket.net_across_baskets"),
        "{e}"
    );
    // Without netting the same baskets load (each trades on its own).
    let off = over.replacen("net_across_baskets = true", "net_across_baskets = false", 1);
    assert_ne!(off, over);
    assert_eq!(
        EngineParams::from_toml("o.toml", &off)
            .unwrap()
            .baskets
            .len(),
        17
    );
}

#[test]
fn baskets_refuse_the_pair_policies_and_take_the_per_leg_ones() {
    let basket = include_str!("../../params/basket.toml");
    for policy in ["passive", "combo"] {
        let text = format!("{basket}\n[execution]\npolicy = \"{policy}\"\n");
        let e = EngineParams::from_toml("b.toml", &text).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.file.as_str()),
            ("execution.policy", "b.toml")
        );
        assert!(e.to_string().contains("pair policies"), "{e}");
    }
    for policy in ["market", "marketable_limit", "adaptive"] {
        let text = format!("{basket}\n[execution]\npolicy = \"{policy}\"\n");
        let p = EngineParams::from_toml("b.toml", &text).unwrap();
        assert_eq!(p.execution.policy.as_str(), policy);
    }
}
