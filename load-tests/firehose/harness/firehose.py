"""Runs firehose scenarios: load-tests/firehose/run.sh SCENARIO... (see ../README.md).

Exit status 1 when any scenario's expectations do not hold, so it can gate a change."""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import yaml

from audit import latency_summary
from kafka_env import REPO
from report import plot, summary_markdown
from scenario import ScenarioRun

SCENARIOS = REPO / "load-tests/firehose/scenarios"


def scaled(spec, factor):
    """The scenario with record counts and durations multiplied by `factor` (--scale)."""
    spec = json.loads(json.dumps(spec))
    for phase in spec["phases"]:
        if "records" in phase:
            phase["records"] = max(200, int(phase["records"] * factor))
        if "seconds" in phase:
            phase["seconds"] = max(4, int(phase["seconds"] * factor))
        fault = phase.get("fault")
        if fault and "at_s" in fault:
            fault["at_s"] = min(fault["at_s"], max(1, phase["seconds"] // 3))
    return spec


def evaluate(spec, pipeline, result, performance):
    """[(passed, text)] for every expectation of the scenario."""
    expect = spec.get("expect", {})
    report = result["audit"]
    checks = [
        (report["lost"] <= expect.get("max_lost", 0),
         "lost outputs: %d (at most %d)" % (report["lost"], expect.get("max_lost", 0))),
        (report["unexpected"] <= expect.get("max_unexpected", 0),
         "unexpected outputs: %d (at most %d)" % (report["unexpected"], expect.get("max_unexpected", 0))),
        (all(g["failed"] == 0 and g["exit_code"] == 0 for g in result["generated"]),
         "every generated record delivered to the input topics"),
        (all(p.get("caught_up", True) for p in result["phases"]),
         "the pipeline caught up with the input after every phase"),
    ]
    if "max_duplicates" in expect:
        checks.append((report["duplicates"] <= expect["max_duplicates"],
                       "duplicate outputs: %d (at most %d)" % (report["duplicates"], expect["max_duplicates"])))
    else:
        checks.append((True, "duplicate outputs: %d (at-least-once: allowed, reported)" % report["duplicates"]))
    if expect.get("every_member_works"):
        consumed = result["consumed_by_member"]
        checks.append((len(consumed) == pipeline["processes"] and all((v or 0) > 0 for v in consumed.values()),
                       "every one of %d members consumed records: %s" % (pipeline["processes"], consumed)))
    if "max_rss_mib" in expect:
        checks.append((result["peak_rss_mib"] <= expect["max_rss_mib"],
                       "peak RSS %.0f MiB (bound %d MiB)" % (result["peak_rss_mib"], expect["max_rss_mib"])))
    if not performance:
        return checks
    for phase in result["phases"]:
        if phase["type"] == "drain" and "min_ratio" in expect:
            ratio = phase.get("ratio")
            checks.append((ratio is not None and ratio >= expect["min_ratio"],
                           "throughput ratio pipeline/passthrough %s (at least %.2f)" % (
                               "-" if ratio is None else "%.3f" % ratio, expect["min_ratio"])))
        if phase["type"] == "live" and phase["latency_check"] and "max_p99_ms" in expect:
            p99 = phase["latency"]["p99_ms"]
            checks.append((p99 is not None and p99 <= expect["max_p99_ms"],
                           "p99 end-to-end latency at %.0f records/s: %s ms (at most %d)" % (
                               phase["target_rate"], p99, expect["max_p99_ms"])))
    return checks


def cpu_between(samples, since_s, until_s):
    """Over [since_s, until_s]: the pipeline's CPU in % of one core and the whole machine's busy
    CPU in % of all its cores."""
    window = [x for x in samples if since_s <= x["t"] <= until_s]
    if len(window) < 2 or window[-1]["t"] <= window[0]["t"]:
        return None
    elapsed = window[-1]["t"] - window[0]["t"]
    pipeline = sum(max(0.0, b["cpu_s"] - a["cpu_s"]) for a, b in zip(window, window[1:]))
    machine = window[-1]["machine_busy_s"] - window[0]["machine_busy_s"]
    return {"pipeline_percent_of_core": 100.0 * pipeline / elapsed,
            "machine_percent": 100.0 * machine / elapsed / os.cpu_count()}


def run_one(directory, args):
    name = directory.name
    spec = yaml.safe_load((directory / "scenario.yaml").read_text())
    performance = args.scale == 1.0
    if not performance:
        spec = scaled(spec, args.scale)
    out = Path(args.out) / name
    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="firehose-%s-" % name))
    print("== scenario %s (work dir %s)" % (name, workdir), flush=True)
    run = ScenarioRun(spec, name, Path(args.build_dir), workdir, args.bootstrap)
    try:
        for phase in spec["phases"]:
            getattr(run, "phase_" + phase["type"])(phase)
    finally:
        finished = run.finish()
    samples = run.sampler.samples
    cpu = [s["cpu_s"] for s in samples]
    elapsed = samples[-1]["t"] - samples[0]["t"] if len(samples) > 1 else 0
    cpu_used = sum(max(0.0, b - a) for a, b in zip(cpu, cpu[1:]))
    lags = [s["end"] - s["committed"] for s in samples if s["end"] is not None and s["committed"] is not None]
    for phase in run.phases:
        if phase["type"] == "live":
            phase["latency"] = latency_summary(finished["audit"]["latency_samples"], *phase["window_ms"])
            phase["cpu"] = cpu_between(samples, *(ms / 1000.0 for ms in phase["window_ms"]))
    result = dict(finished, phases=run.phases, generated=run.generated, events=run.events, t0=run.started,
                  cpu_percent=100.0 * cpu_used / elapsed if elapsed else None,
                  peak_rss_mib=max((s["rss"] for s in samples), default=0) / 2**20,
                  peak_lag=max(lags, default=0))
    checks = evaluate(spec, run.pipeline, result, performance) + run.fault_checks
    command = "load-tests/firehose/run.sh %s%s" % (name, "" if performance else " --scale %g" % args.scale)
    plot(out / "plot.png", "%s: throughput, latency, memory" % name, samples,
         finished["audit"]["latency_samples"], run.events, run.started)
    markdown = summary_markdown(name, spec, run.pipeline, result, checks, command, "plot.png")
    if not performance:
        markdown += "\nScaled run (--scale %g): correctness expectations only; throughput and latency targets " \
                    "are judged at full scale.\n" % args.scale
    (out / "summary.md").write_text(markdown)
    finished["audit"]["latency_samples"] = len(finished["audit"]["latency_samples"])
    (out / "result.json").write_text(json.dumps(
        {"scenario": name, "checks": checks, "phases": run.phases, "generated": run.generated,
         "audit": finished["audit"], "pdq_cache": finished["pdq_cache"], "cpu_percent": result["cpu_percent"], "peak_rss_mib": result["peak_rss_mib"],
         "peak_lag": result["peak_lag"], "events": run.events}, indent=1, default=str))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    for ok, text in checks:
        print("  %s %s" % ("PASS" if ok else "FAIL", text))
    print("  summary: %s" % (out / "summary.md"), flush=True)
    return all(ok for ok, _ in checks)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenarios", nargs="+", help="scenario folder names under load-tests/firehose/scenarios, or all")
    parser.add_argument("--build-dir", default=str(REPO / "build"))
    parser.add_argument("--bootstrap", help="use this broker instead of starting one (no broker_restart then)")
    parser.add_argument("--out", default=str(REPO / "load-tests/results/firehose"))
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply records and durations (a quick check of correctness; <1 skips the "
                             "throughput and latency targets)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (configs, logs)")
    args = parser.parse_args()
    names = sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir()) if args.scenarios == ["all"] else args.scenarios
    failed = []
    for name in names:
        started = time.time()
        try:
            ok = run_one(SCENARIOS / name, args)
        except Exception:
            traceback.print_exc()
            ok = False
        print("== %s: %s in %.0f s" % (name, "PASSED" if ok else "FAILED", time.time() - started), flush=True)
        if not ok:
            failed.append(name)
    if failed:
        print("failed scenarios: %s" % ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
