"""Converts the fetched all-MiniLM-L6-v2 weights into a TorchScript file that libtorch loads from
C++ (stages/text_risk/sentence_encoder.h), and prints reference embeddings for the compat test.

Run by ops/models/fetch.sh with Debian's python3-torch (1.13) and PyPI transformers 4.36.2 in a
venv with the system's site packages; never at run time.

  convert.py trace MODEL_DIR          writes MODEL_DIR/torchscript/model.pt: BertModel traced on
                                      (input_ids, attention_mask) -> last_hidden_state
  convert.py embed MODEL_DIR < texts  one JSON string per line in; per line out, the
                                      sentence-transformers embedding as a JSON list: mean of the
                                      token vectors under the attention mask, L2-normalised
"""
import json
import pathlib
import sys

import torch
from transformers import AutoModel, AutoTokenizer


def load(model_dir):
    model = AutoModel.from_pretrained(model_dir, torchscript=True)
    model.eval()
    return model


def trace(model_dir):
    model = load(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    example = tokenizer(["a sentence to trace the model with", "and a second, longer one, padded"],
                        padding=True, return_tensors="pt")
    with torch.no_grad():
        traced = torch.jit.trace(model, (example["input_ids"], example["attention_mask"]))
    out_dir = pathlib.Path(model_dir) / "torchscript"
    out_dir.mkdir(exist_ok=True)
    partial = out_dir / "model.pt.partial"  # renamed when whole: fetch.sh trusts model.pt
    traced.save(str(partial))
    partial.rename(out_dir / "model.pt")
    print(out_dir / "model.pt")


def embed(model_dir):
    model = load(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    for line in sys.stdin:
        text = json.loads(line)
        encoded = tokenizer([text], truncation=True, max_length=256, return_tensors="pt")
        with torch.no_grad():
            tokens = model(encoded["input_ids"], encoded["attention_mask"])[0]
        mask = encoded["attention_mask"].unsqueeze(-1).float()
        pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        print(json.dumps([round(float(v), 7) for v in pooled[0]]))


if __name__ == "__main__":
    {"trace": trace, "embed": embed}[sys.argv[1]](sys.argv[2])
