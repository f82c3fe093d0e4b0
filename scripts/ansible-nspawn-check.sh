#!/usr/bin/env bash
# Runs the exported Ansible playbook, host role included, five times against a Debian 12
# system booted with systemd in a systemd-nspawn container on this machine: the first run
# installs libvirt and applies the tuning, a re-plan's run changes exactly the grown guest's
# domain, a third run changes nothing; then a re-plan of the tuning (a larger swap file, KSM
# off) is applied, and a fifth run changes nothing.
#
#   KVMPLAN_NSPAWN_TUNES_THIS_KERNEL=yes scripts/ansible-nspawn-check.sh [path/to/kvmplan]
#
# The container shares this machine's kernel: the role's swap file is swapped on, and
# vm.swappiness and KSM's sysfs knobs are written, on THIS kernel. The script saves those and
# puts them back at exit (swapoff, the old values), but run it only on a machine you may tune
# (hence the variable). Needs root, Debian's debootstrap and systemd-container, ansible, ssh,
# and deb.debian.org (debootstrap, then the role's apt task inside the container). The update-grub
# inside the container is a stand-in that logs its input: a container has no boot loader.
# Exit status: 0 passed, 1 a check failed, 77 a requirement is missing (skipped).
set -euo pipefail

KVMPLAN=$(realpath "${1:-build/kvmplan}")
ROOT=${KVMPLAN_NSPAWN_ROOT:-/var/lib/machines/kvmplan-deb12}
PORT=${KVMPLAN_NSPAWN_SSH_PORT:-2222}
skip() { echo "SKIP: $*"; exit 77; }
fail=0
check() {  # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok   $1: $3"; else echo "FAIL $1: expected '$2', got '$3'"; fail=1; fi
}

[[ "${KVMPLAN_NSPAWN_TUNES_THIS_KERNEL:-}" == yes ]] || skip "set KVMPLAN_NSPAWN_TUNES_THIS_KERNEL=yes (see the comment at the top)"
[[ $(id -u) -eq 0 ]] || skip "needs root"
for c in systemd-nspawn debootstrap ansible-playbook ssh ssh-keygen; do
  command -v "$c" >/dev/null || skip "$c not installed"
done
if ss -ltn | grep -q ":$PORT "; then echo "error: port $PORT is in use" >&2; exit 1; fi

work=$(mktemp -d)
ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5
          -i "$work/key" -p "$PORT")
in_container() { ssh "${ssh_opts[@]}" root@127.0.0.1 "$@"; }

# The kernel-wide state the role writes, to put back.
saved_swappiness=$(cat /proc/sys/vm/swappiness)
saved_ksm_run=$(cat /sys/kernel/mm/ksm/run 2>/dev/null || echo "")
nspawn_pid=""
restore() {
  set +e
  # The kernel names a swap file by the path the container gave it (/swapfile.kvmplan).
  swapoff_ours() {
    swapon --show=NAME --noheadings | while read -r f; do
      [[ -f "$ROOT$f" ]] && swapoff "$ROOT$f"
    done
  }
  swapoff_ours
  if [[ -n "$nspawn_pid" ]]; then
    in_container poweroff >/dev/null 2>&1
    for _ in $(seq 30); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 1; done
    kill "$nspawn_pid" 2>/dev/null
  fi
  swapoff_ours
  swapon --show=NAME --noheadings | while read -r f; do [[ -f "$ROOT$f" ]] && echo "warning: $f ($ROOT$f) still swapped on"; done
  echo "$saved_swappiness" > /proc/sys/vm/swappiness
  [[ -n "$saved_ksm_run" ]] && echo "$saved_ksm_run" > /sys/kernel/mm/ksm/run
  rm -rf "$work"
}
trap restore EXIT

if [[ ! -x "$ROOT/usr/bin/python3" ]]; then
  echo "debootstrap Debian 12 into $ROOT (a few minutes, once)"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,python3,openssh-server,procps,kmod,util-linux \
    bookworm "$ROOT" http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 ||
    { cat "$work/debootstrap.log"; exit 1; }
fi
ssh-keygen -q -t ed25519 -N "" -f "$work/key"
mkdir -p "$ROOT/root/.ssh"
cp "$work/key.pub" "$ROOT/root/.ssh/authorized_keys"
chmod 700 "$ROOT/root/.ssh"
echo "Port $PORT" > "$ROOT/etc/ssh/sshd_config.d/kvmplan-port.conf"
printf '#!/bin/sh\n# kvmplan test container: no boot loader; log what grub would get\ncat /etc/default/grub.d/*.cfg >> /var/log/update-grub.log\n' > "$ROOT/usr/sbin/update-grub"
chmod +x "$ROOT/usr/sbin/update-grub"
rm -f "$ROOT/var/log/update-grub.log"
# Each run starts without the swap file of an earlier run, so that run 4 really grows one.
rm -f "$ROOT/swapfile.kvmplan"
sed -i '\#^/swapfile.kvmplan #d' "$ROOT/etc/fstab"

# /proc/sys and /sys writable, swapon and mount allowed: the role tunes the (shared) kernel.
SYSTEMD_NSPAWN_API_VFS_WRITABLE=1 systemd-nspawn -D "$ROOT" -b --register=no --keep-unit \
  --capability=all --system-call-filter='@swap @mount @raw-io' \
  --bind=/dev/kvm --property=DeviceAllow='/dev/kvm rw' > "$work/nspawn.log" 2>&1 &
nspawn_pid=$!
for _ in $(seq 60); do in_container true 2>/dev/null && break; sleep 1; done
check "container booted with systemd" "running" "$(in_container systemctl is-system-running --wait 2>/dev/null || true)"

cd "$work"
cpus=$(nproc)
cat > scenario.yaml <<EOF
policy: {host_reserve: 1GiB, memory_ratio: 1.0, swappiness: 20}
hosts:
  - name: nspawn
    address: 127.0.0.1
    cpus: "0-$((cpus - 1))"
    memory: 8GiB
guests:
  - {name: kvmplan-nspawn-web, vcpus: 1, memory: 512MiB, cpu_quota: 0.5}
  - {name: kvmplan-nspawn-db, vcpus: 1, memory: 1GiB}
EOF
play() {  # play N: run the playbook, print what changed and the failed count
  "$KVMPLAN" place scenario.yaml -o plan.yaml 2>>kvmplan.log
  rm -rf deploy
  "$KVMPLAN" export ansible scenario.yaml --placement plan.yaml -o deploy 2>>kvmplan.log
  (cd deploy && ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=False ansible-playbook -i inventory.yml site.yml \
     -e ansible_port="$PORT" -e ansible_user=root -e ansible_ssh_private_key_file="$work/key" \
     -e ansible_python_interpreter=/usr/bin/python3) > "run$1.log" 2>&1 || true
  local failed
  failed=$(sed -nE 's/.* failed=([0-9]+) .*/\1/p' "run$1.log")
  [[ "$failed" == 0 ]] || grep -E "^fatal|FAILED" "run$1.log" | head -5
  echo "failed=${failed:-?} changed=$(sed -nE 's/.* changed=([0-9]+) .*/\1/p' "run$1.log")"
}

r1=$(play 1); echo "run 1: $r1"
check "run 1 failed" "failed=0" "${r1%% *}"
check "vm.swappiness from the policy" "20" "$(in_container cat /proc/sys/vm/swappiness)"
check "the swap file on, at the planned priority" "/swapfile.kvmplan 10" \
  "$(in_container swapon --show=NAME,PRIO --noheadings | tr -s ' ' | sed 's/^ //')"
check "the swap file in fstab" "1" "$(in_container grep -c '^/swapfile.kvmplan ' /etc/fstab)"
check "kvmplan-ksm.service ran" "active" "$(in_container systemctl is-active kvmplan-ksm.service || true)"
check "ksmtuned runs" "active" "$(in_container systemctl is-active ksmtuned || true)"
check "the guests defined in libvirt" "kvmplan-nspawn-db kvmplan-nspawn-web" \
  "$(in_container virsh list --all --name | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')"

sed -i 's/kvmplan-nspawn-web, vcpus: 1, memory: 512MiB/kvmplan-nspawn-web, vcpus: 1, memory: 768MiB/' scenario.yaml
r2=$(play 2); echo "run 2 (web grown): $r2"
check "run 2 changed exactly the grown guest" "kvmplan-nspawn-web" "$(sed -nE 's/^changed: .*\(item=(.*)\)$/\1/p' run2.log | tr '\n' ' ' | sed 's/ $//')"
check "run 2: only that task changed" "failed=0 changed=1" "$r2"
check "the domain's memory updated (KiB)" "786432" \
  "$(in_container virsh dumpxml --inactive kvmplan-nspawn-web | sed -nE "s/.*<memory unit='KiB'>([0-9]+)<.*/\1/p")"
r3=$(play 3); echo "run 3 (nothing re-planned): $r3"
check "run 3 changes nothing" "failed=0 changed=0" "$r3"

# A re-plan of the tuning: more swap (the 4GiB file is turned off, removed, made again at 6GiB
# and turned on) and KSM off (the unit kvmplan wrote before is stopped, disabled, removed).
sed -i 's/policy: {host_reserve: 1GiB, memory_ratio: 1.0, swappiness: 20}/policy: {host_reserve: 1GiB, memory_ratio: 1.0, swappiness: 20, swap_baseline: 6GiB, ksm: {enabled: false}}/' scenario.yaml
r4=$(play 4); echo "run 4 (6GiB swap, KSM off): $r4"
check "run 4 failed" "failed=0" "${r4%% *}"
check "the swap file grown and on" "/swapfile.kvmplan 6G 10" \
  "$(in_container swapon --show=NAME,SIZE,PRIO --noheadings | tr -s ' ' | sed 's/^ //')"
check "kvmplan-ksm.service removed" "absent" "$(in_container test -e /etc/systemd/system/kvmplan-ksm.service && echo present || echo absent)"
check "ksmtuned stopped" "inactive" "$(in_container systemctl is-active ksmtuned || true)"
r5=$(play 5); echo "run 5 (nothing re-planned): $r5"
check "run 5 changes nothing" "failed=0 changed=0" "$r5"

echo "container: $(in_container 'virsh version | tr -s " " | tr "\n" ";"')"
if [[ $fail -ne 0 ]]; then echo "FAILED (logs were in $work: rerun with the logs kept by editing restore())"; exit 1; fi
echo "PASSED"
