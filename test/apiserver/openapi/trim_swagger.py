#!/usr/bin/env python3
"""Writes builtin-v2.json: the part of kube-apiserver 1.20's OpenAPI v2 document that describes the
built-in kinds steward-testapi serves, for its /openapi/v2 (openapi.cpp).

    trim_swagger.py [SWAGGER_JSON] > builtin-v2.json

SWAGGER_JSON: what a running kube-apiserver 1.20.2 answers on /openapi/v2 (how builtin-v2.json was
made, so its keys come in the server's order):

    scripts/kube-apiserver run -- sh -c 'curl -sf -A steward --cacert "$STEWARD_REAL_APISERVER_DIR/pki/ca.crt" \
      -H "Authorization: Bearer $(cut -d, -f1 "$STEWARD_REAL_APISERVER_DIR/pki/tokens.csv")" \
      "$(cat "$STEWARD_REAL_APISERVER_DIR/apiserver-url")/openapi/v2"' > v2.json

Without it: api/openapi-spec/swagger.json inside the Kubernetes source package scripts/kube-apiserver
downloads (~/.cache/steward/src-VERSION/*.orig.tar.gz), which has the same definitions for these
kinds with their keys sorted.

Kept: the definitions of the kinds below and of their lists; of the paths of their resources
(and of deployments/scale), the path parameters and the PATCH operation, which is what kubectl
reads there: it looks for a PATCH of the kind with a `dryRun` parameter before a server-side dry
run (1.20) and with a `fieldValidation` parameter (1.32; 1.20 has none, so kubectl validates on
the client); and every definition these reach through $ref. One definition or path per line, so
a regenerated file diffs by entry.
"""
import glob
import json
import os
import sys
import tarfile

# (group, version, kind): registry.cpp's built-ins, plus autoscaling/v1 Scale for deployments/scale.
# A unit test checks that each kind the registry serves has its definition here.
# With the URL prefix of their resource, whose paths (item, /status, /scale) are kept.
KINDS = [
    ("", "v1", "ConfigMap", "/api/v1/namespaces/{namespace}/configmaps/"),
    ("", "v1", "Event", "/api/v1/namespaces/{namespace}/events/"),
    ("", "v1", "Namespace", "/api/v1/namespaces/{name}"),
    ("", "v1", "Secret", "/api/v1/namespaces/{namespace}/secrets/"),
    ("", "v1", "ServiceAccount", "/api/v1/namespaces/{namespace}/serviceaccounts/"),
    ("", "v1", "Service", "/api/v1/namespaces/{namespace}/services/"),
    ("apps", "v1", "Deployment", "/apis/apps/v1/namespaces/{namespace}/deployments/"),
    ("events.k8s.io", "v1", "Event", "/apis/events.k8s.io/v1/namespaces/{namespace}/events/"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "/apis/rbac.authorization.k8s.io/v1/clusterroles/"),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/"),
    ("rbac.authorization.k8s.io", "v1", "Role", "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/"),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"),
    ("coordination.k8s.io", "v1", "Lease", "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/"),
]
SUBRESOURCE_KINDS = [("autoscaling", "v1", "Scale")]
# The kinds steward-testapi serves a /status of (registry.cpp's status_subresource).
STATUS_KINDS = {"Service", "Deployment", "CustomResourceDefinition"}
# The source tree's document says "unversioned"; a running server names its version.
INFO = {"title": "Kubernetes", "version": "v1.20.2"}


def load(path):
    if path:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    cache = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    tarballs = sorted(glob.glob(os.path.join(cache, "steward", "src-*", "kubernetes_*.orig.tar.gz")))
    if not tarballs:
        sys.exit("no Kubernetes source package: run scripts/kube-apiserver build, or name a swagger.json")
    with tarfile.open(tarballs[-1]) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/api/openapi-spec/swagger.json"))
        return json.load(tar.extractfile(member))


def gvks(definition):
    return {(g.get("group", ""), g.get("version", ""), g.get("kind", ""))
            for g in definition.get("x-kubernetes-group-version-kind", [])}


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rsplit("/", 1)[-1]
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def main():
    swagger = load(sys.argv[1] if len(sys.argv) > 1 else None)
    definitions = swagger["definitions"]
    wanted = [(g, v, k) for g, v, k, _ in KINDS] + [(g, v, k + "List") for g, v, k, _ in KINDS]
    wanted += SUBRESOURCE_KINDS
    prefixes = [prefix for *_, prefix in KINDS]
    served = set(wanted)
    paths = {}
    for path, item in swagger["paths"].items():
        patch = item.get("patch")
        if not patch or not any(path.startswith(p) for p in prefixes):
            continue
        gvk = patch.get("x-kubernetes-group-version-kind", {})
        if (gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", "")) not in served:
            continue
        if path.endswith("/status") and gvk.get("kind") not in STATUS_KINDS:
            continue
        kept = {"patch": patch}
        if "parameters" in item:
            kept["parameters"] = item["parameters"]
        paths[path] = kept
    roots = []
    for gvk in wanted:
        names = [name for name, d in definitions.items() if gvk in gvks(d)]
        if len(names) != 1:
            sys.exit(f"{gvk}: {len(names)} definitions carry this kind")
        roots.append(names[0])
    keep, todo = set(), list(roots) + list(refs(paths))
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        todo.extend(refs(definitions[name]))
    out = sys.stdout
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    out.write('{"swagger":%s,"info":%s,"paths":{\n' % (json.dumps(swagger["swagger"]), json.dumps(INFO, **compact)))
    out.write(",\n".join("%s:%s" % (json.dumps(path), json.dumps(item, **compact)) for path, item in paths.items()))
    out.write('\n},"definitions":{\n')
    # The source document's order (sorted by name), as the real server serves it.
    names = [name for name in definitions if name in keep]
    for i, name in enumerate(names):
        out.write("%s:%s%s\n" % (json.dumps(name),
                                 json.dumps(definitions[name], separators=(",", ":"), ensure_ascii=False),
                                 "," if i + 1 < len(names) else ""))
    out.write('},"securityDefinitions":%s,"security":%s}\n' %
              (json.dumps(swagger["securityDefinitions"], separators=(",", ":")),
               json.dumps(swagger["security"], separators=(",", ":"))))


if __name__ == "__main__":
    main()
