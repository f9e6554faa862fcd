//! What dispatch counts, and why the kill switch tripped.

/// Why the kill switch tripped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KillReason {
    #[default]
    None,
    /// Realized loss past `risk.max_daily_loss`.
    LossLimit,
    /// `hft kill RUN_DIR` (or the engine's kill request).
    Command,
    /// An execution id the execution table could not remember (it was full): a replay of it
    /// could no longer be told from a new fill, so the engine stops trading.
    ExecTableFull,
}

/// Dispatch counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DispatchCounters {
    pub intents: u64,
    pub orders_sent: u64,
    /// Entries refused by a pre-trade limit (order size, position, gross notional, open
    /// orders, ticket table).
    pub rejected_by_risk: u64,
    pub rejected_order_qty: u64,
    pub rejected_position: u64,
    pub rejected_notional: u64,
    pub rejected_open_orders: u64,
    /// Entries refused because the execution table holds the executions it was sized for
    /// (`max(risk.max_orders, engine.fills_capacity)`); closes and flattens still trade.
    pub rejected_exec_table: u64,
    /// Executions the full table could not remember (booked, but a replay of one would be
    /// booked again): the first trips the kill switch.
    pub exec_table_overflow: u64,
    /// Entries refused while the session was down or reconciling.
    pub entries_while_down: u64,
    /// Entries refused because a leg's feed was stale (staleness watchdog).
    pub entries_stale: u64,
    /// Entries refused because the pair still held a position or had a trade working.
    pub entries_not_flat: u64,
    /// Closes held until the pair's trade in flight ended or the session came back.
    pub closes_deferred: u64,
    /// Closes for a pair that held nothing (its entry never traded).
    pub closes_flat: u64,
    /// Closes that waited for the pair's entries still working to be cancelled.
    pub closes_after_cancel: u64,
    /// Entry orders still waiting for the rate limiter when a close or the kill took over:
    /// they never went out.
    pub entries_dropped: u64,
    pub delayed_by_rate_limit: u64,
    pub dropped_rate_limit_full: u64,
    /// Control requests (reconciliation, subscriptions) dropped because their queue was full.
    pub dropped_control_full: u64,
    pub fills: u64,
    pub duplicate_fills: u64,
    /// Fills first seen in a reconciliation (missed while disconnected or before a crash).
    pub recovered_fills: u64,
    /// Fills restored from the journal of `--resume`.
    pub journal_fills: u64,
    pub unknown_order_fills: u64,
    /// Fills whose instrument or quantity do not match the order sent (or of no shares).
    pub inconsistent_fills: u64,
    pub commission_reports: u64,
    /// Commission reports for an execution whose commission was already booked (replays after
    /// a reconnection): counted here, not booked again.
    pub duplicate_commissions: u64,
    /// Executions whose commission report had not come when dispatch stopped (the run waits for
    /// them up to its drain deadline).
    pub commissions_missing: u64,
    pub order_errors: u64,
    pub notices: u64,
    pub orders_filled: u64,
    pub orders_cancelled: u64,
    pub cancels_sent: u64,
    /// Orders the gateway no longer knew after a reconnection (ended as cancelled).
    pub orders_lost: u64,
    /// Working orders found at the gateway that no ticket of this run owns, cancelled.
    pub orphan_cancels: u64,
    pub write_errors: u64,
    /// Orders refused because their slot in the order table still held a working order (the
    /// table is sized at start-up and never overwrites a live order).
    pub orders_refused_table_full: u64,
    /// Pair trades where one leg failed (rejected, cancelled or timed out) or filled alone.
    pub legged: u64,
    /// Missing legs re-sent to complete the hedge.
    pub leg_resends: u64,
    /// Cancels of leg orders that did not fill within `risk.leg_timeout_ms` (what they lack
    /// is re-sent once they have ended).
    pub leg_timeout_cancels: u64,
    /// Filled legs unwound after the retries ran out (the pair then stops trading).
    pub leg_unwinds: u64,
    /// Netting across baskets in one decision step: internal crosses (one per basket and name
    /// per step), and orders saved (the baskets' trades of the step less the orders sent).
    pub internal_crosses: u64,
    pub net_orders_saved: u64,
    /// `passive`: hedge orders sent as the resting leg filled, resting orders re-priced, and
    /// resting phases given up (what the legs lacked crossed).
    pub passive_hedges: u64,
    pub passive_reprices: u64,
    pub passive_give_ups: u64,
    /// Limit orders written at market because their instrument had no quote yet.
    pub limits_unpriced: u64,
    /// Legs left unhedged because even the unwind failed (also logged).
    pub naked_legs: u64,
    /// Intents dropped because their pair stopped trading after an unwind, or after the kill
    /// switch.
    pub intents_blocked: u64,
    /// Times the kill switch tripped (0 or 1).
    pub kill_switch: u64,
    /// Market orders sent to flatten (kill switch, end of run, start-up).
    pub flatten_orders: u64,
    /// Sessions lost (socket) and re-established.
    pub disconnects: u64,
    pub reconnects: u64,
    /// 1100: the gateway lost IB (the socket stays up).
    pub link_losses: u64,
    /// Reconciliations completed (start-up, after each reconnection or 1101/1102).
    pub reconciliations: u64,
    /// Instruments whose position differed from the gateway's at a reconciliation (the
    /// gateway's is adopted).
    pub position_mismatches: u64,
    /// Times an instrument's feed went stale.
    pub stale_episodes: u64,
    /// Messages that had to wait for the journal's queue.
    pub journal_full_waits: u64,
    /// Intent outcomes not delivered to the signal stage (its queue was full).
    pub outcomes_dropped: u64,
    /// `combo`: BAG orders rejected (logged; never re-sent under another policy), BAG-level
    /// executions seen (counted, never booked as positions), combos re-priced, combos given
    /// up (what the legs lacked crossed), and combos that ended legged (one leg ahead).
    pub combo_rejects: u64,
    pub combo_executions: u64,
    pub combo_reprices: u64,
    pub combo_give_ups: u64,
    pub combo_legged: u64,
}

/// The dispatcher's end state.
pub struct DispatchOutcome {
    pub counters: DispatchCounters,
    pub positions: Vec<super::PositionState>,
    /// Per pair: both legs as its own orders traded them.
    pub pair_books: Vec<super::PairBook>,
    /// Per basket: every name as its own orders traded it.
    pub basket_books: Vec<super::LegBook>,
    /// Per basket: what netting across baskets crossed internally (in basket order).
    pub basket_crosses: Vec<super::CrossStats>,
    /// Commissions whose execution was not seen (e.g. from before start-up).
    pub unattributed_commissions: f64,
    /// The session was down when dispatch stopped.
    pub disconnected: bool,
    pub kill_reason: KillReason,
    /// Executions in arrival order, with their commissions.
    pub fills: crate::record::FixedLog<crate::record::FillRecord>,
}
