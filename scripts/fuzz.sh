#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) in ./build-fuzz and runs each for a
# while. New inputs go to build-fuzz/corpus/TARGET; a crash is written to build-fuzz/crash-*
# and its path printed. Copy a crash into tests/fuzz/corpus/TARGET once fixed: CTest replays it.
#   scripts/fuzz.sh [MINUTES] [TARGET...]     (default: 1 minute each; targets: scenario plan capabilities domain)
set -eu
cd "$(dirname "$0")/.."
minutes=${1:-1}
[ $# -gt 0 ] && shift
targets=${*:-scenario plan capabilities domain}

say() { echo "kvmplan fuzz: $*" >&2; }
missing=""
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  say "installing$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

say "building build-fuzz/ with clang, libFuzzer, ASan and UBSan"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DKVMPLAN_FUZZ=ON \
  -DKVMPLAN_JEMALLOC=OFF -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
  --log-level=WARNING >/dev/null
for t in $targets; do cmake --build build-fuzz -j"$(nproc)" --target "fuzz_$t" -- --quiet >/dev/null; done

seeds() {
  case $1 in
    scenario) echo "scenarios tests/data tests/fuzz/corpus/scenario" ;;
    plan) echo "tests/fuzz/corpus/plan" ;;
    capabilities) echo "data/libvirt/capabilities tests/fuzz/corpus/capabilities" ;;
    domain) echo "data/libvirt/domains tests/data/domains tests/data/templates tests/fuzz/corpus/domain" ;;
  esac
}
status=0
for t in $targets; do
  mkdir -p "build-fuzz/corpus/$t"
  say "$t for $minutes minute(s)"
  # shellcheck disable=SC2046
  if ! build-fuzz/fuzz_$t -max_total_time=$((minutes * 60)) -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix=build-fuzz/ -print_final_stats=1 "build-fuzz/corpus/$t" $(seeds "$t") 2> "build-fuzz/$t.log"; then
    say "$t found a crash: $(grep -o 'build-fuzz/crash-[0-9a-f]*' "build-fuzz/$t.log" | tail -1) (log: build-fuzz/$t.log)"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/$t.log" | sed "s/^/kvmplan fuzz: $t: /" >&2
done
exit $status
