//! The text decoders survive 1,000,000 fuzzed frames without a panic: mutations of real frames
//! (bit flips, truncations, inserted and deleted bytes, NULs, digits turned into letters, fields
//! duplicated) and random garbage, through the engine's io decode path and every server and
//! client message decoder. Seeded, so a failure reproduces.

use hft::io::stage::decode;
use hft::sim::Rng;
use hft::wire::text::ServerMessage;
use hft::wire::{FrameReader, Request};

const FRAMES: usize = 1_000_000;

fn seeds() -> Vec<Vec<u8>> {
    let bodies: [&[u8]; 14] = [
        b"1\x006\x001001\x001\x00101.25\x00300\x000\x00",
        b"2\x006\x001001\x000\x00400\x00",
        b"99\x001001\x003\x001764000000\x00101.25\x00101.26\x00300\x00200\x000\x00",
        b"99\x001001\x001\x001764000000\x00101.25\x00100\x000\x00ISLAND\x00\x00",
        b"3\x001001\x00Filled\x00100\x000\x00101.26\x00555\x000\x00101.26\x001\x00\x000\x00",
        b"4\x002\x00-1\x002104\x00Market data farm connection is OK:usfarm\x00\x00",
        b"9\x001\x001000\x00",
        b"15\x001\x00DU1234567\x00",
        b"11\x00-1\x001001\x00756733\x00SPY\x00STK\x00\x000\x00\x00\x00SMART\x00USD\x00SPY\x00SPY\x000000e1a7.00000001.01.01\x0020240102 10:30:00 UTC\x00DU1\x00ISLAND\x00BOT\x00100\x00450.1\x001\x001\x000\x00100\x00450.1\x007\x00\x00\x00\x002\x000\x00",
        b"59\x001\x000000e1a7.00000001.01.01\x001.0\x00USD\x001.7976931348623157E308\x001.7976931348623157E308\x00\x00",
        b"17\x001\x0020240101 00:00:00\x0020240102 00:00:00\x002\x001704067200\x00100\x00101\x0099\x00100.5\x00-1\x00-1\x00-1\x001704067260\x00100.5\x00101\x0099\x00100\x00-1\x00-1\x00-1\x00",
        b"61\x003\x00DU1\x00756733\x00SPY\x00STK\x00\x000\x00\x00\x00ARCA\x00USD\x00SPY\x00SPY\x00100\x00450.12\x00",
        b"1\x0011\x007\x000\x00SPY\x00STK\x00\x000\x00\x00\x00SMART\x00\x00USD\x00\x00\x000\x00\x000\x000\x00\x00",
        b"3\x001001\x000\x00SPY\x00STK\x00\x00\x00\x00\x00SMART\x00\x00USD\x00\x00\x00\x00\x00BUY\x00100\x00MKT\x00\x00\x00DAY\x00\x00DU1\x00O\x000\x0042\x001\x000\x00",
    ];
    bodies.iter().map(|b| b.to_vec()).collect()
}

fn mutate(rng: &mut Rng, frame: &mut Vec<u8>) {
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let len = frame.len().max(1) as u64;
        let at = rng.below(len) as usize;
        match rng.below(8) {
            0 if !frame.is_empty() => {
                let i = at.min(frame.len() - 1);
                frame[i] ^= 1 << rng.below(8);
            }
            1 => frame.truncate(at),
            2 => frame.insert(at.min(frame.len()), rng.below(256) as u8),
            3 if !frame.is_empty() => {
                frame.remove(at.min(frame.len() - 1));
            }
            4 => frame.insert(at.min(frame.len()), 0),
            5 if !frame.is_empty() => {
                let i = at.min(frame.len() - 1);
                if frame[i].is_ascii_digit() {
                    frame[i] = b'x';
                }
            }
            6 => {
                let i = at.min(frame.len());
                let copy: Vec<u8> = frame[i..].iter().take(12).copied().collect();
                frame.splice(i..i, copy);
            }
            _ => {
                let n = rng.below(64) as usize;
                frame.clear();
                frame.extend((0..n).map(|_| rng.below(256) as u8));
            }
        }
    }
}

#[test]
fn a_million_fuzzed_frames_decode_or_fail_cleanly() {
    let seeds = seeds();
    let symbols = vec!["SPY".to_string(), "IVV".to_string()];
    let mut rng = Rng::new(0xf022, 1);
    let (mut ok, mut errors) = (0u64, 0u64);
    let mut seq = 0u64;
    let mut frame = Vec::with_capacity(512);
    for i in 0..FRAMES {
        frame.clear();
        frame.extend_from_slice(&seeds[i % seeds.len()]);
        mutate(&mut rng, &mut frame);
        for version in [178, 196] {
            match ServerMessage::decode(&frame, version) {
                Ok(_) => ok += 1,
                Err(_) => errors += 1,
            }
        }
        let _ = decode(&frame, 178, 0, 0, &mut seq, &symbols);
        let _ = Request::decode_text(&frame);
    }
    // Framing: the same bytes as a stream with arbitrary length prefixes.
    let mut reader = FrameReader::new(4096);
    let mut stream = Vec::new();
    for _ in 0..10_000 {
        let n = rng.below(80) as usize;
        stream.extend((0..n).map(|_| rng.below(256) as u8));
    }
    let mut input: &[u8] = &stream;
    while let Ok(n) = reader.fill_from(&mut input) {
        if n == 0 {
            break;
        }
        loop {
            match reader.next_frame() {
                Ok(Some(body)) => {
                    let _ = ServerMessage::decode(body, 178);
                }
                Ok(None) => break,
                Err(_) => {
                    reader = FrameReader::new(4096);
                    break;
                }
            }
        }
    }
    assert_eq!(ok + errors, 2 * FRAMES as u64);
    assert!(
        ok > 0 && errors > 0,
        "the fuzzer exercised both paths ({ok} ok, {errors} errors)"
    );
}
