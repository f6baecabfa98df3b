#!/usr/bin/env python3
"""The PrometheusRule manifest holds exactly the groups of the plain rules file.

Usage: rules_agree.py PROMETHEUS-RULE.yaml RULES.yaml
Compares the parsed groups (names, rules, expressions, labels, annotations), not the text, and
checks the manifest's kind and apiVersion. Exits 1 with the first difference.
"""
import sys

import yaml


def main():
    manifest = yaml.safe_load(open(sys.argv[1]))
    plain = yaml.safe_load(open(sys.argv[2]))
    if (manifest.get("apiVersion"), manifest.get("kind")) != ("monitoring.coreos.com/v1",
                                                             "PrometheusRule"):
        print(f"FAIL: {sys.argv[1]} is not a monitoring.coreos.com/v1 PrometheusRule")
        return 1
    ours = manifest.get("spec", {}).get("groups")
    theirs = plain.get("groups")
    if ours == theirs:
        print(f"the PrometheusRule and the rules file hold the same {len(ours)} groups")
        return 0
    names = lambda groups: [(g["name"], [r.get("alert", r.get("record")) for r in g["rules"]])
                            for g in groups or []]
    print(f"FAIL: the groups differ. PrometheusRule: {names(ours)}; rules file: {names(theirs)}")
    for a, b in zip(ours or [], theirs or []):
        for ra, rb in zip(a["rules"], b["rules"]):
            if ra != rb:
                print(f"first differing rule: PrometheusRule {ra} / rules file {rb}")
                return 1
    return 1


if __name__ == "__main__":
    sys.exit(main())
