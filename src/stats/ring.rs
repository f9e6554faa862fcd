//! A fixed-capacity ring buffer of `f64`: the window behind every rolling statistic.

use std::iter::FusedIterator;

/// A ring buffer of `f64` with a capacity fixed in [`Ring::new`], the only place it allocates.
///
/// Pushing into a full ring evicts the oldest value and hands it back, which is what a sliding
/// window needs to take that value out of its sums.
///
/// # Examples
///
/// ```
/// use hft::stats::Ring;
///
/// let mut ring = Ring::new(3);
/// assert_eq!(ring.push(1.0), None);
/// assert_eq!(ring.push(2.0), None);
/// assert_eq!(ring.push(3.0), None);
/// assert_eq!(ring.push(4.0), Some(1.0)); // full: the oldest value is evicted
/// assert_eq!(ring.iter().collect::<Vec<_>>(), [2.0, 3.0, 4.0]);
/// ```
#[derive(Debug, Clone)]
pub struct Ring {
    buf: Box<[f64]>,
    /// Index in `buf` of the oldest value.
    head: usize,
    len: usize,
}

impl Ring {
    /// An empty ring holding at most `capacity` values.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let ring = Ring::new(8);
    /// assert_eq!(ring.capacity(), 8);
    /// assert!(ring.is_empty());
    /// ```
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "Ring capacity must be at least 1");
        Ring {
            buf: vec![0.0; capacity].into_boxed_slice(),
            head: 0,
            len: 0,
        }
    }

    /// Appends `x` as the newest value; when the ring is full, removes and returns the oldest.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let mut ring = Ring::new(1);
    /// assert_eq!(ring.push(1.0), None);
    /// assert_eq!(ring.push(2.0), Some(1.0));
    /// ```
    #[inline]
    pub fn push(&mut self, x: f64) -> Option<f64> {
        let capacity = self.buf.len();
        if self.len < capacity {
            let slot = self.physical(self.len);
            self.buf[slot] = x;
            self.len += 1;
            None
        } else {
            let evicted = std::mem::replace(&mut self.buf[self.head], x);
            self.head += 1;
            if self.head == capacity {
                self.head = 0;
            }
            Some(evicted)
        }
    }

    /// Number of values held.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let mut ring = Ring::new(2);
    /// ring.push(1.0);
    /// assert_eq!(ring.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no value is held.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// assert!(Ring::new(2).is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most values the ring holds (the window length).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// assert_eq!(Ring::new(5).capacity(), 5);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Whether the ring holds `capacity()` values, so the next push evicts one.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let mut ring = Ring::new(1);
    /// assert!(!ring.is_full());
    /// ring.push(1.0);
    /// assert!(ring.is_full());
    /// ```
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len == self.buf.len()
    }

    /// The `i`-th value, `0` being the oldest; `None` past the end.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let mut ring = Ring::new(2);
    /// for x in [1.0, 2.0, 3.0] {
    ///     ring.push(x);
    /// }
    /// assert_eq!(ring.get(0), Some(2.0));
    /// assert_eq!(ring.get(1), Some(3.0));
    /// assert_eq!(ring.get(2), None);
    /// ```
    #[inline]
    pub fn get(&self, i: usize) -> Option<f64> {
        (i < self.len).then(|| self.buf[self.physical(i)])
    }

    /// The oldest value.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let mut ring = Ring::new(2);
    /// ring.push(1.0);
    /// ring.push(2.0);
    /// assert_eq!(ring.first(), Some(1.0));
    /// ```
    #[inline]
    pub fn first(&self) -> Option<f64> {
        self.get(0)
    }

    /// The newest value.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let mut ring = Ring::new(2);
    /// assert_eq!(ring.last(), None);
    /// ring.push(1.0);
    /// ring.push(2.0);
    /// assert_eq!(ring.last(), Some(2.0));
    /// ```
    #[inline]
    pub fn last(&self) -> Option<f64> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// The values, oldest first, as two slices (the second is empty unless the ring wraps).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let mut ring = Ring::new(3);
    /// for x in [1.0, 2.0, 3.0, 4.0] {
    ///     ring.push(x);
    /// }
    /// assert_eq!(ring.as_slices(), (&[2.0, 3.0][..], &[4.0][..]));
    /// ```
    pub fn as_slices(&self) -> (&[f64], &[f64]) {
        let end = self.head + self.len;
        let capacity = self.buf.len();
        if end <= capacity {
            (&self.buf[self.head..end], &[])
        } else {
            (&self.buf[self.head..], &self.buf[..end - capacity])
        }
    }

    /// The values, oldest to newest.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let mut ring = Ring::new(2);
    /// for x in [1.0, 2.0, 3.0] {
    ///     ring.push(x);
    /// }
    /// assert_eq!(ring.iter().sum::<f64>(), 5.0);
    /// assert_eq!(ring.iter().rev().collect::<Vec<_>>(), [3.0, 2.0]);
    /// ```
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            ring: self,
            front: 0,
            back: self.len,
        }
    }

    /// Removes every value; the capacity stays.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::Ring;
    ///
    /// let mut ring = Ring::new(2);
    /// ring.push(1.0);
    /// ring.clear();
    /// assert!(ring.is_empty());
    /// assert_eq!(ring.capacity(), 2);
    /// ```
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    /// Index in `buf` of logical position `i` (`i < capacity`).
    #[inline]
    fn physical(&self, i: usize) -> usize {
        let slot = self.head + i;
        if slot >= self.buf.len() {
            slot - self.buf.len()
        } else {
            slot
        }
    }
}

impl<'a> IntoIterator for &'a Ring {
    type Item = f64;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over a [`Ring`], oldest to newest; made by [`Ring::iter`].
///
/// # Examples
///
/// ```
/// use hft::stats::Ring;
///
/// let mut ring = Ring::new(4);
/// ring.push(1.0);
/// ring.push(2.0);
/// let mut values = ring.iter();
/// assert_eq!(values.len(), 2);
/// assert_eq!(values.next(), Some(1.0));
/// assert_eq!(values.next_back(), Some(2.0));
/// assert_eq!(values.next(), None);
/// ```
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    ring: &'a Ring,
    front: usize,
    back: usize,
}

impl Iterator for Iter<'_> {
    type Item = f64;

    #[inline]
    fn next(&mut self) -> Option<f64> {
        if self.front == self.back {
            return None;
        }
        let x = self.ring.buf[self.ring.physical(self.front)];
        self.front += 1;
        Some(x)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<f64> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        Some(self.ring.buf[self.ring.physical(self.back)])
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl FusedIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_then_evicts_oldest_first() {
        let mut ring = Ring::new(3);
        assert_eq!(ring.push(1.0), None);
        assert_eq!(ring.push(2.0), None);
        assert!(!ring.is_full());
        assert_eq!(ring.push(3.0), None);
        assert!(ring.is_full());
        for (x, evicted) in [(4.0, 1.0), (5.0, 2.0), (6.0, 3.0), (7.0, 4.0)] {
            assert_eq!(ring.push(x), Some(evicted));
            assert_eq!(ring.len(), 3);
        }
        assert_eq!(ring.iter().collect::<Vec<_>>(), [5.0, 6.0, 7.0]);
        assert_eq!((ring.first(), ring.last()), (Some(5.0), Some(7.0)));
        assert_eq!(
            (ring.get(0), ring.get(1), ring.get(2), ring.get(3)),
            (Some(5.0), Some(6.0), Some(7.0), None)
        );
    }

    #[test]
    fn slices_cover_the_wrap() {
        let mut ring = Ring::new(4);
        assert_eq!(ring.as_slices(), (&[][..], &[][..]));
        for x in 0..6 {
            ring.push(f64::from(x));
        }
        let (a, b) = ring.as_slices();
        assert_eq!([a, b].concat(), [2.0, 3.0, 4.0, 5.0]);
        assert_eq!(ring.iter().rev().collect::<Vec<_>>(), [5.0, 4.0, 3.0, 2.0]);
        let mut it = ring.iter();
        assert_eq!(it.next(), Some(2.0));
        assert_eq!(it.next_back(), Some(5.0));
        assert_eq!(it.len(), 2);
        assert_eq!(it.collect::<Vec<_>>(), [3.0, 4.0]);
    }

    #[test]
    fn capacity_one() {
        let mut ring = Ring::new(1);
        assert_eq!(ring.last(), None);
        assert_eq!(ring.push(1.0), None);
        assert_eq!(ring.push(2.0), Some(1.0));
        assert_eq!(ring.last(), Some(2.0));
        assert_eq!(ring.first(), Some(2.0));
    }

    #[test]
    fn clear_keeps_capacity() {
        let mut ring = Ring::new(2);
        ring.push(1.0);
        ring.push(2.0);
        ring.push(3.0);
        ring.clear();
        assert!(ring.is_empty());
        assert_eq!(ring.iter().count(), 0);
        assert_eq!(ring.push(9.0), None);
        assert_eq!(ring.iter().collect::<Vec<_>>(), [9.0]);
    }

    #[test]
    #[should_panic(expected = "at least 1")]
    fn zero_capacity_panics() {
        let _ = Ring::new(0);
    }
}
