//! The messages both directions embed: contract, contract details, order and order state.

use prost::Message;

#[derive(Clone, PartialEq, Message)]
pub struct Contract {
    #[prost(int32, optional, tag = "1")]
    pub con_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub symbol: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub sec_type: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub last_trade_date_or_contract_month: Option<String>,
    #[prost(double, optional, tag = "5")]
    pub strike: Option<f64>,
    #[prost(string, optional, tag = "6")]
    pub right: Option<String>,
    #[prost(double, optional, tag = "7")]
    pub multiplier: Option<f64>,
    #[prost(string, optional, tag = "8")]
    pub exchange: Option<String>,
    #[prost(string, optional, tag = "9")]
    pub primary_exch: Option<String>,
    #[prost(string, optional, tag = "10")]
    pub currency: Option<String>,
    #[prost(string, optional, tag = "11")]
    pub local_symbol: Option<String>,
    #[prost(string, optional, tag = "12")]
    pub trading_class: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ContractDetails {
    #[prost(string, optional, tag = "1")]
    pub market_name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub min_tick: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub order_types: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub valid_exchanges: Option<String>,
    #[prost(int32, optional, tag = "5")]
    pub price_magnifier: Option<i32>,
    #[prost(string, optional, tag = "7")]
    pub long_name: Option<String>,
    #[prost(string, optional, tag = "9")]
    pub industry: Option<String>,
    #[prost(string, optional, tag = "12")]
    pub time_zone_id: Option<String>,
    #[prost(string, optional, tag = "13")]
    pub trading_hours: Option<String>,
    #[prost(string, optional, tag = "14")]
    pub liquid_hours: Option<String>,
    #[prost(int32, optional, tag = "18")]
    pub agg_group: Option<i32>,
    #[prost(string, optional, tag = "21")]
    pub market_rule_ids: Option<String>,
    #[prost(string, optional, tag = "23")]
    pub stock_type: Option<String>,
    #[prost(string, optional, tag = "24")]
    pub min_size: Option<String>,
    #[prost(string, optional, tag = "25")]
    pub size_increment: Option<String>,
    #[prost(string, optional, tag = "26")]
    pub suggested_size_increment: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Order {
    #[prost(int32, optional, tag = "1")]
    pub client_id: Option<i32>,
    #[prost(int32, optional, tag = "2")]
    pub order_id: Option<i32>,
    #[prost(int64, optional, tag = "3")]
    pub perm_id: Option<i64>,
    #[prost(int32, optional, tag = "4")]
    pub parent_id: Option<i32>,
    #[prost(string, optional, tag = "5")]
    pub action: Option<String>,
    #[prost(string, optional, tag = "6")]
    pub total_quantity: Option<String>,
    #[prost(string, optional, tag = "8")]
    pub order_type: Option<String>,
    #[prost(double, optional, tag = "9")]
    pub lmt_price: Option<f64>,
    #[prost(double, optional, tag = "10")]
    pub aux_price: Option<f64>,
    #[prost(string, optional, tag = "11")]
    pub tif: Option<String>,
    #[prost(string, optional, tag = "12")]
    pub account: Option<String>,
    #[prost(string, optional, tag = "28")]
    pub order_ref: Option<String>,
    #[prost(bool, optional, tag = "66")]
    pub transmit: Option<bool>,
    #[prost(string, optional, tag = "115")]
    pub filled_quantity: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct OrderState {
    #[prost(string, optional, tag = "1")]
    pub status: Option<String>,
}
