//! Ranking every pair of a universe on all cores, with both regression directions reported and
//! Benjamini-Hochberg control across the pairs (the rules are in the [module docs](super)).

use super::{AdfLags, PairStats, Significance, analyze_pair_with, benjamini_hochberg};
use std::cmp::Ordering;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

/// Pairs a thread takes from the shared counter at a time: small enough to balance the load of
/// pairs whose lag search differs in cost, large enough that the counter is not contended.
const CHUNK: usize = 64;

/// How a universe is ranked.
///
/// # Examples
/// ```
/// use hft::pairs::{AdfLags, RankOptions, Significance};
/// let o = RankOptions::default();
/// assert_eq!((o.level, o.lags, o.fdr), (Significance::P5, AdfLags::Aic, 0.05));
/// assert!(o.threads >= 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankOptions {
    /// The level of `passes` (one test per pair).
    pub level: Significance,
    /// Dickey-Fuller lags.
    pub lags: AdfLags,
    /// The false-discovery rate of `discovered`, in (0, 1].
    pub fdr: f64,
    /// Threads that score pairs (at least 1; the result does not depend on it).
    pub threads: usize,
}

impl Default for RankOptions {
    /// 5 %, lags by AIC, FDR 5 %, one thread per core.
    fn default() -> Self {
        RankOptions {
            level: Significance::P5,
            lags: AdfLags::Aic,
            fdr: 0.05,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// Every pair of a universe, scored and ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The pairs with defined statistics, best first (see [`rank_universe`]).
    pub pairs: Vec<PairStats>,
    /// Pairs tested: `n (n - 1) / 2`, the `m` of Benjamini-Hochberg.
    pub tested: usize,
    /// Pairs with `discovered` set.
    pub discovered: usize,
}

/// Scores every pair of a universe (`names[i]` labels `columns[i]`; rows aligned) in both
/// directions on `options.threads` threads, adjusts the pair p-values by Benjamini-Hochberg
/// across all `n (n - 1) / 2` pairs, and ranks them. Pairs whose statistics are undefined in both
/// directions (see [`analyze_pair_with`]) are left out of `pairs` but count as tested (p = 1).
///
/// **Order:** `pair_p_value` ascending; ties by the shown statistic (more negative first), then
/// by correlation (higher first), then by the names: a total order that does not depend on the
/// column order or the thread count.
///
/// # Panics
/// If `names` and `columns` differ in length.
///
/// # Examples
/// ```
/// use hft::pairs::{RankOptions, rank_universe};
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5;
/// let walk: Vec<f64> = (0..400).scan(50.0, |p, t| { *p += noise(t + 7000); Some(*p) }).collect();
/// let tracker: Vec<f64> = walk.iter().enumerate().map(|(t, p)| 1.5 * p + noise(t)).collect();
/// let other: Vec<f64> = (0..400).scan(80.0, |p, t| { *p += noise(t + 3000); Some(*p) }).collect();
/// let names = ["WALK", "TRACK", "OTHER"].map(String::from);
/// let ranking = rank_universe(&names, &[walk, tracker, other], &RankOptions::default());
/// assert_eq!((ranking.tested, ranking.pairs.len()), (3, 3));
/// let best = &ranking.pairs[0];
/// assert!([best.a.as_str(), best.b.as_str()].contains(&"TRACK"));
/// assert!(best.discovered && best.q_value.unwrap() < 0.05);
/// assert!(best.reverse_p_value.is_some() && best.pair_p_value >= best.p_value);
/// ```
pub fn rank_universe(names: &[String], columns: &[Vec<f64>], options: &RankOptions) -> Ranking {
    assert_eq!(names.len(), columns.len(), "one name per column of closes");
    let n = columns.len();
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    let scored = score_all(&pairs, columns, options);
    let p_values: Vec<f64> = scored
        .iter()
        .map(|s| s.as_ref().map_or(1.0, |(p, _)| p.pair_p_value))
        .collect();
    let q_values = benjamini_hochberg(&p_values);
    let mut ranked = Vec::with_capacity(pairs.len());
    for (((i, j), scored), q) in pairs.iter().zip(scored).zip(q_values) {
        if let Some((mut pair, backward)) = scored {
            let (ia, ib) = if backward { (*j, *i) } else { (*i, *j) };
            pair.a.clone_from(&names[ia]);
            pair.b.clone_from(&names[ib]);
            pair.q_value = Some(q);
            pair.discovered = q <= options.fdr;
            ranked.push(pair);
        }
    }
    ranked.sort_by(ranking);
    let discovered = ranked.iter().filter(|p| p.discovered).count();
    Ranking {
        pairs: ranked,
        tested: pairs.len(),
        discovered,
    }
}

/// A scored pair and whether the ordering shown is the backward one (second column on first).
type Scored = Option<(PairStats, bool)>;

/// Both directions of every pair, in the order of `pairs`, on scoped threads taking chunks.
fn score_all(pairs: &[(usize, usize)], columns: &[Vec<f64>], options: &RankOptions) -> Vec<Scored> {
    let next = AtomicUsize::new(0);
    let threads = options.threads.clamp(1, pairs.len().div_ceil(CHUNK).max(1));
    let work = || {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(CHUNK, AtomicOrdering::Relaxed);
            if start >= pairs.len() {
                return done;
            }
            for (k, &(i, j)) in pairs.iter().enumerate().skip(start).take(CHUNK) {
                done.push((k, score_pair(&columns[i], &columns[j], options)));
            }
        }
    };
    let mut out: Vec<Scored> = vec![None; pairs.len()];
    let parts: Vec<Vec<(usize, Scored)>> = if threads == 1 {
        vec![work()]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a pair-scoring thread panicked"))
                .collect()
        })
    };
    for (k, pair) in parts.into_iter().flatten() {
        out[k] = pair;
    }
    out
}

/// Both orderings of one pair: the one with the smaller p-value is shown (the more negative
/// statistic on a tie, then the column order), the other goes into the `reverse_*` fields, and
/// the pair's p-value is the larger.
fn score_pair(first: &[f64], second: &[f64], options: &RankOptions) -> Scored {
    let forward = analyze_pair_with(first, second, options.level, options.lags);
    let backward = analyze_pair_with(second, first, options.level, options.lags);
    let (mut shown, other, backward_shown) = match (forward, backward) {
        (Some(f), Some(b)) => {
            let b_first = b
                .p_value
                .total_cmp(&f.p_value)
                .then(b.adf_stat.total_cmp(&f.adf_stat))
                == Ordering::Less;
            if b_first {
                (b, Some(f), true)
            } else {
                (f, Some(b), false)
            }
        }
        (Some(f), None) => (f, None, false),
        (None, Some(b)) => (b, None, true),
        (None, None) => return None,
    };
    if let Some(other) = other {
        shown.reverse_adf_stat = Some(other.adf_stat);
        shown.reverse_adf_lags = Some(other.adf_lags);
        shown.reverse_p_value = Some(other.p_value);
        shown.pair_p_value = shown.p_value.max(other.p_value);
    }
    shown.passes = shown.pair_p_value < options.level.fraction();
    Some((shown, backward_shown))
}

/// Ranks every pair with the default options at `level` and returns the first `top` (`usize::MAX`
/// for all); see [`rank_universe`].
///
/// # Panics
/// If `names` and `columns` differ in length.
///
/// # Examples
/// ```
/// use hft::pairs::{rank_pairs, Significance};
/// let names = ["A", "B"].map(String::from);
/// let flat = vec![vec![1.0; 50], vec![2.0; 50]];
/// assert!(rank_pairs(&names, &flat, Significance::P5, usize::MAX).is_empty());
/// ```
pub fn rank_pairs(
    names: &[String],
    columns: &[Vec<f64>],
    level: Significance,
    top: usize,
) -> Vec<PairStats> {
    let options = RankOptions {
        level,
        ..RankOptions::default()
    };
    let mut pairs = rank_universe(names, columns, &options).pairs;
    pairs.truncate(top);
    pairs
}

/// As [`rank_pairs`], with a fixed number of Dickey-Fuller lags instead of AIC's choice.
///
/// # Panics
/// If `names` and `columns` differ in length.
pub fn rank_pairs_with_lags(
    names: &[String],
    columns: &[Vec<f64>],
    level: Significance,
    lags: usize,
    top: usize,
) -> Vec<PairStats> {
    let options = RankOptions {
        level,
        lags: AdfLags::Fixed(lags),
        ..RankOptions::default()
    };
    let mut pairs = rank_universe(names, columns, &options).pairs;
    pairs.truncate(top);
    pairs
}

/// The best `top` discovered pairs (`q_value <= options.fdr`), in ranking order.
///
/// # Panics
/// If `names` and `columns` differ in length.
///
/// # Examples
/// ```
/// use hft::pairs::{RankOptions, select_pairs};
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract();
/// let x: Vec<f64> = (0..300).scan(20.0, |p, t| { *p += noise(t + 500); Some(*p) }).collect();
/// let y: Vec<f64> = (0..300).scan(30.0, |p, t| { *p += noise(t + 900); Some(*p) }).collect();
/// let names = ["X", "Y"].map(String::from);
/// // Two independent random walks: nothing to trade.
/// assert!(select_pairs(&names, &[x, y], &RankOptions::default(), 10).is_empty());
/// ```
pub fn select_pairs(
    names: &[String],
    columns: &[Vec<f64>],
    options: &RankOptions,
    top: usize,
) -> Vec<PairStats> {
    let mut pairs = rank_universe(names, columns, options).pairs;
    pairs.retain(|p| p.discovered);
    pairs.truncate(top);
    pairs
}

/// The ranking order of [`rank_universe`].
fn ranking(x: &PairStats, y: &PairStats) -> Ordering {
    x.pair_p_value
        .total_cmp(&y.pair_p_value)
        .then_with(|| x.adf_stat.total_cmp(&y.adf_stat))
        .then_with(|| y.correlation.total_cmp(&x.correlation))
        .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: &str, p: f64, adf_stat: f64, correlation: f64) -> PairStats {
        PairStats {
            a: a.into(),
            b: "x".into(),
            correlation,
            hedge_ratio: 1.0,
            intercept: 0.0,
            adf_stat,
            adf_lags: 0,
            p_value: p,
            reverse_adf_stat: None,
            reverse_adf_lags: None,
            reverse_p_value: None,
            pair_p_value: p,
            q_value: None,
            spread_mean: 0.0,
            spread_std: 1.0,
            half_life: None,
            error_correction: None,
            passes: false,
            discovered: false,
        }
    }

    #[test]
    fn ranking_orders_by_pair_p_value_then_statistic_then_correlation() {
        let mut pairs = [
            pair("C", 0.2, -2.0, 0.5),
            pair("A", 0.0, -20.0, 0.1),
            pair("B", 0.0, -19.0, 0.9),
            pair("E", 0.9, -1.0, 0.9),
            pair("D", 0.9, -1.0, 0.95),
        ];
        pairs.sort_by(ranking);
        let order: Vec<&str> = pairs.iter().map(|p| p.a.as_str()).collect();
        assert_eq!(order, ["A", "B", "C", "D", "E"]);
    }

    #[test]
    fn any_thread_count_gives_the_same_ranking() {
        let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5;
        let columns: Vec<Vec<f64>> = (0..12)
            .map(|s| {
                (0..150)
                    .scan(100.0, |p, t| {
                        *p += noise(t * 13 + s * 7919) + 0.3 * noise(t + 99_000);
                        Some(*p)
                    })
                    .collect()
            })
            .collect();
        let names: Vec<String> = (0..12).map(|i| format!("S{i}")).collect();
        let one = rank_universe(
            &names,
            &columns,
            &RankOptions {
                threads: 1,
                ..RankOptions::default()
            },
        );
        let three = rank_universe(
            &names,
            &columns,
            &RankOptions {
                threads: 3,
                ..RankOptions::default()
            },
        );
        assert_eq!(one.tested, 66);
        assert_eq!(one, three);
    }
}
