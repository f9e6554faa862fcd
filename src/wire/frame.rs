//! Length-prefixed framing: a 4-byte big-endian length, then the body.
//!
//! [`FrameReader`] owns one fixed buffer, allocated once, and hands out borrowed bodies. A length
//! prefix above the configured maximum is a protocol error: it is reported before anything of
//! that size is reserved. [`FrameWriter`] appends frames to a caller's `Vec<u8>`, patching the
//! length prefix at the end, so a buffer with enough capacity never reallocates.

use std::io::{self, Read};

/// How TWS writes an unset double (`Double.MAX_VALUE`).
pub const UNSET_DOUBLE: &str = "1.7976931348623157E308";

/// Framing failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The length prefix announces more than the configured maximum.
    Oversized { len: u32, max: u32 },
    /// The peer closed the connection in the middle of a frame.
    Truncated,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            FrameError::Oversized { len, max } => {
                write!(f, "frame length {len} exceeds the maximum of {max} bytes")
            }
            FrameError::Truncated => f.write_str("connection closed inside a frame"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Splits one frame off the front of `buf`.
///
/// Returns `Ok(None)` when more bytes are needed, `Ok(Some((body, consumed)))` otherwise.
///
/// # Errors
/// [`FrameError::Oversized`] when the prefix exceeds `max`.
///
/// # Examples
/// ```
/// use hft::wire::split_frame;
/// let buf = [0, 0, 0, 2, b'9', 0, 0xff];
/// let (body, used) = split_frame(&buf, 1024).unwrap().unwrap();
/// assert_eq!((body, used), (&b"9\0"[..], 6));
/// assert!(split_frame(&buf[..5], 1024).unwrap().is_none());
/// ```
#[inline]
pub fn split_frame(buf: &[u8], max: usize) -> Result<Option<(&[u8], usize)>, FrameError> {
    let Some(prefix) = buf.get(..4) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
    if len as usize > max {
        return Err(FrameError::Oversized {
            len,
            max: max as u32,
        });
    }
    let end = 4 + len as usize;
    match buf.get(4..end) {
        Some(body) => Ok(Some((body, end))),
        None => Ok(None),
    }
}

/// Reassembles frames from a byte stream in one fixed buffer.
///
/// The buffer holds `max_frame + 4` bytes plus read slack and is never resized; consumed bytes are
/// compacted away before each read.
///
/// # Examples
/// ```
/// use hft::wire::FrameReader;
/// let mut input: &[u8] = &[0, 0, 0, 2, b'1', 0, 0, 0, 0, 2, b'2', 0];
/// let mut reader = FrameReader::new(64);
/// reader.fill_from(&mut input).unwrap();
/// assert_eq!(reader.next_frame().unwrap(), Some(&b"1\0"[..]));
/// assert_eq!(reader.next_frame().unwrap(), Some(&b"2\0"[..]));
/// assert_eq!(reader.next_frame().unwrap(), None);
/// ```
pub struct FrameReader {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    max_frame: usize,
}

/// Extra room beyond one maximal frame, so a read can pick up many small frames at once.
const READ_SLACK: usize = 64 * 1024;

impl FrameReader {
    /// A reader accepting bodies up to `max_frame` bytes.
    pub fn new(max_frame: usize) -> Self {
        let mut buf = vec![0u8; max_frame + 4 + READ_SLACK].into_boxed_slice();
        // A zeroed allocation is mapped at first touch: write it now, not on the first ticks.
        buf.fill(0);
        std::hint::black_box(&mut buf);
        FrameReader {
            buf,
            start: 0,
            end: 0,
            max_frame,
        }
    }

    /// Largest body this reader accepts.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Reads once from `src` into the free space. Returns the byte count (0 at end of stream).
    ///
    /// # Errors
    /// The I/O error of `src` (`WouldBlock` included, for non-blocking sockets).
    pub fn fill_from<R: Read + ?Sized>(&mut self, src: &mut R) -> io::Result<usize> {
        if self.start > 0 && (self.start == self.end || self.buf.len() - self.end < READ_SLACK) {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = src.read(&mut self.buf[self.end..])?;
        self.end += n;
        Ok(n)
    }

    /// Bytes received but not yet returned as frames.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Copies bytes already read elsewhere into the buffer (used after a handshake).
    ///
    /// Returns how many bytes fit.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> usize {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = bytes.len().min(self.buf.len() - self.end);
        self.buf[self.end..self.end + n].copy_from_slice(&bytes[..n]);
        self.end += n;
        n
    }

    /// The next complete frame body, if one is buffered.
    ///
    /// # Errors
    /// [`FrameError::Oversized`]: the stream is unusable from here on.
    #[inline]
    pub fn next_frame(&mut self) -> Result<Option<&[u8]>, FrameError> {
        match split_frame(&self.buf[self.start..self.end], self.max_frame)? {
            Some((_, used)) => {
                let body_start = self.start + 4;
                self.start += used;
                Ok(Some(&self.buf[body_start..self.start]))
            }
            None => Ok(None),
        }
    }

    /// Checks the stream ended on a frame boundary.
    ///
    /// # Errors
    /// [`FrameError::Truncated`] when a partial frame is buffered.
    pub fn finish(&self) -> Result<(), FrameError> {
        if self.start == self.end {
            Ok(())
        } else {
            Err(FrameError::Truncated)
        }
    }
}

/// Appends length-prefixed frames of NUL-terminated text fields to a caller's buffer.
///
/// # Examples
/// ```
/// use hft::wire::FrameWriter;
/// let mut out = Vec::with_capacity(64);
/// let mut w = FrameWriter::begin(&mut out);
/// w.i32(9).i32(1).i64(1000);
/// w.finish();
/// assert_eq!(out, b"\0\0\0\x099\x001\x001000\x00");
/// ```
pub struct FrameWriter<'a> {
    out: &'a mut Vec<u8>,
    start: usize,
}

impl<'a> FrameWriter<'a> {
    /// Starts a text frame at the end of `out`.
    #[inline]
    pub fn begin(out: &'a mut Vec<u8>) -> Self {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        FrameWriter { out, start }
    }

    /// Starts a frame whose body begins with a 4-byte big-endian message id (server version 201
    /// and above).
    #[inline]
    pub fn begin_binary_id(out: &'a mut Vec<u8>, id: i32) -> Self {
        let w = Self::begin(out);
        w.out.extend_from_slice(&id.to_be_bytes());
        w
    }

    /// Appends raw bytes to the body (no terminator).
    #[inline]
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.out.extend_from_slice(b);
        self
    }

    /// Appends a text field.
    #[inline]
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.out.extend_from_slice(s.as_bytes());
        self.out.push(0);
        self
    }

    /// Appends an integer field.
    #[inline]
    pub fn i64(&mut self, v: i64) -> &mut Self {
        let mut b = itoa::Buffer::new();
        self.out.extend_from_slice(b.format(v).as_bytes());
        self.out.push(0);
        self
    }

    /// Appends an integer field.
    #[inline]
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.i64(v as i64)
    }

    /// Appends a boolean as `0`/`1`.
    #[inline]
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.out.extend_from_slice(if v { b"1\0" } else { b"0\0" });
        self
    }

    /// Appends a float in its shortest round-trip form (`101.25`, `100.0`); non-finite values as
    /// the empty field, which TWS clients read as unset.
    #[inline]
    pub fn f64(&mut self, v: f64) -> &mut Self {
        if v.is_finite() {
            let mut b = ryu::Buffer::new();
            self.out.extend_from_slice(b.format_finite(v).as_bytes());
        }
        self.out.push(0);
        self
    }

    /// Appends a quantity as the official client writes a Decimal: a whole number without a
    /// fraction (`100`, not `100.0`), any other value in its shortest round-trip form (`0.5`);
    /// non-finite values as the empty field.
    ///
    /// # Examples
    /// ```
    /// use hft::wire::FrameWriter;
    /// let mut out = Vec::new();
    /// let mut w = FrameWriter::begin(&mut out);
    /// w.decimal(100.0).decimal(0.5).decimal(-3.0);
    /// w.finish();
    /// assert_eq!(&out[4..], b"100\x000.5\x00-3\x00");
    /// ```
    #[inline]
    pub fn decimal(&mut self, v: f64) -> &mut Self {
        // Below 2^53 every whole f64 is an exact i64, and its digits parse back to the same f64.
        const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;
        if v.fract() == 0.0 && v.abs() < EXACT_INTEGERS {
            self.i64(v as i64)
        } else {
            self.f64(v)
        }
    }

    /// Appends a float; IB's "unset" (`f64::MAX`) is written as TWS writes it,
    /// `1.7976931348623157E308`.
    #[inline]
    pub fn f64_unset(&mut self, v: f64) -> &mut Self {
        if v == f64::MAX {
            self.str(UNSET_DOUBLE)
        } else {
            self.f64(v)
        }
    }

    /// Writes the length prefix. Returns the total frame length including the prefix.
    #[inline]
    pub fn finish(self) -> usize {
        let len = self.out.len() - self.start - 4;
        self.out[self.start..self.start + 4].copy_from_slice(&(len as u32).to_be_bytes());
        len + 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_MAX_FRAME;

    #[test]
    fn oversized_prefix_is_rejected_before_buffering() {
        let buf = [0x7f, 0xff, 0xff, 0xff, 1, 2];
        assert_eq!(
            split_frame(&buf, DEFAULT_MAX_FRAME),
            Err(FrameError::Oversized {
                len: 0x7fff_ffff,
                max: DEFAULT_MAX_FRAME as u32
            })
        );
    }

    #[test]
    fn reader_handles_byte_by_byte_input() {
        let mut stream = Vec::new();
        for i in 0..100 {
            let mut w = FrameWriter::begin(&mut stream);
            w.i32(i).str("x");
            w.finish();
        }
        let mut reader = FrameReader::new(128);
        let mut seen = 0;
        for chunk in stream.chunks(1) {
            let mut c = chunk;
            reader.fill_from(&mut c).unwrap();
            while let Some(body) = reader.next_frame().unwrap() {
                let mut f = crate::wire::Fields::new(body);
                assert_eq!(f.i32().unwrap(), seen);
                seen += 1;
            }
        }
        assert_eq!(seen, 100);
        reader.finish().unwrap();
    }
}
