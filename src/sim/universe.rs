//! The seeded synthetic market: a common factor, independent symbols, and followers whose log
//! spread to their leader is an Ornstein-Uhlenbeck process (cointegrated pairs).
//!
//! Every component is advanced lazily with its exact transition over the elapsed time, so a quote
//! event costs O(1) whatever the number of symbols, and arrivals can be irregular (Poisson).
//! History is generated backwards from the live starting state with the same transitions: a
//! Brownian motion and a stationary OU process are time-reversible, so the backward path has the
//! law of a forward one and ends exactly where the live feed starts.

use super::rng::Rng;
use crate::config::MarketParams;
use crate::exchange::BookTop;

/// Seconds in the trading day used to scale daily volatilities.
const TRADING_DAY_SECS: f64 = 23_400.0;

/// Prices are on a one-cent grid.
pub const TICK: f64 = 0.01;

pub use crate::exchange::Trade;

/// One quote event of the synthetic feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketEvent {
    /// Nanoseconds since the live start.
    pub t_ns: u64,
    pub symbol: usize,
    pub top: BookTop,
    pub trade: Option<Trade>,
}

#[derive(Debug, Clone)]
enum Driver {
    /// `x = log p0 + beta * M + eps`, eps a Brownian motion.
    /// `x = log_p0 + beta * market + eps`; eps a random walk (`theta` 0) or an OU process.
    Free {
        log_p0: f64,
        beta: f64,
        sigma: f64,
        theta: f64,
        eps: f64,
    },
    /// `x = log(ratio) + x_leader + s`, s an OU process.
    Follower {
        leader: usize,
        log_ratio: f64,
        theta: f64,
        sigma: f64,
        s: f64,
    },
}

#[derive(Debug, Clone)]
struct SymbolState {
    driver: Driver,
    /// Time (s) to which the idiosyncratic component has been advanced.
    t: f64,
    top: BookTop,
}

/// The synthetic universe and its live state.
#[derive(Debug, Clone)]
pub struct Universe {
    names: Vec<String>,
    symbols: Vec<SymbolState>,
    market: f64,
    market_sigma: f64,
    market_t: f64,
    rng: Rng,
    /// Time of the next quote event, seconds since the live start.
    next_t: f64,
    total_rate: f64,
    trade_probability: f64,
    max_spread: u32,
    seed: u64,
}

fn ou_step(s: f64, theta: f64, sigma: f64, dt: f64, z: f64) -> f64 {
    let decay = (-theta * dt).exp();
    let sd = sigma * ((1.0 - decay * decay) / (2.0 * theta)).sqrt();
    s * decay + sd * z
}

impl Universe {
    /// Builds the universe from validated parameters; the initial book is drawn from the seed.
    ///
    /// # Examples
    /// ```
    /// use hft::config::SimParams;
    /// use hft::sim::Universe;
    /// let p = SimParams::embedded();
    /// let mut u = Universe::new(&p.market);
    /// let e = u.next_event();
    /// assert!(e.top.bid < e.top.ask);
    /// ```
    pub fn new(p: &MarketParams) -> Self {
        let mut rng = Rng::new(p.seed, 0);
        let per_sec = |daily: f64| daily / TRADING_DAY_SECS.sqrt();
        let names: Vec<String> = p.symbols.iter().map(|s| s.name.clone()).collect();
        let mut symbols = Vec::with_capacity(p.symbols.len());
        for s in &p.symbols {
            let driver = match &s.follows {
                Some(leader_name) => {
                    let leader = names.iter().position(|n| n == leader_name).unwrap_or(0);
                    let theta = std::f64::consts::LN_2 / s.spread_half_life_secs;
                    let sigma = per_sec(s.spread_vol_per_day);
                    // Start in the stationary distribution.
                    let s0 = rng.normal() * sigma / (2.0 * theta).sqrt();
                    Driver::Follower {
                        leader,
                        log_ratio: (s.price / p.symbols[leader].price).ln(),
                        theta,
                        sigma,
                        s: s0,
                    }
                }
                None => {
                    let theta = if s.residual_half_life_secs > 0.0 {
                        std::f64::consts::LN_2 / s.residual_half_life_secs
                    } else {
                        0.0
                    };
                    let sigma = per_sec(s.vol_per_day);
                    // A stationary residual starts in its stationary distribution.
                    let eps = if theta > 0.0 {
                        rng.normal() * sigma / (2.0 * theta).sqrt()
                    } else {
                        0.0
                    };
                    Driver::Free {
                        log_p0: s.price.ln(),
                        beta: s.beta,
                        sigma,
                        theta,
                        eps,
                    }
                }
            };
            symbols.push(SymbolState {
                driver,
                t: 0.0,
                top: BookTop::default(),
            });
        }
        let mut u = Universe {
            names,
            symbols,
            market: 0.0,
            market_sigma: per_sec(p.market_vol_per_day),
            market_t: 0.0,
            rng,
            next_t: 0.0,
            total_rate: p.ticks_per_sec * p.symbols.len() as f64,
            trade_probability: p.trade_probability,
            max_spread: p.max_spread_ticks,
            seed: p.seed,
        };
        for i in 0..u.symbols.len() {
            let mid = u.mid_at(i, 0.0);
            u.symbols[i].top = u.quote_around(mid);
        }
        u.next_t = u.rng.exponential(u.total_rate.max(1e-9));
        u
    }

    /// Symbol names in index order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Index of `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Current top of book of symbol `i`.
    pub fn top(&self, i: usize) -> BookTop {
        self.symbols[i].top
    }

    /// Time of the next quote event, seconds since the live start.
    pub fn next_event_secs(&self) -> f64 {
        self.next_t
    }

    fn advance_market(&mut self, t: f64) {
        let dt = t - self.market_t;
        if dt > 0.0 {
            self.market += self.market_sigma * dt.sqrt() * self.rng.normal();
            self.market_t = t;
        }
    }

    /// Log price of symbol `i` at time `t` (advancing the components it depends on).
    fn log_price_at(&mut self, i: usize, t: f64) -> f64 {
        let dt = t - self.symbols[i].t;
        match self.symbols[i].driver {
            Driver::Free {
                log_p0,
                beta,
                sigma,
                theta,
                eps,
            } => {
                self.advance_market(t);
                let eps = match (dt > 0.0, theta > 0.0) {
                    (false, _) => eps,
                    (true, true) => ou_step(eps, theta, sigma, dt, self.rng.normal()),
                    (true, false) => eps + sigma * dt.sqrt() * self.rng.normal(),
                };
                self.symbols[i].driver = Driver::Free {
                    log_p0,
                    beta,
                    sigma,
                    theta,
                    eps,
                };
                self.symbols[i].t = self.symbols[i].t.max(t);
                log_p0 + beta * self.market + eps
            }
            Driver::Follower {
                leader,
                log_ratio,
                theta,
                sigma,
                s,
            } => {
                let lead = self.log_price_at(leader, t);
                let s = if dt > 0.0 {
                    ou_step(s, theta, sigma, dt, self.rng.normal())
                } else {
                    s
                };
                self.symbols[i].driver = Driver::Follower {
                    leader,
                    log_ratio,
                    theta,
                    sigma,
                    s,
                };
                self.symbols[i].t = self.symbols[i].t.max(t);
                log_ratio + lead + s
            }
        }
    }

    fn mid_at(&mut self, i: usize, t: f64) -> f64 {
        self.log_price_at(i, t).exp()
    }

    fn quote_around(&mut self, mid: f64) -> BookTop {
        let spread = 1 + self.rng.below(self.max_spread as u64) as i64;
        let center = (mid / TICK).max(2.0 * spread as f64);
        let bid = (center - spread as f64 / 2.0).floor() as i64;
        let bid = bid.max(1);
        BookTop {
            bid,
            ask: bid + spread,
            bid_size: 100 * (1 + self.rng.below(10) as u32),
            ask_size: 100 * (1 + self.rng.below(10) as u32),
        }
    }

    /// Draws the next quote event (Poisson arrivals over all symbols) and updates the book.
    pub fn next_event(&mut self) -> MarketEvent {
        let t = self.next_t;
        let symbol = self.rng.below(self.symbols.len() as u64) as usize;
        let mid = self.mid_at(symbol, t);
        let old = self.symbols[symbol].top;
        let mut top = self.quote_around(mid);
        // Sizes often change without the price moving; keep it that way half of the time.
        if top.bid == old.bid && self.rng.uniform() < 0.5 {
            top.bid_size = old.bid_size;
        }
        if top.ask == old.ask && self.rng.uniform() < 0.5 {
            top.ask_size = old.ask_size;
        }
        self.symbols[symbol].top = top;
        let trade = if self.rng.uniform() < self.trade_probability {
            let at_ask = self.rng.below(2) == 1;
            Some(Trade {
                price: if at_ask { top.ask } else { top.bid },
                size: 100 * (1 + self.rng.below(5) as u32),
            })
        } else {
            None
        };
        self.next_t = t + self.rng.exponential(self.total_rate);
        MarketEvent {
            t_ns: (t * 1e9) as u64,
            symbol,
            top,
            trade,
        }
    }

    /// Overrides the book of symbol `i` (replay of recorded quotes).
    pub fn set_top(&mut self, i: usize, top: BookTop) {
        self.symbols[i].top = top;
    }

    /// Mid-price paths for every symbol on a regular grid *before* the live start, oldest first:
    /// `paths[symbol][k]` is the mid at `-(steps - k) * step_secs` seconds, and the last point of
    /// each path (k = steps) is the live starting mid. The path depends only on the seed and
    /// `step_secs`, so a longer request extends a shorter one further into the past.
    pub fn history(&self, step_secs: f64, steps: usize) -> Vec<Vec<f64>> {
        // A private copy walks backwards; the live state is untouched.
        let mut rng = Rng::new(self.seed, 1 + step_secs.to_bits());
        let n = self.symbols.len();
        let mut eps: Vec<f64> = Vec::with_capacity(n);
        let mut spread: Vec<f64> = Vec::with_capacity(n);
        for s in &self.symbols {
            match s.driver {
                Driver::Free { eps: e, .. } => {
                    eps.push(e);
                    spread.push(0.0);
                }
                Driver::Follower { s: x, .. } => {
                    eps.push(0.0);
                    spread.push(x);
                }
            }
        }
        let mut market = self.market;
        let mut rev: Vec<Vec<f64>> = vec![Vec::with_capacity(steps + 1); n];
        let initial_log: Vec<f64> = (0..n)
            .map(|i| self.log_price_now(i, market, &eps, &spread))
            .collect();
        for (i, path) in rev.iter_mut().enumerate() {
            path.push(initial_log[i].exp());
        }
        let sq = step_secs.sqrt();
        for _ in 0..steps {
            market -= self.market_sigma * sq * rng.normal();
            for (i, s) in self.symbols.iter().enumerate() {
                match s.driver {
                    // An OU process is time-reversible: the backward step is a forward one.
                    Driver::Free { sigma, theta, .. } if theta > 0.0 => {
                        eps[i] = ou_step(eps[i], theta, sigma, step_secs, rng.normal())
                    }
                    Driver::Free { sigma, .. } => eps[i] -= sigma * sq * rng.normal(),
                    Driver::Follower { theta, sigma, .. } => {
                        spread[i] = ou_step(spread[i], theta, sigma, step_secs, rng.normal())
                    }
                }
            }
            for (i, path) in rev.iter_mut().enumerate() {
                path.push(self.log_price_now(i, market, &eps, &spread).exp());
            }
        }
        for path in &mut rev {
            path.reverse();
        }
        rev
    }

    fn log_price_now(&self, i: usize, market: f64, eps: &[f64], spread: &[f64]) -> f64 {
        match self.symbols[i].driver {
            Driver::Free { log_p0, beta, .. } => log_p0 + beta * market + eps[i],
            Driver::Follower {
                leader, log_ratio, ..
            } => log_ratio + self.log_price_now(leader, market, eps, spread) + spread[i],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimParams;

    #[test]
    fn same_seed_same_feed() {
        let p = SimParams::embedded();
        let (mut a, mut b) = (Universe::new(&p.market), Universe::new(&p.market));
        for _ in 0..1000 {
            assert_eq!(a.next_event(), b.next_event());
        }
    }

    #[test]
    fn quotes_are_sane_and_times_increase() {
        let p = SimParams::embedded();
        let mut u = Universe::new(&p.market);
        let mut last = 0;
        for _ in 0..10_000 {
            let e = u.next_event();
            assert!(e.top.bid > 0 && e.top.bid < e.top.ask, "{e:?}");
            assert!(e.top.ask - e.top.bid <= 3);
            assert!(e.t_ns >= last);
            last = e.t_ns;
        }
    }

    #[test]
    fn history_ends_at_live_start_and_follower_tracks_leader() {
        let p = SimParams::embedded();
        let u = Universe::new(&p.market);
        let h = u.history(60.0, 2000);
        let spy = u.index_of("SPY").unwrap();
        let ivv = u.index_of("IVV").unwrap();
        assert_eq!(h[spy].len(), 2001);
        let top = u.top(spy);
        let mid_cents = *h[spy].last().unwrap() / TICK;
        assert!(
            (top.bid as f64..=top.ask as f64).contains(&mid_cents.floor())
                || (mid_cents - top.bid as f64).abs() < 2.0
        );
        // The follower's log spread stays bounded (mean reversion).
        let ratio = (451.5f64 / 450.0).ln();
        for (k, (ivv_mid, spy_mid)) in h[ivv].iter().zip(&h[spy]).enumerate() {
            let s = (ivv_mid / spy_mid).ln() - ratio;
            assert!(s.abs() < 0.01, "spread {s} at {k}");
        }
        // Extending the history keeps the recent part.
        let longer = u.history(60.0, 3000);
        assert_eq!(&longer[spy][1000..], &h[spy][..]);
    }
}
