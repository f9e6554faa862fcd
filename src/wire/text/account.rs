//! Account messages: executions, their commissions, and positions.

use crate::wire::fields::{DecodeError, Fields};
use crate::wire::frame::FrameWriter;
use crate::wire::ids::incoming as id;

use super::contract::ContractView;

/// Commission for one execution. Raw payload: `59\01\00000e1a7.6a2b.01.01\01.0\0USD\0\0\0\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommissionReport<'a> {
    pub exec_id: &'a str,
    pub commission: f64,
    pub currency: &'a str,
    /// IB's unset value (`f64::MAX`) when not known.
    pub realized_pnl: f64,
}

impl<'a> CommissionReport<'a> {
    /// Decodes the fields after the message id.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        f.skip_fields(1)?;
        let exec_id = f.str()?;
        let commission = f.f64()?;
        let currency = f.str()?;
        let realized_pnl = f.f64_or(f64::MAX)?;
        Ok(CommissionReport {
            exec_id,
            commission,
            currency,
            realized_pnl,
        })
    }

    /// Appends the frame (yield and redemption date unset).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::COMMISSION_REPORT)
            .i32(1)
            .str(self.exec_id)
            .f64(self.commission);
        w.str(self.currency)
            .f64_unset(self.realized_pnl)
            .f64_unset(f64::MAX)
            .str("");
        w.finish();
    }
}

/// An execution (fill). Raw payload (31 fields after the id at version 178):
/// `11\0-1\01001\0756733\0SPY\0STK\0\00\0\0\0SMART\0USD\0SPY\0SPY\00000e1a7.00000001.01.01\0...`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExecutionData<'a> {
    pub req_id: i32,
    pub order_id: i32,
    pub contract: ContractView<'a>,
    pub exec_id: &'a str,
    pub time: &'a str,
    pub account: &'a str,
    pub exchange: &'a str,
    /// `BOT` or `SLD`.
    pub side: &'a str,
    pub shares: f64,
    pub price: f64,
    pub perm_id: i64,
    pub client_id: i32,
    pub cum_qty: f64,
    pub avg_price: f64,
    pub order_ref: &'a str,
    pub last_liquidity: i32,
}

impl<'a> ExecutionData<'a> {
    /// Decodes the fields after the message id (version 178 layout).
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let req_id = f.i32()?;
        let order_id = f.i32()?;
        let contract = ContractView::decode_short(f)?;
        let exec_id = f.str()?;
        let time = f.str()?;
        let account = f.str()?;
        let exchange = f.str()?;
        let side_index = f.index();
        let side = f.str()?;
        if side != "BOT" && side != "SLD" {
            return Err(DecodeError::BadValue { index: side_index });
        }
        let shares = f.f64()?;
        let price = f.f64()?;
        let perm_id = f.i64_or(0)?;
        let client_id = f.i32_or(0)?;
        f.skip_fields(1)?; // liquidation
        let cum_qty = f.f64_or(0.0)?;
        let avg_price = f.f64_or(0.0)?;
        let order_ref = f.str()?;
        f.skip_fields(3)?; // evRule, evMultiplier, modelCode
        let last_liquidity = f.i32_or(0)?;
        Ok(ExecutionData {
            req_id,
            order_id,
            contract,
            exec_id,
            time,
            account,
            exchange,
            side,
            shares,
            price,
            perm_id,
            client_id,
            cum_qty,
            avg_price,
            order_ref,
            last_liquidity,
        })
    }

    /// Appends the frame (version 178 layout: pendingPriceRevision last).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::EXECUTION_DATA)
            .i32(self.req_id)
            .i32(self.order_id);
        self.contract.encode_short(&mut w);
        w.str(self.exec_id)
            .str(self.time)
            .str(self.account)
            .str(self.exchange)
            .str(self.side);
        w.f64(self.shares)
            .f64(self.price)
            .i64(self.perm_id)
            .i32(self.client_id)
            .i32(0);
        w.f64(self.cum_qty).f64(self.avg_price).str(self.order_ref);
        w.str("")
            .str("")
            .str("")
            .i32(self.last_liquidity)
            .bool(false);
        w.finish();
    }
}

/// A position. Raw payload: `61\03\0DU1234567\0756733\0SPY\0STK\0\00\0\0\0ARCA\0USD\0SPY\0SPY\0100\0450.12\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PositionData<'a> {
    pub account: &'a str,
    pub contract: ContractView<'a>,
    pub position: f64,
    pub avg_cost: f64,
}

impl<'a> PositionData<'a> {
    /// Decodes the fields after the message id.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        f.skip_fields(1)?;
        let account = f.str()?;
        let contract = ContractView::decode_short(f)?;
        Ok(PositionData {
            account,
            contract,
            position: f.f64()?,
            avg_cost: f.f64_or(0.0)?,
        })
    }

    /// Appends the frame (version 3, exactly 15 fields after the id).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::POSITION_DATA).i32(3).str(self.account);
        self.contract.encode_short(&mut w);
        w.f64(self.position).f64(self.avg_cost);
        w.finish();
    }
}
