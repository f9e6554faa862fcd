//! Causal previous-tick resampling of several instruments onto one homogeneous time grid.
//!
//! Pair statistics need the two legs observed at the same instants, and ticks of different
//! instruments never share a timestamp. Previous-tick interpolation (Dacorogna et al., *An
//! Introduction to High-Frequency Finance*, 2001; Zumbach and Müller 2001) reads each instrument
//! at a grid time as its last tick before that time. It is causal: a row depends only on ticks
//! already received, so the same code runs live and in a replay.

/// Resamples ticks of `instruments` instruments onto the grid `k * step_ns` (multiples of the
/// step counted from the Unix epoch, so a 1 s step gives rows at whole seconds).
///
/// # Convention
///
/// - **The row at grid time `T` holds, for every instrument, the value of its last tick with
///   `t < T`.** A tick at exactly `t == T` belongs to the next row, `T + step_ns`. No row ever
///   contains a value from a tick at or after its own time.
/// - A row is emitted as soon as it is complete: when a tick (or [`advance_to`]) arrives with
///   `t >= T`. A tick that crosses several grid times emits one row for each, oldest first; an
///   instrument without a new tick keeps its last value in every row (no gaps).
/// - **Rows are emitted only once every instrument has had a tick.** Grid times that pass
///   before that are skipped, not emitted later.
/// - Ticks must come in non-decreasing time (as `t_recv` stamps from one socket do). A tick
///   older than its instrument's newest tick is ignored; a tick older than a row already emitted
///   cannot change that row and counts from the next one. Non-finite values are ignored (the
///   time still advances).
///
/// O(1) per tick plus O(`instruments`) per row handed to `emit`; storage fixed in
/// [`new`](Self::new), no allocation after it. A gap of `G` ns emits `G / step_ns` rows in one
/// call: call [`reset`](Self::reset) across session breaks.
///
/// [`advance_to`]: Self::advance_to
///
/// # Examples
///
/// ```
/// use hft::stats::GridResampler;
///
/// // Two instruments on a 10 ns grid.
/// let mut grid = GridResampler::new(2, 10);
/// let mut rows = Vec::new();
/// let mut emit = |t: u64, row: &[f64]| rows.push((t, row.to_vec()));
/// grid.on_tick(0, 3, 100.0, &mut emit);
/// grid.on_tick(1, 5, 50.0, &mut emit);
/// grid.on_tick(0, 12, 101.0, &mut emit); // crosses 10: row 10 = last values before 10
/// grid.on_tick(0, 20, 102.0, &mut emit); // at 20 exactly: row 20 does not include it
/// grid.on_tick(1, 41, 51.0, &mut emit); // crosses 30 and 40: instrument 1 kept 50.0
/// assert_eq!(
///     rows,
///     [
///         (10, vec![100.0, 50.0]),
///         (20, vec![101.0, 50.0]),
///         (30, vec![102.0, 50.0]),
///         (40, vec![102.0, 50.0]),
///     ]
/// );
/// ```
#[derive(Debug, Clone)]
pub struct GridResampler {
    step_ns: u64,
    /// Last value of each instrument.
    values: Box<[f64]>,
    /// Time of each instrument's last tick.
    last_tick_ns: Box<[u64]>,
    seen: Box<[bool]>,
    /// Instruments without a tick yet; rows are emitted only at zero.
    unseen: usize,
    clock: Clock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clock {
    /// No time seen yet.
    Idle,
    /// The earliest grid time whose row has not been passed.
    Next(u64),
    /// The next grid time does not fit in a `u64`.
    Exhausted,
}

impl GridResampler {
    /// A resampler for `instruments` instruments (indices `0..instruments`) on a grid of
    /// `step_ns` nanoseconds.
    ///
    /// # Panics
    ///
    /// If `instruments` or `step_ns` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::GridResampler;
    ///
    /// let grid = GridResampler::new(4, 1_000_000); // 1 ms
    /// assert_eq!(grid.instruments(), 4);
    /// assert!(!grid.is_ready());
    /// ```
    pub fn new(instruments: usize, step_ns: u64) -> Self {
        assert!(
            instruments > 0,
            "GridResampler needs at least one instrument"
        );
        assert!(step_ns > 0, "GridResampler step must be at least 1 ns");
        GridResampler {
            step_ns,
            values: vec![0.0; instruments].into_boxed_slice(),
            last_tick_ns: vec![0; instruments].into_boxed_slice(),
            seen: vec![false; instruments].into_boxed_slice(),
            unseen: instruments,
            clock: Clock::Idle,
        }
    }

    /// Takes the tick `x` of `instrument` at `t_ns`: first emits the rows of every grid time
    /// `T <= t_ns` not yet passed (without this tick), then records the tick.
    ///
    /// `emit(T, row)` receives the grid time and one value per instrument, indexed by
    /// instrument; the slice is only valid during the call.
    ///
    /// # Panics
    ///
    /// If `instrument >= instruments()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::GridResampler;
    ///
    /// let mut grid = GridResampler::new(1, 100);
    /// let mut rows = Vec::new();
    /// grid.on_tick(0, 50, 1.0, |_, _| unreachable!());
    /// grid.on_tick(0, 350, 2.0, |t, row| rows.push((t, row[0])));
    /// assert_eq!(rows, [(100, 1.0), (200, 1.0), (300, 1.0)]);
    /// ```
    #[inline]
    pub fn on_tick(&mut self, instrument: usize, t_ns: u64, x: f64, emit: impl FnMut(u64, &[f64])) {
        assert!(
            instrument < self.values.len(),
            "instrument {instrument} out of range (GridResampler has {})",
            self.values.len()
        );
        self.advance_to(t_ns, emit);
        if !x.is_finite() {
            return;
        }
        if self.seen[instrument] {
            if t_ns < self.last_tick_ns[instrument] {
                return;
            }
        } else {
            self.seen[instrument] = true;
            self.unseen -= 1;
        }
        self.values[instrument] = x;
        self.last_tick_ns[instrument] = t_ns;
    }

    /// Emits the rows of every grid time `T <= t_ns` not yet passed, as if a tick had arrived
    /// at `t_ns` (for a timer or an event from another source that tells the time).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::GridResampler;
    ///
    /// let mut grid = GridResampler::new(1, 10);
    /// grid.on_tick(0, 1, 7.0, |_, _| {});
    /// let mut rows = Vec::new();
    /// grid.advance_to(25, |t, row| rows.push((t, row[0])));
    /// assert_eq!(rows, [(10, 7.0), (20, 7.0)]);
    /// assert_eq!(grid.next_boundary_ns(), Some(30));
    /// ```
    pub fn advance_to(&mut self, t_ns: u64, mut emit: impl FnMut(u64, &[f64])) {
        let step = self.step_ns;
        let mut next = match self.clock {
            Clock::Next(next) => next,
            Clock::Exhausted => return,
            Clock::Idle => {
                // The first grid time strictly after the first tick; no row before it can have
                // a value.
                self.clock = (t_ns / step)
                    .checked_add(1)
                    .and_then(|k| k.checked_mul(step))
                    .map_or(Clock::Exhausted, Clock::Next);
                return;
            }
        };
        while next <= t_ns {
            if self.unseen == 0 {
                emit(next, &self.values);
            }
            match next.checked_add(step) {
                Some(later) => next = later,
                None => {
                    self.clock = Clock::Exhausted;
                    return;
                }
            }
        }
        self.clock = Clock::Next(next);
    }

    /// The newest value of `instrument` (including ticks after the last emitted row); `None`
    /// before its first tick or out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::GridResampler;
    ///
    /// let mut grid = GridResampler::new(2, 10);
    /// grid.on_tick(1, 3, 9.5, |_, _| {});
    /// assert_eq!(grid.last(0), None);
    /// assert_eq!(grid.last(1), Some(9.5));
    /// assert_eq!(grid.last(2), None);
    /// ```
    #[inline]
    pub fn last(&self, instrument: usize) -> Option<f64> {
        match self.seen.get(instrument) {
            Some(true) => Some(self.values[instrument]),
            _ => None,
        }
    }

    /// Whether every instrument has had a tick, so grid times from now on emit rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::GridResampler;
    ///
    /// let mut grid = GridResampler::new(2, 10);
    /// grid.on_tick(0, 1, 1.0, |_, _| {});
    /// assert!(!grid.is_ready());
    /// grid.on_tick(1, 2, 1.0, |_, _| {});
    /// assert!(grid.is_ready());
    /// ```
    #[inline]
    pub fn is_ready(&self) -> bool {
        self.unseen == 0
    }

    /// The earliest grid time whose row has not been passed; `None` before any time is seen.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::GridResampler;
    ///
    /// let mut grid = GridResampler::new(1, 10);
    /// assert_eq!(grid.next_boundary_ns(), None);
    /// grid.on_tick(0, 20, 1.0, |_, _| {}); // exactly on the grid: row 20 would precede it
    /// assert_eq!(grid.next_boundary_ns(), Some(30));
    /// ```
    #[inline]
    pub fn next_boundary_ns(&self) -> Option<u64> {
        match self.clock {
            Clock::Next(next) => Some(next),
            Clock::Idle | Clock::Exhausted => None,
        }
    }

    /// Number of instruments given to `new`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::GridResampler;
    ///
    /// assert_eq!(GridResampler::new(3, 10).instruments(), 3);
    /// ```
    #[inline]
    pub fn instruments(&self) -> usize {
        self.values.len()
    }

    /// The grid step in nanoseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::GridResampler;
    ///
    /// assert_eq!(GridResampler::new(3, 10).step_ns(), 10);
    /// ```
    #[inline]
    pub fn step_ns(&self) -> u64 {
        self.step_ns
    }

    /// Forgets every tick and the clock; instruments and step stay, nothing is allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::GridResampler;
    ///
    /// let mut grid = GridResampler::new(1, 10);
    /// grid.on_tick(0, 5, 1.0, |_, _| {});
    /// grid.reset();
    /// assert!(!grid.is_ready());
    /// assert_eq!(grid.last(0), None);
    /// assert_eq!(grid.next_boundary_ns(), None);
    /// ```
    pub fn reset(&mut self) {
        self.values.fill(0.0);
        self.last_tick_ns.fill(0);
        self.seen.fill(false);
        self.unseen = self.values.len();
        self.clock = Clock::Idle;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = Vec<(u64, Vec<f64>)>;

    fn feed(grid: &mut GridResampler, ticks: &[(usize, u64, f64)]) -> Rows {
        let mut rows = Vec::new();
        for &(instrument, t, x) in ticks {
            grid.on_tick(instrument, t, x, |t, row| rows.push((t, row.to_vec())));
        }
        rows
    }

    #[test]
    fn quiet_instrument_keeps_its_last_value() {
        let mut grid = GridResampler::new(2, 100);
        let rows = feed(
            &mut grid,
            &[
                (0, 10, 1.0),
                (1, 20, 5.0),
                (0, 150, 2.0),
                (0, 250, 3.0),
                (0, 350, 4.0),
            ],
        );
        assert_eq!(
            rows,
            [
                (100, vec![1.0, 5.0]),
                (200, vec![2.0, 5.0]),
                (300, vec![3.0, 5.0]),
            ]
        );
    }

    #[test]
    fn one_tick_crossing_many_boundaries_emits_one_row_each() {
        let mut grid = GridResampler::new(2, 10);
        let rows = feed(&mut grid, &[(0, 1, 1.0), (1, 2, 2.0), (1, 55, 3.0)]);
        let times: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(times, [10, 20, 30, 40, 50]);
        assert!(rows.iter().all(|r| r.1 == [1.0, 2.0]));
    }

    #[test]
    fn tick_on_the_boundary_belongs_to_the_next_row() {
        let mut grid = GridResampler::new(1, 10);
        let rows = feed(
            &mut grid,
            &[(0, 5, 1.0), (0, 10, 2.0), (0, 19, 3.0), (0, 20, 4.0)],
        );
        assert_eq!(rows, [(10, vec![1.0]), (20, vec![3.0])]);
    }

    #[test]
    fn no_rows_until_every_instrument_has_a_value() {
        let mut grid = GridResampler::new(3, 10);
        let rows = feed(
            &mut grid,
            &[
                (0, 1, 1.0),
                (1, 15, 2.0),
                (0, 27, 1.5),
                (2, 33, 3.0),
                (2, 41, 3.5),
            ],
        );
        // 10, 20, 30 pass with instrument 2 unseen; 40 is the first complete row.
        assert_eq!(rows, [(40, vec![1.5, 2.0, 3.0])]);
    }

    #[test]
    fn stale_and_non_finite_ticks_are_ignored() {
        let mut grid = GridResampler::new(1, 10);
        let rows = feed(
            &mut grid,
            &[
                (0, 5, 1.0),
                (0, 8, 2.0),
                (0, 7, 9.0),
                (0, 9, f64::NAN),
                (0, 12, 3.0),
            ],
        );
        assert_eq!(rows, [(10, vec![2.0])]);
        assert_eq!(grid.last(0), Some(3.0));
    }

    #[test]
    fn grid_end_does_not_overflow() {
        let mut grid = GridResampler::new(1, 1 << 62);
        let rows = feed(
            &mut grid,
            &[(0, 1, 1.0), (0, u64::MAX, 2.0), (0, u64::MAX, 3.0)],
        );
        assert_eq!(
            rows,
            [
                (1 << 62, vec![1.0]),
                (2 << 62, vec![1.0]),
                (3 << 62, vec![1.0])
            ]
        );
        assert_eq!(grid.next_boundary_ns(), None);
        assert_eq!(grid.last(0), Some(3.0));
    }

    #[test]
    fn reset_starts_a_new_clock() {
        let mut grid = GridResampler::new(1, 10);
        feed(&mut grid, &[(0, 5, 1.0), (0, 15, 2.0)]);
        grid.reset();
        let rows = feed(&mut grid, &[(0, 1000, 7.0), (0, 1010, 8.0)]);
        assert_eq!(rows, [(1010, vec![7.0])]);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn instrument_out_of_range_panics() {
        GridResampler::new(2, 10).on_tick(2, 0, 1.0, |_, _| {});
    }
}
