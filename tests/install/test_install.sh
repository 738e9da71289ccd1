#!/usr/bin/env bash
# usage: test_install.sh BUILD_DIR OUTSIDE_SRC
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
test -x "$prefix/bin/lrscope"
test -f "$prefix/include/lrscope/tfevents.h"

# 1. pkg-config
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/$(gcc -print-multiarch)/pkgconfig
cc -Wall -Wextra -Werror ${OUTSIDE_CFLAGS:-} -o "$tmp/outside_pc" "$src/outside.c" $(pkg-config --cflags --libs lrscope) \
   -Wl,-rpath,"$(pkg-config --variable=libdir lrscope)"
"$tmp/outside_pc" "$tmp/run_pc" | grep -q "read back 3 points"

# 2. find_package
cmake -S "$src" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="${OUTSIDE_CFLAGS:-}" >/dev/null
cmake --build "$tmp/cm" >/dev/null
"$tmp/cm/outside" "$tmp/run_cm" | grep -q "read back 3 points"

# The installed tool reads what the outside program wrote.
"$prefix/bin/lrscope" dump "$tmp/run_cm" --format csv | grep -q "^\.,outside/loss,2,"
echo "install test passed"
