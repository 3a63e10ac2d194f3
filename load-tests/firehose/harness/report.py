"""Markdown summary and PNG plot of one scenario run."""

import os
import platform

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

from audit import latency_summary, percentile  # noqa: E402

FAULT_WORDS = ("kill", "broker", "SIGSTOP", "SIGCONT", "swap", "storm", "restart")


def rates(samples, field):
    """(t, per-second rate of `field`) between consecutive samples that have it."""
    points = []
    previous = None
    for sample in samples:
        if sample[field] is None:
            continue
        if previous and sample["t"] > previous["t"]:
            points.append((sample["t"], max(0.0, (sample[field] - previous[field]) / (sample["t"] - previous["t"]))))
        previous = sample
    return points


def smooth(points, window_s=2.0):
    out = []
    for i, (t, _) in enumerate(points):
        near = [v for u, v in points[max(0, i - 40): i + 1] if t - u <= window_s]
        out.append((t, sum(near) / len(near)))
    return out


def plot(path, title, samples, latency_samples, events, t0):
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(11, 9), sharex=True)
    for field, label in (("end", "produced (input end offsets)"), ("committed", "processed (committed)")):
        points = smooth(rates(samples, field))
        top.plot([t - t0 for t, _ in points], [v for _, v in points], label=label)
    top.set_ylabel("records/s")
    top.legend(loc="upper left")
    buckets = {}
    for ts, latency in latency_samples:
        buckets.setdefault(int(ts / 1000), []).append(latency)
    seconds = sorted(buckets)
    for fraction, label in ((0.5, "p50"), (0.99, "p99")):
        middle.plot([s - t0 for s in seconds], [percentile(buckets[s], fraction) for s in seconds],
                    ".-" if len(seconds) < 60 else "-", label=label + " end-to-end")
    middle.set_ylabel("latency ms")
    middle.set_yscale("log")
    middle.legend(loc="upper left")
    bottom.plot([s["t"] - t0 for s in samples], [s["rss"] / 2**20 for s in samples], label="RSS (all members)")
    bottom.set_ylabel("MiB")
    bottom.set_xlabel("seconds since start")
    bottom.legend(loc="upper left")
    for t, label in events:
        fault = any(word in label for word in FAULT_WORDS)
        for axis in (top, middle, bottom):
            axis.axvline(t - t0, color="red" if fault else "grey", linestyle="--" if fault else ":", linewidth=1)
        if fault:
            top.annotate(label, (t - t0, top.get_ylim()[1]), rotation=90, va="top", fontsize=7, color="red")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return "%d CPU(s) %s, %s" % (os.cpu_count(), model, platform.platform())


def fmt(value, digits=0):
    if value is None:
        return "-"
    return ("{:,.%df}" % digits).format(value)


def summary_markdown(name, spec, pipeline, result, checks, command, plot_name):
    lines = ["# firehose scenario `%s`" % name, "", spec.get("description", "").strip(), "",
             "Command: `%s`  " % command, "Machine: %s  " % machine(),
             "Pipeline: %d process(es) x %d worker threads, %s, stages %s, %d partitions, commit every %d ms" % (
                 pipeline["processes"], pipeline["worker_threads"], pipeline["guarantee"],
                 ", ".join(pipeline["stages"]), spec.get("partitions", 8), pipeline["commit_interval_ms"]),
             "", "## Expectations", ""]
    for ok, text in checks:
        lines.append("- **%s** %s" % ("PASS" if ok else "FAIL", text))
    lines += ["", "## Phases", "", "| phase | records/s | detail |", "|---|---|---|"]
    for phase in result["phases"]:
        if phase["type"] == "drain":
            lines.append("| drain %s records | pipeline %s, passthrough %s | **ratio %s** |" % (
                fmt(phase["records"]), fmt(phase.get("pipeline_rate")), fmt(phase.get("passthrough_rate")),
                fmt(phase.get("ratio"), 3)))
        else:
            latency, cpu = phase["latency"], phase.get("cpu")
            lines.append("| live %ds%s | target %s, sent %s | latency p50 %s / p95 %s / p99 %s / max %s ms over %s outputs%s |" % (
                phase["seconds"], (" + " + phase["fault"]) if phase["fault"] else "", fmt(phase["target_rate"]),
                fmt(phase["sent_rate"]), fmt(latency["p50_ms"]), fmt(latency["p95_ms"]), fmt(latency["p99_ms"]),
                fmt(latency["max_ms"]), fmt(latency["count"]),
                "; CPU: machine %s%% busy (all cores), pipeline %s%% of one core" % (
                    fmt(cpu["machine_percent"]), fmt(cpu["pipeline_percent_of_core"])) if cpu else ""))
    report = result["audit"]
    lines += ["", "## Outputs audited", "", "| output | expected | received | lost | duplicates | unexpected |",
              "|---|---|---|---|---|---|"]
    for kind, row in report["kinds"].items():
        lines.append("| %s | %s | %s | %s | %s | %s |" % (kind, fmt(row["expected"]), fmt(row["received"]),
                                                         row["lost"], row["duplicates"], row["unexpected"]))
    produced = sum(g["produced"] for g in result["generated"])
    lines += ["", "## Resources", "",
              "- records produced: %s (generator delivery failures: %d)" % (
                  fmt(produced), sum(g["failed"] for g in result["generated"])),
              "- pipeline CPU: %s%% of one core on average over the run; peak RSS of all members %s MiB" % (
                  fmt(result["cpu_percent"]), fmt(result["peak_rss_mib"])),
              "- peak consumer lag (input end - committed): %s records" % fmt(result["peak_lag"]),
              "- member starts: %s; restarts after an unplanned exit: %d %s; exit codes at the end: %s" % (
                  result["starts"], result["unplanned_restarts"],
                  "(member, status: %s)" % result.get("unplanned_exits") if result.get("unplanned_exits") else "",
                  result["exit_codes"]),
              "- records consumed per member at the end (metrics): %s" % result["consumed_by_member"],
              "- PDQ cache (reposts matched without decoding): %s hits, %s misses, hit rate %s" % (
                  fmt(result["pdq_cache"]["hit"]), fmt(result["pdq_cache"]["miss"]),
                  "%.2f" % result["pdq_cache"]["hit_rate"] if result["pdq_cache"]["hit_rate"] is not None
                  else "n/a (no media)"),
              "", "## Timeline", ""]
    t0 = result["t0"]
    lines += ["- %6.1f s  %s" % (t - t0, label) for t, label in result["events"]]
    lines += ["", "![throughput, latency and memory over time](%s)" % plot_name, ""]
    return "\n".join(lines)


__all__ = ["plot", "summary_markdown", "latency_summary"]
