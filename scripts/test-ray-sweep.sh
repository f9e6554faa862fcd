#!/usr/bin/env bash
# End-to-end check of scripts/ray-sweep.py (not part of `cargo test`): creates a venv with Ray,
# starts a local Ray instance, runs a sweep as shards on it, merges, and checks the merged
# sweep.csv, sweep.json and heatmap.png equal `hft sweep` on this machine byte for byte.
#
# Usage: scripts/test-ray-sweep.sh [HFT_BINARY]   (default: target/release/hft, else debug)
# Env: RAY_VENV (default /tmp/hft-ray-venv), SHARDS (default 3), WORK (default a temp dir).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
hft="${1:-}"
if [ -z "$hft" ]; then
  hft="$here/target/release/hft"
  [ -x "$hft" ] || hft="$here/target/debug/hft"
fi
[ -x "$hft" ] || { echo "no hft binary: cargo build first" >&2; exit 1; }
venv="${RAY_VENV:-/tmp/hft-ray-venv}"
shards="${SHARDS:-3}"
work="${WORK:-$(mktemp -d /tmp/hft-ray-test.XXXXXX)}"
mkdir -p "$work"

if [ ! -x "$venv/bin/ray" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet ray
fi
"$venv/bin/python" -c 'import ray; print("ray", ray.__version__)'

# A small order-heavy input: 40,000 ticks of SPY/IVV and a 3 x 2 grid.
"$here/scripts/order-heavy.sh" "$work/in" "$hft" >/dev/null
head -n 40001 "$work/in/ticks.csv" >"$work/q.csv"
cat >"$work/g.toml" <<'GRID'
[grid]
"strategy.zscore.entry" = [1.5, 2.0, 2.5]
"strategy.zscore.exit" = [0.0, 0.5]
GRID
sweep_args=(--params "$work/in/params.toml" --grid "$work/g.toml" --ticks "$work/q.csv")

"$hft" sweep "${sweep_args[@]}" --out "$work/local" >"$work/local.log"

# A local Ray instance of its own (its own port and temp dir), stopped on exit.
port=$((20000 + RANDOM % 20000))
"$venv/bin/ray" start --head --port "$port" --num-cpus 2 --disable-usage-stats \
  --temp-dir "$work/ray" >"$work/ray-start.log" 2>&1
trap '"$venv/bin/ray" stop >/dev/null 2>&1 || true' EXIT
export RAY_ADDRESS="127.0.0.1:$port"

"$venv/bin/python" "$here/scripts/ray-sweep.py" --shards "$shards" --out "$work/ray-out" \
  --hft "$hft" -- "${sweep_args[@]}" >"$work/ray.log"

for f in sweep.csv sweep.json heatmap.png; do
  cmp "$work/local/$f" "$work/ray-out/$f"
done
echo "ok: $shards Ray shards merged = the local sweep ($(($(wc -l <"$work/local/sweep.csv") - 1)) sets; sweep.csv, sweep.json, heatmap.png identical) in $work"
