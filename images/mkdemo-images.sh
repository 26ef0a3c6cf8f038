#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Demo images for the simulated board: a root filesystem image whose first
# line says its version and whether it is healthy (the sim board's health
# check reads it from the booted slot), and a router firmware blob.
#   mkdemo-images.sh OUTDIR VERSION healthy|broken [SIZE_MIB]
set -eu
out=${1:?} version=${2:?} health=${3:?} size=${4:-48}
mkdir -p "$out"
{
	printf 'fwtool-demo rootfs %s status=%s\n' "$version" "$health"
	head -c $((size * 1024 * 1024 / 2)) /dev/urandom
	head -c $((size * 1024 * 1024 / 2)) /dev/zero
} > "$out/rootfs-$version.img"
{
	printf 'router-fw %s\n' "$version"
	head -c 200000 /dev/urandom
} > "$out/router-fw-$version.bin"
