"""`modstream run` against a real broker over SASL_SSL (SCRAM-SHA-512 over TLS), with a throwaway CA
this test makes with openssl:
- with the right CA and credentials (the password read from a file), posts go in and the expected
  takedowns come out, and no log line carries the password;
- with a wrong password, start-up fails with exit status 2 and names the authentication failure;
- with a CA that did not sign the broker's certificate, start-up fails with exit status 2 and
  names the certificate check.

Usage: kafka_security_test.py MODSTREAM_BINARY SOURCE_DIR   (starts and stops its own broker)
"""
import hashlib
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from checks import Checks  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

binary, source = sys.argv[1], pathlib.Path(sys.argv[2]).resolve()
checks = Checks()
check = checks.check
work = pathlib.Path(tempfile.mkdtemp(prefix="modstream-security-"))
USER, PASSWORD = "modstream", "s3cret-" + uuid.uuid4().hex[:8]
STORE_PASSWORD = "store-" + uuid.uuid4().hex[:8]


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, cwd=work, capture_output=True)


def make_ca(name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name,
            "-keyout", name + ".key", "-out", name + ".pem")


make_ca("test-ca")
make_ca("rogue-ca")  # trusted by nobody: its certificate does not vouch for the broker
openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "broker.key",
        "-out", "broker.csr")
(work / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
openssl("x509", "-req", "-in", "broker.csr", "-CA", "test-ca.pem", "-CAkey", "test-ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "broker.pem")
openssl("pkcs12", "-export", "-in", "broker.pem", "-inkey", "broker.key", "-certfile", "test-ca.pem",
        "-out", "broker.p12", "-passout", "pass:" + STORE_PASSWORD)

# A PLAINTEXT listener stays for the test's own setup and reads; clients of modstream use SASL_SSL.
(work / "extra.properties").write_text(f"""
listeners=PLAINTEXT://127.0.0.1:@BROKER_PORT@,CONTROLLER://127.0.0.1:@CONTROLLER_PORT@,SASL_SSL://127.0.0.1:@EXTRA_PORT@
advertised.listeners=PLAINTEXT://127.0.0.1:@BROKER_PORT@,SASL_SSL://127.0.0.1:@EXTRA_PORT@
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location={work}/broker.p12
ssl.keystore.password={STORE_PASSWORD}
ssl.key.password={STORE_PASSWORD}
""")
broker_dir = work / "broker"
env = dict(os.environ, BROKER_EXTRA_PROPERTIES=str(work / "extra.properties"),
           BROKER_SCRAM_CREDENTIAL=f"SCRAM-SHA-512=[name={USER},password={PASSWORD}]")
subprocess.run([source / "ops/kafka/broker.sh", "start", broker_dir], check=True, env=env,
               stdout=subprocess.DEVNULL)
plain = (broker_dir / "bootstrap").read_text().strip()
secure = "127.0.0.1:" + (broker_dir / "extra_port").read_text().strip()


def secure_client(extra=None):
    return dict({"bootstrap.servers": secure, "security.protocol": "SASL_SSL",
                 "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": USER, "sasl.password": PASSWORD,
                 "ssl.ca.location": str(work / "test-ca.pem")}, **(extra or {}))


def write_config(name, password_file, ca):
    topics = {t: f"{name}.{t}" for t in ("posts", "media", "takedowns", "escalations", "dead-letter")}
    config = work / (name + ".yaml")
    config.write_text(json.dumps({  # JSON is YAML
        "kafka": {"bootstrap_servers": secure, "group_id": name + "-group",
                  "client_properties": {"security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512",
                                        "sasl.username": USER, "sasl.password": "${file:%s}" % password_file,
                                        "ssl.ca.location": str(ca)}},
        "topics": {"posts": topics["posts"], "media": topics["media"], "takedowns": topics["takedowns"],
                   "escalations": topics["escalations"], "dead_letter": topics["dead-letter"]},
        "processing": {"worker_threads": 1, "commit_interval_ms": 200},
        "logging": {"level": "debug", "format": "json"},
        "metrics": {"listen_address": ""},
        "stages": [{"name": "hash_match", "config": {"banks": [{"name": "test", "path": str(work / "bank.csv")}]}},
                   {"name": "decide", "config": {}}]}))
    return config, topics


try:
    (work / "password").write_text(PASSWORD + "\n")
    (work / "wrong-password").write_text("not-the-password\n")
    md5s = [hashlib.md5(b"known-%d" % i).hexdigest() for i in range(5)]
    (work / "bank.csv").write_text("hash_type,value,entry_id,category,source\n" +
                                   "".join(f"md5,{m},E{i},A,test\n" for i, m in enumerate(md5s)))
    config, topics = write_config("secure", work / "password", work / "test-ca.pem")
    admin = AdminClient({"bootstrap.servers": plain})
    for future in admin.create_topics([NewTopic(t, 2, 1) for t in topics.values()]).values():
        future.result(30)

    # The broker's SASL_SSL listener works for an independent client too.
    producer = Producer(secure_client())
    for i in range(20):
        post = {"schema_version": 1, "post_id": f"p{i}", "account_id": f"a{i % 3}", "created_at_ms": 1795000000000,
                "text": "hello"}
        if i < 5:
            post["media"] = [{"media_id": f"m{i}", "md5": md5s[i]}]
        producer.produce(topics["posts"], json.dumps(post).encode(), key=f"a{i % 3}".encode())
    check("20 posts produced over SASL_SSL", producer.flush(30) == 0)
    del producer, admin  # no client outlives the broker (their reconnect noise would follow)

    log = work / "secure.log"
    with open(log, "w") as out:
        run = subprocess.Popen([binary, "run", "--config", str(config)], stdout=out, stderr=subprocess.STDOUT)
    reader = Consumer({"bootstrap.servers": plain, "group.id": "reader", "enable.auto.commit": False,
                       "isolation.level": "read_committed"})
    reader.assign([TopicPartition(topics["takedowns"], p, 0) for p in range(2)])
    takedowns = set()
    deadline = time.time() + 60
    while len(takedowns) < 5 and time.time() < deadline and run.poll() is None:
        for message in reader.consume(100, 0.5):
            if not message.error():
                takedowns.add(json.loads(message.value())["content_ids"]["media_id"])
    reader.close()
    run.send_signal(signal.SIGTERM)
    code = run.wait(60)
    text = log.read_text()
    check("over SASL_SSL, every takedown arrives", takedowns == {f"m{i}" for i in range(5)},
          f"takedowns: {sorted(takedowns)}\n{text[-3000:]}")
    check("the pipeline stops cleanly", code == 0, f"exit {code}\n{text[-2000:]}")
    check("no log line carries the SASL password (debug level)", PASSWORD not in text)

    for name, password_file, ca, reason in (
            ("wrong-password", work / "wrong-password", work / "test-ca.pem", "Authentication failed"),
            ("untrusted-ca", work / "password", work / "rogue-ca.pem", "certificate verify failed")):
        config, _ = write_config(name, password_file, ca)
        started = time.time()
        result = subprocess.run([binary, "run", "--config", str(config)], capture_output=True, text=True,
                                timeout=120)
        output = result.stdout + result.stderr
        error_line = next((line for line in output.splitlines() if "cannot start" in line), "")
        print(f"{name}: exit {result.returncode} after {time.time() - started:.1f} s: {error_line[:400]}")
        check(f"{name}: start-up fails with exit status 2", result.returncode == 2,
              f"exit {result.returncode} after {time.time() - started:.0f} s\n{output[-2000:]}")
        check(f"{name}: the error names the broker and the reason ('{reason}')",
              secure in error_line and reason in error_line, output[-2000:])
        check(f"{name}: no password in the output", PASSWORD not in output and "not-the-password" not in output)
finally:
    subprocess.run([source / "ops/kafka/broker.sh", "stop", broker_dir], check=False, stderr=subprocess.DEVNULL)
checks.finish()
