//! The connection handshake, both sides.
//!
//! Client: `API\0`, then one length-prefixed frame `v<min>..<max>[ options]`. Server: one frame
//! `<version>\0<YYYYMMDD HH:MM:SS zone>\0`. Then the client sends START_API. The server picks the
//! protocol as TWS does: text at `min(max, 178)` for clients whose minimum is at most 200, protobuf
//! at `min(max, 226)` for clients whose minimum is above 200.
//!
//! The engine's own client is narrower than the server: its request encoders write the layouts
//! of one version, [`MAX_TEXT_VERSION`], so it offers exactly [`ENGINE_VERSIONS`] and refuses a
//! server that answers anything else (real TWS reads PLACE_ORDER with 115 fields at 176, 113 at
//! 165, 110 at 157, and CANCEL_ORDER with 3 fields below 169).

use super::fields::{Fields, parse_i64};
use super::frame::FrameWriter;

/// The four bytes every client sends first.
pub const API_PREFIX: &[u8; 4] = b"API\0";
/// Highest version for which our server speaks plain text, and the one version whose request
/// layouts [`Request::encode_text`](super::Request::encode_text) writes.
pub const MAX_TEXT_VERSION: i32 = 178;
/// The range the engine's client offers and the only answer it accepts: exactly the version its
/// encoders implement.
///
/// # Examples
/// ```
/// use hft::wire::{encode_client_hello, ENGINE_VERSIONS};
/// let mut out = Vec::new();
/// encode_client_hello(&mut out, ENGINE_VERSIONS);
/// assert_eq!(out, b"API\0\0\0\0\x09v178..178");
/// ```
pub const ENGINE_VERSIONS: VersionRange = VersionRange {
    min: MAX_TEXT_VERSION,
    max: MAX_TEXT_VERSION,
};
/// Highest version our server negotiates with protobuf clients.
pub const MAX_PROTOBUF_VERSION: i32 = 226;
/// Lowest version a server can honour at all (older clients are refused).
pub const MIN_SUPPORTED_VERSION: i32 = 100;
/// From this version on, a frame body starts with a binary 4-byte message id.
pub const BINARY_ID_VERSION: i32 = 201;
/// From this version on ERR_MSG has no version field and carries an error time.
pub const ERROR_TIME_VERSION: i32 = 194;

/// Handshake failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeError {
    /// The first four bytes were not `API\0`.
    BadPrefix,
    /// The version range is not `v<min>..<max>` with `min <= max`.
    BadVersionRange,
    /// No version both sides support.
    Unsupported { min: i32, max: i32 },
    /// The server's version frame could not be read.
    BadServerVersion,
}

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            HandshakeError::BadPrefix => f.write_str("connection did not start with API\\0"),
            HandshakeError::BadVersionRange => f.write_str("malformed client version range"),
            HandshakeError::Unsupported { min, max } => {
                write!(
                    f,
                    "no common protocol version with client range v{min}..{max}"
                )
            }
            HandshakeError::BadServerVersion => f.write_str("malformed server version frame"),
        }
    }
}

impl std::error::Error for HandshakeError {}

/// A client's offered version range; displayed as clients write it, `v<min>..<max>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionRange {
    pub min: i32,
    pub max: i32,
}

impl VersionRange {
    /// True when `version` lies in the range (both ends included).
    pub fn contains(&self, version: i32) -> bool {
        (self.min..=self.max).contains(&version)
    }
}

impl std::fmt::Display for VersionRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}..{}", self.min, self.max)
    }
}

/// The outcome of a negotiation: the version and whether messages travel as protobuf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub version: i32,
    pub protobuf: bool,
}

impl Negotiated {
    /// True when frame bodies start with a 4-byte binary message id.
    pub fn binary_ids(&self) -> bool {
        self.version >= BINARY_ID_VERSION
    }
}

/// Parses `v<min>..<max>` (an optional `v`, optional connect options after a space).
///
/// # Examples
/// ```
/// use hft::wire::{parse_version_range, VersionRange};
/// assert_eq!(parse_version_range(b"v100..178").unwrap(), VersionRange { min: 100, max: 178 });
/// assert_eq!(parse_version_range(b"v213..226 +PACEAPI").unwrap().max, 226);
/// assert!(parse_version_range(b"v9..1").is_err());
/// ```
pub fn parse_version_range(body: &[u8]) -> Result<VersionRange, HandshakeError> {
    let body = body.split(|&b| b == b' ' || b == 0).next().unwrap_or(&[]);
    let body = body.strip_prefix(b"v").unwrap_or(body);
    let dots = body.windows(2).position(|w| w == b"..");
    let (min, max) = match dots {
        Some(i) => (&body[..i], &body[i + 2..]),
        None => (body, body),
    };
    let min = parse_i64(min).ok_or(HandshakeError::BadVersionRange)?;
    let max = parse_i64(max).ok_or(HandshakeError::BadVersionRange)?;
    if min > max || min < 0 || max > i32::MAX as i64 {
        return Err(HandshakeError::BadVersionRange);
    }
    Ok(VersionRange {
        min: min as i32,
        max: max as i32,
    })
}

/// Picks the protocol for a client range the way TWS does.
///
/// # Examples
/// ```
/// use hft::wire::{negotiate, VersionRange};
/// let ibapi = negotiate(VersionRange { min: 213, max: 226 }).unwrap();
/// assert!(ibapi.protobuf && ibapi.version == 226);
/// let python = negotiate(VersionRange { min: 100, max: 226 }).unwrap();
/// assert!(!python.protobuf && python.version == 178);
/// ```
///
/// # Errors
/// [`HandshakeError::Unsupported`] when the range and ours do not meet.
pub fn negotiate(range: VersionRange) -> Result<Negotiated, HandshakeError> {
    let unsupported = HandshakeError::Unsupported {
        min: range.min,
        max: range.max,
    };
    if range.min > 200 {
        let version = range.max.min(MAX_PROTOBUF_VERSION);
        if version < range.min {
            return Err(unsupported);
        }
        Ok(Negotiated {
            version,
            protobuf: true,
        })
    } else {
        let version = range.max.min(MAX_TEXT_VERSION);
        if version < range.min || version < MIN_SUPPORTED_VERSION {
            return Err(unsupported);
        }
        Ok(Negotiated {
            version,
            protobuf: false,
        })
    }
}

/// Writes the client's opening bytes: `API\0` and the version-range frame, always as a range
/// (`v178..178` for a single version), as the official clients and the `ibapi` crate write it.
pub fn encode_client_hello(out: &mut Vec<u8>, range: VersionRange) {
    out.extend_from_slice(API_PREFIX);
    let mut w = FrameWriter::begin(out);
    w.bytes(range.to_string().as_bytes());
    w.finish();
}

/// Writes the server's version frame with its connection time (`YYYYMMDD HH:MM:SS zone`).
pub fn encode_server_hello(out: &mut Vec<u8>, version: i32, connection_time: &str) {
    let mut w = FrameWriter::begin(out);
    w.i32(version).str(connection_time);
    w.finish();
}

/// Reads the server's version frame body: `(version, connection time)`.
///
/// # Errors
/// [`HandshakeError::BadServerVersion`].
pub fn decode_server_hello(body: &[u8]) -> Result<(i32, &str), HandshakeError> {
    let mut f = Fields::new(body);
    let version = f.i32().map_err(|_| HandshakeError::BadServerVersion)?;
    let time = f.str().unwrap_or("");
    Ok((version, time))
}

/// Formats a Unix time (seconds) as TWS writes connection times: `20261125 17:30:00 UTC`.
///
/// Written digit by digit (the paper gateway and the backtest's venue stamp every execution
/// with it): the same text as `format!("{y:04}{m:02}{d:02} {hh:02}:{mm:02}:{ss:02} UTC")`.
///
/// # Examples
/// ```
/// assert_eq!(hft::wire::format_tws_time(1_795_800_600), "20261127 17:30:00 UTC");
/// ```
pub fn format_tws_time(unix_secs: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil_from_unix(unix_secs);
    if !(0..=9999).contains(&y) {
        return format!("{y:04}{m:02}{d:02} {hh:02}:{mm:02}:{ss:02} UTC");
    }
    let mut b = *b"00000000 00:00:00 UTC";
    let mut put = |at: usize, width: usize, mut v: u32| {
        for k in (at..at + width).rev() {
            b[k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y as u32);
    put(4, 2, m);
    put(6, 2, d);
    put(9, 2, hh);
    put(12, 2, mm);
    put(15, 2, ss);
    b.iter().map(|&c| c as char).collect()
}

/// Converts Unix seconds to a UTC civil date and time (proleptic Gregorian calendar).
pub fn civil_from_unix(unix_secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400) as u32;
    // Days-to-civil conversion after H. Hinnant's public-domain date algorithms.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

/// Converts a UTC civil date to Unix seconds at midnight.
pub fn unix_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tws_time_is_the_formatted_text_for_every_kind_of_date() {
        // Epoch, leap days, year ends, a far future, before 1970 and outside four-digit years.
        let mut times = vec![
            0,
            951_782_400,
            1_709_164_800,
            1_798_761_599,
            253_402_300_799,
            -1,
        ];
        times.extend([-62_167_219_201, 253_402_300_800, i64::from(i32::MAX) * 7]);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            times.push((x % 8_000_000_000) as i64 - 1_000_000_000);
        }
        for t in times {
            let (y, m, d, hh, mm, ss) = civil_from_unix(t);
            let want = format!("{y:04}{m:02}{d:02} {hh:02}:{mm:02}:{ss:02} UTC");
            assert_eq!(format_tws_time(t), want, "unix {t}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for t in [0i64, 951_782_400, 1_700_000_000, 4_102_444_800, -86_400] {
            let (y, m, d, hh, mm, ss) = civil_from_unix(t);
            let back = unix_from_civil(y, m, d) + (hh * 3600 + mm * 60 + ss) as i64;
            assert_eq!(back, t);
        }
        assert_eq!(format_tws_time(0), "19700101 00:00:00 UTC");
        assert_eq!(format_tws_time(1_772_064_000), "20260226 00:00:00 UTC");
    }

    #[test]
    fn negotiation_matches_tws() {
        let ib_async = negotiate(VersionRange { min: 157, max: 178 }).unwrap();
        assert_eq!(
            ib_async,
            Negotiated {
                version: 178,
                protobuf: false
            }
        );
        assert!(negotiate(VersionRange { min: 227, max: 230 }).is_err());
        assert!(negotiate(VersionRange { min: 10, max: 50 }).is_err());
    }
}
