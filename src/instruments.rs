//! Instruments: symbol <-> `u16` index, decided once at start-up, and the market-data request id
//! of each instrument. Everything past start-up speaks indices.

/// First request id used for market data; instrument `i` uses `REQ_ID_BASE + i`.
pub const REQ_ID_BASE: i32 = 1000;

/// The market-data request id of `instrument`.
///
/// # Examples
/// ```
/// use hft::instruments::{instrument_of_req, req_id};
/// assert_eq!(instrument_of_req(req_id(3)), Some(3));
/// assert_eq!(instrument_of_req(7), None); // not a market-data request id
/// ```
#[inline]
pub fn req_id(instrument: u16) -> i32 {
    REQ_ID_BASE + i32::from(instrument)
}

/// The instrument a market-data request id belongs to (not checked against the universe).
#[inline]
pub fn instrument_of_req(req_id: i32) -> Option<u16> {
    u16::try_from(req_id.wrapping_sub(REQ_ID_BASE)).ok()
}

use crate::config::{EngineParams, PairParams};

/// The engine's universe: symbols in index order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Instruments {
    symbols: Vec<String>,
}

impl Instruments {
    /// The universe of `symbols`, in that order (duplicates are kept once, first place wins).
    ///
    /// # Examples
    /// ```
    /// use hft::instruments::Instruments;
    /// let u = Instruments::new(["SPY", "IVV", "SPY"]);
    /// assert_eq!((u.len(), u.index("IVV"), u.index("QQQ")), (2, Some(1), None));
    /// assert_eq!(u.symbol(0), "SPY");
    /// ```
    pub fn new<S: Into<String>>(symbols: impl IntoIterator<Item = S>) -> Self {
        let mut out: Vec<String> = Vec::new();
        for s in symbols {
            let s = s.into();
            if !out.contains(&s) {
                out.push(s);
            }
        }
        assert!(
            out.len() <= usize::from(u16::MAX),
            "more instruments than u16 indices"
        );
        Instruments { symbols: out }
    }

    /// The universe of `params`' pairs: each symbol once, in order of first appearance.
    pub fn of(params: &EngineParams) -> Self {
        Instruments::new(params.symbols())
    }

    /// The instrument indices of each pair's legs.
    ///
    /// # Panics
    /// When a pair names a symbol outside the universe (build it with [`Instruments::of`]).
    pub fn pair_legs(&self, pairs: &[PairParams]) -> Vec<[u16; 2]> {
        pairs
            .iter()
            .map(|p| {
                let leg = |s: &str| self.index(s).expect("pair symbols are in the universe");
                [leg(&p.a), leg(&p.b)]
            })
            .collect()
    }

    /// The instrument indices of each basket's names.
    ///
    /// # Panics
    /// When a basket names a symbol outside the universe (build it with [`Instruments::of`]).
    pub fn basket_legs(&self, baskets: &[crate::config::BasketParams]) -> Vec<Vec<u16>> {
        baskets
            .iter()
            .map(|b| {
                b.symbols
                    .iter()
                    .map(|s| self.index(s).expect("basket symbols are in the universe"))
                    .collect()
            })
            .collect()
    }

    /// The index of `symbol`, if it is in the universe.
    pub fn index(&self, symbol: &str) -> Option<u16> {
        self.symbols
            .iter()
            .position(|s| s == symbol)
            .map(|i| i as u16)
    }

    /// The symbol of `instrument`.
    ///
    /// # Panics
    /// When `instrument` is not in the universe.
    pub fn symbol(&self, instrument: u16) -> &str {
        &self.symbols[usize::from(instrument)]
    }

    /// Every symbol, in index order.
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    /// How many instruments.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// True for an empty universe.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }
}
