#!/usr/bin/env bash
# Starts kvmplan's exported domains on a real libvirt/QEMU/KVM host and checks that they run as
# the plan says: pins, emulator threads, CFS quota, numatune, hugepages; then a re-plan reaches
# the defined domains, through `export libvirt --domains` (the operator's XML patched, disks
# kept, same uuid) and through the Ansible playbook run twice (changed, then nothing to change).
#
#   scripts/libvirt-live-check.sh [path/to/kvmplan]     (as root, libvirtd running)
#
# What it touches: only domains named kvmplan-live-* (it refuses to start if one exists, and
# destroys and undefines them at the end) and files in a temporary directory. It does not
# reserve hugepages, write host tuning or run the playbook's host role: a hugepage guest is
# added only when the host has 128 free 2MiB pages and a hugetlbfs mount already.
# Exit status: 0 all checks passed, 1 a check failed, 77 no usable libvirt/KVM here (skipped).
set -euo pipefail

KVMPLAN=${1:-build/kvmplan}
KVMPLAN=$(realpath "$KVMPLAN")
URI=${LIBVIRT_DEFAULT_URI:-qemu:///system}
V=(virsh -q -c "$URI")
P=kvmplan-live

kv() {  # kvmplan, its messages kept in kvmplan.log (shown when a step fails)
  "$KVMPLAN" "$@" >>kvmplan.log 2>&1 || { echo "FAIL kvmplan $*:"; cat kvmplan.log; exit 1; }
}
skip() { echo "SKIP: $*"; exit 77; }
fail=0
check() {  # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok   $1: $3"; else echo "FAIL $1: expected '$2', got '$3'"; fail=1; fi
}

command -v virsh >/dev/null || skip "virsh not installed (Debian: libvirt-clients)"
"${V[@]}" capabilities >/dev/null 2>&1 || skip "no libvirt daemon at $URI"
"${V[@]}" domcapabilities --virttype kvm >/dev/null 2>&1 || skip "$URI has no KVM (/dev/kvm)"
if "${V[@]}" list --all --name | grep -q "^$P-"; then
  echo "error: domains named $P-* exist already; this script defines and removes its own" >&2
  exit 1
fi

work=$(mktemp -d)
cleanup() {
  for d in $("${V[@]}" list --all --name | grep "^$P-" || true); do
    "${V[@]}" destroy "$d" >/dev/null 2>&1 || true
    "${V[@]}" undefine "$d" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# The host as libvirt sees it, and guests small enough for any host with two CPUs.
"${V[@]}" capabilities > live.xml
kv import capabilities live.xml -o hosts.yaml
cpus=$(nproc)
[[ $cpus -ge 2 ]] || skip "the host has $cpus CPU; the pinned guest needs one CPU of its own"
{
  echo "guests:"
  echo "  - {name: $P-shared, vcpus: 1, memory: 256MiB, cpu_quota: 0.5}"
  echo "  - {name: $P-pinned, vcpus: 1, memory: 256MiB, cpu_policy: dedicated}"
} > guests.yaml
free2m=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if [[ $free2m -ge 128 ]] && grep -q "hugetlbfs" /proc/mounts; then
  echo "  - {name: $P-huge, vcpus: 1, memory: 256MiB, hugepages: 2MiB}" >> guests.yaml
else
  echo "note: no hugepage guest (free 2MiB pages: $free2m; needs 128 and a hugetlbfs mount)"
fi
set_=(--set host_reserve=512MiB)

kv place hosts.yaml guests.yaml "${set_[@]}" -o plan.yaml
kv check hosts.yaml guests.yaml "${set_[@]}" --placement plan.yaml
kv export libvirt hosts.yaml guests.yaml "${set_[@]}" --placement plan.yaml -o xml

# The plan's own pins, read back from the plan (one line per guest).
plan_field() {  # plan_field GUEST FIELD
  grep "guest: \"$1\"" plan.yaml | sed -E "s/.*$2: \"?([^\",}]*)\"?.*/\1/"
}

for f in xml/*.xml; do
  d=$(basename "$f" .xml)
  "${V[@]}" define "$f" >/dev/null
  if "${V[@]}" start "$d" >/dev/null 2>err.txt; then
    echo "ok   $d starts"
  else
    echo "FAIL $d does not start: $(cat err.txt)"; fail=1
  fi
done

# Pinned guest: its vCPU on the plan's CPU, its emulator threads off it.
pinned_cpu=$(plan_field "$P-pinned" cpuset)
check "$P-pinned vCPU 0 pin" "$pinned_cpu" "$("${V[@]}" vcpupin "$P-pinned" | awk '$1 == "0" {print $2}')"
emu=$("${V[@]}" emulatorpin "$P-pinned" | awk '{print $NF}')
if [[ ",$emu," == *",$pinned_cpu,"* || "$emu" == "$pinned_cpu" ]]; then
  echo "FAIL $P-pinned emulator threads share its pinned CPU $pinned_cpu ($emu)"; fail=1
else
  echo "ok   $P-pinned emulator threads on $emu, not on CPU $pinned_cpu"
fi
pid=$(cat "/run/libvirt/qemu/$P-pinned.pid")
vcpu_tid=$("${V[@]}" qemu-monitor-command "$P-pinned" --hmp "info cpus" | sed -nE 's/.*thread_id=([0-9]+).*/\1/p' | head -1)
check "$P-pinned vCPU thread affinity (taskset)" "$pinned_cpu" "$(taskset -cp "$vcpu_tid" | awk '{print $NF}')"
check "$P-pinned QEMU main thread not on its pinned CPU" "no" \
  "$([[ "$(taskset -cp "$pid" | awk '{print $NF}')" == "$pinned_cpu" ]] && echo yes || echo no)"

# Shared guest: the CFS cap, the node.
check "$P-shared vcpu_quota (0.5 of 100000us)" "50000" \
  "$("${V[@]}" schedinfo "$P-shared" | awk '$1 == "vcpu_quota" {print $3}')"
check "$P-shared numatune nodeset" "$(plan_field "$P-shared" nodes | tr -d '[] ')" \
  "$("${V[@]}" numatune "$P-shared" | awk '$1 == "numa_nodeset" {print $3}')"

if "${V[@]}" list --name | grep -q "^$P-huge$"; then
  check "$P-huge backed by 2MiB pages" "yes" \
    "$("${V[@]}" dumpxml "$P-huge" | grep -q "page size='2048'" && echo yes || echo no)"
fi

# A re-plan through the operator's own XML: a disk added by the operator, the guest grown.
truncate -s 16M disk.img
"${V[@]}" attach-disk "$P-shared" "$work/disk.img" vdb --config >/dev/null
mkdir dumps
for d in $("${V[@]}" list --all --name | grep "^$P-"); do "${V[@]}" dumpxml --inactive "$d" > "dumps/$d.xml"; done
uuid_before=$("${V[@]}" domuuid "$P-shared")
sed -i "s/name: $P-shared, vcpus: 1, memory: 256MiB/name: $P-shared, vcpus: 1, memory: 384MiB/" guests.yaml
kv place hosts.yaml guests.yaml "${set_[@]}" -o plan2.yaml
kv export libvirt hosts.yaml guests.yaml "${set_[@]}" --placement plan2.yaml --domains dumps -o xml2
"${V[@]}" define "xml2/$P-shared.xml" >/dev/null
check "--domains: same uuid after redefine" "$uuid_before" "$("${V[@]}" domuuid "$P-shared")"
check "--domains: memory grown (KiB)" "393216" \
  "$("${V[@]}" dumpxml --inactive "$P-shared" | sed -nE "s/.*<memory unit='KiB'>([0-9]+)<.*/\1/p")"
check "--domains: the operator's disk kept" "yes" \
  "$("${V[@]}" dumpxml --inactive "$P-shared" | grep -q "$work/disk.img" && echo yes || echo no)"

# The playbook's domain play, twice after a re-plan: the first run changes the grown guest, the
# second changes nothing. (The host role is left out: it would tune this machine.)
if command -v ansible-playbook >/dev/null && /usr/bin/python3 -c "import libvirt" 2>/dev/null; then
  sed -i "s/name: $P-shared, vcpus: 1, memory: 384MiB/name: $P-shared, vcpus: 1, memory: 512MiB/" guests.yaml
  kv place hosts.yaml guests.yaml "${set_[@]}" -o plan3.yaml
  kv export ansible hosts.yaml guests.yaml "${set_[@]}" --placement plan3.yaml --domains dumps -o deploy
  host=$(sed -nE 's/^  - name: (.*)$/\1/p' hosts.yaml | head -1)
  printf 'all:\n  children:\n    kvm_hosts:\n      hosts:\n        %s: {ansible_connection: local, ansible_python_interpreter: /usr/bin/python3}\n' "$host" > deploy/local.yml
  python3 - deploy/site.yml > deploy/domains.yml <<'EOF'
import sys
text = open(sys.argv[1]).read()
print(text.replace("  roles:\n    - role: kvmplan\n", ""), end="")
EOF
  run_play() {  # the guests the play changed, and the failed count
    (cd deploy && ANSIBLE_NOCOLOR=1 ansible-playbook -i local.yml domains.yml) > play.log 2>&1 || true
    local changed failed
    changed=$(sed -nE 's/^changed: .*\(item=(.*)\)$/\1/p' play.log | sort | tr '\n' ' ')
    failed=$(sed -nE 's/.* failed=([0-9]+) .*/\1/p' play.log)
    echo "changed: ${changed:-none} failed: ${failed:-?}"
  }
  check "ansible run 1 after the re-plan" "changed: $P-shared  failed: 0" "$(run_play)"
  check "ansible: the running domain's definition updated (KiB)" "524288" \
    "$("${V[@]}" dumpxml --inactive "$P-shared" | sed -nE "s/.*<memory unit='KiB'>([0-9]+)<.*/\1/p")"
  check "ansible run 2, nothing re-planned" "changed: none failed: 0" "$(run_play)"
else
  echo "note: no ansible-playbook or python3-libvirt: the playbook runs are left out"
fi

# emulator_threads: isolate: the guest's emulator threads on one more CPU of its own, the one
# the plan names. On its own host (a 2-CPU machine has no CPU left for the others).
for d in $("${V[@]}" list --name | grep "^$P-"); do "${V[@]}" destroy "$d" >/dev/null; done
echo "guests:" > isolated.yaml
echo "  - {name: $P-isolated, vcpus: 1, memory: 256MiB, cpu_policy: dedicated, emulator_threads: isolate}" >> isolated.yaml
kv place hosts.yaml isolated.yaml "${set_[@]}" -o plan-iso.yaml
kv export libvirt hosts.yaml isolated.yaml "${set_[@]}" --placement plan-iso.yaml -o xml-iso
"${V[@]}" define "xml-iso/$P-isolated.xml" >/dev/null
if "${V[@]}" start "$P-isolated" >/dev/null 2>err.txt; then
  emu_cpu=$(grep "guest: \"$P-isolated\"" plan-iso.yaml | sed -nE 's/.*emulatorpin: ([0-9]+).*/\1/p')
  check "$P-isolated emulator threads on the plan's emulatorpin" "$emu_cpu" \
    "$("${V[@]}" emulatorpin "$P-isolated" | awk '{print $NF}')"
  check "$P-isolated QEMU main thread (taskset)" "$emu_cpu" \
    "$(taskset -cp "$(cat "/run/libvirt/qemu/$P-isolated.pid")" | awk '{print $NF}')"
  check "$P-isolated vCPU 0 not on the emulator CPU" "yes" \
    "$([[ "$("${V[@]}" vcpupin "$P-isolated" | awk '$1 == "0" {print $2}')" != "$emu_cpu" ]] && echo yes || echo no)"
else
  echo "FAIL $P-isolated does not start: $(cat err.txt)"; fail=1
fi

versions=$("${V[@]}" version | tr -s ' ' | tr '\n' ';')
echo "libvirt/QEMU: $versions"
if [[ $fail -ne 0 ]]; then echo "FAILED"; exit 1; fi
echo "PASSED"
