#!/usr/bin/env python3
"""Runs `hft sweep` as N shards on an existing Ray cluster and merges them.

Each shard is one Ray task that runs `hft sweep ... --shard K/N --out TMP` on whichever node
Ray picks and returns the files of TMP (sweep.csv, sweep.json, shard.json); the driver writes
them under OUT/shards/K and runs `hft sweep merge OUT/shards/* --out OUT`, whose outputs are
byte-identical to the whole sweep on one machine (`tests/sweep.rs` checks the merge).

The cluster: `RAY_ADDRESS` (e.g. `ray://head:10001` or `head:6379`); unset, `ray.init()` starts a
local instance. The hft binary, the params, grid and quote files must be at the same paths on
every node (a shared filesystem, or the same image).

Usage:
  RAY_ADDRESS=head:6379 scripts/ray-sweep.py --shards 16 --out DIR [--hft BIN] \
      [--threads-per-shard T] -- --params P --grid G.toml --ticks Q.csv
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import ray


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shards", type=int, required=True, help="N: shards (Ray tasks)")
    p.add_argument("--out", required=True, help="merged outputs (and OUT/shards/K)")
    p.add_argument("--hft", default=shutil.which("hft") or "target/release/hft",
                   help="the hft binary on every node")
    p.add_argument("--threads-per-shard", type=int, default=1,
                   help="backtest threads of each shard (and the CPUs its task asks Ray for)")
    p.add_argument("sweep_args", nargs=argparse.REMAINDER,
                   help="-- then the arguments of `hft sweep` (--params, --grid, --ticks, ...)")
    args = p.parse_args(argv)
    if args.sweep_args and args.sweep_args[0] == "--":
        args.sweep_args = args.sweep_args[1:]
    if args.shards < 1:
        p.error("--shards must be at least 1")
    for forbidden in ("--shard", "--out", "--threads"):
        if forbidden in args.sweep_args:
            p.error(f"{forbidden} is set by this script")
    return args


def run_shard(hft, k, n, threads, sweep_args):
    """Runs shard k of n; returns {file name: bytes} of its output directory."""
    with tempfile.TemporaryDirectory(prefix=f"hft-shard-{k}-") as tmp:
        cmd = [hft, "sweep", *sweep_args, "--threads", str(threads),
               "--shard", f"{k}/{n}", "--out", tmp]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"shard {k}/{n}: {' '.join(cmd)} exited {done.returncode}:\n"
                               f"{done.stdout}{done.stderr}")
        files = {}
        for name in sorted(os.listdir(tmp)):
            with open(os.path.join(tmp, name), "rb") as f:
                files[name] = f.read()
        return files


def main(argv):
    args = parse_args(argv)
    # RAY_ADDRESS, when set, names the cluster; ray.init() reads it.
    ray.init(log_to_driver=False)
    task = ray.remote(num_cpus=args.threads_per_shard)(run_shard)
    hft = os.path.abspath(args.hft) if os.path.exists(args.hft) else args.hft
    futures = [task.remote(hft, k, args.shards, args.threads_per_shard, args.sweep_args)
               for k in range(1, args.shards + 1)]
    results = ray.get(futures)
    shard_dirs = []
    for k, files in enumerate(results, start=1):
        d = os.path.join(args.out, "shards", str(k))
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        shard_dirs.append(d)
    merged = subprocess.run([hft, "sweep", "merge", *shard_dirs, "--out", args.out])
    ray.shutdown()
    return merged.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
