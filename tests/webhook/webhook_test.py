"""`modstream webhook` and `modstream tail` against the real broker and a local HTTP server.

Events are produced with an independent Kafka client (confluent-kafka); the HTTP server checks
every request's signature with Python's own hmac, answers some events with 503 a few times (they
must be retried with growing back-off), refuses some with 400 (dead-lettered at once) and some
with 503 for ever (dead-lettered after max_attempts). Nothing may be lost: every event is either
delivered or in the dead-letter topic with its original bytes and an `undeliverable` error.

Usage: webhook_test.py MODSTREAM_BINARY  (MODSTREAM_BROKER_DIR names the running broker)
"""
import hashlib
import hmac
import http.server
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from checks import Checks  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

binary = sys.argv[1]
bootstrap = (pathlib.Path(os.environ["MODSTREAM_BROKER_DIR"]) / "bootstrap").read_text().strip()
checks = Checks()
check = checks.check
run_id = uuid.uuid4().hex[:8]
events_topic = f"webhook-events-{run_id}"
dead_topic = f"webhook-dead-{run_id}"
secret = "s3cr3t-" + run_id

admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.create_topics([NewTopic(events_topic, 2, 1), NewTopic(dead_topic, 1, 1)]).values():
    future.result(30)

# 40 takedown-shaped events; some flaky, some refused, some never accepted.
FLAKY = {f"td-{i:032x}" for i in (3, 11, 25)}
REFUSED = {f"td-{i:032x}" for i in (7, 30)}
DOWN = {f"td-{i:032x}" for i in (19,)}
events = []
for i in range(40):
    event = {"schema_version": 1, "event_id": f"td-{i:032x}", "event_type": "takedown",
             "content_ids": {"account_id": f"acct-{i % 5}", "media_id": f"media-{i}"},
             "match": {"bank": "test-bank", "entry_id": f"E-{i}", "hash_type": "md5", "distance": 0,
                       "category": "A", "match_source": "media_bytes", "transform": "original"},
             "action": "remove", "preserve_evidence": True, "detected_at_ms": 1795000000000 + i,
             "source": {"topic": "media", "partition": i % 2, "offset": i}, "sequence": i}
    events.append(event)

attempts = {}  # event id -> [(time, status)]
bad_signatures = []
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        parts = dict(p.split("=", 1) for p in self.headers.get("X-Modstream-Signature", "").split(","))
        expected = hmac.new(secret.encode(), parts.get("t", "").encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        event_id = self.headers.get("X-Modstream-Event-Id", "")
        with lock:
            if not hmac.compare_digest(expected, parts.get("v1", "")) or \
                    abs(time.time() - int(parts.get("t", "0"))) > 300:
                bad_signatures.append(event_id)
                status = 401
            elif event_id in REFUSED:
                status = 400
            elif event_id in DOWN or (event_id in FLAKY and len(attempts.get(event_id, [])) < 2):
                status = 503
            else:
                status = 204
            attempts.setdefault(event_id, []).append((time.monotonic(), status, json.loads(body)))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()

producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
for event in events:
    producer.produce(events_topic, key=event["content_ids"]["media_id"], value=json.dumps(event),
                     partition=event["sequence"] % 2, headers=[("modstream.event_type", b"takedown")])
check("events produced", producer.flush(30) == 0)

work = pathlib.Path(tempfile.mkdtemp(prefix="modstream-webhook-"))
(work / "secret").write_text(secret + "\n")
config = work / "webhook.yaml"
config.write_text(f"""
kafka: {{bootstrap_servers: "{bootstrap}", group_id: webhook-{run_id}}}
topics: [{events_topic}]
endpoint: "http://127.0.0.1:{server.server_address[1]}/hooks/modstream"
secret_file: {work / 'secret'}
timeout_ms: 2000
max_attempts: 4
initial_backoff_ms: 100
max_backoff_ms: 400
dead_letter_topic: {dead_topic}
""")
log = open(work / "webhook.log", "w")
bridge = subprocess.Popen([binary, "webhook", "--config", str(config)], stderr=log)


def read_topic(topic, expect, timeout_s=60):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.subscribe([topic])
    records, deadline = [], time.time() + timeout_s
    while len(records) < expect and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is not None and not m.error():
            records.append(m)
    consumer.close()
    return records


ok_ids = {e["event_id"] for e in events} - REFUSED - DOWN
deadline = time.time() + 90
while time.time() < deadline:
    with lock:
        delivered = {i for i, a in attempts.items() if any(s == 204 for _, s, _ in a)}
    if delivered >= ok_ids:
        break
    time.sleep(0.2)
dead = read_topic(dead_topic, len(REFUSED | DOWN))
bridge.send_signal(signal.SIGTERM)
check("the bridge stops cleanly on SIGTERM", bridge.wait(30) == 0, (work / "webhook.log").read_text()[-3000:])

with lock:
    check("every request carried a valid signature", not bad_signatures, str(bad_signatures))
    check("every accepted event was delivered", delivered == ok_ids, str(sorted(ok_ids - delivered)))
    check("a delivered event was not sent again",
          all(sum(1 for _, s, _ in attempts[i] if s == 204) == 1 for i in ok_ids))
    flaky_attempts = {i: [t for t, _, _ in attempts[i]] for i in FLAKY}
    check("flaky events were retried until accepted",
          all(len(t) == 3 for t in flaky_attempts.values()), str(flaky_attempts))
    gaps = [b - a for t in flaky_attempts.values() for a, b in zip(t, t[1:])]
    check("retries back off (first wait >= 50 ms, all under 2 s)",
          all(0.05 <= g < 2 for g in gaps), str(gaps))
    check("a refused event is not retried", all(len(attempts[i]) == 1 for i in REFUSED),
          str({i: len(attempts[i]) for i in REFUSED}))
    check("an event never accepted is tried max_attempts times",
          all(len(attempts[i]) == 4 for i in DOWN), str({i: len(attempts[i]) for i in DOWN}))
    per_partition = {0: [], 1: []}
    for event_id, a in attempts.items():
        first = a[0]
        per_partition[first[2]["sequence"] % 2].append((first[0], first[2]["sequence"]))
    check("events of a partition are delivered in order",
          all([s for _, s in sorted(p)] == sorted(s for _, s in p) for p in per_partition.values()))

dead_by_id = {}
for m in dead:
    dead_by_id[json.loads(m.value())["event_id"]] = m
check("refused and undeliverable events are in the dead-letter topic",
      set(dead_by_id) == REFUSED | DOWN, str(sorted(dead_by_id)))
originals = {e["event_id"]: json.dumps(e).encode() for e in events}
for event_id, m in dead_by_id.items():
    headers = {k: (v or b"").decode() for k, v in (m.headers() or [])}
    check(f"dead letter {event_id} keeps the original bytes", m.value() == originals[event_id])
    check(f"dead letter {event_id} names the error and the source",
          headers.get("modstream.error.class") == "undeliverable"
          and ("HTTP 400" if event_id in REFUSED else "HTTP 503") in headers.get("modstream.error.message", "")
          and headers.get("modstream.source.topic") == events_topic, str(headers))

# The bridge committed what it finished: a restart delivers nothing again.
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"webhook-{run_id}"})
committed = consumer.committed([TopicPartition(events_topic, 0), TopicPartition(events_topic, 1)], 10)
consumer.close()
check("every event's offset is committed", sum(tp.offset for tp in committed) == len(events),
      str([(tp.partition, tp.offset) for tp in committed]))

# `modstream tail` shows the same events to a person.
pipeline = work / "pipeline.yaml"
pipeline.write_text(f'kafka: {{bootstrap_servers: "{bootstrap}"}}\nstages: [{{name: decide}}]\n')
tail = subprocess.run([binary, "tail", events_topic, "--config", str(pipeline), "--from-beginning",
                       "--until-end"], capture_output=True, text=True, timeout=60)
lines = tail.stdout.splitlines()
check("tail prints one line per event and exits at the end", tail.returncode == 0 and len(lines) == 40,
      tail.stdout[-2000:] + tail.stderr[-2000:])
check("tail describes takedowns for a person",
      any("media media-7 of acct-2  matched test-bank entry E-7 (md5 distance 0, category A" in l
          for l in lines), "\n".join(lines[:3]))
tail_json = subprocess.run([binary, "tail", dead_topic, "--config", str(pipeline), "--from-beginning",
                            "-n", "1", "--json"], capture_output=True, text=True, timeout=60)
record = json.loads(tail_json.stdout.splitlines()[0])
check("tail --json shows headers and the value",
      record["headers"].get("modstream.error.class") == "undeliverable" and "event_id" in record["value"],
      tail_json.stdout[:1000])

# Untrusted text never reaches the operator's terminal raw: ids, quotes and error messages with
# terminal control sequences (retitle, clear screen, colour, clipboard) and a bidi override, and a
# dead letter whose value is not UTF-8.
hostile_topic = f"webhook-{run_id}-hostile"
for future in admin.create_topics([NewTopic(hostile_topic, 1, 1)]).values():
    future.result(30)
evil = "acct\x1b]0;owned\x07\x1b[2J\x1b[31m\x1b]52;c;aGk=\x07\u202egnp\u009b"
takedown = {"schema_version": 1, "event_id": "td-hostile", "event_type": "takedown",
            "content_ids": {"account_id": evil, "media_id": "m\x1b[2J"},
            "match": {"bank": "b", "entry_id": "E\x07", "hash_type": "md5", "distance": 0,
                      "category": "A", "match_source": "media_bytes", "transform": "original"},
            "action": "remove"}
producer.produce(hostile_topic, key=evil.encode(), value=json.dumps(takedown).encode(),
                 headers=[("modstream.event_type", b"takedown")])
producer.produce(hostile_topic, key=b"k", value=b"\xff\xd8\xff\x1b[2J not utf-8 \x80",
                 headers=[("modstream.error.class", b"schema_violation"),
                          ("modstream.error.message", evil.encode()),
                          ("modstream.source.topic", b"posts\x1b]0;t\x07"),
                          ("modstream.source.partition", b"0"), ("modstream.source.offset", b"5")])
check("hostile records produced", producer.flush(30) == 0)
raw_bytes = {"ESC": b"\x1b", "BEL": b"\x07", "U+009B": "\u009b".encode(), "U+202E": "\u202e".encode()}
for flags in ([], ["--json"]):
    shown = subprocess.run([binary, "tail", hostile_topic, "--config", str(pipeline),
                            "--from-beginning", "--until-end", *flags], capture_output=True,
                           timeout=60)
    out = shown.stdout
    check(f"tail {' '.join(flags)} prints both hostile records", shown.returncode == 0
          and len(out.splitlines()) == 2, (out + shown.stderr)[-2000:].decode(errors="replace"))
    for name, raw in raw_bytes.items():
        check(f"tail {' '.join(flags)} never prints a raw {name}", raw not in out, repr(out[:600]))
    visible = b"\\x1b]0;owned" if not flags else b"\\u001b]0;owned"
    check(f"tail {' '.join(flags)} shows the escapes visibly", visible in out, repr(out[:600]))

server.shutdown()
checks.finish()
