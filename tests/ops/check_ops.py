"""The operations files hang together, checked without a cluster:
- promtool accepts ops/prometheus/alerts.yml and its unit tests (alerts_test.yml) pass;
- every alert has a runbook (its `runbook` annotation names an existing file under ops/runbooks)
  and every runbook belongs to an alert;
- the Grafana dashboard is valid JSON with a Prometheus query on every panel;
- the Kubernetes manifests parse, and the Deployment's probes, ports and config mount line up with
  the ConfigMap and the pipeline's metrics endpoint.

- the Dockerfile's runtime stage installs the Debian package of every library the built binary
  links directly.

Usage: check_ops.py SOURCE_DIR MODSTREAM_BINARY
"""
import json
import pathlib
import shutil
import subprocess
import sys

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from checks import Checks  # noqa: E402

source = pathlib.Path(sys.argv[1]).resolve()
ops = source / "ops"
checks = Checks()
check = checks.check

promtool = shutil.which("promtool")
check("promtool is installed (ops/scripts/install-deps.sh)", promtool is not None)
if promtool:
    for args in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        result = subprocess.run([promtool, *args], cwd=ops / "prometheus", capture_output=True, text=True)
        check(f"promtool {' '.join(args)}", result.returncode == 0, result.stdout + result.stderr)

alerts = yaml.safe_load((ops / "prometheus" / "alerts.yml").read_text())
rules = [r for g in alerts["groups"] for r in g["rules"]]
runbooks = {p.name for p in (ops / "runbooks").glob("*.md")}
for rule in rules:
    runbook = rule.get("annotations", {}).get("runbook", "")
    check(f"alert {rule['alert']} has a runbook", (source / runbook).is_file() and
          runbook == f"ops/runbooks/{rule['alert']}.md", runbook)
    check(f"alert {rule['alert']} has a severity", rule.get("labels", {}).get("severity") in ("page", "ticket"))
check("every runbook belongs to an alert", runbooks == {r["alert"] + ".md" for r in rules}, str(runbooks))
tested = yaml.safe_load((ops / "prometheus" / "alerts_test.yml").read_text())
fired = {t["alertname"] for test in tested["tests"] for t in test["alert_rule_test"] if t["exp_alerts"]}
check("every alert has a unit test in which it fires", fired == {r["alert"] for r in rules},
      str({r["alert"] for r in rules} - fired))

dashboard = json.loads((ops / "grafana" / "modstream-dashboard.json").read_text())
panels = dashboard["panels"]
check("the dashboard has panels, each with a query",
      len(panels) >= 10 and all(p["targets"] and all(t["expr"] for t in p["targets"]) for p in panels))
ids = [p["id"] for p in panels]
check("panel ids are unique", len(ids) == len(set(ids)))

docs = {}
for path in sorted((ops / "k8s").glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if doc:
            docs[(doc["kind"], doc["metadata"]["name"])] = doc
kinds = {kind for kind, _ in docs}
check("manifests: Deployment, ConfigMap, PodDisruptionBudget, ScaledObject",
      {"Deployment", "ConfigMap", "PodDisruptionBudget", "ScaledObject"} <= kinds, str(kinds))
deployment = next(d for (k, _), d in docs.items() if k == "Deployment")
container = deployment["spec"]["template"]["spec"]["containers"][0]
config_map = next(d for (k, _), d in docs.items() if k == "ConfigMap")
pipeline = yaml.safe_load(config_map["data"]["modstream.yaml"])
port = int(pipeline["metrics"]["listen_address"].rsplit(":", 1)[1])
check("the probes use /healthz and /readyz on the metrics port",
      container["livenessProbe"]["httpGet"]["path"] == "/healthz"
      and container["readinessProbe"]["httpGet"]["path"] == "/readyz"
      and container["readinessProbe"]["httpGet"]["port"] == port
      and any(p["containerPort"] == port for p in container["ports"]), str(container.get("ports")))
check("the container runs the config from the ConfigMap",
      container["args"][:3] == ["run", "--config", "/etc/modstream/modstream.yaml"])
pdb = next(d for (k, _), d in docs.items() if k == "PodDisruptionBudget")
check("the PDB selects the Deployment's pods",
      pdb["spec"]["selector"]["matchLabels"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items())
scaled = next(d for (k, _), d in docs.items() if k == "ScaledObject")
trigger = scaled["spec"]["triggers"][0]
check("KEDA scales the Deployment on the group's lag",
      scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
      and trigger["type"] == "kafka" and trigger["metadata"]["consumerGroup"] == pipeline["kafka"]["group_id"]
      and trigger["metadata"]["topic"] == pipeline["topics"]["posts"], str(trigger))
dockerfile = (ops / "docker" / "Dockerfile").read_text()
check("the Dockerfile runs modstream as a non-root user", "USER " in dockerfile and "ENTRYPOINT" in dockerfile)
runtime_stage = dockerfile.split("FROM ${RUNTIME_BASE}", 1)[-1]
# Files the ConfigMap takes from the image: the repository's config/ (copied to
# /usr/share/modstream/config) and Debian's word list (wamerican in the runtime stage).
text_risk = next(s["config"] for s in pipeline["stages"] if s["name"] == "text_risk")
shipped = "/usr/share/modstream/config/"
spellings = text_risk.get("chat_spellings", "")
check("the ConfigMap's chat spellings table ships in the image",
      spellings.startswith(shipped) and (ops.parent / "config" / spellings[len(shipped):]).is_file(),
      spellings)
check("the ConfigMap's word list comes from a package the runtime stage installs",
      text_risk.get("word_list") == "/usr/share/dict/american-english" and " wamerican " in runtime_stage,
      str(text_risk.get("word_list")))
check("the Dockerfile's runtime stage is Debian 12 slim by default",
      "ARG RUNTIME_BASE=debian:12-slim" in dockerfile and len(runtime_stage) < len(dockerfile))
needed = subprocess.run(["readelf", "-d", sys.argv[2]], capture_output=True, text=True).stdout
resolved = {}  # library name -> the path the loader picks (ldd)
for line in subprocess.run(["ldd", sys.argv[2]], capture_output=True, text=True).stdout.splitlines():
    if "=>" in line and "/" in line:
        name, path = line.split("=>", 1)
        resolved[name.strip()] = path.split("(", 1)[0].strip()
packages = set()
for line in needed.splitlines():
    if "(NEEDED)" in line:
        library = line.split("[", 1)[1].rstrip("]")
        path = resolved.get(library, library)
        # Merged /usr: dpkg records /lib/... or /usr/lib/..., whichever the package ships.
        for candidate in (path, path.replace("/usr/lib/", "/lib/", 1), path.replace("/lib/", "/usr/lib/", 1)):
            owner = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True).stdout
            if owner:
                break
        packages.add(owner.split(":", 1)[0] if owner else f"(no package for {library} at {path})")
base = {"libc6", "libstdc++6", "libgcc-s1"}  # in debian:12-slim already
base |= {"libasan8", "libubsan1", "libtsan2"}  # sanitizer builds only; the image has none
missing = sorted(p for p in packages - base if p not in runtime_stage.split())
check("the runtime image installs every library the binary links", packages and not missing, str(missing))
checks.finish()
