//! Client sessions of the gateway: one per connection, from registration (after the handshake)
//! to close. Each owns its outbound buffer, which the core fills and hands to the connection's
//! writer thread in batches, its market-data lines, its historical-data pacing and its
//! wire-to-wire counters.

use super::account_subs::AccountSubs;
use super::encode::{ContractInfo, Out};
use super::history::Pacing;
use super::market::SubKind;
use crate::exchange::Ledger;
use crate::wire::Negotiated;
use crate::wire::ids::codes;
use crossbeam::channel::Sender;
use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Outbox size at which a session's buffer is handed to its writer mid-batch.
pub(super) const FLUSH_BYTES: usize = 64 * 1024;

/// Wall-clock milliseconds since the Unix epoch (the time IB stamps errors with).
pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// One connected client.
pub(super) struct Session {
    /// The connection number.
    pub(super) conn: u64,
    pub(super) neg: Negotiated,
    /// Set by START_API; `None` until then.
    pub(super) client_id: Option<i32>,
    /// Encoded frames not yet handed to the writer.
    out: Vec<u8>,
    tx: Sender<Vec<u8>>,
    /// The socket, to shut the reader down on close.
    control: TcpStream,
    /// Active market-data lines: request id -> (symbol, kind).
    pub(super) lines: HashMap<i32, (usize, SubKind)>,
    pub(super) positions_subscribed: bool,
    /// Account updates, summaries and PnL subscribed, and the market-data type asked for.
    pub(super) account: AccountSubs,
    pub(super) pacing: Pacing,
    /// Market-data frames sent: the n-th is the client's tick sequence number n (the engine
    /// numbers the market-data messages it decodes the same way, and echoes it in orderRef).
    pub(super) md_sent: u64,
    /// With wire-to-wire recording on: the scheduled send time of the latest market-data frames.
    pub(super) scheduled: ScheduleRing,
}

/// Market-data frames whose scheduled time is kept for matching orders to their ticks (an
/// order naming an older tick is counted as unmatched).
pub(super) const SCHEDULE_WINDOW: u64 = 1 << 20;

/// The scheduled send times of the last `window` frames: frame `k` (0-based) at `k % window`,
/// so a long run's memory stays flat.
#[derive(Debug, Clone, Default)]
pub(super) struct ScheduleRing {
    times: Vec<u64>,
}

impl ScheduleRing {
    /// Records frames `first..first + n` as scheduled at `t_ns`.
    fn note(&mut self, first: u64, n: u64, t_ns: u64, window: u64) {
        for k in first..first + n {
            let i = (k % window) as usize;
            match self.times.get_mut(i) {
                Some(slot) => *slot = t_ns,
                None => self.times.push(t_ns),
            }
        }
    }

    /// Frame `k`'s time, if it is one of the last `window` of the `sent` frames.
    fn at(&self, k: u64, sent: u64, window: u64) -> Option<u64> {
        if k >= sent || sent - k > window {
            return None;
        }
        self.times.get((k % window) as usize).copied()
    }
}

impl Session {
    /// Encodes `out` for this client's negotiated version.
    pub(super) fn send(&mut self, out: Out<'_>) {
        out.encode(&mut self.out, self.neg);
    }

    /// Appends frames already encoded for this client (held back by the orderflow).
    pub(super) fn push_encoded(&mut self, frames: &[u8]) {
        self.out.extend_from_slice(frames);
    }

    /// The frames `write` sends, taken out of the outbound buffer instead of left in it.
    pub(super) fn capture(&mut self, write: impl FnOnce(&mut Session)) -> Vec<u8> {
        let before = std::mem::take(&mut self.out);
        write(self);
        std::mem::replace(&mut self.out, before)
    }

    /// An error message (`id` -1 for one about the connection).
    pub(super) fn error(&mut self, id: i32, code: i32, message: &str) {
        self.send(Out::Error {
            id,
            code,
            message,
            time_ms: now_ms(),
        });
    }

    /// Counts `n` market-data frames just sent (and their scheduled time when recording).
    pub(super) fn note_md_frames(&mut self, n: u64, scheduled_ns: u64, record: bool) {
        if record {
            self.scheduled
                .note(self.md_sent, n, scheduled_ns, SCHEDULE_WINDOW);
        }
        self.md_sent += n;
    }

    /// The scheduled send time of frame `k` (0-based), while it is within the window.
    pub(super) fn scheduled_at(&self, k: u64) -> Option<u64> {
        self.scheduled.at(k, self.md_sent, SCHEDULE_WINDOW)
    }
}

/// Every connected client, by connection number.
#[derive(Default)]
pub(super) struct Sessions {
    by_conn: HashMap<u64, Session>,
}

impl Sessions {
    /// A client that finished the handshake.
    pub(super) fn register(
        &mut self,
        conn: u64,
        neg: Negotiated,
        tx: Sender<Vec<u8>>,
        control: TcpStream,
        pacing: Pacing,
    ) {
        let session = Session {
            conn,
            neg,
            client_id: None,
            out: Vec::with_capacity(FLUSH_BYTES + 4096),
            tx,
            control,
            lines: HashMap::new(),
            positions_subscribed: false,
            account: AccountSubs::default(),
            pacing,
            md_sent: 0,
            scheduled: ScheduleRing::default(),
        };
        self.by_conn.insert(conn, session);
    }

    pub(super) fn get(&self, conn: u64) -> Option<&Session> {
        self.by_conn.get(&conn)
    }

    pub(super) fn get_mut(&mut self, conn: u64) -> Option<&mut Session> {
        self.by_conn.get_mut(&conn)
    }

    /// The session that started the API as `client_id` (at most one).
    pub(super) fn of_client(&mut self, client_id: i32) -> Option<&mut Session> {
        self.by_conn
            .values_mut()
            .find(|s| s.client_id == Some(client_id))
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Session> {
        self.by_conn.values_mut()
    }

    pub(super) fn len(&self) -> usize {
        self.by_conn.len()
    }

    pub(super) fn conns(&self) -> Vec<u64> {
        self.by_conn.keys().copied().collect()
    }

    /// Connections whose buffer should go to the writer now rather than at the end of the turn.
    pub(super) fn over_flush_size(&self) -> Vec<u64> {
        self.by_conn
            .iter()
            .filter(|(_, s)| s.out.len() >= FLUSH_BYTES)
            .map(|(c, _)| *c)
            .collect()
    }

    /// An error message to `conn`, if it is still connected.
    pub(super) fn error(&mut self, conn: u64, id: i32, code: i32, message: &str) {
        if let Some(s) = self.by_conn.get_mut(&conn) {
            s.error(id, code, message);
        }
    }

    /// The same connection-level error to every client.
    pub(super) fn notify_all(&mut self, code: i32, message: &str) {
        let t = now_ms();
        for s in self.by_conn.values_mut() {
            s.send(Out::Error {
                id: -1,
                code,
                message,
                time_ms: t,
            });
        }
    }

    /// Hands `conn`'s buffer to its writer. False when the writer stayed full for 5 s: the client
    /// does not read, and the caller closes it.
    pub(super) fn flush(&mut self, conn: u64) -> bool {
        let Some(s) = self.by_conn.get_mut(&conn) else {
            return true;
        };
        if s.out.is_empty() {
            return true;
        }
        let buf = std::mem::replace(&mut s.out, Vec::with_capacity(FLUSH_BYTES + 4096));
        s.tx.send_timeout(buf, Duration::from_secs(5)).is_ok()
    }

    /// Forgets `conn`: what is buffered goes to the writer, which drains its queue and then shuts
    /// the socket down.
    pub(super) fn close(&mut self, conn: u64) {
        if let Some(s) = self.by_conn.remove(&conn) {
            if !s.out.is_empty() {
                let _ = s.tx.send_timeout(s.out, Duration::from_secs(1));
            }
            drop(s.tx);
            let _ = s.control.shutdown(Shutdown::Read);
        }
    }

    /// At shutdown: stops every reader.
    pub(super) fn shut_down_all(&mut self) {
        for (_, s) in self.by_conn.drain() {
            let _ = s.control.shutdown(Shutdown::Read);
        }
    }

    /// START_API on `conn`: the managed accounts, the next valid id and the farm notices, and
    /// (fault `replay`) every execution the client already had. False when another session
    /// holds `client_id`: the client was told, and the caller closes the connection.
    pub(super) fn start_api(
        &mut self,
        conn: u64,
        client_id: i32,
        next_id: i32,
        account: &str,
        replay: Option<(&Ledger, &[ContractInfo])>,
    ) -> bool {
        if self.of_client(client_id).is_some() {
            self.error(
                conn,
                -1,
                codes::CLIENT_ID_IN_USE,
                "Unable to connect as the client id is already in use. Retry with a unique client id.",
            );
            return false;
        }
        let s = self
            .by_conn
            .get_mut(&conn)
            .expect("caller checked the session");
        s.client_id = Some(client_id);
        let t = now_ms();
        s.send(Out::ManagedAccounts(account));
        s.send(Out::NextValidId(next_id));
        for (code, message) in [
            (
                codes::MARKET_FARM_OK,
                "Market data farm connection is OK:usfarm",
            ),
            (
                codes::HISTORICAL_FARM_OK,
                "HMDS data farm connection is OK:ushmds",
            ),
            (
                codes::SEC_DEF_FARM_OK,
                "Sec-def data farm connection is OK:secdefnj",
            ),
        ] {
            s.send(Out::Error {
                id: -1,
                code,
                message,
                time_ms: t,
            });
        }
        if let Some((ledger, contracts)) = replay {
            // Fault: the client receives again every execution it already had.
            for e in ledger
                .executions
                .iter()
                .filter(|e| e.client_id == client_id)
            {
                s.send(Out::Execution {
                    req_id: -1,
                    exec: e,
                    contract: &contracts[e.symbol],
                });
                s.send(Out::Commission(e));
            }
        }
        tracing::info!(
            conn,
            client_id,
            version = s.neg.version,
            protobuf = s.neg.protobuf,
            "client started the API"
        );
        true
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::ScheduleRing;

    #[test]
    fn the_ring_keeps_the_last_window_of_frames() {
        let mut r = ScheduleRing::default();
        // Frames 0..10 at 100, 110, ...; a window of 4 keeps frames 6..10.
        for k in 0..10 {
            r.note(k, 1, 100 + 10 * k, 4);
        }
        assert_eq!(r.at(9, 10, 4), Some(190));
        assert_eq!(r.at(6, 10, 4), Some(160));
        assert_eq!(r.at(5, 10, 4), None, "fell out of the window");
        assert_eq!(r.at(10, 10, 4), None, "not sent yet");
        // Several frames at once share their time; memory stays at the window.
        r.note(10, 3, 500, 4);
        assert_eq!((r.at(10, 13, 4), r.at(12, 13, 4)), (Some(500), Some(500)));
        assert_eq!(r.times.len(), 4);
    }
}
