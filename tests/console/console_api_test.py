"""`modstream console` against the real broker, fed by a real `modstream run`.

A threat in a direct message to a minor becomes an escalation case; the console (HTTP API, as the
page uses it) shows it on top of the queue with the post's text and the quoted span; a moderator
logs in, claims and confirms it; the decision is on the decisions topic, the pipeline's reputation
stage counts it (`modstream reputation get`), and a second session sees the case gone. Refused: a
wrong password, a POST without the CSRF token, a claim on a case someone else holds, logins over
the throttle. Every login, view, claim and action is on the audit topic, without post text. After
kill -9 and a restart, the console rebuilds its queue and claims from the topics.

Usage: console_api_test.py MODSTREAM_BINARY SOURCE_DIR  (MODSTREAM_BROKER_DIR names the broker)
"""
import atexit
import http.cookiejar
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from checks import Checks  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

binary, source = sys.argv[1], pathlib.Path(sys.argv[2]).resolve()
checks = Checks()
check = checks.check
bootstrap = (pathlib.Path(os.environ["MODSTREAM_BROKER_DIR"]) / "bootstrap").read_text().strip()
run_id = uuid.uuid4().hex[:8]
topics = {name: f"console-{run_id}-{name}" for name in
          ("posts", "media", "decisions", "takedowns", "escalations", "dead-letter", "audit")}
admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.create_topics([NewTopic(topics[t], 2, 1) for t in
                                   ("posts", "media", "decisions", "takedowns", "escalations",
                                    "dead-letter")]).values():
    future.result(30)
work = pathlib.Path(tempfile.mkdtemp(prefix="modstream-console-"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_topic(topic, timeout=20):
    """Every record of `topic` now (read_committed), as parsed JSON values with keys."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"read-{uuid.uuid4().hex}",
                         "isolation.level": "read_committed", "enable.partition.eof": True,
                         "auto.offset.reset": "earliest"})
    metadata = consumer.list_topics(topic, timeout=10).topics[topic]
    partitions = [TopicPartition(topic, p, 0) for p in metadata.partitions]
    consumer.assign(partitions)
    ended, records, deadline = set(), [], time.time() + timeout
    while len(ended) < len(partitions) and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            ended.add(message.partition())
            continue
        records.append((message.key().decode() if message.key() else None,
                        json.loads(message.value())))
    consumer.close()
    return records


# --- the pipeline: a real escalation --------------------------------------------------------
pipeline_config = work / "pipeline.yaml"
pipeline_config.write_text(f"""
kafka: {{bootstrap_servers: "{bootstrap}", group_id: console-{run_id}}}
topics: {{posts: {topics['posts']}, media: {topics['media']}, decisions: {topics['decisions']},
          takedowns: {topics['takedowns']}, escalations: {topics['escalations']},
          dead_letter: {topics['dead-letter']}, reputation_changelog: {topics['posts']}-changelog}}
processing: {{worker_threads: 1, commit_interval_ms: 200}}
logging: {{level: info, format: json}}
metrics: {{listen_address: ""}}
stages:
  - name: reputation
    config: {{state_dir: "{work / 'state'}"}}
  - name: text_risk
    config: {{lexicons: ["{source / 'config' / 'lexicons'}"]}}
  - name: decide
    config: {{policy_file: "{source / 'config' / 'policy' / 'policy.yaml'}"}}
""")
children = []
pipeline = subprocess.Popen([binary, "run", "--config", str(pipeline_config)],
                            stdout=subprocess.DEVNULL, stderr=open(work / "pipeline.log", "w"))
children.append(pipeline)


def stop_children():
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait()


atexit.register(stop_children)
THREAT = "You better keep quiet or I will kill you"
producer = Producer({"bootstrap.servers": bootstrap})
posts = [
    ("acct-threat", {"post_id": "post-threat", "account_id": "acct-threat",
                     "created_at_ms": int(time.time() * 1000), "text": THREAT,
                     "context": {"kind": "direct_message", "recipient_account_id": "acct-child",
                                 "recipient_is_minor": True}}),
    ("acct-other", {"post_id": "post-other", "account_id": "acct-other",
                    "created_at_ms": int(time.time() * 1000), "text": "I w1ll k i l l you"}),
]
for key, post in posts:
    producer.produce(topics["posts"], key=key, value=json.dumps(post))
producer.flush(30)
escalations, deadline = [], time.time() + 90
while time.time() < deadline and len(escalations) < 2:
    escalations = read_topic(topics["escalations"], timeout=5)
    time.sleep(0.5)
check("the pipeline escalated both threats", len(escalations) == 2,
      f"{len(escalations)} escalations; pipeline log:\n{(work / 'pipeline.log').read_text()[-2000:]}")
threat_case = next((e["case"]["case_id"] for _, e in escalations
                    if e["account_id"] == "acct-threat"), None)
other_case = next((e["case"]["case_id"] for _, e in escalations
                   if e["account_id"] == "acct-other"), None)

# --- the console ----------------------------------------------------------------------------
users_file = work / "users.yaml"
for name, role, password in (("alice", "moderator", "alice-long-password"),
                             ("bob", "lead", "bob-long-password-1")):
    added = subprocess.run([binary, "console", "add-user", "--users-file", str(users_file),
                            "--name", name, "--role", role], input=password + "\n", text=True,
                           capture_output=True)
    check(f"add-user {name}", added.returncode == 0, added.stderr)
short = subprocess.run([binary, "console", "add-user", "--users-file", str(users_file), "--name",
                        "carol"], input="short\n", text=True, capture_output=True)
check("add-user refuses a short password", short.returncode == 2 and "12 characters" in short.stderr,
      short.stderr)
check("the users file holds Argon2id hashes, not passwords",
      "$argon2id$" in users_file.read_text() and "alice-long-password" not in users_file.read_text())

port = free_port()
console_config = work / "console.yaml"
console_config.write_text(f"""
kafka: {{bootstrap_servers: "{bootstrap}"}}
topics: {{posts: {topics['posts']}, escalations: {topics['escalations']},
          decisions: {topics['decisions']}, audit: {topics['audit']}}}
listen_address: "127.0.0.1:{port}"
users_file: users.yaml
login_failures_per_window: 3
logging: {{level: info, format: json}}
""")


def start_console():
    process = subprocess.Popen([binary, "console", "--config", str(console_config)],
                               stdout=subprocess.DEVNULL, stderr=open(work / "console.log", "a"))
    children.append(process)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    return process


class Browser:
    """A session as the page keeps it: the cookie jar, and the CSRF token from login."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = None

    def call(self, method, path, body=None, csrf=True):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                         method=method)
        request.add_header("Content-Type", "application/json")
        if csrf and self.csrf:
            request.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def login(self, user, password):
        status, body = self.call("POST", "/api/login", {"user": user, "password": password})
        if status == 200:
            self.csrf = body["csrf_token"]
        return status, body


console = start_console()
alice, bob, stranger = Browser(), Browser(), Browser()
status, _ = alice.login("alice", "wrong password")
check("a wrong password is refused with 401", status == 401, str(status))
status, me = alice.login("alice", "alice-long-password")
check("alice logs in", status == 200 and me.get("role") == "moderator", f"{status} {me}")
status, _ = stranger.call("GET", "/api/queue")
check("the queue needs a session", status == 401, str(status))

deadline, queue = time.time() + 30, {}
while time.time() < deadline:
    status, queue = alice.call("GET", "/api/queue")
    if status == 200 and queue.get("matching") == 2:
        break
    time.sleep(0.3)
check("both cases are in the queue", queue.get("matching") == 2,
      json.dumps(queue)[:500] + "\nescalations: " + json.dumps([e for _, e in escalations])[:3000])
cases = queue.get("cases", [])
check("the threat to a minor is on top (higher priority)",
      bool(cases) and cases[0]["case_id"] == threat_case and cases[0]["minor_recipient"],
      json.dumps(cases)[:500])
status, filtered = alice.call("GET", "/api/queue?minor=1")
check("the DM-to-a-minor filter keeps only that case",
      status == 200 and [c["case_id"] for c in filtered["cases"]] == [threat_case], str(filtered)[:300])

status, detail = alice.call("GET", f"/api/cases/{threat_case}")
item = (detail.get("items") or [{}])[0]
check("the case page has the post's text", item.get("text") == THREAT, json.dumps(detail)[:800])
spans = [r["span"] for r in item.get("reasons", [])]
check("a reason's span points at the quoted words in that text",
      any(THREAT.encode()[b:e].decode() == r["quote"] for (b, e), r in
          zip(spans, item.get("reasons", [])))
      and any("kill" in r["quote"] for r in item.get("reasons", [])), json.dumps(item)[:800])

status, _ = alice.call("POST", f"/api/cases/{threat_case}/claim", {}, csrf=False)
check("a POST without the CSRF token is refused", status == 403, str(status))
status, claim = alice.call("POST", f"/api/cases/{threat_case}/claim", {})
check("alice claims the case", status == 200 and claim.get("claimed_by") == "alice", f"{status} {claim}")
status, _ = bob.login("bob", "bob-long-password-1")
status, refused = bob.call("POST", f"/api/cases/{threat_case}/claim", {})
check("bob cannot claim a case alice holds", status == 409 and "alice" in refused.get("error", ""),
      f"{status} {refused}")
status, refused = bob.call("POST", f"/api/cases/{threat_case}/decision",
                           {"decision": "dismissed", "category": "threat_of_violence"})
check("bob cannot decide a case he has not claimed", status == 409, f"{status} {refused}")
status, decided = alice.call("POST", f"/api/cases/{threat_case}/decision",
                             {"decision": "confirmed", "category": "threat_of_violence"})
check("alice confirms it", status == 200, f"{status} {decided}")

decisions = read_topic(topics["decisions"])
check("the decision is on the decisions topic, keyed by the account",
      [(k, d["case_id"], d["decision"], d["category"], d.get("moderator")) for k, d in decisions] ==
      [("acct-threat", threat_case, "confirmed", "threat_of_violence", "alice")], str(decisions))
status, queue = bob.call("GET", "/api/queue")
check("a second session sees the case gone",
      status == 200 and [c["case_id"] for c in queue["cases"]] == [other_case], str(queue)[:300])

deadline, strikes = time.time() + 30, None
while time.time() < deadline:
    got = subprocess.run([binary, "reputation", "get", "acct-threat", "--config",
                          str(pipeline_config)], capture_output=True, text=True)
    if got.returncode == 0 and json.loads(got.stdout)["snapshot"]["confirmed_violations"] == 1:
        strikes = json.loads(got.stdout)["snapshot"]
        break
    time.sleep(0.5)
check("the pipeline's reputation stage counted the confirmed violation", strikes is not None,
      got.stdout + got.stderr)

# bob claims the other case, then the console is killed: the claim survives in the audit topic.
status, _ = bob.call("POST", f"/api/cases/{other_case}/claim", {})
check("bob claims the other case", status == 200, str(status))
console.send_signal(signal.SIGKILL)
console.wait()
console = start_console()
status, _ = bob.call("GET", "/api/queue")
check("sessions do not survive a restart (log in again)", status == 401, str(status))
bob.login("bob", "bob-long-password-1")
deadline = time.time() + 30
while time.time() < deadline:
    status, queue = bob.call("GET", "/api/queue")
    if status == 200 and queue.get("caught_up"):
        break
    time.sleep(0.3)
check("after kill -9 the rebuilt queue has the open case, still claimed by bob",
      [(c["case_id"], c["claimed_by"]) for c in queue.get("cases", [])] == [(other_case, "bob")],
      str(queue)[:400])

for _ in range(3):
    status, _ = stranger.login("alice", "guess")
status, refused = stranger.login("alice", "alice-long-password")
check("after 3 failed logins even the right password is refused for a while", status == 429,
      f"{status} {refused}")

audit = [record for _, record in read_topic(topics["audit"])]
actions = [(a["user"], a["action"]) for a in audit]
for expected in (("alice", "login"), ("alice", "view"), ("alice", "claim"), ("alice", "confirm"),
                 ("bob", "claim"), ("alice", "login_refused")):
    check(f"audit has {expected}", expected in actions, str(actions))
check("no post text in the audit topic or the console's log",
      "kill you" not in json.dumps(audit) and "kill you" not in (work / "console.log").read_text())

console.send_signal(signal.SIGTERM)
check("the console stops on SIGTERM", console.wait(timeout=30) == 0)
pipeline.send_signal(signal.SIGTERM)
pipeline.wait(timeout=60)
checks.finish()
