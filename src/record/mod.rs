//! What the stages record in memory while they run: fixed-capacity logs the hot path appends to
//! without allocating ([`FixedLog`]), and the executions dispatch saw ([`FillRecord`]). The
//! files written from them live in `rundir`.

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
            items: Vec::with_capacity(limit),
            limit,
            dropped: 0,
        }
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
