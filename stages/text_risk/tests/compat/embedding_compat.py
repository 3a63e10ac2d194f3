"""SentenceEncoder compatibility with the reference: the same all-MiniLM-L6-v2 weights run by PyPI
transformers 4.36.2 on Debian's torch, mean-pooled under the attention mask and L2-normalised as
sentence-transformers does (ops/models/convert.py embed). Every message of tests/text_risk_corpus
(corpus and hold-out), plus a few texts past the length limit and edge cases, must have an
embedding within 1e-4 cosine of the reference. The C++ side embeds in padded batches of 16.

Usage: embedding_compat.py SENTENCE_EMBED_BINARY MODEL_DIR (run by embedding_compat.sh with the
converter venv's python). Prints 'N passed, N failed'.
"""
import json
import math
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parents[4]
sys.path.insert(0, str(root / "tests" / "support"))
from checks import Checks  # noqa: E402

binary, model_dir = sys.argv[1], sys.argv[2]
texts = []
for name in ("corpus.jsonl", "holdout.jsonl"):
    for line in (root / "tests" / "text_risk_corpus" / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            texts.append(json.loads(line)["text"])
texts += ["", "[SEP] [CLS]", "word " * 400, "I w1ll k1ll y0u 🔪🔪", "Te voy a matar mañana"]
lines = "".join(json.dumps(t) + "\n" for t in texts)

reference = subprocess.run([sys.executable, str(root / "ops" / "models" / "convert.py"), "embed",
                            model_dir], input=lines, capture_output=True, text=True, check=True)
ours = subprocess.run([binary, model_dir], input=lines, capture_output=True, text=True, check=True)
expected = [json.loads(line) for line in reference.stdout.splitlines()]
got = [json.loads(line) for line in ours.stdout.splitlines()]

checks = Checks()
checks.check("one embedding per text", len(got) == len(texts) == len(expected),
             f"{len(got)} ours, {len(expected)} reference, {len(texts)} texts")
worst, worst_text = 1.0, ""
for text, a, b in zip(texts, expected, got):
    dot = sum(x * y for x, y in zip(a, b))
    cosine = dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)) or 1.0)
    if cosine < worst:
        worst, worst_text = cosine, text
checks.check("every embedding within 1e-4 cosine of the reference", worst >= 1 - 1e-4,
             f"worst cosine {worst:.6f} on {worst_text[:80]!r}")
checks.check("384 dimensions, unit length",
             all(len(v) == 384 and abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-3 for v in got))
print(f"worst cosine {worst:.7f} over {len(texts)} texts")
checks.finish()
