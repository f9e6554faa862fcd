//! Durations on the command line: `40s`, `90m`, `2h`, `500ms`, `1.5h`; a plain number is
//! seconds (`--duration 25` as before).

use std::time::Duration;

/// Units accepted after the number, with their length in seconds. Longest suffix first, so
/// `ms` is not read as `m`.
const UNITS: [(&str, f64); 4] = [("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("h", 3600.0)];

/// Parses a positive duration: a number with an optional unit `ms`, `s`, `m` or `h` (no unit:
/// seconds). Spaces around the value and between number and unit are allowed.
///
/// # Errors
/// A message naming the input and the accepted forms: an empty value, a missing or
/// unparsable number, an unknown unit, zero, a negative, non-finite or too large value.
///
/// # Examples
/// ```
/// use hft::cli::duration::parse_duration;
/// use std::time::Duration;
/// assert_eq!(parse_duration("40s"), Ok(Duration::from_secs(40)));
/// assert_eq!(parse_duration("90m"), Ok(Duration::from_secs(5400)));
/// assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
/// assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
/// assert_eq!(parse_duration("25"), Ok(Duration::from_secs(25)));
/// assert!(parse_duration("5 parsecs").unwrap_err().contains("unknown unit `parsecs`"));
/// ```
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let text = input.trim();
    let help = "expected a number of seconds, or a number with a unit ms, s, m or h \
                (e.g. 40s, 90m, 2h, 500ms)";
    // The unit is the trailing run of letters (`1e3` ends in a digit: a plain number).
    let split = text
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .len();
    let (number, unit) = (text[..split].trim(), text[split..].trim());
    if number.is_empty() {
        return Err(format!("invalid duration `{input}`: no number; {help}"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration `{input}`: `{number}` is not a number; {help}"))?;
    let scale = if unit.is_empty() {
        1.0
    } else {
        UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|&(_, s)| s)
            .ok_or_else(|| format!("invalid duration `{input}`: unknown unit `{unit}`; {help}"))?
    };
    let secs = value * scale;
    if secs.is_nan() || secs <= 0.0 {
        return Err(format!("invalid duration `{input}`: must be positive"));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| format!("invalid duration `{input}`: too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn units_and_plain_seconds() {
        for (text, expected) in [
            ("40s", Duration::from_secs(40)),
            ("90m", Duration::from_secs(90 * 60)),
            ("2h", Duration::from_secs(7200)),
            ("500ms", Duration::from_millis(500)),
            ("1.5h", Duration::from_secs(5400)),
            ("0.25s", Duration::from_millis(250)),
            ("25", Duration::from_secs(25)),
            ("2.5", Duration::from_millis(2500)),
            (" 10 s ", Duration::from_secs(10)),
            ("1e3", Duration::from_secs(1000)),
            ("1e3ms", Duration::from_secs(1)),
        ] {
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        for (text, says) in [
            ("", "no number"),
            ("s", "no number"),
            ("abc", "no number"),
            ("1x", "unknown unit `x`"),
            ("5 parsecs", "unknown unit `parsecs`"),
            ("10S", "unknown unit `S`"),
            ("1..5s", "`1..5` is not a number"),
            ("0", "must be positive"),
            ("0ms", "must be positive"),
            ("-3s", "must be positive"),
            ("NaN", "no number"),
            ("inf", "no number"),
            ("1e400", "too large"),
            ("1e300h", "too large"),
        ] {
            let e = parse_duration(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
            assert!(
                e.contains(&format!("`{text}`")),
                "{text}: names the input: {e}"
            );
        }
    }
}
