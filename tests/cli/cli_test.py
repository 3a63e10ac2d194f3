"""Black-box tests of the modstream binary: --help, check-config and the demo.

Usage: cli_test.py MODSTREAM_BINARY SOURCE_DIR
Prints 'N passed, N failed' and exits non-zero on any failure.
"""
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

missing = run("check-config", "/nonexistent/modstream.yaml")
check("check-config on a missing file exits 1", missing.returncode == 1 and "cannot be opened" in missing.stderr,
      missing.stderr)

demo = run("demo")
check("demo exits 0", demo.returncode == 0, demo.stdout + demo.stderr)
for expected in ("Taken down: 4", "Dead-lettered: 6", "Escalated: 0", "processed 18 records",
                 "SAMPLE-0001", "missing_header", "malformed_json"):
    check(f"demo prints {expected}", expected in demo.stdout, demo.stdout)

checks.finish()
