//! `f64` written as Rust's `Display` writes it (`{x}`: the shortest digits that read back as
//! the same number, never an exponent), from `ryu`'s shortest digits: the run directory's
//! output files (`series/`, `fills.csv`) write a number per field, and the standard formatter's
//! machinery cost more than the backtest's loop over the grid rows.

/// Appends `x` to `out` exactly as `write!(out, "{x}")` would.
///
/// # Examples
/// ```
/// use hft::rundir::push_display_f64;
/// let mut s = String::new();
/// for x in [1.0, -0.0, 451.53, 1e-7, 1e21, 0.1 + 0.2] {
///     push_display_f64(&mut s, x);
///     s.push(' ');
/// }
/// assert_eq!(s, "1 -0 451.53 0.0000001 1000000000000000000000 0.30000000000000004 ");
/// ```
pub fn push_display_f64(out: &mut String, x: f64) {
    if !x.is_finite() {
        use std::fmt::Write;
        let _ = write!(out, "{x}");
        return;
    }
    if !layout(out, ryu::Buffer::new().format_finite(x), F64_TIE_DIGITS) {
        use std::fmt::Write;
        let _ = write!(out, "{x}");
    }
}

/// Appends `x` to `out` exactly as `write!(out, "{x}")` would (an `f32`'s shortest digits).
///
/// # Examples
/// ```
/// let mut s = String::new();
/// hft::rundir::push_display_f32(&mut s, 0.1f32);
/// assert_eq!(s, "0.1");
/// ```
pub fn push_display_f32(out: &mut String, x: f32) {
    if !x.is_finite() {
        use std::fmt::Write;
        let _ = write!(out, "{x}");
        return;
    }
    if !layout(out, ryu::Buffer::new().format_finite(x), F32_TIE_DIGITS) {
        use std::fmt::Write;
        let _ = write!(out, "{x}");
    }
}

/// From this many significant digits on, two shortest candidates can be equally near the
/// number (its exact value has one digit more, a 5), and `ryu` and the standard library break
/// such a tie differently (`3065919.25f32`: `3065919.2` against `3065919.3`): those numbers are
/// left to the standard formatter. A tie needs a candidate within the number's rounding
/// interval, half a unit in the last place: about 1.1e-16 of it for an `f64` (17 digits), 6e-8
/// for an `f32` (8 digits); one digit less is the margin.
const F64_TIE_DIGITS: usize = 16;
const F32_TIE_DIGITS: usize = 7;

/// `ryu`'s text of a finite number (`1.0`, `1e-7`, `-1.5e300`) laid out as `Display` does;
/// false (nothing written) when it has `tie_digits` significant digits or more.
fn layout(out: &mut String, text: &str, tie_digits: usize) -> bool {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The significant digits and `point`: the value is 0.DIGITS x 10^point.
    let mut digits = [0u8; 40];
    let mut n = 0;
    let mut point = int.len() as i32 + exp;
    for &c in int.as_bytes().iter().chain(frac.as_bytes()) {
        if n == 0 && c == b'0' {
            point -= 1; // a leading zero
            continue;
        }
        if n < digits.len() {
            digits[n] = c;
            n += 1;
        }
    }
    while n > 0 && digits[n - 1] == b'0' {
        n -= 1;
    }
    if n >= tie_digits {
        return false;
    }
    if negative {
        out.push('-');
    }
    let digits = &digits[..n];
    let ascii = |out: &mut String, d: &[u8]| d.iter().for_each(|&c| out.push(c as char));
    if digits.is_empty() {
        out.push('0');
    } else if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        ascii(out, digits);
    } else if (point as usize) < digits.len() {
        let (whole, rest) = digits.split_at(point as usize);
        ascii(out, whole);
        out.push('.');
        ascii(out, rest);
    } else {
        ascii(out, digits);
        out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(x: f64) {
        let mut s = String::new();
        push_display_f64(&mut s, x);
        assert_eq!(s, format!("{x}"), "bits {:#x}", x.to_bits());
        let y = f64::from_bits(x.to_bits()) as f32;
        s.clear();
        push_display_f32(&mut s, y);
        assert_eq!(s, format!("{y}"), "f32 bits {:#x}", y.to_bits());
    }

    #[test]
    fn the_same_text_as_display_for_edge_values() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            10.0,
            100.0,
            1e15,
            1e16,
            1e17,
            1.5e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            5e-324,
            -5e-324,
            1e-5,
            1.2345e-7,
            3_065_919.25,
            123_456_789.012_345_67,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            check(x);
        }
    }

    #[test]
    fn the_same_text_as_display_for_random_bits_and_prices() {
        let mut s: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for _ in 0..200_000 {
            check(f64::from_bits(next()));
            let y = f32::from_bits(next() as u32);
            let mut t = String::new();
            push_display_f32(&mut t, y);
            assert_eq!(t, format!("{y}"), "f32 bits {:#x}", y.to_bits());
            // Prices in cents, ratios and z-scores as the run directory writes them.
            let cents = (next() % 10_000_000) as f64;
            check(cents / 100.0);
            check((next() % 2_000_001) as f64 / 1e6 - 1.0);
            check((next() as f64 / u64::MAX as f64 - 0.5) * 8.0);
        }
    }
}
