# Sourced by plain_testapi.sh in place of starting steward-testapi when
# STEWARD_REAL_APISERVER_KUBECONFIG names a real kube-apiserver (test/real/against_real.sh starts
# one per test through scripts/kube-apiserver). The same interface: $server, $token and
# $dir/kubeconfig are that server's. A curl config ($CURL_HOME/.curlrc) lets the scripts call curl
# exactly as they do over plain HTTP:
#  - the server's URL is https with a CA of its own, which curl is told to trust;
#  - kube-apiserver indents JSON for a User-Agent starting "curl" (isPrettyPrint in
#    k8s.io/apiserver/pkg/endpoints/handlers/negotiation), and the scripts grep compact JSON
#    ("color":"blue"), so curl names itself otherwise, as steward does not look like curl either.
# Reads the kubeconfig as scripts/kube-apiserver writes it (one cluster with inline CA data, one
# token user).
cp "$STEWARD_REAL_APISERVER_KUBECONFIG" "$dir/kubeconfig"
server=$(sed -n 's/^ *server: //p' "$dir/kubeconfig" | head -n 1)
token=$(sed -n 's/^ *token: //p' "$dir/kubeconfig" | head -n 1)
sed -n 's/^ *certificate-authority-data: //p' "$dir/kubeconfig" | head -n 1 | base64 -d >"$dir/ca.pem"
[ -n "$server" ] && [ -n "$token" ] && [ -s "$dir/ca.pem" ] ||
  { echo "FAIL: no server, token or CA in $STEWARD_REAL_APISERVER_KUBECONFIG"; exit 1; }
printf 'cacert = "%s"\nuser-agent = "steward-cli-test"\n' "$dir/ca.pem" >"$dir/.curlrc"
export CURL_HOME=$dir
