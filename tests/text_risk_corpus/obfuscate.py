"""Writes obfuscated variants of labelled messages, the way offenders dodge word lists.

Each variant rewrites the message's longest words with one technique: leetspeak digits, spaced
letters, dots between letters, Cyrillic look-alike letters, zero-width characters, fullwidth
letters or stretched vowels. The choice depends only on the message id, so a rerun writes the same
variants.

Usage: obfuscate.py FILE.jsonl [--every N]
Prints, for every Nth violating message in FILE (default 5), one variant as a JSONL line with
set "obfuscated", the same labels and context, and variant_of naming the plain message.
"""
import argparse
import hashlib
import json
import sys

LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})
LOOK_ALIKE = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440",
                            "c": "\u0441", "x": "\u0445", "y": "\u0443"})
ZERO_WIDTH = "\u200b"


def fullwidth(word):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


def stretched(word):
    for i, c in enumerate(word):
        if c in "aeiou":
            return word[:i] + c * 4 + word[i + 1:]
    return word + word[-1] * 3


TECHNIQUES = {
    "leet": lambda w: w.translate(LEET),
    "spaced": lambda w: " ".join(w),
    "dotted": lambda w: ".".join(w),
    "look_alike": lambda w: w.translate(LOOK_ALIKE),
    "zero_width": lambda w: ZERO_WIDTH.join(w),
    "fullwidth": fullwidth,
    "stretched": stretched,
}


def obfuscate(message_id, text):
    digest = hashlib.sha256(message_id.encode()).digest()
    name = sorted(TECHNIQUES)[digest[0] % len(TECHNIQUES)]
    words = text.split(" ")
    # The two longest words carry the meaning more often than short ones.
    longest = sorted(range(len(words)), key=lambda i: (-len(words[i]), i))[:2]
    for i in longest:
        words[i] = TECHNIQUES[name](words[i])
    return name, " ".join(words)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--every", type=int, default=5)
    args = parser.parse_args()
    violating = 0
    with open(args.file, encoding="utf-8") as messages:
        for line in messages:
            message = json.loads(line)
            if message["set"] != "violating":
                continue
            violating += 1
            if violating % args.every:
                continue
            technique, text = obfuscate(message["id"], message["text"])
            variant = {"id": f"{message['id']}-{technique}", "set": "obfuscated",
                       "labels": message["labels"], "variant_of": message["id"], "text": text}
            if "context" in message:
                variant["context"] = message["context"]
            sys.stdout.write(json.dumps(variant, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
