#!/usr/bin/env bash
# The signal stage's service time per quote during the model thread's fits and outside them
# (`signal.service_during_refit` / `signal.service_idle`), on a basket run: the paper gateway's
# factor universe (params/sim_basket.toml at 600x market speed) traded by the basket strategy
# (params/basket.toml with a heavier model so that fits overlap quotes: a 1,000-row factor
# window, 500-row residual window, a refit every 5 s of event time = every 8 ms of wall time).
#
#   scripts/measure_refit_latency.sh [OUT_DIR]      (BIN=target/release/hft by default)
set -euo pipefail
BIN=${BIN:-target/release/hft}
OUT=${1:-/tmp/hft-refit-latency}
PORT=${PORT:-4013}
SECS=${SECS:-60}
rm -rf "$OUT"
mkdir -p "$OUT"
sed -e 's/^factor_window = 120 /factor_window = 1000 /' \
    -e 's/^residual_window = 60 /residual_window = 500 /' \
    -e 's/^evaluation_secs = 30.0 /evaluation_secs = 5.0 /' \
    params/basket.toml > "$OUT/params.toml"
sed -e 's/^speed = 120.0/speed = 600.0/' params/sim_basket.toml > "$OUT/sim.toml"
"$BIN" sim --params "$OUT/sim.toml" --listen "127.0.0.1:$PORT" --duration $((SECS + 30)) \
    > "$OUT/sim.log" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null || true' EXIT
sleep 1
"$BIN" run --params "$OUT/params.toml" --gateway "127.0.0.1:$PORT" --duration "$SECS" \
    --out "$OUT/run" > "$OUT/run.log" 2>&1
python3 - "$OUT/run/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
lat = s["latency"]
print(f"{'histogram':32} {'count':>9} {'p50':>8} {'p90':>8} {'p99':>8} {'p99.9':>8} {'max':>9}  (ns)")
for name in ["signal.service", "signal.service_during_refit", "signal.service_idle"]:
    h = lat[name]
    print(f"{name:32} {h['count']:>9} {h['p50_ns']:>8} {h['p90_ns']:>8} {h['p99_ns']:>8} "
          f"{h['p99_9_ns']:>8} {h['max_ns']:>9}")
b = s["baskets"][0]
print(f"basket: {b['evaluations']} refits requested, {b['fits_applied']} applied, "
      f"{b['intents']} intents, {s['orders']} orders")
PY
