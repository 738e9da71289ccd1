#!/usr/bin/env bash
# Everything scripts/run.sh does, then the whole test suite: once in a Release build and
# once under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
scripts/run.sh
jobs=$(nproc)
echo "== tests (Release)"
ctest --test-dir build --output-on-failure -j "$jobs"
echo "== tests (ASan + UBSan)"
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DLRS_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
