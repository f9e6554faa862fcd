//! Benjamini-Hochberg false-discovery control (Benjamini and Hochberg, 1995, "Controlling the
//! false discovery rate: a practical and powerful approach to multiple testing", *JRSS B* 57(1),
//! 289-300), as statsmodels `multipletests(p, method="fdr_bh")`: the adjusted p-value (q-value) of
//! the `i`-th smallest of `m` p-values is `min over j >= i of m p_(j) / j`, capped at 1; the
//! hypotheses with `q <= alpha` are the discoveries at false-discovery rate `alpha`.

/// The Benjamini-Hochberg adjusted p-values, in the order of `p`. NaN counts as 1.
///
/// # Examples
/// ```
/// use hft::pairs::benjamini_hochberg;
/// let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
/// assert_eq!(q, vec![0.04, 0.04 * 4.0 / 3.0, 0.04 * 4.0 / 3.0, 0.5]);
/// ```
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let value = |i: usize| if p[i].is_nan() { 1.0 } else { p[i] };
    let mut order: Vec<usize> = (0..m).collect();
    // Ties keep the input order, so the result does not depend on the sort's stability.
    order.sort_by(|&a, &b| value(a).total_cmp(&value(b)).then(a.cmp(&b)));
    let mut q = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(value(i) * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjusted_values_are_monotone_in_p_and_at_least_p() {
        let p: Vec<f64> = (0..50)
            .map(|i| ((i * 37 % 50) as f64 / 50.0).powi(3))
            .collect();
        let q = benjamini_hochberg(&p);
        for i in 0..p.len() {
            assert!(q[i] >= p[i] && q[i] <= 1.0);
            for j in 0..p.len() {
                if p[i] < p[j] {
                    assert!(q[i] <= q[j]);
                }
            }
        }
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[f64::NAN, 0.0]), vec![1.0, 0.0]);
    }
}
