#!/usr/bin/env python3
"""gen-plans-configmap.py: the plans of plans/ as two Kubernetes ConfigMaps, for deploy/kubernetes.

    python3 scripts/gen-plans-configmap.py > deploy/kubernetes/plans-configmap.yaml

(`make deploy-configmap` does this.) A ConfigMap key cannot hold a slash, so
the plans of plans/ go into flowrun-plans and those of plans/common/ (which the
others extend) into flowrun-plans-common; the generator and merge Jobs mount
them at /opt/flowrun/plans and /opt/flowrun/plans/common, the paths the image
has them at, so `extends: common/flowforge.yaml` and the proxies file
(../../toxiproxy/config.json, in the image) resolve as in the repository.
tests/e2e/kubernetes.sh checks that the file is what this script writes.
"""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def config_map(name, directory, comment):
    """One ConfigMap of the *.yaml files of DIRECTORY, as YAML text."""
    out = [f"# {comment}", "apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}",
           "  namespace: flowrun", "  labels:", "    app.kubernetes.io/name: flowrun",
           "    app.kubernetes.io/component: plans", "data:"]
    for f in sorted(os.listdir(directory)):
        path = os.path.join(directory, f)
        if not f.endswith(".yaml") or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        out.append(f"  {f}: |")
        out.extend(("    " + line) if line else "" for line in text.rstrip("\n").split("\n"))
    return "\n".join(out) + "\n"


def main():
    plans = os.path.join(ROOT, "plans")
    sys.stdout.write("# deploy/kubernetes/plans-configmap.yaml: generated from plans/ by scripts/gen-plans-configmap.py\n"
                     "# (make deploy-configmap); do not edit.\n---\n")
    sys.stdout.write(config_map("flowrun-plans", plans, "the plans, mounted at /opt/flowrun/plans"))
    sys.stdout.write("---\n")
    sys.stdout.write(config_map("flowrun-plans-common", os.path.join(plans, "common"),
                                "what the plans extend, mounted at /opt/flowrun/plans/common"))


if __name__ == "__main__":
    main()
