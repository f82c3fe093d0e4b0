#!/bin/sh
# Installs the Debian 12 packages kvmplan needs (only those missing), then configures and
# builds it in ./build. Run it from anywhere; as root, or as a user with sudo.
set -eu
cd "$(dirname "$0")/.."

packages="g++ make cmake libyaml-cpp-dev libcli11-dev libboost-graph-dev libpugixml-dev libjemalloc-dev doctest-dev libvirt-clients"

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "kvmplan setup: installing$missing" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo --log-level=WARNING >/dev/null
cmake --build build -j"$(nproc)" -- --quiet >/dev/null
