"""Checks the topic contracts in config/schemas against examples and real output.

- every tests/contracts/posts/valid/*.json validates against post.schema.json,
  every invalid/*.json does not (the C++ decoder is held to the same files);
- every takedown and escalation event printed by the contract_samples binary (the real decide
  stage) validates against takedown-event.schema.json or escalation-event.schema.json.

Usage: check_schemas.py SOURCE_DIR CONTRACT_SAMPLES_BINARY
Prints 'N passed, N failed' and exits non-zero on any failure.
"""
import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from checks import Checks  # noqa: E402

import jsonschema

source = pathlib.Path(sys.argv[1])
samples_binary = sys.argv[2]
schemas = source / "config" / "schemas"
checks = Checks()
check = checks.check


def validator(schema_file):
    schema = json.loads((schemas / schema_file).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


for topic, schema_file in (("posts", "post.schema.json"),
                           ("decisions", "moderator-decision.schema.json")):
    inputs = validator(schema_file)
    for expect_valid in (True, False):
        folder = source / "tests" / "contracts" / topic / ("valid" if expect_valid else "invalid")
        files = sorted(folder.glob("*.json"))
        check(f"{folder} has examples", len(files) >= 3)
        for path in files:
            errors = list(inputs.iter_errors(json.loads(path.read_text())))
            check(f"{topic}/{path.name}", (not errors) == expect_valid,
                  "; ".join(e.message for e in errors) or "unexpectedly valid")

by_type = {"takedown": validator("takedown-event.schema.json"),
           "escalation": validator("escalation-event.schema.json")}
lines = subprocess.run([samples_binary], check=True, capture_output=True, text=True).stdout.split("\n")
events = [json.loads(line) for line in lines if line.strip()]
check("contract_samples printed events",
      [e.get("event_type") for e in events] == ["takedown"] * 5 + ["escalation"] * 2,
      str([e.get("event_type") for e in events]))
for event in events:
    errors = list(by_type[event["event_type"]].iter_errors(event))
    check(f"{event['event_type']} {event.get('event_id')}", not errors,
          "; ".join(e.message for e in errors))
check("a threat scoring 0.9 is P0", events[5]["priority"] == "P0", events[5])
check("an escalation carries the reputation snapshot when there is one",
      events[5]["reputation"] is None and events[6]["reputation"]["trust"] == 0.42, events[6])
check("grooming in a DM to a minor is P0 with a 15 minute deadline",
      events[6]["priority"] == "P0" and events[6]["deadline_ms"] - events[6]["detected_at_ms"] == 15 * 60000,
      events[6])

checks.finish()
