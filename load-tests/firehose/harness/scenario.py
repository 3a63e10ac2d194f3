"""One scenario run: phases (drain with the passthrough baseline, live load at a rate, faults),
then the audit and the expectations. See ../README.md for the scenario file."""

import json
import signal
import socket
import subprocess
import threading
import time
import urllib.request
import uuid

from audit import OUTPUT_KINDS, audit, latency_summary, load_expected
from fleet import Fleet, Member, Sampler
from kafka_env import Broker, OffsetReader, read_topic
from setup import DEFAULT_PIPELINE, Topics, write_bank, write_member_config


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port, name, must_contain=()):
    """Sum of the samples of metric `name` whose labels contain every string in must_contain."""
    try:
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2).read().decode()
    except OSError:
        return None
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(s in line for s in must_contain):
            total += float(line.rsplit(" ", 1)[1])
    return total


class ScenarioRun:
    def __init__(self, spec, name, build_dir, workdir, bootstrap=None):
        self.spec, self.name, self.build = spec, name, build_dir
        self.workdir = workdir
        self.pipeline = dict(DEFAULT_PIPELINE, **spec.get("pipeline", {}))
        self.run_id = "%s-%s" % (name, uuid.uuid4().hex[:6])
        self.generator = build_dir / "load-tests/firehose/firehose_gen"
        self.modstream = build_dir / "app/cli/modstream"
        self.passthrough = build_dir / "load-tests/firehose/firehose_passthrough"
        self.events = []  # (t, label): faults and phase boundaries, for the report and plot
        self.phases = []  # results per phase
        self.fault_checks = []  # (passed, text) that faults add to the scenario's expectations
        self.expect_files = []
        self.last_pipeline_rate = None
        self.generated = []
        self.sequence_base = 0
        self.bank_seeds = [spec.get("bank_seed", 1)]
        self.broker = Broker(workdir, bootstrap)
        self.topics = Topics(self.run_id, spec.get("partitions", 8))
        self.topics.create(self.broker.bootstrap)
        for phase in spec["phases"]:  # later seeds' banks are ready before a swap is due
            seed = (phase.get("fault") or {}).get("add_seed")
            if seed:
                write_bank(self.generator, [seed], workdir / "bank-prepared.csv")
                (workdir / ("bank-prepared.csv.seed%d" % seed)).rename(workdir / ("bank.csv.seed%d" % seed))
        write_bank(self.generator, self.bank_seeds, workdir / "bank.csv")
        self.group = self.run_id + ".pipeline"
        self.offsets = OffsetReader(self.broker.bootstrap)
        self.inputs = self.offsets.partitions([self.topics.posts, self.topics.media], self.topics.partitions)
        self.fleet = Fleet()
        self.ports = {}
        self.sampler = Sampler(self.fleet, self.offsets, self.group, self.inputs)
        self.sampler.start()
        self.started = time.time()

    # --- members -----------------------------------------------------------------------------
    def add_member(self):
        index = len(self.fleet.members)
        port = free_port()
        config = write_member_config(self.workdir, index, self.broker.bootstrap, self.group, self.topics,
                                     self.pipeline, self.run_id, port)
        member = Member("member-%d" % index, [str(self.modstream), "run", "--config", str(config)],
                        self.workdir / ("member-%d.log" % index))
        self.ports[member.name] = port
        return self.fleet.add(member)

    def ensure_fleet(self):
        while sum(1 for m in self.fleet.members if m.supervised) < self.pipeline["processes"]:
            self.add_member()

    def event(self, label):
        self.events.append((time.time(), label))
        print("  [%6.1fs] %s" % (time.time() - self.started, label), flush=True)

    # --- load ----------------------------------------------------------------------------------
    def generate(self, count=0, seconds=0.0, rate=0.0, bank_seed=None, wait=True):
        index = len(self.expect_files)
        expect = self.workdir / ("expected-%d.jsonl" % index)
        self.expect_files.append(expect)
        mix = self.spec.get("mix", {})
        argv = [str(self.generator), "produce", "--bootstrap", self.broker.bootstrap,
                "--posts-topic", self.topics.posts, "--media-topic", self.topics.media,
                "--warmup-topic", self.topics.warmup,
                "--seed", str(bank_seed or self.bank_seeds[0]),
                "--run-id", "%s-g%d" % (self.run_id, index), "--account-namespace", self.run_id,
                "--expect", str(expect),
                "--count", str(int(count)), "--duration-s", str(seconds), "--rate", str(rate)]
        for key, value in mix.items():
            argv += ["--" + key.replace("_", "-"), str(value)]
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        if not wait:
            return process
        return self.finish_generation(process)

    def finish_generation(self, process):
        out, _ = process.communicate()
        try:
            summary = json.loads(out.strip().splitlines()[-1])
        except (IndexError, ValueError):
            summary = {"produced": 0, "media": 0, "posts": 0, "expected_outputs": 0, "failed": -1,
                       "seconds": 0, "rate": 0}  # the generator stopped early; its error is above
        summary["exit_code"] = process.returncode
        self.generated.append(summary)
        return summary

    def wait_caught_up(self, group, timeout_s):
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            try:
                end = self.offsets.end_total(self.inputs)
                if self.offsets.committed_total(group, self.inputs) >= end:
                    return True
            except Exception:
                pass
            time.sleep(0.25)
        return False

    # --- phases --------------------------------------------------------------------------------
    def drain_rate(self, group, start, timeout_s, producing=None):
        """Records/s while `group` works through the backlog: from its first commit (so joining
        the group and restoring state count for neither side) to its last. With `producing` (a
        generator process), the backlog is still being written: its end is known once it exits."""
        before = self.offsets.committed_total(group, self.inputs)
        first = None
        start()
        end = None if producing else self.offsets.end_total(self.inputs)
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if end is None and producing.poll() is not None:
                self.finish_generation(producing)
                end = self.offsets.end_total(self.inputs)
            committed = self.offsets.committed_total(group, self.inputs)
            now = time.time()
            if first is None and committed > before:
                first = (now, committed)
            if end is not None and committed >= end:
                if first is None or now <= first[0] or committed - first[1] < 0.5 * (end - before):
                    return None  # the first commit covered most of the backlog: no rate to tell
                return (committed - first[1]) / (now - first[0])
            time.sleep(0.05)
        raise RuntimeError("%s did not drain the backlog within %ds" % (group, timeout_s))

    def wait_members_assigned(self, timeout_s=120):
        """Until every member reports partitions (the group has settled with all of them)."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if all((scrape(self.ports[m.name], "modstream_assigned_partitions") or 0) > 0
                   for m in self.fleet.members):
                return
            time.sleep(0.2)
        raise RuntimeError("not every member got partitions within %ds" % timeout_s)

    def phase_drain(self, phase):
        records = phase["records"]
        timeout_s = phase.get("timeout_s", 600)
        result = {"type": "drain", "records": records}
        if phase.get("members_first"):
            # Scale-out: every member joins before the backlog arrives, so none drains a head
            # start alone; the backlog is written while they consume it.
            self.ensure_fleet()
            self.wait_members_assigned()
            self.event("%d members assigned; backlog: %d records" % (self.pipeline["processes"], records))
            producer = self.generate(count=records, wait=False)
            result["pipeline_rate"] = self.drain_rate(self.group, lambda: None, timeout_s, producer)
        else:
            self.event("backlog: %d records" % records)
            self.generate(count=records)
        if phase.get("baseline", True):
            group = self.run_id + ".passthrough"
            member = Member("passthrough", [str(self.passthrough), "--config",
                                            str(self.member_config_for_baseline()), "--group", group,
                                            "--output-topic", self.topics.passthrough],
                            self.workdir / "passthrough.log")
            self.event("passthrough baseline drains the backlog")
            result["passthrough_rate"] = self.drain_rate(group, member.start, timeout_s)
            member.signal(signal.SIGTERM)
            member.wait()
        if not phase.get("members_first"):
            self.event("pipeline (%d process(es)) drains the backlog" % self.pipeline["processes"])
            result["pipeline_rate"] = self.drain_rate(self.group, self.ensure_fleet, timeout_s)
        if result.get("passthrough_rate") and result["pipeline_rate"]:
            result["ratio"] = result["pipeline_rate"] / result["passthrough_rate"]
        self.last_pipeline_rate = result["pipeline_rate"]
        self.phases.append(result)

    def member_config_for_baseline(self):
        if not self.fleet.members:
            return write_member_config(self.workdir, 0, self.broker.bootstrap, self.group, self.topics,
                                       self.pipeline, self.run_id, free_port())
        return self.workdir / "member-0.yaml"

    def phase_live(self, phase):
        self.ensure_fleet()
        self.wait_caught_up(self.group, 300)
        if phase.get("settle_s"):
            # After a drain of a large backlog, RocksDB compacts what it just absorbed: a quiet
            # pause keeps that one-off work out of the next phase's latency figures.
            self.event("settle %ds" % phase["settle_s"])
            time.sleep(phase["settle_s"])
        rate = phase["rate"]
        if isinstance(rate, str) and rate.endswith("max"):
            fraction = float(rate.split("_")[0]) if "_" in rate else 1.0
            if self.last_pipeline_rate is None:  # a backlog too small to time (scaled-down runs)
                self.event("no drain rate was measured; live load at 500 records/s instead")
                self.last_pipeline_rate = 500 / fraction
            rate = fraction * self.last_pipeline_rate
        seconds = phase["seconds"]
        bank_seed = phase.get("bank_seed")
        self.event("live load: %.0f records/s for %ds%s" % (rate, seconds,
                   (", bank seed %d" % bank_seed) if bank_seed else ""))
        start_ms = int(time.time() * 1000)
        process = self.generate(seconds=seconds, rate=rate, bank_seed=bank_seed, wait=False)
        fault = phase.get("fault")
        fault_thread = None
        if fault:
            fault_thread = threading.Thread(target=self.inject, args=(fault,))
            fault_thread.start()
        summary = self.finish_generation(process)
        if fault_thread:
            fault_thread.join()
        end_ms = int(time.time() * 1000)
        caught_up = self.wait_caught_up(self.group, phase.get("catch_up_timeout_s", 300))
        self.event("live load done (caught up: %s)" % caught_up)
        self.phases.append({"type": "live", "target_rate": rate, "seconds": seconds,
                            "sent_rate": summary["rate"], "window_ms": (start_ms, end_ms),
                            "latency_check": phase.get("latency_check", False),
                            "caught_up": caught_up, "fault": (fault or {}).get("kind")})

    # --- faults --------------------------------------------------------------------------------
    def inject(self, fault):
        time.sleep(fault.get("at_s", 5))
        kind = fault["kind"]
        members = [m for m in self.fleet.members if m.supervised]
        if not members:  # the run ended before the fault was due
            return
        victim = members[fault.get("member", 0) % len(members)]
        if kind == "kill9":
            self.event("kill -9 %s" % victim.name)
            self.fleet.stop(victim, signal.SIGKILL)
            time.sleep(fault.get("restart_after_s", 2))
            self.event("restart %s" % victim.name)
            self.fleet.restart(victim)
        elif kind == "broker_restart":
            self.event("broker stopped")
            self.broker.restart(fault.get("down_s", 5))
            self.event("broker back")
        elif kind == "slow_consumer":
            self.event("SIGSTOP %s for %ds" % (victim.name, fault.get("pause_s", 20)))
            victim.signal(signal.SIGSTOP)
            time.sleep(fault.get("pause_s", 20))
            victim.signal(signal.SIGCONT)
            self.event("SIGCONT %s" % victim.name)
        elif kind == "bank_swap":
            self.bank_seeds.append(fault["add_seed"])
            before = [scrape(self.ports[m.name], "modstream_data_reloads_total", ('result="ok"',)) or 0
                      for m in members]
            write_bank(self.generator, self.bank_seeds, self.workdir / "bank.csv")
            self.event("bank swapped: now seeds %s" % self.bank_seeds)
            deadline = time.time() + 60
            while time.time() < deadline:
                after = [scrape(self.ports[m.name], "modstream_data_reloads_total", ('result="ok"',)) or 0
                         for m in members]
                if all(a > b for a, b in zip(after, before)):
                    self.event("every member reloaded the bank")
                    break
                time.sleep(0.2)
            reloaded = all(a > b for a, b in zip(after, before))
            self.fault_checks.append((reloaded, "every member reloaded the swapped bank within 60 s"))
        elif kind == "rebalance_storm":
            for cycle in range(fault.get("cycles", 6)):
                extra = [m for m in self.fleet.members if m.supervised and m not in members]
                if extra:
                    self.event("storm: stop %s" % extra[0].name)
                    self.fleet.stop(extra[0])
                else:
                    stopped = [m for m in self.fleet.members if not m.supervised]
                    member = stopped[0] if stopped else self.add_member()
                    if stopped:
                        self.fleet.restart(member)
                    self.event("storm: start %s" % member.name)
                time.sleep(fault.get("every_s", 4))
        else:
            raise ValueError("unknown fault kind: " + kind)

    # --- the end -------------------------------------------------------------------------------
    def finish(self):
        consumed = {m.name: scrape(self.ports[m.name], "modstream_records_consumed_total")
                    for m in self.fleet.members if m.alive()}
        # Reposts found in hash_match's PDQ cache (members alive at the end; a restart resets them).
        lookups = {result: sum(scrape(self.ports[m.name], "modstream_hash_match_pdq_cache_lookups_total",
                                      ('result="%s"' % result,)) or 0
                               for m in self.fleet.members if m.alive())
                   for result in ("hit", "miss")}
        exit_codes = self.fleet.stop_all()
        self.sampler.stop()
        outputs = {kind: read_topic(self.broker.bootstrap, topic, self.topics.partitions)
                   for kind, topic in self.topics.outputs.items()}
        report = audit(load_expected(self.expect_files), outputs)
        self.offsets.close()
        self.broker.stop()
        looked_up = lookups["hit"] + lookups["miss"]
        return {"audit": report, "consumed_by_member": consumed, "exit_codes": exit_codes,
                "pdq_cache": dict(lookups, hit_rate=lookups["hit"] / looked_up if looked_up else None),
                "unplanned_restarts": self.fleet.unplanned_restarts,
                "unplanned_exits": self.fleet.unplanned_exits,
                "starts": {m.name: m.starts for m in self.fleet.members}}
