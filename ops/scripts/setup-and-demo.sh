#!/usr/bin/env bash
# README command 1: set up a fresh Debian 12 machine (packages, Kafka jars), build, run the demo.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$root/ops/scripts/install-deps.sh"
"$root/ops/kafka/broker.sh" fetch
"$root/ops/scripts/build.sh"
exec "$root/build/app/cli/modstream" demo
