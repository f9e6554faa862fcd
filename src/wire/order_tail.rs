//! The fields of PLACE_ORDER after `parentId` (indices 29..=113 at server version 178 for a plain
//! stock order): no delta-neutral, scale, hedge or conditions; combo legs for a BAG contract and
//! an algo when [`OrderExtras`] has them. TWS reads them by position, so the engine writes every
//! one; the gateway reads the combo and algo parts ([`OrderExtras::decode`]).

use super::frame::FrameWriter;
use super::order_extras::OrderExtras;

/// Unset double as the official client writes it.
const UNSET_DOUBLE: &str = "1.7976931348623157e+308";

/// Writes indices 29..=113 (and the combo legs after `hidden` when `bag`).
pub fn encode_place_order_tail(w: &mut FrameWriter<'_>, extras: &OrderExtras<'_>, bag: bool) {
    // 29..=34: blockOrder, sweepToFill, displaySize, triggerMethod, outsideRth, hidden.
    w.bool(false)
        .bool(false)
        .i32(0)
        .i32(0)
        .bool(false)
        .bool(false);
    if bag {
        extras.encode_combo(w);
    }
    // 35..=42: sharesAllocation, discretionaryAmt, goodAfterTime, goodTillDate, faGroup,
    // faMethod, faPercentage, modelCode.
    w.str("")
        .i32(0)
        .str("")
        .str("")
        .str("")
        .str("")
        .str("")
        .str("");
    // 43..=48: shortSaleSlot, designatedLocation, exemptCode, ocaType, rule80A, settlingFirm.
    w.i32(0).str("").i32(-1).i32(0).str("").str("");
    // 49..=55: allOrNone, minQty, percentOffset, eTradeOnly, firmQuoteOnly, nbboPriceCap,
    // auctionStrategy.
    w.bool(false)
        .str("")
        .str("")
        .bool(false)
        .bool(false)
        .str("")
        .i32(0);
    // 56..=61: startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper,
    // overridePercentageConstraints.
    w.str("").str("").str("").str("").str("").bool(false);
    // 62..=69: volatility, volatilityType, deltaNeutralOrderType, deltaNeutralAuxPrice,
    // continuousUpdate, referencePriceType, trailStopPrice, trailingPercent.
    w.str("")
        .str("")
        .str("")
        .str("")
        .bool(false)
        .str("")
        .str("")
        .str("");
    // 70..=76: scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement, scaleTable,
    // activeStartTime, activeStopTime, hedgeType.
    w.str("").str("").str("").str("").str("").str("").str("");
    // 77..=83: optOutSmartRouting, clearingAccount, clearingIntent, notHeld,
    // deltaNeutralContract flag, algoStrategy, algoId.
    w.bool(false).str("").str("").bool(false).bool(false);
    extras.encode_algo(w);
    w.str("");
    // 84..=89: whatIf, orderMiscOptions, solicited, randomizeSize, randomizePrice,
    // conditionsCount.
    w.bool(false)
        .str("")
        .bool(false)
        .bool(false)
        .bool(false)
        .i32(0);
    // 90..=96: adjustedOrderType, triggerPrice, lmtPriceOffset, adjustedStopPrice,
    // adjustedStopLimitPrice, adjustedTrailingAmount, adjustableTrailingUnit.
    w.str("")
        .str(UNSET_DOUBLE)
        .str(UNSET_DOUBLE)
        .str(UNSET_DOUBLE)
        .str(UNSET_DOUBLE)
        .str(UNSET_DOUBLE)
        .i32(0);
    // 97..=100: extOperator, softDollarTier name and value, cashQty.
    w.str("").str("").str("").str(UNSET_DOUBLE);
    // 101..=104: MiFID II decision maker / algo, execution trader / algo.
    w.str("").str("").str("").str("");
    // 105..=113: dontUseAutoPriceForHedge, isOmsContainer, discretionaryUpToLimitPrice,
    // usePriceMgmtAlgo, duration, postToAts, autoCancelParent, advancedErrorOverride,
    // manualOrderTime.
    w.bool(false)
        .bool(false)
        .bool(false)
        .str("")
        .i32(i32::MAX)
        .i32(i32::MAX)
        .bool(false)
        .str("")
        .str("");
}
