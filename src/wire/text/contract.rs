//! Contract messages: the contract fields server messages share, and CONTRACT_DATA.

use crate::wire::fields::{DecodeError, Fields};
use crate::wire::frame::FrameWriter;
use crate::wire::ids::incoming as id;

/// The contract fields that server messages carry (no primary exchange in executions and
/// positions; `trading_class` last).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ContractView<'a> {
    pub con_id: i64,
    pub symbol: &'a str,
    pub sec_type: &'a str,
    pub exchange: &'a str,
    pub primary_exchange: &'a str,
    pub currency: &'a str,
    pub local_symbol: &'a str,
    pub trading_class: &'a str,
}

impl<'a> ContractView<'a> {
    /// conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, currency,
    /// localSymbol, tradingClass (executions, positions).
    pub(super) fn decode_short(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let con_id = f.i64_or(0)?;
        let symbol = f.str()?;
        let sec_type = f.str()?;
        f.skip_fields(4)?; // lastTradeDate, strike, right, multiplier
        Ok(ContractView {
            con_id,
            symbol,
            sec_type,
            exchange: f.str()?,
            primary_exchange: "",
            currency: f.str()?,
            local_symbol: f.str()?,
            trading_class: f.str()?,
        })
    }

    pub(super) fn encode_short(&self, w: &mut FrameWriter<'_>) {
        w.i64(self.con_id)
            .str(self.symbol)
            .str(self.sec_type)
            .str("")
            .i32(0)
            .str("")
            .str("");
        w.str(self.exchange)
            .str(self.currency)
            .str(self.local_symbol)
            .str(self.trading_class);
    }
}

/// Contract details of a stock, as the gateway serves them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContractDataView<'a> {
    pub req_id: i32,
    pub contract: ContractView<'a>,
    pub market_name: &'a str,
    pub min_tick: f64,
    pub order_types: &'a str,
    pub valid_exchanges: &'a str,
    pub long_name: &'a str,
    pub industry: &'a str,
    pub time_zone_id: &'a str,
    pub trading_hours: &'a str,
    pub liquid_hours: &'a str,
    pub market_rule_ids: &'a str,
    pub stock_type: &'a str,
}

impl<'a> ContractDataView<'a> {
    /// Decodes the identifying part of CONTRACT_DATA (version 178 layout): request id, contract,
    /// market name, min tick, long name and primary exchange. Later fields are not read.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let req_id = f.i32()?;
        let symbol = f.str()?;
        let sec_type = f.str()?;
        f.skip_fields(3)?; // lastTradeDate, strike, right
        let exchange = f.str()?;
        let currency = f.str()?;
        let local_symbol = f.str()?;
        let market_name = f.str()?;
        let trading_class = f.str()?;
        let con_id = f.i64()?;
        let min_tick = f.f64()?;
        f.skip_fields(1)?; // multiplier
        let order_types = f.str()?;
        let valid_exchanges = f.str()?;
        f.skip_fields(2)?; // priceMagnifier, underConId
        let long_name = f.str()?;
        let primary_exchange = f.str()?;
        Ok(ContractDataView {
            req_id,
            contract: ContractView {
                con_id,
                symbol,
                sec_type,
                exchange,
                primary_exchange,
                currency,
                local_symbol,
                trading_class,
            },
            market_name,
            min_tick,
            order_types,
            valid_exchanges,
            long_name,
            industry: "",
            time_zone_id: "",
            trading_hours: "",
            liquid_hours: "",
            market_rule_ids: "",
            stock_type: "",
        })
    }

    /// Appends CONTRACT_DATA in the version 178 layout (no version field, 39 fields after the id
    /// with an empty secId list).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let c = &self.contract;
        let mut w = FrameWriter::begin(out);
        w.i32(id::CONTRACT_DATA)
            .i32(self.req_id)
            .str(c.symbol)
            .str(c.sec_type)
            .str("")
            .i32(0)
            .str("");
        w.str(c.exchange)
            .str(c.currency)
            .str(c.local_symbol)
            .str(self.market_name)
            .str(c.trading_class);
        w.i64(c.con_id)
            .f64(self.min_tick)
            .str("")
            .str(self.order_types)
            .str(self.valid_exchanges);
        w.i32(1)
            .i32(0)
            .str(self.long_name)
            .str(c.primary_exchange)
            .str("");
        w.str(self.industry)
            .str("")
            .str("")
            .str(self.time_zone_id)
            .str(self.trading_hours)
            .str(self.liquid_hours);
        w.str("").str("").i32(0); // evRule, evMultiplier, secIdList count
        w.i32(1)
            .str("")
            .str("")
            .str(self.market_rule_ids)
            .str("")
            .str(self.stock_type);
        w.str("1").str("1").str("100"); // minSize, sizeIncrement, suggestedSizeIncrement
        w.finish();
    }
}
