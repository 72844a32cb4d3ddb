#!/usr/bin/env python3
"""resplit.py: cut one recorded flowrun result into N shard results (for tests/e2e/merge.sh).

    resplit.py RESULT.json N PREFIX [SEED]

writes PREFIX-0.json … PREFIX-(N-1).json: the results N shards of the same run
could have written. Every counter is split into N random parts that add up to
it, and every raw histogram bucket's count likewise; each part's histogram
keeps a min, max and sum that are consistent with its buckets and add back to
the original's (the part holding the original's lowest bucket carries its
exact min, the part holding its highest bucket its exact max, and the sums
are split in proportion to the counts). Only shard 0 keeps the fault records,
as only shard 0 drives faults. Merging the parts must give back the original
exactly.
"""
import copy
import json
import random
import sys


def parts(total, n, rng):
    """TOTAL split into N random non-negative integers that add up to it."""
    if total == 0:
        return [0] * n
    cuts = sorted(rng.randint(0, total) for _ in range(n - 1))
    edges = [0] + cuts + [total]
    return [edges[i + 1] - edges[i] for i in range(n)]


def split_counts(obj, n, rng):
    """A {name: count} object split into N objects (zero counts left out)."""
    out = [{} for _ in range(n)]
    for name, count in obj.items():
        for k, c in enumerate(parts(count, n, rng)):
            if c:
                out[k][name] = c
    return out


def split_hist(raw, n, rng):
    """A raw histogram split into N (None where a part is empty)."""
    buckets = [[] for _ in range(n)]
    for low, high, count in raw["buckets"]:
        for k, c in enumerate(parts(count, n, rng)):
            if c:
                buckets[k].append([low, high, c])
    first, last = raw["buckets"][0], raw["buckets"][-1]
    counts = [sum(b[2] for b in bs) for bs in buckets]
    out = [None] * n
    sums = [raw["sum"] * c // raw["count"] for c in counts]
    owner = max(k for k in range(n) if counts[k])
    sums[owner] += raw["sum"] - sum(sums)
    for k, bs in enumerate(buckets):
        if not bs:
            continue
        lo = raw["min"] if bs[0][0] == first[0] else bs[0][0]
        hi = raw["max"] if bs[-1][0] == last[0] else bs[-1][1]
        out[k] = {"count": counts[k], "min": lo, "max": hi, "sum": sums[k], "buckets": bs}
    return out


def split_cell(cell, n, rng):
    """One raw (key, segment) cell split into N (None where a part is empty)."""
    out = [{"segment": cell["segment"]} for _ in range(n)]
    for name in ("outcomes", "ws"):
        for k, part in enumerate(split_counts(cell[name], n, rng)):
            out[k][name] = part
    for name in ("late", "missed"):
        for k, c in enumerate(parts(cell[name], n, rng)):
            out[k][name] = c
    for name in ("latency", "service", "delivery", "connect"):
        if name in cell:
            for k, h in enumerate(split_hist(cell[name], n, rng)):
                if h:
                    out[k][name] = h
    return out


def main():
    src, n, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    doc = json.load(open(src))
    shards = [copy.deepcopy(doc) for _ in range(n)]
    for k, s in enumerate(shards):
        s["shard"] = {"index": k, "count": n, "seed": k + 1, "start_at_unix_us": doc["started_unix_us"],
                      "start_skew_us": 0, "late": False, "cpu_s": 0.0, "clock_offset_us": None,
                      "clock_error_us": None, "clock_ref": None}
        s["faults"] = doc["faults"] if k == 0 else []
        for key in s["keys"]:
            key["segments"] = []
        for sc in s.get("load", []):
            sc["segments"] = []
    for i, key in enumerate(doc["keys"]):
        for cell in key["segments"]:
            for k, part in enumerate(split_cell(cell, n, rng)):
                shards[k]["keys"][i]["segments"].append(part)
    for i, sc in enumerate(doc.get("load", [])):
        for seg, active in sc["segments"]:
            for k, a in enumerate(parts(active, n, rng)):
                if a:
                    shards[k]["load"][i]["segments"].append([seg, a])
    sched = doc["scheduler"]
    for name in ("planned", "sent"):
        for k, c in enumerate(parts(sched[name], n, rng)):
            shards[k]["scheduler"][name] = c
    lags = split_hist(sched["lag_raw"], n, rng) if sched["lag_raw"] else [None] * n
    for k, lag in enumerate(lags):
        shards[k]["scheduler"]["lag_raw"] = lag
    for k, s in enumerate(shards):
        with open(f"{prefix}-{k}.json", "w") as f:
            json.dump(s, f)


if __name__ == "__main__":
    main()
