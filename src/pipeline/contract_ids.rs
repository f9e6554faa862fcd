//! Contract ids for the `combo` policy, asked once at start-up on the control plane (the
//! `ibapi` client, `connection.control_client_id`): a BAG order names its legs by conId. A pair
//! whose policy is `combo` and whose leg gets no contract details cannot trade that way: the
//! run does not start, and the error names the pair and the policy.

use crate::config::{EngineParams, Policy};
use ibapi::client::blocking::Client;
use ibapi::prelude::Contract;

/// Contract ids per instrument of `symbols` (0 for an instrument no `combo` pair uses); an
/// empty vector, and no connection, when no pair uses `combo`.
///
/// # Errors
/// The connection failed, or a combo pair's leg has no contract details (naming the pair, the
/// policy and the leg).
pub(super) fn combo_contract_ids(
    params: &EngineParams,
    gateway: &str,
    symbols: &[String],
) -> anyhow::Result<Vec<i32>> {
    let policies = params.pair_policies();
    let combos: Vec<_> = params
        .pairs
        .iter()
        .zip(&policies)
        .filter(|(_, p)| **p == Policy::Combo)
        .map(|(pair, _)| pair)
        .collect();
    if combos.is_empty() {
        return Ok(Vec::new());
    }
    let client_id = params.connection.control_client_id;
    let client = Client::connect(gateway, client_id).map_err(|e| {
        anyhow::anyhow!(
            "execution policy combo needs the legs' contract ids, but the control connection \
             to {gateway} (client id {client_id}) failed: {e}"
        )
    })?;
    let mut ids = vec![0; symbols.len()];
    for pair in combos {
        for leg in [&pair.a, &pair.b] {
            let Some(i) = symbols.iter().position(|s| s == leg) else {
                continue;
            };
            if ids[i] != 0 {
                continue;
            }
            let contract = Contract::stock(leg.as_str()).build();
            let found = client
                .contract_details(&contract)
                .map_err(|e| e.to_string())
                .and_then(|d| {
                    d.first()
                        .map(|d| d.contract.contract_id)
                        .filter(|&id| id > 0)
                        .ok_or_else(|| "no contract details".to_string())
                });
            ids[i] = found.map_err(|reason| {
                anyhow::anyhow!(
                    "pair {}/{}: execution policy combo cannot be used: the gateway gave no \
                     contract id for leg {leg} ({reason})",
                    pair.a,
                    pair.b
                )
            })?;
            tracing::info!(symbol = %leg, con_id = ids[i], "combo leg contract id");
        }
    }
    Ok(ids)
}
