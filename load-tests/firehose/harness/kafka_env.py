"""The real broker (ops/kafka/broker.sh), topics, and reads of offsets and whole topics."""

import subprocess
import time
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

REPO = Path(__file__).resolve().parents[3]
BROKER_SH = REPO / "ops/kafka/broker.sh"


class Broker:
    """A broker this harness started (and stops), or one given by --bootstrap (left alone)."""

    def __init__(self, workdir, bootstrap=None):
        self.dir = Path(workdir) / "broker"
        self.owned = bootstrap is None
        if self.owned:
            subprocess.run([BROKER_SH, "start", self.dir], check=True, stdout=subprocess.DEVNULL)
            bootstrap = (self.dir / "bootstrap").read_text().strip()
        self.bootstrap = bootstrap

    def restart(self, down_seconds):
        if not self.owned:
            raise RuntimeError("broker_restart needs the harness's own broker (no --bootstrap)")
        subprocess.run([BROKER_SH, "stop", self.dir], check=True, stderr=subprocess.DEVNULL)
        time.sleep(down_seconds)
        subprocess.run([BROKER_SH, "restart", self.dir], check=True, stderr=subprocess.DEVNULL)

    def stop(self):
        if self.owned:
            subprocess.run([BROKER_SH, "stop", self.dir], check=False, stderr=subprocess.DEVNULL)


def create_topics(bootstrap, specs):
    """specs: {name: (partitions, {config})}."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(name, partitions, 1, config=config) for name, (partitions, config) in specs.items()]
    )
    for name, future in futures.items():
        future.result(60)
    deadline = time.time() + 60
    while time.time() < deadline:  # metadata reaches every client a moment later
        topics = admin.list_topics(timeout=10).topics
        if all(name in topics and not topics[name].error for name in specs):
            return
        time.sleep(0.2)
    raise RuntimeError("topics did not appear in metadata: %s" % sorted(specs))


class OffsetReader:
    """Committed offsets of a group and end offsets of topics, without joining the group."""

    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self.consumers = {}

    def _consumer(self, group):
        if group not in self.consumers:
            self.consumers[group] = Consumer(
                {"bootstrap.servers": self.bootstrap, "group.id": group,
                 "enable.auto.commit": False, "isolation.level": "read_committed",
                 "log_level": 0}  # a broker down on purpose is not news
            )
        return self.consumers[group]

    def partitions(self, topics, partitions):
        return [TopicPartition(t, p) for t in topics for p in range(partitions)]

    def committed_total(self, group, tps):
        committed = self._consumer(group).committed(tps, timeout=10)
        return sum(max(tp.offset, 0) for tp in committed)

    def end_total(self, tps):
        consumer = self._consumer("firehose-harness-reader")
        return sum(consumer.get_watermark_offsets(tp, timeout=10, cached=False)[1] for tp in tps)

    def close(self):
        for consumer in self.consumers.values():
            consumer.close()


def read_topic(bootstrap, topic, partitions, timeout_s=120):
    """Every committed record of `topic` up to its current end: (key, value, headers, ts_ms)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "firehose-audit",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
    tps = [TopicPartition(topic, p, 0) for p in range(partitions)]
    ends = {}
    for tp in tps:
        low, high = consumer.get_watermark_offsets(tp, timeout=10, cached=False)
        if high > low:
            ends[tp.partition] = high
    consumer.assign(tps)
    records = []
    positions = {p: 0 for p in ends}
    deadline = time.time() + timeout_s
    # read_committed: transaction markers occupy offsets, so a partition is done when the
    # consumer's position reaches the end, not when the count of records does.
    while ends and time.time() < deadline:
        for message in consumer.consume(2000, 0.5):
            if message.error():
                continue
            headers = {k: (v.decode() if v is not None else None) for k, v in (message.headers() or [])}
            key = message.key().decode() if message.key() is not None else None
            records.append((key, message.value(), headers, message.timestamp()[1]))
        for partition in list(ends):
            position = consumer.position([TopicPartition(topic, partition)])[0].offset
            if position >= ends[partition]:
                del ends[partition]
    consumer.close()
    if ends:
        raise RuntimeError("reading %s timed out; partitions left: %s" % (topic, sorted(ends)))
    return records
