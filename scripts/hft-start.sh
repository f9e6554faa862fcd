#!/bin/sh
# Starts the engine for systemd (scripts/hft.service), always from its journal.
#
# Every start, first or after a crash, resumes from the newest run directory under $HFT_RUNS
# that holds a journal.csv: the engine restores that journal (orders, fills, positions, pair
# books) and reconciles it with the gateway before it trades (README: Journal, --resume). So a
# restart by systemd never trades on a blank book. Only when no run directory has a journal
# (the very first start) does the engine start fresh. To start fresh on purpose, move the old
# run directories out of $HFT_RUNS (or set HFT_FRESH=1 for one start).
#
# Settings (from /etc/hft/hft.env through the unit's EnvironmentFile, or the environment):
#   HFT_BIN       the binary                       (default /opt/hft/bin/hft)
#   HFT_PARAMS    engine parameters                (default /etc/hft/params.toml)
#   HFT_RUNS      where run directories go         (default /var/lib/hft/runs)
#   HFT_DURATION  run length, with units (7h, 390m) (default 7h)
#   HFT_ARGS      more arguments, e.g. --live or --log-format json
#   HFT_FRESH     1: do not resume (this start only)
set -eu

HFT_BIN=${HFT_BIN:-/opt/hft/bin/hft}
HFT_PARAMS=${HFT_PARAMS:-/etc/hft/params.toml}
HFT_RUNS=${HFT_RUNS:-/var/lib/hft/runs}
HFT_DURATION=${HFT_DURATION:-7h}
HFT_ARGS=${HFT_ARGS:-}
HFT_FRESH=${HFT_FRESH:-0}

mkdir -p "$HFT_RUNS"

# Newest first: run-YYYYMMDD-HHMMSS[-N] sorts by time.
resume=""
if [ "$HFT_FRESH" != 1 ]; then
    for dir in $(ls -1d "$HFT_RUNS"/run-* 2>/dev/null | sort -r); do
        if [ -f "$dir/journal.csv" ]; then
            resume=$dir
            break
        fi
    done
fi

out="$HFT_RUNS/run-$(date -u +%Y%m%d-%H%M%S)"
[ -e "$out" ] && out="$out-$$"

if [ -n "$resume" ]; then
    echo "hft-start: resuming from $resume into $out" >&2
    # shellcheck disable=SC2086 # HFT_ARGS is a list of words
    exec "$HFT_BIN" $HFT_ARGS run --params "$HFT_PARAMS" --duration "$HFT_DURATION" \
        --out "$out" --resume "$resume"
fi
echo "hft-start: no journal under $HFT_RUNS: starting fresh into $out" >&2
# shellcheck disable=SC2086
exec "$HFT_BIN" $HFT_ARGS run --params "$HFT_PARAMS" --duration "$HFT_DURATION" --out "$out"
