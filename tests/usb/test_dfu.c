// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DFU protocol (dfu.c), the DFU slot writer and 'usb list' against
 * dfumodel.c: fwtool's real code,
 * real libusb, usbfs emulated by umockdev. Run under umockdev-wrapper.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "dfu.h"
#include "dfumodel.h"
#include "hash.h"
#include "slotio.h"
#include "usb.h"

#define VID 0x1209
#define PID 0xdf11

struct fixture {
	UMockdevTestbed *tb;
	struct model *m[2];
	struct config_slot slot;
	struct fw_err err;
	uint8_t *img;
	size_t len;
};

static const struct model_cfg base = {
	.vid = VID,
	.pid = PID,
	.serial = "MCU-0001",
	.altnames = {"flash-a", "flash-b"},
	.nalts = 2,
	.attributes = DFU_CAN_DOWNLOAD | DFU_CAN_UPLOAD | DFU_MANIFEST_TOLERANT,
	.transfer_size = 512,
	.poll_ms = 5,
	.error_block = -1,
	.stall_block = -1,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->tb = umockdev_testbed_new();
	snprintf(f->slot.name, sizeof(f->slot.name), "mcu.1");
	snprintf(f->slot.type, sizeof(f->slot.type), "dfu");
	snprintf(f->slot.device, sizeof(f->slot.device), "dfu:1209:df11@flash-b");
	f->slot.dfu_timeout = 10;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (unsigned i = 0; i < 2; i++)
		model_free(f->m[i]);
	g_object_unref(f->tb);
	free(f->img);
	free(f);
	return 0;
}

/* @len bytes of firmware, then a DFU suffix for @vid:@pid when @vid */
static void image(struct fixture *f, size_t len, uint16_t vid, uint16_t pid)
{
	size_t n = len + (vid ? 16 : 0);
	uLong crc;

	f->img = realloc(f->img, n);
	assert_non_null(f->img);
	for (size_t i = 0; i < len; i++)
		f->img[i] = (uint8_t)(i * 7 + (i >> 9));
	f->len = n;
	if (!vid)
		return;
	uint8_t *s = f->img + len;
	const uint8_t suffix[12] = {0xff, 0xff, pid & 0xff, pid >> 8, vid & 0xff, vid >> 8,
				    0x00, 0x01, 'U',	    'F',      'D',	  16};
	memcpy(s, suffix, sizeof(suffix));
	crc = ~crc32(crc32(0L, Z_NULL, 0), f->img, (uInt)(n - 4)); /* DFU: no final xor */
	for (int i = 0; i < 4; i++)
		s[12 + i] = (uint8_t)(crc >> (8 * i));
}

/* Stage the image as install does: open, write in odd pieces, finish. */
static int stage(struct fixture *f)
{
	struct slotio io;
	int ret = slotio_open(&io, &f->slot, f->len, &f->err);

	for (size_t off = 0; !ret && off < f->len; off += 777) {
		size_t n = f->len - off < 777 ? f->len - off : 777;

		ret = slotio_write(&io, f->img + off, n, &f->err);
	}
	if (!ret)
		ret = slotio_finish(&io, &f->err);
	slotio_close(&io);
	return ret;
}

static struct model *plug(struct fixture *f, unsigned i, const struct model_cfg *c)
{
	f->m[i] = model_plug(f->tb, c);
	assert_non_null(f->m[i]);
	return f->m[i];
}

static void assert_holds(struct model *m, unsigned alt, const uint8_t *want, size_t len)
{
	size_t got;
	const uint8_t *d = model_data(m, alt, &got);

	assert_int_equal(got, len);
	assert_memory_equal(d, want, len);
}

static void assert_msg(const struct fixture *f, const char *part)
{
	if (!strstr(f->err.msg, part))
		fail_msg("error '%s' does not say '%s'", f->err.msg, part);
}

static void test_clean_download_strips_suffix_and_reads_back(void **state)
{
	struct fixture *f = *state;
	struct model *m = plug(f, 0, &base);
	struct model_stats st;

	image(f, 5000, VID, PID);
	assert_int_equal(stage(f), 0);
	assert_holds(m, 1, f->img, 5000); /* alt 'flash-b', without the suffix */
	assert_holds(m, 0, f->img, 0); /* alt 'flash-a' untouched */
	model_stats(m, &st);
	assert_int_equal(st.dnload_blocks, 10); /* 5000 in 512-byte blocks */
	assert_int_equal(st.max_block_len, 512);
	assert_int_equal(st.manifested, 1);
	assert_int_equal(st.early_polls, 0);
	assert_true(st.uploads >= 10);
	assert_int_equal(st.state, 2); /* dfuIDLE */
}

static void test_alt_by_number_whole_blocks_and_false_suffix(void **state)
{
	struct fixture *f = *state;
	struct model *m = plug(f, 0, &base);

	snprintf(f->slot.device, sizeof(f->slot.device), "dfu:1209:df11:0");
	image(f, 3 * 512, 0, 0);
	memcpy(f->img + f->len - 8, "UFD\x10\0\0\0\0", 8); /* looks like one, bad CRC */
	assert_int_equal(stage(f), 0);
	assert_holds(m, 0, f->img, 3 * 512); /* all of it is firmware */
}

static void test_suffix_for_other_device_refused(void **state)
{
	struct fixture *f = *state;
	struct model *m = plug(f, 0, &base);
	struct model_stats st;

	image(f, 2000, 0x0483, 0xdf11);
	assert_int_equal(stage(f), FW_EINCOMPAT);
	assert_msg(f, "0483:df11");
	assert_msg(f, "1209:df11");
	model_stats(m, &st);
	assert_int_equal(st.manifested, 0); /* aborted, never manifested */
}

static void test_read_back_mismatch_refused(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;

	c.corrupt_upload = 1;
	plug(f, 0, &c);
	image(f, 4096, 0, 0);
	assert_int_equal(stage(f), FW_EVERIFY);
	assert_msg(f, "does not match");
}

static void test_device_error_names_state_status_and_block(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;
	struct model_stats st;

	c.error_block = 3;
	plug(f, 0, &c);
	image(f, 8192, 0, 0);
	assert_int_equal(stage(f), FW_EIO);
	assert_msg(f, "errPROG");
	assert_msg(f, "dfuERROR");
	assert_msg(f, "block 3");
	model_stats(f->m[0], &st);
	assert_int_equal(st.dnload_blocks, 4); /* nothing sent after the error */
	assert_int_equal(st.clrstatus, 1); /* and the device was cleared */
	assert_int_equal(st.state, 2);
}

static void test_stall_reported_with_status(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;

	c.stall_block = 2;
	plug(f, 0, &c);
	image(f, 8192, 0, 0);
	assert_int_equal(stage(f), FW_EIO);
	assert_msg(f, "stalled block 2");
	assert_msg(f, "errSTALLEDPKT");
}

/* A device that says 5 ms but needs 80: dfu_poll_min is what saves it. */
static void test_poll_min_honoured(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;
	struct model_stats st;

	c.needs_ms = 80;
	plug(f, 0, &c);
	image(f, 2048, 0, 0);
	assert_int_equal(stage(f), 0);
	model_stats(f->m[0], &st);
	assert_true(st.early_polls > 0); /* trusting bwPollTimeout polls too soon */

	model_free(f->m[0]);
	g_object_unref(f->tb);
	f->tb = umockdev_testbed_new();
	plug(f, 0, &c);
	f->slot.dfu_poll_min = 90;
	assert_int_equal(stage(f), 0);
	model_stats(f->m[0], &st);
	assert_int_equal(st.early_polls, 0);
	assert_holds(f->m[0], 1, f->img, 2048);
}

static void test_busy_forever_times_out(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;

	c.busy_forever = 1;
	c.poll_ms = 100;
	plug(f, 0, &c);
	f->slot.dfu_timeout = 1;
	image(f, 1024, 0, 0);
	assert_int_equal(stage(f), FW_EIO);
	assert_msg(f, "still dfuDNBUSY after 1 s");
}

static void test_wrong_vid_pid(void **state)
{
	struct fixture *f = *state;

	plug(f, 0, &base);
	snprintf(f->slot.device, sizeof(f->slot.device), "dfu:1209:beef");
	image(f, 100, 0, 0);
	assert_int_equal(stage(f), FW_ENOTFOUND);
	assert_msg(f, "no USB DFU device 1209:beef");
}

static void test_two_without_serial_refused_naming_both(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;
	size_t n;

	c.serial = NULL;
	plug(f, 0, &c);
	c.port = 2;
	plug(f, 1, &c);
	image(f, 100, 0, 0);
	assert_int_equal(stage(f), FW_EUSAGE);
	assert_msg(f, "2 devices match");
	assert_msg(f, "1-1");
	assert_msg(f, "1-2");
	model_data(f->m[0], 1, &n);
	assert_int_equal(n, 0);
	model_data(f->m[1], 1, &n);
	assert_int_equal(n, 0);
}

static void test_serial_picks_one_of_two(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;
	size_t n;

	c.serial = "MCU-0001";
	plug(f, 0, &c);
	c.serial = "MCU-0002";
	c.port = 2;
	plug(f, 1, &c);
	snprintf(f->slot.device, sizeof(f->slot.device), "dfu:1209:df11@flash-a,serial=MCU-0002");
	image(f, 1500, 0, 0);
	assert_int_equal(stage(f), 0);
	assert_holds(f->m[1], 0, f->img, 1500);
	model_data(f->m[0], 0, &n);
	assert_int_equal(n, 0);
}

static void test_runtime_device_detached_and_found_again(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;
	struct model_stats st;

	c.runtime = 1;
	c.dfu_pid = 0xdf12; /* DFU mode has its own PID, as many do */
	plug(f, 0, &c);
	image(f, 3000, 0, 0);
	assert_int_equal(stage(f), 0);
	model_stats(f->m[0], &st);
	assert_int_equal(st.detaches, 1);
	assert_holds(f->m[0], 1, f->img, 3000);
}

/* bitWillDetach: the device leaves by itself, no USB reset is sent */
static void test_device_that_detaches_itself(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;
	struct model_stats st;

	c.runtime = 1;
	c.attributes |= DFU_WILL_DETACH;
	plug(f, 0, &c);
	image(f, 1000, 0, 0);
	assert_int_equal(stage(f), 0);
	model_stats(f->m[0], &st);
	assert_int_equal(st.detaches, 1);
	assert_int_equal(st.resets, 0);
	assert_holds(f->m[0], 1, f->img, 1000);
}

/* Not manifestation tolerant: silent after dfuMANIFEST, needs a reset. */
static void test_manifest_then_reset(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;
	struct model_stats st;

	c.attributes = DFU_CAN_DOWNLOAD | DFU_CAN_UPLOAD;
	plug(f, 0, &c);
	image(f, 2500, 0, 0);
	assert_int_equal(stage(f), 0);
	model_stats(f->m[0], &st);
	assert_int_equal(st.manifested, 1);
	assert_int_equal(st.resets, 1);
	assert_int_equal(st.uploads, 0); /* it cannot be read back after that */
	assert_int_equal(st.state, 2);
	assert_holds(f->m[0], 1, f->img, 2500);
}

/* DFU does not say how big the target is: the device refuses, by status. */
static void test_image_larger_than_the_device(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;

	c.capacity = 2048;
	plug(f, 0, &c);
	image(f, 5000, 0, 0);
	assert_int_equal(stage(f), FW_EIO);
	assert_msg(f, "errADDRESS in state dfuERROR at block 4");
}

static void test_no_alt_of_that_name(void **state)
{
	struct fixture *f = *state;

	plug(f, 0, &base);
	snprintf(f->slot.device, sizeof(f->slot.device), "dfu:1209:df11@eeprom");
	image(f, 100, 0, 0);
	assert_int_equal(stage(f), FW_ENOTFOUND);
	assert_msg(f, "'eeprom'");
	assert_msg(f, "0 'flash-a', 1 'flash-b'");
}

static void test_device_that_cannot_download(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;

	c.attributes = DFU_CAN_UPLOAD;
	plug(f, 0, &c);
	image(f, 100, 0, 0);
	assert_int_equal(stage(f), FW_EIO);
	assert_msg(f, "cannot download");
}

static void test_no_upload_means_status_only(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;
	struct model_stats st;

	c.attributes = DFU_CAN_DOWNLOAD | DFU_MANIFEST_TOLERANT;
	plug(f, 0, &c);
	image(f, 700, 0, 0);
	assert_int_equal(stage(f), 0);
	model_stats(f->m[0], &st);
	assert_int_equal(st.uploads, 0);
	assert_holds(f->m[0], 1, f->img, 700);
}

static void test_bad_device_spec(void **state)
{
	struct fixture *f = *state;

	snprintf(f->slot.device, sizeof(f->slot.device), "dfu:12:zz");
	image(f, 10, 0, 0);
	assert_int_equal(stage(f), FW_EUSAGE);
	assert_msg(f, "dfu:VID:PID");
}

static void test_usb_list_describes_dfu_devices(void **state)
{
	struct fixture *f = *state;
	struct model_cfg c = base;
	struct usb_info *u = NULL;
	unsigned n = 0, found = 0;

	plug(f, 0, &c);
	c.runtime = 1;
	c.serial = "MCU-0002";
	c.port = 3;
	plug(f, 1, &c);
	assert_int_equal(usb_list(&u, &n, &f->err), 0);
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(u[i].path, "1-1")) {
			found++;
			assert_int_equal(u[i].vid, VID);
			assert_int_equal(u[i].pid, PID);
			assert_string_equal(u[i].serial, "MCU-0001");
			assert_int_equal(u[i].ndfu, 2);
			assert_string_equal(u[i].dfu[1].name, "flash-b");
			assert_int_equal(u[i].dfu[1].alt, 1);
			assert_int_equal(u[i].dfu[1].transfer_size, 512);
			assert_int_equal(u[i].dfu[1].dfu_version, 0x0110);
			assert_false(u[i].dfu[0].runtime);
		} else if (!strcmp(u[i].path, "1-3")) {
			found++;
			assert_int_equal(u[i].ndfu, 1);
			assert_true(u[i].dfu[0].runtime);
			assert_string_equal(u[i].serial, "MCU-0002");
		}
	}
	free(u);
	assert_int_equal(found, 2);
}

/*
 * --serve [--error-block N] [--runtime] -- CMD...: plug the model and run CMD
 * (fwtool, from a pytest) against it; then say on stderr what the device
 * holds. Exits with CMD's status.
 */
static int serve(int argc, char **argv)
{
	struct model_cfg c = base;
	struct model_stats st;
	UMockdevTestbed *tb = umockdev_testbed_new();
	struct model *m;
	int i = 0, status = 0;
	pid_t pid;

	while (i < argc && strcmp(argv[i], "--")) {
		if (!strcmp(argv[i], "--error-block") && i + 1 < argc)
			c.error_block = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--runtime"))
			c.runtime = 1;
		i++;
	}
	if (++i >= argc) {
		fprintf(stderr, "test_dfu --serve [--error-block N] [--runtime] -- CMD...\n");
		return 2;
	}
	m = model_plug(tb, &c);
	if (!m)
		return 2;
	pid = fork();
	if (pid == 0) {
		execvp(argv[i], argv + i);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	for (unsigned a = 0; a < MODEL_ALTS; a++) {
		uint8_t md[HASH_LEN];
		char hex[2 * HASH_LEN + 1];
		struct hash h;
		size_t n;
		const uint8_t *d = model_data(m, a, &n);

		hash_init(&h);
		hash_update(&h, d, n);
		hash_final(&h, md);
		for (unsigned k = 0; k < HASH_LEN; k++)
			sprintf(hex + 2 * k, "%02x", md[k]);
		fprintf(stderr, "model: alt %u: %zu bytes, sha256 %s\n", a, n, hex);
	}
	model_stats(m, &st);
	fprintf(stderr, "model: blocks %u, manifested %u, uploads %u, detaches %u\n",
		st.dnload_blocks, st.manifested, st.uploads, st.detaches);
	model_free(m);
	g_object_unref(tb);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* dfu.c alone, without the slot adapter: blocks go down as given, the
 * block counter runs on, and an UPLOAD stops at the bytes asked for. */
static int refuse_piece(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return fw_error(err, FW_EVERIFY, "refused");
}

static int collect(void *ctx, const void *buf, size_t len, struct fw_err *err)
{
	struct fixture *f = ctx;

	(void)err;
	memcpy(f->img + f->len, buf, len);
	f->len += len;
	return 0;
}

static void test_protocol_dnload_then_upload(void **state)
{
	struct fixture *f = *state;
	struct model *m = plug(f, 0, &base);
	uint8_t blocks[3][512];
	struct model_stats st;
	struct dfu d;
	uint64_t total;

	for (unsigned i = 0; i < sizeof(blocks); i++)
		blocks[i / 512][i % 512] = (uint8_t)(i * 13);
	assert_int_equal(dfu_open(&d, "dfu:1209:df11@flash-a", "test", 10, 0, &f->err), 0);
	assert_int_equal(d.transfer_size, 512);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(dfu_dnload(&d, blocks[i], 512, &f->err), 0);
	assert_int_equal(dfu_dnload(&d, NULL, 0, &f->err), 0); /* manifest, tolerant */
	assert_int_equal(d.block, 4);
	assert_holds(m, 0, &blocks[0][0], sizeof(blocks));
	f->img = malloc(sizeof(blocks));
	f->len = 0;
	assert_int_equal(dfu_upload(&d, 700, collect, f, &total, &f->err), 0);
	assert_int_equal(total, 700);
	assert_memory_equal(f->img, blocks, 700);
	dfu_close(&d);
	dfu_close(&d); /* twice is safe */
	model_stats(m, &st);
	assert_int_equal(st.dnload_blocks, 3);
	assert_int_equal(st.manifested, 1);
}

static void test_protocol_callback_error_stops_upload(void **state)
{
	struct fixture *f = *state;
	struct dfu d;
	uint64_t total;
	uint8_t block[512] = {1};

	plug(f, 0, &base);
	assert_int_equal(dfu_open(&d, "dfu:1209:df11@flash-a", "test", 10, 0, &f->err), 0);
	assert_int_equal(dfu_dnload(&d, block, 512, &f->err), 0);
	assert_int_equal(dfu_dnload(&d, block, 512, &f->err), 0);
	assert_int_equal(dfu_dnload(&d, NULL, 0, &f->err), 0);
	assert_int_equal(dfu_upload(&d, 1024, refuse_piece, NULL, &total, &f->err), FW_EVERIFY);
	assert_int_equal(total, 512); /* stopped at the first piece */
	dfu_close(&d);
}

static void test_suffix_form_and_match(void **state)
{
	uint8_t t[DFU_SUFFIX_LEN] = {0xff, 0xff, 0x11, 0xdf, 0x09, 0x12, 0x00, 0x01,
				     'U',  'F',	 'D',  16,   0x78, 0x56, 0x34, 0x12};
	struct dfu_suffix s;

	(void)state;
	assert_int_equal(dfu_suffix_parse(t, &s), 1);
	assert_int_equal(s.vid, 0x1209);
	assert_int_equal(s.pid, 0xdf11);
	assert_int_equal(s.crc, 0x12345678);
	assert_true(dfu_suffix_matches(&s, 0x1209, 0xdf11));
	assert_false(dfu_suffix_matches(&s, 0x0483, 0xdf11));
	s.vid = 0xffff;
	assert_true(dfu_suffix_matches(&s, 0x0483, 0xdf11));
	t[11] = 15; /* the length is part of the form */
	assert_int_equal(dfu_suffix_parse(t, &s), 0);
	t[11] = 16;
	t[8] = 'u';
	assert_int_equal(dfu_suffix_parse(t, &s), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_clean_download_strips_suffix_and_reads_back),
		T(test_alt_by_number_whole_blocks_and_false_suffix),
		T(test_suffix_for_other_device_refused),
		T(test_read_back_mismatch_refused),
		T(test_device_error_names_state_status_and_block),
		T(test_stall_reported_with_status),
		T(test_poll_min_honoured),
		T(test_busy_forever_times_out),
		T(test_wrong_vid_pid),
		T(test_two_without_serial_refused_naming_both),
		T(test_serial_picks_one_of_two),
		T(test_runtime_device_detached_and_found_again),
		T(test_device_that_detaches_itself),
		T(test_manifest_then_reset),
		T(test_image_larger_than_the_device),
		T(test_no_alt_of_that_name),
		T(test_device_that_cannot_download),
		T(test_no_upload_means_status_only),
		T(test_bad_device_spec),
		T(test_usb_list_describes_dfu_devices),
		T(test_protocol_dnload_then_upload),
		T(test_protocol_callback_error_stops_upload),
		cmocka_unit_test(test_suffix_form_and_match),
	};

	const char *pre = getenv("LD_PRELOAD");

	if (!pre || !strstr(pre, "umockdev-preload")) {
		fprintf(stderr, "test_dfu: run me under umockdev-wrapper\n");
		return 77;
	}
	if (argc > 1 && !strcmp(argv[1], "--serve"))
		return serve(argc - 2, argv + 2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
