"""BertTokenizer compatibility with the reference: PyPI `tokenizers` (Hugging Face, Rust) reading
the same tokenizer.json of all-MiniLM-L6-v2 (fetched and verified by ops/models/fetch.sh).

Every message of tests/text_risk_corpus (corpus and hold-out) and a seeded set of fuzzed strings
(mixed scripts, accents and combining marks, CJK, emoji, controls, zero-width and exotic
whitespace, punctuation runs, special tokens written in the text, words past the WordPiece length
limit, texts past the length limit) must get the identical token ids from both, truncated at
max_seq_length 256 as sentence-transformers runs the model.

Usage: tokenizer_compat.py BERT_TOKENIZE_BINARY [FUZZ_COUNT]   (run with the venv made by
ops/scripts/python-test-env.sh). Prints 'N passed, N failed'.
"""
import json
import pathlib
import random
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parents[4]
sys.path.insert(0, str(root / "tests" / "support"))
from checks import Checks  # noqa: E402

try:
    from tokenizers import Tokenizer
except ImportError as e:
    sys.exit(f"{e}: run ops/scripts/python-test-env.sh to make the test venv with tokenizers")

binary = sys.argv[1]
fuzz_count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
max_length = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2

model_dir = pathlib.Path(subprocess.run([str(root / "ops" / "models" / "fetch.sh")], check=True,
                                        capture_output=True, text=True).stdout.strip())
tokenizer_json = model_dir / "tokenizer.json"
reference = Tokenizer.from_file(str(tokenizer_json))
reference.no_padding()
reference.enable_truncation(max_length)

texts = []
for name in ("corpus.jsonl", "holdout.jsonl"):
    for line in (root / "tests" / "text_risk_corpus" / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            texts.append(json.loads(line)["text"])
corpus_count = len(texts)

rng = random.Random(20261202)
alphabet = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(" \t\n\r") + list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    + list("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÎÕÜßœŒİıſǅ") + list("¿¡«»“”‘’—–…·§¶€£¥")
    + list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖ") + list("αβγδεζηθικλμνξοπρσςτυφχψωΣΩ")
    + list("你好世界我会杀了你日本語한국어") + list("ﾃｽﾄＡＢＣ１２３")
    + ["\u0301", "\u0308", "\u0327", "\u0303", "\u20dd"]            # combining marks
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]  # zero-width, soft hyphen
    + ["\u00a0", "\u2003", "\u3000", "\u0085", "\u2028", "\u000b", "\u000c", "\u001f"]
    + ["\u0000", "\u0007", "\u001b", "\u007f", "\ue000", "\ufffd"]
    + ["😀", "🔪", "💀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🍑"]
    + ["ﬁ", "ﬀ", "Ⅳ", "①", "²", "ℌ", "𝐤𝐢𝐥𝐥", "ｋｉｌｌ"]
)
specials = ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", "[cls]", "[SEP", "SEP]"]
words = ["kill", "you", "nudes", "snapchat", "unbelievable", "tokenization", "sextortion",
         "grooming", "meet", "alone", "don't", "u.r", "k!ll", "y0u"]
for _ in range(fuzz_count):
    parts = []
    for _ in range(rng.randint(1, 40)):
        roll = rng.random()
        if roll < 0.45:
            parts.append(rng.choice(alphabet))
        elif roll < 0.8:
            parts.append(rng.choice(words))
        elif roll < 0.9:
            parts.append(rng.choice(specials))
        else:
            parts.append(" ")
    texts.append("".join(parts))
# Pure ASCII, as most posts are: the tokenizer's ASCII fast path, against the reference too.
ascii_alphabet = [c for c in alphabet if c.isascii()] + ["\u0000", "\u0007", "\u000b", "\u007f"]
for _ in range(fuzz_count // 3):
    parts = []
    for _ in range(rng.randint(1, 40)):
        roll = rng.random()
        parts.append(rng.choice(ascii_alphabet) if roll < 0.5 else
                     rng.choice(words) if roll < 0.85 else
                     rng.choice(specials) if roll < 0.9 else " ")
    texts.append("".join(parts))
texts.append("a" * 150)                              # one word past max_input_chars_per_word
texts.append("word " * 400)                          # past max_length
texts.append("supercalifragilistic" * 6)             # 120 characters, one word
texts.append("")

proc = subprocess.run([binary, str(tokenizer_json), str(max_length)], check=True,
                      input="".join(json.dumps(t) + "\n" for t in texts),
                      capture_output=True, text=True)
ours = [[int(i) for i in line.split()] for line in proc.stdout.splitlines()]

checks = Checks()
checks.check("one line of ids per text", len(ours) == len(texts), f"{len(ours)} != {len(texts)}")
mismatches = []
for i, (text, mine) in enumerate(zip(texts, ours)):
    expected = reference.encode(text).ids
    if mine != expected:
        mismatches.append((i, text, expected, mine))
checks.check(f"identical ids on {corpus_count} corpus messages",
             not [m for m in mismatches if m[0] < corpus_count],
             "\n".join(f"{m[1]!r}\n  ref  {m[2]}\n  ours {m[3]}" for m in mismatches[:5]))
checks.check(f"identical ids on {len(texts) - corpus_count} fuzzed texts",
             not [m for m in mismatches if m[0] >= corpus_count],
             "\n".join(f"{m[1]!r}\n  ref  {m[2]}\n  ours {m[3]}"
                       for m in [m for m in mismatches if m[0] >= corpus_count][:5]))
checks.check("the fuzz reaches [UNK] and truncation",
             any(100 in reference.encode(t).ids for t in texts)
             and any(len(reference.encode(t).ids) == max_length for t in texts))
print(f"{len(mismatches)} of {len(texts)} texts differ")
checks.finish()
