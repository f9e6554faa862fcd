//! The gateway's account messages (values, portfolio, summary, updates by model, PnL, market-data
//! type) in both encodings: the text layouts of [`crate::wire::text::AccountMessage`] for
//! version 178 and below, the protobuf messages of [`crate::wire::proto`] for 201 and above.

use super::account::PositionValue;
use super::encode::{ContractInfo, decimal};
use crate::wire::ids::incoming as id;
use crate::wire::proto::{self as pb, encode_frame};
use crate::wire::text::{AccountMessage, PortfolioLine};

/// PORTFOLIO_VALUE for one valued position.
pub(super) fn portfolio(
    out: &mut Vec<u8>,
    protobuf: bool,
    contract: &ContractInfo,
    p: &PositionValue,
    account: &str,
) {
    if !protobuf {
        return AccountMessage::Portfolio(PortfolioLine {
            contract: contract.view(),
            position: p.qty,
            market_price: p.mark,
            market_value: p.market_value,
            average_cost: p.avg_cost,
            unrealized_pnl: p.unrealized,
            realized_pnl: p.realized,
            account,
        })
        .encode(out);
    }
    encode_frame(
        out,
        id::PORTFOLIO_VALUE,
        &pb::PortfolioValue {
            contract: Some(contract.proto()),
            position: Some(decimal(p.qty)),
            market_price: Some(p.mark),
            market_value: Some(p.market_value),
            average_cost: Some(p.avg_cost),
            unrealized_pnl: Some(p.unrealized),
            realized_pnl: Some(p.realized),
            account_name: Some(account.to_string()),
        },
    );
}

/// Every other account message.
pub(super) fn account_message(out: &mut Vec<u8>, protobuf: bool, m: &AccountMessage<'_>) {
    if !protobuf {
        return m.encode(out);
    }
    let s = |v: &str| Some(v.to_string());
    match *m {
        AccountMessage::Value {
            key,
            value,
            currency,
            account,
        } => encode_frame(
            out,
            id::ACCT_VALUE,
            &pb::AccountValue {
                key: s(key),
                value: s(value),
                currency: s(currency),
                account_name: s(account),
            },
        ),
        // The gateway sends portfolio lines through `portfolio` (the protobuf form needs the
        // whole contract); a line without it goes as text would, field by field.
        AccountMessage::Portfolio(p) => encode_frame(
            out,
            id::PORTFOLIO_VALUE,
            &pb::PortfolioValue {
                contract: Some(pb::Contract {
                    con_id: i32::try_from(p.contract.con_id).ok(),
                    symbol: s(p.contract.symbol),
                    sec_type: s(p.contract.sec_type),
                    currency: s(p.contract.currency),
                    ..Default::default()
                }),
                position: Some(decimal(p.position)),
                market_price: Some(p.market_price),
                market_value: Some(p.market_value),
                average_cost: Some(p.average_cost),
                unrealized_pnl: Some(p.unrealized_pnl),
                realized_pnl: Some(p.realized_pnl),
                account_name: s(p.account),
            },
        ),
        AccountMessage::UpdateTime(t) => encode_frame(
            out,
            id::ACCT_UPDATE_TIME,
            &pb::AccountUpdateTime { time_stamp: s(t) },
        ),
        AccountMessage::DownloadEnd { account } => encode_frame(
            out,
            id::ACCT_DOWNLOAD_END,
            &pb::AccountDataEnd {
                account_name: s(account),
            },
        ),
        AccountMessage::Summary {
            req_id,
            account,
            tag,
            value,
            currency,
        } => encode_frame(
            out,
            id::ACCOUNT_SUMMARY,
            &pb::AccountSummary {
                req_id: Some(req_id),
                account: s(account),
                tag: s(tag),
                value: s(value),
                currency: s(currency),
            },
        ),
        AccountMessage::SummaryEnd { req_id } => encode_frame(
            out,
            id::ACCOUNT_SUMMARY_END,
            &pb::ReqIdOnly {
                req_id: Some(req_id),
            },
        ),
        AccountMessage::UpdateMulti {
            req_id,
            account,
            model_code,
            key,
            value,
            currency,
        } => encode_frame(
            out,
            id::ACCOUNT_UPDATE_MULTI,
            &pb::AccountUpdateMulti {
                req_id: Some(req_id),
                account: s(account),
                model_code: s(model_code),
                key: s(key),
                value: s(value),
                currency: s(currency),
            },
        ),
        AccountMessage::UpdateMultiEnd { req_id } => encode_frame(
            out,
            id::ACCOUNT_UPDATE_MULTI_END,
            &pb::ReqIdOnly {
                req_id: Some(req_id),
            },
        ),
        AccountMessage::Pnl {
            req_id,
            daily,
            unrealized,
            realized,
        } => encode_frame(
            out,
            id::PNL,
            &pb::PnL {
                req_id: Some(req_id),
                daily_pnl: Some(daily),
                unrealized_pnl: Some(unrealized),
                realized_pnl: Some(realized),
            },
        ),
        AccountMessage::PnlSingle {
            req_id,
            position,
            daily,
            unrealized,
            realized,
            value,
        } => encode_frame(
            out,
            id::PNL_SINGLE,
            &pb::PnLSingle {
                req_id: Some(req_id),
                position: Some(decimal(position)),
                daily_pnl: Some(daily),
                unrealized_pnl: Some(unrealized),
                realized_pnl: Some(realized),
                value: Some(value),
            },
        ),
        AccountMessage::MarketDataType { req_id, data_type } => encode_frame(
            out,
            id::MARKET_DATA_TYPE,
            &pb::MarketDataType {
                req_id: Some(req_id),
                market_data_type: Some(data_type),
            },
        ),
    }
}
