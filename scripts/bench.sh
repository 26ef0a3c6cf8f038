#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench: figures, not assertions. BENCH_RUNS, BENCH_SIZE (MiB) and
# BENCH_SCALE (MiB sizes for the scaling rows, empty for none) adjust.
set -eu
build=${1:-build}
exec /usr/bin/python3 "$(dirname "$0")/bench.py" --build "$build" \
	--runs "${BENCH_RUNS:-5}" --size "${BENCH_SIZE:-1024}" \
	--scale "${BENCH_SCALE-16,64,256,1024,4096}"
