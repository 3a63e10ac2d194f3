"""Black-box tests of the modstream binary: --help, check-config and the demo.

Usage: cli_test.py MODSTREAM_BINARY SOURCE_DIR
Prints 'N passed, N failed' and exits non-zero on any failure.
"""
import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from checks import Checks  # noqa: E402
import tempfile

binary, source = sys.argv[1], pathlib.Path(sys.argv[2])
checks = Checks()
check = checks.check


def run(*args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)


help_text = run("--help")
check("--help exits 0", help_text.returncode == 0, help_text.stderr)
for word in ("run", "demo", "check-config", "takedown"):
    check(f"--help mentions {word}", word in help_text.stdout, help_text.stdout)

ok = run("check-config", str(source / "config" / "modstream.example.yaml"))
check("check-config accepts the example", ok.returncode == 0 and "OK" in ok.stdout,
      ok.stdout + ok.stderr)

with tempfile.TemporaryDirectory() as tmp:
    bad = pathlib.Path(tmp) / "bad.yaml"
    bad.write_text(
        "kafka: {bootstrap_servers: 'x:1'}\n"
        "processing: {worker_threads: 0}\n"
        "stages:\n"
        "  - name: hash_match\n"
        "    config: {banks: [{name: b, path: missing.csv}]}\n"
        "  - name: decid\n")
    result = run("check-config", str(bad))
    check("check-config exits 1 on a bad file", result.returncode == 1, result.stderr)
    for expected in ("3 problems",
                     "processing.worker_threads: must be between 1 and 256, got 0",
                     "stages[0].config.banks[0].path: file not found",
                     "stages[1].name: unknown stage 'decid'"):
        check(f"check-config names: {expected}", expected in result.stderr, result.stderr)

# Secrets come from the environment or a file and are redacted when the config is printed.
with tempfile.TemporaryDirectory() as tmp:
    secret_file = pathlib.Path(tmp) / "ssl-key-password"
    secret_file.write_text("file-secret-123\n")
    config = pathlib.Path(tmp) / "secrets.yaml"
    config.write_text(
        "kafka:\n  bootstrap_servers: 'x:1'\n"
        "  consumer_properties: {sasl.username: alice, sasl.password: '${env:MODSTREAM_TEST_PW}',\n"
        f"                        ssl.key.password: '${{file:{secret_file}}}'}}\n"
        "stages: [{name: decide}]\n")
    import os
    env = dict(os.environ, MODSTREAM_TEST_PW="env-secret-456")
    printed = subprocess.run([binary, "check-config", "--print", str(config)], capture_output=True,
                             text=True, timeout=60, env=env)
    check("check-config --print resolves secret references",
          printed.returncode == 0 and "sasl.username: alice" in printed.stdout
          and printed.stdout.count("<redacted>") == 2, printed.stdout + printed.stderr)
    check("printed config never shows a secret",
          "env-secret-456" not in printed.stdout + printed.stderr
          and "file-secret-123" not in printed.stdout + printed.stderr)
    unset = run("check-config", str(config))
    check("an unset secret variable is a config error naming the property",
          unset.returncode == 1
          and "kafka.consumer_properties.sasl.password: environment variable MODSTREAM_TEST_PW is not set"
          in unset.stderr, unset.stderr)

missing = run("check-config", "/nonexistent/modstream.yaml")
check("check-config on a missing file exits 1", missing.returncode == 1 and "cannot be opened" in missing.stderr,
      missing.stderr)

demo = run("demo")
check("demo exits 0", demo.returncode == 0, demo.stdout + demo.stderr)
for expected in ("Taken down: 6", "Dead-lettered: 7", "Escalated to moderators: 3",
                 "processed 26 records", "SAMPLE-0001", "SAMPLE-0005 (pdq distance 4",
                 "missing_header", "malformed_json", "unsupported_image",
                 "post post-25 of acct-127  matched sample-url-list entry URL-0003",
                 "P0 post post-21 of acct-121  grooming", "\"I w1ll k i l l you\" [threat.i-will-kill-you]",
                 "Allowed: 10 records", "Reputation: 16 accounts in the changelog"):
    check(f"demo prints {expected}", expected in demo.stdout, demo.stdout)

# hash -> match -> bank: one command's output feeds the next.
media = source / "config" / "samples" / "media"
hashed = run("hash", str(media / "test-pattern-bars.png"), str(media / "holiday-photo.png"))
check("hash exits 0", hashed.returncode == 0, hashed.stderr)
lines = [json.loads(line) for line in hashed.stdout.splitlines()]
check("hash prints one JSON line per file", len(lines) == 2, hashed.stdout)
check("hash prints md5", lines[0].get("md5") == "67d3b0b63bb6037ead34cf13718a2681", hashed.stdout)
check("hash prints pdq and quality", len(lines[1].get("pdq", "")) == 64 and "quality" in lines[1],
      hashed.stdout)
bad_hash = run("hash", str(source / "README.md"))
check("hash of a non-image exits 1 with its error class",
      bad_hash.returncode == 1 and "unsupported_image" in bad_hash.stdout, bad_hash.stdout)

bank_file = source / "config" / "banks" / "sample-known-content.csv"
piped = subprocess.run([binary, "match", "--bank", str(bank_file), "-"], input=hashed.stdout,
                       capture_output=True, text=True, timeout=60)
results = [json.loads(line) for line in piped.stdout.splitlines()]
check("match reads hash output from stdin", piped.returncode == 0 and len(results) == 2,
      piped.stdout + piped.stderr)
check("match finds the banked file", [m["entry_id"] for m in results[0]["matches"]] == ["SAMPLE-0001"],
      piped.stdout)
check("match finds nothing for the unbanked file", results[1]["matches"] == [], piped.stdout)
by_hash = run("match", "--bank", str(bank_file), "5d41402abc4b2a76b9719d911017c592", "sha1:zz")
check("match takes bare and typed hashes", '"SAMPLE-0004"' in by_hash.stdout and by_hash.returncode == 1,
      by_hash.stdout)

stats = run("bank", "stats", str(bank_file))
check("bank stats counts entries", stats.returncode == 0 and json.loads(stats.stdout)["entries"] == 5,
      stats.stdout)
valid = run("bank", "validate", str(bank_file))
check("bank validate accepts the sample bank", valid.returncode == 0, valid.stdout)
invalid = run("bank", "validate", str(source / "stages" / "hash_match" / "tests" / "data" / "mixed.csv"))
check("bank validate names each bad line", invalid.returncode == 1 and "mixed.csv:5:" in invalid.stdout,
      invalid.stdout)

# text-risk: JSON lines in, scores and quoted reasons out.
scored = subprocess.run([binary, "text-risk"], capture_output=True, text=True, timeout=60,
                        input='{"text": "I w1ll K I L L you"}\n{"text": "this game is killing me"}\nnot json\n'
                              '{"text": "look: hxxp://bad-site[.]example[.]test/x"}\n'
                              '{"text": "how old are you?", "context": {"kind": "direct_message", '
                              '"recipient_account_id": "a", "recipient_is_minor": true}}\n')
rows = [json.loads(line) for line in scored.stdout.splitlines()]
check("text-risk prints one line per input", len(rows) == 5, scored.stdout + scored.stderr)
check("text-risk flags an obfuscated threat and quotes it",
      rows[0]["categories"].get("threat_of_violence", {}).get("flagged") is True
      and any(r["entry_id"] == "threat.i-will-kill-you" and r["quote"] == "I w1ll K I L L you"
              for r in rows[0]["reasons"]), scored.stdout)
check("text-risk matches a defanged URL against the sample URL list",
      rows[3]["categories"].get("listed_url", {}).get("flagged") is True
      and rows[3]["reasons"][0]["entry_id"] == "URL-0003"
      and rows[3]["reasons"][0]["quote"] == "hxxp://bad-site[.]example[.]test/x", scored.stdout)
check("text-risk weighs age probing in a DM to a minor",
      rows[4]["categories"].get("grooming", {}).get("flagged") is True, scored.stdout)
check("text-risk leaves a hard negative alone", rows[1]["categories"] == {}, scored.stdout)
check("text-risk names a bad line and exits 1", "error" in rows[2] and scored.returncode == 1, scored.stdout)

# Contexts are judged as on the posts topic (post.schema.json): an unknown kind or a DM without a
# recipient is an error naming the field, never silently a public post.
judged = subprocess.run([binary, "text-risk"], capture_output=True, text=True, timeout=60,
                        input='{"text": "hi", "context": {"kind": "dm"}}\n'
                              '{"text": "hi", "context": {"kind": "direct_message"}}\n'
                              '{"text": "hi", "context": {"recipient_is_minor": "yes"}}\n'
                              '{"text": "hi", "context": {"kind": "reply"}}\n')
rows = [json.loads(line) for line in judged.stdout.splitlines()]
check("text-risk rejects an unknown context.kind, naming the field and the allowed values",
      len(rows) == 4 and "field 'context.kind': expected public, reply or direct_message, got 'dm'"
      in rows[0].get("error", ""), judged.stdout)
check("text-risk rejects a DM without recipient_account_id",
      len(rows) == 4 and "context.recipient_account_id" in rows[1].get("error", ""), judged.stdout)
check("text-risk rejects a non-boolean recipient_is_minor",
      len(rows) == 4 and "context.recipient_is_minor" in rows[2].get("error", ""), judged.stdout)
check("text-risk scores a valid reply context and exits 1 for the bad lines",
      len(rows) == 4 and "categories" in rows[3] and judged.returncode == 1, judged.stdout)

# text-risk --eval: precision and recall on a labelled corpus.
corpus = str(source / "tests" / "text_risk_corpus" / "corpus.jsonl")
evaluated = subprocess.run([binary, "text-risk", "--eval", corpus, "--json"], capture_output=True,
                           text=True, timeout=120)
report = json.loads(evaluated.stdout) if evaluated.returncode == 0 else {}
check("text-risk --eval reports every labelled category",
      {"threat_of_violence", "grooming", "sextortion"} <= set(report.get("categories", {})),
      evaluated.stdout + evaluated.stderr)
bad_corpus = subprocess.run([binary, "text-risk", "--eval", "/dev/stdin"], input='{"id": 1}\n',
                            capture_output=True, text=True, timeout=60)
check("text-risk --eval names a bad corpus line",
      bad_corpus.returncode == 1 and "/dev/stdin:1" in bad_corpus.stderr, bad_corpus.stderr)

checks.finish()
