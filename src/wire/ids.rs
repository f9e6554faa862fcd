//! Message ids and tick types of the TWS API.
//!
//! The protocol numbers inbound (server to client) and outbound (client to server) messages
//! separately, so the same number means different things in each direction.

/// Server-to-client message ids.
pub mod incoming {
    pub const TICK_PRICE: i32 = 1;
    pub const TICK_SIZE: i32 = 2;
    pub const ORDER_STATUS: i32 = 3;
    pub const ERR_MSG: i32 = 4;
    pub const OPEN_ORDER: i32 = 5;
    pub const ACCT_VALUE: i32 = 6;
    pub const PORTFOLIO_VALUE: i32 = 7;
    pub const ACCT_UPDATE_TIME: i32 = 8;
    pub const NEXT_VALID_ID: i32 = 9;
    pub const CONTRACT_DATA: i32 = 10;
    pub const EXECUTION_DATA: i32 = 11;
    pub const MANAGED_ACCTS: i32 = 15;
    pub const HISTORICAL_DATA: i32 = 17;
    pub const CURRENT_TIME: i32 = 49;
    pub const CONTRACT_DATA_END: i32 = 52;
    pub const OPEN_ORDER_END: i32 = 53;
    pub const ACCT_DOWNLOAD_END: i32 = 54;
    pub const EXECUTION_DATA_END: i32 = 55;
    pub const TICK_SNAPSHOT_END: i32 = 57;
    pub const MARKET_DATA_TYPE: i32 = 58;
    pub const COMMISSION_REPORT: i32 = 59;
    pub const POSITION_DATA: i32 = 61;
    pub const POSITION_END: i32 = 62;
    pub const ACCOUNT_SUMMARY: i32 = 63;
    pub const ACCOUNT_SUMMARY_END: i32 = 64;
    pub const ACCOUNT_UPDATE_MULTI: i32 = 73;
    pub const ACCOUNT_UPDATE_MULTI_END: i32 = 74;
    pub const TICK_REQ_PARAMS: i32 = 81;
    pub const PNL: i32 = 94;
    pub const PNL_SINGLE: i32 = 95;
    pub const HISTORICAL_TICKS: i32 = 96;
    pub const HISTORICAL_TICKS_BID_ASK: i32 = 97;
    pub const HISTORICAL_TICKS_LAST: i32 = 98;
    pub const TICK_BY_TICK: i32 = 99;
    pub const COMPLETED_ORDER: i32 = 101;
    pub const COMPLETED_ORDERS_END: i32 = 102;
    pub const HISTORICAL_DATA_END: i32 = 108;
}

/// Client-to-server message ids.
pub mod outgoing {
    pub const REQ_MKT_DATA: i32 = 1;
    pub const CANCEL_MKT_DATA: i32 = 2;
    pub const PLACE_ORDER: i32 = 3;
    pub const CANCEL_ORDER: i32 = 4;
    pub const REQ_OPEN_ORDERS: i32 = 5;
    pub const REQ_ACCOUNT_DATA: i32 = 6;
    pub const REQ_EXECUTIONS: i32 = 7;
    pub const REQ_IDS: i32 = 8;
    pub const REQ_CONTRACT_DATA: i32 = 9;
    pub const REQ_AUTO_OPEN_ORDERS: i32 = 15;
    pub const REQ_ALL_OPEN_ORDERS: i32 = 16;
    pub const REQ_MANAGED_ACCTS: i32 = 17;
    pub const REQ_HISTORICAL_DATA: i32 = 20;
    pub const CANCEL_HISTORICAL_DATA: i32 = 25;
    pub const REQ_CURRENT_TIME: i32 = 49;
    pub const REQ_GLOBAL_CANCEL: i32 = 58;
    pub const REQ_MARKET_DATA_TYPE: i32 = 59;
    pub const REQ_POSITIONS: i32 = 61;
    pub const REQ_ACCOUNT_SUMMARY: i32 = 62;
    pub const CANCEL_ACCOUNT_SUMMARY: i32 = 63;
    pub const CANCEL_POSITIONS: i32 = 64;
    pub const START_API: i32 = 71;
    pub const REQ_ACCOUNT_UPDATES_MULTI: i32 = 76;
    pub const CANCEL_ACCOUNT_UPDATES_MULTI: i32 = 77;
    pub const REQ_PNL: i32 = 92;
    pub const CANCEL_PNL: i32 = 93;
    pub const REQ_PNL_SINGLE: i32 = 94;
    pub const CANCEL_PNL_SINGLE: i32 = 95;
    pub const REQ_TICK_BY_TICK_DATA: i32 = 97;
    pub const CANCEL_TICK_BY_TICK_DATA: i32 = 98;
    pub const REQ_COMPLETED_ORDERS: i32 = 99;
    pub const REQ_HISTORICAL_TICKS: i32 = 96;
    pub const CANCEL_CONTRACT_DATA: i32 = 106;
    /// Sent by the `ibapi` crate when an unfinished historical-ticks request is dropped.
    pub const CANCEL_HISTORICAL_TICKS: i32 = 107;
}

/// Tick types carried by TICK_PRICE and TICK_SIZE.
pub mod tick_type {
    pub const BID_SIZE: i32 = 0;
    pub const BID: i32 = 1;
    pub const ASK: i32 = 2;
    pub const ASK_SIZE: i32 = 3;
    pub const LAST: i32 = 4;
    pub const LAST_SIZE: i32 = 5;
    pub const VOLUME: i32 = 8;
}

/// Tick-by-tick kinds (request strings and the numeric type on the wire).
pub mod tick_by_tick {
    pub const LAST: i32 = 1;
    pub const ALL_LAST: i32 = 2;
    pub const BID_ASK: i32 = 3;
    pub const MID_POINT: i32 = 4;
}

/// Error and notice codes the engine and the paper gateway use.
pub mod codes {
    pub const MAX_RATE_EXCEEDED: i32 = 100;
    pub const MAX_TICKERS_REACHED: i32 = 101;
    pub const DUPLICATE_ORDER_ID: i32 = 103;
    pub const HISTORICAL_PACING: i32 = 162;
    pub const NO_SECURITY_DEFINITION: i32 = 200;
    pub const ORDER_REJECTED: i32 = 201;
    pub const ORDER_CANCELLED: i32 = 202;
    pub const ERROR_READING_REQUEST: i32 = 320;
    pub const ERROR_VALIDATING_REQUEST: i32 = 321;
    pub const CLIENT_ID_IN_USE: i32 = 326;
    pub const NO_MARKET_DATA_PERMISSION: i32 = 354;
    pub const UNKNOWN_ID: i32 = 505;
    pub const ORDER_NOT_FOUND: i32 = 10147;
    pub const CONNECTIVITY_LOST: i32 = 1100;
    pub const RESTORED_DATA_LOST: i32 = 1101;
    pub const RESTORED_DATA_KEPT: i32 = 1102;
    pub const MARKET_FARM_BROKEN: i32 = 2103;
    pub const MARKET_FARM_OK: i32 = 2104;
    pub const HISTORICAL_FARM_BROKEN: i32 = 2105;
    pub const HISTORICAL_FARM_OK: i32 = 2106;
    pub const SEC_DEF_FARM_OK: i32 = 2158;
}
