#!/usr/bin/env bash
# steward validate: good manifests pass with a summary, every error is path:line:column on stdout
# with exit 1, and a bad command line exits 2 with one line on stderr.
set -u
steward=$1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

dir=$(mktemp -d "${TMPDIR:-/tmp}/steward-validate-XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT

mkdir -p "$dir/good/apps" "$dir/broken" "$dir/clash"
cat >"$dir/good/apps/web.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
---
apiVersion: v1
kind: Service
metadata:
  name: web
EOF
cat >"$dir/good/namespace.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
EOF
cat >"$dir/broken/bad.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  key: [unclosed
EOF
cat >"$dir/clash/web.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
EOF

# A good directory: exit 0, no error lines, the summary.
out=$("$steward" validate "$dir/good"); rc=$?
[ $rc -eq 0 ] || fail "validate good exited $rc: $out"
[ "$out" = "validated objects=3 sources=1 errors=0" ] || fail "validate good printed: $out"

# Broken YAML: the file:line:column of the mistake, the summary, exit 1.
out=$("$steward" validate "$dir/good" "$dir/broken"); rc=$?
[ $rc -eq 1 ] || fail "validate broken exited $rc, want 1: $out"
echo "$out" | grep -Eq "^$dir/broken/bad\.yaml:[0-9]+:[0-9]+: YAML: " \
  || fail "validate broken does not name file:line:column: $out"
echo "$out" | tail -n 1 | grep -qx "validated objects=3 sources=2 errors=1" \
  || fail "validate broken summary: $out"

# One object in two sources is an error, as in the daemon.
out=$("$steward" validate "$dir/good" "$dir/clash"); rc=$?
[ $rc -eq 1 ] || fail "validate clash exited $rc, want 1: $out"
want="$dir/clash/web.yaml:1:1: object Service default/web is also defined by source"
echo "$out" | grep -qF "$want" || fail "validate clash: $out"

# A missing path is an error, not a crash.
out=$("$steward" validate "$dir/nope"); rc=$?
[ $rc -eq 1 ] || fail "validate missing path exited $rc, want 1: $out"

# --config: a good config loads its sources, relative to the config's folder.
cat >"$dir/steward.yaml" <<'EOF'
apiVersion: steward.dev/v1alpha1
kind: StewardConfig
sources:
  - name: apps
    path: good
EOF
out=$(cd / && "$steward" validate --config "$dir/steward.yaml"); rc=$?
[ $rc -eq 0 ] || fail "validate --config good exited $rc: $out"
[ "$out" = "validated objects=3 sources=1 errors=0" ] || fail "validate --config good printed: $out"

# --config: a bad config prints each error at its line and column and exits 1.
cat >"$dir/bad-config.yaml" <<'EOF'
apiVersion: steward.dev/v1alpha1
kind: StewardConfig
sources:
  - name: apps
    path: good
reconcile:
    worker: 8
EOF
out=$("$steward" validate --config "$dir/bad-config.yaml"); rc=$?
[ $rc -eq 1 ] || fail "validate --config bad exited $rc, want 1: $out"
want="$dir/bad-config.yaml:7:5: unknown field \"worker\" in reconcile (did you mean \"workers\"?)"
echo "$out" | grep -qxF "$want" || fail "validate --config bad: $out"
echo "$out" | tail -n 1 | grep -qx "validated objects=0 sources=0 errors=1" \
  || fail "validate --config bad summary: $out"

# --config: a good config whose source is broken.
cat >"$dir/broken-source.yaml" <<'EOF'
apiVersion: steward.dev/v1alpha1
kind: StewardConfig
sources:
  - {name: broken, path: broken}
EOF
out=$("$steward" validate --config "$dir/broken-source.yaml"); rc=$?
[ $rc -eq 1 ] || fail "validate --config broken source exited $rc, want 1: $out"
echo "$out" | grep -Eq "^$dir/broken/bad\.yaml:[0-9]+:[0-9]+: " \
  || fail "validate --config broken source: $out"

# A bad command line: exit 2 with one line on stderr.
for args in "validate" "validate --config" "validate --config $dir/steward.yaml $dir/good" \
            "validate --bogus $dir/good"; do
  # shellcheck disable=SC2086
  err=$("$steward" $args 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "'steward $args' exited $rc, want 2"
  lines=$(printf '%s\n' "$err" | grep -c .)
  [ "$lines" -eq 1 ] || fail "'steward $args' printed $lines lines on stderr, want 1: $err"
done

"$steward" --help | grep -q validate || fail "--help does not list validate"

[ $failures -eq 0 ] && echo "validate: all checks passed"
exit $((failures > 0))
