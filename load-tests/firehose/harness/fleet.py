"""Pipeline processes (`modstream run`, or the passthrough baseline) and what they cost.

The fleet is also the supervisor a deployment would have: a member that exits on its own (a fatal
Kafka error exits with a status) is started again, and the restart is counted.
"""

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_usage(pid):
    """(cpu seconds, rss bytes) of a live process, from /proc."""
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    rss = 0
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return cpu, rss


class Member:
    def __init__(self, name, argv, log_path):
        self.name, self.argv, self.log_path = name, argv, Path(log_path)
        self.process = None
        self.starts = 0
        self.exit_codes = []
        self.supervised = True  # restarted when it exits on its own

    def start(self):
        log = open(self.log_path, "a")
        log.write("=== start %d at %.3f\n" % (self.starts + 1, time.time()))
        log.flush()
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def signal(self, sig):
        if self.alive():
            self.process.send_signal(sig)

    def wait(self, timeout=60):
        if self.process is None:
            return None
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.exit_codes.append(code)
        self.process = None
        return code


class Fleet:
    def __init__(self):
        self.members = []
        self.unplanned_restarts = 0
        self.unplanned_exits = []  # (member, exit status) of each exit nobody asked for
        self.lock = threading.Lock()

    def add(self, member, start=True):
        with self.lock:
            self.members.append(member)
            if start:
                member.start()
        return member

    def supervise(self):
        """Restarts members that exited without being told to (called by the sampler)."""
        with self.lock:
            for member in self.members:
                if member.supervised and member.process is not None and member.process.poll() is not None:
                    member.exit_codes.append(member.process.returncode)
                    self.unplanned_exits.append((member.name, member.process.returncode))
                    member.process = None
                    self.unplanned_restarts += 1
                    member.start()

    def stop(self, member, sig=signal.SIGTERM, timeout=60):
        with self.lock:
            member.supervised = False
            member.signal(sig)
        return member.wait(timeout)

    def restart(self, member):
        with self.lock:
            member.supervised = True
            member.start()

    def stop_all(self):
        codes = {}
        for member in list(self.members):
            if member.alive():
                codes[member.name] = self.stop(member)
        return codes

    def usage(self):
        cpu = rss = 0
        with self.lock:
            for member in self.members:
                if member.alive():
                    try:
                        c, r = proc_usage(member.process.pid)
                        cpu, rss = cpu + c, rss + r
                    except (FileNotFoundError, ProcessLookupError, IndexError):
                        pass
        return cpu, rss


def machine_busy_s():
    """CPU seconds the whole machine has spent busy since boot (all cores; /proc/stat), so a report
    can tell a saturated machine (broker, generator and pipeline share it) from a slow pipeline."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """Every `interval` s: the group's committed input offsets, the inputs' end offsets, CPU and RSS
    of the fleet. Also the fleet's supervisor tick."""

    def __init__(self, fleet, offsets, group, tps, interval=0.5):
        super().__init__(daemon=True)
        self.fleet, self.offsets, self.group, self.tps = fleet, offsets, group, tps
        self.interval = interval
        self.samples = []  # dicts: t, committed, end, cpu_s (cumulative), rss, machine_busy_s
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            t = time.time()
            try:
                committed = self.offsets.committed_total(self.group, self.tps)
                end = self.offsets.end_total(self.tps)
            except Exception:  # the broker may be down on purpose
                committed = end = None
            cpu, rss = self.fleet.usage()
            self.samples.append({"t": t, "committed": committed, "end": end, "cpu_s": cpu, "rss": rss,
                                 "machine_busy_s": machine_busy_s()})
            self.fleet.supervise()
            self.stopping.wait(self.interval)

    def latest_committed(self):
        for sample in reversed(self.samples):
            if sample["committed"] is not None:
                return sample["committed"]
        return 0

    def stop(self):
        self.stopping.set()
        self.join()
