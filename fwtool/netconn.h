/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FW_NETCONN_H
#define FW_NETCONN_H

#include <signal.h>
#include <stddef.h>

#include "err.h"

/*
 * One TCP connection, optionally TLS (mbedTLS), with a stall timeout on
 * every wait and a cancel flag checked at least every 250 ms while waiting.
 * Errors: FW_EIO (the network; worth another try), FW_ETIMEDOUT (nothing
 * moved for the stall timeout), FW_EVERIFY (the server's certificate),
 * FW_EUSAGE (a CA, certificate or key file that does not load).
 */

struct netconn;

/**
 * struct netconn_opts - how to wait, and whom to trust
 * @ca:          PEM file of the CAs to trust; NULL or "": the system's
 * @client_cert: PEM certificate (and chain) to present, or NULL
 * @client_key:  its private key, or NULL
 */
struct netconn_opts {
	unsigned stall_ms;
	const volatile sig_atomic_t *cancel;
	const char *ca;
	const char *client_cert;
	const char *client_key;
};

/** netconn_connect() - TCP to @host:@port, each address in turn */
int netconn_connect(struct netconn **cp, const char *host, const char *port,
		    const struct netconn_opts *o, struct fw_err *err) FW_MUST;

/**
 * netconn_start_tls() - TLS over @c, the certificate checked for @host
 * (SNI as well)
 */
int netconn_start_tls(struct netconn *c, const char *host, struct fw_err *err) FW_MUST;

/** netconn_write() - all of @len bytes */
int netconn_write(struct netconn *c, const void *buf, size_t len, struct fw_err *err) FW_MUST;

/** netconn_read() - up to @len bytes; *@np = 0 at the peer's end of stream */
int netconn_read(struct netconn *c, void *buf, size_t len, size_t *np, struct fw_err *err) FW_MUST;

/** netconn_cancelled() - did the cancel flag end the last wait? */
int netconn_cancelled(const struct netconn *c);

/** netconn_close() - NULL-safe */
void netconn_close(struct netconn *c);

#endif
