//! Mergeable centered moments and the removal-free sliding window that combines them (see the
//! [module docs](crate::stats) for the method and its sources).
//!
//! An aggregate summarises a block of values shifted by a reference (a member of the block).
//! `add` is Welford's update; `merge` is the pairwise formula of Chan, Golub and LeVeque, in
//! which the second block's reference sits `offset` above the first's. Every term of a merged sum
//! of squares is non-negative, so nothing cancels.

use std::fmt::Debug;

/// A summary of a block of points that grows by one point and merges with a later block.
pub(crate) trait Aggregate: Copy + Default + Debug {
    /// One observation: `f64`, or `(f64, f64)` for pairs.
    type Point: Copy + Debug;

    /// `point - reference`, per component.
    fn shift(point: Self::Point, reference: Self::Point) -> Self::Point;

    /// Adds one point, already shifted by the block's reference.
    fn add(&mut self, shifted: Self::Point);

    /// The summary of `self` followed by `later`, relative to `self`'s reference, where `later`
    /// is relative to a reference `offset` above it.
    fn merge(&self, later: &Self, offset: Self::Point) -> Self;

    fn count(&self) -> usize;
}

/// Count and sum, for the mean.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sum {
    pub n: usize,
    pub sum: f64,
}

impl Aggregate for Sum {
    type Point = f64;

    #[inline]
    fn shift(point: f64, reference: f64) -> f64 {
        point - reference
    }

    #[inline]
    fn add(&mut self, d: f64) {
        self.n += 1;
        self.sum += d;
    }

    #[inline]
    fn merge(&self, later: &Self, offset: f64) -> Self {
        Sum {
            n: self.n + later.n,
            sum: self.sum + (later.sum + later.n as f64 * offset),
        }
    }

    #[inline]
    fn count(&self) -> usize {
        self.n
    }
}

/// Count, mean and sum of squared deviations, for the variance.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Moments {
    pub n: usize,
    pub mean: f64,
    pub m2: f64,
}

impl Aggregate for Moments {
    type Point = f64;

    #[inline]
    fn shift(point: f64, reference: f64) -> f64 {
        point - reference
    }

    #[inline]
    fn add(&mut self, d: f64) {
        self.n += 1;
        let delta = d - self.mean;
        self.mean += delta / self.n as f64;
        // delta and (d - new mean) share a sign: the increment is never negative.
        self.m2 += delta * (d - self.mean);
    }

    #[inline]
    fn merge(&self, later: &Self, offset: f64) -> Self {
        let n = self.n + later.n;
        let weight = self.n as f64 * later.n as f64 / n as f64;
        let delta = offset + (later.mean - self.mean);
        Moments {
            n,
            mean: self.mean + delta * (later.n as f64 / n as f64),
            m2: self.m2 + later.m2 + delta * delta * weight,
        }
    }

    #[inline]
    fn count(&self) -> usize {
        self.n
    }
}

/// Count, means and co-moments of pairs, for covariance and regression.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CoMoments {
    pub n: usize,
    pub mean_x: f64,
    pub mean_y: f64,
    /// Sum of squared deviations of `x`.
    pub cxx: f64,
    /// Sum of squared deviations of `y`.
    pub cyy: f64,
    /// Sum of products of deviations.
    pub cxy: f64,
}

impl Aggregate for CoMoments {
    type Point = (f64, f64);

    #[inline]
    fn shift(point: (f64, f64), reference: (f64, f64)) -> (f64, f64) {
        (point.0 - reference.0, point.1 - reference.1)
    }

    #[inline]
    fn add(&mut self, (dx, dy): (f64, f64)) {
        self.n += 1;
        let n = self.n as f64;
        let delta_x = dx - self.mean_x;
        let delta_y = dy - self.mean_y;
        self.mean_x += delta_x / n;
        self.mean_y += delta_y / n;
        self.cxx += delta_x * (dx - self.mean_x);
        self.cyy += delta_y * (dy - self.mean_y);
        self.cxy += delta_x * (dy - self.mean_y);
    }

    #[inline]
    fn merge(&self, later: &Self, offset: (f64, f64)) -> Self {
        let n = self.n + later.n;
        let weight = self.n as f64 * later.n as f64 / n as f64;
        let share = later.n as f64 / n as f64;
        let delta_x = offset.0 + (later.mean_x - self.mean_x);
        let delta_y = offset.1 + (later.mean_y - self.mean_y);
        CoMoments {
            n,
            mean_x: self.mean_x + delta_x * share,
            mean_y: self.mean_y + delta_y * share,
            cxx: self.cxx + later.cxx + delta_x * delta_x * weight,
            cyy: self.cyy + later.cyy + delta_y * delta_y * weight,
            cxy: self.cxy + later.cxy + delta_x * delta_y * weight,
        }
    }

    #[inline]
    fn count(&self) -> usize {
        self.n
    }
}

/// Aggregate of a sliding window as a two-stack queue: the older values ("front") carry
/// precomputed suffix aggregates, the newer ones ("back") one running aggregate. The window's
/// aggregate is the merge of the front's oldest suffix with the back. When the front runs out,
/// the back's values (the whole window then) are flipped into fresh suffix aggregates: O(window)
/// once every `window` updates, O(1) amortized, and never a subtraction of a departed value.
///
/// The caller keeps the values (in a [`Ring`](super::Ring)) and hands them over at `flip`.
#[derive(Debug, Clone)]
pub(crate) struct SlidingWindow<A: Aggregate> {
    /// `front[i]`: aggregate of the flipped values `i..front_end`, relative to
    /// `front_reference`.
    front: Box<[A]>,
    front_reference: A::Point,
    /// Index in `front` of the oldest value still in the window.
    front_start: usize,
    front_end: usize,
    back: A,
    back_reference: A::Point,
}

impl<A: Aggregate> SlidingWindow<A> {
    /// Storage for a window of `window` values, allocated here once.
    pub fn new(window: usize, zero: A::Point) -> Self {
        SlidingWindow {
            front: vec![A::default(); window].into_boxed_slice(),
            front_reference: zero,
            front_start: 0,
            front_end: 0,
            back: A::default(),
            back_reference: zero,
        }
    }

    /// Whether the oldest value must be flipped before it can be dropped.
    #[inline]
    pub fn front_is_empty(&self) -> bool {
        self.front_start == self.front_end
    }

    /// Turns the window's values, oldest to newest (all of them in the back), into suffix
    /// aggregates relative to the newest value.
    pub fn flip(&mut self, points: impl DoubleEndedIterator<Item = A::Point> + ExactSizeIterator) {
        debug_assert!(self.front_is_empty() && points.len() == self.back.count());
        let n = points.len();
        let mut suffix = A::default();
        for (i, point) in points.enumerate().rev() {
            if i + 1 == n {
                self.front_reference = point;
            }
            suffix.add(A::shift(point, self.front_reference));
            self.front[i] = suffix;
        }
        self.front_start = 0;
        self.front_end = n;
        self.back = A::default();
    }

    /// Drops the oldest value (the front must not be empty).
    #[inline]
    pub fn pop_front(&mut self) {
        debug_assert!(!self.front_is_empty());
        self.front_start += 1;
    }

    /// Adds the newest value.
    #[inline]
    pub fn push_back(&mut self, point: A::Point) {
        if self.back.count() == 0 {
            self.back_reference = point;
        }
        self.back.add(A::shift(point, self.back_reference));
    }

    /// The window's aggregate and the reference it is relative to; `None` when empty.
    #[inline]
    pub fn total(&self) -> Option<(A, A::Point)> {
        let has_back = self.back.count() > 0;
        if self.front_is_empty() {
            return has_back.then_some((self.back, self.back_reference));
        }
        let front = &self.front[self.front_start];
        if !has_back {
            return Some((*front, self.front_reference));
        }
        let offset = A::shift(self.back_reference, self.front_reference);
        Some((front.merge(&self.back, offset), self.front_reference))
    }

    pub fn clear(&mut self) {
        self.front_start = 0;
        self.front_end = 0;
        self.back = A::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slides a window of `window` over `points`, as the statistics do, and returns the final
    /// aggregate with its reference.
    fn slide<A: Aggregate>(window: usize, points: &[A::Point], zero: A::Point) -> (A, A::Point) {
        let mut sliding = SlidingWindow::<A>::new(window, zero);
        for (k, &point) in points.iter().enumerate() {
            let held = k.min(window);
            if held == window {
                if sliding.front_is_empty() {
                    sliding.flip(points[k - window..k].iter().copied());
                }
                sliding.pop_front();
            }
            sliding.push_back(point);
        }
        sliding.total().unwrap()
    }

    const XS: [f64; 6] = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0];
    const YS: [f64; 6] = [2.0, 7.0, 1.0, 8.0, 2.0, 8.0];

    #[test]
    fn sliding_equals_the_window_by_hand() {
        // Intermediate means such as 1/3 round, hence the tolerance (a few ulps).
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-13 * b.abs().max(1.0);
        // Window 4 over XS ends at [4, 1, 5, 9]: mean 19/4, M2 = 123 - 361/4 = 131/4.
        let (m, reference) = slide::<Moments>(4, &XS, 0.0);
        assert_eq!(m.n, 4);
        assert!(close(reference + m.mean, 4.75));
        assert!(close(m.m2, 32.75));
        let (s, reference) = slide::<Sum>(4, &XS, 0.0);
        assert!(close(reference + s.sum / 4.0, 4.75));
        // y window [1, 8, 2, 8]: mean 19/4; cyy = 133 - 361/4; cxy = 94 - 361/4.
        let pairs: Vec<(f64, f64)> = XS.iter().copied().zip(YS).collect();
        let (c, (rx, ry)) = slide::<CoMoments>(4, &pairs, (0.0, 0.0));
        assert!(close(rx + c.mean_x, 4.75));
        assert!(close(ry + c.mean_y, 4.75));
        assert!(close(c.cxx, 32.75));
        assert!(close(c.cyy, 42.75));
        assert!(close(c.cxy, 3.75));
    }

    #[test]
    fn a_departed_spike_leaves_nothing_behind() {
        // Window 2 over [0, -1, 0, 5e-5]: the -1 has left; M2 of [0, 5e-5] is (5e-5)^2 / 2.
        let (m, _) = slide::<Moments>(2, &[0.0, -1.0, 0.0, 5e-5], 0.0);
        assert_eq!(m.m2, 5e-5 * 5e-5 / 2.0);
    }

    #[test]
    fn equal_values_give_exact_zeros() {
        let (m, reference) = slide::<Moments>(3, &[1.0, 7.0, 0.1, 0.1, 0.1, 0.1], 0.0);
        assert_eq!((reference + m.mean, m.m2), (0.1, 0.0));
    }
}
