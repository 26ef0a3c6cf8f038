// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bundle reader without the signature: tar member policy, the manifest
 * parser, the chunk pipeline and the decoders, on hostile bytes.
 */
#include "bundle.h"
#include "fuzz.h"
#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipeline_sink none = {0};
	struct bundle_reader *r = NULL;
	struct fw_err err = {0};
	struct bundle_header h;
	struct manifest m;

	manifest_init(&m);
	if (bundle_open_mem(&r, data, size, &err))
		return 0;
	if (bundle_read_header(r, &h, &err))
		goto out;
	if (manifest_parse(&m, h.manifest, h.manifest_len, &err))
		goto out_h;
	for (unsigned i = 0; i < m.nimages; i++) {
		/* keep each run small: the fuzzer cannot make real chunk hashes,
		 * so a mismatch ends the image at its first chunk anyway */
		if (m.images[i].size > (64u << 20))
			break;
		if (bundle_next_image(r, &m.images[i], &err) ||
		    pipeline_image(r, &m.images[i], &none, NULL, &err))
			break;
	}
	if (!err.code)
		(void)!bundle_end(r, &err);
out_h:
	bundle_header_free(&h);
out:
	manifest_free(&m);
	bundle_close(r);
	return 0;
}
