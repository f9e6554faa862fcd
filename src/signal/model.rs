//! The cold model thread: heavy fits (a VAR or VECM, a Markov-switching regime model, a break
//! test over a long window) never run inside a tick. The signal stage copies a snapshot of its
//! window into a buffer allocated at start-up and hands it over; a cold thread refits on it and
//! publishes the new parameters into a [`ParamSlot`], which the signal stage reads on a later
//! quote without ever waiting.
//!
//! Three pieces, each usable alone:
//!
//! - [`Refit`]: what is fitted (a snapshot type, a `Copy` parameter type and the fit). One
//!   implementation per model family: the pair fit (`strategy::refit`), a basket's.
//! - [`ParamSlot`]: a single-writer seqlock slot with a sequence number (Lameter 2005,
//!   "Effective synchronization on Linux/NUMA systems"; the `seqlock` of the Linux kernel,
//!   `include/linux/seqlock.h`). The writer makes the sequence odd, writes the value, makes it
//!   even; a reader that sees an odd sequence, or a different one after reading, discards what
//!   it read and keeps its current parameters until the next quote: the reader never spins and
//!   never blocks, the writer never waits for readers. [`ParamSlot::split`] hands out one
//!   [`Publisher`] (not `Clone`: one writer) and one [`Subscriber`].
//! - [`ModelLink`]: the signal stage's end for one model. Built *inline* (the refit runs inside
//!   [`ModelLink::request`], at the event time of the request, so `hft backtest` is
//!   deterministic), then optionally [attached](ModelThreadBuilder::attach) to a
//!   [`ModelThread`] (the engine): the snapshot buffer then travels to the cold thread and back
//!   through two `rtrb` queues (a `Box` moved, never allocated), and a request while the thread
//!   still fits the previous snapshot is skipped and counted ([`LinkCounters::busy`]).
//!
//! In both modes new parameters reach the strategy through [`ModelLink::poll`], called before
//! each quote: inline, the parameters of a request at quote `n` are applied from quote `n + 1`;
//! threaded, from the first quote after the fit is published.
//!
//! No allocation after start-up in the link, the slot or the thread's loop; the fit itself runs
//! on the cold thread (or, in a backtest, inline) and may allocate.

pub use super::windows::RefitWindows;
use crossbeam::sync::{Parker, Unparker};
use crossbeam::utils::CachePadded;
use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
use std::thread::JoinHandle;
use std::time::Duration;

/// A model refitted on the cold thread.
///
/// # Examples
/// ```
/// use hft::signal::model::{ModelLink, Refit};
/// /// The mean of a window.
/// struct Mean;
/// impl Refit for Mean {
///     type Snapshot = Vec<f64>;
///     type Params = f64;
///     fn refit(&mut self, window: &Vec<f64>) -> Option<f64> {
///         (!window.is_empty()).then(|| window.iter().sum::<f64>() / window.len() as f64)
///     }
/// }
/// let mut link = ModelLink::inline(Mean, Vec::with_capacity(4));
/// assert!(link.request(|w| { w.clear(); w.extend([1.0, 2.0, 6.0]); }));
/// assert_eq!(link.poll(), Some(3.0));
/// assert_eq!(link.poll(), None); // nothing newer
/// ```
pub trait Refit: Send + 'static {
    /// What the signal stage copies for a fit (buffers sized at start-up, refilled in place).
    type Snapshot: Send + 'static;
    /// What a fit publishes: small and `Copy`.
    type Params: Copy + Send + 'static;
    /// Fits on `snapshot`; `None` when the fit is undefined (the previous parameters stay).
    fn refit(&mut self, snapshot: &Self::Snapshot) -> Option<Self::Params>;
}

/// A single-writer seqlock slot holding the latest parameters and their version.
pub struct ParamSlot<T> {
    /// Twice the number of completed writes; odd while a write is in progress.
    seq: CachePadded<AtomicU64>,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: the value is written by the one `Publisher` and read by copying it with volatile reads
// whose result is used only when the sequence shows no write overlapped; `T: Copy` has no drop
// glue and no interior references, so a discarded torn copy is never looked at.
unsafe impl<T: Copy + Send> Sync for ParamSlot<T> {}

impl<T: Copy + Send> ParamSlot<T> {
    /// An empty slot, split into its one writer and its reader.
    ///
    /// # Examples
    /// ```
    /// use hft::signal::model::ParamSlot;
    /// let (mut publisher, mut subscriber) = ParamSlot::split();
    /// assert_eq!(subscriber.newer(), None);
    /// publisher.publish([1.0, 2.0]);
    /// publisher.publish([3.0, 4.0]);
    /// assert_eq!(subscriber.newer(), Some([3.0, 4.0])); // the latest only
    /// assert_eq!(subscriber.version(), 2);
    /// assert_eq!(subscriber.newer(), None);
    /// ```
    pub fn split() -> (Publisher<T>, Subscriber<T>) {
        let slot = Arc::new(ParamSlot {
            seq: CachePadded::new(AtomicU64::new(0)),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        });
        (
            Publisher { slot: slot.clone() },
            Subscriber { slot, seen: 0 },
        )
    }
}

/// The writing end of a [`ParamSlot`] (one per slot).
pub struct Publisher<T> {
    slot: Arc<ParamSlot<T>>,
}

impl<T: Copy + Send> Publisher<T> {
    /// Stores `value` as the newest parameters; never waits.
    pub fn publish(&mut self, value: T) {
        let seq = &self.slot.seq;
        let s = seq.load(Ordering::Relaxed);
        seq.store(s + 1, Ordering::Relaxed);
        // The odd sequence is visible before any byte of the value changes.
        fence(Ordering::Release);
        // SAFETY: `&mut self` and a non-`Clone` publisher make this the only writer; readers
        // copy concurrently but discard the copy when the sequence moved (see `newer`).
        unsafe { std::ptr::write_volatile(self.slot.value.get(), MaybeUninit::new(value)) };
        seq.store(s + 2, Ordering::Release);
    }
}

/// The reading end of a [`ParamSlot`].
pub struct Subscriber<T> {
    slot: Arc<ParamSlot<T>>,
    /// The sequence of the last value returned.
    seen: u64,
}

impl<T: Copy + Send> Subscriber<T> {
    /// The newest value, when one was published since the last call and no write is in
    /// progress; otherwise `None` (try again later: this never waits).
    #[inline]
    pub fn newer(&mut self) -> Option<T> {
        let seq = &self.slot.seq;
        let before = seq.load(Ordering::Acquire);
        if before == self.seen || before & 1 == 1 {
            return None;
        }
        // SAFETY: a volatile copy into `MaybeUninit` (no validity assumed); it is used only if
        // the sequence is unchanged afterwards, i.e. no write overlapped the copy, and a write
        // completed before `before` was published (Acquire above pairs with its Release).
        let copy = unsafe { std::ptr::read_volatile(self.slot.value.get()) };
        fence(Ordering::Acquire);
        if seq.load(Ordering::Relaxed) != before {
            return None;
        }
        self.seen = before;
        // SAFETY: `before` is even and non-zero, so a complete write of a `T` precedes it.
        Some(unsafe { copy.assume_init() })
    }

    /// How many values were published up to the last one returned by [`newer`](Self::newer).
    pub fn version(&self) -> u64 {
        self.seen / 2
    }
}

/// What became of a link's requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounters {
    /// Snapshots handed to the fit.
    pub requested: u64,
    /// Requests skipped because the cold thread still held the snapshot buffer.
    pub busy: u64,
    /// Parameters taken by the strategy.
    pub applied: u64,
}

enum Mode<R: Refit> {
    /// The fit runs inside `request`.
    Inline {
        refit: R,
        snapshot: Box<R::Snapshot>,
        publisher: Publisher<R::Params>,
    },
    /// The fit runs on a [`ModelThread`].
    Threaded {
        /// The snapshot buffer when the signal stage holds it.
        free: rtrb::Consumer<Box<R::Snapshot>>,
        jobs: rtrb::Producer<Box<R::Snapshot>>,
        wake: Unparker,
    },
    /// Only while being attached.
    Moving,
}

/// The signal stage's end of one model (see the module docs).
pub struct ModelLink<R: Refit> {
    mode: Mode<R>,
    params: Subscriber<R::Params>,
    counters: LinkCounters,
}

impl<R: Refit> ModelLink<R> {
    /// A link whose fit runs inside [`request`](Self::request), on the buffer `snapshot`
    /// (allocate it here at its full size).
    pub fn inline(refit: R, snapshot: R::Snapshot) -> Self {
        let (publisher, params) = ParamSlot::split();
        ModelLink {
            mode: Mode::Inline {
                refit,
                snapshot: Box::new(snapshot),
                publisher,
            },
            params,
            counters: LinkCounters::default(),
        }
    }

    /// Fills the snapshot buffer with `fill` and hands it to the fit; false (and `fill` not
    /// called) when the cold thread still holds the buffer.
    pub fn request(&mut self, fill: impl FnOnce(&mut R::Snapshot)) -> bool {
        match &mut self.mode {
            Mode::Inline {
                refit,
                snapshot,
                publisher,
            } => {
                fill(snapshot);
                self.counters.requested += 1;
                if let Some(p) = refit.refit(snapshot) {
                    publisher.publish(p);
                }
                true
            }
            Mode::Threaded { free, jobs, wake } => {
                let Ok(mut snapshot) = free.pop() else {
                    self.counters.busy += 1;
                    return false;
                };
                fill(&mut snapshot);
                self.counters.requested += 1;
                // The one buffer was in `free`, so the jobs queue (capacity 1) is empty.
                let _ = jobs.push(snapshot);
                wake.unpark();
                true
            }
            Mode::Moving => false,
        }
    }

    /// Parameters published since the last call, if any (never waits).
    #[inline]
    pub fn poll(&mut self) -> Option<R::Params> {
        let p = self.params.newer();
        if p.is_some() {
            self.counters.applied += 1;
        }
        p
    }

    /// Whether the fit runs on a cold thread.
    pub fn is_threaded(&self) -> bool {
        matches!(self.mode, Mode::Threaded { .. })
    }

    /// Counters so far.
    pub fn counters(&self) -> LinkCounters {
        self.counters
    }
}

/// One attached model, as the cold thread runs it.
trait Work: Send {
    /// Fits a pending snapshot, if any; true when there was one.
    fn step(&mut self) -> bool;
}

struct Worker<R: Refit> {
    refit: R,
    jobs: rtrb::Consumer<Box<R::Snapshot>>,
    free: rtrb::Producer<Box<R::Snapshot>>,
    publisher: Publisher<R::Params>,
    windows: RefitWindows,
}

impl<R: Refit> Work for Worker<R> {
    fn step(&mut self) -> bool {
        let Ok(snapshot) = self.jobs.pop() else {
            return false;
        };
        self.windows.begin();
        let fitted = self.refit.refit(&snapshot);
        self.windows.end();
        if let Some(p) = fitted {
            self.publisher.publish(p);
        }
        // Capacity 1 and the buffer was here: the queue has room.
        let _ = self.free.push(snapshot);
        true
    }
}

/// Collects links to run on one cold thread ([`ModelThread::builder`]).
pub struct ModelThreadBuilder {
    parker: Parker,
    work: Vec<Box<dyn Work>>,
    windows: RefitWindows,
}

impl ModelThreadBuilder {
    /// Moves `link`'s fit to the thread being built; the link then hands its snapshots over.
    /// A link already attached is left as it is.
    pub fn attach<R: Refit>(&mut self, link: &mut ModelLink<R>) {
        if !matches!(link.mode, Mode::Inline { .. }) {
            return;
        }
        let Mode::Inline {
            refit,
            snapshot,
            publisher,
        } = std::mem::replace(&mut link.mode, Mode::Moving)
        else {
            unreachable!("checked above");
        };
        let (mut free_tx, free_rx) = rtrb::RingBuffer::new(1);
        let (jobs_tx, jobs_rx) = rtrb::RingBuffer::new(1);
        let _ = free_tx.push(snapshot);
        self.work.push(Box::new(Worker {
            refit,
            jobs: jobs_rx,
            free: free_tx,
            publisher,
            windows: self.windows.clone(),
        }));
        link.mode = Mode::Threaded {
            free: free_rx,
            jobs: jobs_tx,
            wake: self.parker.unparker().clone(),
        };
    }

    /// Starts the thread (named `name`); with nothing attached, no thread is started.
    ///
    /// # Errors
    /// When the operating system cannot start a thread.
    pub fn spawn(self, name: &str) -> std::io::Result<ModelThread> {
        if self.work.is_empty() {
            return Ok(ModelThread {
                stop: Arc::new(AtomicBool::new(false)),
                wake: None,
                handle: None,
                windows: self.windows,
            });
        }
        let stop = Arc::new(AtomicBool::new(false));
        let wake = self.parker.unparker().clone();
        let windows = self.windows.clone();
        let (parker, mut work, stopping) = (self.parker, self.work, stop.clone());
        let handle = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                while !stopping.load(Ordering::Acquire) {
                    let mut busy = false;
                    for w in work.iter_mut() {
                        busy |= w.step();
                    }
                    if !busy {
                        // Woken by a request or the stop; the timeout only bounds a lost race.
                        parker.park_timeout(Duration::from_millis(100));
                    }
                }
            })?;
        Ok(ModelThread {
            stop,
            wake: Some(wake),
            handle: Some(handle),
            windows,
        })
    }
}

/// The cold model thread: fits snapshots of its attached links. Stopped and joined on drop.
///
/// # Examples
/// ```
/// use hft::signal::model::{ModelLink, ModelThread, Refit};
/// struct Sum;
/// impl Refit for Sum {
///     type Snapshot = [f64; 3];
///     type Params = f64;
///     fn refit(&mut self, s: &[f64; 3]) -> Option<f64> { Some(s.iter().sum()) }
/// }
/// let mut link = ModelLink::inline(Sum, [0.0; 3]);
/// let mut builder = ModelThread::builder();
/// builder.attach(&mut link);
/// let thread = builder.spawn("hft-model").unwrap();
/// assert!(link.is_threaded());
/// assert!(link.request(|s| *s = [1.0, 2.0, 3.0]));
/// let fitted = loop {
///     if let Some(p) = link.poll() { break p; }
///     std::thread::yield_now();
/// };
/// assert_eq!(fitted, 6.0);
/// drop(thread); // stops and joins
/// ```
pub struct ModelThread {
    stop: Arc<AtomicBool>,
    wake: Option<Unparker>,
    handle: Option<JoinHandle<()>>,
    windows: RefitWindows,
}

impl ModelThread {
    /// A builder to attach links to.
    pub fn builder() -> ModelThreadBuilder {
        ModelThreadBuilder {
            parker: Parker::new(),
            work: Vec::new(),
            windows: RefitWindows::default(),
        }
    }

    /// Whether a thread runs (something was attached).
    pub fn is_running(&self) -> bool {
        self.handle.is_some()
    }

    /// When it fits (for the signal stage's service time during and outside fits).
    pub fn windows(&self) -> RefitWindows {
        self.windows.clone()
    }
}

impl Drop for ModelThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(w) = &self.wake {
            w.unpark();
        }
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    /// Sum and count of the snapshot's values; publishes `[sum, len]`.
    struct SumFit {
        fits: u64,
    }

    impl Refit for SumFit {
        type Snapshot = Vec<f64>;
        type Params = [f64; 2];
        fn refit(&mut self, s: &Vec<f64>) -> Option<[f64; 2]> {
            self.fits += 1;
            (!s.is_empty()).then(|| [s.iter().sum(), s.len() as f64])
        }
    }

    fn wait_poll<R: Refit>(link: &mut ModelLink<R>) -> R::Params {
        loop {
            if let Some(p) = link.poll() {
                return p;
            }
            std::thread::yield_now();
        }
    }

    #[test]
    fn inline_fits_at_the_request_and_applies_once() {
        let mut link = ModelLink::inline(SumFit { fits: 0 }, Vec::with_capacity(8));
        assert_eq!(link.poll(), None);
        assert!(link.request(|s| {
            s.clear();
            s.extend([1.0, 2.0]);
        }));
        assert_eq!(link.poll(), Some([3.0, 2.0]));
        assert_eq!(link.poll(), None);
        // An undefined fit publishes nothing: the last parameters stay.
        assert!(link.request(|s| s.clear()));
        assert_eq!(link.poll(), None);
        let c = link.counters();
        assert_eq!((c.requested, c.busy, c.applied), (2, 0, 1));
        assert!(!link.is_threaded());
    }

    #[test]
    fn threaded_link_skips_requests_while_the_thread_holds_the_buffer() {
        /// Blocks in the fit until the test lets it go.
        struct Gated(Arc<Barrier>);
        impl Refit for Gated {
            type Snapshot = u64;
            type Params = u64;
            fn refit(&mut self, s: &u64) -> Option<u64> {
                self.0.wait();
                self.0.wait();
                Some(*s * 10)
            }
        }
        let gate = Arc::new(Barrier::new(2));
        let mut link = ModelLink::inline(Gated(gate.clone()), 0u64);
        let mut b = ModelThread::builder();
        b.attach(&mut link);
        let thread = b.spawn("test-model").unwrap();
        assert!(thread.is_running());
        let windows = thread.windows();
        let before = windows.stamp();
        assert!(link.request(|s| *s = 7));
        gate.wait(); // the thread is inside the fit, holding the buffer
        // Its fitting window is stamped: odd while it fits.
        assert_eq!(windows.stamp() % 2, 1);
        assert!(RefitWindows::overlapped(before, windows.stamp()));
        assert!(!link.request(|_| panic!("the buffer is away")));
        assert_eq!(link.poll(), None);
        gate.wait(); // let the fit finish
        assert_eq!(wait_poll(&mut link), 70);
        // The buffer comes back: the next request goes through.
        let next = loop {
            if link.request(|s| *s = 8) {
                break true;
            }
            std::thread::yield_now();
        };
        assert!(next);
        gate.wait();
        gate.wait();
        assert_eq!(wait_poll(&mut link), 80);
        let c = link.counters();
        assert!(c.busy >= 1);
        assert_eq!((c.requested, c.applied), (2, 2));
        assert_eq!(thread.windows().fits(), 2);
        drop(thread);
    }

    #[test]
    fn one_thread_serves_links_of_different_models() {
        struct Double;
        impl Refit for Double {
            type Snapshot = f64;
            type Params = f64;
            fn refit(&mut self, s: &f64) -> Option<f64> {
                Some(2.0 * s)
            }
        }
        let mut sums = ModelLink::inline(SumFit { fits: 0 }, Vec::with_capacity(4));
        let mut doubles = ModelLink::inline(Double, 0.0);
        let mut b = ModelThread::builder();
        b.attach(&mut sums);
        b.attach(&mut doubles);
        b.attach(&mut doubles); // a second attach changes nothing
        let thread = b.spawn("test-model").unwrap();
        assert!(sums.request(|s| {
            s.clear();
            s.extend([1.0, 2.0, 3.0]);
        }));
        assert!(doubles.request(|s| *s = 21.0));
        assert_eq!(wait_poll(&mut sums), [6.0, 3.0]);
        assert_eq!(wait_poll(&mut doubles), 42.0);
        drop(thread);
    }

    #[test]
    fn nothing_attached_starts_no_thread() {
        let t = ModelThread::builder().spawn("unused").unwrap();
        assert!(!t.is_running());
    }

    #[test]
    fn a_reader_never_sees_a_torn_value() {
        // Every published value is [n; 8]; a torn copy would mix two n.
        let (mut publisher, mut subscriber) = ParamSlot::<[u64; 8]>::split();
        let writer = std::thread::spawn(move || {
            for n in 1..=20_000u64 {
                publisher.publish([n; 8]);
            }
        });
        let mut last = 0;
        while last < 20_000 {
            if let Some(v) = subscriber.newer() {
                assert!(v.iter().all(|&x| x == v[0]), "torn read {v:?}");
                assert!(v[0] > last, "went backwards");
                last = v[0];
            } else if writer.is_finished() {
                // The final value is still there to be read once.
                if let Some(v) = subscriber.newer() {
                    last = v[0];
                }
                break;
            }
        }
        writer.join().unwrap();
        assert_eq!(last, 20_000);
        assert_eq!(subscriber.version(), 20_000);
    }
}
