#!/usr/bin/env bash
# steward diff against steward-testapi (plain HTTP, so curl can change things behind steward's
# back) or a real kube-apiserver (plain_testapi.sh): new objects, in sync after `run --once`, a field someone else changed, a value the server
# normalises, a prune candidate, the errors (bad config, broken source, unreachable server), and
# objects whose Namespace or CRD is new too.
set -u
steward=$1
testapi=$2
. "$(dirname "$0")/plain_testapi.sh" "$testapi"

api() {  # api METHOD PATH [CONTENT-TYPE BODY]
  if [ $# -gt 2 ]; then
    curl -sS -X "$1" -H "Authorization: Bearer $token" -H "Content-Type: $3" --data "$4" "$server$2"
  else
    curl -sS -X "$1" -H "Authorization: Bearer $token" "$server$2"
  fi
}
diff_run() {  # diff_run CONFIG: runs steward diff; sets rc, out (stdout) and err (stderr)
  "$steward" diff --config "$1" --kubeconfig "${2:-$dir/kubeconfig}" >"$dir/out" 2>"$dir/err"
  rc=$?
  out=$(cat "$dir/out")
  err=$(cat "$dir/err")
}
has_line() { grep -qxF -- "$1" <<<"$out"; }

mkdir -p "$dir/m"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: diff-a\ndata:\n  color: blue\n' \
  > "$dir/m/a.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: diff-b\ndata:\n  color: red\n' \
  > "$dir/m/b.yaml"
cat > "$dir/m/web.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        resources:
          requests: {cpu: "0.5", memory: 64Mi}
EOF
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: s\n  path: %s\n  prune: true\nmetrics: {bindAddress: "0"}\nhealth: {bindAddress: "0"}\n' \
  "$dir/m" > "$dir/steward.yaml"

# The command line: listed by --help, its flags by diff --help.
"$steward" --help | grep -q '^ *diff ' || fail "steward --help does not list diff"
help=$("$steward" diff --help)
for flag in --config --kubeconfig --context --in-cluster; do
  grep -q -- "$flag" <<<"$help" || fail "steward diff --help does not list $flag"
done

# (1) Nothing applied yet: every object is new, and the diff writes nothing.
diff_run "$dir/steward.yaml"
[ $rc -eq 1 ] || fail "(1) diff before any apply exited $rc, want 1: $err"
for object in v1/ConfigMap/default/diff-a v1/ConfigMap/default/diff-b \
              apps/v1/Deployment/default/web; do
  grep -A1 -xF -- '--- /dev/null' <<<"$out" | grep -qxF -- "+++ desired/$object" ||
    fail "(1) $object not shown as new: $out"
done
has_line '+  color: blue' || fail "(1) diff-a's data not shown: $out"
has_line '+    app.kubernetes.io/managed-by: steward' || fail "(1) steward's label not shown: $out"
grep -q '"kind":"Status"' <<<"$(api GET /api/v1/namespaces/default/configmaps/diff-a)" ||
  fail "(1) diff created diff-a"

# (2) After run --once: nothing would change, nothing is printed.
"$steward" run --once --config "$dir/steward.yaml" --kubeconfig "$dir/kubeconfig" \
  > "$dir/once.log" 2>&1 || fail "run --once exited $?: $(tail -n 3 "$dir/once.log")"
diff_run "$dir/steward.yaml"
[ $rc -eq 0 ] || fail "(2) diff after run --once exited $rc, want 0: $out $err"
[ -z "$out$err" ] || fail "(2) diff after run --once printed: $out $err"

# (4) The server stored cpu "0.5" as 500m: a normalised value is no change (checked just above).
api GET /apis/apps/v1/namespaces/default/deployments/web | grep -q '"cpu":"500m"' ||
  fail "(4) the server did not normalise cpu 0.5 to 500m"

# (3) Someone else changes a field steward owns: the hunk shows the old and the new value, and
# the diff's dry-run apply changes nothing.
api PATCH '/api/v1/namespaces/default/configmaps/diff-a?fieldManager=someone' \
  application/merge-patch+json '{"data":{"color":"green"}}' >/dev/null
diff_run "$dir/steward.yaml"
[ $rc -eq 1 ] || fail "(3) diff after an edit exited $rc, want 1: $err"
has_line '--- live/v1/ConfigMap/default/diff-a' || fail "(3) no --- header: $out"
has_line '+++ desired/v1/ConfigMap/default/diff-a' || fail "(3) no +++ header: $out"
grep -qx '@@ -[0-9,]* +[0-9,]* @@' <<<"$out" || fail "(3) no hunk header: $out"
has_line '-  color: green' || fail "(3) the live value is not shown: $out"
has_line '+  color: blue' || fail "(3) the desired value is not shown: $out"
grep -q 'diff-b\|Deployment' <<<"$out" && fail "(3) unchanged objects shown: $out"
api GET /api/v1/namespaces/default/configmaps/diff-a | grep -q '"color":"green"' ||
  fail "(3) the diff wrote to diff-a"

# (5) A file removed from a prune source: its object would be deleted. Objects of another source
# (or nobody's) are not candidates.
api POST /api/v1/namespaces/default/configmaps application/json \
  '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"elsewhere","labels":{"app.kubernetes.io/managed-by":"steward"},"annotations":{"steward.dev/source":"other"}}}' \
  >/dev/null
rm "$dir/m/b.yaml"
diff_run "$dir/steward.yaml"
[ $rc -eq 1 ] || fail "(5) diff with a removed file exited $rc, want 1: $err"
grep -A1 -xF -- '--- live/v1/ConfigMap/default/diff-b' <<<"$out" | grep -qxF -- '+++ /dev/null' ||
  fail "(5) diff-b not shown as removed: $out"
has_line '-  color: red' || fail "(5) the removed object's content is not shown: $out"
grep -q 'managedFields' <<<"$out" && fail "(5) managedFields shown: $out"
grep -q 'elsewhere' <<<"$out" && fail "(5) another source's object shown as a prune: $out"

# (6) Errors exit 2 with one line each on stderr, nothing on stdout: a bad config, a source that
# does not load, an unreachable server.
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: s\n  path: x\nreconcile:\n  worker: 3\n' \
  > "$dir/bad.yaml"
diff_run "$dir/bad.yaml"
[ $rc -eq 2 ] || fail "(6) bad config exited $rc, want 2"
grep -q 'bad.yaml:7:3: ' <<<"$err" || fail "(6) bad config error without its place: $err"
[ -z "$out" ] || fail "(6) bad config printed on stdout: $out"

mkdir -p "$dir/broken"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [\n' > "$dir/broken/x.yaml"
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: s\n  path: %s\n  prune: true\n' \
  "$dir/broken" > "$dir/broken.yaml"
diff_run "$dir/broken.yaml"
[ $rc -eq 2 ] || fail "(6) broken source exited $rc, want 2"
grep -q 'x.yaml:[0-9]*:[0-9]*: ' <<<"$err" || fail "(6) source error without its place: $err"
[ -z "$out" ] || fail "(6) broken source printed on stdout (prunes?): $out"

sed "s#$server#http://127.0.0.1:1#" "$dir/kubeconfig" > "$dir/unreachable"
diff_run "$dir/steward.yaml" "$dir/unreachable"
[ $rc -eq 2 ] || fail "(6) unreachable server exited $rc, want 2: $err"
[ "$(grep -c . <<<"$err")" -eq 1 ] || fail "(6) unreachable server: want one line on stderr: $err"
[ -z "$out" ] || fail "(6) unreachable server printed on stdout: $out"

# (7) A Namespace and a CRD neither server holds, and objects in and of them: all new, as any new
# object (exit 1), at once and writing nothing; a CR of a version the CRD does not serve is an
# error (exit 2), as it is for `steward run`.
planned_manifests "$dir/planned"
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- {name: planned, path: %s}\nmetrics: {bindAddress: "0"}\nhealth: {bindAddress: "0"}\n' \
  "$dir/planned" > "$dir/planned.yaml"
diff_run "$dir/planned.yaml"
[ $rc -eq 1 ] || fail "(7) diff of planned objects exited $rc, want 1: $err"
[ -z "$err" ] || fail "(7) diff of planned objects reported: $err"
for object in v1/Namespace/planned-ns v1/ConfigMap/planned-ns/planned-cm \
              apiextensions.k8s.io/v1/CustomResourceDefinition/gadgets.planned.example.com \
              planned.example.com/v1/Gadget/planned-ns/g1; do
  grep -A1 -xF -- '--- /dev/null' <<<"$out" | grep -qxF -- "+++ desired/$object" ||
    fail "(7) $object not shown as new: $out"
done
grep -q '"kind":"Status"' <<<"$(api GET /api/v1/namespaces/planned-ns)" ||
  fail "(7) diff created Namespace planned-ns"
planned_manifests "$dir/planned" v0
diff_run "$dir/planned.yaml"
[ $rc -eq 2 ] || fail "(7) diff of a CR of a version not served exited $rc, want 2: $out"
grep -qF 'steward: planned.example.com/Gadget planned-ns/g1: '"$dir"'/planned/gadget.yaml:1:1: no matches for kind "Gadget" in version "planned.example.com/v0": CustomResourceDefinition gadgets.planned.example.com in the desired state does not serve version "v0"' <<<"$err" ||
  fail "(7) diff did not name the version not served: $err"

[ $failures -eq 0 ] && echo "all passed"
exit $failures
