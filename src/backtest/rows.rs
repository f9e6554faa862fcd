//! The quote row scanner of the backtest: field boundaries and symbol keys without a general CSV
//! parser (rows are short and fixed in shape).

/// Positions of exactly five commas in `line`, eight bytes at a time (SWAR: a byte of
/// `word ^ ",,,,,,,,"` is zero where the row has a comma; the masked-add test below flags exactly
/// those bytes, with no false positives). Rows are about 45 bytes, too short for a SIMD search to
/// pay for its set-up.
#[inline]
pub(super) fn five_commas(line: &[u8]) -> Option<[usize; 5]> {
    const COMMAS: u64 = 0x2c2c_2c2c_2c2c_2c2c;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut out = [0usize; 5];
    let mut n = 0;
    let mut push = |pos: usize| -> bool {
        if n == 5 {
            return false;
        }
        out[n] = pos;
        n += 1;
        true
    };
    let mut chunks = line.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("chunks_exact yields 8 bytes")) ^ COMMAS;
        let mut zero_bytes = !(((x & LOW7) + LOW7) | x | LOW7);
        while zero_bytes != 0 {
            if !push(base + zero_bytes.trailing_zeros() as usize / 8) {
                return None;
            }
            zero_bytes &= zero_bytes - 1;
        }
        base += 8;
    }
    for (k, &b) in chunks.remainder().iter().enumerate() {
        if b == b',' && !push(base + k) {
            return None;
        }
    }
    (n == 5).then_some(out)
}

/// Length and the first eight bytes of a symbol, packed for a quick compare.
#[inline]
pub(super) fn symbol_key(s: &[u8]) -> (usize, u64) {
    let mut word = [0u8; 8];
    let n = s.len().min(8);
    word[..n].copy_from_slice(&s[..n]);
    (s.len(), u64::from_le_bytes(word))
}

#[cfg(test)]
mod tests {
    use super::five_commas;

    #[test]
    fn commas_found_at_every_position() {
        let naive = |l: &[u8]| {
            let v: Vec<usize> = l
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b',')
                .map(|(i, _)| i)
                .collect();
            (v.len() == 5).then(|| [v[0], v[1], v[2], v[3], v[4]])
        };
        let rows: [&[u8]; 6] = [
            b"1767225600002328368,IVV,451.53,100,451.56,500",
            b"1,a,2,3,4,5",
            b",,,,,",
            b"1,2,3,4,5",
            b"1,2,3,4,5,6,7",
            b"\xff\x2d\x2b,,x,,\xac,,",
        ];
        for r in rows {
            assert_eq!(five_commas(r), naive(r), "{r:?}");
        }
        // Every length and comma position up to 40 bytes.
        for len in 0..40 {
            for start in 0..len {
                let mut row = vec![b'7'; len];
                for k in 0..5 {
                    if start + 3 * k < len {
                        row[start + 3 * k] = b',';
                    }
                }
                assert_eq!(five_commas(&row), naive(&row));
            }
        }
    }
}
