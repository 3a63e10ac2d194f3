"""Hostile-input sweep on the real broker: every class of bad record at, just under and just over
each limit on its path (modstream's `limits`, hash_match's image limits, the dead-letter topic's
max.message.bytes), each between two good posts, through a running `modstream run`.

Reported (JSON on stdout, and a Markdown table with --markdown FILE): stalls (the group's committed
offsets never reach the end), lost (a bad record with no dead letter of its class), unexpected (a
record that should pass but was dead-lettered, or a dead letter of the wrong class) and every case
with what happened to it. Exits 1 unless stalls, lost and unexpected are all 0.

Usage: sweep.py MODSTREAM_BINARY SOURCE_DIR [--markdown FILE]   (MODSTREAM_BROKER_DIR names the broker)
"""
import argparse
import json
import os
import pathlib
import struct
import subprocess
import sys
import tempfile
import time
import uuid
import zlib

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("source")
parser.add_argument("--markdown")
args = parser.parse_args()
source = pathlib.Path(args.source).resolve()
bootstrap = (pathlib.Path(os.environ["MODSTREAM_BROKER_DIR"]) / "bootstrap").read_text().strip()
run_id = uuid.uuid4().hex[:8]
topics = {name: f"sweep-{run_id}-{name}" for name in
          ("posts", "media", "takedowns", "escalations", "dead-letter")}

MAX_RECORD, MAX_TEXT, MAX_MEDIA, MAX_DEPTH = 1048576, 65536, 16, 32  # modstream's default limits
MAX_SIDE, MAX_PIXELS = 16384, 64_000_000  # hash_match's default image_limits
DEAD_LETTER_TOPIC_MAX = 1048588  # the broker's default max.message.bytes, kept for the dead letters


def post(post_id, account="acct-1", **fields):
    body = {"post_id": post_id, "account_id": account, "created_at_ms": 1795000000000,
            "text": "hello"}
    body.update(fields)
    return json.dumps(body, ensure_ascii=False).encode()


def padded_post(post_id, size):
    """A valid post of exactly `size` bytes (an unknown field pads it; unknown fields are allowed)."""
    empty = post(post_id, pad="")
    return post(post_id, pad="x" * (size - len(empty)))


def nested(depth):
    """A post whose value nests objects and arrays `depth` deep (the post object is level 1)."""
    return ('{"post_id":"deep","account_id":"acct-1","created_at_ms":1,"text":"hi","x":'
            + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "}").encode()


def png_claiming(width, height):
    """A PNG signature and IHDR chunk claiming width x height, with no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


def media_headers(media_id, **overrides):
    """A media record's headers; an override of None leaves that header out."""
    headers = {"media_id": media_id, "account_id": "acct-1", "content_type": "image/png"}
    headers.update(overrides)
    return [(k, v.encode()) for k, v in headers.items() if v is not None]


def corrupt_jpeg(size):
    return b"\xff\xd8\xff" + bytes((i * 131) % 251 for i in range(size - 3))


# (name, topic, key, value, headers, expected class or None when it must pass)
M = "media"
cases = [
    ("malformed: truncated JSON", "posts", b"acct-1", b'{"post_id": "p", "account', [], "malformed_json"),
    ("malformed: not JSON", "posts", b"acct-1", b"hello there", [], "malformed_json"),
    ("malformed: invalid UTF-8", "posts", b"acct-1", b'{"post_id":"\xff\xfe"}', [], "malformed_json"),
    ("malformed: empty value", "posts", b"acct-1", b"", [], "malformed_json"),
    ("schema: array at top level", "posts", b"acct-1", b"[1,2]", [], "schema_violation"),
    ("schema: missing post_id", "posts", b"acct-1",
     json.dumps({"account_id": "acct-1", "created_at_ms": 1, "text": "x"}).encode(), [], "schema_violation"),
    ("schema: created_at_ms a string", "posts", b"acct-1", post("p-t", created_at_ms="now"), [],
     "schema_violation"),
    ("schema: unknown context.kind", "posts", b"acct-1", post("p-k", context={"kind": "dm"}), [],
     "schema_violation"),
    ("schema: DM without recipient", "posts", b"acct-1",
     post("p-dm", context={"kind": "direct_message"}), [], "schema_violation"),
    ("schema: account id with ESC", "posts", b"acct-\x1b[2J", post("p-e", account="acct-\x1b[2J"), [],
     "schema_violation"),
    ("schema: post id with U+202E", "posts", b"acct-1", post("p-\u202egnp"), [], "schema_violation"),
    ("key: differs from account_id", "posts", b"acct-2", post("p-key"), [], "schema_violation"),
    ("key: none", "posts", None, post("p-nokey"), [], "schema_violation"),
    ("headers: media without media_id", M, b"acct-1", png_claiming(10, 10),
     media_headers(None), "missing_header"),
    ("headers: media without account_id", M, b"acct-1", png_claiming(10, 10),
     media_headers("m-na", account_id=None), "missing_header"),
    ("headers: media without content_type", M, b"acct-1", png_claiming(10, 10),
     media_headers("m-nc", content_type=None), "missing_header"),
    ("image: corrupt JPEG", M, b"acct-1", corrupt_jpeg(5000), media_headers("m-cj"), "corrupt_image"),
    ("image: unknown format", M, b"acct-1", b"GIF89a" + b"\0" * 100, media_headers("m-gif"),
     "unsupported_image"),
    (f"image side: {MAX_SIDE} (at)", M, b"acct-1", png_claiming(MAX_SIDE, 1), media_headers("m-s0"),
     "corrupt_image"),  # passes the side check, then has no pixel data
    (f"image side: {MAX_SIDE + 1} (over)", M, b"acct-1", png_claiming(MAX_SIDE + 1, 1),
     media_headers("m-s1"), "image_too_large"),
    (f"image pixels: {MAX_PIXELS} (at)", M, b"acct-1", png_claiming(8000, 8000), media_headers("m-p0"),
     "corrupt_image"),
    (f"image pixels: {8000 * 8001} (over)", M, b"acct-1", png_claiming(8000, 8001),
     media_headers("m-p1"), "image_too_large"),
    ("image bomb: 16384 x 16384", M, b"acct-1", png_claiming(MAX_SIDE, MAX_SIDE),
     media_headers("m-bomb"), "image_too_large"),
    (f"JSON depth: {MAX_DEPTH - 1} (under)", "posts", b"acct-1", nested(MAX_DEPTH - 1), [], None),
    (f"JSON depth: {MAX_DEPTH} (at)", "posts", b"acct-1", nested(MAX_DEPTH), [], None),
    (f"JSON depth: {MAX_DEPTH + 1} (over)", "posts", b"acct-1", nested(MAX_DEPTH + 1), [],
     "record_too_large"),
    (f"text: {MAX_TEXT - 1} bytes (under)", "posts", b"acct-1", post("p-t0", text="a" * (MAX_TEXT - 1)),
     [], None),
    (f"text: {MAX_TEXT} bytes (at)", "posts", b"acct-1", post("p-t1", text="a" * MAX_TEXT), [], None),
    (f"text: {MAX_TEXT + 1} bytes (over)", "posts", b"acct-1", post("p-t2", text="a" * (MAX_TEXT + 1)),
     [], "record_too_large"),
    (f"media per post: {MAX_MEDIA} (at)", "posts", b"acct-1",
     post("p-m0", media=[{"media_id": f"m{i}"} for i in range(MAX_MEDIA)]), [], None),
    (f"media per post: {MAX_MEDIA + 1} (over)", "posts", b"acct-1",
     post("p-m1", media=[{"media_id": f"m{i}"} for i in range(MAX_MEDIA + 1)]), [], "record_too_large"),
    (f"record: {MAX_RECORD - 1} bytes (under)", "posts", b"acct-1", padded_post("p-r0", MAX_RECORD - 1),
     [], None),
    (f"record: {MAX_RECORD} bytes (at)", "posts", b"acct-1", padded_post("p-r1", MAX_RECORD), [], None),
    (f"record: {MAX_RECORD + 1} bytes (over; dead letter truncated)", "posts", b"acct-1",
     padded_post("p-r2", MAX_RECORD + 1), [], "record_too_large"),
    # The dead-letter topic's own limit: bad media whose dead letter fits whole, sits at the
    # topic's limit, or is past it (carried in the truncated form).
    ("dead letter: 1,000,000-byte corrupt image", M, b"acct-1", corrupt_jpeg(1_000_000),
     media_headers("m-d0"), "corrupt_image"),
    (f"dead letter: {DEAD_LETTER_TOPIC_MAX}-byte corrupt image", M, b"acct-1",
     corrupt_jpeg(DEAD_LETTER_TOPIC_MAX), media_headers("m-d1"), "record_too_large"),
    ("dead letter: 1,040,000-byte corrupt image (the original report)", M, b"acct-1",
     corrupt_jpeg(1_040_000), media_headers("m-d2"), "corrupt_image"),
]

admin = AdminClient({"bootstrap.servers": bootstrap})
inputs = {"max.message.bytes": str(4 * MAX_RECORD)}  # the input topics take more than our limit
new = [NewTopic(topics["posts"], 1, 1, config=inputs), NewTopic(topics["media"], 1, 1, config=inputs)]
new += [NewTopic(topics[t], 1, 1) for t in ("takedowns", "escalations", "dead-letter")]
for future in admin.create_topics(new).values():
    future.result(30)

# Every case between two good posts, in one partition per topic: a stall anywhere stops the rest.
producer = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": 8 * MAX_RECORD,
                     "enable.idempotence": True})
expected = {}  # (topic, offset) -> (case name, class or None)
offsets = {"posts": 0, "media": 0}
for i, (name, topic, key, value, headers, error_class) in enumerate(cases):
    for _ in (0, 1):
        producer.produce(topics["posts"], key=b"acct-1", value=post(f"good-{i}-{_}"))
        expected[(topics["posts"], offsets["posts"])] = ("good post", None)
        offsets["posts"] += 1
        if _ == 0:
            producer.produce(topics[topic], key=key, value=value, headers=headers)
            expected[(topics[topic], offsets[topic])] = (name, error_class)
            offsets[topic] += 1
        producer.poll(0)
if producer.flush(60) != 0:
    sys.exit("sweep: the workload could not be produced")

work = pathlib.Path(tempfile.mkdtemp(prefix="modstream-sweep-"))
(work / "bank.csv").write_text("hash_type,value,entry_id,category,source\n"
                               "md5,00000000000000000000000000000001,E-1,A,test\n")
config = work / "pipeline.yaml"
config.write_text(f"""
kafka: {{bootstrap_servers: "{bootstrap}", group_id: sweep-{run_id}}}
topics: {{posts: {topics['posts']}, media: {topics['media']}, takedowns: {topics['takedowns']},
          escalations: {topics['escalations']}, dead_letter: {topics['dead-letter']},
          reputation_changelog: {topics['posts']}-changelog}}
processing: {{worker_threads: 2, commit_interval_ms: 200}}
metrics: {{listen_address: ""}}
stages:
  - {{name: hash_match, config: {{banks: [{{name: b, path: bank.csv}}]}}}}
  - {{name: text_risk, config: {{lexicons: ["{source / 'config' / 'lexicons'}"]}}}}
  - {{name: decide, config: {{guardrails: {{takedowns_per_second: 1000000, takedown_burst: 1000000}}}}}}
""")
log = open(work / "modstream.log", "w")
pipeline = subprocess.Popen([args.binary, "run", "--config", str(config)], stdout=subprocess.DEVNULL,
                            stderr=log)
try:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"sweep-{run_id}"})
    ends = {topics["posts"]: offsets["posts"], topics["media"]: offsets["media"]}
    deadline, committed = time.time() + 120, {}
    while time.time() < deadline and pipeline.poll() is None:
        try:
            parts = consumer.committed([TopicPartition(t, 0) for t in ends], 10)
            committed = {p.topic: p.offset for p in parts}
        except KafkaException as e:  # the group coordinator moving or loading: ask again
            print(f"sweep: committed offsets not readable yet: {e}", file=sys.stderr)
        if all(committed.get(t) == end for t, end in ends.items()):
            break
        time.sleep(0.5)
    consumer.close()
    stalls = sum(1 for t, end in ends.items() if committed.get(t) != end)
finally:
    pipeline.terminate()
    exit_code = pipeline.wait(60)

reader = Consumer({"bootstrap.servers": bootstrap, "group.id": f"sweep-{run_id}-audit",
                   "auto.offset.reset": "earliest", "enable.partition.eof": True,
                   "isolation.level": "read_committed"})
reader.assign([TopicPartition(topics["dead-letter"], 0, 0)])
dead = {}
while True:
    m = reader.poll(10)
    if m is None or (m.error() and m.error().code() == -191):  # _PARTITION_EOF
        break
    h = {k: (v or b"").decode(errors="replace") for k, v in (m.headers() or [])}
    dead[(h.get("modstream.source.topic"), int(h.get("modstream.source.offset", -1)))] = (h, m.value())
reader.close()

rows, lost, unexpected = [], 0, 0
for (topic, offset), (name, error_class) in expected.items():
    got = dead.get((topic, offset))
    got_class = got[0].get("modstream.error.class") if got else None
    truncated = bool(got and got[0].get("modstream.value.truncated") == "true")
    if error_class and got_class != error_class:
        lost += 1 if not got else 0
        unexpected += 1 if got else 0
    elif not error_class and got:
        unexpected += 1
    if name != "good post":
        rows.append({"case": name, "expected": error_class or "passes", "got": got_class or "passed",
                     "dead_letter_truncated": truncated,
                     "message": got[0].get("modstream.error.message", "")[:120] if got else ""})
report = {"cases": len(cases), "good_posts": sum(1 for n, _ in expected.values() if n == "good post"),
          "stalls": stalls, "lost": lost, "unexpected": unexpected, "dead_letters": len(dead),
          "pipeline_exit": exit_code, "results": rows}
print(json.dumps(report, indent=1))
if args.markdown:
    lines = ["| case | expected | got | dead letter truncated |", "|---|---|---|---|"]
    lines += [f"| {r['case']} | {r['expected']} | {r['got']} | {'yes' if r['dead_letter_truncated'] else ''} |"
              for r in rows]
    summary = (f"{len(cases)} hostile records between {report['good_posts']} good posts: "
               f"stalls {stalls}, lost {lost}, unexpected {unexpected}, pipeline exit {exit_code}.\n\n")
    pathlib.Path(args.markdown).write_text(summary + "\n".join(lines) + "\n")
ok = stalls == 0 and lost == 0 and unexpected == 0 and exit_code == 0
if not ok:
    print(f"sweep FAILED (log: {work / 'modstream.log'})", file=sys.stderr)
sys.exit(0 if ok else 1)
