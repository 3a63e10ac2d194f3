"""The reference for load-tests/text-model: PyPI transformers on Debian's torch (the converter venv of
ops/models/fetch.sh), tokenising and embedding the same corpus messages the same way (mean pooling
under the mask, L2 norm), unbatched and in batches. Prints one JSON object.

Usage: reference.py MODEL_DIR SECONDS BATCH CORPUS.jsonl...
"""
import json
import sys
import time

import torch
from transformers import AutoModel, AutoTokenizer

model_dir, seconds, batch = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
texts = [json.loads(line)["text"] for path in sys.argv[4:] for line in open(path, encoding="utf-8")
         if line.strip()]
tokenizer = AutoTokenizer.from_pretrained(model_dir)
model = AutoModel.from_pretrained(model_dir)
model.eval()


def embed(group):
    encoded = tokenizer(group, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.inference_mode():
        tokens = model(**encoded)[0]
    mask = encoded["attention_mask"].unsqueeze(-1).float()
    pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


def rate(per_step, step):
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step(steps)
        steps += 1
    return steps * per_step / (time.perf_counter() - start)


print(json.dumps({
    "unbatched_messages_per_s": rate(1, lambda i: embed([texts[i % len(texts)]])),
    "batched_messages_per_s": rate(batch, lambda i: embed(
        [texts[(i * batch + k) % len(texts)] for k in range(batch)])),
    "torch": torch.__version__, "threads": torch.get_num_threads(),
}))
