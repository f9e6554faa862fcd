//! What the stages record in memory while they run: fixed-capacity logs the hot path appends to
//! without allocating ([`FixedLog`]), the executions dispatch saw ([`FillRecord`]), and the hot
//! path's end of the recorders' queues ([`RecordTap`]). The files written from them live in
//! `rundir`.

/// An append-only log with a fixed capacity, all allocated up front: once full it keeps what it
/// has and counts the rest, so recording never allocates and a long run never grows it.
///
/// # Examples
/// ```
/// use hft::record::FixedLog;
///
/// let mut log = FixedLog::preallocated(2);
/// assert!(log.push(1) && log.push(2));
/// assert!(!log.push(3)); // full: counted, not stored
/// assert_eq!((log.as_slice(), log.dropped()), (&[1, 2][..], 1));
/// ```
#[derive(Debug, Clone)]
pub struct FixedLog<T> {
    items: Vec<T>,
    limit: usize,
    dropped: u64,
}

impl<T> FixedLog<T> {
    /// A log of `limit` items, all allocated now: [`push`](Self::push) never allocates.
    pub fn preallocated(limit: usize) -> Self {
        FixedLog {
            items: crate::runtime::huge_vec(limit),
            limit,
            dropped: 0,
        }
    }

    /// Writes the log's whole preallocated room once (its length is unchanged), so recording
    /// takes no page fault (the live engine calls it at start-up; a backtest does not need it).
    pub fn prefault(&mut self) {
        crate::runtime::prefault_spare(&mut self.items);
    }

    /// Appends `item`; false (and counted as dropped) when the log is full.
    #[inline]
    pub fn push(&mut self, item: T) -> bool {
        if self.items.len() < self.limit {
            self.items.push(item);
            true
        } else {
            self.dropped += 1;
            false
        }
    }

    /// The items kept, oldest first.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// Mutable access to a kept item (e.g. a commission reported after its fill).
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.items.get_mut(index)
    }

    /// Items kept.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Items refused because the log was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The maximum number of items kept.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Counts `n` items refused without seeing them (a log of no room, whose items were
    /// never made).
    pub fn count_dropped(&mut self, n: u64) {
        self.dropped += n;
    }
}

/// One execution as the engine's dispatch stage saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FillRecord {
    /// When dispatch read the execution (monotonic, `latency::now_ns`).
    pub t_ns: u64,
    /// Event time of the tick that triggered the order (0 for an order the engine did not send).
    pub signal_t_ns: u64,
    pub order_id: i32,
    pub instrument: u16,
    /// Pair of the order, `u16::MAX` when unknown.
    pub pair: u16,
    /// Signed shares (buy positive).
    pub qty: f64,
    pub price: f64,
    /// Commission reported for this execution so far.
    pub commission: f64,
}

/// The hot path's end of a recorder's queue (an rtrb SPSC ring allocated at start-up):
/// [`push`](Self::push) never waits and never allocates; a full queue drops the item and counts
/// it, so a slow disk cannot hold the stage back.
///
/// # Examples
/// ```
/// use hft::record::QuoteTap;
/// use hft::types::Quote;
/// let (producer, mut consumer) = rtrb::RingBuffer::new(1);
/// let mut tap = QuoteTap::new(producer);
/// tap.push(Quote { bid: 1.0, ask: 1.01, ..Default::default() });
/// tap.push(Quote::default()); // full: dropped and counted
/// assert_eq!((tap.sent(), tap.dropped()), (1, 1));
/// assert_eq!(consumer.pop().unwrap().bid, 1.0);
/// ```
#[derive(Debug)]
pub struct RecordTap<T> {
    producer: rtrb::Producer<T>,
    sent: u64,
    dropped: u64,
}

/// The quote recorder's tap: every top of book normalize judges.
pub type QuoteTap = RecordTap<crate::types::Quote>;

/// The raw-event recorder's tap: every market-data event normalize receives.
pub type EventTap = RecordTap<crate::types::MdEvent>;

impl<T> RecordTap<T> {
    /// The tap on `producer`'s queue.
    pub fn new(producer: rtrb::Producer<T>) -> Self {
        RecordTap {
            producer,
            sent: 0,
            dropped: 0,
        }
    }

    /// Hands `item` to the recorder, or drops and counts it when the queue is full.
    #[inline]
    pub fn push(&mut self, item: T) {
        match self.producer.push(item) {
            Ok(()) => self.sent += 1,
            Err(_) => self.dropped += 1,
        }
    }

    /// Items handed over so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Items dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
