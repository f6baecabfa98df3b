#!/usr/bin/python3
"""steward-testapi checked with a client nobody here wrote: Debian's python3-kubernetes (22.6).

Over TLS with the kubeconfig the server writes: create, list, a watch that replays history and
receives a bookmark, a second watch that resumes from that bookmark's resourceVersion (and sees
only what came after it), and a watch from a version older than the history window, which must
answer 410 Expired. The python client does not resume from bookmarks by itself (its watch.py
skips BOOKMARK events when tracking resource_version), so the test resumes explicitly, as
client-go's reflector does.

Usage: python_client_test.py PATH-TO-steward-testapi
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

HISTORY = 5  # events the server keeps per resource (--watch-history)
OTHERS = 2 * HISTORY  # writes elsewhere that push the first object's version out of it

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def config_map(name):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data={"a": "1"})


def main():
    signal.alarm(120)  # the whole test; a hang is a failure, not a stuck CI run
    tmp = tempfile.mkdtemp()
    kubeconfig = os.path.join(tmp, "kubeconfig")
    server = subprocess.Popen(
        [sys.argv[1], "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig,
         "--bookmark-interval", "1", "--watch-history", str(HISTORY)],
        stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("listening https://"):
            print("FAIL: steward-testapi did not start: %r" % line)
            return 1
        v1 = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
        for ns in ("py", "other"):
            v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
        start_rv = v1.list_namespaced_config_map("py").metadata.resource_version
        first = v1.create_namespaced_config_map("py", config_map("a"))
        check(first.metadata.resource_version != start_rv, "a create did not change the version")

        # 1. From the list's version: the create is replayed, then writes elsewhere (not this
        # watch's namespace), then a bookmark at the server's current version.
        bookmark_rv = None
        current_rv = None
        seen = []
        w = watch.Watch()
        for event in w.stream(v1.list_namespaced_config_map, "py", resource_version=start_rv,
                              allow_watch_bookmarks=True, timeout_seconds=30):
            raw = event["raw_object"]
            if event["type"] == "BOOKMARK":
                check(set(raw.keys()) == {"kind", "apiVersion", "metadata"},
                      "bookmark has more than kind, apiVersion, metadata: %s" % raw)
                if current_rv is not None and raw["metadata"]["resourceVersion"] == current_rv:
                    bookmark_rv = current_rv
                    w.stop()
                continue
            seen.append((event["type"], raw["metadata"]["name"]))
            if raw["metadata"]["name"] == "a" and current_rv is None:
                for i in range(OTHERS):
                    v1.create_namespaced_config_map("other", config_map("o%d" % i))
                current_rv = v1.list_config_map_for_all_namespaces().metadata.resource_version
        check(seen == [("ADDED", "a")], "first watch saw %s, want [ADDED a]" % seen)
        check(bookmark_rv is not None, "no bookmark at the current version within 30 s")
        if bookmark_rv is None:
            return 1

        # 2. Resumed from the bookmark: only what came after it.
        v1.create_namespaced_config_map("py", config_map("b"))
        seen = []
        w = watch.Watch()
        for event in w.stream(v1.list_namespaced_config_map, "py", resource_version=bookmark_rv,
                              allow_watch_bookmarks=True, timeout_seconds=30):
            if event["type"] == "BOOKMARK":
                continue
            seen.append((event["type"], event["raw_object"]["metadata"]["name"]))
            w.stop()
        check(seen == [("ADDED", "b")], "watch from the bookmark saw %s, want [ADDED b]" % seen)

        # 3. The first object's version has left the history window: 410 Expired.
        try:
            for event in watch.Watch().stream(v1.list_namespaced_config_map, "py",
                                              resource_version=first.metadata.resource_version,
                                              timeout_seconds=30):
                check(False, "watch from an expired version delivered %s" % event["type"])
                break
        except ApiException as e:
            check(e.status == 410 and "Expired" in str(e.reason),
                  "expired watch: %s %s, want 410 Expired" % (e.status, e.reason))
        else:
            check(False, "watch from an expired version did not answer 410")
    finally:
        server.send_signal(signal.SIGTERM)
        rc = server.wait(timeout=20)
        check(rc == 0, "steward-testapi exited %s after SIGTERM" % rc)
        shutil.rmtree(tmp, ignore_errors=True)
    if not failures:
        print("python client: all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
