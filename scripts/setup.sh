#!/bin/sh
# Installs the Debian 12 packages kvmplan needs (only those missing), then configures and
# builds it in ./build. Run it from anywhere; as root, or as a user with sudo.
#   KVMPLAN_WERROR=ON   compiler warnings are errors (developers and CI: .ci/run sets it)
#   KVMPLAN_HTML_TESTS=ON  also install chromium, for the test that renders the HTML report in
#                       headless Chromium (over 300 MB; without it that test is skipped)
#   KVMPLAN_DEPLOY_TESTS=ON  also install ansible and ansible-lint, for the test that runs
#                       ansible-playbook --syntax-check and ansible-lint on an exported Ansible
#                       layout (about 150 MB; without them that test is skipped)
set -eu
cd "$(dirname "$0")/.."

say() { echo "kvmplan setup: $*" >&2; }

packages="g++ make cmake libyaml-cpp-dev libcli11-dev libboost-graph-dev libeigen3-dev libpugixml-dev libjemalloc-dev doctest-dev libvirt-clients"
if [ "${KVMPLAN_HTML_TESTS:-OFF}" = "ON" ]; then packages="$packages chromium"; fi
if [ "${KVMPLAN_DEPLOY_TESTS:-OFF}" = "ON" ]; then packages="$packages ansible ansible-lint"; fi

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  say "installing$missing (apt-get, a minute or two)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  say "every package is installed"
fi

say "configuring build/ (cmake)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKVMPLAN_WERROR="${KVMPLAN_WERROR:-OFF}" --log-level=WARNING >/dev/null
jobs=$(nproc)
say "building with $jobs jobs (about two minutes on 2 cores the first time)"
cmake --build build -j"$jobs" -- --quiet >/dev/null
say "built build/kvmplan, build/kvmplan-bench and build/kvmplan_tests"
