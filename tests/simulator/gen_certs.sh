#!/usr/bin/env bash
# Creates a throwaway CA and a server certificate for 127.0.0.1, ::1 and
# localhost in DIR (which must exist):
#   DIR/ca.pem DIR/ca.key          the CA (give ca.pem to clients)
#   DIR/server.pem DIR/server.key  the server certificate and key
#   DIR/expired.pem                the same names and key, signed by the same
#                                  CA, its validity ended a day ago
#   DIR/second.pem                 the same names and key, signed by the same
#                                  CA, valid: another certificate (a renewal)
# Used by the test harness, `make demo` and the shell e2e tests. Quiet on
# success; on failure prints openssl's output and exits non-zero.
set -euo pipefail
dir=${1:?usage: gen_certs.sh DIR}
[ -d "$dir" ] || { echo "gen_certs.sh: $dir is not a directory" >&2; exit 2; }
cd "$dir"
umask 077
log=$(mktemp "${TMPDIR:-/tmp}/gen_certs.XXXXXX")
trap 'rm -f "$log"' EXIT
run() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; exit 1; }; }

run openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout ca.key -out ca.pem -days 2 -subj "/CN=vb365 simulator test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
run openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout server.key -out server.csr -subj "/CN=localhost"
cat > server.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
EXT
run openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out server.pem -days 2 -extfile server.ext
# -days -1: notAfter a day before notBefore (now), so expired from the start.
run openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out expired.pem -days -1 -extfile server.ext
run openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out second.pem -days 2 -extfile server.ext
rm -f server.csr server.ext ca.srl
chmod 644 ca.pem server.pem expired.pem second.pem
