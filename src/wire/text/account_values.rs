//! Account data messages (server to client, text protocol): account values, the portfolio, the
//! account summary, account updates by model, PnL and the market-data type.
//!
//! Layouts as the official client's `decoder.py` (10.50) and ib_async 2.1 read them; the ones the
//! official client reads by wrapper signature must have exactly these field counts:
//! - ACCT_VALUE `6, 2, key, value, currency, account`
//! - PORTFOLIO_VALUE `7, 8, conId, symbol, secType, lastTradeDate, strike, right, multiplier,
//!   primaryExchange, currency, localSymbol, tradingClass, position, marketPrice, marketValue,
//!   averageCost, unrealizedPNL, realizedPNL, account`
//! - ACCT_UPDATE_TIME `8, 1, HH:MM`; ACCT_DOWNLOAD_END `54, 1, account`
//! - ACCOUNT_SUMMARY `63, 1, reqId, account, tag, value, currency`; ACCOUNT_SUMMARY_END `64, 1,
//!   reqId`
//! - ACCOUNT_UPDATE_MULTI `73, 1, reqId, account, modelCode, key, value, currency`;
//!   ACCOUNT_UPDATE_MULTI_END `74, 1, reqId`
//! - PNL `94, reqId, daily, unrealized, realized` (no version); PNL_SINGLE `95, reqId, position,
//!   daily, unrealized, realized, value`
//! - MARKET_DATA_TYPE `58, 1, reqId, type`

use crate::wire::fields::{DecodeError, Fields};
use crate::wire::frame::FrameWriter;
use crate::wire::ids::incoming as id;

use super::contract::ContractView;

/// One position's line of the portfolio (PORTFOLIO_VALUE).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortfolioLine<'a> {
    pub contract: ContractView<'a>,
    pub position: f64,
    pub market_price: f64,
    pub market_value: f64,
    pub average_cost: f64,
    pub unrealized_pnl: f64,
    pub realized_pnl: f64,
    pub account: &'a str,
}

/// An account data message, borrowed from the frame.
///
/// Raw payload of an account value: `6\02\0NetLiquidation\01000000.00\0USD\0DU1234567\0`
///
/// # Examples
/// ```
/// use hft::wire::text::{AccountMessage, ServerMessage};
/// let v = AccountMessage::Value {
///     key: "NetLiquidation",
///     value: "1000000.00",
///     currency: "USD",
///     account: "DU1234567",
/// };
/// let mut out = Vec::new();
/// v.encode(&mut out);
/// assert_eq!(&out[4..], b"6\x002\x00NetLiquidation\x001000000.00\x00USD\x00DU1234567\x00");
/// let back = ServerMessage::decode(&out[4..], 178).unwrap();
/// assert!(matches!(back, ServerMessage::Account(m) if m == v));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AccountMessage<'a> {
    /// ACCT_VALUE.
    Value {
        key: &'a str,
        value: &'a str,
        currency: &'a str,
        account: &'a str,
    },
    /// PORTFOLIO_VALUE.
    Portfolio(PortfolioLine<'a>),
    /// ACCT_UPDATE_TIME, `HH:MM`.
    UpdateTime(&'a str),
    /// ACCT_DOWNLOAD_END.
    DownloadEnd { account: &'a str },
    /// ACCOUNT_SUMMARY.
    Summary {
        req_id: i32,
        account: &'a str,
        tag: &'a str,
        value: &'a str,
        currency: &'a str,
    },
    /// ACCOUNT_SUMMARY_END.
    SummaryEnd { req_id: i32 },
    /// ACCOUNT_UPDATE_MULTI.
    UpdateMulti {
        req_id: i32,
        account: &'a str,
        model_code: &'a str,
        key: &'a str,
        value: &'a str,
        currency: &'a str,
    },
    /// ACCOUNT_UPDATE_MULTI_END.
    UpdateMultiEnd { req_id: i32 },
    /// PNL.
    Pnl {
        req_id: i32,
        daily: f64,
        unrealized: f64,
        realized: f64,
    },
    /// PNL_SINGLE.
    PnlSingle {
        req_id: i32,
        position: f64,
        daily: f64,
        unrealized: f64,
        realized: f64,
        value: f64,
    },
    /// MARKET_DATA_TYPE: 1 live, 2 frozen, 3 delayed, 4 delayed frozen.
    MarketDataType { req_id: i32, data_type: i32 },
}

impl<'a> AccountMessage<'a> {
    /// True for the message ids this type decodes.
    pub fn handles(msg_id: i32) -> bool {
        matches!(
            msg_id,
            id::ACCT_VALUE
                | id::PORTFOLIO_VALUE
                | id::ACCT_UPDATE_TIME
                | id::ACCT_DOWNLOAD_END
                | id::ACCOUNT_SUMMARY
                | id::ACCOUNT_SUMMARY_END
                | id::ACCOUNT_UPDATE_MULTI
                | id::ACCOUNT_UPDATE_MULTI_END
                | id::PNL
                | id::PNL_SINGLE
                | id::MARKET_DATA_TYPE
        )
    }

    /// Decodes the fields after the message id `msg_id`.
    ///
    /// # Errors
    /// [`DecodeError::UnknownMessage`] for ids [`AccountMessage::handles`] refuses; the others
    /// for malformed fields.
    pub fn decode(msg_id: i32, f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        if msg_id != id::PNL && msg_id != id::PNL_SINGLE && Self::handles(msg_id) {
            f.skip_fields(1)?; // version
        }
        Ok(match msg_id {
            id::ACCT_VALUE => AccountMessage::Value {
                key: f.str()?,
                value: f.str()?,
                currency: f.str()?,
                account: f.str()?,
            },
            id::PORTFOLIO_VALUE => AccountMessage::Portfolio(decode_portfolio(f)?),
            id::ACCT_UPDATE_TIME => AccountMessage::UpdateTime(f.str()?),
            id::ACCT_DOWNLOAD_END => AccountMessage::DownloadEnd { account: f.str()? },
            id::ACCOUNT_SUMMARY => AccountMessage::Summary {
                req_id: f.i32()?,
                account: f.str()?,
                tag: f.str()?,
                value: f.str()?,
                currency: f.str()?,
            },
            id::ACCOUNT_SUMMARY_END => AccountMessage::SummaryEnd { req_id: f.i32()? },
            id::ACCOUNT_UPDATE_MULTI => AccountMessage::UpdateMulti {
                req_id: f.i32()?,
                account: f.str()?,
                model_code: f.str()?,
                key: f.str()?,
                value: f.str()?,
                currency: f.str()?,
            },
            id::ACCOUNT_UPDATE_MULTI_END => AccountMessage::UpdateMultiEnd { req_id: f.i32()? },
            id::PNL => AccountMessage::Pnl {
                req_id: f.i32()?,
                daily: f.f64_or(f64::MAX)?,
                unrealized: f.f64_or(f64::MAX)?,
                realized: f.f64_or(f64::MAX)?,
            },
            id::PNL_SINGLE => AccountMessage::PnlSingle {
                req_id: f.i32()?,
                position: f.f64_or(0.0)?,
                daily: f.f64_or(f64::MAX)?,
                unrealized: f.f64_or(f64::MAX)?,
                realized: f.f64_or(f64::MAX)?,
                value: f.f64_or(f64::MAX)?,
            },
            id::MARKET_DATA_TYPE => AccountMessage::MarketDataType {
                req_id: f.i32()?,
                data_type: f.i32()?,
            },
            other => return Err(DecodeError::UnknownMessage { id: other }),
        })
    }

    /// Appends the frame.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        match *self {
            AccountMessage::Value {
                key,
                value,
                currency,
                account,
            } => {
                w.i32(id::ACCT_VALUE).i32(2).str(key).str(value);
                w.str(currency).str(account);
            }
            AccountMessage::Portfolio(ref p) => encode_portfolio(&mut w, p),
            AccountMessage::UpdateTime(t) => {
                w.i32(id::ACCT_UPDATE_TIME).i32(1).str(t);
            }
            AccountMessage::DownloadEnd { account } => {
                w.i32(id::ACCT_DOWNLOAD_END).i32(1).str(account);
            }
            AccountMessage::Summary {
                req_id,
                account,
                tag,
                value,
                currency,
            } => {
                w.i32(id::ACCOUNT_SUMMARY).i32(1).i32(req_id).str(account);
                w.str(tag).str(value).str(currency);
            }
            AccountMessage::SummaryEnd { req_id } => {
                w.i32(id::ACCOUNT_SUMMARY_END).i32(1).i32(req_id);
            }
            AccountMessage::UpdateMulti {
                req_id,
                account,
                model_code,
                key,
                value,
                currency,
            } => {
                w.i32(id::ACCOUNT_UPDATE_MULTI).i32(1).i32(req_id);
                w.str(account).str(model_code).str(key).str(value);
                w.str(currency);
            }
            AccountMessage::UpdateMultiEnd { req_id } => {
                w.i32(id::ACCOUNT_UPDATE_MULTI_END).i32(1).i32(req_id);
            }
            AccountMessage::Pnl {
                req_id,
                daily,
                unrealized,
                realized,
            } => {
                w.i32(id::PNL).i32(req_id).f64(daily);
                w.f64(unrealized).f64(realized);
            }
            AccountMessage::PnlSingle {
                req_id,
                position,
                daily,
                unrealized,
                realized,
                value,
            } => {
                w.i32(id::PNL_SINGLE).i32(req_id).decimal(position);
                w.f64(daily).f64(unrealized).f64(realized).f64(value);
            }
            AccountMessage::MarketDataType { req_id, data_type } => {
                w.i32(id::MARKET_DATA_TYPE)
                    .i32(1)
                    .i32(req_id)
                    .i32(data_type);
            }
        }
        w.finish();
    }
}

fn decode_portfolio<'a>(f: &mut Fields<'a>) -> Result<PortfolioLine<'a>, DecodeError> {
    let con_id = f.i64_or(0)?;
    let symbol = f.str()?;
    let sec_type = f.str()?;
    f.skip_fields(4)?; // lastTradeDate, strike, right, multiplier
    let primary_exchange = f.str()?;
    let currency = f.str()?;
    let local_symbol = f.str()?;
    let trading_class = f.str()?;
    Ok(PortfolioLine {
        contract: ContractView {
            con_id,
            symbol,
            sec_type,
            exchange: "",
            primary_exchange,
            currency,
            local_symbol,
            trading_class,
        },
        position: f.f64()?,
        market_price: f.f64()?,
        market_value: f.f64()?,
        average_cost: f.f64()?,
        unrealized_pnl: f.f64()?,
        realized_pnl: f.f64()?,
        account: f.str()?,
    })
}

fn encode_portfolio(w: &mut FrameWriter<'_>, p: &PortfolioLine<'_>) {
    let c = &p.contract;
    w.i32(id::PORTFOLIO_VALUE)
        .i32(8)
        .i64(c.con_id)
        .str(c.symbol);
    // lastTradeDate, strike, right, multiplier: empty for a stock.
    w.str(c.sec_type).str("").f64(0.0).str("").str("");
    w.str(c.primary_exchange)
        .str(c.currency)
        .str(c.local_symbol)
        .str(c.trading_class);
    w.decimal(p.position)
        .f64(p.market_price)
        .f64(p.market_value)
        .f64(p.average_cost);
    w.f64(p.unrealized_pnl).f64(p.realized_pnl).str(p.account);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(m: AccountMessage<'_>) {
        let mut out = Vec::new();
        m.encode(&mut out);
        let body = &out[4..];
        let mut f = Fields::new(body);
        let msg_id = f.i32().unwrap();
        assert_eq!(AccountMessage::decode(msg_id, &mut f).unwrap(), m);
        assert!(f.is_empty(), "every field read: {m:?}");
    }

    #[test]
    fn every_message_round_trips() {
        let contract = ContractView {
            con_id: 756_700,
            symbol: "SPY",
            sec_type: "STK",
            exchange: "",
            primary_exchange: "ARCA",
            currency: "USD",
            local_symbol: "SPY",
            trading_class: "SPY",
        };
        for m in [
            AccountMessage::Value {
                key: "Cushion",
                value: "0.75",
                currency: "",
                account: "DU1",
            },
            AccountMessage::Portfolio(PortfolioLine {
                contract,
                position: -100.0,
                market_price: 450.25,
                market_value: -45_025.0,
                average_cost: 451.0,
                unrealized_pnl: 75.0,
                realized_pnl: -3.5,
                account: "DU1",
            }),
            AccountMessage::UpdateTime("14:05"),
            AccountMessage::DownloadEnd { account: "DU1" },
            AccountMessage::Summary {
                req_id: 3,
                account: "DU1",
                tag: "NetLiquidation",
                value: "1000.00",
                currency: "USD",
            },
            AccountMessage::SummaryEnd { req_id: 3 },
            AccountMessage::UpdateMulti {
                req_id: 4,
                account: "DU1",
                model_code: "",
                key: "NetLiquidation",
                value: "1000.00",
                currency: "USD",
            },
            AccountMessage::UpdateMultiEnd { req_id: 4 },
            AccountMessage::Pnl {
                req_id: 5,
                daily: 12.5,
                unrealized: 10.0,
                realized: 2.5,
            },
            AccountMessage::PnlSingle {
                req_id: 6,
                position: 100.0,
                daily: 12.5,
                unrealized: 10.0,
                realized: 2.5,
                value: 45_000.0,
            },
            AccountMessage::MarketDataType {
                req_id: 7,
                data_type: 1,
            },
        ] {
            round_trip(m);
        }
    }

    #[test]
    fn portfolio_has_the_official_field_count() {
        // The official client reads version 8: 18 fields after the version.
        let mut out = Vec::new();
        AccountMessage::Portfolio(PortfolioLine {
            contract: ContractView {
                con_id: 1,
                symbol: "KO",
                sec_type: "STK",
                exchange: "",
                primary_exchange: "NYSE",
                currency: "USD",
                local_symbol: "KO",
                trading_class: "KO",
            },
            position: 5.0,
            market_price: 1.0,
            market_value: 5.0,
            average_cost: 1.0,
            unrealized_pnl: 0.0,
            realized_pnl: 0.0,
            account: "DU1",
        })
        .encode(&mut out);
        let fields = out[4..].iter().filter(|&&b| b == 0).count();
        assert_eq!(fields, 2 + 18);
    }
}
