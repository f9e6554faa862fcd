//! Centered running moments of reference-shifted values (the arithmetic behind the rolling
//! statistics; see the module docs of [`crate::stats`]).
//!
//! Each accumulator takes its reference from the first value it sees and keeps its sums in terms
//! of `value - reference`. `add` is Welford's update (1962); `replace` removes the oldest value and
//! adds the newest at a constant count in one step (West 1979 run backwards and forwards).
//! `replace` needs `n >= 1`.

/// Count and sum of shifted values, for the mean.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sum {
    pub n: usize,
    pub reference: f64,
    /// Sum of `x - reference`.
    pub sum: f64,
}

impl Sum {
    #[inline]
    pub fn add(&mut self, x: f64) {
        if self.n == 0 {
            self.reference = x;
        }
        self.n += 1;
        self.sum += x - self.reference;
    }

    #[inline]
    pub fn replace(&mut self, old: f64, new: f64) {
        self.sum += (new - self.reference) - (old - self.reference);
    }

    /// Mean in the caller's units (`n >= 1`).
    #[inline]
    pub fn mean(&self) -> f64 {
        self.reference + self.sum / self.n as f64
    }
}

/// Count, mean and centered sum of squares of shifted values, for the variance.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Moments {
    pub n: usize,
    pub reference: f64,
    /// Mean of `x - reference`.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl Moments {
    #[inline]
    pub fn add(&mut self, x: f64) {
        if self.n == 0 {
            self.reference = x;
        }
        let d = x - self.reference;
        self.n += 1;
        let delta = d - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (d - self.mean);
    }

    #[inline]
    pub fn replace(&mut self, old: f64, new: f64) {
        let d_old = old - self.reference;
        let d_new = new - self.reference;
        let delta = d_new - d_old;
        let mean_old = self.mean;
        self.mean += delta / self.n as f64;
        // M2' - M2 = (new - old) * ((new - mean') + (old - mean)).
        self.m2 += delta * ((d_new - self.mean) + (d_old - mean_old));
        if self.m2 < 0.0 {
            // Rounding only; NaN (from overflowing inputs) is left for the readers to refuse.
            self.m2 = 0.0;
        }
    }

    /// Mean in the caller's units (`n >= 1`).
    #[inline]
    pub fn mean(&self) -> f64 {
        self.reference + self.mean
    }
}

/// Count, means and centered second moments of shifted pairs, for covariance and regression.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CoMoments {
    pub n: usize,
    pub reference_x: f64,
    pub reference_y: f64,
    pub mean_x: f64,
    pub mean_y: f64,
    /// Sum of squared deviations of `x`.
    pub cxx: f64,
    /// Sum of squared deviations of `y`.
    pub cyy: f64,
    /// Sum of products of deviations.
    pub cxy: f64,
}

impl CoMoments {
    #[inline]
    pub fn add(&mut self, x: f64, y: f64) {
        if self.n == 0 {
            self.reference_x = x;
            self.reference_y = y;
        }
        let dx = x - self.reference_x;
        let dy = y - self.reference_y;
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
    pub fn replace(&mut self, old: (f64, f64), new: (f64, f64)) {
        let (dx_old, dy_old) = (old.0 - self.reference_x, old.1 - self.reference_y);
        let (dx_new, dy_new) = (new.0 - self.reference_x, new.1 - self.reference_y);
        let (delta_x, delta_y) = (dx_new - dx_old, dy_new - dy_old);
        let (mean_x_old, mean_y_old) = (self.mean_x, self.mean_y);
        let n = self.n as f64;
        self.mean_x += delta_x / n;
        self.mean_y += delta_y / n;
        // Deviations of the new value from the new mean plus the old value from the old mean.
        let spread_x = (dx_new - self.mean_x) + (dx_old - mean_x_old);
        let spread_y = (dy_new - self.mean_y) + (dy_old - mean_y_old);
        self.cxx += delta_x * spread_x;
        self.cyy += delta_y * spread_y;
        // The symmetric form; with x == y it is the cxx update above.
        self.cxy += 0.5 * (delta_x * spread_y + delta_y * spread_x);
        if self.cxx < 0.0 {
            self.cxx = 0.0;
        }
        if self.cyy < 0.0 {
            self.cyy = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XS: [f64; 6] = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0];
    const YS: [f64; 6] = [2.0, 7.0, 1.0, 8.0, 2.0, 8.0];

    #[test]
    fn replace_equals_a_fresh_accumulation() {
        // Window 4 over XS: after sliding twice the window is [4, 1, 5, 9].
        let mut sliding = Moments::default();
        let mut co = CoMoments::default();
        for i in 0..4 {
            sliding.add(XS[i]);
            co.add(XS[i], YS[i]);
        }
        for i in 4..6 {
            sliding.replace(XS[i - 4], XS[i]);
            co.replace((XS[i - 4], YS[i - 4]), (XS[i], YS[i]));
        }
        // Intermediate means such as -1/3 round, hence the tolerance (a few ulps of the sums).
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-13 * b.abs().max(1.0);
        // mean 19/4, M2 = sum x^2 - n mean^2 = 123 - 361/4 = 131/4.
        assert!(close(sliding.mean(), 4.75));
        assert!(close(sliding.m2, 32.75));
        // y window [1, 8, 2, 8]: mean 19/4; cyy = 133 - 361/4 = 171/4;
        // cxy = sum xy - n mx my = (4 + 8 + 10 + 72) - 361/4 = 15/4.
        assert!(close(co.reference_x + co.mean_x, 4.75));
        assert!(close(co.reference_y + co.mean_y, 4.75));
        assert!(close(co.cxx, 32.75));
        assert!(close(co.cyy, 42.75));
        assert!(close(co.cxy, 3.75));
    }

    #[test]
    fn sum_slides() {
        let mut sum = Sum::default();
        sum.add(10.0);
        sum.add(12.0);
        sum.replace(10.0, 20.0);
        assert_eq!(sum.mean(), 16.0);
    }
}
