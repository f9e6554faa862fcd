//! Zero-copy field access over a text frame body, and number parsing from bytes.
//!
//! A text body is a sequence of NUL-terminated ASCII fields. [`Fields`] walks it without copying
//! and without allocating; typed accessors turn a field into a number or a `&str`, and report the
//! index of the offending field in a [`DecodeError`].

use std::fmt;

/// Why a frame could not be decoded. Small and `Copy`, so the hot path can return it freely.
///
/// `index` is the zero-based field index within the body (the message id is field 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The body ended before a required field.
    MissingField { index: u16 },
    /// The last field has no terminating NUL.
    Unterminated { index: u16 },
    /// A numeric field holds something else.
    BadNumber { index: u16 },
    /// A text field is not valid UTF-8.
    BadUtf8 { index: u16 },
    /// The message id is not one this decoder knows.
    UnknownMessage { id: i32 },
    /// A field holds a value outside the set the protocol allows.
    BadValue { index: u16 },
    /// A binary (protobuf or id) part of the frame is truncated or invalid.
    BadBinary,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeError::MissingField { index } => write!(f, "missing field {index}"),
            DecodeError::Unterminated { index } => write!(f, "field {index} is not NUL-terminated"),
            DecodeError::BadNumber { index } => write!(f, "field {index} is not a number"),
            DecodeError::BadUtf8 { index } => write!(f, "field {index} is not UTF-8"),
            DecodeError::UnknownMessage { id } => write!(f, "unknown message id {id}"),
            DecodeError::BadValue { index } => write!(f, "field {index} has an invalid value"),
            DecodeError::BadBinary => f.write_str("invalid binary (protobuf) body"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A cursor over the NUL-terminated fields of a text body.
///
/// # Examples
/// ```
/// use hft::wire::Fields;
/// let mut f = Fields::new(b"1\x006\x007\x001\x00101.25\x00300\x000\x00");
/// assert_eq!(f.i32().unwrap(), 1);
/// f.skip_fields(2).unwrap();
/// assert_eq!(f.i32().unwrap(), 1);
/// assert_eq!(f.f64().unwrap(), 101.25);
/// assert_eq!(f.remaining(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    rest: &'a [u8],
    index: u16,
}

impl<'a> Fields<'a> {
    /// Starts at the first field of `body`.
    pub fn new(body: &'a [u8]) -> Self {
        Fields {
            rest: body,
            index: 0,
        }
    }

    /// Index of the next field to be read.
    pub fn index(&self) -> u16 {
        self.index
    }

    /// Number of fields left (counts NUL terminators; a trailing unterminated field counts too).
    pub fn remaining(&self) -> usize {
        let nuls = self.rest.iter().filter(|&&b| b == 0).count();
        match self.rest.last() {
            Some(0) | None => nuls,
            Some(_) => nuls + 1,
        }
    }

    /// True when every field has been consumed.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next field as raw bytes, without its NUL.
    ///
    /// # Errors
    /// [`DecodeError::MissingField`] at the end of the body, [`DecodeError::Unterminated`] when the
    /// last field has no NUL.
    #[inline]
    pub fn raw(&mut self) -> Result<&'a [u8], DecodeError> {
        let index = self.index;
        if self.rest.is_empty() {
            return Err(DecodeError::MissingField { index });
        }
        match self.rest.iter().position(|&b| b == 0) {
            Some(end) => {
                let field = &self.rest[..end];
                self.rest = &self.rest[end + 1..];
                self.index = index.saturating_add(1);
                Ok(field)
            }
            None => Err(DecodeError::Unterminated { index }),
        }
    }

    /// The next field as UTF-8 text.
    #[inline]
    pub fn str(&mut self) -> Result<&'a str, DecodeError> {
        let index = self.index;
        let raw = self.raw()?;
        std::str::from_utf8(raw).map_err(|_| DecodeError::BadUtf8 { index })
    }

    /// The next field as an `i64`; an empty field is an error.
    #[inline]
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        let index = self.index;
        parse_i64(self.raw()?).ok_or(DecodeError::BadNumber { index })
    }

    /// The next field as an `i32`; an empty field is an error.
    #[inline]
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        let index = self.index;
        let v = self.i64()?;
        i32::try_from(v).map_err(|_| DecodeError::BadNumber { index })
    }

    /// The next field as an `i64`, or `default` when the field is empty.
    #[inline]
    pub fn i64_or(&mut self, default: i64) -> Result<i64, DecodeError> {
        let index = self.index;
        let raw = self.raw()?;
        if raw.is_empty() {
            return Ok(default);
        }
        parse_i64(raw).ok_or(DecodeError::BadNumber { index })
    }

    /// The next field as an `i32`, or `default` when the field is empty.
    #[inline]
    pub fn i32_or(&mut self, default: i32) -> Result<i32, DecodeError> {
        let index = self.index;
        let v = self.i64_or(default as i64)?;
        i32::try_from(v).map_err(|_| DecodeError::BadNumber { index })
    }

    /// The next field as an `f64`; an empty field is an error.
    #[inline]
    pub fn f64(&mut self) -> Result<f64, DecodeError> {
        let index = self.index;
        parse_f64(self.raw()?).ok_or(DecodeError::BadNumber { index })
    }

    /// The next field as an `f64`, or `default` when the field is empty.
    #[inline]
    pub fn f64_or(&mut self, default: f64) -> Result<f64, DecodeError> {
        let index = self.index;
        let raw = self.raw()?;
        if raw.is_empty() {
            return Ok(default);
        }
        parse_f64(raw).ok_or(DecodeError::BadNumber { index })
    }

    /// The next field as a boolean (`0`/`1`, empty is false, `true`/`false` accepted).
    #[inline]
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        let index = self.index;
        match self.raw()? {
            b"" | b"0" | b"false" => Ok(false),
            b"1" | b"true" => Ok(true),
            _ => Err(DecodeError::BadNumber { index }),
        }
    }

    /// Skips `n` fields.
    #[inline]
    pub fn skip_fields(&mut self, n: usize) -> Result<(), DecodeError> {
        for _ in 0..n {
            self.raw()?;
        }
        Ok(())
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    /// Yields each field; stops at the end of the body or at an unterminated tail.
    fn next(&mut self) -> Option<&'a [u8]> {
        self.raw().ok()
    }
}

/// Parses an optionally signed decimal integer. No allocation; `None` on anything else or on
/// overflow.
///
/// # Examples
/// ```
/// assert_eq!(hft::wire::parse_i64(b"-42"), Some(-42));
/// assert_eq!(hft::wire::parse_i64(b"4x"), None);
/// ```
#[inline]
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let (neg, digits) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    // The first 18 digits cannot overflow a u64; only a 19th is checked.
    let (mut head, tail) = digits.split_at(digits.len().min(18));
    let mut acc: u64 = 0;
    // Eight digits at a time (nanosecond timestamps have 19).
    while let Some((chunk, rest)) = head.split_first_chunk::<8>() {
        acc = acc * 100_000_000 + eight_digits(u64::from_le_bytes(*chunk))?;
        head = rest;
    }
    for &b in head {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        acc = acc * 10 + d as u64;
    }
    if let Some(&b) = tail.first() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        acc = acc.checked_mul(10)?.checked_add(d as u64)?;
    }
    if neg {
        if acc <= i64::MAX as u64 + 1 {
            Some((acc as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(acc).ok()
    }
}

/// Eight ASCII digits, the first in the lowest byte, as their value; `None` when any byte is
/// not a digit. SWAR (Lemire, "Fast Number Parsing", 2020): each byte is checked to be 0x30..=0x39
/// (high nibble 3, and adding 6 does not carry out of the low nibble), then pairs, quads and the
/// two halves are combined by three multiplications.
#[inline]
fn eight_digits(chunk: u64) -> Option<u64> {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    if chunk & HIGH != ZEROS || chunk.wrapping_add(0x0606_0606_0606_0606) & HIGH != ZEROS {
        return None;
    }
    let v = chunk - ZEROS;
    let v = (v.wrapping_mul(10) + (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    let v = (v.wrapping_mul(1 + (100 << 16)) >> 16) & 0x0000_FFFF_0000_FFFF;
    Some(v.wrapping_mul(1 + (10_000 << 32)) >> 32)
}

/// Exact powers of ten representable in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a decimal floating-point number without allocating.
///
/// Plain decimals with at most 15 significant digits (every price and size the TWS API sends)
/// take a fast path that is exact: the digits form an integer `m < 2^53` and the result is
/// `m / 10^k` with both operands exact, so the one rounding is correct. Anything else (exponents,
/// `inf`, very long mantissas) falls back to the standard library parser on the same bytes.
///
/// # Examples
/// ```
/// assert_eq!(hft::wire::parse_f64(b"101.25"), Some(101.25));
/// assert_eq!(hft::wire::parse_f64(b"1.7976931348623157E308"), Some(f64::MAX));
/// assert_eq!(hft::wire::parse_f64(b""), None);
/// ```
#[inline]
pub fn parse_f64(bytes: &[u8]) -> Option<f64> {
    let (neg, s) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let mut mantissa: u64 = 0;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        mantissa = mantissa.wrapping_mul(10).wrapping_add(d as u64);
        i += 1;
    }
    let int_digits = i;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(&b) = s.get(i) {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            mantissa = mantissa.wrapping_mul(10).wrapping_add(d as u64);
            i += 1;
        }
        frac_digits = i - start;
    }
    // At most 15 digits in all (leading zeros included) keeps the mantissa below 2^53.
    let digits = int_digits + frac_digits;
    if i == s.len() && digits > 0 && digits <= 15 {
        let v = mantissa as f64 / POW10[frac_digits];
        return Some(if neg { -v } else { v });
    }
    parse_f64_slow(bytes)
}

/// The general case: exponents, long mantissas, `inf`.
#[cold]
fn parse_f64_slow(bytes: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(bytes).ok()?;
    // Reject what Rust accepts but TWS never sends as a number.
    if text
        .bytes()
        .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E'))
    {
        let t = text.trim_start_matches(['+', '-']);
        if t.eq_ignore_ascii_case("inf") || t.eq_ignore_ascii_case("infinity") {
            return Some(if text.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        return None;
    }
    text.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn eight_digits_at_a_time_match_the_byte_loop() {
        let slow = |s: &str| s.parse::<i64>().ok();
        let mut cases: Vec<String> = vec![
            "1700000000000000000".into(),
            "9223372036854775807".into(),
            "9223372036854775808".into(),
            "-9223372036854775808".into(),
            "0000000000000000001".into(),
            "12345678".into(),
            "1234567".into(),
            "123456789012345678".into(),
            "99999999".into(),
        ];
        // A non-digit at every position of 8-, 16- and 19-digit numbers.
        for len in [8usize, 16, 19] {
            for pos in 0..len {
                for bad in [b'/', b':', b' ', b'a', 0x80, b'.'] {
                    let mut v = vec![b'7'; len];
                    v[pos] = bad;
                    cases.push(String::from_utf8_lossy(&v).into_owned());
                }
            }
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = 1 + (x % 19) as usize;
            cases.push(format!(
                "{:0width$}",
                x % 10u64.pow(digits as u32 - 1).max(1) * 10 + x % 10,
                width = digits
            ));
        }
        for c in &cases {
            assert_eq!(super::parse_i64(c.as_bytes()), slow(c), "{c:?}");
        }
    }

    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b""), None);
        assert_eq!(parse_i64(b"-"), None);
        assert_eq!(parse_i64(b"1.0"), None);
    }

    #[test]
    fn floats() {
        for s in [
            "0",
            "1",
            "101.25",
            "0.01",
            "-3.5",
            "123456789.123456",
            "1e5",
            "2.5E-3",
            ".5",
            "5.",
        ] {
            assert_eq!(parse_f64(s.as_bytes()), s.parse::<f64>().ok(), "{s}");
        }
        assert_eq!(parse_f64(b"."), None);
        assert_eq!(parse_f64(b"abc"), None);
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b"1.2.3"), None);
        assert_eq!(
            parse_f64(b"12345678901234567890"),
            Some(12345678901234567890.0)
        );
    }

    #[test]
    fn fields_report_index() {
        let mut f = Fields::new(b"1\0x\0");
        assert_eq!(f.i32(), Ok(1));
        assert_eq!(f.i32(), Err(DecodeError::BadNumber { index: 1 }));
        assert_eq!(f.raw(), Err(DecodeError::MissingField { index: 2 }));
        let mut g = Fields::new(b"1\0abc");
        g.raw().unwrap();
        assert_eq!(g.raw(), Err(DecodeError::Unterminated { index: 1 }));
    }
}
