//! Decimation: a long run's rows reduced to what a chart can show, keeping every spike.

/// Points drawn per line at most: more than a chart's width in pixels, far fewer than a long
/// run's rows (each bucket keeps its minimum and maximum, so spikes survive).
pub(super) const MAX_POINTS: usize = 2400;

/// At most [`MAX_POINTS`] points: each bucket of consecutive points keeps its lowest and highest
/// (in time order), plus the first and last point of the line.
pub(super) fn decimate(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let bucket = points.len().div_ceil(MAX_POINTS / 2 - 1);
    let mut out = Vec::with_capacity(MAX_POINTS);
    out.push(points[0]);
    for chunk in points.chunks(bucket) {
        let lo = chunk
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map_or(0, |(i, _)| i);
        let hi = chunk
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map_or(0, |(i, _)| i);
        let (first, second) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push(chunk[first]);
        if second != first {
            out.push(chunk[second]);
        }
    }
    out.push(points[points.len() - 1]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_extremes_and_ends() {
        let points: Vec<(f64, f64)> = (0..100_000)
            .map(|k| (k as f64, if k == 54_321 { 99.0 } else { (k % 10) as f64 }))
            .collect();
        let d = decimate(points.clone());
        assert!(d.len() <= MAX_POINTS);
        assert_eq!(d.first(), points.first());
        assert_eq!(d.last(), points.last());
        assert!(d.contains(&(54_321.0, 99.0)));
        assert!(d.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
