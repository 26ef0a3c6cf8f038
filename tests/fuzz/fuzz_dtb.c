// SPDX-License-Identifier: GPL-2.0-only
#include "board.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_err err = {0};
	struct board b;

	board_init(&b);
	(void)!board_from_dtb_buf(&b, data, size, &err);
	return 0;
}
