"""What one scenario run needs before it starts: its topics, its bank, and one config per member."""

import subprocess
from pathlib import Path

import yaml

from kafka_env import REPO, create_topics

DEFAULT_PIPELINE = {
    "processes": 1,
    "worker_threads": 2,
    "commit_interval_ms": 200,
    "guarantee": "at_least_once",
    "session_timeout_ms": 10000,
    "stages": ["hash_match", "reputation", "text_risk", "decide"],
    "text_model": False,  # text_risk's learned tier, with the shipped heads and cascade settings
}


class Topics:
    def __init__(self, run_id, partitions):
        self.partitions = partitions
        self.posts, self.media = run_id + ".posts", run_id + ".media"
        self.takedowns, self.escalations = run_id + ".takedowns", run_id + ".escalations"
        self.dead_letter, self.shadow = run_id + ".dead-letter", run_id + ".shadow"
        self.changelog, self.passthrough = run_id + ".changelog", run_id + ".passthrough"
        self.warmup = run_id + ".generator-warmup"  # read by nobody: see warmUp in the generator
        self.outputs = {"takedown": self.takedowns, "escalation": self.escalations,
                        "dead_letter": self.dead_letter}

    def create(self, bootstrap):
        append_time = {"message.timestamp.type": "LogAppendTime"}
        specs = {name: (self.partitions, {}) for name in (self.posts, self.media)}
        for name in (self.takedowns, self.escalations, self.dead_letter, self.shadow, self.passthrough):
            specs[name] = (self.partitions, append_time)
        specs[self.changelog] = (self.partitions, {"cleanup.policy": "compact"})
        specs[self.warmup] = (1, {})
        create_topics(bootstrap, specs)


def write_bank(generator, seeds, path):
    """The hash bank of every seed's banked images, swapped in atomically (write, then rename)."""
    lines = []
    for seed in seeds:
        part = Path(str(path) + ".seed%d" % seed)
        if not part.exists():  # drawing a seed's images takes seconds: once per run
            subprocess.run([generator, "bank", "--seed", str(seed), "--out", part], check=True)
        body = part.read_text().splitlines()
        lines += body if not lines else body[1:]  # one header line
    staging = Path(str(path) + ".new")
    staging.write_text("\n".join(lines) + "\n")
    staging.replace(path)


def write_member_config(workdir, index, bootstrap, group, topics, pipeline, run_id, metrics_port):
    stage_configs = {
        "hash_match": {"banks": [{"name": "firehose-bank", "path": str(workdir / "bank.csv")}],
                       "reload_check_interval_ms": 1000},
        "text_risk": {"lexicons": [str(REPO / "config/lexicons")],
                      "chat_spellings": str(REPO / "config/spellings/chat-spellings.yaml"),
                      "word_list": "/usr/share/dict/american-english",
                      "url_lists": [{"name": "sample-url-list", "category": "listed_url",
                                     "path": str(REPO / "config/urls/sample-url-list.csv")}]},
        "reputation": {"state_dir": str(workdir / ("state-%d" % index))},
        # The firehose sends thousands of takedowns a second, far over the guardrail's default
        # rate, which would (correctly) divert most of them to moderators.
        "decide": {"policy_file": str(REPO / "config/policy/policy.yaml"),
                   "guardrails": {"takedowns_per_second": 1000000, "takedown_burst": 1000000}},
    }
    if pipeline["text_model"]:
        stage_configs["text_risk"]["model"] = {
            "enabled": True, "heads": str(REPO / "config/models/text-risk-heads.json")}
    processing = {"worker_threads": pipeline["worker_threads"],
                  "commit_interval_ms": pipeline["commit_interval_ms"],
                  "guarantee": pipeline["guarantee"]}
    if pipeline["guarantee"] == "exactly_once":
        processing["transactional_id"] = "%s-member-%d" % (run_id, index)
    config = {
        "kafka": {"bootstrap_servers": bootstrap, "group_id": group,
                  "consumer_properties": {"session.timeout.ms": str(pipeline["session_timeout_ms"]),
                                          "heartbeat.interval.ms": "1000"}},
        "topics": {"posts": topics.posts, "media": topics.media, "takedowns": topics.takedowns,
                   "escalations": topics.escalations, "dead_letter": topics.dead_letter,
                   "reputation_changelog": topics.changelog, "shadow": topics.shadow},
        "processing": processing,
        "logging": {"level": "info", "format": "json"},
        "metrics": {"listen_address": "127.0.0.1:%d" % metrics_port},
        "stages": [{"name": name, "config": stage_configs[name]} for name in pipeline["stages"]],
    }
    path = workdir / ("member-%d.yaml" % index)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
