"""Trains the text_risk learned tier's per-category heads from the labelled corpus and writes
config/models/text-risk-heads.json and the exemplar vectors beside it.

Features come from the C++ that scores posts (the `text_features` tool): the static tier reads the
mean of the model's token embeddings, the full tier the transformer's sentence embedding followed
by that static one (together they cross-validated better than either alone); both then three
context features (direct message, direct message to a minor, reply). Each head is L2-
regularised logistic regression (torch, L-BFGS); the regularisation strength is chosen by 5-fold
cross-validated log loss on the training files, and the out-of-fold scores fit a Platt calibration,
so a head's output is a probability. Folds follow a hash of the plain message's id, so an
obfuscated variant sits in its plain form's fold. Deterministic: a rerun writes the same files.

The held-out files (holdout*.jsonl) are refused: they are never trained or tuned on. A training
message whose text is a held-out message's (ignoring case, spacing and punctuation: a few short
phrases were written twice) is left out, and listed in the heads file.

Usage: train_heads.py TEXT_FEATURES_TOOL MODEL_DIR [CORPUS.jsonl ...]
(default corpus: tests/text_risk_corpus/corpus.jsonl and training.jsonl). Run it with the
converter venv's python (ops/models/fetch.sh python).
"""
import hashlib
import json
import pathlib
import subprocess
import sys

import torch

repo = pathlib.Path(__file__).resolve().parents[2]
corpus_dir = repo / "tests" / "text_risk_corpus"
out_dir = repo / "config" / "models"
CATEGORIES = ["threat_of_violence", "grooming", "sexual_minor", "sextortion", "harassment",
              "self_harm", "fraud"]
PINNED_MODEL_FILES = ["tokenizer.json", "model.safetensors"]
STRENGTHS = [1e-7, 1e-6, 1e-5, 1e-4]
FOLDS = 5


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def comparable(text):
    """A message's text without case, punctuation or spacing, to find copies."""
    return "".join(c for c in text.casefold() if c.isalnum())


def context_features(message):
    context = message.get("context") or {}
    direct = context.get("kind") == "direct_message"
    return [float(direct), float(direct and bool(context.get("recipient_is_minor"))),
            float(context.get("kind") == "reply")]


def fit(x, y, weight, strength, steps=200):
    weights = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([weights, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def loss_fn():
        optimiser.zero_grad()
        logits = x @ weights + bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, weight) / weight.mean()
        loss = loss + strength * (weights * weights).sum()
        loss.backward()
        return loss

    optimiser.step(loss_fn)
    return weights.detach(), float(bias.detach())


def platt(logits, y, weight):
    scale, offset = fit(logits.unsqueeze(1), y, weight, 0.0, steps=100)
    return float(scale[0]), offset


def log_loss(logits, y, weight):
    return float(torch.nn.functional.binary_cross_entropy_with_logits(logits, y, weight) /
                 weight.mean())


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tool, model_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    files = [pathlib.Path(f) for f in sys.argv[3:]] or [corpus_dir / "corpus.jsonl",
                                                         corpus_dir / "training.jsonl"]
    for f in files:
        if f.name.startswith("holdout"):
            sys.exit(f"train_heads.py: {f} is held out: it is never trained on")
    messages = [json.loads(line) for f in files for line in f.read_text().splitlines() if line]
    held_out = {comparable(json.loads(line)["text"]) for f in corpus_dir.glob("holdout*.jsonl")
                for line in f.read_text().splitlines() if line}
    copies = [m["id"] for m in messages if comparable(m["text"]) in held_out]
    messages = [m for m in messages if comparable(m["text"]) not in held_out]
    print(f"left out {len(copies)} copies of held-out messages: {', '.join(copies)}",
          file=sys.stderr)
    run = subprocess.run([tool, str(model_dir)], input="\n".join(json.dumps(
        {"id": m["id"], "text": m["text"]}) for m in messages), capture_output=True, text=True,
        check=True)
    features = {}
    for line in run.stdout.splitlines():
        row = json.loads(line)
        features[row["id"]] = row
    context = torch.tensor([context_features(m) for m in messages], dtype=torch.float64)
    labels = {c: torch.tensor([float(c in m["labels"]) for m in messages], dtype=torch.float64)
              for c in CATEGORIES}
    # Harmless messages weigh as much, all together, as harmful ones. The training files hold more
    # harmful messages than harmless ones, the opposite of real traffic; unweighted, the heads read
    # ordinary chat ("see you at practice") as threats and grooming.
    labelled = sum(1 for m in messages if m["labels"])
    harmless_weight = labelled / (len(messages) - labelled)
    weight = torch.tensor([1.0 if m["labels"] else harmless_weight for m in messages],
                          dtype=torch.float64)
    folds = torch.tensor([int(hashlib.sha256(m.get("variant_of", m["id"]).encode()).hexdigest(),
                              16) % FOLDS for m in messages])
    heads = {"format": 2, "model": model_dir.name,
             "model_files": {name: sha256(model_dir / name) for name in PINNED_MODEL_FILES},
             "dimensions": 384, "categories": CATEGORIES,
             "context_features": ["direct_message", "direct_message_to_minor", "reply"],
             "training": {"files": [f.name for f in files], "messages": len(messages),
                          "corpus_sha256": {f.name: sha256(f) for f in files},
                          "left_out_copies_of_held_out": copies,
                          "harmless_weight": round(harmless_weight, 4),
                          "cross_validated": {}},
             "tiers": {}}
    vectors = {tier: torch.tensor([features[m["id"]][tier] for m in messages], dtype=torch.float64)
               for tier in ("static", "full")}
    inputs = {"static": ["static"], "full": ["full", "static"]}
    for tier in ("static", "full"):
        x = torch.cat([vectors[name] for name in inputs[tier]] + [context], dim=1)
        tier_heads = {}
        tier_report = {}
        for category in CATEGORIES:
            y = labels[category]
            best = None
            for strength in STRENGTHS:
                out_of_fold = torch.zeros(len(messages), dtype=torch.float64)
                for k in range(FOLDS):
                    train, test = folds != k, folds == k
                    w, b = fit(x[train], y[train], weight[train], strength)
                    out_of_fold[test] = x[test] @ w + b
                loss = log_loss(out_of_fold, y, weight)
                if best is None or loss < best[0]:
                    best = (loss, strength, out_of_fold)
            _, strength, out_of_fold = best
            scale, offset = platt(out_of_fold, y, weight)
            calibrated = torch.sigmoid(scale * out_of_fold + offset)
            flagged = calibrated >= 0.5
            tp = int((flagged & (y == 1)).sum())
            fp = int((flagged & (y == 0)).sum())
            fn = int((~flagged & (y == 1)).sum())
            tier_report[category] = {"strength": strength,
                                     "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
                                     "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0}
            w, b = fit(x, y, weight, strength)
            tier_heads[category] = {"weights": [round(float(v), 6) for v in w], "bias": round(b, 6),
                                    "calibration": {"scale": round(scale, 6),
                                                    "offset": round(offset, 6)}}
            print(f"{tier:6} {category:20} strength {strength:g} cross-validated "
                  f"precision {tier_report[category]['precision']:.3f} "
                  f"recall {tier_report[category]['recall']:.3f}", file=sys.stderr)
        tier_heads["inputs"] = inputs[tier]
        heads["tiers"][tier] = tier_heads
        heads["training"]["cross_validated"][tier] = tier_report
    exemplars = [i for i, m in enumerate(messages) if m["labels"] and m["set"] != "obfuscated"]
    blob = b"".join(
        bytes(torch.clamp(torch.round(vectors[tier][exemplars] * 127), -127, 127)
              .to(torch.int8).numpy().tobytes()) for tier in ("static", "full"))
    exemplar_file = "text-risk-exemplars.i8"
    (out_dir / exemplar_file).write_bytes(blob)
    heads["exemplars"] = {"file": exemplar_file, "sha256": hashlib.sha256(blob).hexdigest(),
                          "messages": [{"id": messages[i]["id"], "labels": messages[i]["labels"]}
                                       for i in exemplars]}
    (out_dir / "text-risk-heads.json").write_text(json.dumps(heads, indent=1) + "\n")
    print(f"wrote {out_dir / 'text-risk-heads.json'} and {exemplar_file} "
          f"({len(exemplars)} exemplars)", file=sys.stderr)


if __name__ == "__main__":
    main()
