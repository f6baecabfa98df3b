#!/usr/bin/env bash
# steward check against steward-testapi: success, warning= lines, and one clear line for config,
# TLS, auth and network failures.
set -u
# Proxy variables of whoever runs this would add warning= lines; the warnings are tested below.
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy
steward=$1
testapi=$2
dir=$(mktemp -d)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

start_server() {  # $1: name; prints the URL
  local out=$dir/$1.out
  "$testapi" --listen 127.0.0.1:0 --kubeconfig-out "$dir/$1.kubeconfig" >"$out" 2>"$dir/$1.log" &
  echo $! >"$dir/$1.pid"
  for _ in $(seq 1 600); do  # up to 60 s: a sanitizer build starts slowly
    if grep -q '^listening ' "$out" 2>/dev/null; then sed -n 's/^listening //p' "$out"; return 0; fi
    sleep 0.1
  done
  return 1
}
cleanup() {
  for pid in "$dir"/*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

url=$(start_server a) || { echo "FAIL: steward-testapi did not start"; exit 1; }
start_server b >/dev/null || { echo "FAIL: second steward-testapi did not start"; exit 1; }

out=$("$steward" check --kubeconfig "$dir/a.kubeconfig"); rc=$?
[ $rc -eq 0 ] || fail "check exited $rc: $out"
echo "$out" | grep -q '^server_version=v1\.' || fail "no server_version: $out"
echo "$out" | grep -Eq '^resources=[1-9][0-9]*$' || fail "no resources count: $out"
echo "$out" | grep -q '^identity=token$' || fail "identity not token: $out"
echo "$out" | grep -q "^server=$url$" || fail "server not $url: $out"

# identity=certificate (issue #4's word): a client certificate ranks before the token. This server
# does not ask for one, so the token beside it still authenticates.
if openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=steward \
     -keyout "$dir/client.key" -out "$dir/client.crt" 2>/dev/null; then
  awk -v cert="$(base64 -w0 "$dir/client.crt")" -v key="$(base64 -w0 "$dir/client.key")" \
    '{ print } /^  user:$/ { print "    client-certificate-data: " cert; print "    client-key-data: " key }' \
    "$dir/a.kubeconfig" >"$dir/cert.kubeconfig"
  out=$("$steward" check --kubeconfig "$dir/cert.kubeconfig"); rc=$?
  [ $rc -eq 0 ] || fail "check with a client certificate exited $rc: $out"
  echo "$out" | grep -q '^identity=certificate$' || fail "identity not certificate: $out"
else
  fail "openssl could not make a client certificate"
fi

# warning= lines (issue #22): exit code unchanged, the token never printed.
[ "$(echo "$out" | grep -c '^warning=')" -eq 0 ] || fail "warnings for a checked https server: $out"
sed -e "s|certificate-authority-data: .*|insecure-skip-tls-verify: true|" "$dir/a.kubeconfig" >"$dir/insecure.kubeconfig"
out=$("$steward" check --kubeconfig "$dir/insecure.kubeconfig"); rc=$?
[ $rc -eq 0 ] || fail "insecure check exited $rc: $out"
echo "$out" | grep -q "^warning=insecure-skip-tls-verify: the server's certificate is not checked" ||
  fail "no insecure-skip-tls-verify warning: $out"
out=$(HTTPS_PROXY=http://user:pa55@127.0.0.1:9 "$steward" check --kubeconfig "$dir/a.kubeconfig"); rc=$?
[ $rc -eq 0 ] || fail "check with HTTPS_PROXY exited $rc: $out"
echo "$out" | grep -q '^warning=HTTPS_PROXY is set but steward ignores it' || fail "no proxy warning: $out"
echo "$out" | grep -q 'pa55' && fail "proxy password printed: $out"

# Each failure: exit 1 and exactly one line naming the kind (no warnings in these kubeconfigs).
expect_failure() {  # $1: kind, $2: kubeconfig
  local out rc
  out=$("$steward" check --kubeconfig "$2" 2>&1); rc=$?
  [ $rc -eq 1 ] || fail "$1: exit $rc, want 1: $out"
  [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] || fail "$1: not one line: $out"
  echo "$out" | grep -q "^check failed: $1: " || fail "$1: wrong line: $out"
}
# tls: a's address with b's CA.
ca_b=$(grep 'certificate-authority-data' "$dir/b.kubeconfig" | awk '{print $2}')
sed "s|certificate-authority-data: .*|certificate-authority-data: $ca_b|" "$dir/a.kubeconfig" >"$dir/tls.kubeconfig"
expect_failure tls "$dir/tls.kubeconfig"
# auth: a wrong token.
sed "s|token: .*|token: wrong-token|" "$dir/a.kubeconfig" >"$dir/auth.kubeconfig"
expect_failure auth "$dir/auth.kubeconfig"
# network: a port nobody listens on (b, once stopped).
port_b=$(sed -n 's|.*server: https://127.0.0.1:\([0-9]*\).*|\1|p' "$dir/b.kubeconfig")
kill "$(cat "$dir/b.pid")"; rm -f "$dir/b.pid"; wait 2>/dev/null
sed "s|127.0.0.1:[0-9]*|127.0.0.1:$port_b|" "$dir/a.kubeconfig" >"$dir/net.kubeconfig"
expect_failure network "$dir/net.kubeconfig"
# a warning comes before the failure it may explain.
out=$(HTTPS_PROXY=http://127.0.0.1:9 "$steward" check --kubeconfig "$dir/net.kubeconfig" 2>&1)
[ "$(printf '%s\n' "$out" | sed -n 1p | cut -c1-20)" = "warning=HTTPS_PROXY " ] &&
  [ "$(printf '%s\n' "$out" | sed -n 2p | cut -c1-23)" = "check failed: network: " ] ||
  fail "network failure with a warning: $out"
# config: proxy-url is refused, naming the cluster.
sed "s|^    server: .*|&\n    proxy-url: http://127.0.0.1:9|" "$dir/a.kubeconfig" >"$dir/proxy.kubeconfig"
expect_failure config "$dir/proxy.kubeconfig"
"$steward" check --kubeconfig "$dir/proxy.kubeconfig" | grep -q 'proxy-url: proxy-url is not supported; cluster "' ||
  fail "proxy-url not refused: $(cat "$dir/proxy.kubeconfig")"
# config: a file that is not there.
expect_failure config "$dir/missing.kubeconfig"

[ $failures -eq 0 ] && echo "check: all checks passed"
exit $((failures > 0))
