"""Regression test of the text-risk lexicons and scoring on the labelled corpus.

Runs `modstream text-risk --eval FILE --json` on corpus.jsonl and holdout.jsonl and checks each
category's precision and recall against the floors in expected.json, that obfuscated variants are
judged like their plain forms, and the issue's targets on both files together. With
--learned-tier instead: the learned tier on holdout_paraphrase.jsonl (--side-by-side), the fused
figures against their floors and fused recall above the lexicons' in every category (a separate
ctest: it loads the model, which the sanitizer builds do not run).

Usage: check_corpus.py MODSTREAM_BINARY [--learned-tier]
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

learned_tier = "--learned-tier" in sys.argv[2:]


def check_floors(label, categories, floors, detail=""):
    """Each category's precision and recall against its floor; yields the categories evaluated."""
    for category, floor in floors.items():
        got = categories.get(category)
        check(f"{label} {category} is evaluated", got is not None, str(categories))
        if got is None:
            continue
        for measure in ("precision", "recall"):
            check(f"{label} {category} {measure} {got[measure]:.3f} >= {floor[measure]}",
                  got[measure] >= floor[measure] - 1e-9, detail)
        yield category, got


totals = {}
messages = 0
for name in () if learned_tier else ("corpus.jsonl", "holdout.jsonl"):
    run = subprocess.run([binary, "text-risk", "--eval", str(here / name), "--json",
                          "--scorer", "lexicons"],
                         capture_output=True, text=True, timeout=300)
    check(f"{name}: evaluates without errors", run.returncode == 0, run.stderr)
    if run.returncode != 0:
        continue
    report = json.loads(run.stdout)
    messages += report["messages"]
    misjudged = ", ".join(f"{m['kind']} {m['category']} {m['id']}" for m in report["misjudged"])
    for category, got in check_floors(f"{name}:", report["categories"],
                                      expected[name]["floors"], misjudged):
        total = totals.setdefault(category, [0, 0, 0])
        total[0] += got["true_positives"]
        total[1] += got["false_positives"]
        total[2] += got["false_negatives"]
    disagreements = report["variant_disagreements"]
    check(f"{name}: {len(disagreements)} obfuscated variants judged unlike their plain form "
          f"(at most {expected[name]['max_variant_disagreements']})",
          len(disagreements) <= expected[name]["max_variant_disagreements"], str(disagreements))


def check_generated_variants(name):
    """Generated obfuscations of every message (modstream text-risk --obfuscate) are judged like
    their plain form, and none of a harmless message is flagged where the plain one is not."""
    want = expected[name]["generated_variants"]
    run = subprocess.run([binary, "text-risk", "--eval", str(here / name), "--json", "--scorer",
                          "lexicons", "--obfuscate", str(want["per_message"]), "--seed",
                          str(want["seed"])], capture_output=True, text=True, timeout=300)
    check(f"{name}: evaluates generated variants without errors", run.returncode == 0, run.stderr)
    if run.returncode != 0:
        return
    got = json.loads(run.stdout)["generated"]
    alike = got["judged_alike"] / got["variants"] if got["variants"] else 0.0
    unlike = "\n".join(f"{u['id']} ({u['obfuscations']}): {u['text']!r}" for u in got["unlike"])
    check(f"{name}: {got['variants']} generated variants, {alike:.3f} judged like their plain "
          f"form (at least {want['min_judged_alike']})", alike >= want["min_judged_alike"], unlike)
    for kind, floor in want["min_judged_alike_by_obfuscation"].items():
        counts = got["by_obfuscation"].get(kind, {"variants": 0, "judged_alike": 0})
        share = counts["judged_alike"] / counts["variants"] if counts["variants"] else 0.0
        check(f"{name}: {kind} {share:.3f} judged like the plain form (at least {floor})",
              share >= floor)
    check(f"{name}: {got['harmless_newly_flagged']} variants of harmless messages flagged where "
          f"the plain form is not (at most {want['max_harmless_newly_flagged']})",
          got["harmless_newly_flagged"] <= want["max_harmless_newly_flagged"])


def check_lexicon_targets():
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


def comparable(text):
    """A message's text without case, punctuation or spacing, to find copies."""
    return "".join(c for c in text.casefold() if c.isalnum())


def check_held_out_not_trained_on():
    """The heads left out every training message that copies a held-out one."""
    held_out = {}
    for path in sorted(here.glob("holdout*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                message = json.loads(line)
                held_out[comparable(message["text"])] = f"{path.name} {message['id']}"
    heads = json.loads((here.parents[1] / "config" / "models" / "text-risk-heads.json").read_text())
    left_out = set(heads["training"].get("left_out_copies_of_held_out", []))
    trained_copies = []
    for name in heads["training"]["files"]:
        for line in (here / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                message = json.loads(line)
                copied = held_out.get(comparable(message["text"]))
                if copied and message["id"] not in left_out:
                    trained_copies.append(f"{name} {message['id']} = {copied}")
    check(f"the heads trained on no copy of a held-out message ({len(left_out)} left out)",
          not trained_copies, "\n".join(trained_copies))


def check_learned_tier():
    check_held_out_not_trained_on()
    name = "holdout_paraphrase.jsonl"
    run = subprocess.run([binary, "text-risk", "--eval", str(here / name), "--json",
                          "--side-by-side"], capture_output=True, text=True, timeout=600)
    check(f"{name}: evaluates with the learned tier without errors", run.returncode == 0,
          run.stderr)
    if run.returncode != 0:
        return
    side = json.loads(run.stdout)["side_by_side"]
    for category, got in check_floors(f"{name}: fused", side["fused"],
                                      expected[name]["fused_floors"]):
        lexicons = side["lexicons"][category]["recall"]
        check(f"{name}: fused {category} recall {got['recall']:.3f} above the lexicons' "
              f"{lexicons:.3f}", got["recall"] > lexicons)


def check_everyday_chat():
    """Ordinary chat stays unflagged: every message in holdout_everyday.jsonl is harmless."""
    name = "holdout_everyday.jsonl"
    run = subprocess.run([binary, "text-risk", "--eval", str(here / name), "--json", "--scorer",
                          "fused"], capture_output=True, text=True, timeout=600)
    check(f"{name}: evaluates with the learned tier without errors", run.returncode == 0,
          run.stderr)
    if run.returncode != 0:
        return
    report = json.loads(run.stdout)
    flagged = sorted({m["id"] for m in report["misjudged"] if m["kind"] == "false_positive"})
    ceiling = expected[name]["fused_max_flagged"]
    check(f"{name}: fused flags {len(flagged)} of {report['messages']} harmless messages "
          f"(at most {ceiling})", len(flagged) <= ceiling, ", ".join(flagged))


if learned_tier:
    check_learned_tier()
    check_everyday_chat()
else:
    check_lexicon_targets()
    check_generated_variants("holdout.jsonl")
checks.finish()
