#!/bin/bash
# Checks deploy/systemd/vb365_exporter.service:
# - the hardening the README promises is there (DynamicUser, ProtectSystem=strict,
#   NoNewPrivileges, LoadCredential, and StateDirectory= holding the
#   --storage.state-file), and every password_file of the example
#   config under /run/credentials/vb365_exporter.service/ is a LoadCredential id;
# - `systemd-analyze verify` accepts it (ExecStart pointed at the built exporter,
#   or /bin/true when it is not built);
# - `systemd-analyze security --offline` rates its exposure 2.0 or lower.
# Exits 77 (ctest SKIP) when systemd-analyze cannot verify units here.
# Usage: check_systemd.sh UNIT EXAMPLE_CONFIG [EXPORTER_BINARY]
set -euo pipefail
unit=$1 config=$2 exporter=${3:-}
fail() { echo "FAIL: $*" >&2; exit 1; }

for directive in '^DynamicUser=yes' '^ProtectSystem=strict' '^NoNewPrivileges=yes' \
                 '^LoadCredential=' '^ProtectHome=yes' '^CapabilityBoundingSet=$' \
                 '--config.file=/etc/vb365_exporter/' '^StateDirectory=vb365_exporter$' \
                 '--storage.state-file=/var/lib/vb365_exporter/'; do
  grep -Eq -- "$directive" "$unit" || fail "$unit: no line matching $directive"
done
creds=$(sed -n 's/^LoadCredential=\([^:]*\):.*/\1/p' "$unit" | sort)
used=$(sed -n 's#^ *password_file: */run/credentials/vb365_exporter.service/\(.*\)$#\1#p' "$config" | sort)
[ -n "$used" ] || fail "$config: no password_file under /run/credentials/vb365_exporter.service/"
[ "$creds" = "$used" ] || fail "LoadCredential ids ($creds) differ from the config's credential files ($used)"

command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Can this environment verify units at all?
printf '[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n' > "$tmp/probe.service"
if ! systemd-analyze verify "$tmp/probe.service" >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze verify does not work in this environment"; exit 77
fi
[ -n "$exporter" ] && [ -x "$exporter" ] || exporter=/bin/true
sed "s#^ExecStart=/usr/local/bin/vb365_exporter#ExecStart=$exporter#" "$unit" \
  > "$tmp/vb365_exporter.service"
grep -q "^ExecStart=$exporter" "$tmp/vb365_exporter.service" || fail "ExecStart is not /usr/local/bin/vb365_exporter"
systemd-analyze verify "$tmp/vb365_exporter.service" || fail "systemd-analyze verify rejected $unit"
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
  systemd-analyze security --offline=yes --threshold=20 "$tmp/vb365_exporter.service" >"$tmp/security.txt" 2>&1 \
    || { cat "$tmp/security.txt"; fail "exposure level above 2.0"; }
  tail -1 "$tmp/security.txt"
fi
echo "systemd unit OK"
