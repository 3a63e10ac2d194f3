#!/usr/bin/env bash
# Builds the modstream image from ops/docker/Dockerfile with podman, without any container
# registry: the Debian 12 base image is made here with debootstrap (from Debian's own package
# mirror) and imported as localhost/debian:12 (and :12-slim) once.
#   ops/docker/build.sh [TAG]        default TAG: localhost/modstream:dev
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tag=${1:-localhost/modstream:dev}
export CONTAINERS_CONF=$root/ops/docker/containers.conf

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
missing=()
for pkg in podman debootstrap runc; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "build.sh: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

if ! podman image exists localhost/debian:12; then
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  echo "build.sh: making the Debian 12 base image with debootstrap"
  debootstrap --variant=minbase bookworm "$rootfs" >/dev/null
  tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - localhost/debian:12
  podman tag localhost/debian:12 localhost/debian:12-slim
fi
echo "build.sh: building $tag"
podman build --pull=never --network host --build-arg BASE=localhost/debian:12 \
  --build-arg RUNTIME_BASE=localhost/debian:12-slim -f "$root/ops/docker/Dockerfile" -t "$tag" "$root"
