#!/bin/sh
# Builds the reader's libFuzzer harness with clang (ASan + UBSan) and runs it.
#   tests/fuzz/run.sh [SECONDS] [extra libFuzzer flags...]    (default 60 s)
# Works in $FUZZ_DIR (default /tmp/lrs-fuzz); new inputs go to $FUZZ_DIR/corpus, the
# committed seeds in tests/fuzz/corpus are read but not written.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
out=${FUZZ_DIR:-/tmp/lrs-fuzz}
mkdir -p "$out/pb" "$out/corpus"
protoc-c --proto_path="$src/proto" --c_out="$out/pb" "$src"/proto/*.proto
CC=${CC:-clang}
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src/lib/tfevents" -I"$src/lib/status" -I"$out/pb" \
    "$src/tests/fuzz/fuzz_reader.c" \
    "$src/lib/tfevents/reader.c" "$src/lib/tfevents/reader_store.c" \
    "$src/lib/tfevents/record_read.c" "$src/lib/tfevents/event_decode.c" \
    "$src/lib/tfevents/crc32c.c" "$src/lib/status/status.c" "$out"/pb/*.pb-c.c \
    $(pkg-config --cflags --libs libprotobuf-c) -o "$out/fuzz_reader"
exec "$out/fuzz_reader" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$out/" "$@" "$out/corpus" "$src/tests/fuzz/corpus"
