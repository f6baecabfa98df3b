#!/usr/bin/env python3
"""Every metric deploy/monitoring's dashboard and alerts name is one steward exports.

Usage: promql_names.py SCRAPE DASHBOARD.json RULES.yaml
SCRAPE is a /metrics exposition of a running steward; what it exports is its `# TYPE` families (a
histogram's NAME_bucket, NAME_sum and NAME_count, a summary's NAME_sum and NAME_count). Besides
those, `up` only: Prometheus makes it for every target. Prints each name that is not exported with
where it is used, and exits 1 if there is one (or if an expression names no metric at all: then
this script no longer understands the queries it checks). The dashboard must also stay importable
as is: every query's data source is the `datasource` variable, not a UID of one Grafana.
"""
import json
import re
import sys

import yaml

# PromQL words that look like metric names: operators, modifiers and literals.
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "atan2", "inf", "nan", "Inf", "NaN"}
MADE_BY_PROMETHEUS = {"up"}


def exported(scrape_text):
    names = set()
    for line in scrape_text.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if not m:
            continue
        name, kind = m.groups()
        names.add(name)
        if kind == "histogram":
            names.update({name + "_bucket", name + "_sum", name + "_count"})
        elif kind == "summary":
            names.update({name + "_sum", name + "_count"})
    return names


def metric_names(expr):
    """The metric names an expression selects: a lexical reading, enough for our own queries."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)        # string literals
    e = re.sub(r"\{[^}]*\}", " ", e)                     # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)                    # ranges and subqueries
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        before = e[m.start() - 1] if m.start() > 0 else " "
        if before in "$." or before.isdigit():            # Grafana variables, 1e3, 5m
            continue
        if e[m.end():].lstrip().startswith("("):         # a function call
            continue
        if m.group(0) not in KEYWORDS:
            names.add(m.group(0))
    return names


def dashboard_exprs(dashboard):
    def walk(panels):
        for panel in panels:
            for target in panel.get("targets", []):
                for ref in (panel.get("datasource"), target.get("datasource")):
                    if ref != {"type": "prometheus", "uid": "${datasource}"}:
                        yield "panel " + repr(panel.get("title")), f"<data source {ref}>"
                if target.get("expr"):
                    yield "panel " + repr(panel.get("title")), target["expr"]
            yield from walk(panel.get("panels", []))
    yield from walk(dashboard.get("panels", []))
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\)\s*", query)
        yield "variable " + var["name"], m.group(1) if m else query


def rule_exprs(rules):
    for group in rules["groups"]:
        for rule in group["rules"]:
            yield "rule " + rule.get("alert", rule.get("record", "?")), rule["expr"]


def main():
    scrape, dashboard, rules = sys.argv[1:4]
    have = exported(open(scrape).read()) | MADE_BY_PROMETHEUS
    uses = list(dashboard_exprs(json.load(open(dashboard)))) + \
        list(rule_exprs(yaml.safe_load(open(rules))))
    missing = {}
    bad = 0
    for where, expr in uses:
        if expr.startswith("<data source"):
            print(f"FAIL: {where}: {expr[1:-1]}, not the variable ${{datasource}}")
            bad += 1
            continue
        names = metric_names(expr)
        if not names:
            print(f"FAIL: {where}: no metric name found in {expr!r}")
            bad += 1
        for name in names - have:
            missing.setdefault(name, []).append(where)
    for name, wheres in sorted(missing.items()):
        print(f"FAIL: {name} is not in steward's /metrics; used by {', '.join(wheres)}")
    print(f"{len(uses)} expressions checked against {len(have)} exported names")
    return 1 if missing or bad else 0


if __name__ == "__main__":
    sys.exit(main())
