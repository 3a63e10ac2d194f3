#!/usr/bin/env bash
# Installs every Debian package modstream builds, tests and benchmarks with.
# Idempotent: packages already present are skipped by apt-get itself.
#   --fuzz  also clang and its libFuzzer runtime (for ops/scripts/fuzz.sh)
#
# BLAS: OpenBLAS (libopenblas0-pthread) is the system BLAS modstream expects and is tested with.
# OpenCV reaches BLAS/LAPACK through libblas.so.3, and OpenBLAS is what most machines with numpy
# or torch select; it brings 60 KiB of static TLS into every thread, which the ops server's
# threads must have room for (tests/ops/prometheus_scrape_test.py checks the process mapped it).
# libtorch runs the text model; python3-torch (with PyPI transformers in a venv that sees it)
# converts the model once, in ops/models/fetch.sh, and computes the compat test's reference.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  librdkafka-dev librocksdb-dev libsimdjson-dev prometheus-cpp-dev
  libopencv-dev libopencv-contrib-dev catch2 libyaml-cpp-dev libcli11-dev
  libspdlog-dev libfmt-dev libssl-dev nlohmann-json3-dev zlib1g-dev
  libfccp-dev libicu-dev libhyperscan-dev liburiparser-dev libcurl4-openssl-dev libcpp-httplib-dev
  libsodium-dev
  libopenblas0-pthread
  libtorch-dev python3-torch python3-venv
  wamerican
  prometheus clang-format clang-tidy openjdk-17-jre-headless maven python3-jsonschema python3-yaml
)
if [[ ${1:-} == --fuzz ]]; then packages+=(clang libclang-rt-14-dev); fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
