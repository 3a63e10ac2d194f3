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
           "escalation": validator("escalation-event.schema.json"),
           "label": validator("label-event.schema.json"),
           "shadow": validator("shadow-event.schema.json")}
lines = subprocess.run([samples_binary, str(source)], check=True, capture_output=True, text=True).stdout.split("\n")
events = [json.loads(line) for line in lines if line.strip()]
types = [e.get("event_type") for e in events]
check("contract_samples printed every kind of event",
      types == ["takedown"] * 4 + ["shadow"] + ["escalation"] * 3 + ["takedown", "escalation", "label"],
      str(types))
for event in events:
    errors = list(by_type[event["event_type"]].iter_errors(event))
    check(f"{event['event_type']} {event.get('event_id')}", not errors,
          "; ".join(e.message for e in errors))
    if event["event_type"] == "shadow":
        inner = event["would_publish"]
        errors = list(by_type[inner["event_type"]].iter_errors(inner))
        check(f"shadow's would_publish {inner.get('event_id')}", not errors,
              "; ".join(e.message for e in errors))
threat, grooming, media, diverted = events[5], events[6], events[7], events[9]
check("a threat scoring 0.9 is P0", threat["priority"] == "P0", threat)
check("an escalation carries the reputation snapshot when there is one",
      threat["reputation"] is None and grooming["reputation"]["trust"] == 0.22, grooming)
check("grooming in a DM to a minor is P0 with a 15 minute deadline",
      grooming["priority"] == "P0" and grooming["deadline_ms"] - grooming["detected_at_ms"] == 15 * 60000,
      grooming)
check("one account's escalations in one window share a case that grows",
      threat["case"]["case_id"] == grooming["case"]["case_id"] == media["case"]["case_id"]
      and [e["case"]["item_count"] for e in (threat, grooming, media)] == [1, 2, 3]
      and media["case"]["items"] == ["post-3", "post-4", "media-5"], media["case"])
check("media escalations carry a small blurred greyscale preview, text ones none",
      "preview" in media and max(media["preview"]["width"], media["preview"]["height"]) <= 64
      and "preview" not in threat, media.get("preview", {}).get("width"))
check("takedowns over the rate limit reach a moderator with their evidence, without a preview",
      diverted.get("guardrail") == "rate_limited" and len(diverted["matches"]) == 3
      and "preview" not in diverted, diverted)
check("a shadow rule's event differs from the live one only in rule and action",
      events[4]["would_publish"]["action"] == "restrict" and events[3]["action"] == "remove", events[4])

checks.finish()
