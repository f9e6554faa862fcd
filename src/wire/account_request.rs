//! Account requests in the text protocol (client to server): account updates, account updates
//! by model, the account summary and PnL, with their cancels.
//!
//! Layouts as the official client and ib_async send them at server version 178:
//! REQ_ACCOUNT_DATA `6, 2, subscribe, account`; REQ_ACCOUNT_UPDATES_MULTI `76, 1, reqId, account,
//! modelCode, ledgerAndNLV`; CANCEL_ACCOUNT_UPDATES_MULTI `77, 1, reqId`; REQ_ACCOUNT_SUMMARY
//! `62, 1, reqId, group, tags`; CANCEL_ACCOUNT_SUMMARY `63, 1, reqId`; REQ_PNL `92, reqId,
//! account, modelCode` (no version); CANCEL_PNL `93, reqId`; REQ_PNL_SINGLE `94, reqId, account,
//! modelCode, conId`; CANCEL_PNL_SINGLE `95, reqId`.

use super::fields::{DecodeError, Fields};
use super::frame::FrameWriter;
use super::ids::outgoing as id;

/// One account request, borrowed from the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AccountRequest<'a> {
    /// REQ_ACCOUNT_DATA: subscribe to (or, `subscribe` false, stop) the account's values and
    /// portfolio. An empty account means the only managed one.
    Updates { subscribe: bool, account: &'a str },
    /// REQ_ACCOUNT_UPDATES_MULTI: the account's values under a request id (empty account: all).
    UpdatesMulti {
        req_id: i32,
        account: &'a str,
        model_code: &'a str,
        ledger_and_nlv: bool,
    },
    /// CANCEL_ACCOUNT_UPDATES_MULTI.
    CancelUpdatesMulti { req_id: i32 },
    /// REQ_ACCOUNT_SUMMARY: `group` ("All") and a comma-separated tag list.
    Summary {
        req_id: i32,
        group: &'a str,
        tags: &'a str,
    },
    /// CANCEL_ACCOUNT_SUMMARY.
    CancelSummary { req_id: i32 },
    /// REQ_PNL: the account's daily, unrealized and realized PnL, streamed.
    Pnl {
        req_id: i32,
        account: &'a str,
        model_code: &'a str,
    },
    /// CANCEL_PNL.
    CancelPnl { req_id: i32 },
    /// REQ_PNL_SINGLE: one position's PnL, streamed.
    PnlSingle {
        req_id: i32,
        account: &'a str,
        model_code: &'a str,
        con_id: i32,
    },
    /// CANCEL_PNL_SINGLE.
    CancelPnlSingle { req_id: i32 },
}

impl<'a> AccountRequest<'a> {
    /// True for the message ids this module decodes.
    pub fn handles(msg_id: i32) -> bool {
        matches!(
            msg_id,
            id::REQ_ACCOUNT_DATA
                | id::REQ_ACCOUNT_UPDATES_MULTI
                | id::CANCEL_ACCOUNT_UPDATES_MULTI
                | id::REQ_ACCOUNT_SUMMARY
                | id::CANCEL_ACCOUNT_SUMMARY
                | id::REQ_PNL
                | id::CANCEL_PNL
                | id::REQ_PNL_SINGLE
                | id::CANCEL_PNL_SINGLE
        )
    }

    /// Decodes the fields after the message id `msg_id`.
    ///
    /// # Errors
    /// [`DecodeError::UnknownMessage`] for an id [`AccountRequest::handles`] refuses; the others
    /// for missing or malformed fields.
    ///
    /// # Examples
    /// ```
    /// use hft::wire::{AccountRequest, Fields};
    /// // ib_async's REQ_ACCOUNT_DATA: version 2, subscribe, account.
    /// let mut f = Fields::new(b"2\x001\x00DU1234567\x00");
    /// let r = AccountRequest::decode_fields(6, &mut f).unwrap();
    /// assert_eq!(r, AccountRequest::Updates { subscribe: true, account: "DU1234567" });
    /// ```
    pub fn decode_fields(msg_id: i32, f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        Ok(match msg_id {
            id::REQ_ACCOUNT_DATA => {
                f.skip_fields(1)?;
                AccountRequest::Updates {
                    subscribe: f.bool()?,
                    account: opt_str(f)?,
                }
            }
            id::REQ_ACCOUNT_UPDATES_MULTI => {
                f.skip_fields(1)?;
                AccountRequest::UpdatesMulti {
                    req_id: f.i32()?,
                    account: f.str()?,
                    model_code: f.str()?,
                    ledger_and_nlv: if f.is_empty() { false } else { f.bool()? },
                }
            }
            id::CANCEL_ACCOUNT_UPDATES_MULTI => {
                f.skip_fields(1)?;
                AccountRequest::CancelUpdatesMulti { req_id: f.i32()? }
            }
            id::REQ_ACCOUNT_SUMMARY => {
                f.skip_fields(1)?;
                AccountRequest::Summary {
                    req_id: f.i32()?,
                    group: f.str()?,
                    tags: f.str()?,
                }
            }
            id::CANCEL_ACCOUNT_SUMMARY => {
                f.skip_fields(1)?;
                AccountRequest::CancelSummary { req_id: f.i32()? }
            }
            id::REQ_PNL => AccountRequest::Pnl {
                req_id: f.i32()?,
                account: f.str()?,
                model_code: opt_str(f)?,
            },
            id::CANCEL_PNL => AccountRequest::CancelPnl { req_id: f.i32()? },
            id::REQ_PNL_SINGLE => AccountRequest::PnlSingle {
                req_id: f.i32()?,
                account: f.str()?,
                model_code: f.str()?,
                con_id: f.i32()?,
            },
            id::CANCEL_PNL_SINGLE => AccountRequest::CancelPnlSingle { req_id: f.i32()? },
            other => return Err(DecodeError::UnknownMessage { id: other }),
        })
    }

    /// Writes the message id and fields (the caller begins and finishes the frame).
    pub fn encode(&self, w: &mut FrameWriter<'_>) {
        match *self {
            AccountRequest::Updates { subscribe, account } => {
                w.i32(id::REQ_ACCOUNT_DATA)
                    .i32(2)
                    .bool(subscribe)
                    .str(account);
            }
            AccountRequest::UpdatesMulti {
                req_id,
                account,
                model_code,
                ledger_and_nlv,
            } => {
                w.i32(id::REQ_ACCOUNT_UPDATES_MULTI).i32(1).i32(req_id);
                w.str(account).str(model_code).bool(ledger_and_nlv);
            }
            AccountRequest::CancelUpdatesMulti { req_id } => {
                w.i32(id::CANCEL_ACCOUNT_UPDATES_MULTI).i32(1).i32(req_id);
            }
            AccountRequest::Summary {
                req_id,
                group,
                tags,
            } => {
                w.i32(id::REQ_ACCOUNT_SUMMARY)
                    .i32(1)
                    .i32(req_id)
                    .str(group)
                    .str(tags);
            }
            AccountRequest::CancelSummary { req_id } => {
                w.i32(id::CANCEL_ACCOUNT_SUMMARY).i32(1).i32(req_id);
            }
            AccountRequest::Pnl {
                req_id,
                account,
                model_code,
            } => {
                w.i32(id::REQ_PNL).i32(req_id).str(account).str(model_code);
            }
            AccountRequest::CancelPnl { req_id } => {
                w.i32(id::CANCEL_PNL).i32(req_id);
            }
            AccountRequest::PnlSingle {
                req_id,
                account,
                model_code,
                con_id,
            } => {
                w.i32(id::REQ_PNL_SINGLE).i32(req_id).str(account);
                w.str(model_code).i32(con_id);
            }
            AccountRequest::CancelPnlSingle { req_id } => {
                w.i32(id::CANCEL_PNL_SINGLE).i32(req_id);
            }
        }
    }
}

/// A trailing string field that older clients may leave out.
fn opt_str<'a>(f: &mut Fields<'a>) -> Result<&'a str, DecodeError> {
    if f.is_empty() { Ok("") } else { f.str() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Request;

    fn round_trip(r: AccountRequest<'_>) {
        let mut out = Vec::new();
        Request::Account(r).encode_text(&mut out);
        let back = Request::decode_text(&out[4..]).unwrap();
        assert_eq!(back, Request::Account(r));
    }

    #[test]
    fn every_request_round_trips() {
        for r in [
            AccountRequest::Updates {
                subscribe: true,
                account: "DU1",
            },
            AccountRequest::Updates {
                subscribe: false,
                account: "",
            },
            AccountRequest::UpdatesMulti {
                req_id: 4,
                account: "DU1",
                model_code: "",
                ledger_and_nlv: true,
            },
            AccountRequest::CancelUpdatesMulti { req_id: 4 },
            AccountRequest::Summary {
                req_id: 5,
                group: "All",
                tags: "NetLiquidation,$LEDGER",
            },
            AccountRequest::CancelSummary { req_id: 5 },
            AccountRequest::Pnl {
                req_id: 6,
                account: "DU1",
                model_code: "",
            },
            AccountRequest::CancelPnl { req_id: 6 },
            AccountRequest::PnlSingle {
                req_id: 7,
                account: "DU1",
                model_code: "",
                con_id: 756_700,
            },
            AccountRequest::CancelPnlSingle { req_id: 7 },
        ] {
            round_trip(r);
        }
    }

    #[test]
    fn client_frames_decode() {
        // ib_async: `send(76, 1, reqId, account, modelCode, ledgerAndNLV)` with False.
        let r = Request::decode_text(b"76\x001\x009\x00DU1234567\x00\x000\x00").unwrap();
        assert_eq!(
            r,
            Request::Account(AccountRequest::UpdatesMulti {
                req_id: 9,
                account: "DU1234567",
                model_code: "",
                ledger_and_nlv: false
            })
        );
        // The official client: `reqPnLSingle`, no version field.
        let r = Request::decode_text(b"94\x003\x00DU1\x00\x00756700\x00").unwrap();
        assert!(matches!(
            r,
            Request::Account(AccountRequest::PnlSingle {
                req_id: 3,
                con_id: 756_700,
                ..
            })
        ));
    }

    #[test]
    fn malformed_bodies_are_errors() {
        for body in [
            &b"6\x002\x00"[..],
            b"62\x001\x00x\x00All\x00tags\x00",
            b"94\x003\x00DU1\x00\x00",
            b"92",
        ] {
            assert!(Request::decode_text(body).is_err(), "{body:?}");
        }
    }
}
