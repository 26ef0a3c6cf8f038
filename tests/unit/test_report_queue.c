// SPDX-License-Identifier: GPL-2.0-only
/*
 * report_queue.c with a real shell command as the sink: what is queued,
 * what a delivery takes away, the back-off after a failure, one failure
 * per flush, the cap on the queue, and a sink URL printed without its
 * password.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fdio.h"
#include "report_queue.h"
#include "testutil.h"

struct fixture {
	char *dir;
	struct config cfg;
	struct txn t;
	char outbox[4096], got[4096];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct fw_err err = {0};
	char text[8192];
	char *id;

	f->dir = testutil_tmpdir();
	id = testutil_write(f->dir, "machine-id", "0123abcd\n", 9);
	snprintf(f->got, sizeof(f->got), "%s/got", f->dir);
	snprintf(text, sizeof(text),
		 "[system]\nstatedir = %s/state\ncompatible = acme,x1\nhostname = h1\n"
		 "machine_id = %s\nbootloader = sim\n"
		 "[confirm]\nreport_cmd = cat >> %s\nreport_timeout = 1\n"
		 "[slot.rootfs.0]\ndevice = a.img\ntype = file\nbootname = A\n"
		 "[slot.rootfs.1]\ndevice = b.img\ntype = file\nbootname = B\n",
		 f->dir, id, f->got);
	free(id);
	assert_int_equal(config_load_string(&f->cfg, text, "system.conf", &err), 0);
	snprintf(f->outbox, sizeof(f->outbox), "%s/state/outbox", f->dir);
	snprintf(f->t.id, sizeof(f->t.id), "11111111-2222-3333-4444-555555555555");
	snprintf(f->t.kind, sizeof(f->t.kind), "install");
	snprintf(f->t.target, sizeof(f->t.target), "B");
	snprintf(f->t.reason, sizeof(f->t.reason), "health-check-failed");
	f->t.state = TXN_ROLLED_BACK;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testutil_rmrf(f->dir);
	free(f);
	return 0;
}

/* files in the outbox ending in @suffix */
static unsigned count(const struct fixture *f, const char *suffix)
{
	DIR *d = opendir(f->outbox);
	struct dirent *e;
	unsigned n = 0;

	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name), s = strlen(suffix);

		n += l > s && !strcmp(e->d_name + l - s, suffix);
	}
	if (d)
		closedir(d);
	return n;
}

static void put(struct fixture *f, const char *id)
{
	struct fw_err err = {0};

	snprintf(f->t.id, sizeof(f->t.id), "%s", id);
	assert_int_equal(report_queue_put(&f->cfg, &f->t, &err), 0);
}

static void flush(struct fixture *f, unsigned sent, unsigned failed, unsigned waiting)
{
	struct report_queue_result r;
	struct fw_err err = {0};

	assert_int_equal(report_queue_flush(&f->cfg, &r, &err), 0);
	assert_int_equal(r.sent, sent);
	assert_int_equal(r.failed, failed);
	assert_int_equal(r.waiting, waiting);
}

static void test_delivered_report_carries_the_outcome_and_the_host(void **state)
{
	struct fixture *f = *state;
	struct fw_err err = {0};
	char *body = NULL;

	put(f, "aaaa-1");
	assert_int_equal(count(f, ".json"), 1);
	flush(f, 1, 0, 0);
	assert_int_equal(count(f, ".json"), 0);
	assert_int_equal(fd_read_file(f->got, 1 << 20, &body, NULL, &err), 0);
	assert_non_null(strstr(body, "\"aaaa-1\""));
	assert_non_null(strstr(body, "\"rolled-back\""));
	assert_non_null(strstr(body, "\"health-check-failed\""));
	assert_non_null(strstr(body, "\"hostname\":\"h1\""));
	assert_non_null(strstr(body, "\"machine_id\":\"0123abcd\""));
	assert_non_null(strstr(body, "\"acme,x1\""));
	free(body);
	flush(f, 0, 0, 0); /* nothing twice */
}

static void test_no_sink_queues_nothing(void **state)
{
	struct fixture *f = *state;

	f->cfg.report_cmd[0] = '\0';
	put(f, "aaaa-1");
	assert_int_equal(count(f, ".json"), 0);
	flush(f, 0, 0, 0);
}

static void test_failure_backs_off_then_delivers(void **state)
{
	struct fixture *f = *state;
	char retry[4200];
	FILE *r;

	snprintf(f->cfg.report_cmd, sizeof(f->cfg.report_cmd), "cat >/dev/null; exit 3");
	put(f, "aaaa-1");
	flush(f, 0, 1, 0);
	assert_int_equal(count(f, ".json"), 1); /* kept */
	assert_int_equal(count(f, ".retry"), 1);
	flush(f, 0, 0, 1); /* its 30 s are not over */
	/* the wait is over: the sink is back */
	snprintf(retry, sizeof(retry), "%s/aaaa-1.json.retry", f->outbox);
	r = fopen(retry, "w");
	assert_non_null(r);
	fputs("1 0\n", r);
	fclose(r);
	snprintf(f->cfg.report_cmd, sizeof(f->cfg.report_cmd), "cat >> %.200s", f->got);
	flush(f, 1, 0, 0);
	assert_int_equal(count(f, ".json"), 0);
	assert_int_equal(count(f, ".retry"), 0);
}

static void test_one_failure_per_flush(void **state)
{
	struct fixture *f = *state;

	snprintf(f->cfg.report_cmd, sizeof(f->cfg.report_cmd), "sleep 5");
	put(f, "aaaa-1");
	put(f, "aaaa-2");
	put(f, "aaaa-3");
	flush(f, 0, 1, 2); /* the sink timed out once; the others wait */
	assert_int_equal(count(f, ".json"), 3);
}

static void test_same_transaction_replaces_its_report(void **state)
{
	struct fixture *f = *state;

	put(f, "aaaa-1");
	f->t.state = TXN_CONFIRMED;
	put(f, "aaaa-1");
	assert_int_equal(count(f, ".json"), 1);
}

static void test_queue_is_capped_and_keeps_the_newest(void **state)
{
	struct fixture *f = *state;
	char id[40], newest[4200];

	for (unsigned i = 0; i < FW_OUTBOX_MAX + 5; i++) {
		snprintf(id, sizeof(id), "cafe-%04u", i);
		put(f, id);
	}
	assert_int_equal(count(f, ".json"), FW_OUTBOX_MAX);
	snprintf(newest, sizeof(newest), "%s/%s.json", f->outbox, id);
	assert_int_equal(access(newest, F_OK), 0);
}

static void test_sink_printed_without_password(void **state)
{
	struct fixture *f = *state;
	char out[512];

	report_queue_sink(&f->cfg, out, sizeof(out));
	assert_string_equal(out, "report_cmd");
	f->cfg.report_cmd[0] = '\0';
	snprintf(f->cfg.report_url, sizeof(f->cfg.report_url),
		 "https://fleet:s3cret@reports.example/in?x=@y");
	report_queue_sink(&f->cfg, out, sizeof(out));
	assert_string_equal(out, "https://***@reports.example/in?x=@y");
	snprintf(f->cfg.report_url, sizeof(f->cfg.report_url), "https://reports.example/a@b");
	report_queue_sink(&f->cfg, out, sizeof(out));
	assert_string_equal(out, "https://reports.example/a@b");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_delivered_report_carries_the_outcome_and_the_host),
		T(test_no_sink_queues_nothing),
		T(test_failure_backs_off_then_delivers),
		T(test_one_failure_per_flush),
		T(test_same_transaction_replaces_its_report),
		T(test_queue_is_capped_and_keeps_the_newest),
		T(test_sink_printed_without_password),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
