"""The auditor: every output topic read to its end, checked against what the generator said each
record must produce. Lost = an expected output that never arrived; duplicates = copies beyond the
first (the same event id again: a takedown per piece of evidence, e.g. an MD5 and a PDQ match of
one image, is two events, not a duplicate); unexpected = an output no record asked for. Latency = the output's broker append time (the
output topics use LogAppendTime) minus the input's send time (the generator stamps it)."""

import json

OUTPUT_KINDS = ("takedown", "escalation", "dead_letter")


def output_id(kind, key, value, headers):
    """(the input it answers, the event's identity)."""
    if kind == "dead_letter":
        return headers.get("firehose-id"), headers.get("firehose-id")
    try:
        event = json.loads(value)
    except ValueError:
        return None, None
    ids = event.get("content_ids", {})
    return ids.get("media_id") if kind == "takedown" else ids.get("post_id"), event.get("event_id")


def load_expected(paths):
    expected = {kind: {} for kind in OUTPUT_KINDS}
    for path in paths:
        with open(path) as lines:
            for line in lines:
                item = json.loads(line)
                expected[item["expected"]][item["id"]] = item["ts"]
    return expected


def audit(expected, outputs):
    """expected: {kind: {id: input_ts_ms}}; outputs: {kind: [(key, value, headers, ts_ms)]}."""
    report = {"kinds": {}, "latency_samples": []}
    for kind in OUTPUT_KINDS:
        seen = {}  # input id -> {event id: copies}
        unexpected = 0
        for key, value, headers, ts in outputs.get(kind, []):
            oid, event_id = output_id(kind, key, value, headers)
            if oid not in expected[kind]:
                unexpected += 1
                continue
            if oid not in seen:
                seen[oid] = {}
                report["latency_samples"].append((ts, ts - expected[kind][oid]))
            seen[oid][event_id] = seen[oid].get(event_id, 0) + 1
        report["kinds"][kind] = {
            "expected": len(expected[kind]),
            "received": sum(sum(e.values()) for e in seen.values()) + unexpected,
            "lost": len(expected[kind]) - len(seen),
            "duplicates": sum(n - 1 for e in seen.values() for n in e.values()),
            "unexpected": unexpected,
            "lost_examples": sorted(set(expected[kind]) - set(seen))[:5],
        }
    for field in ("expected", "lost", "duplicates", "unexpected"):
        report[field] = sum(k[field] for k in report["kinds"].values())
    return report


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def latency_summary(samples, since_ms=None, until_ms=None):
    """Percentiles (ms) of outputs whose input was sent in [since_ms, until_ms)."""
    values = [
        latency
        for ts, latency in samples
        if (since_ms is None or ts - latency >= since_ms) and (until_ms is None or ts - latency < until_ms)
    ]
    return {
        "count": len(values),
        "p50_ms": percentile(values, 0.50),
        "p95_ms": percentile(values, 0.95),
        "p99_ms": percentile(values, 0.99),
        "max_ms": max(values) if values else None,
    }
