// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "testutil.h"

#include "hosts.h"
#include "http.h"
#include "url.h"

static void resolves(const char *base, const char *loc, const char *want)
{
	struct fw_err err = {0};
	char out[FW_URL_LEN + 1];
	struct url u;

	assert_int_equal(url_parse(base, &u, &err), 0);
	assert_int_equal(url_resolve(&u, loc, out, &err), 0);
	assert_string_equal(out, want);
}

static void test_url_parse_and_resolve(void **state)
{
	struct fw_err err = {0};
	struct url u;
	char text[FW_URL_LEN + 1];

	(void)state;
	assert_int_equal(url_parse("HTTPS://Updates.example.com/a/b.fwb?x=1#top", &u, &err), 0);
	assert_true(u.https);
	assert_string_equal(u.host, "Updates.example.com");
	assert_string_equal(u.port, "443");
	assert_string_equal(u.target, "/a/b.fwb?x=1");
	assert_int_equal(url_parse("http://[fe80::1]:8080", &u, &err), 0);
	assert_string_equal(u.host, "fe80::1");
	assert_string_equal(u.port, "8080");
	assert_string_equal(u.target, "/");
	url_format(&u, text, sizeof(text));
	assert_string_equal(text, "http://[fe80::1]:8080/");
	resolves("http://h/a/b.fwb", "c.fwb", "http://h/a/c.fwb");
	resolves("http://h:81/a/b.fwb?q=/x", "c.fwb", "http://h:81/a/c.fwb");
	resolves("http://h/a/b.fwb", "/c.fwb", "http://h/c.fwb");
	resolves("https://h/a", "//m.example/c", "https://m.example/c");
	resolves("https://h/a", "http://o/c", "http://o/c");
	/* another scheme is absolute too, and then refused by url_parse() */
	resolves("https://h/a", "ftp://o/c", "ftp://o/c");
	static const char *const bad[] = {
		"ftp://h/a",	   "http://",	  "http://u@h/",  "http://h:/",	    "http://h:0/",
		"http://h:65536/", "http://h a/", "http://[::1/", "http://[::1]x/", "http://h\t/",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		fw_err_clear(&err);
		assert_int_equal(url_parse(bad[i], &u, &err), FW_EUSAGE);
		assert_true(err.msg[0] != '\0');
	}
}

static int head(const char *s, struct http_resp *r)
{
	struct fw_err err = {0};

	assert_int_equal(http_head_end(s, strlen(s)), strlen(s));
	return http_parse_head(s, strlen(s), r, &err);
}

static void test_http_heads(void **state)
{
	struct http_resp r;
	struct fw_err err = {0};
	uint64_t v;

	(void)state;
	assert_int_equal(head("HTTP/1.1 206 Partial\r\ncontent-range: bytes 5-9/10\r\n"
			      "Content-Length: 5\r\nETag: W/\"x\"\r\nConnection: close\r\n\r\n",
			      &r),
			 0);
	assert_int_equal(r.status, 206);
	assert_true(r.has_range && r.range_start == 5 && r.range_end == 9 && r.range_total == 10);
	assert_int_equal(r.length, 5);
	assert_string_equal(r.etag, "W/\"x\"");
	assert_false(r.keep_alive);
	assert_int_equal(head("HTTP/1.0 200 OK\n\n", &r), 0);
	assert_int_equal(r.length, -1);
	assert_false(r.keep_alive);
	assert_int_equal(http_head_end("HTTP/1.1 200 OK\r\n", 17), 0);
	assert_int_equal(
		head("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &r),
		FW_EFORMAT);
	assert_int_equal(head("HTTP/1.1 206 x\r\nContent-Range: bytes 9-5/10\r\n\r\n", &r),
			 FW_EFORMAT);
	assert_int_equal(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", &r),
			 FW_EFORMAT);
	assert_int_equal(head("HTTP/1.1 200 OK\r\n folded\r\n\r\n", &r), FW_EFORMAT);
	assert_int_equal(head("HTTP/2 200\r\n\r\n", &r), FW_EFORMAT);
	assert_int_equal(http_chunk_size("1A;x=y", 6, &v, &err), 0);
	assert_int_equal(v, 26);
	assert_int_equal(http_chunk_size("", 0, &v, &err), FW_EFORMAT);
	assert_int_equal(http_chunk_size("12x", 3, &v, &err), FW_EFORMAT);
	assert_int_equal(http_chunk_size("fffffffffffffffff", 17, &v, &err), FW_EFORMAT);
}

static void test_hosts(void **state)
{
	static const char text[] = "127.0.0.1 localhost\n"
				   "# 10.0.0.1 fleet\n"
				   "10.0.0.2\tmirror  FLEET # the update server\n"
				   "10.0.0.3 fleet\n";
	char addr[64];

	(void)state;
	assert_true(hosts_find(text, sizeof(text) - 1, "fleet", addr, sizeof(addr)));
	assert_string_equal(addr, "10.0.0.2");
	assert_true(hosts_find(text, sizeof(text) - 1, "localhost", addr, sizeof(addr)));
	assert_string_equal(addr, "127.0.0.1");
	assert_false(hosts_find(text, sizeof(text) - 1, "update", addr, sizeof(addr)));
	assert_false(hosts_find(text, sizeof(text) - 1, "10.0.0.2", addr, sizeof(addr)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_parse_and_resolve),
		cmocka_unit_test(test_http_heads),
		cmocka_unit_test(test_hosts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
