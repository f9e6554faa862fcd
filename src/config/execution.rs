//! `[execution]`: how a pair's legs are worked at the market. The default is `market` for
//! every pair; a `[[pairs]]` entry may name its own `execution` policy.

use super::{ParamsError, check};
use serde::{Deserialize, Serialize};

/// How the orders of a pair's trades are priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Market orders on both legs (pays the spread on both).
    #[default]
    Market,
    /// LMT IOC at the touch plus a collar of `collar_ticks`; the unfilled rest is re-priced
    /// at the new touch (`rest = "reprice"`, `reprices` times) or crossed with a market order.
    MarketableLimit,
    /// One leg (chosen by `passive_leg`) rests as a limit at the touch (or the mid); the other
    /// leg is hedged with a market order the moment the passive leg fills, pro rata. The resting
    /// order is re-priced when the market moves `reprice_ticks` away from it, and given up
    /// after `give_up_ms` (what it lacks then crosses).
    Passive,
    /// IB's Adaptive algo (`adaptive_priority`) as a market order on both legs; a leg the algo
    /// has not filled by `risk.leg_timeout_ms` is cancelled and re-sent at market.
    Adaptive,
    /// One BAG (combo) order for both legs, NonGuaranteed=1, at a net price (`combo_price`)
    /// or at market; given up after `give_up_ms` (what each leg lacks then crosses).
    Combo,
}

impl Policy {
    /// The name used in params files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Market => "market",
            Policy::MarketableLimit => "marketable_limit",
            Policy::Passive => "passive",
            Policy::Adaptive => "adaptive",
            Policy::Combo => "combo",
        }
    }

    /// Every policy, in the order reports list them.
    pub const ALL: [Policy; 5] = [
        Policy::Market,
        Policy::MarketableLimit,
        Policy::Passive,
        Policy::Adaptive,
        Policy::Combo,
    ];
}

/// IB's `adaptivePriority` of the Adaptive algo (how the paper gateway works it: see
/// `exchange::Peg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AdaptivePriority {
    /// Marketable at once (the far touch).
    Urgent,
    /// The midpoint, then the far touch after 5 s.
    #[default]
    Normal,
    /// The near touch, then the far touch after 30 s.
    Patient,
}

impl AdaptivePriority {
    /// The algoParams value IB reads (`Urgent`, `Normal`, `Patient`).
    pub fn as_ib(self) -> &'static str {
        match self {
            AdaptivePriority::Urgent => "Urgent",
            AdaptivePriority::Normal => "Normal",
            AdaptivePriority::Patient => "Patient",
        }
    }

    /// The priority of IB's algoParams value, if it is one.
    pub fn from_ib(value: &str) -> Option<Self> {
        match value {
            "Urgent" => Some(AdaptivePriority::Urgent),
            "Normal" => Some(AdaptivePriority::Normal),
            "Patient" => Some(AdaptivePriority::Patient),
            _ => None,
        }
    }
}

/// What a marketable limit's unfilled rest does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RestRule {
    /// Another LMT IOC at the new touch plus the collar, `reprices` times, then market.
    #[default]
    Reprice,
    /// A market order at once.
    Cross,
}

/// Which leg of a pair rests in the `passive` policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PassiveLeg {
    /// The leg with less quoted size on the side the order would join (its queue is shorter
    /// and its fill is the scarce event; the deep leg is the cheap one to cross).
    #[default]
    LessLiquid,
    /// The leg whose quoted spread is wider in ticks (crossing it costs more).
    WiderSpread,
    /// Always leg A.
    A,
    /// Always leg B.
    B,
    /// The pair's `leader` (`[[pairs]]`, written by `hft bootstrap`): the leg that does not
    /// answer the spread, so the order resting in it is not chased by the reversion that the
    /// entry bets on. A passive pair without a `leader` is refused at start-up.
    Leader,
}

/// Where the passive leg rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PassivePrice {
    /// The touch on its own side (the bid for a buy).
    #[default]
    Join,
    /// The mid, rounded to the tick towards its own side (a one-tick spread joins).
    Mid,
    /// IB's MIDPRICE order type capped at the far touch when written (a buy never pays more
    /// than the ask it saw); the venue works it (a midpoint match when the spread allows one,
    /// else at the near touch).
    #[serde(rename = "midprice")]
    MidPrice,
    /// IB's PEG MID (offset 0) capped at the far touch when written: pegged to the midpoint by
    /// the venue, re-pegged on every quote.
    PegMid,
}

/// How a `combo` order is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ComboPrice {
    /// LMT at the net of the legs' mids (per combo unit, rounded down: a buyer pays at most
    /// the mid) plus `combo_offset_ticks`.
    #[default]
    Mid,
    /// LMT at the net of the legs' far touches (what crossing both costs now) plus
    /// `combo_offset_ticks`.
    Cross,
    /// MKT: the legs fill at their touches.
    Market,
}

/// `[execution]`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExecutionParams {
    /// The policy of every pair that does not name its own.
    pub policy: Policy,
    /// `marketable_limit`: ticks beyond the touch a limit may pay.
    pub collar_ticks: u32,
    /// `marketable_limit`: what the unfilled rest of an IOC does.
    pub rest: RestRule,
    /// `marketable_limit`: re-priced attempts at a leg before it crosses.
    pub reprices: u8,
    /// `passive`: which leg rests.
    pub passive_leg: PassiveLeg,
    /// `passive`: where it rests.
    pub passive_price: PassivePrice,
    /// `passive`: the resting order is re-priced once the touch on its side moved this many
    /// ticks away from its price.
    pub reprice_ticks: u32,
    /// `passive`: after this many milliseconds the resting order is cancelled and what the
    /// leg lacks crosses (market), hedged as it fills.
    pub give_up_ms: u64,
    /// `adaptive`: the algo's priority (`urgent`, `normal`, `patient`).
    pub adaptive_priority: AdaptivePriority,
    /// `combo`: where the net limit goes.
    pub combo_price: ComboPrice,
    /// `combo`: cents a share of the larger leg (times its ratio per combo unit) added to the
    /// net limit (towards paying more: a higher chance to fill); may be negative (more
    /// patient).
    pub combo_offset_ticks: i32,
}

impl Default for ExecutionParams {
    fn default() -> Self {
        ExecutionParams {
            policy: Policy::Market,
            collar_ticks: 2,
            rest: RestRule::Reprice,
            reprices: 2,
            passive_leg: PassiveLeg::LessLiquid,
            passive_price: PassivePrice::Join,
            reprice_ticks: 2,
            give_up_ms: 3_000,
            adaptive_priority: AdaptivePriority::Normal,
            combo_price: ComboPrice::Mid,
            combo_offset_ticks: 0,
        }
    }
}

impl ExecutionParams {
    /// Checks of the section; `prefix` is its key path.
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.collar_ticks <= 1_000,
            file,
            &key("collar_ticks"),
            "must be at most 1000",
        )?;
        check(
            (1..=1_000).contains(&self.reprice_ticks),
            file,
            &key("reprice_ticks"),
            "must be in 1..=1000",
        )?;
        check(
            (1..=3_600_000).contains(&self.give_up_ms),
            file,
            &key("give_up_ms"),
            "must be in 1..=3600000",
        )?;
        check(
            (-1_000..=1_000).contains(&self.combo_offset_ticks),
            file,
            &key("combo_offset_ticks"),
            "must be in -1000..=1000",
        )?;
        check(
            self.reprices <= 20,
            file,
            &key("reprices"),
            "must be at most 20",
        )
    }
}
