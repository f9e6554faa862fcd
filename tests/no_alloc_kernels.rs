//! The EMA and rectangular kernels and the rolling Hurst estimator never allocate after `new`: a
//! counting global allocator watches 100,000 updates and reads of each. The factor model's `fit`
//! (PCA, residual regressions, AR(1) s-scores) allocates nothing either: 20 fits of a 40-name,
//! 252-row window, each with a different window, are watched the same way.
//!
//! Its own `main` (`harness = false`), so no test-harness thread allocates while the counter is
//! armed.

use hft::stats::{
    EwmMoments, FactorConfig, FactorCount, FactorModel, HurstMethod, Kernel, KernelMoments,
    RollingHurst,
};
use std::sync::atomic::Ordering;

mod counting_alloc;
use counting_alloc::{ALLOCATIONS, ARMED};

fn main() {
    let mut ewm = EwmMoments::new(20.0);
    let mut rect = KernelMoments::new(Kernel::Rect { window: 300 });
    let mut ema = KernelMoments::new(Kernel::Ema {
        half_life_rows: 37.5,
    });
    let mut hurst = RollingHurst::new(256, 8, HurstMethod::Dfa);
    let mut checksum = 0.0;
    ARMED.store(true, Ordering::SeqCst);
    for t in 0..100_000u32 {
        let x = 100.0 + (f64::from(t) * 0.37).sin();
        let y = 2.0 * x + (f64::from(t) * 1.3).cos();
        ewm.update(x, y);
        rect.update(x, y);
        ema.update(x, y);
        hurst.update(y - 2.0 * x);
        for m in [&rect, &ema] {
            checksum += m.hedge_ratio().unwrap_or(0.0) + m.zscore_x().unwrap_or(0.0);
            checksum += m.correlation().unwrap_or(0.0) + m.var_y().unwrap_or(0.0);
        }
        checksum += ewm.covariance().unwrap_or(0.0);
        if t % 1000 == 0 {
            checksum += hurst.value().unwrap_or(0.0);
        }
    }
    ARMED.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    assert!(checksum.is_finite());
    assert_eq!(allocations, 0, "allocations while updating the kernels");
    println!("no_alloc_kernels: 100,000 updates of each kernel, 0 allocations");
    factor_fits();
}

/// 20 fits of the factor model, each on a different window of a synthetic universe (a market
/// factor and a hash standing in for idiosyncratic draws), with both factor-count rules.
fn factor_fits() {
    let (n, rows, fits) = (40, 252, 20);
    let noise = |x: usize| ((x as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5;
    let returns: Vec<f64> = (0..(rows + fits) * n)
        .map(|x| 0.01 * noise(x / n + 1_000_000) + 0.005 * noise(x))
        .collect();
    let mut fixed = FactorModel::new(
        n,
        &FactorConfig {
            k: FactorCount::Fixed(5),
            ..FactorConfig::daily()
        },
    );
    let mut explained = FactorModel::new(n, &FactorConfig::daily());
    let mut checksum = 0.0;
    ALLOCATIONS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    for f in 0..fits {
        let window = &returns[f * n..(f + rows) * n];
        for model in [&mut fixed, &mut explained] {
            let fit = model.fit(window).expect("the synthetic window fits");
            checksum += fit.eigenvalues()[0] + fit.betas(3)[0];
            checksum += fit.names()[7].s_score.unwrap_or(0.0);
        }
    }
    ARMED.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    assert!(checksum.is_finite());
    assert_eq!(allocations, 0, "allocations while fitting the factor model");
    println!("no_alloc_kernels: {fits} factor fits of {n} names x {rows} rows, 0 allocations");
}
