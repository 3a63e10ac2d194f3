"""Regression test of the text-risk lexicons and scoring on the labelled corpus.

Runs `modstream text-risk --eval FILE --json` on corpus.jsonl and holdout.jsonl and checks each
category's precision and recall against the floors in expected.json, that obfuscated variants are
judged like their plain forms, and the issue's targets on both files together.

Usage: check_corpus.py MODSTREAM_BINARY
Prints 'N passed, N failed' and exits non-zero on any failure.
"""
import json
import pathlib
import subprocess
import sys

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "support"))
from checks import Checks  # noqa: E402

binary = sys.argv[1]
expected = json.loads((here / "expected.json").read_text())
checks = Checks()
check = checks.check

totals = {}
messages = 0
for name in ("corpus.jsonl", "holdout.jsonl"):
    run = subprocess.run([binary, "text-risk", "--eval", str(here / name), "--json"],
                         capture_output=True, text=True, timeout=300)
    check(f"{name}: evaluates without errors", run.returncode == 0, run.stderr)
    if run.returncode != 0:
        continue
    report = json.loads(run.stdout)
    messages += report["messages"]
    misjudged = ", ".join(f"{m['kind']} {m['category']} {m['id']}" for m in report["misjudged"])
    for category, floor in expected[name]["floors"].items():
        got = report["categories"].get(category)
        check(f"{name}: {category} is evaluated", got is not None, str(report["categories"]))
        if got is None:
            continue
        for measure in ("precision", "recall"):
            check(f"{name}: {category} {measure} {got[measure]:.3f} >= {floor[measure]}",
                  got[measure] >= floor[measure] - 1e-9, misjudged)
        total = totals.setdefault(category, [0, 0, 0])
        total[0] += got["true_positives"]
        total[1] += got["false_positives"]
        total[2] += got["false_negatives"]
    disagreements = report["variant_disagreements"]
    check(f"{name}: {len(disagreements)} obfuscated variants judged unlike their plain form "
          f"(at most {expected[name]['max_variant_disagreements']})",
          len(disagreements) <= expected[name]["max_variant_disagreements"], str(disagreements))

targets = expected["targets"]
check(f"{messages} labelled messages (at least {targets['min_messages']})",
      messages >= targets["min_messages"])
for category in targets["categories"]:
    tp, fp, fn = totals.get(category, [0, 0, 0])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    check(f"target: {category} precision {precision:.3f} and recall {recall:.3f} >= "
          f"{targets['precision']}/{targets['recall']}",
          precision >= targets["precision"] and recall >= targets["recall"])

checks.finish()
