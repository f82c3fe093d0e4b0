#!/bin/sh
# How often place packs zero-slack instances (hosts cut into guests: the optimum is the hosts
# cut, and the bound equals it) to their bound, with the search and without (--effort 0).
#   scripts/zero-slack-sweep.sh [SEEDS] [GUESTS...]     (default: 25 seeds of 50 100 150 200)
# Run after a build (build/kvmplan, build/kvmplan-bench).
set -eu
cd "$(dirname "$0")/.."
seeds=${1:-25}
[ $# -gt 0 ] && shift
sizes=${*:-50 100 150 200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }
total=0; searched=0; greedy=0
for n in $sizes; do
  for s in $(seq 1 "$seeds"); do
    f="$tmp/zs-$n-$s.yaml"
    build/kvmplan-bench --mix zero-slack --guests "$n" --seed "$s" --write-yaml "$f" >/dev/null
    build/kvmplan place "$f" --format json -q > "$tmp/plan.json"
    used=$(grep '"hosts_used"' "$tmp/plan.json" | field hosts_used); bound=$(grep '"lower_bound_hosts"' "$tmp/plan.json" | field lower_bound_hosts)
    build/kvmplan place "$f" --format json -q --effort 0 > "$tmp/plan.json"
    gused=$(grep '"hosts_used"' "$tmp/plan.json" | field hosts_used)
    total=$((total + 1))
    [ "$used" = "$bound" ] && searched=$((searched + 1))
    [ "$gused" = "$bound" ] && greedy=$((greedy + 1))
    [ "$used" = "$bound" ] || echo "zero-slack $n guests, seed $s: $used hosts, bound $bound"
  done
done
echo "zero-slack ($sizes guests, $seeds seeds each): $searched/$total at the bound with the search, $greedy/$total without"
