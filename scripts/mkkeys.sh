#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Make a test PKI with openssl: DIR/ca.pem (the keyring), DIR/signer.key and
# DIR/signer.pem (digitalSignature, codeSigning). For demos and tests only:
# real keys belong in an HSM, used through 'bundle create --sign-cmd'.
set -eu
dir=${1:?usage: mkkeys.sh DIR}
mkdir -p "$dir"
cd "$dir"
cat > ca.cnf <<'CNF'
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[v3_signer]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
CNF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout ca.key -out ca.pem -subj "/CN=fwtool demo CA" -days 3650 \
	-config ca.cnf -extensions v3_ca 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout signer.key -out signer.csr -subj "/CN=fwtool demo signer" \
	-config ca.cnf 2>/dev/null
openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key -set_serial 2 \
	-days 365 -out signer.pem -extfile ca.cnf -extensions v3_signer 2>/dev/null
rm -f signer.csr
