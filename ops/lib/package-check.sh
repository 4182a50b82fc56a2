#!/usr/bin/env bash
# The Debian package check that ops/test runs: builds the package with `ops/package
# --from-debug-build` (a release build takes 15–20 minutes on a 2-core machine, too long for
# ops/test; `ops/package` itself builds release), checks what `dpkg-deb --contents` lists, extracts
# it with `dpkg -x`, and starts the extracted relay with the packaged example configuration —
# adjusted only to temporary paths and a loopback port, with demo keys — and checks that the
# visitor page and /health answer. Exit 0 when all of that holds.
#
#   ops/lib/package-check.sh                   package the debug build and check it
#   ops/lib/package-check.sh --package FILE    check a package already built
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d /tmp/netreach-package-check.XXXXXX)
relay_pid=
cleanup() {
    if [ -n "$relay_pid" ]; then kill -KILL "$relay_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package check: $*" >&2; exit 1; }

if [ "${1:-}" = --package ] && [ -n "${2:-}" ]; then
    package=$(readlink -f "$2")  # check a package already built, e.g. the release one ops/package makes
else
    package=$(ops/package --from-debug-build --output "$work")
fi
[ -f "$package" ] || fail "ops/package made no package"
echo "package check: built $(basename "$package")"

contents=$(dpkg-deb --contents "$package" | awk '{ print $6 }')
for path in ./usr/bin/netreach-relay ./usr/bin/netreach ./usr/share/netreach/web/index.html ./usr/share/netreach/web/app.js \
            ./usr/share/netreach/web/style.css ./lib/systemd/system/netreach-relay.service ./etc/netreach/relay.conf \
            ./usr/share/doc/netreach/OPERATIONS.md ./usr/share/doc/netreach/README.md ./usr/share/doc/netreach/relay.conf.example ./usr/share/doc/netreach/nginx-netreach.conf \
            ./usr/share/man/man1/netreach-relay.1.gz ./usr/share/man/man1/netreach-relay.serve.1.gz \
            ./usr/share/man/man1/netreach.1.gz ./usr/share/man/man1/netreach.inbox.1.gz; do
    grep -qx "$path" <<<"$contents" || fail "$path is not in the package"
done
if grep -q "nacl" <<<"$contents"; then fail "the package carries a copy of tweetnacl; it must depend on node-tweetnacl"; fi
if grep -q "wordlist\|english.txt" <<<"$contents"; then fail "the package carries a word list; it must depend on python3-mnemonic"; fi
[ "$(dpkg-deb --field "$package" Package)" = netreach ] || fail "the package is not called netreach"
depends=$(dpkg-deb --field "$package" Depends)
for needed in node-tweetnacl python3-mnemonic libsodium23; do
    grep -q "$needed" <<<"$depends" || fail "Depends ($depends) lacks $needed"
done
[ "$(dpkg-deb --ctrl-tarfile "$package" | tar -xO ./conffiles)" = /etc/netreach/relay.conf ] || fail "relay.conf is not a conffile"
mkdir "$work/control"
dpkg-deb --control "$package" "$work/control"
for script in postinst prerm postrm; do
    [ -x "$work/control/$script" ] || fail "the package has no executable $script"
    sh -n "$work/control/$script" || fail "$script is not valid sh"
done
grep -q "useradd --system" "$work/control/postinst" || fail "postinst does not make the netreach user"
# (The message that tells the administrator what to run after the key ceremony is not a command.)
if grep -v '^ *echo' "$work/control/postinst" | grep -qE "systemctl (start|enable|restart|reload) "; then fail "postinst must never start the relay itself"; fi
echo "package check: contents, Depends, conffiles and maintainer scripts as expected"

root="$work/root"
dpkg -x "$package" "$root"
# The manual pages are the commands' own help: serve's names every option, down to the newest.
zcat "$root/usr/share/man/man1/netreach-relay.serve.1.gz" | grep -q -- "behind-proxy" \
    || fail "netreach-relay.serve.1 does not describe serve's options"
zcat "$root/usr/share/man/man1/netreach.canned.add.1.gz" | grep -q -- "language" \
    || fail "netreach.canned.add.1 does not describe canned add"
relay="$root/usr/bin/netreach-relay"
"$relay" demo-deployment --dir "$work/demo" >/dev/null

# The packaged configuration with only its paths and port changed; no web-dir is given, so the
# relay must find the page in ../share/netreach/web and tweetnacl and the word lists at Debian's paths.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s#^data-dir = .*#data-dir = $work/data#" -e "s#^keys = .*#keys = $work/demo/Keys#" \
    -e "s#^relay-key = .*#relay-key = $work/demo/private/relay.key#" \
    -e "s#^passphrase-file = .*#passphrase-file = $work/demo/private/demo.passphrase#" \
    -e "s#^port = .*#port = $port#" "$root/etc/netreach/relay.conf" >"$work/relay.conf"
diff <(grep -v '^#' "$root/etc/netreach/relay.conf" | grep -c =) <(grep -v '^#' "$work/relay.conf" | grep -c =) >/dev/null \
    || fail "the adjusted configuration lost a key"

# A mark in the extracted page proves the relay serves the package's copy, not the source tree's
# (these debug binaries were built from this tree and would find that too).
mark="<!-- netreach package check $$ -->"
echo "$mark" >>"$root/usr/share/netreach/web/index.html"

"$relay" check-config "$work/relay.conf" || fail "check-config refused the packaged configuration"
"$relay" serve --config "$work/relay.conf" >"$work/relay.out" 2>"$work/relay.err" &
relay_pid=$!
for _ in $(seq 1 120); do
    grep -q "listening on" "$work/relay.out" 2>/dev/null && break
    kill -0 "$relay_pid" 2>/dev/null || fail "the extracted relay stopped: $(cat "$work/relay.err")"
    sleep 0.5
done
grep -q "listening on http://127.0.0.1:$port" "$work/relay.out" || fail "the extracted relay did not start: $(cat "$work/relay.err")"

/usr/bin/python3 - "$port" "$mark" <<'EOF' || fail "the extracted relay's page or /health did not answer as expected"
import json, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
page = urllib.request.urlopen(base + "/", timeout=10)
body = page.read()
assert page.status == 200 and b"<html" in body.lower(), "the page"
assert sys.argv[2].encode() in body, "the page is not the package's copy in usr/share/netreach/web"
nacl = urllib.request.urlopen(base + "/static/nacl-fast.min.js", timeout=10).read()
assert nacl == open("/usr/share/nodejs/tweetnacl/nacl-fast.min.js", "rb").read(), "tweetnacl is not Debian's"
words = urllib.request.urlopen(base + "/static/wordlist-en.txt", timeout=10).read()
assert words == open("/usr/lib/python3/dist-packages/mnemonic/wordlist/english.txt", "rb").read(), "the word list is not Debian's"
words = urllib.request.urlopen(base + "/static/wordlist-es.txt", timeout=10).read()
assert words == open("/usr/lib/python3/dist-packages/mnemonic/wordlist/spanish.txt", "rb").read(), "the Spanish word list is not Debian's"
health = urllib.request.urlopen(base + "/health", timeout=10)
assert health.status == 200 and json.load(health)["status"] == "ok", "/health"
print("package check: the extracted relay serves the package's page, Debian's tweetnacl and word lists, and /health ok")
EOF

kill -TERM "$relay_pid"
wait "$relay_pid" || fail "the extracted relay did not stop cleanly on SIGTERM"
relay_pid=
echo "package check: passed"
