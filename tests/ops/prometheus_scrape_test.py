"""A real Prometheus (Debian's package) scrapes a running `modstream run` against the real broker.

Checks, through Prometheus's own query API: the expected series carry the expected values after a
known workload (records consumed, takedowns and dead letters published, bank matches, actions,
lag back to 0, data versions); the alert rules of ops/prometheus load and evaluate; every metric
the alerts and the Grafana dashboard use exists. Also: /healthz and /readyz answer, and the logs are
JSON lines without post text.

Usage: prometheus_scrape_test.py MODSTREAM_BINARY SOURCE_DIR  (MODSTREAM_BROKER_DIR names the broker)
"""
import hashlib
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from checks import Checks  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

binary, source = sys.argv[1], pathlib.Path(sys.argv[2]).resolve()
checks = Checks()
check = checks.check
prometheus = shutil.which("prometheus")
if not prometheus:
    print("FAILED: the prometheus binary is missing (ops/scripts/install-deps.sh installs it)")
    sys.exit(1)
bootstrap = (pathlib.Path(os.environ["MODSTREAM_BROKER_DIR"]) / "bootstrap").read_text().strip()
run_id = uuid.uuid4().hex[:8]
topics = {name: f"scrape-{run_id}-{name}" for name in
          ("posts", "media", "takedowns", "escalations", "dead-letter")}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.create_topics([NewTopic(t, 2, 1) for t in topics.values()]).values():
    future.result(30)

# The workload: 300 posts, every 10th with a banked client-side MD5, every 7th a threat,
# every 50th malformed JSON.
work = pathlib.Path(tempfile.mkdtemp(prefix="modstream-scrape-"))
bank = ["hash_type,value,entry_id,category,source"]
records, takedowns, malformed = [], 0, 0
for i in range(300):
    account = f"acct-{i % 17}"
    if i % 50 == 49:
        records.append((account, '{"post_id": "broken'))
        malformed += 1
        continue
    post = {"post_id": f"post-{i}", "account_id": account, "created_at_ms": 1795000000000 + i,
            "text": "I w1ll k i l l you" if i % 7 == 0 else f"a quiet post number {i}"}
    if i % 10 == 0:
        md5 = hashlib.md5(f"known-{i}".encode()).hexdigest()
        bank.append(f"md5,{md5},E-{i},A,test")
        post["media"] = [{"media_id": f"media-{i}", "md5": md5}]
        takedowns += 1
    records.append((account, json.dumps(post)))
(work / "bank.csv").write_text("\n".join(bank) + "\n")

metrics_port, prometheus_port = free_port(), free_port()
config = work / "pipeline.yaml"
config.write_text(f"""
kafka: {{bootstrap_servers: "{bootstrap}", group_id: scrape-{run_id}}}
topics: {{posts: {topics['posts']}, media: {topics['media']}, takedowns: {topics['takedowns']},
          escalations: {topics['escalations']}, dead_letter: {topics['dead-letter']},
          reputation_changelog: {topics['posts']}-changelog}}
processing: {{worker_threads: 2, commit_interval_ms: 200}}
logging: {{level: info, format: json}}
metrics: {{listen_address: "127.0.0.1:{metrics_port}"}}
stages:
  - name: hash_match
    config: {{banks: [{{name: test-bank, path: bank.csv}}]}}
  - name: reputation
    config: {{state_dir: "{work / 'state'}"}}
  - name: text_risk
    config: {{lexicons: ["{source / 'config' / 'lexicons'}"]}}
  - name: decide
    config: {{policy_file: "{source / 'config' / 'policy' / 'policy.yaml'}"}}
""")
log_path = work / "modstream.log"
pipeline = subprocess.Popen([binary, "run", "--config", str(config)], stderr=open(log_path, "w"))

base = f"http://127.0.0.1:{metrics_port}"
deadline = time.time() + 60
answers = []  # (status, body) of /readyz while the process starts, connection errors left out
while time.time() < deadline and (not answers or answers[-1][0] != 200):
    status, body = get(base + "/readyz")
    if status:
        answers.append((status, body.strip()))
    time.sleep(0.01)
reasons = ("waiting for the consumer group", "restoring partition state")
check("/readyz is 503 with the reason until the group assigned partitions and state is restored",
      len(answers) > 1 and all(status == 503 and body.startswith(reasons) for status, body in answers[:-1]),
      str(answers[:3]))
status, body = get(base + "/readyz")
check("/readyz answers 200 once the group has assigned partitions", status == 200 and "ready" in body,
      f"{status} {body}")
status, body = get(base + "/healthz")
check("/healthz answers 200", status == 200, f"{status} {body}")
# The probes above must have been served with OpenBLAS in the process: its 60 KiB of static TLS
# in every thread is what overflowed the old server's fixed 100 KiB worker stacks. install-deps.sh
# makes OpenBLAS the system BLAS; a machine where it is not gives this test no evidence.
maps = pathlib.Path(f"/proc/{pipeline.pid}/maps").read_text() if pipeline.poll() is None else ""
check("the pipeline runs with OpenBLAS as its BLAS (libopenblas mapped)", "libopenblas" in maps,
      "exited" if pipeline.poll() is not None else "no libopenblas in /proc/PID/maps")
check("the pipeline is still alive after the probes", pipeline.poll() is None,
      f"exit code {pipeline.poll()}")

producer = Producer({"bootstrap.servers": bootstrap})
for key, value in records:
    producer.produce(topics["posts"], key=key, value=value)
check("workload produced", producer.flush(30) == 0)

prometheus_dir = work / "prometheus"
prometheus_dir.mkdir()
shutil.copy(source / "ops" / "prometheus" / "alerts.yml", prometheus_dir / "alerts.yml")
(prometheus_dir / "prometheus.yml").write_text(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: [alerts.yml]
scrape_configs:
  - job_name: modstream
    static_configs: [{{targets: ["127.0.0.1:{metrics_port}"]}}]
""")
prom = subprocess.Popen([prometheus, f"--config.file={prometheus_dir / 'prometheus.yml'}",
                         f"--storage.tsdb.path={prometheus_dir / 'data'}",
                         f"--web.listen-address=127.0.0.1:{prometheus_port}"],
                        stdout=subprocess.DEVNULL, stderr=open(work / "prometheus.log", "w"))
api = f"http://127.0.0.1:{prometheus_port}/api/v1"


def query(expr):
    status, body = get(api + "/query?" + urllib.parse.urlencode({"query": expr}))
    if status != 200:
        return None
    result = json.loads(body)["data"]["result"]
    return float(result[0]["value"][1]) if result else None


expected = {
    'sum(modstream_records_consumed_total)': len(records),
    f'sum(modstream_outputs_published_total{{topic="{topics["takedowns"]}"}})': takedowns,
    'sum(modstream_dead_letters_total{error_class="malformed_json"})': malformed,
    'sum(modstream_bank_matches_total{bank="test-bank",hash_type="md5"})': takedowns,
    'sum(modstream_actions_total{action="takedown"})': takedowns,
    'sum(modstream_consumer_lag)': 0,
    'up{job="modstream"}': 1,
    'count(modstream_data_version_info{data="hash_banks"})': 1,
    'sum(modstream_assigned_partitions)': 4,  # posts and media, 2 partitions each
}
seen = {}
deadline = time.time() + 90
while time.time() < deadline:
    seen = {expr: query(expr) for expr in expected}
    if all(seen[e] == v for e, v in expected.items()):
        break
    time.sleep(1)
for expr, value in expected.items():
    check(f"Prometheus: {expr} == {value}", seen.get(expr) == value, f"got {seen.get(expr)}")
escalations = query('sum(modstream_actions_total{action="escalation"})')
check("Prometheus: escalations counted by priority", escalations is not None and escalations > 0,
      str(escalations))

# The alert rules loaded and evaluate without errors against real series.
status, body = get(api + "/rules")
groups = json.loads(body)["data"]["groups"] if status == 200 else []
rules = [r for g in groups for r in g["rules"]]
check("the alert rules load into Prometheus", len(rules) == 8, body[:500])
time.sleep(2)
status, body = get(api + "/rules")
rules = [r for g in json.loads(body)["data"]["groups"] for r in g["rules"]]
check("every alert rule evaluates cleanly", all(r.get("health") == "ok" for r in rules),
      str([(r["name"], r.get("health"), r.get("lastError")) for r in rules]))
status, body = get(api + "/alerts")
firing = [a["labels"]["alertname"] for a in json.loads(body)["data"]["alerts"]]
check("no alert fires on a healthy pipeline", not firing, str(firing))

# Every metric named by the alerts and the dashboard is a real series.
status, body = get(api + "/label/__name__/values")
names = set(json.loads(body)["data"])
used = set()
for path in (source / "ops" / "prometheus" / "alerts.yml", source / "ops" / "grafana" / "modstream-dashboard.json"):
    used |= set(re.findall(r"modstream_[a-z_]+", path.read_text()))
missing = sorted(n for n in used if n not in names)
check("every metric in the alerts and the dashboard exists", not missing, str(missing))

pipeline.send_signal(signal.SIGTERM)
try:
    exit_code = pipeline.wait(30)
except subprocess.TimeoutExpired:
    pipeline.kill()
    exit_code = "still running 30 s after SIGTERM"
check("modstream stops cleanly", exit_code == 0,
      f"exit {exit_code}; log tail: {log_path.read_text()[-1500:]}")
prom.send_signal(signal.SIGTERM)
prom.wait(30)

lines = log_path.read_text().splitlines()
parsed = []
for line in lines:
    try:
        parsed.append(json.loads(line))
    except ValueError:
        pass
check("logs are JSON lines with time, level and message",
      lines and len(parsed) == len(lines) and all({"time", "level", "message"} <= p.keys() for p in parsed),
      "\n".join(l for l in lines if not l.startswith("{"))[:1000])
check("logs carry no post text", not any("k i l l" in l or "quiet post" in l for l in lines))
checks.finish()
