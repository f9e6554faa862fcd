//! What the engine asks of the OS at start-up (all `unsafe` and OS-specific code of the stages is
//! here): a fine timer slack for threads that sleep to a schedule ([`fine_timer_slack`]), and
//! memory work so the hot path takes no page faults: every preallocated queue and
//! buffer is written once before the stages start ([`prefault_queue`], [`prefault_spare`]; the
//! latency histograms are zeroed when created), and with `engine.lock_memory = true` the whole
//! process is locked in RAM ([`lock_all`]: `mlockall(MCL_CURRENT | MCL_FUTURE)`), so nothing is
//! paged out later either.
//!
//! Why writing is needed: the allocator hands out large blocks as fresh anonymous pages, which
//! the kernel maps only at their first touch, a minor fault of about a microsecond (more under
//! a hypervisor) that would otherwise land on the first tick to reach each page of a 65,536-slot
//! queue.

use std::mem::MaybeUninit;

/// Why memory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// `mlockall` refused (usually `ENOMEM`: the lock limit is too low, or `EPERM`).
    #[error(
        "mlockall(MCL_CURRENT | MCL_FUTURE) failed: {source}; RLIMIT_MEMLOCK is {limit} \
         (raise it with `ulimit -l unlimited`, a `memlock` line in /etc/security/limits.conf or \
         LimitMEMLOCK= in a systemd unit, or run with CAP_IPC_LOCK; or set \
         engine.lock_memory = false)"
    )]
    Refused {
        source: std::io::Error,
        /// The soft limit, in words (`unlimited` or bytes).
        limit: String,
    },
    /// Not available on this platform.
    #[error("engine.lock_memory needs mlockall, which this platform does not have")]
    Unsupported,
}

/// Locks every page the process has mapped now and will map later into RAM.
///
/// # Errors
/// [`LockError::Refused`] with the OS error and the current `RLIMIT_MEMLOCK`.
#[cfg(unix)]
pub fn lock_all() -> Result<(), LockError> {
    // SAFETY: mlockall takes only flags and touches no memory of ours; its failure is reported
    // through its return value and errno, read at once below.
    let rc = unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) };
    if rc == 0 {
        return Ok(());
    }
    let source = std::io::Error::last_os_error();
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for the duration of the call.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut lim) };
    let limit = if got != 0 {
        "unknown".to_string()
    } else if lim.rlim_cur == libc::RLIM_INFINITY {
        "unlimited".to_string()
    } else {
        format!("{} bytes", lim.rlim_cur)
    };
    Err(LockError::Refused { source, limit })
}

/// Locks every page the process has mapped now and will map later into RAM.
///
/// # Errors
/// [`LockError::Unsupported`] on this platform.
#[cfg(not(unix))]
pub fn lock_all() -> Result<(), LockError> {
    Err(LockError::Unsupported)
}

/// Asks the kernel to wake this thread's timed sleeps within 1 us of their deadline instead of
/// the default 50 us timer slack (Linux `PR_SET_TIMERSLACK`; elsewhere a no-op). For threads that
/// sleep until a schedule, such as the paper gateway's market clock: with the default slack a
/// tick due at `t` may leave up to 50 us late. Returns whether the kernel took it.
pub fn fine_timer_slack() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_TIMERSLACK takes an integer argument and changes only this thread's
        // timer slack; no memory of ours is passed.
        let rc = unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1_000 as libc::c_ulong) };
        rc == 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Writes every slot of an empty SPSC queue once (pushes `sample` until it is full, then pops
/// it empty), so its pages are mapped before the stages start. Returns the slots written.
///
/// # Examples
/// ```
/// let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(1024);
/// assert_eq!(hft::runtime::prefault_queue(&mut tx, &mut rx, 0), 1024);
/// assert!(rx.is_empty() && tx.slots() == 1024); // empty again, nothing was consumed
/// ```
pub fn prefault_queue<T: Copy>(
    tx: &mut rtrb::Producer<T>,
    rx: &mut rtrb::Consumer<T>,
    sample: T,
) -> usize {
    let mut written = 0;
    while tx.push(sample).is_ok() {
        written += 1;
    }
    while rx.pop().is_ok() {}
    written
}

/// Writes zeros over the spare capacity of `v` (its length is unchanged), so the pages the
/// vector will grow into are mapped now.
///
/// # Examples
/// ```
/// let mut v: Vec<u8> = Vec::with_capacity(1 << 20);
/// hft::runtime::prefault_spare(&mut v);
/// assert!(v.is_empty() && v.capacity() >= 1 << 20);
/// ```
pub fn prefault_spare<T>(v: &mut Vec<T>) {
    let spare = v.spare_capacity_mut();
    for slot in spare.iter_mut() {
        *slot = MaybeUninit::zeroed();
    }
    // The writes must happen although nothing reads them.
    std::hint::black_box(spare);
}

/// Transparent huge pages: 2 MiB on x86-64 and aarch64 Linux.
const HUGE_PAGE: usize = 2 << 20;

/// A slice of `n` copies of `value` whose memory the kernel is asked to back with transparent
/// huge pages before it is first written (Linux `MADV_HUGEPAGE` over the 2 MiB-aligned part of
/// the allocation; elsewhere, or below 2 MiB, an ordinary allocation). For the large tables
/// built at start-up (execution ids, logs): a 12 MB table then costs six page faults instead of
/// three thousand, and the hot path walks it with fewer TLB misses. Where the kernel's
/// `transparent_hugepage` setting is `never` this is an ordinary allocation.
///
/// # Examples
/// ```
/// let t = hft::runtime::huge_filled(3 << 20, 7u8);
/// assert_eq!((t.len(), t[0], t[(3 << 20) - 1]), (3 << 20, 7, 7));
/// ```
pub fn huge_filled<T: Clone>(n: usize, value: T) -> Box<[T]> {
    let mut v = huge_vec(n);
    v.resize(n, value);
    v.into_boxed_slice()
}

/// An empty vector with room for `n` items, advised as [`huge_filled`]'s memory is.
pub fn huge_vec<T>(n: usize) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(n);
    advise_huge_pages(
        v.as_mut_ptr().cast(),
        n.saturating_mul(std::mem::size_of::<T>()),
    );
    v
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *mut u8, len: usize) {
    let (from, to) = (ptr as usize, (ptr as usize).saturating_add(len));
    let start = from.div_ceil(HUGE_PAGE) * HUGE_PAGE;
    let end = to / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: [start, end) is a page-aligned range inside the allocation [ptr, ptr + len)
        // this process owns; MADV_HUGEPAGE only tells the kernel how to back it, never reads,
        // writes or unmaps it. A refusal (EINVAL where THP is compiled out) changes nothing.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *mut u8, _len: usize) {}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_prefaulted_queue_is_empty_and_works_as_new() {
        let (mut tx, mut rx) = rtrb::RingBuffer::<[u64; 10]>::new(100);
        assert_eq!(prefault_queue(&mut tx, &mut rx, [7; 10]), 100);
        assert!(rx.is_empty());
        for k in 0..100u64 {
            tx.push([k; 10]).unwrap();
        }
        assert!(tx.is_full());
        for k in 0..100u64 {
            assert_eq!(rx.pop(), Ok([k; 10]));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_takes_the_fine_timer_slack() {
        assert!(std::thread::spawn(fine_timer_slack).join().unwrap());
    }

    #[test]
    fn a_refused_lock_names_the_limit_and_the_remedy() {
        let e = LockError::Refused {
            source: std::io::Error::from_raw_os_error(12),
            limit: "65536 bytes".into(),
        };
        let text = e.to_string();
        assert!(text.contains("RLIMIT_MEMLOCK is 65536 bytes"), "{text}");
        assert!(text.contains("engine.lock_memory = false"), "{text}");
    }
}
