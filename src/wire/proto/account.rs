//! Account data in protobuf: the requests (account updates, updates by model, summary, PnL) and
//! the server's answers, with the tags of IB's schema (as the `ibapi` crate 5.5 and the official
//! client 10.50 encode and decode them). Cancels carry only a request id ([`super::ReqIdOnly`]).

use prost::Message;

use super::shared::Contract;

#[derive(Clone, PartialEq, Message)]
pub struct AccountDataRequest {
    #[prost(bool, optional, tag = "1")]
    pub subscribe: Option<bool>,
    #[prost(string, optional, tag = "2")]
    pub acct_code: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct AccountUpdatesMultiRequest {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub account: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub model_code: Option<String>,
    #[prost(bool, optional, tag = "4")]
    pub ledger_and_nlv: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct AccountSummaryRequest {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub group: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub tags: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct PnLRequest {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub account: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub model_code: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct PnLSingleRequest {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub account: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub model_code: Option<String>,
    #[prost(int32, optional, tag = "4")]
    pub con_id: Option<i32>,
}

/// ACCT_VALUE (6).
#[derive(Clone, PartialEq, Message)]
pub struct AccountValue {
    #[prost(string, optional, tag = "1")]
    pub key: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub currency: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub account_name: Option<String>,
}

/// PORTFOLIO_VALUE (7).
#[derive(Clone, PartialEq, Message)]
pub struct PortfolioValue {
    #[prost(message, optional, tag = "1")]
    pub contract: Option<Contract>,
    #[prost(string, optional, tag = "2")]
    pub position: Option<String>,
    #[prost(double, optional, tag = "3")]
    pub market_price: Option<f64>,
    #[prost(double, optional, tag = "4")]
    pub market_value: Option<f64>,
    #[prost(double, optional, tag = "5")]
    pub average_cost: Option<f64>,
    #[prost(double, optional, tag = "6")]
    pub unrealized_pnl: Option<f64>,
    #[prost(double, optional, tag = "7")]
    pub realized_pnl: Option<f64>,
    #[prost(string, optional, tag = "8")]
    pub account_name: Option<String>,
}

/// ACCT_UPDATE_TIME (8).
#[derive(Clone, PartialEq, Message)]
pub struct AccountUpdateTime {
    #[prost(string, optional, tag = "1")]
    pub time_stamp: Option<String>,
}

/// ACCT_DOWNLOAD_END (54).
#[derive(Clone, PartialEq, Message)]
pub struct AccountDataEnd {
    #[prost(string, optional, tag = "1")]
    pub account_name: Option<String>,
}

/// ACCOUNT_SUMMARY (63); its end (64) is a [`super::ReqIdOnly`].
#[derive(Clone, PartialEq, Message)]
pub struct AccountSummary {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub account: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub tag: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub value: Option<String>,
    #[prost(string, optional, tag = "5")]
    pub currency: Option<String>,
}

/// ACCOUNT_UPDATE_MULTI (73); its end (74) is a [`super::ReqIdOnly`].
#[derive(Clone, PartialEq, Message)]
pub struct AccountUpdateMulti {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub account: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub model_code: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub key: Option<String>,
    #[prost(string, optional, tag = "5")]
    pub value: Option<String>,
    #[prost(string, optional, tag = "6")]
    pub currency: Option<String>,
}

/// PNL (94).
#[derive(Clone, PartialEq, Message)]
pub struct PnL {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(double, optional, tag = "2")]
    pub daily_pnl: Option<f64>,
    #[prost(double, optional, tag = "3")]
    pub unrealized_pnl: Option<f64>,
    #[prost(double, optional, tag = "4")]
    pub realized_pnl: Option<f64>,
}

/// PNL_SINGLE (95).
#[derive(Clone, PartialEq, Message)]
pub struct PnLSingle {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub position: Option<String>,
    #[prost(double, optional, tag = "3")]
    pub daily_pnl: Option<f64>,
    #[prost(double, optional, tag = "4")]
    pub unrealized_pnl: Option<f64>,
    #[prost(double, optional, tag = "5")]
    pub realized_pnl: Option<f64>,
    #[prost(double, optional, tag = "6")]
    pub value: Option<f64>,
}

/// MARKET_DATA_TYPE (58).
#[derive(Clone, PartialEq, Message)]
pub struct MarketDataType {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(int32, optional, tag = "2")]
    pub market_data_type: Option<i32>,
}
