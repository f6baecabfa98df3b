#!/usr/bin/python3
"""Checks a `steward run` log (JSON, debug level) against what reached the server.

Usage: audit_check.py STEWARD-LOG TESTAPI-OUTPUT [VERB...]
TESTAPI-OUTPUT is steward-testapi's stdout with --log-writes ("write METHOD STATUS TARGET UA").

- every line is JSON with a non-empty `logger`;
- every write steward sent (user agent "steward") has exactly one audit line and every audit line
  one write: the multisets of (method, status, resource, namespace, name) are equal (a POST's name
  is not in its path, so creates compare without it);
- every audit line has the documented fields in order;
- every `reconcile` line carries resource, namespace, name and reconcileID, and each audit line of
  a reconcile shares its reconcileID with that reconcile's outcome line;
- each VERB given (apply, create, update, delete, patch) was audited at least once.
Prints what differs and exits 1, or prints a summary and exits 0.
"""
import collections
import json
import sys
import urllib.parse

AUDIT_FIELDS = ["ts", "level", "logger", "msg", "verb", "action", "resource", "namespace", "name",
                "dryRun", "code", "result"]
RECONCILE_FIELDS = ["resource", "namespace", "name", "reconcileID"]
METHODS = {"apply": "PATCH", "patch": "PATCH", "create": "POST", "update": "PUT",
           "delete": "DELETE"}
OUTCOMES = {"created", "corrected", "pruned", "waiting", "reconcile failed",
            "reconcile failed; retrying"}

failures = []


def fail(message):
    failures.append(message)


def target_key(method, target):
    """(resource, namespace, name) from an API path, as audit lines name them."""
    path = urllib.parse.urlsplit(target).path.strip("/").split("/")
    if path[0] == "api":  # api/v1/...
        group, rest = "", path[2:]
    else:  # apis/GROUP/VERSION/...
        group, rest = path[1], path[3:]
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 2:
        namespace, rest = rest[1], rest[2:]
    resource = rest[0] + ("." + group if group else "")
    name = rest[1] if len(rest) > 1 else ""
    return resource, namespace, name


def main():
    log_path, server_path, verbs = sys.argv[1], sys.argv[2], sys.argv[3:]
    lines = []
    with open(log_path) as log:
        for number, text in enumerate(log, 1):
            try:
                line = json.loads(text)
            except ValueError:
                fail(f"{log_path}:{number}: not JSON: {text.strip()}")
                continue
            if not line.get("logger"):
                fail(f"{log_path}:{number}: no logger: {text.strip()}")
            lines.append((number, line))

    audits = [(n, l) for n, l in lines if l.get("msg") == "audit"]
    for number, line in audits:
        keys = list(line)
        if keys != AUDIT_FIELDS and keys != AUDIT_FIELDS + ["reconcileID"]:
            fail(f"{log_path}:{number}: audit fields {keys}")

    # Reconcile lines: the four fields on each, and an audit's ID on its reconcile's outcome line.
    outcome_ids = set()
    for number, line in lines:
        if line.get("logger") != "reconcile":
            continue
        missing = [f for f in RECONCILE_FIELDS if f not in line or
                   (f != "namespace" and not line[f])]
        if missing:
            fail(f"{log_path}:{number}: reconcile line without {missing}: {line}")
        if line.get("msg") in OUTCOMES:
            outcome_ids.add(line.get("reconcileID"))
    reconcile_audits = [l for _, l in audits if l.get("logger") == "reconcile"]
    for line in reconcile_audits:
        if line.get("reconcileID") not in outcome_ids:
            fail(f"audit line without an outcome line of its reconcile: {line}")
    ids = [l.get("reconcileID") for l in reconcile_audits]
    if len(set(ids)) != len(ids):
        fail(f"a reconcileID on more than one write: {ids}")

    written = collections.Counter()
    with open(server_path) as server:
        for text in server:
            parts = text.split(" ", 4)
            if parts[0] != "write" or len(parts) < 5 or not parts[4].startswith("steward"):
                continue
            method, status, target = parts[1], parts[2], parts[3]
            resource, namespace, name = target_key(method, target)
            written[(method, status, resource, namespace, "" if method == "POST" else name)] += 1
    audited = collections.Counter()
    for _, line in audits:
        method = METHODS.get(line["verb"], "?" + line["verb"])
        audited[(method, line["code"], line["resource"], line["namespace"],
                 "" if method == "POST" else line["name"])] += 1
    if written != audited:
        fail(f"server writes without their audit line: {dict(written - audited)}")
        fail(f"audit lines without their server write: {dict(audited - written)}")
    if not written:
        fail("steward wrote nothing")

    seen_verbs = {l["verb"] for _, l in audits}
    for verb in verbs:
        if verb not in seen_verbs:
            fail(f"no {verb} audited (audited: {sorted(seen_verbs)})")

    for message in failures:
        print("FAIL (audit):", message)
    if failures:
        return 1
    print(f"audit: {sum(written.values())} writes, {len(audits)} audit lines, "
          f"{len(outcome_ids)} reconciles with outcome lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
