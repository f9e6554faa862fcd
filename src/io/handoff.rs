//! The hand-off of a session's writing half from io (which connects) to dispatch (which
//! writes), numbered by session generation.
//!
//! io numbers its sessions: the one it starts with is generation 0, each re-established one the
//! next number. For every session after the first it [`publish`](WriterMailbox::publish)es the
//! writer, then pushes [`OrderEvent::Reconnected`](crate::types::OrderEvent::Reconnected); for
//! every session lost it pushes one
//! [`OrderEvent::Disconnected`](crate::types::OrderEvent::Disconnected). Session events are
//! never dropped, so the `k`-th `Reconnected` dispatch pops is generation `k`.
//!
//! Rules (each shown in the tests below):
//! - The mailbox holds only the newest writer: publishing drops an older one not yet taken
//!   (its session is over; io moved on).
//! - Dispatch takes the writer of generation `k` only while `k` is the newest. When io has
//!   already re-established a newer session, `k` is skipped: its `Disconnected` follows in the
//!   queue, then the newer `Reconnected`, which takes the newest writer. So dispatch always ends
//!   on the newest session and never writes on a stale one.
//! - Dispatch hears of each session's end once ([`SessionGate`]): from its own failed write or
//!   from io, whichever comes first.

use std::net::TcpStream;
use std::sync::Mutex;

/// Where io leaves a re-established session's writer for dispatch (cold path, once per
/// session).
///
/// # Examples
/// ```
/// use hft::io::handoff::{Taken, WriterMailbox};
/// let mailbox = WriterMailbox::<&str>::default();
/// mailbox.publish(1, "session 1");
/// mailbox.publish(2, "session 2"); // io reconnected again before dispatch looked
/// assert_eq!(mailbox.take(1), Taken::Superseded);
/// assert_eq!(mailbox.take(2), Taken::Writer("session 2"));
/// assert_eq!(mailbox.take(2), Taken::Missing);
/// ```
#[derive(Debug)]
pub struct WriterMailbox<W = TcpStream> {
    slot: Mutex<Slot<W>>,
}

#[derive(Debug)]
struct Slot<W> {
    /// The newest generation published (0: none since the first session).
    generation: u64,
    writer: Option<W>,
}

impl<W> Default for WriterMailbox<W> {
    fn default() -> Self {
        WriterMailbox {
            slot: Mutex::new(Slot {
                generation: 0,
                writer: None,
            }),
        }
    }
}

/// What [`WriterMailbox::take`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken<W> {
    /// The writer of the generation asked for, the newest.
    Writer(W),
    /// io has already published a newer session: the one asked for is over.
    Superseded,
    /// Nothing for this generation (already taken, or not published).
    Missing,
}

impl<W> WriterMailbox<W> {
    /// io: session `generation` is up. Its writer replaces an older one not yet taken.
    pub fn publish(&self, generation: u64, writer: W) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if generation >= slot.generation {
            slot.generation = generation;
            slot.writer = Some(writer);
        }
    }

    /// Dispatch: the writer of session `generation`, if it is still the newest.
    pub fn take(&self, generation: u64) -> Taken<W> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.generation > generation {
            Taken::Superseded
        } else if slot.generation == generation {
            slot.writer.take().map_or(Taken::Missing, Taken::Writer)
        } else {
            Taken::Missing
        }
    }
}

/// Dispatch's view of io's sessions: which generation it writes on, if any, and whether a
/// session event from io is news to the dispatcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionGate {
    /// `Reconnected` events seen: the generation of the newest one.
    reconnects_seen: u64,
    /// The session the dispatcher believes up (`None`: it knows the session is down).
    live: Option<u64>,
}

impl Default for SessionGate {
    fn default() -> Self {
        SessionGate {
            reconnects_seen: 0,
            live: Some(0),
        }
    }
}

impl SessionGate {
    /// The generation dispatch writes on, if the session is up.
    pub fn live(&self) -> Option<u64> {
        self.live
    }

    /// io reports the current session lost: true when the dispatcher must hear it (false when
    /// dispatch had already ended that session itself, or skipped it).
    pub fn disconnected(&mut self) -> bool {
        self.live.take().is_some()
    }

    /// A write on the current session failed: true when the dispatcher must hear that the
    /// session is lost (the first failure only).
    pub fn write_failed(&mut self) -> bool {
        self.live.take().is_some()
    }

    /// io reports its next session up: that session's writer when it is still the newest
    /// (then the dispatcher must hear it), `None` when io has already replaced it (the event is
    /// skipped; a newer one follows).
    ///
    /// # Examples
    /// ```
    /// use hft::io::handoff::{SessionGate, WriterMailbox};
    /// let (mailbox, mut gate) = (WriterMailbox::default(), SessionGate::default());
    /// mailbox.publish(1, 'a');
    /// mailbox.publish(2, 'b');
    /// assert!(gate.disconnected()); // session 0 lost: news
    /// assert_eq!(gate.reconnected(&mailbox), None); // session 1 is over already
    /// assert!(!gate.disconnected()); // ... and its loss is no news
    /// assert_eq!(gate.reconnected(&mailbox), Some('b'));
    /// assert_eq!(gate.live(), Some(2));
    /// ```
    pub fn reconnected<W>(&mut self, mailbox: &WriterMailbox<W>) -> Option<W> {
        self.reconnects_seen += 1;
        let generation = self.reconnects_seen;
        match mailbox.take(generation) {
            Taken::Writer(w) => {
                self.live = Some(generation);
                Some(w)
            }
            Taken::Superseded | Taken::Missing => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Session events as io pushes them, the mailbox as io leaves it, and what the dispatcher
    /// is told.
    #[derive(Debug, PartialEq)]
    enum Told {
        Down,
        Up(&'static str),
    }

    fn replay(mailbox: &WriterMailbox<&'static str>, events: &[bool]) -> Vec<Told> {
        let mut gate = SessionGate::default();
        let mut told = Vec::new();
        for &up in events {
            if up {
                if let Some(w) = gate.reconnected(mailbox) {
                    told.push(Told::Up(w));
                }
            } else if gate.disconnected() {
                told.push(Told::Down);
            }
        }
        told
    }

    #[test]
    fn one_reconnect_hands_its_writer_over() {
        let mailbox = WriterMailbox::default();
        mailbox.publish(1, "one");
        assert_eq!(
            replay(&mailbox, &[false, true]),
            [Told::Down, Told::Up("one")]
        );
    }

    #[test]
    fn two_reconnects_before_dispatch_looks_end_on_the_newest() {
        let mailbox = WriterMailbox::default();
        mailbox.publish(1, "one");
        mailbox.publish(2, "two");
        assert_eq!(
            replay(&mailbox, &[false, true, false, true]),
            [Told::Down, Told::Up("two")]
        );
    }

    #[test]
    fn dispatch_between_the_reconnects_moves_on_to_the_newer_writer() {
        let mailbox = WriterMailbox::default();
        let mut gate = SessionGate::default();
        mailbox.publish(1, "one");
        assert!(gate.disconnected());
        assert_eq!(gate.reconnected(&mailbox), Some("one"));
        mailbox.publish(2, "two");
        assert!(gate.disconnected());
        assert_eq!(gate.reconnected(&mailbox), Some("two"));
        assert_eq!(gate.live(), Some(2));
    }

    #[test]
    fn an_older_writer_never_replaces_a_newer_one() {
        let mailbox = WriterMailbox::default();
        mailbox.publish(2, "two");
        mailbox.publish(1, "one");
        assert_eq!(mailbox.take(2), Taken::Writer("two"));
    }

    #[test]
    fn a_session_dispatch_ended_itself_is_reported_once() {
        let mailbox = WriterMailbox::default();
        let mut gate = SessionGate::default();
        assert!(gate.write_failed(), "the first failed write ends it");
        assert!(!gate.write_failed());
        assert!(
            !gate.disconnected(),
            "io's report of the same loss is no news"
        );
        mailbox.publish(1, "one");
        assert_eq!(gate.reconnected(&mailbox), Some("one"));
        assert_eq!(gate.live(), Some(1));
    }
}
