//! Special functions behind the p-values: log-gamma, the regularized incomplete gamma and beta
//! functions, and from them the normal, F and Kolmogorov (`kstwobign`) tail probabilities.
//!
//! Sources: the Lanczos approximation (Lanczos 1964, "A precision approximation of the gamma
//! function", *SIAM J. Numer. Anal.* B1; coefficients for g = 7, n = 9 as tabulated by Godfrey);
//! the series and continued fractions of the incomplete gamma and beta functions (Abramowitz and
//! Stegun 6.5.29, 6.5.31 and 26.5.8), evaluated with the modified Lentz method (Thompson and
//! Barnett 1986, "Coulomb and Bessel functions of complex arguments and order", *J. Comput.
//! Phys.* 64); the Kolmogorov distribution's two series (Kolmogorov 1933; the second by the
//! Jacobi theta transformation, as in Marsaglia, Tsang and Wang 2003, *J. Stat. Softw.* 8(18)).
//! Accuracy is about 1e-14 relative over the ranges the tests use.

use std::f64::consts::PI;

const EPS: f64 = 1e-16;
const TINY: f64 = 1e-300;
const MAX_ITER: usize = 10_000;

const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// `ln Γ(x)` for `x > 0`.
pub(crate) fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + LANCZOS_G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularized upper incomplete gamma function `Q(a, x) = Γ(a, x) / Γ(a)`.
pub(crate) fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // Series for P(a, x).
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..MAX_ITER {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        1.0 - sum * log_prefix.exp()
    } else {
        // Continued fraction for Q(a, x) (modified Lentz).
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITER {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < EPS {
                break;
            }
        }
        log_prefix.exp() * h
    }
}

/// The complementary error function, `erfc(x) = Q(1/2, x²)` for `x ≥ 0`.
pub(crate) fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        2.0 - erfc(-x)
    } else {
        gamma_q(0.5, x * x)
    }
}

/// `P(Z > z)` for a standard normal `Z`.
///
/// # Examples
/// ```
/// use hft::stats::normal_sf;
/// assert!((normal_sf(1.9599639845400545) - 0.025).abs() < 1e-15);
/// assert_eq!(normal_sf(0.0), 0.5);
/// ```
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The regularized incomplete beta function `I_x(a, b)`.
pub(crate) fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let log_front = a * x.ln() + b * (1.0 - x).ln() + ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b);
    // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry
    // I_x(a, b) = 1 - I_{1-x}(b, a) on the other side.
    if x < (a + 1.0) / (a + b + 2.0) {
        log_front.exp() * beta_fraction(a, b, x) / a
    } else {
        1.0 - log_front.exp() * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `P(F > f)` for an F distribution with `d1` and `d2` degrees of freedom.
///
/// # Examples
/// ```
/// use hft::stats::f_sf;
/// // F(1, d) is the square of a t(d): P(F > t²) = 2 P(T > t).
/// assert!((f_sf(1.0, 2.0, 2.0) - 0.5).abs() < 1e-14);
/// assert_eq!(f_sf(0.0, 3.0, 10.0), 1.0);
/// ```
pub fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    if f <= 0.0 {
        return 1.0;
    }
    beta_inc(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f))
}

/// `P(K > x)` for the limiting Kolmogorov distribution, the supremum of the absolute value of a
/// Brownian bridge (scipy's `kstwobign.sf`).
///
/// # Examples
/// ```
/// use hft::stats::kolmogorov_sf;
/// assert!((kolmogorov_sf(1.3580986393225507) - 0.05).abs() < 1e-12);
/// assert_eq!(kolmogorov_sf(0.0), 1.0);
/// ```
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x < 1.0 {
        // P(K ≤ x) = sqrt(2π) / x Σ_{k≥1} exp(-(2k-1)² π² / (8x²)).
        let mut cdf = 0.0;
        for k in 1..=20 {
            let odd = (2 * k - 1) as f64;
            cdf += (-odd * odd * PI * PI / (8.0 * x * x)).exp();
        }
        1.0 - (2.0 * PI).sqrt() / x * cdf
    } else {
        // P(K > x) = 2 Σ_{k≥1} (-1)^{k-1} exp(-2 k² x²).
        let mut sf = 0.0;
        for k in 1..=100 {
            let kf = k as f64;
            let term = (-2.0 * kf * kf * x * x).exp();
            sf += if k % 2 == 1 { term } else { -term };
            if term < 1e-300 {
                break;
            }
        }
        2.0 * sf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from scipy 1.17.1 (scipy.special.gammaincc, erfc, betainc; scipy.stats.f.sf,
    // kstwobign.sf), printed with repr.
    #[test]
    fn special_functions_match_scipy() {
        let close = |got: f64, want: f64| {
            assert!((got - want).abs() <= 1e-13 * want.abs(), "{got} vs {want}")
        };
        close(ln_gamma(0.5), 0.5723649429247);
        close(ln_gamma(10.0), 12.801827480081469);
        close(gamma_q(2.5, 1.0), 0.8491450360846096);
        close(gamma_q(2.5, 7.0), 0.01560941610026691);
        close(erfc(0.3), 0.6713732405408726);
        close(erfc(3.0), 2.2090496998585445e-05);
        close(beta_inc(2.0, 3.0, 0.4), 0.5247999999999999);
        close(f_sf(2.5, 3.0, 40.0), 0.07325435201794983);
        close(kolmogorov_sf(0.5), 0.9639452436648751);
        close(kolmogorov_sf(1.2), 0.11224966667072497);
    }
}
