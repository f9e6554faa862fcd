//! Order messages: status updates and open orders.

use crate::wire::fields::{DecodeError, Fields};
use crate::wire::frame::FrameWriter;
use crate::wire::ids::incoming as id;

use super::contract::ContractView;

/// Order status update.
///
/// Raw payload: `3\01001\0Filled\0100\00\0101.26\0555\00\0101.26\01\0\00\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderStatus<'a> {
    pub order_id: i32,
    pub status: &'a str,
    pub filled: f64,
    pub remaining: f64,
    pub avg_fill_price: f64,
    pub perm_id: i64,
    pub parent_id: i32,
    pub last_fill_price: f64,
    pub client_id: i32,
    pub why_held: &'a str,
    pub mkt_cap_price: f64,
}

impl<'a> OrderStatus<'a> {
    /// Decodes the fields after the message id.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        Ok(OrderStatus {
            order_id: f.i32()?,
            status: f.str()?,
            filled: f.f64_or(0.0)?,
            remaining: f.f64_or(0.0)?,
            avg_fill_price: f.f64_or(0.0)?,
            perm_id: f.i64_or(0)?,
            parent_id: f.i32_or(0)?,
            last_fill_price: f.f64_or(0.0)?,
            client_id: f.i32_or(0)?,
            why_held: f.str()?,
            mkt_cap_price: f.f64_or(0.0)?,
        })
    }

    /// Appends the frame.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::ORDER_STATUS).i32(self.order_id).str(self.status);
        w.f64(self.filled)
            .f64(self.remaining)
            .f64(self.avg_fill_price);
        w.i64(self.perm_id)
            .i32(self.parent_id)
            .f64(self.last_fill_price)
            .i32(self.client_id);
        w.str(self.why_held).f64(self.mkt_cap_price);
        w.finish();
    }
}

/// An open order as reported to clients (simple stock orders).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenOrderView<'a> {
    pub order_id: i32,
    pub contract: ContractView<'a>,
    pub action: &'a str,
    pub total_quantity: f64,
    pub order_type: &'a str,
    /// `f64::MAX` when unset.
    pub lmt_price: f64,
    pub tif: &'a str,
    pub account: &'a str,
    pub order_ref: &'a str,
    pub client_id: i32,
    pub perm_id: i64,
    pub status: &'a str,
}

impl OpenOrderView<'_> {
    /// Appends OPEN_ORDER in the version 178 layout (no version field, exactly 126 fields after
    /// the id for a plain stock order).
    pub fn encode(&self, out: &mut Vec<u8>) {
        const UNSET: &str = crate::wire::frame::UNSET_DOUBLE;
        let c = &self.contract;
        let mut w = FrameWriter::begin(out);
        w.i32(id::OPEN_ORDER).i32(self.order_id);
        w.i64(c.con_id)
            .str(c.symbol)
            .str(c.sec_type)
            .str("")
            .i32(0)
            .str("")
            .str("");
        w.str(c.exchange)
            .str(c.currency)
            .str(c.local_symbol)
            .str(c.trading_class); // 2..=12
        w.str(self.action)
            .f64(self.total_quantity)
            .str(self.order_type); // 13..=15
        if self.lmt_price == f64::MAX {
            w.str("")
        } else {
            w.f64(self.lmt_price)
        }; // 16
        w.str("")
            .str(self.tif)
            .str("")
            .str(self.account)
            .str("")
            .i32(0)
            .str(self.order_ref); // 17..=23
        w.i32(self.client_id)
            .i64(self.perm_id)
            .bool(false)
            .bool(false)
            .i32(0)
            .str(""); // 24..=29
        w.str("").str("").str("").str("").str("").str("").str(""); // 30..=36
        w.str("").str("").i32(0).str("").i32(-1).i32(0); // 37..=42
        w.str("").str("").str("").str("").str("").i32(0); // 43..=48
        w.bool(false)
            .bool(false)
            .bool(false)
            .str("")
            .i32(0)
            .bool(false)
            .bool(false)
            .str(""); // 49..=56
        w.i32(0)
            .i32(0)
            .str("")
            .i32(0)
            .str("")
            .str("")
            .bool(false)
            .i32(0); // 57..=64
        w.str("")
            .str("")
            .str("")
            .str("")
            .str("")
            .i32(0)
            .i32(0)
            .i32(0); // 65..=72
        w.str("")
            .str("")
            .str("")
            .str("")
            .bool(false)
            .str("")
            .str("")
            .bool(false); // 73..=80
        w.bool(false).str("").bool(false).bool(false); // 81..=84
        w.str(self.status); // 85: OrderState
        for _ in 0..9 {
            w.str(""); // 86..=94 margins
        }
        w.str("").str("").str("").str("").str(""); // 95..=99 commissions, currency, warning
        w.bool(false).bool(false).i32(0).str(""); // 100..=103
        for _ in 0..6 {
            w.str(UNSET); // 104..=109
        }
        w.i32(0).str("").str("").str("").str(UNSET); // 110..=114
        w.bool(false).bool(false).bool(false).bool(false); // 115..=118
        w.str("").str("").bool(false); // 119..=121
        w.str("").str("").str("").str("").str(""); // 122..=126
        w.finish();
    }
}

/// The leading fields of OPEN_ORDER, which keep their positions whatever the order type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenOrderHead<'a> {
    pub order_id: i32,
    pub contract: ContractView<'a>,
    pub action: &'a str,
    pub total_quantity: f64,
    pub order_type: &'a str,
    pub lmt_price: f64,
    pub tif: &'a str,
    pub account: &'a str,
    pub order_ref: &'a str,
    pub client_id: i32,
    pub perm_id: i64,
}

impl<'a> OpenOrderHead<'a> {
    /// Decodes fields 1..=25 of OPEN_ORDER (version 178 layout).
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let order_id = f.i32()?;
        let contract = ContractView::decode_short(f)?;
        let action = f.str()?;
        let total_quantity = f.f64()?;
        let order_type = f.str()?;
        let lmt_price = f.f64_or(f64::MAX)?;
        f.skip_fields(1)?; // auxPrice
        let tif = f.str()?;
        f.skip_fields(1)?; // ocaGroup
        let account = f.str()?;
        f.skip_fields(2)?; // openClose, origin
        let order_ref = f.str()?;
        let client_id = f.i32_or(0)?;
        let perm_id = f.i64_or(0)?;
        Ok(OpenOrderHead {
            order_id,
            contract,
            action,
            total_quantity,
            order_type,
            lmt_price,
            tif,
            account,
            order_ref,
            client_id,
            perm_id,
        })
    }
}
