//! Length framing: the size limit, hostile prefixes (refused without allocating), and the
//! reader across any split of the stream.

#[path = "common/codec.rs"]
mod codec;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use codec::{all_golden_bodies, framed, golden};
use hft::wire::{FrameError, FrameReader, split_frame};
use proptest::prelude::*;

/// Records the largest single allocation of the current thread, so a test can show that a hostile
/// length prefix is never turned into an allocation of that size.
struct LargestAllocation;

thread_local! {
    static LARGEST_ALLOCATION: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation(size: usize) {
    // `try_with`: allocations during thread teardown must not panic.
    let _ = LARGEST_ALLOCATION.try_with(|largest| largest.set(largest.get().max(size)));
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping only touches
// a const-initialised thread-local `Cell`, which neither allocates nor panics.
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation(new_size);
        // SAFETY: `ptr` and `layout` come from this allocator, that is from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` and `layout` come from this allocator, that is from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// The largest allocation `f` makes on this thread.
fn largest_allocation_during(f: impl FnOnce()) -> usize {
    LARGEST_ALLOCATION.with(|l| l.set(0));
    f();
    LARGEST_ALLOCATION.with(Cell::get)
}

#[test]
fn oversized_length_prefix_is_refused_without_allocating_it() {
    let hostile = [0x7f, 0xff, 0xff, 0xff, b'1', 0];
    let oversized = FrameError::Oversized {
        len: 0x7fff_ffff,
        max: 1 << 20,
    };
    let largest = largest_allocation_during(|| {
        assert_eq!(split_frame(&hostile, 1 << 20), Err(oversized));
    });
    assert_eq!(largest, 0, "split_frame allocated");

    let mut reader = FrameReader::new(1 << 20);
    let largest = largest_allocation_during(|| {
        reader.fill_from(&mut &hostile[..]).unwrap();
        assert_eq!(reader.next_frame(), Err(oversized));
    });
    assert_eq!(largest, 0, "the reader allocated");
}

#[test]
fn frame_at_the_limit_passes_and_one_byte_more_does_not() {
    let max = 300;
    let at_limit = framed(&vec![b'7'; max]);
    assert_eq!(
        split_frame(&at_limit, max),
        Ok(Some((&at_limit[4..], max + 4)))
    );
    let over = framed(&vec![b'7'; max + 1]);
    assert_eq!(
        split_frame(&over, max),
        Err(FrameError::Oversized {
            len: max as u32 + 1,
            max: max as u32
        })
    );
    // The limit is checked on the prefix alone, before the body arrives.
    assert_eq!(
        split_frame(&over[..4], max),
        Err(FrameError::Oversized {
            len: max as u32 + 1,
            max: max as u32
        })
    );
    for cut in 0..at_limit.len() {
        assert_eq!(split_frame(&at_limit[..cut], max), Ok(None), "cut {cut}");
    }
}

/// Every golden framed, one after another.
fn golden_stream() -> (Vec<u8>, Vec<&'static [u8]>) {
    let bodies = all_golden_bodies();
    let stream = bodies.iter().flat_map(|b| framed(b)).collect();
    (stream, bodies)
}

/// Feeds `chunks` to a reader and collects every frame it yields.
fn read_frames<'c>(
    reader: &mut FrameReader,
    chunks: impl IntoIterator<Item = &'c [u8]>,
) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    for mut chunk in chunks {
        while !chunk.is_empty() {
            let n = reader.fill_from(&mut chunk).expect("reading a slice");
            assert!(n > 0, "reader buffer full");
            while let Some(body) = reader.next_frame().expect("frame within the limit") {
                frames.push(body.to_vec());
            }
        }
    }
    frames
}

#[test]
fn reader_yields_the_same_frames_wherever_the_stream_splits() {
    let (stream, bodies) = golden_stream();
    for split in 0..=stream.len() {
        let mut reader = FrameReader::new(2048);
        let frames = read_frames(&mut reader, [&stream[..split], &stream[split..]]);
        assert_eq!(frames, bodies, "split at byte {split}");
        assert_eq!(reader.finish(), Ok(()));
    }
    let mut reader = FrameReader::new(2048);
    assert_eq!(read_frames(&mut reader, stream.chunks(1)), bodies);
}

#[test]
fn reader_reports_a_stream_that_stops_inside_a_frame() {
    let frame = framed(golden("TICK_PRICE"));
    for cut in 1..frame.len() {
        let mut reader = FrameReader::new(64);
        assert!(read_frames(&mut reader, [&frame[..cut]]).is_empty());
        assert_eq!(reader.finish(), Err(FrameError::Truncated), "cut {cut}");
    }
}

#[test]
fn reader_takes_bytes_left_over_from_the_handshake() {
    let (stream, bodies) = golden_stream();
    let mut reader = FrameReader::new(2048);
    let (early, late) = stream.split_at(123);
    assert_eq!(reader.push_bytes(early), early.len());
    assert_eq!(read_frames(&mut reader, [late]), bodies);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Long streams in random chunk sizes, so the reader compacts its buffer many times.
    #[test]
    fn reader_reassembles_long_streams_in_any_chunking(
        sizes in prop::collection::vec(1usize..9000, 1..64),
    ) {
        let (one, bodies) = golden_stream();
        let copies = 200_000 / one.len() + 1;
        let stream = one.repeat(copies);
        let mut chunks = Vec::new();
        let mut rest = stream.as_slice();
        for &size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at(size.min(rest.len()));
            chunks.push(chunk);
            rest = tail;
        }
        let mut reader = FrameReader::new(1024);
        let frames = read_frames(&mut reader, chunks);
        prop_assert_eq!(frames.len(), bodies.len() * copies);
        for (n, frame) in frames.iter().enumerate() {
            prop_assert_eq!(frame.as_slice(), bodies[n % bodies.len()]);
        }
        prop_assert_eq!(reader.finish(), Ok(()));
    }
}
