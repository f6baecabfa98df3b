#!/usr/bin/python3
"""The differential suite: one scripted sequence of raw HTTP requests sent to steward-testapi and to
a real kube-apiserver, and what steward depends on in their answers compared item by item.

Usage:
  differential.py --testapi KUBECONFIG --real KUBECONFIG [--real-etcd URL] [--known FILE]
  differential.py --testapi-binary PATH [--harness scripts/kube-apiserver] [--known FILE]

Without --real it is the ctest: it exits 77 (skipped) unless STEWARD_REAL_APISERVER=1, as the other
tests of label `real` do; it starts steward-testapi itself and, when no real server is named
(STEWARD_REAL_APISERVER_KUBECONFIG), re-runs itself under `scripts/kube-apiserver run`.

What is compared, per item: the HTTP status, the media type and the body (or, for a watch, the
ordered event types and objects, bookmarks dropped), after normalising what may legitimately
differ: uids, resourceVersions, creation/deletion/transition times, managedFields times, cluster
IPs and continue tokens. They are not erased but labelled by the step that first produced them
("<rv:create ConfigMap>"), so relationships are still compared: a no-op apply must return the
version of the apply before it, a DELETED event carries the delete's version, a list's version is
"<rv:latest>" only if it is no older than every version seen before it.

Prints one line per item: `same NAME`, `known NAME: ...` (a difference listed in the allow-list)
or `DIFF NAME: ...`. Exits 1 if any difference is not listed. The allow-list is the table of known
differences in docs/testing.md (the rows between the `known-differences` markers): each row names
an item (glob), a JSON path (glob) and the reason.
"""
import argparse
import base64
import fnmatch
import http.client
import json
import os
import re
import secrets
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USER_AGENT = "steward-diff/1.0"  # an unnamed manager is named after it ("steward-diff")


# ---------------------------------------------------------------------------------------------
# Raw HTTP

class Response:
    def __init__(self, code, content_type, text):
        self.code = code
        self.content_type = content_type.split(";")[0].strip()
        self.text = text
        try:
            self.json = json.loads(text) if text else None
        except ValueError:
            self.json = None
        self.norm = None  # set by Server.request

    def view(self):
        """What is compared: status, media type, normalised body."""
        return {"code": self.code, "contentType": self.content_type,
                "body": self.norm if self.json is not None else self.text}


class Server:
    def __init__(self, name, url, token, ca_pem):
        self.name = name
        self.url = url
        self.token = token
        parsed = urllib.parse.urlsplit(url)
        self.host = parsed.hostname
        self.port = parsed.port
        self.tls = parsed.scheme == "https"
        self.ctx = None
        if self.tls:
            self.ctx = ssl.create_default_context(cadata=ca_pem)
        self.norm = Normaliser()
        self.etcd = None  # the real server's etcd client URL, for compaction

    @staticmethod
    def from_kubeconfig(name, path):
        with open(path) as f:
            cfg = yaml.safe_load(f)
        ctx_name = cfg["current-context"]
        context = next(c["context"] for c in cfg["contexts"] if c["name"] == ctx_name)
        cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in cfg["users"] if u["name"] == context["user"])
        ca = None
        if "certificate-authority-data" in cluster:
            ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        elif "certificate-authority" in cluster:
            with open(os.path.join(os.path.dirname(path), cluster["certificate-authority"])) as f:
                ca = f.read()
        return Server(name, cluster["server"], str(user["token"]), ca)

    def connect(self, timeout=30):
        if self.tls:
            return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def headers(self, content_type=None, token=True):
        h = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if token is True:
            h["Authorization"] = "Bearer " + self.token
        elif token:
            h["Authorization"] = "Bearer " + token
        if content_type:
            h["Content-Type"] = content_type
        return h

    def request(self, step, method, path, body=None, content_type="application/json", token=True):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        conn = self.connect()
        try:
            conn.request(method, path, body=body.encode() if body is not None else None,
                         headers=self.headers(content_type if body is not None else None, token))
            r = conn.getresponse()
            resp = Response(r.status, r.getheader("Content-Type", ""), r.read().decode())
        finally:
            conn.close()
        # A poll (step None) labels nothing: how many polls see an intermediate version is timing.
        resp.norm = self.norm.normalise(step, resp.json) if step is not None else resp.json
        return resp

    def watch(self, path):
        return Watch(self, path)


class Watch:
    """A watch opened now (headers received) and read to its end later."""

    def __init__(self, server, path):
        self.server = server
        self.conn = server.connect(timeout=60)
        self.conn.request("GET", path, headers=server.headers())
        self.sock = self.conn.sock  # getresponse() forgets it when the answer will close the link
        self.resp = self.conn.getresponse()
        self.code = self.resp.status
        self.content_type = self.resp.getheader("Content-Type", "").split(";")[0].strip()

    def read_all(self, step, unordered=False, quiet=2.0):
        """Every line until the server ends the stream (timeoutSeconds) or sends nothing for `quiet`
        seconds, then normalised; sorted by name when the server gives no order (the synthetic
        ADDED events of a watch from "0")."""
        lines = []
        try:
            self.sock.settimeout(quiet)
            while True:
                try:
                    line = self.resp.readline()
                except TimeoutError:
                    break
                if not line:
                    break
                if line.strip():
                    lines.append(json.loads(line))
        finally:
            self.conn.close()
        events = [e for e in lines if e.get("type") != "BOOKMARK"]
        if unordered:
            events.sort(key=lambda e: (e.get("object") or {}).get("metadata", {}).get("name", ""))
        norm = self.server.norm.normalise(step, events)
        return {"code": self.code, "contentType": self.content_type, "events": norm}


# ---------------------------------------------------------------------------------------------
# Normalising

TIME_KEYS = {"creationTimestamp", "deletionTimestamp", "lastTransitionTime", "lastHeartbeatTime"}
IP_RE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


class Normaliser:
    """Replaces server-chosen values by labels naming the step that first produced them."""

    def __init__(self):
        self.labels = {}  # (kind, value) -> label
        self.step = ""
        self.counts = {}

    def label(self, kind, value):
        key = (kind, value)
        if key not in self.labels:
            n = self.counts.get((kind, self.step), 0) + 1
            self.counts[(kind, self.step)] = n
            self.labels[key] = "<%s:%s%s>" % (kind, self.step, "" if n == 1 else "#%d" % n)
        return self.labels[key]

    def known(self, kind, value):
        return self.labels.get((kind, value))

    def normalise(self, step, value):
        self.step = step
        latest = None
        if isinstance(value, dict) and "items" in value and isinstance(value.get("metadata"), dict):
            latest = self.list_version(value["metadata"].get("resourceVersion"))
        out = self.walk(value, None, False)
        if latest:
            out["metadata"]["resourceVersion"] = latest
        return out

    def list_version(self, rv):
        """A list's resourceVersion is "<rv:latest>" when it is no older than every version seen so
        far: kube-apiserver writes on its own (its compactor, every 5 minutes), so the newest
        revision may be one of those rather than the last write of this sequence."""
        try:
            n = int(rv)
        except (TypeError, ValueError):
            return None
        seen = [int(v) for (kind, v) in self.labels if kind == "rv" and v.isdigit()]
        return "<rv:latest>" if not seen or n >= max(seen) else None

    def walk(self, v, key, in_managed):
        if isinstance(v, dict):
            return {k: self.walk(x, k, in_managed or k == "managedFields") for k, x in v.items()}
        if isinstance(v, list):
            return [self.walk(x, key, in_managed) for x in v]
        if not isinstance(v, str) or v == "":
            return v
        if key == "uid":
            return self.label("uid", v)
        if key == "resourceVersion":
            return self.label("rv", v)
        if key in TIME_KEYS or (in_managed and key == "time"):
            return "<time>"
        if key == "continue":
            return "<continue>"
        if key in ("clusterIP", "clusterIPs") and IP_RE.match(v):
            return self.label("ip", v)
        if key == "message":
            return self.message(v)
        return v

    def message(self, text):
        for (kind, value), label in self.labels.items():
            if kind == "uid":
                text = text.replace(value, label)
        m = re.match(r"^Timeout: Too large resource version: (\d+), current: (\d+)$", text)
        if m:
            return "Timeout: Too large resource version: %s, current: %s" % (
                m.group(1), self.known("rv", m.group(2)) or m.group(2))
        m = re.match(r"^too old resource version: (\d+) \((\d+)\)$", text)
        if m:
            return "too old resource version: %s (<oldest>)" % (self.known("rv", m.group(1)) or m.group(1))
        # "the ResourceVersion in the precondition (N) does not match ... in record (M)"
        return re.sub(r"\((\d+)\)", lambda g: "(%s)" % (self.known("rv", g.group(1)) or g.group(1)), text)


# ---------------------------------------------------------------------------------------------
# Comparing

def diff(a, b, path=""):
    """JSON-path-level differences: [(path, a, b)]; "<absent>" for a missing member."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a.keys()) + [k for k in b.keys() if k not in a]:
            p = "%s.%s" % (path, k)
            if k not in b:
                out.append((p, a[k], "<absent>"))
            elif k not in a:
                out.append((p, "<absent>", b[k]))
            else:
                out.extend(diff(a[k], b[k], p))
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for i in range(max(len(a), len(b))):
            p = "%s[%d]" % (path, i)
            if i >= len(b):
                out.append((p, a[i], "<absent>"))
            elif i >= len(a):
                out.append((p, "<absent>", b[i]))
            else:
                out.extend(diff(a[i], b[i], p))
        return out
    if a == b and type(a) is type(b):
        return []
    return [(path or ".", a, b)]


def short(v, limit=160):
    s = v if isinstance(v, str) and v == "<absent>" else json.dumps(v, sort_keys=True)
    return s if len(s) <= limit else s[:limit - 3] + "..."


def load_known(path):
    """Rows (item glob, path glob, reason) of the known-differences table in docs/testing.md."""
    rows = []
    if not path or not os.path.exists(path):
        return rows
    inside = False
    with open(path) as f:
        for line in f:
            if "<!-- known-differences:begin" in line:
                inside = True
                continue
            if "<!-- known-differences:end" in line:
                break
            if not inside or not line.startswith("|"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 3 or not cells[0].startswith("`"):
                continue
            rows.append({"item": cells[0].strip("`"), "path": cells[1].strip("`"),
                         "reason": cells[2], "used": False})
    return rows


class Report:
    def __init__(self, known, a_name, b_name, dump=None):
        self.known = known
        self.dump = dump
        self.a_name = a_name
        self.b_name = b_name
        self.unknown = 0
        self.items = 0
        self.known_items = 0

    def compare(self, item, a, b):
        self.items += 1
        if self.dump:
            self.dump.write(json.dumps({"item": item, self.a_name: a, self.b_name: b}, sort_keys=True) + "\n")
        diffs = diff(a, b)
        if not diffs:
            print("same  %s" % item)
            return True
        unexplained = []
        for p, x, y in diffs:
            row = next((r for r in self.known
                        if fnmatch.fnmatchcase(item, r["item"]) and fnmatch.fnmatchcase(p, r["path"])), None)
            if row:
                row["used"] = True
            else:
                unexplained.append((p, x, y))
        text = "; ".join("%s: %s=%s %s=%s" % (p, self.a_name, short(x), self.b_name, short(y))
                         for p, x, y in (unexplained or diffs))
        if unexplained:
            self.unknown += 1
            print("DIFF  %s: %s" % (item, text))
        else:
            self.known_items += 1
            print("known %s: %s" % (item, text))
        return False

    def note(self, text):
        print("note  %s" % text)


# ---------------------------------------------------------------------------------------------
# The sequence

class Both:
    """Sends each request to both servers and compares the answers."""

    def __init__(self, a, b, report):
        self.a, self.b, self.report = a, b, report

    def call(self, item, method, path, body=None, content_type="application/json", token=True, compare=True,
             view=None):
        ra = self.a.request(item, method, path, body, content_type, token)
        rb = self.b.request(item, method, path, body, content_type, token)
        if compare:
            f = view or (lambda r: r.view())
            self.report.compare(item, f(ra), f(rb))
        return ra, rb

    def each(self, fn):
        return fn(self.a), fn(self.b)


def wait_for(what, predicate, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    raise RuntimeError("timed out waiting for " + what)


def body_only(r):
    return {"code": r.code, "body": r.norm}


def items_by_name(r):
    """A list from the watch cache, which keeps objects in a hash map: its items have no order."""
    v = r.view()
    items = (v.get("body") or {}).get("items")
    if isinstance(items, list):
        items.sort(key=lambda i: i.get("metadata", {}).get("name", ""))
    return v


def unordered_causes(r):
    """A conflict's causes come from a Go map of managers on the real server: they have no order."""
    v = r.view()
    causes = ((v.get("body") or {}).get("details") or {}).get("causes")
    if isinstance(causes, list):
        causes.sort(key=lambda c: json.dumps(c, sort_keys=True))
    return v


def list_meta(r, unordered=False):
    """A list's envelope: kind, apiVersion, metadata, and the items' names and framing."""
    j = r.norm or {}
    items = j.get("items") or []
    if unordered:
        items = sorted(items, key=lambda i: i.get("metadata", {}).get("name", ""))
    return {"code": r.code, "kind": j.get("kind"), "apiVersion": j.get("apiVersion"),
            "metadata": j.get("metadata"),
            "items": [{"name": i.get("metadata", {}).get("name"), "kind": i.get("kind", "<absent>"),
                       "apiVersion": i.get("apiVersion", "<absent>")} for i in items]}


def apply_body(obj):
    return yaml.safe_dump(obj, sort_keys=False)


APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"


def run_sequence(both, report, skip_compaction_reason):
    ns = "diff-" + secrets.token_hex(3)
    group = "d%s.example.com" % secrets.token_hex(3)
    cm = "/api/v1/namespaces/%s/configmaps" % ns
    report.note("namespace %s, CRD group %s" % (ns, group))

    # -- discovery: what the test server serves, entry by entry as the real server lists it
    def served(r):
        return {e["name"]: e for e in (r.json or {}).get("resources", [])}
    groups = both.a.request("discovery /apis", "GET", "/apis").json or {}
    paths = ["/api/v1"] + ["/apis/" + v["groupVersion"] for g in groups.get("groups", []) for v in g["versions"]]
    for path in paths:
        da, db = both.call("discovery " + path, "GET", path, compare=False)
        ra, rb = served(da), served(db)
        report.compare("discovery " + path, {"code": da.code, "resources": ra},
                       {"code": db.code, "resources": {k: v for k, v in rb.items() if k in ra}})

    # -- authentication
    both.call("401 without a token", "GET", "/api/v1/namespaces", token=False)
    both.call("401 with a wrong token", "GET", "/api/v1/namespaces", token="not-the-token")

    # -- namespace: defaults
    both.call("create Namespace", "POST", "/api/v1/namespaces",
              {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"diff": "yes"}}})

    # -- the failures of the API guide, on a ConfigMap
    both.call("create ConfigMap", "POST", cm,
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labels": {"app": "x"}},
               "data": {"k": "v"}})
    both.call("409 AlreadyExists create", "POST", cm,
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}})
    both.call("404 NotFound get", "GET", cm + "/nope")
    both.call("404 NotFound delete", "DELETE", cm + "/nope")
    both.call("404 namespace missing on create", "POST", "/api/v1/namespaces/no-such-ns-%s/configmaps" % ns,
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    both.call("404 get in a missing namespace", "GET", "/api/v1/namespaces/no-such-ns-%s/configmaps/a" % ns)
    both.call("422 Invalid name", "POST", cm, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}})
    both.call("422 Invalid namespace name", "POST", "/api/v1/namespaces",
              {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bad.name"}})
    both.call("400 kind mismatch in body", "POST", cm,
              {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mismatch"}})
    ga, gb = both.call("get ConfigMap", "GET", cm + "/a")
    old_rvs = (ga.json["metadata"]["resourceVersion"], gb.json["metadata"]["resourceVersion"])

    def put(rv, value):
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "a", "labels": {"app": "x"}, "resourceVersion": rv}, "data": {"k": value}}

    ua = both.a.request("PUT ConfigMap with the current resourceVersion", "PUT", cm + "/a", put(old_rvs[0], "w"))
    ub = both.b.request("PUT ConfigMap with the current resourceVersion", "PUT", cm + "/a", put(old_rvs[1], "w"))
    report.compare("PUT ConfigMap with the current resourceVersion", ua.view(), ub.view())
    sa = both.a.request("409 Conflict stale PUT", "PUT", cm + "/a", put(old_rvs[0], "x"))
    sb = both.b.request("409 Conflict stale PUT", "PUT", cm + "/a", put(old_rvs[1], "x"))
    report.compare("409 Conflict stale PUT", sa.view(), sb.view())
    both.call("merge patch ConfigMap with a stale resourceVersion", "PATCH", cm + "/a",
              {"metadata": {"resourceVersion": "1"}, "data": {"k": "y"}}, MERGE)
    both.call("409 delete precondition uid mismatch", "DELETE", cm + "/a",
              {"kind": "DeleteOptions", "apiVersion": "v1",
               "preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}})
    da = both.a.request("409 delete precondition resourceVersion mismatch", "DELETE", cm + "/a",
                        {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"resourceVersion": old_rvs[0]}})
    db = both.b.request("409 delete precondition resourceVersion mismatch", "DELETE", cm + "/a",
                        {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"resourceVersion": old_rvs[1]}})
    report.compare("409 delete precondition resourceVersion mismatch", da.view(), db.view())
    uid_a, uid_b = ua.json["metadata"]["uid"], ub.json["metadata"]["uid"]
    da = both.a.request("delete with matching preconditions", "DELETE", cm + "/a",
                        {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid_a},
                         "propagationPolicy": "Background"})
    db = both.b.request("delete with matching preconditions", "DELETE", cm + "/a",
                        {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid_b},
                         "propagationPolicy": "Background"})
    report.compare("delete with matching preconditions", da.view(), db.view())
    both.call("404 delete again", "DELETE", cm + "/a")
    both.call("405 write to an all-namespaces path", "POST", "/api/v1/configmaps",
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": ns}})

    # -- lists: metadata and paging
    for i in range(5):
        both.call("create ConfigMap p%d" % i, "POST", cm,
                  {"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "p%d" % i, "labels": {"page": "yes", "odd": str(i % 2 == 1).lower()}},
                   "data": {"i": str(i)}}, compare=False)
    both.call("list ConfigMaps", "GET", cm)
    pa, pb = both.call("list limit=2: first page", "GET", cm + "?limit=2", view=list_meta)
    ta, tb = pa.json["metadata"].get("continue"), pb.json["metadata"].get("continue")
    page = 2
    while ta and tb:
        pa = both.a.request("list limit=2: page %d" % page, "GET", cm + "?limit=2&continue=" + urllib.parse.quote(ta))
        pb = both.b.request("list limit=2: page %d" % page, "GET", cm + "?limit=2&continue=" + urllib.parse.quote(tb))
        report.compare("list limit=2: page %d" % page, list_meta(pa), list_meta(pb))
        ta, tb = pa.json["metadata"].get("continue"), pb.json["metadata"].get("continue")
        page += 1
    if bool(ta) != bool(tb):
        report.compare("list limit=2: number of pages", {"more": bool(ta)}, {"more": bool(tb)})
    both.call("list limit=2 with a labelSelector", "GET", cm + "?limit=2&labelSelector=odd%3Dfalse", view=list_meta)
    both.call("list with a fieldSelector", "GET", cm + "?fieldSelector=metadata.name%3Dp3", view=list_meta)
    both.call("list with a set-based labelSelector", "GET", cm + "?labelSelector=odd+in+(true),page", view=list_meta)
    # The watch cache keeps objects in a hash map: a list from it (and a watch from "0") has no order.
    both.call("list resourceVersion=0 limit=2 (watch cache)", "GET", cm + "?resourceVersion=0&limit=2",
              view=lambda r: list_meta(r, unordered=True))
    both.call("400 malformed continue token", "GET", cm + "?limit=2&continue=not-a-token")
    both.call("400 malformed labelSelector", "GET", cm + "?labelSelector=a%3D%3D%3Db")
    lists_at_a_resource_version(both, report, cm)

    # -- watches: order and types of events for the same writes
    la, lb = both.call("list before the watch", "GET", cm, compare=False)
    start = (la.json["metadata"]["resourceVersion"], lb.json["metadata"]["resourceVersion"])
    # Long enough for the writes below on a slow machine; the reads stop when the streams go quiet.
    q = "?watch=1&allowWatchBookmarks=true&timeoutSeconds=60&resourceVersion="
    wa = both.a.watch(cm + q + start[0])
    wb = both.b.watch(cm + q + start[1])
    sel = "?watch=1&timeoutSeconds=60&labelSelector=stage%3Done&resourceVersion="
    swa = both.a.watch(cm + sel + start[0])
    swb = both.b.watch(cm + sel + start[1])
    writes = [
        ("watch: create w", "POST", cm, {"apiVersion": "v1", "kind": "ConfigMap",
                                         "metadata": {"name": "w", "labels": {"stage": "one"}}, "data": {"k": "1"}},
         "application/json"),
        ("watch: merge patch w", "PATCH", cm + "/w", {"data": {"k": "2"}}, MERGE),
        ("watch: patch w out of the selector", "PATCH", cm + "/w", {"metadata": {"labels": {"stage": "two"}}}, MERGE),
        ("watch: patch w back into the selector", "PATCH", cm + "/w", {"metadata": {"labels": {"stage": "one"}}}, MERGE),
        ("watch: no-op merge patch w", "PATCH", cm + "/w", {"data": {"k": "2"}}, MERGE),
        ("watch: add a finalizer to w", "PATCH", cm + "/w", {"metadata": {"finalizers": ["diff.example.com/hold"]}}, MERGE),
        ("watch: delete w (held by its finalizer)", "DELETE", cm + "/w", None, None),
        ("watch: remove the finalizer of w", "PATCH", cm + "/w", {"metadata": {"finalizers": None}}, MERGE),
        ("watch: create v", "POST", cm, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "v"}}, "application/json"),
        ("watch: delete v", "DELETE", cm + "/v", None, None),
    ]
    for item, method, path, body, ctype in writes:
        both.call(item, method, path, body, ctype or "application/json")
    # These two streams stay open (timeoutSeconds=60) and end when nothing came for `quiet`
    # seconds: 5, not 2, because on a loaded machine (CI on 2 cores) a real server's events can
    # lag the writes by more than 2 s (the suite failed once in a parallel run, output not kept).
    report.compare("watch from the list's resourceVersion: events", wa.read_all("watch events", quiet=5.0),
                   wb.read_all("watch events", quiet=5.0))
    report.compare("watch with a labelSelector: events", swa.read_all("selector watch events", quiet=5.0),
                   swb.read_all("selector watch events", quiet=5.0))
    la, lb = both.call("list after the watched writes", "GET", cm, view=list_meta)
    # A watch from "0" starts with the current state as ADDED events; one without a version too.
    r0a = both.a.watch(cm + "?watch=1&timeoutSeconds=1&resourceVersion=0")
    r0b = both.b.watch(cm + "?watch=1&timeoutSeconds=1&resourceVersion=0")
    report.compare("watch from resourceVersion=0: events", r0a.read_all("watch from 0", unordered=True),
                   r0b.read_all("watch from 0", unordered=True))
    rna = both.a.watch(cm + "?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dp1")
    rnb = both.b.watch(cm + "?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dp1")
    report.compare("watch without resourceVersion (fieldSelector): events", rna.read_all("watch without rv"),
                   rnb.read_all("watch without rv"))

    # -- server-side apply: create, no-op, conflict, force, shared ownership, removal
    dep = "/apis/apps/v1/namespaces/%s/deployments" % ns
    web = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": ns},
           "spec": {"selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{
                                     "name": "c", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
                                     "resources": {"requests": {"cpu": "0.5", "memory": "1024Mi"},
                                                   "limits": {"cpu": "1000m"}}}]}}}}
    both.call("SSA create Deployment (defaults, quantities, managedFields)", "PATCH",
              dep + "/web?fieldManager=steward&force=true", apply_body(web), APPLY)
    both.call("SSA the same again: no-op, same resourceVersion", "PATCH",
              dep + "/web?fieldManager=steward&force=true", apply_body(web), APPLY)
    both.call("merge patch replicas by another manager", "PATCH", dep + "/web?fieldManager=kubectl-edit",
              {"spec": {"replicas": 3}}, MERGE)
    web_replicas = json.loads(json.dumps(web))
    web_replicas["spec"]["replicas"] = 1
    both.call("409 SSA conflict without force", "PATCH", dep + "/web?fieldManager=steward",
              apply_body(web_replicas), APPLY)
    both.call("SSA with force takes the field", "PATCH", dep + "/web?fieldManager=steward&force=true",
              apply_body(web_replicas), APPLY)
    shared = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": ns},
              "spec": {"replicas": 1}}
    both.call("SSA same value by a second manager: shared, no conflict", "PATCH", dep + "/web?fieldManager=other",
              apply_body(shared), APPLY)
    two = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": ns},
           "spec": {"replicas": 2}}
    both.call("409 SSA different value by the second manager: two conflicts' owner", "PATCH",
              dep + "/web?fieldManager=third", apply_body(two), APPLY, view=unordered_causes)
    trimmed = json.loads(json.dumps(web_replicas))
    del trimmed["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    trimmed["metadata"]["labels"] = {"team": "a"}
    both.call("SSA dropping a field removes it; adding a label", "PATCH",
              dep + "/web?fieldManager=steward&force=true", apply_body(trimmed), APPLY)
    both.call("SSA dry run changes nothing stored", "PATCH",
              dep + "/web?fieldManager=steward&force=true&dryRun=All",
              apply_body(dict(trimmed, metadata={"name": "web", "namespace": ns, "labels": {"team": "b"}})), APPLY)
    both.call("get Deployment after the applies", "GET", dep + "/web")
    # Ignore rules (issue 18) rest on this hand-over: an Update moves a field to its manager out of
    # every other set, and an apply that then leaves the field out does not remove it.
    both.call("merge patch replicas 7 by kubectl-edit: ownership moves to it", "PATCH",
              dep + "/web?fieldManager=kubectl-edit", {"spec": {"replicas": 7}}, MERGE)
    without_replicas = json.loads(json.dumps(trimmed))
    del without_replicas["spec"]["replicas"]
    both.call("SSA leaving out a field another manager took: it stays theirs", "PATCH",
              dep + "/web?fieldManager=steward&force=true", apply_body(without_replicas), APPLY)
    both.call("400 SSA without fieldManager", "PATCH", dep + "/web", apply_body(trimmed), APPLY)
    both.call("SSA create ConfigMap", "PATCH", cm + "/applied?fieldManager=steward&force=true",
              apply_body({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied", "namespace": ns},
                          "data": {"a": "1", "b": "2"}}), APPLY)
    both.call("SSA ConfigMap dropping a key", "PATCH", cm + "/applied?fieldManager=steward&force=true",
              apply_body({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied", "namespace": ns},
                          "data": {"a": "1"}}), APPLY)
    both.call("422 SSA create with an invalid name", "PATCH", cm + "/Bad_Name?fieldManager=steward&force=true",
              apply_body({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name", "namespace": ns}}),
              APPLY)
    both.call("404 SSA create in a missing namespace", "PATCH",
              "/api/v1/namespaces/no-such-ns-%s/configmaps/x?fieldManager=steward&force=true" % ns,
              apply_body({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "no-such-ns-%s" % ns}}),
              APPLY)

    # -- defaulted and normalised fields of every built-in kind the test server serves
    both.call("create Deployment (POST)", "POST", dep,
              {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "posted"},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "posted"}},
                        "strategy": {"type": "Recreate"},
                        "template": {"metadata": {"labels": {"app": "posted"}},
                                     "spec": {"containers": [{"name": "c", "image": "busybox",
                                                              "env": [{"name": "A", "value": "1"}],
                                                              "resources": {"limits": {"memory": "0.5Gi"}}}],
                                              "initContainers": [{"name": "i", "image": "busybox:latest"}]}}}})
    pa, pb = both.call("get Deployment", "GET", dep + "/posted", compare=False)

    def bump(s, r):
        o = r.json
        o["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:1.36"
        return s.request("PUT Deployment: generation bumped", "PUT", dep + "/posted", o)
    report.compare("PUT Deployment: generation bumped", bump(both.a, pa).view(), bump(both.b, pb).view())

    def relabel(s, r):
        o = s.request("get Deployment again", "GET", dep + "/posted").json
        o["metadata"]["labels"] = {"x": "y"}
        return s.request("PUT Deployment metadata only: generation kept", "PUT", dep + "/posted", o)
    report.compare("PUT Deployment metadata only: generation kept", relabel(both.a, pa).view(),
                   relabel(both.b, pb).view())
    svc = "/api/v1/namespaces/%s/services" % ns
    both.call("create Service (POST)", "POST", svc,
              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"},
                        "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443, "targetPort": "tls"}]}})
    both.call("SSA create Service", "PATCH", svc + "/applied?fieldManager=steward&force=true",
              apply_body({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "applied", "namespace": ns},
                          "spec": {"selector": {"app": "web"}, "ports": [{"port": 8080, "protocol": "TCP"}]}}), APPLY)
    both.call("SSA Service again: no-op, cluster IP kept", "PATCH", svc + "/applied?fieldManager=steward&force=true",
              apply_body({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "applied", "namespace": ns},
                          "spec": {"selector": {"app": "web"}, "ports": [{"port": 8080, "protocol": "TCP"}]}}), APPLY)
    both.call("create headless Service", "POST", svc,
              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "headless"},
               "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 80}]}})
    both.call("create ExternalName Service", "POST", svc,
              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
               "spec": {"type": "ExternalName", "externalName": "example.com"}})
    both.call("create ConfigMap with binaryData", "POST", cm,
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bin", "annotations": {"a": "b"}},
               "data": {"k": "v"}, "binaryData": {"b": "AAEC"}})
    both.call("create Secret (stringData and data)", "POST", "/api/v1/namespaces/%s/secrets" % ns,
              {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
               "stringData": {"user": "admin"}, "data": {"pass": "c2VjcmV0"}})
    both.call("create Secret with a type", "POST", "/api/v1/namespaces/%s/secrets" % ns,
              {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls"}, "type": "kubernetes.io/tls",
               "data": {"tls.crt": "", "tls.key": ""}})
    both.call("create ServiceAccount", "POST", "/api/v1/namespaces/%s/serviceaccounts" % ns,
              {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}})
    rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/%s" % ns
    both.call("create Role", "POST", rbac + "/roles",
              {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader"},
               "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]})
    both.call("create RoleBinding: roleRef and subjects defaulted", "POST", rbac + "/rolebindings",
              {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "robot"},
               "roleRef": {"kind": "Role", "name": "reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "robot", "namespace": ns},
                            {"kind": "User", "name": "jane"}]})
    both.call("SSA RoleBinding", "PATCH", rbac + "/rolebindings/applied?fieldManager=steward&force=true",
              apply_body({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                          "metadata": {"name": "applied", "namespace": ns},
                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                      "name": "view"},
                          "subjects": [{"kind": "ServiceAccount", "name": "robot", "namespace": ns}]}), APPLY)
    leases = "/apis/coordination.k8s.io/v1/namespaces/%s/leases" % ns
    both.call("create Lease", "POST", leases,
              {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "steward"},
               "spec": {"holderIdentity": "pod-a", "leaseDurationSeconds": 15,
                        "acquireTime": "2026-11-24T00:08:29.000000Z", "renewTime": "2026-11-24T00:08:29.000000Z",
                        "leaseTransitions": 0}})
    la, lb = both.call("get Lease", "GET", leases + "/steward", compare=False)

    def renew(s, r):
        o = r.json
        o["spec"]["renewTime"] = "2026-11-24T00:08:31.123456Z"
        o["spec"]["holderIdentity"] = "pod-b"
        return s.request("renew Lease (PUT)", "PUT", leases + "/steward", o)
    report.compare("renew Lease (PUT)", renew(both.a, la).view(), renew(both.b, lb).view())
    report.compare("409 renew Lease with the old resourceVersion", renew(both.a, la).view(), renew(both.b, lb).view())
    both.call("create core Event", "POST", "/api/v1/namespaces/%s/events" % ns,
              {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1"},
               "involvedObject": {"kind": "Deployment", "namespace": ns, "name": "web", "apiVersion": "apps/v1"},
               "reason": "DriftCorrected", "message": "reverted spec.replicas", "type": "Normal",
               "source": {"component": "steward"}, "count": 1,
               "firstTimestamp": "2026-11-24T00:08:29Z", "lastTimestamp": "2026-11-24T00:08:29Z"})
    both.call("create events.k8s.io/v1 Event", "POST", "/apis/events.k8s.io/v1/namespaces/%s/events" % ns,
              {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "web.drift1"},
               "eventTime": "2026-11-24T00:08:29.000000Z", "reportingController": "steward.dev/steward",
               "reportingInstance": "pod-a", "action": "Apply", "reason": "DriftCorrected",
               "regarding": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": ns, "name": "web"},
               "note": "reverted spec.replicas", "type": "Normal"})
    events_namespace_rule(both, ns)

    # -- a CustomResourceDefinition, its status conditions, and a custom object
    crd_name = "widgets." + group
    both.call("404 custom resource before its CRD (text/plain)", "GET", "/apis/%s/v1" % group)
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": crd_name},
           "spec": {"group": group, "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                    "versions": [{"name": "v1", "served": True, "storage": True,
                                  "subresources": {"status": {}},
                                  "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                      "spec": {"type": "object", "properties": {
                                          "size": {"type": "integer"}, "color": {"type": "string"}}},
                                      "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}]}}
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    both.call("create CRD", "POST", crds, crd)

    def established(s):
        def ok():
            r = s.request(None, "GET", crds + "/" + crd_name)
            conds = (r.json or {}).get("status", {}).get("conditions") or []
            if not any(c.get("type") == "Established" and c.get("status") == "True" for c in conds):
                return False
            return s.request(None, "GET", "/apis/%s/v1/namespaces/%s/widgets" % (group, ns)).code == 200
        wait_for("CRD %s established on %s" % (crd_name, s.name), ok)
    both.each(established)
    both.call("CRD established: status conditions", "GET", crds + "/" + crd_name)
    both.call("discovery of the CRD's group version", "GET", "/apis/%s/v1" % group)
    widgets = "/apis/%s/v1/namespaces/%s/widgets" % (group, ns)
    both.call("create custom object (POST)", "POST", widgets,
              {"apiVersion": group + "/v1", "kind": "Widget", "metadata": {"name": "w0"}, "spec": {"size": 1}})
    w1 = {"apiVersion": group + "/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": ns},
          "spec": {"size": 3, "color": "blue"}}
    both.call("SSA create custom object", "PATCH", widgets + "/w1?fieldManager=steward&force=true", apply_body(w1), APPLY)
    both.call("SSA custom object again: no-op", "PATCH", widgets + "/w1?fieldManager=steward&force=true",
              apply_body(w1), APPLY)
    both.call("merge patch custom object by another manager", "PATCH", widgets + "/w1?fieldManager=kubectl-edit",
              {"spec": {"size": 4}}, MERGE)
    both.call("409 SSA conflict on a custom object", "PATCH", widgets + "/w1?fieldManager=steward",
              apply_body(w1), APPLY)
    both.call("415 strategic merge patch on a custom object", "PATCH", widgets + "/w1",
              {"spec": {"size": 5}}, "application/strategic-merge-patch+json")
    both.call("422 PUT custom object without a resourceVersion", "PUT", widgets + "/w0",
              {"apiVersion": group + "/v1", "kind": "Widget", "metadata": {"name": "w0"}, "spec": {"size": 2}})

    def put_status(s):
        o = s.request("get custom object", "GET", widgets + "/w0").json
        o["spec"] = {"size": 99}
        o["status"] = {"ready": True}
        return s.request("PUT custom object status subresource", "PUT", widgets + "/w0/status", o)
    report.compare("PUT custom object status subresource (spec ignored)", put_status(both.a).view(),
                   put_status(both.b).view())
    both.call("list custom objects", "GET", widgets + "?limit=1", view=list_meta)
    both.call("delete custom object", "DELETE", widgets + "/w0")

    # -- 410 Gone: an expired continue token and a list at a compacted version (etcd compaction)
    if skip_compaction_reason:
        report.note("not compared: etcd compaction's 410s and the watch cache after it (%s)" % skip_compaction_reason)
    else:
        pa = both.a.request("paged list before compaction", "GET", cm + "?limit=1")
        pb = both.b.request("paged list before compaction", "GET", cm + "?limit=1")
        before = (pa.json["metadata"]["resourceVersion"], pb.json["metadata"]["resourceVersion"])
        # A watch from a version before the compaction, with one change after it, to see that
        # compaction leaves the watch cache alone.
        ca, cb = both.call("create ConfigMap before compaction", "POST", cm,
                           {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "compacted"},
                            "data": {"k": "0"}})
        both.call("change ConfigMap before compaction", "PATCH", cm + "/compacted", {"data": {"k": "v"}}, MERGE)
        both.each(compact)
        report.compare(
            "410 Expired continue token after compaction",
            both.a.request("410 continue", "GET", cm + "?limit=1&continue=" + pa.json["metadata"]["continue"]).view(),
            both.b.request("410 continue", "GET", cm + "?limit=1&continue=" + pb.json["metadata"]["continue"]).view())
        report.compare(
            "410 Expired list at a compacted resourceVersion with a limit",
            both.a.request("410 list at a compacted version", "GET", cm + "?limit=2&resourceVersion=" + before[0]).view(),
            both.b.request("410 list at a compacted version", "GET", cm + "?limit=2&resourceVersion=" + before[1]).view())
        both.call("list after compaction", "GET", cm + "?limit=1", view=list_meta)
        wa = both.a.watch(cm + "?watch=1&timeoutSeconds=1&resourceVersion=" + ca.json["metadata"]["resourceVersion"])
        wb = both.b.watch(cm + "?watch=1&timeoutSeconds=1&resourceVersion=" + cb.json["metadata"]["resourceVersion"])
        report.compare("watch from a version before compaction: the watch cache still has it",
                       wa.read_all("watch after compaction"), wb.read_all("watch after compaction"))
    # The real watch cache of a resource keeps events from when it was started: for ConfigMaps on a
    # fresh server that is revision 1, so "1" is not too old there; a CRD's cache starts when the
    # CRD is established, on both servers.
    wa = both.a.watch(widgets + "?watch=1&timeoutSeconds=2&resourceVersion=1")
    wb = both.b.watch(widgets + "?watch=1&timeoutSeconds=2&resourceVersion=1")
    report.compare("410 watch from a too-old resourceVersion (ERROR event)", wa.read_all("too-old watch"),
                   wb.read_all("too-old watch"))

    # -- deletions: a CRD, a namespace
    both.call("delete CRD", "DELETE", crds + "/" + crd_name)
    both.call("delete Namespace", "DELETE", "/api/v1/namespaces/" + ns)
    both.call("get Namespace after its deletion", "GET", "/api/v1/namespaces/" + ns)


def lists_at_a_resource_version(both, report, cm):
    """Lists with a resourceVersion (cacher.go List, etcd3/store.go List): with a limit etcd reads
    exactly that revision, without one the watch cache answers with its own newer version; a
    version too new is a 504 from the cache (after 3 s on the real server) and a 500 from etcd;
    a continue token reads the first page's snapshot."""
    def rvs(ra, rb):
        return ra.json["metadata"]["resourceVersion"], rb.json["metadata"]["resourceVersion"]

    def each(item, paths, view=None):
        ra = both.a.request(item, "GET", paths[0])
        rb = both.b.request(item, "GET", paths[1])
        report.compare(item, (view or Response.view)(ra), (view or Response.view)(rb))
        return ra, rb

    def snap(name, value):
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": name, "labels": {"snap": "yes"}}, "data": {"k": value}}
    for i in range(4):
        both.call("create ConfigMap s%d" % i, "POST", cm, snap("s%d" % i, "old"))
    x = rvs(*both.call("list at a resourceVersion: the version to read", "GET", cm + "?labelSelector=snap",
                       view=list_meta))
    first = both.call("list at a resourceVersion: first page of a paged list", "GET",
                      cm + "?labelSelector=snap&limit=2")
    both.call("change s3 between the pages", "PATCH", cm + "/s3", {"data": {"k": "new"}}, MERGE)
    both.call("delete s2 between the pages", "DELETE", cm + "/s2")
    both.call("create s4 between the pages", "POST", cm, snap("s4", "new"))
    tokens = [r.json["metadata"]["continue"] for r in first]
    each("continue token: the second page shows the first page's snapshot (s2, the old s3)",
         [cm + "?labelSelector=snap&limit=2&continue=" + urllib.parse.quote(t) for t in tokens])
    each("list at an older resourceVersion with a limit: its items and version",
         [cm + "?labelSelector=snap&limit=10&resourceVersion=" + v for v in x])
    each("list at an older resourceVersion without a limit: the watch cache's current state",
         [cm + "?labelSelector=snap&resourceVersion=" + v for v in x], view=items_by_name)
    too_new = "99999999999"
    each("504 list at a resourceVersion newer than the watch cache", [cm + "?resourceVersion=" + too_new] * 2)
    each("500 list at a future revision with a limit", [cm + "?limit=2&resourceVersion=" + too_new] * 2)


def events_namespace_rule(both, ns):
    """legacyValidateEvent (pkg/apis/core/validation/events.go): an Event about a cluster-scoped
    object lives in "" or "default" without eventTime (old core Events), in kube-system with it
    (every events.k8s.io/v1 Event); one about a namespaced object in that object's namespace."""
    cluster = {"apiVersion": "v1", "kind": "Namespace", "name": ns}

    def core(name, involved):
        return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "%s.%s" % (ns, name)},
                "involvedObject": involved, "reason": "Created", "message": "m", "type": "Normal",
                "source": {"component": "steward"}, "count": 1,
                "firstTimestamp": "2026-11-24T00:08:29Z", "lastTimestamp": "2026-11-24T00:08:29Z"}

    def modern(name, regarding):
        return {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "%s.%s" % (ns, name)},
                "eventTime": "2026-11-24T00:08:29.000000Z", "reportingController": "steward.dev/steward",
                "reportingInstance": "pod-a", "action": "Apply", "reason": "Created", "regarding": regarding,
                "note": "n", "type": "Normal"}
    both.call("422 core Event about a cluster-scoped object in its namespace", "POST",
              "/api/v1/namespaces/%s/events" % ns, core("c1", cluster))
    both.call("core Event about a cluster-scoped object in default", "POST",
              "/api/v1/namespaces/default/events", core("c2", cluster))
    both.call("422 core Event about an object of another namespace", "POST", "/api/v1/namespaces/default/events",
              core("c3", {"apiVersion": "v1", "kind": "ConfigMap", "namespace": ns, "name": "a"}))
    both.call("422 events.k8s.io/v1 Event about a cluster-scoped object in default", "POST",
              "/apis/events.k8s.io/v1/namespaces/default/events", modern("m1", cluster))
    both.call("events.k8s.io/v1 Event about a cluster-scoped object in kube-system", "POST",
              "/apis/events.k8s.io/v1/namespaces/kube-system/events", modern("m2", cluster))
    # An update passes the rule too (a core v1 one: events.k8s.io/v1 also makes `regarding` immutable).
    both.call("422 core Event patched to a cluster-scoped object outside default", "PATCH",
              "/api/v1/namespaces/%s/events/web.1" % ns,
              {"involvedObject": {"namespace": None, "kind": "Namespace", "apiVersion": "v1", "name": ns}}, MERGE)
    for path in ("/api/v1/namespaces/default/events/%s.c2" % ns,
                 "/apis/events.k8s.io/v1/namespaces/kube-system/events/%s.m2" % ns):
        both.call("delete the Event " + path.rsplit("/", 1)[1], "DELETE", path, compare=False)


def compact(s):
    """steward-testapi: its compaction fault; a real server: its etcd, as the apiserver's compactor."""
    if s.etcd:
        compact_etcd(s)
        return
    r = s.request("compact", "POST", "/_testapi/faults", {"compact": True})
    if r.code != 200:
        raise RuntimeError("%s refused compaction: %s" % (s.name, r.text))


def etcd_post(url, path, body):
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port, timeout=30)
    try:
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        text = r.read().decode()
        if r.status != 200:
            raise RuntimeError("etcd %s: %d %s" % (path, r.status, text))
        return json.loads(text)
    finally:
        conn.close()


def compact_etcd(s):
    """What kube-apiserver's compactor does: bump the revision with a write of its own, then compact
    at it (steward-testapi's compaction fault takes a fresh version the same way)."""
    key = base64.b64encode(b"/steward-differential/compact").decode()
    put = etcd_post(s.etcd, "/v3/kv/put", {"key": key, "value": base64.b64encode(b"x").decode()})
    etcd_post(s.etcd, "/v3/kv/compaction", {"revision": put["header"]["revision"], "physical": True})


# ---------------------------------------------------------------------------------------------
# Running

def start_testapi(binary, tmp):
    kubeconfig = os.path.join(tmp, "testapi-kubeconfig")
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening "):
        proc.kill()
        raise RuntimeError("steward-testapi did not start: %r" % line)
    return proc, kubeconfig


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--testapi", help="kubeconfig of a running steward-testapi")
    p.add_argument("--testapi-binary", help="start this steward-testapi")
    p.add_argument("--real", help="kubeconfig of the real kube-apiserver "
                                  "(default: $STEWARD_REAL_APISERVER_KUBECONFIG)")
    p.add_argument("--real-etcd", help="the real server's etcd client URL, to compact it "
                                       "(default: etcd-url beside the real kubeconfig)")
    p.add_argument("--harness", default=os.path.join(ROOT, "scripts", "kube-apiserver"))
    p.add_argument("--dump", help="write every compared pair here, one JSON object a line")
    p.add_argument("--known", default=os.path.join(ROOT, "docs", "testing.md"),
                   help="file with the table of known differences")
    args = p.parse_args()

    if not args.real and os.environ.get("STEWARD_REAL_APISERVER") != "1":
        print("skipped: set STEWARD_REAL_APISERVER=1 to run against a real kube-apiserver")
        return 77
    real = args.real or os.environ.get("STEWARD_REAL_APISERVER_KUBECONFIG")
    if not real:
        # A real server for this run only, stopped when we are done.
        os.execv(args.harness, [args.harness, "run", "--", sys.executable] + sys.argv)

    signal.alarm(600)  # a hang is a failure, not a stuck CI run

    proc = None
    tmp = tempfile.mkdtemp(prefix="steward-diff-")
    try:
        testapi = args.testapi
        if not testapi:
            if not args.testapi_binary:
                p.error("--testapi or --testapi-binary is needed")
            proc, testapi = start_testapi(args.testapi_binary, tmp)
        a = Server.from_kubeconfig("testapi", testapi)
        b = Server.from_kubeconfig("real", real)
        etcd = args.real_etcd
        etcd_file = os.path.join(os.path.dirname(os.path.abspath(real)), "etcd-url")
        if not etcd and os.path.exists(etcd_file):
            with open(etcd_file) as f:
                etcd = f.read().strip()
        b.etcd = etcd
        # Only to check the suite itself: --testapi may name a second real server (real vs real).
        a_etcd = os.path.join(os.path.dirname(os.path.abspath(testapi)), "etcd-url")
        if args.testapi and os.path.exists(a_etcd):
            with open(a_etcd) as f:
                a.etcd = f.read().strip()
        skip = None if etcd else "no etcd URL for the real server (--real-etcd), so it cannot be compacted"

        known = load_known(args.known)
        report = Report(known, a.name, b.name, open(args.dump, "w") if args.dump else None)
        print("comparing %s (%s) with %s (%s)" % (a.name, a.url, b.name, b.url))
        run_sequence(Both(a, b, report), report, skip)
        for row in known:
            if not row["used"]:
                report.note("known difference not seen this run: %s %s" % (row["item"], row["path"]))
        print("%d items: %d same, %d known differences, %d unexplained" %
              (report.items, report.items - report.known_items - report.unknown, report.known_items, report.unknown))
        return 1 if report.unknown else 0
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=10)
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


if __name__ == "__main__":
    sys.exit(main())
