//! What PLACE_ORDER carries past `parentId` that the paper gateway acts on: the combo legs of a
//! BAG contract (and its `NonGuaranteed` routing flag) and the algo (`Adaptive` and its
//! `adaptivePriority`). Layout as the official client writes it at server version 178
//! (`client.py` `placeOrder`):
//!
//! - indices 29..=34: blockOrder, sweepToFill, displaySize, triggerMethod, outsideRth, hidden;
//! - BAG only: leg count, then per leg conId, ratio, action, exchange, openClose,
//!   shortSaleSlot, designatedLocation, exemptCode; the count of orderComboLegs and one price
//!   each; the count of smartComboRoutingParams and tag/value pairs;
//! - 12 fields (sharesAllocation .. ocaType), 17 (rule80A .. volatilityType),
//!   deltaNeutralOrderType, deltaNeutralAuxPrice (+8 when the type is set), 4 (continuousUpdate
//!   .. trailingPercent), scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement (+7 when
//!   positive), 3 (scaleTable, activeStartTime, activeStopTime), hedgeType (+hedgeParam when
//!   set), 4 (optOutSmartRouting .. notHeld), the delta-neutral contract flag (+3 when set);
//! - algoStrategy, and when set the count of algoParams and tag/value pairs; then algoId ...
//!
//! A BAG frame from the golden test in `tests/codec_goldens.rs` (produced by the official
//! encoder, `scripts/golden_place_order.py`) shows the legs after `hidden`:
//! `... "0", "", "", "2", "756700", "1", "BUY", "SMART", "0", "0", "", "-1", "756717", "1",
//! "SELL", "SMART", "0", "0", "", "-1", "0", "1", "NonGuaranteed", "1", "", "0", ...`

use super::fields::{DecodeError, Fields};
use super::frame::FrameWriter;

/// The most legs a combo may have at the paper gateway (a pair needs two).
pub const MAX_COMBO_LEGS: usize = 4;

/// The most tag/value pairs kept per list (more are read and dropped).
const MAX_TAGS: usize = 16;

/// One leg of a BAG contract.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ComboLeg<'a> {
    pub con_id: i64,
    pub ratio: i32,
    /// `BUY` or `SELL`.
    pub action: &'a str,
    pub exchange: &'a str,
}

/// The combo and algo fields of a PLACE_ORDER (all empty for a plain order).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OrderExtras<'a> {
    /// The legs; only the first `leg_count` are meaningful (see [`OrderExtras::legs`]).
    pub legs: [ComboLeg<'a>; MAX_COMBO_LEGS],
    pub leg_count: usize,
    /// smartComboRoutingParams held `NonGuaranteed=1`.
    pub non_guaranteed: bool,
    /// algoStrategy (`Adaptive`), empty for none.
    pub algo_strategy: &'a str,
    /// The algoParams value of `adaptivePriority` (`Urgent`, `Normal`, `Patient`), if sent.
    pub adaptive_priority: &'a str,
}

impl<'a> OrderExtras<'a> {
    /// Extras with these combo legs (at most [`MAX_COMBO_LEGS`]; more are dropped).
    ///
    /// # Examples
    /// ```
    /// use hft::wire::{ComboLeg, OrderExtras};
    /// let buy = ComboLeg { con_id: 756700, ratio: 1, action: "BUY", exchange: "SMART" };
    /// let sell = ComboLeg { con_id: 756717, ratio: 2, action: "SELL", exchange: "SMART" };
    /// let x = OrderExtras { non_guaranteed: true, ..OrderExtras::with_legs(&[buy, sell]) };
    /// assert_eq!(x.legs(), [buy, sell]);
    /// ```
    pub fn with_legs(legs: &[ComboLeg<'a>]) -> Self {
        let mut x = OrderExtras::default();
        for leg in legs.iter().take(MAX_COMBO_LEGS) {
            x.legs[x.leg_count] = *leg;
            x.leg_count += 1;
        }
        x
    }

    /// The combo legs, in wire order.
    pub fn legs(&self) -> &[ComboLeg<'a>] {
        &self.legs[..self.leg_count.min(MAX_COMBO_LEGS)]
    }

    /// True when nothing beyond a plain order was sent.
    pub fn is_plain(&self) -> bool {
        *self == OrderExtras::default()
    }

    /// Reads the fields after `parentId` (`bag`: the contract's secType is BAG).
    ///
    /// # Errors
    /// A truncated or malformed tail, a negative count, or more than [`MAX_COMBO_LEGS`] legs.
    pub fn decode(f: &mut Fields<'a>, bag: bool) -> Result<Self, DecodeError> {
        let mut x = OrderExtras::default();
        f.skip_fields(6)?; // blockOrder .. hidden
        if bag {
            let count_index = f.index();
            let legs = count(f)?;
            if legs > MAX_COMBO_LEGS {
                return Err(DecodeError::BadValue { index: count_index });
            }
            for _ in 0..legs {
                let leg = ComboLeg {
                    con_id: f.i64_or(0)?,
                    ratio: f.i32_or(0)?,
                    action: f.str()?,
                    exchange: f.str()?,
                };
                f.skip_fields(4)?; // openClose, shortSaleSlot, designatedLocation, exemptCode
                x.legs[x.leg_count] = leg;
                x.leg_count += 1;
            }
            let prices = count(f)?;
            f.skip_fields(prices)?;
            for _ in 0..count(f)?.min(1 << 12) {
                let (tag, value) = (f.str()?, f.str()?);
                if tag == "NonGuaranteed" {
                    x.non_guaranteed = value == "1";
                }
            }
        }
        f.skip_fields(12 + 17)?; // sharesAllocation .. ocaType, rule80A .. volatilityType
        let delta_neutral_type = f.str()?;
        f.skip_fields(1)?;
        if !delta_neutral_type.is_empty() {
            f.skip_fields(8)?;
        }
        f.skip_fields(4 + 2)?; // continuousUpdate .. trailingPercent, scale sizes
        let increment = f.f64_or(0.0)?;
        if increment > 0.0 && increment != f64::MAX {
            f.skip_fields(7)?;
        }
        f.skip_fields(3)?; // scaleTable, activeStartTime, activeStopTime
        if !f.str()?.is_empty() {
            f.skip_fields(1)?; // hedgeParam
        }
        f.skip_fields(4)?; // optOutSmartRouting, clearingAccount, clearingIntent, notHeld
        if f.bool()? {
            f.skip_fields(3)?; // delta-neutral contract
        }
        x.algo_strategy = f.str()?;
        if !x.algo_strategy.is_empty() {
            for _ in 0..count(f)?.min(MAX_TAGS << 8) {
                let (tag, value) = (f.str()?, f.str()?);
                if tag == "adaptivePriority" {
                    x.adaptive_priority = value;
                }
            }
        }
        Ok(x)
    }

    /// Writes the combo part that follows `hidden` for a BAG contract: legs (with IB's retail
    /// defaults openClose 0, shortSaleSlot 0, designatedLocation empty, exemptCode -1), no
    /// per-leg prices, and `NonGuaranteed=1` when set.
    pub fn encode_combo(&self, w: &mut FrameWriter<'_>) {
        w.i32(self.leg_count as i32);
        for leg in self.legs() {
            w.i64(leg.con_id)
                .i32(leg.ratio)
                .str(leg.action)
                .str(leg.exchange);
            w.i32(0).i32(0).str("").i32(-1);
        }
        w.i32(0);
        if self.non_guaranteed {
            w.i32(1).str("NonGuaranteed").str("1");
        } else {
            w.i32(0);
        }
    }

    /// Writes algoStrategy and, when set, its parameters.
    pub fn encode_algo(&self, w: &mut FrameWriter<'_>) {
        w.str(self.algo_strategy);
        if self.algo_strategy.is_empty() {
            return;
        }
        if self.adaptive_priority.is_empty() {
            w.i32(0);
        } else {
            w.i32(1).str("adaptivePriority").str(self.adaptive_priority);
        }
    }
}

/// A non-negative count field.
fn count(f: &mut Fields<'_>) -> Result<usize, DecodeError> {
    let index = f.index();
    let n = f.i32_or(0)?;
    usize::try_from(n).map_err(|_| DecodeError::BadValue { index })
}
