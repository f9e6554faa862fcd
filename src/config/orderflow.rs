//! `[orderflow]` of `params/sim.toml`: the message orderings real TWS produces (PROTOCOL.md,
//! "Message orderings real TWS produces"), produced by the paper gateway on request. Every
//! behaviour is drawn from one generator seeded by `seed`, so the same seed and the same client
//! requests give the same messages. Everything is off by default.

use super::{ParamsError, check};
use serde::Deserialize;

/// A moment of an order's life at which the gateway may drop the client's connection.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrderMoment {
    /// Right after the order's OPEN_ORDER and first status (before it tries to fill).
    Acknowledged,
    /// Right after the reports of an execution that leaves part of the order working (the rest
    /// fills while the client is away).
    PartialFill,
    /// Right after the PendingCancel status of a cancel that takes effect later.
    PendingCancel,
    /// Right after the execution that completes the order (its commission may not have left).
    Filled,
}

/// Reject codes the gateway may answer: on a placement (103 duplicate id, 110 price
/// increment, 200 no security definition, 203 security not allowed) or on a cancel (10147,
/// the order is ended without a status).
pub const ORDERFLOW_REJECT_CODES: [i32; 5] = [103, 110, 200, 203, 10147];

/// What the gateway does to its order messages. Ranges are `[min, max]` in milliseconds.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct OrderflowParams {
    /// Seed of the orderflow generator.
    pub seed: u64,
    /// Probability that an execution's ORDER_STATUS (and OPEN_ORDER) goes before its
    /// EXECUTION_DATA instead of after it.
    pub status_first_probability: f64,
    /// Each COMMISSION_REPORT is held back by a delay drawn from this range (`[0, 0]`: sent
    /// with its execution).
    pub commission_delay_ms: [u64; 2],
    /// Probability that a COMMISSION_REPORT is sent a second time (with its own delay).
    pub commission_repeat_probability: f64,
    /// A cancel answers PendingCancel and takes effect after a delay from this range; the order
    /// can still fill meanwhile (`[0, 0]`: cancels take effect at once).
    pub pending_cancel_ms: [u64; 2],
    /// Answers to REQ_EXECUTIONS, REQ_OPEN_ORDERS and REQ_POSITIONS are spread over a delay from
    /// this range, message by message, so answers requested together interleave (each keeps
    /// its own order) and live messages come between them (`[0, 0]`: answered at once).
    pub answer_delay_ms: [u64; 2],
    /// Probability that a fill's position change is published late: POSITION updates and
    /// REQ_POSITIONS answers do not include it for a delay from `position_lag_ms`.
    pub position_lag_probability: f64,
    /// The lag of a lagging position.
    pub position_lag_ms: [u64; 2],
    /// Moments of an order's life at which the client's connection may be dropped.
    pub disconnect_at: Vec<OrderMoment>,
    /// Probability of a drop at each such moment ...
    pub disconnect_probability: f64,
    /// ... at most this many times in the gateway's life.
    pub max_disconnects: u32,
    /// Probability that an order (or a cancel, for 10147) is rejected with one of
    /// `reject_codes`, without a final ORDER_STATUS.
    pub reject_probability: f64,
    /// The codes drawn from (a subset of 103, 110, 200, 203, 10147).
    pub reject_codes: Vec<i32>,
    /// REQ_EXECUTIONS answers include each combo's BAG-level executions (secType BAG), beside
    /// its legs', as real TWS's replay can (a client must never book them).
    pub bag_executions_in_replay: bool,
}

impl OrderflowParams {
    /// Range checks; `prefix` is the section's key path (`orderflow`).
    ///
    /// # Errors
    /// The first invalid key, named with `file`.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        let probability = |p: f64| (0.0..=1.0).contains(&p);
        for (name, p) in [
            ("status_first_probability", self.status_first_probability),
            (
                "commission_repeat_probability",
                self.commission_repeat_probability,
            ),
            ("position_lag_probability", self.position_lag_probability),
            ("disconnect_probability", self.disconnect_probability),
            ("reject_probability", self.reject_probability),
        ] {
            check(probability(p), file, &key(name), "must be in [0, 1]")?;
        }
        for (name, [lo, hi]) in [
            ("commission_delay_ms", self.commission_delay_ms),
            ("pending_cancel_ms", self.pending_cancel_ms),
            ("answer_delay_ms", self.answer_delay_ms),
            ("position_lag_ms", self.position_lag_ms),
        ] {
            check(
                lo <= hi && hi <= 60_000,
                file,
                &key(name),
                "must be [min, max] with min <= max <= 60000",
            )?;
        }
        check(
            self.reject_codes
                .iter()
                .all(|c| ORDERFLOW_REJECT_CODES.contains(c)),
            file,
            &key("reject_codes"),
            "codes must be among 103, 110, 200, 203, 10147",
        )?;
        check(
            self.reject_probability == 0.0 || !self.reject_codes.is_empty(),
            file,
            &key("reject_codes"),
            "needs at least one code when reject_probability > 0",
        )?;
        check(
            self.disconnect_probability == 0.0 || !self.disconnect_at.is_empty(),
            file,
            &key("disconnect_at"),
            "needs at least one moment when disconnect_probability > 0",
        )
    }

    /// True when any behaviour is switched on.
    pub fn any(&self) -> bool {
        let off = OrderflowParams {
            seed: self.seed,
            ..OrderflowParams::default()
        };
        *self != off
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_SIM_PARAMS, SimParams};

    #[test]
    fn shipped_section_is_off_and_every_key_is_checked() {
        let p = SimParams::embedded();
        assert!(!p.orderflow.any(), "off by default");
        for (from, to, key, message) in [
            (
                "status_first_probability = 0.0",
                "status_first_probability = 1.5",
                "orderflow.status_first_probability",
                "must be in [0, 1]",
            ),
            (
                "commission_repeat_probability = 0.0",
                "commission_repeat_probability = -0.1",
                "orderflow.commission_repeat_probability",
                "must be in [0, 1]",
            ),
            (
                "commission_delay_ms = [0, 0]",
                "commission_delay_ms = [50, 10]",
                "orderflow.commission_delay_ms",
                "must be [min, max] with min <= max <= 60000",
            ),
            (
                "pending_cancel_ms = [0, 0]",
                "pending_cancel_ms = [0, 70000]",
                "orderflow.pending_cancel_ms",
                "must be [min, max] with min <= max <= 60000",
            ),
            (
                "answer_delay_ms = [0, 0]",
                "answer_delay_ms = [9, 1]",
                "orderflow.answer_delay_ms",
                "must be [min, max] with min <= max <= 60000",
            ),
            (
                "position_lag_probability = 0.0",
                "position_lag_probability = 2.0",
                "orderflow.position_lag_probability",
                "must be in [0, 1]",
            ),
            (
                "position_lag_ms = [0, 0]",
                "position_lag_ms = [5, 4]",
                "orderflow.position_lag_ms",
                "must be [min, max] with min <= max <= 60000",
            ),
            (
                "disconnect_probability = 0.0",
                "disconnect_probability = 0.5",
                "orderflow.disconnect_at",
                "needs at least one moment when disconnect_probability > 0",
            ),
            (
                "reject_probability = 0.0",
                "reject_probability = 1.1",
                "orderflow.reject_probability",
                "must be in [0, 1]",
            ),
            (
                "reject_codes = []",
                "reject_codes = [201]",
                "orderflow.reject_codes",
                "codes must be among 103, 110, 200, 203, 10147",
            ),
            (
                "reject_probability = 0.0",
                "reject_probability = 0.2",
                "orderflow.reject_codes",
                "needs at least one code when reject_probability > 0",
            ),
        ] {
            let bad = DEFAULT_SIM_PARAMS.replacen(from, to, 1);
            assert_ne!(bad, DEFAULT_SIM_PARAMS, "{from}");
            let e = SimParams::from_toml("s.toml", &bad).unwrap_err();
            assert_eq!(
                (e.file.as_str(), e.key.as_str(), e.message.as_str()),
                ("s.toml", key, message),
                "{from}"
            );
        }
        // An unknown moment or key is named too.
        let bad =
            DEFAULT_SIM_PARAMS.replacen("disconnect_at = []", "disconnect_at = [\"late\"]", 1);
        let e = SimParams::from_toml("s.toml", &bad).unwrap_err();
        assert!(e.key.starts_with("orderflow.disconnect_at"), "{e}");
        let bad = DEFAULT_SIM_PARAMS.replacen("seed = 1 ", "sead = 1 ", 1);
        assert_ne!(bad, DEFAULT_SIM_PARAMS);
        let e = SimParams::from_toml("s.toml", &bad).unwrap_err();
        assert_eq!(e.key, "orderflow.sead");
    }

    #[test]
    fn every_behaviour_switches_it_on() {
        let on = OrderflowParams {
            disconnect_at: vec![OrderMoment::PartialFill],
            disconnect_probability: 0.5,
            max_disconnects: 2,
            ..Default::default()
        };
        assert!(on.any());
        on.validate("s.toml", "orderflow").unwrap();
        let seed_only = OrderflowParams {
            seed: 9,
            ..Default::default()
        };
        assert!(!seed_only.any());
    }
}
