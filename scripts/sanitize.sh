#!/bin/sh
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer, in ./build-asan.
# Any report fails the run (halt_on_error, no recovery).
#   scripts/sanitize.sh [CTEST ARGS...]
set -eu
cd "$(dirname "$0")/.."
echo "kvmplan sanitize: building build-asan/ (g++, -fsanitize=address,undefined)" >&2
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKVMPLAN_JEMALLOC=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
  --log-level=WARNING >/dev/null
cmake --build build-asan -j"$(nproc)" -- --quiet >/dev/null
echo "kvmplan sanitize: running the tests" >&2
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)" "$@"
