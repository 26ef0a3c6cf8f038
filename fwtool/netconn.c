// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h> /* its error codes; the BIO is ours */
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "fdio.h"
#include "hosts.h"
#include "log.h"
#include "netconn.h"

/* Debian's bundle of the system's CAs (ca-certificates) */
#define SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"
#define SLICE_MS 250

struct netconn {
	int fd;
	struct netconn_opts o;
	int tls, cancelled, timed_out;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, own;
	mbedtls_pk_context key;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for @events on the socket: 0, or -1 with c->cancelled or
 * c->timed_out set (or errno from poll).
 */
static int wait_fd(struct netconn *c, short events)
{
	long deadline = now_ms() + (long)c->o.stall_ms;

	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = events};
		long left = deadline - now_ms();
		int k;

		if (c->o.cancel && *c->o.cancel) {
			c->cancelled = 1;
			return -1;
		}
		if (left <= 0) {
			c->timed_out = 1;
			return -1;
		}
		k = poll(&p, 1, (int)(left < SLICE_MS ? left : SLICE_MS));
		if (k > 0)
			return 0;
		if (k < 0 && errno != EINTR)
			return -1;
	}
}

static int connect_one(struct netconn *c, const struct addrinfo *ai)
{
	int e = 0;
	socklen_t el = sizeof(e);

	c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       ai->ai_protocol);
	if (c->fd < 0)
		return -1;
	if (!connect(c->fd, ai->ai_addr, ai->ai_addrlen))
		return 0;
	if (errno == EINPROGRESS && !wait_fd(c, POLLOUT) &&
	    !getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) && !e)
		return 0;
	if (e)
		errno = e;
	e = errno;
	close(c->fd);
	c->fd = -1;
	errno = e;
	return -1;
}

static int wait_error(const struct netconn *c, const char *what, struct fw_err *err)
{
	if (c->cancelled)
		return fw_error(err, FW_EIO, "%s: interrupted by a signal", what);
	if (c->timed_out)
		return fw_error(err, FW_ETIMEDOUT, "%s: nothing for %u s (stall timeout)", what,
				c->o.stall_ms / 1000);
	return fw_error(err, FW_EIO, "%s: %s", what, strerror(errno));
}

#ifdef CONFIG_STATIC
/*
 * An address, or a name /etc/hosts holds (hosts.h says why no more): one
 * address, as an addrinfo on the stack.
 */
static int connect_static(struct netconn *c, const char *host, const char *port, const char *what,
			  struct fw_err *err)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	struct addrinfo ai = {.ai_socktype = SOCK_STREAM};
	char addr[64], *text = NULL;
	size_t len;
	struct fw_err e = {0};
	uint16_t p = htons((uint16_t)atoi(port));

	snprintf(addr, sizeof(addr), "%s", host);
	if (!fd_read_file("/etc/hosts", 1u << 20, &text, &len, &e) &&
	    hosts_find(text, len, host, addr, sizeof(addr)))
		log_debug("%s is %s (/etc/hosts)", host, addr);
	free(text);
	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1) {
		s4.sin_port = p;
		ai.ai_family = AF_INET;
		ai.ai_addr = (struct sockaddr *)&s4;
		ai.ai_addrlen = sizeof(s4);
	} else if (inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1) {
		s6.sin6_port = p;
		ai.ai_family = AF_INET6;
		ai.ai_addr = (struct sockaddr *)&s6;
		ai.ai_addrlen = sizeof(s6);
	} else {
		return fw_error(err, FW_EUSAGE,
				"%s: this static build resolves names only from /etc/hosts: give "
				"an address, or add %s there",
				what, host);
	}
	return connect_one(c, &ai) ? wait_error(c, what, err) : 0;
}
#else
static int connect_any(struct netconn *c, const char *host, const char *port, const char *what,
		       struct fw_err *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *res, *ai;
	int ret = getaddrinfo(host, port, &hints, &res);

	if (ret)
		return fw_error(err, FW_EIO, "%s: %s", what, gai_strerror(ret));
	for (ai = res; ai; ai = ai->ai_next)
		if (!connect_one(c, ai) || c->cancelled || c->timed_out)
			break;
	freeaddrinfo(res);
	return c->fd < 0 ? wait_error(c, what, err) : 0;
}
#endif

int netconn_connect(struct netconn **cp, const char *host, const char *port,
		    const struct netconn_opts *o, struct fw_err *err)
{
	struct netconn *c = calloc(1, sizeof(*c));
	char what[300];
	int ret;

	*cp = NULL;
	if (!c)
		return fw_error(err, FW_ENOMEM, "out of memory");
	c->fd = -1;
	c->o = *o;
	snprintf(what, sizeof(what), "connect to %s port %s", host, port);
#ifdef CONFIG_STATIC
	ret = connect_static(c, host, port, what, err);
#else
	ret = connect_any(c, host, port, what, err);
#endif
	if (ret) {
		free(c);
		return ret;
	}
	*cp = c;
	return 0;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct netconn *c = ctx;
	ssize_t n;

	if (wait_fd(c, POLLOUT))
		return MBEDTLS_ERR_NET_SEND_FAILED;
	n = send(c->fd, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_WRITE
							 : MBEDTLS_ERR_NET_SEND_FAILED;
	return (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct netconn *c = ctx;
	ssize_t n;

	if (wait_fd(c, POLLIN))
		return MBEDTLS_ERR_NET_RECV_FAILED;
	n = recv(c->fd, buf, len, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_READ
							 : MBEDTLS_ERR_NET_RECV_FAILED;
	return (int)n;
}

static int tls_error(const struct netconn *c, const char *what, int ret, struct fw_err *err)
{
	char ebuf[120];

	if (c->cancelled || c->timed_out || ret == MBEDTLS_ERR_NET_RECV_FAILED ||
	    ret == MBEDTLS_ERR_NET_SEND_FAILED)
		return wait_error(c, what, err);
	mbedtls_strerror(ret, ebuf, sizeof(ebuf));
	return fw_error(err, FW_EIO, "%s: %s", what, ebuf);
}

static int load_trust(struct netconn *c, struct fw_err *err)
{
	const char *ca = c->o.ca && *c->o.ca ? c->o.ca : SYSTEM_CA;
	char ebuf[120];
	int ret;

	ret = mbedtls_x509_crt_parse_file(&c->ca, ca);
	if (ret < 0) {
		mbedtls_strerror(ret, ebuf, sizeof(ebuf));
		return fw_error(err, FW_EUSAGE, "TLS: CA file %s: %s", ca, ebuf);
	}
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
	if (!c->o.client_cert || !*c->o.client_cert)
		return 0;
	ret = mbedtls_x509_crt_parse_file(&c->own, c->o.client_cert);
	if (ret) {
		mbedtls_strerror(ret, ebuf, sizeof(ebuf));
		return fw_error(err, FW_EUSAGE, "TLS: client certificate %s: %s", c->o.client_cert,
				ebuf);
	}
	ret = mbedtls_pk_parse_keyfile(
		&c->key, c->o.client_key && *c->o.client_key ? c->o.client_key : c->o.client_cert,
		NULL);
	if (!ret)
		ret = mbedtls_ssl_conf_own_cert(&c->conf, &c->own, &c->key);
	if (ret) {
		mbedtls_strerror(ret, ebuf, sizeof(ebuf));
		return fw_error(err, FW_EUSAGE, "TLS: client key %s: %s",
				c->o.client_key ? c->o.client_key : c->o.client_cert, ebuf);
	}
	return 0;
}

static int tls_setup(struct netconn *c, const char *host, struct fw_err *err)
{
	static const char pers[] = "fwtool netconn";
	int ret;

	c->tls = 1;
	mbedtls_ssl_init(&c->ssl);
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crt_init(&c->own);
	mbedtls_pk_init(&c->key);
	mbedtls_entropy_init(&c->entropy);
	mbedtls_ctr_drbg_init(&c->drbg);
	ret = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy,
				    (const unsigned char *)pers, sizeof(pers));
	if (!ret)
		ret = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
						  MBEDTLS_SSL_TRANSPORT_STREAM,
						  MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret)
		return tls_error(c, "TLS setup", ret, err);
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
	ret = load_trust(c, err);
	if (ret)
		return ret;
	ret = mbedtls_ssl_setup(&c->ssl, &c->conf);
	if (!ret)
		ret = mbedtls_ssl_set_hostname(&c->ssl, host);
	if (ret)
		return tls_error(c, "TLS setup", ret, err);
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	return 0;
}

int netconn_start_tls(struct netconn *c, const char *host, struct fw_err *err)
{
	int ret = tls_setup(c, host, err);
	uint32_t flags;
	char why[200];

	if (ret)
		return ret;
	do
		ret = mbedtls_ssl_handshake(&c->ssl);
	while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (!ret)
		return 0;
	flags = mbedtls_ssl_get_verify_result(&c->ssl);
	if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags) {
		mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags);
		why[strcspn(why, "\n")] = '\0';
		return fw_error(err, FW_EVERIFY, "TLS: the certificate of %s is not trusted: %s",
				host, why);
	}
	return tls_error(c, "TLS handshake", ret, err);
}

int netconn_write(struct netconn *c, const void *buf, size_t len, struct fw_err *err)
{
	const unsigned char *p = buf;

	while (len) {
		int n = c->tls ? mbedtls_ssl_write(&c->ssl, p, len) : bio_send(c, p, len);

		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n <= 0)
			return c->tls ? tls_error(c, "send", n, err) : wait_error(c, "send", err);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int netconn_read(struct netconn *c, void *buf, size_t len, size_t *np, struct fw_err *err)
{
	int n;

	*np = 0;
	if (len > 1u << 30)
		len = 1u << 30;
	do
		n = c->tls ? mbedtls_ssl_read(&c->ssl, buf, len) : bio_recv(c, buf, len);
	while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (c->tls && n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return 0;
	if (n < 0)
		return c->tls ? tls_error(c, "receive", n, err) : wait_error(c, "receive", err);
	*np = (size_t)n;
	return 0;
}

int netconn_cancelled(const struct netconn *c)
{
	return c->cancelled;
}

void netconn_close(struct netconn *c)
{
	if (!c)
		return;
	if (c->tls) {
		mbedtls_ssl_free(&c->ssl);
		mbedtls_ssl_config_free(&c->conf);
		mbedtls_x509_crt_free(&c->ca);
		mbedtls_x509_crt_free(&c->own);
		mbedtls_pk_free(&c->key);
		mbedtls_ctr_drbg_free(&c->drbg);
		mbedtls_entropy_free(&c->entropy);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
