"""What ships is tested: the container image (ops/docker/build.sh) runs against the real broker.

Runs `podman run IMAGE run --config ...` with the config mounted read-only and host networking,
sends a post whose media hash is in the mounted bank, and checks: the takedown arrives, /healthz
and /readyz answer from inside the container, the process runs as the image's non-root user, and
`podman stop` (SIGTERM to PID 1) drains and exits 0.

Usage: image_test.py SOURCE_DIR [IMAGE]   (MODSTREAM_BROKER_DIR names the broker; IMAGE defaults
to localhost/modstream:dev, built by ops/docker/build.sh)
"""
import hashlib
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from checks import Checks  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

source = pathlib.Path(sys.argv[1]).resolve()
image = sys.argv[2] if len(sys.argv) > 2 else "localhost/modstream:dev"
checks = Checks()
check = checks.check
env = dict(os.environ, CONTAINERS_CONF=str(source / "ops" / "docker" / "containers.conf"))


def podman(*args, **kwargs):
    return subprocess.run(["podman", *args], capture_output=True, text=True, env=env, **kwargs)


if not shutil.which("podman") or podman("image", "exists", image).returncode != 0:
    print(f"FAILED: image {image} is missing: build it with ops/docker/build.sh")
    sys.exit(1)

bootstrap = (pathlib.Path(os.environ["MODSTREAM_BROKER_DIR"]) / "bootstrap").read_text().strip()
run_id = uuid.uuid4().hex[:8]
topics = {n: f"image-{run_id}-{n}" for n in ("posts", "media", "takedowns", "escalations", "dead-letter")}
admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.create_topics([NewTopic(t, 1, 1) for t in topics.values()]).values():
    future.result(30)

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    metrics_port = s.getsockname()[1]
md5 = hashlib.md5(f"banked-{run_id}".encode()).hexdigest()
config_dir = pathlib.Path(tempfile.mkdtemp(prefix="modstream-image-"))
(config_dir / "bank.csv").write_text(f"hash_type,value,entry_id,category,source\nmd5,{md5},E-IMG,A,test\n")
(config_dir / "modstream.yaml").write_text(f"""
kafka: {{bootstrap_servers: "{bootstrap}", group_id: image-{run_id}}}
topics: {{posts: {topics['posts']}, media: {topics['media']}, takedowns: {topics['takedowns']},
          escalations: {topics['escalations']}, dead_letter: {topics['dead-letter']}}}
processing: {{commit_interval_ms: 200}}
metrics: {{listen_address: "127.0.0.1:{metrics_port}"}}
stages:
  - {{name: hash_match, config: {{banks: [{{name: b, path: bank.csv}}]}}}}
  - {{name: text_risk, config: {{lexicons: [/usr/share/modstream/config/lexicons]}}}}
  - {{name: decide, config: {{policy_file: /usr/share/modstream/config/policy/policy.yaml}}}}
""")
for path in [config_dir, *config_dir.iterdir()]:
    path.chmod(0o755 if path.is_dir() else 0o644)  # the image runs as a non-root user

name = f"modstream-image-{run_id}"
started = podman("run", "-d", "--name", name, "--network", "host",
                 "-v", f"{config_dir}:/etc/modstream:ro", image,
                 "run", "--config", "/etc/modstream/modstream.yaml")
check("the image starts", started.returncode == 0, started.stderr)


def get(path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}{path}", timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


try:
    deadline = time.time() + 60
    while time.time() < deadline and get("/readyz") != 200:
        time.sleep(0.5)
    check("/readyz answers 200 from the container", get("/readyz") == 200)
    check("/healthz answers 200 from the container", get("/healthz") == 200)
    user = podman("exec", name, "id", "-u")
    check("modstream runs as the image's non-root user", user.stdout.strip() == "10001",
          user.stdout + user.stderr)

    producer = Producer({"bootstrap.servers": bootstrap})
    post = {"post_id": "p-img", "account_id": "acct-img", "created_at_ms": 1795000000000,
            "text": "hello", "media": [{"media_id": "m-img", "md5": md5}]}
    producer.produce(topics["posts"], key=b"acct-img", value=json.dumps(post).encode())
    check("post produced", producer.flush(30) == 0)

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"image-{run_id}-reader",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.assign([TopicPartition(topics["takedowns"], 0, 0)])
    takedown = None
    deadline = time.time() + 60
    while time.time() < deadline and takedown is None:
        m = consumer.poll(1)
        if m is not None and not m.error():
            takedown = json.loads(m.value())
    consumer.close()
    check("the container took the banked media down",
          takedown is not None and takedown["match"]["entry_id"] == "E-IMG"
          and takedown["content_ids"]["media_id"] == "m-img", str(takedown))
finally:
    stopped = podman("stop", "-t", "30", name)
    code = podman("inspect", name, "--format", "{{.State.ExitCode}}").stdout.strip()
    logs = podman("logs", name)
    podman("rm", "-f", name)
check("podman stop (SIGTERM to PID 1) drains and exits 0", stopped.returncode == 0 and code == "0",
      f"exit {code}: {(logs.stdout + logs.stderr)[-1500:]}")
checks.finish()
