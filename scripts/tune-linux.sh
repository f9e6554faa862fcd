#!/usr/bin/env bash
# Reports (and with --apply, sets what can be set at run time) the Linux settings that matter for
# the engine's latency: CPU governor, turbo, C-states, irqbalance and IRQ affinity, transparent huge
# pages, swap, and the kernel arguments that isolate the stages' cores. Dry run by default.
#
#   scripts/tune-linux.sh                  # report only
#   scripts/tune-linux.sh --cores 2-5      # report, for stages pinned to cores 2..5
#   sudo scripts/tune-linux.sh --cores 2-5 --apply
#
# Kernel arguments (isolcpus, nohz_full, rcu_nocbs) need a reboot; the script prints them.
set -euo pipefail

apply=0
cores=""
while [ $# -gt 0 ]; do
  case "$1" in
    --apply) apply=1 ;;
    --cores) cores="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

ncpu=$(nproc --all)
if [ -z "$cores" ]; then
  if [ "$ncpu" -ge 6 ]; then cores="2-5"; else cores=""; fi
fi

say() { printf '%-28s %s\n' "$1" "$2"; }
act() {
  if [ "$apply" = 1 ]; then
    if eval "$1" 2>/dev/null; then echo "  applied: $1"; else echo "  FAILED:  $1 (root?)"; fi
  else
    echo "  would run: $1"
  fi
}

echo "== CPUs: $ncpu online; stage cores: ${cores:-none (fewer than 6 CPUs: keep engine.wait = \"backoff\")}"

gov_files=$(ls /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor 2>/dev/null || true)
if [ -n "$gov_files" ]; then
  say "cpu governor" "$(cat $gov_files | sort | uniq -c | tr '\n' ' ')"
  grep -qv performance $gov_files && act "for f in $gov_files; do echo performance > \$f; done"
else
  say "cpu governor" "not exposed (virtual machine or no cpufreq driver)"
fi

if [ -f /sys/devices/system/cpu/intel_pstate/no_turbo ]; then
  say "turbo (intel_pstate)" "no_turbo=$(cat /sys/devices/system/cpu/intel_pstate/no_turbo) (1 = off: steadier latency)"
  act "echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo"
elif [ -f /sys/devices/system/cpu/cpufreq/boost ]; then
  say "turbo (cpufreq boost)" "boost=$(cat /sys/devices/system/cpu/cpufreq/boost) (0 = off: steadier latency)"
  act "echo 0 > /sys/devices/system/cpu/cpufreq/boost"
else
  say "turbo" "not exposed"
fi

cstates=$(ls -d /sys/devices/system/cpu/cpu0/cpuidle/state* 2>/dev/null | wc -l)
say "C-states (cpu0)" "$cstates idle states; deep states add wake-up latency"
if [ "$cstates" -gt 1 ]; then
  act "for s in /sys/devices/system/cpu/cpu*/cpuidle/state[2-9]/disable; do echo 1 > \$s; done"
fi

if pgrep -x irqbalance >/dev/null 2>&1; then
  say "irqbalance" "running (moves IRQs onto the stage cores)"
  act "systemctl stop irqbalance"
else
  say "irqbalance" "not running"
fi

if [ -n "$cores" ]; then
  mask_cpus=$(python3 - "$ncpu" "$cores" <<'PY' 2>/dev/null || true
import sys
n = int(sys.argv[1]); lo, _, hi = sys.argv[2].partition('-'); hi = hi or lo
keep = [c for c in range(n) if not (int(lo) <= c <= int(hi))]
print(','.join(map(str, keep)))
PY
)
  say "IRQ affinity" "move every IRQ to cpus ${mask_cpus:-?}"
  for irq in /proc/irq/[0-9]*; do
    [ -w "$irq/smp_affinity_list" ] || [ "$apply" = 0 ] || continue
    act "echo $mask_cpus > $irq/smp_affinity_list"
    [ "$apply" = 1 ] || { echo "  (and so on for every /proc/irq/N)"; break; }
  done
fi

thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo "not exposed")
say "transparent huge pages" "$thp (never: no khugepaged stalls)"
case "$thp" in *"[never]"*) ;; "not exposed") ;; *) act "echo never > /sys/kernel/mm/transparent_hugepage/enabled" ;; esac

swap=$(swapon --noheadings 2>/dev/null | wc -l)
say "swap" "$swap active device(s); swappiness=$(cat /proc/sys/vm/swappiness 2>/dev/null || echo ?)"
[ "$swap" -gt 0 ] && act "swapoff -a"

cmdline=$(cat /proc/cmdline)
say "kernel command line" "$cmdline"
if [ -n "$cores" ]; then
  missing=""
  for arg in "isolcpus=$cores" "nohz_full=$cores" "rcu_nocbs=$cores"; do
    case " $cmdline " in *" $arg "*) ;; *) missing="$missing $arg" ;; esac
  done
  if [ -n "$missing" ]; then
    echo "  add to the kernel command line (GRUB_CMDLINE_LINUX) and reboot:$missing"
  else
    echo "  stage cores are isolated"
  fi
  lo=${cores%-*}; hi=${cores#*-}
  echo
  echo "== params/default.toml for this box:"
  echo "[engine]"
  echo "wait = \"spin\""
  echo "cores = [$(seq -s ', ' "$lo" "$hi")]   # io, normalize, signal, dispatch"
fi
if [ "$apply" = 0 ]; then
  echo
  echo "(dry run: nothing was changed; --apply sets the run-time settings)"
fi
