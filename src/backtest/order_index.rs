//! The backtest venue's ledger index by order id.

use std::collections::HashMap;

/// Ledger index by order id. The dispatcher numbers its orders upwards from a small start, so
/// ids up to [`OrderIndex::DENSE`] index a vector (no hashing per order); any other id goes to
/// a map.
#[derive(Default)]
pub(super) struct OrderIndex {
    /// `usize::MAX`: no order of that id.
    dense: Vec<usize>,
    sparse: HashMap<i32, usize>,
}

impl OrderIndex {
    const DENSE: usize = 1 << 24;

    pub(super) fn insert(&mut self, order_id: i32, index: usize) {
        match usize::try_from(order_id) {
            Ok(i) if i < Self::DENSE => {
                if self.dense.len() <= i {
                    self.dense.resize((i + 1).next_power_of_two(), usize::MAX);
                }
                self.dense[i] = index;
            }
            _ => {
                self.sparse.insert(order_id, index);
            }
        }
    }

    pub(super) fn get(&self, order_id: i32) -> Option<usize> {
        match usize::try_from(order_id) {
            Ok(i) if i < Self::DENSE => self.dense.get(i).copied().filter(|&x| x != usize::MAX),
            _ => self.sparse.get(&order_id).copied(),
        }
    }
}

#[cfg(test)]
mod order_index_tests {
    use super::OrderIndex;

    #[test]
    fn dense_and_sparse_ids_find_their_latest_index() {
        let mut ix = OrderIndex::default();
        for (id, index) in [
            (1, 10),
            (5, 50),
            (-3, 7),
            (i32::MAX, 9),
            (1, 11),
            (1 << 24, 12),
        ] {
            ix.insert(id, index);
        }
        let found: Vec<Option<usize>> = [1, 2, 5, -3, i32::MAX, 1 << 24, 0, 4096]
            .iter()
            .map(|&id| ix.get(id))
            .collect();
        assert_eq!(
            found,
            [
                Some(11),
                None,
                Some(50),
                Some(7),
                Some(9),
                Some(12),
                None,
                None
            ]
        );
    }
}
