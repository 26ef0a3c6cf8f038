/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_FUZZ_H
#define FW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point; replay.c drives it under gcc for CI. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
