//! Parquet's RLE / bit-packed hybrid encoding, decoded: the dictionary indices of the symbol
//! column and the definition levels of a nullable column. The `parquet` crate keeps its decoder
//! private (behind its `experimental` feature); reading indices directly is what lets a symbol
//! be looked up once per dictionary entry instead of once per row.
//!
//! Format (Parquet's `Encodings.md`, "Run Length Encoding / Bit-Packing Hybrid"): runs, each a
//! ULEB128 header; `header & 1 == 0`: an RLE run of `header >> 1` copies of one value stored in
//! `ceil(bit_width / 8)` little-endian bytes; `header & 1 == 1`: `header >> 1` groups of eight
//! values bit-packed, least significant bit first.

/// Decodes `count` values of `bit_width` bits from `data` into `out` (appended).
///
/// # Errors
/// A message when the data ends before `count` values or a header is malformed.
///
/// # Examples
/// ```
/// # use hft::rundir::decode_rle_hybrid;
/// let mut out = Vec::new();
/// // An RLE run of 3 x 5, then one bit-packed group of 8 values 0..8 at 3 bits.
/// let data = [0x06, 0x05, 0x03, 0x88, 0xc6, 0xfa];
/// decode_rle_hybrid(&data, 3, 11, &mut out).unwrap();
/// assert_eq!(out, [5, 5, 5, 0, 1, 2, 3, 4, 5, 6, 7]);
/// assert!(decode_rle_hybrid(&data[..3], 3, 11, &mut Vec::new()).is_err());
/// ```
pub fn decode_rle_hybrid(
    data: &[u8],
    bit_width: u32,
    count: usize,
    out: &mut Vec<u32>,
) -> Result<(), String> {
    if bit_width > 32 {
        return Err(format!("bit width {bit_width} above 32"));
    }
    let target = out.len() + count;
    out.reserve(count);
    let mut pos = 0usize;
    let value_bytes = bit_width.div_ceil(8) as usize;
    while out.len() < target {
        let mut header = 0u64;
        let mut shift = 0;
        loop {
            let Some(&b) = data.get(pos) else {
                return Err(format!(
                    "levels or indices end after {} of {count} values",
                    count - (target - out.len())
                ));
            };
            pos += 1;
            header |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 35 {
                return Err("run header longer than 5 bytes".into());
            }
        }
        let want = target - out.len();
        if header & 1 == 0 {
            let run = (header >> 1) as usize;
            let bytes = data
                .get(pos..pos + value_bytes)
                .ok_or_else(|| "an RLE run's value is cut off".to_string())?;
            pos += value_bytes;
            let mut v = 0u32;
            for (i, b) in bytes.iter().enumerate() {
                v |= u32::from(*b) << (8 * i);
            }
            out.extend(std::iter::repeat_n(v, run.min(want)));
        } else {
            let values = (header >> 1) as usize * 8;
            let bytes = values * bit_width as usize / 8;
            let packed = data
                .get(pos..pos + bytes)
                .ok_or_else(|| "a bit-packed run is cut off".to_string())?;
            pos += bytes;
            unpack(packed, bit_width, values.min(want), out);
        }
    }
    Ok(())
}

/// `n` values of `bit_width` bits from `packed`, least significant bit first.
#[inline]
fn unpack(packed: &[u8], bit_width: u32, n: usize, out: &mut Vec<u32>) {
    if bit_width == 0 {
        out.extend(std::iter::repeat_n(0, n));
        return;
    }
    let mask = if bit_width == 32 {
        u64::from(u32::MAX)
    } else {
        (1u64 << bit_width) - 1
    };
    let w = bit_width as usize;
    let mut done = 0;
    if w <= 8 {
        // Eight values of `w` bits fill exactly `w` bytes: one load per group of eight (the
        // common case: dictionary indices of up to 256 symbols, definition levels).
        let groups = n / 8;
        out.reserve(n);
        for group in packed.chunks_exact(w).take(groups) {
            let mut word = [0u8; 8];
            word[..w].copy_from_slice(group);
            let word = u64::from_le_bytes(word);
            out.extend((0..8).map(|k| ((word >> (k * w)) & mask) as u32));
        }
        done = groups * 8;
    }
    let (mut acc, mut bits, mut next) = (0u64, 0u32, done * w / 8);
    for _ in done..n {
        while bits < bit_width {
            acc |= u64::from(packed[next]) << bits;
            next += 1;
            bits += 8;
        }
        out.push((acc & mask) as u32);
        acc >>= bit_width;
        bits -= bit_width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-packs `values` (a multiple of 8) the way the format says, for the decoder to read.
    fn pack(values: &[u32], bit_width: u32) -> Vec<u8> {
        let mut out = vec![((values.len() / 8) as u8) << 1 | 1];
        let (mut acc, mut bits) = (0u64, 0u32);
        for &v in values {
            acc |= u64::from(v) << bits;
            bits += bit_width;
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        out
    }

    #[test]
    fn bit_packed_runs_at_every_width() {
        for width in 1..=20u32 {
            let values: Vec<u32> = (0..64u32)
                .map(|k| k.wrapping_mul(2_654_435_761) % (1 << width))
                .collect();
            let mut out = vec![7];
            decode_rle_hybrid(&pack(&values, width), width, 61, &mut out).unwrap();
            assert_eq!(out[0], 7);
            assert_eq!(&out[1..], &values[..61], "width {width}");
        }
    }

    #[test]
    fn zero_width_and_long_headers() {
        let mut out = Vec::new();
        // 300 zeros in one RLE run: header 600 = 0xd8 0x04; no value bytes at width 0.
        decode_rle_hybrid(&[0xd8, 0x04], 0, 300, &mut out).unwrap();
        assert_eq!(out, vec![0; 300]);
        assert!(decode_rle_hybrid(&[0xff; 8], 4, 1, &mut Vec::new()).is_err());
        assert!(decode_rle_hybrid(&[], 1, 1, &mut Vec::new()).is_err());
    }
}
