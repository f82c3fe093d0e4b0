#include "kvmplan/deploy/ansible.hpp"

#include <map>

#include <yaml-cpp/yaml.h>

#include "kvmplan/deploy/host_tuning.hpp"

namespace kvmplan {
namespace {

// The role that applies kvmplan_tuning (host_vars): generic, the values are the host's.
const char* const role_tasks = R"(---
# kvmplan: apply the host tuning kvmplan wrote for the plan (kvmplan_tuning in host_vars)
- name: Install libvirt, its Python bindings and ksmtuned
  ansible.builtin.apt:
    name:
      - libvirt-daemon-system
      - python3-libvirt
      - python3-lxml
      - ksmtuned
    state: present

- name: Make the directory for kernel command line snippets
  ansible.builtin.file:
    path: /etc/default/grub.d
    state: directory
    owner: root
    group: root
    mode: "0755"

- name: Write the kernel command line for the hugepage pools
  ansible.builtin.copy:
    dest: "{{ item.path }}"
    content: "{{ item.content }}"
    owner: root
    group: root
    mode: "{{ item.mode }}"
  loop: "{{ kvmplan_tuning.files | selectattr('kind', 'equalto', 'grub') | list }}"
  loop_control:
    label: "{{ item.path }}"
  notify:
    - Update grub
    - Flag reboot required

- name: Remove the kernel command line when the plan reserves no hugepages
  ansible.builtin.file:
    path: /etc/default/grub.d/kvmplan.cfg
    state: absent
  when: kvmplan_tuning.kernel_cmdline | length == 0
  notify:
    - Update grub
    - Flag reboot required

- name: Write the systemd units
  ansible.builtin.copy:
    dest: "{{ item.path }}"
    content: "{{ item.content }}"
    owner: root
    group: root
    mode: "{{ item.mode }}"
  loop: "{{ kvmplan_tuning.files | selectattr('kind', 'equalto', 'unit') | list }}"
  loop_control:
    label: "{{ item.path }}"
  notify: Reload systemd

- name: Write vm.swappiness
  ansible.builtin.copy:
    dest: "{{ item.path }}"
    content: "{{ item.content }}"
    owner: root
    group: root
    mode: "{{ item.mode }}"
  loop: "{{ kvmplan_tuning.files | selectattr('kind', 'equalto', 'sysctl') | list }}"
  loop_control:
    label: "{{ item.path }}"
  notify: Apply sysctl

- name: Write ksmtuned.conf
  ansible.builtin.copy:
    dest: "{{ item.path }}"
    content: "{{ item.content }}"
    owner: root
    group: root
    mode: "{{ item.mode }}"
  loop: "{{ kvmplan_tuning.files | selectattr('kind', 'equalto', 'ksmtuned') | list }}"
  loop_control:
    label: "{{ item.path }}"
  notify: Restart ksmtuned

- name: Find the units kvmplan wrote, for this plan or an earlier one
  ansible.builtin.find:
    paths: /etc/systemd/system
    patterns:
      - "dev-hugepages*.mount"
      - "kvmplan-*.service"
    contains: "# kvmplan: "
  register: kvmplan_found_units

- name: List the units this plan no longer needs
  ansible.builtin.set_fact:
    kvmplan_stale_units: "{{ kvmplan_found_units.files | map(attribute='path')
      | difference(kvmplan_tuning.files | selectattr('kind', 'equalto', 'unit') | map(attribute='path')) | sort }}"

- name: Stop and disable the units this plan no longer needs
  ansible.builtin.systemd:
    name: "{{ item | basename }}"
    enabled: false
    state: stopped
  loop: "{{ kvmplan_stale_units }}"

- name: Remove the units this plan no longer needs
  ansible.builtin.file:
    path: "{{ item }}"
    state: absent
  loop: "{{ kvmplan_stale_units }}"
  notify: Reload systemd

- name: Reload systemd before the units start
  ansible.builtin.meta: flush_handlers

- name: Enable and start the units
  ansible.builtin.systemd:
    name: "{{ item }}"
    enabled: true
    state: started
  loop: "{{ kvmplan_tuning.units }}"
  notify: Restart libvirtd

- name: Run ksmtuned as the plan says
  ansible.builtin.systemd:
    name: ksmtuned
    enabled: "{{ kvmplan_tuning.ksm.enabled }}"
    state: "{{ 'started' if kvmplan_tuning.ksm.enabled else 'stopped' }}"

- name: Look at the swap file
  ansible.builtin.stat:
    path: "{{ kvmplan_tuning.swap.file }}"
    get_checksum: false
  register: kvmplan_swap_file
  when: kvmplan_tuning.swap.create_mib > 0

- name: Read the active swap areas
  ansible.builtin.slurp:
    src: /proc/swaps
  register: kvmplan_proc_swaps
  when: kvmplan_tuning.swap.create_mib > 0

# A re-plan that needs more swap: the smaller file goes (swapoff first when active) and is made
# again at the plan's size below. A file as large or larger stays as it is.
- name: Turn off a swap file smaller than the plan's
  ansible.builtin.command:
    cmd: "swapoff {{ kvmplan_tuning.swap.file }}"
  changed_when: true
  when:
    - kvmplan_tuning.swap.create_mib > 0
    - kvmplan_swap_file.stat.exists
    - kvmplan_swap_file.stat.size < kvmplan_tuning.swap.create_mib * 1048576
    - kvmplan_tuning.swap.file in (kvmplan_proc_swaps.content | b64decode).split()

- name: Remove a swap file smaller than the plan's
  ansible.builtin.file:
    path: "{{ kvmplan_tuning.swap.file }}"
    state: absent
  when:
    - kvmplan_tuning.swap.create_mib > 0
    - kvmplan_swap_file.stat.exists
    - kvmplan_swap_file.stat.size < kvmplan_tuning.swap.create_mib * 1048576

- name: Allocate the swap file
  ansible.builtin.command:
    cmd: "fallocate -l {{ kvmplan_tuning.swap.create_mib }}M {{ kvmplan_tuning.swap.file }}"
    creates: "{{ kvmplan_tuning.swap.file }}"
  when: kvmplan_tuning.swap.create_mib > 0
  notify:
    - Format the swap file
    - Enable the swap file

- name: Keep the swap file private
  ansible.builtin.file:
    path: "{{ kvmplan_tuning.swap.file }}"
    owner: root
    group: root
    mode: "0600"
  when: kvmplan_tuning.swap.create_mib > 0

- name: Enable the swap file at boot
  ansible.builtin.lineinfile:
    path: /etc/fstab
    regexp: "^{{ kvmplan_tuning.swap.file }}\\s"
    line: "{{ kvmplan_tuning.swap.file }} none swap sw,pri={{ kvmplan_tuning.swap.priority }} 0 0"
  when: kvmplan_tuning.swap.create_mib > 0

# A file of the plan's size (or larger) that is not on: a host where someone ran swapoff, or an
# earlier run that stopped before its handlers. (A file made in this run is on by the handlers.)
- name: Turn on the swap file where it is off
  ansible.builtin.command:
    cmd: "swapon --priority {{ kvmplan_tuning.swap.priority }} {{ kvmplan_tuning.swap.file }}"
  changed_when: true
  when:
    - kvmplan_tuning.swap.create_mib > 0
    - kvmplan_swap_file.stat.exists
    - kvmplan_swap_file.stat.size >= kvmplan_tuning.swap.create_mib * 1048576
    - kvmplan_tuning.swap.file not in (kvmplan_proc_swaps.content | b64decode).split()
)";

const char* const role_handlers = R"(---
# kvmplan: run once at the end of the play (or at flush_handlers), in this order
- name: Update grub
  ansible.builtin.command:
    cmd: update-grub
  changed_when: true

- name: Flag reboot required
  ansible.builtin.copy:
    dest: /var/run/reboot-required
    content: "kvmplan: the kernel command line changed (hugepages): reboot\n"
    owner: root
    group: root
    mode: "0644"

- name: Reload systemd
  ansible.builtin.systemd:
    daemon_reload: true

- name: Apply sysctl
  ansible.builtin.command:
    cmd: sysctl -p /etc/sysctl.d/90-kvmplan.conf
  changed_when: true

- name: Restart ksmtuned
  ansible.builtin.systemd:
    name: ksmtuned
    state: restarted
  when: kvmplan_tuning.ksm.enabled

- name: Restart libvirtd
  ansible.builtin.systemd:
    name: libvirtd
    state: restarted

- name: Format the swap file
  ansible.builtin.command:
    cmd: "mkswap {{ kvmplan_tuning.swap.file }}"
  changed_when: true

- name: Enable the swap file
  ansible.builtin.command:
    cmd: "swapon --priority {{ kvmplan_tuning.swap.priority }} {{ kvmplan_tuning.swap.file }}"
  changed_when: true
)";

const char* const site = R"(---
# kvmplan: the plan on its hosts: the host tuning (role kvmplan), then each planned guest defined
#   ansible-playbook -i inventory.yml site.yml
# community.libvirt comes with Debian's ansible package (else: ansible-galaxy collection install
# community.libvirt). The tuning reserves hugepages at boot: reboot where /var/run/reboot-required says.
- name: Apply the host tuning and define the planned guests
  hosts: kvm_hosts
  become: true
  roles:
    - role: kvmplan
  tasks:
    - name: Define the guests kvmplan placed on this host
      community.libvirt.virt:
        command: define
        xml: "{{ lookup('ansible.builtin.file', 'domains/' + item + '.xml') }}"
      loop: "{{ kvmplan_guests }}"
)";

}  // namespace

std::vector<std::pair<std::string, std::string>> ansible_files(const Scenario& scenario, const Plan& plan,
                                                               const std::vector<std::pair<std::string, std::string>>& domains) {
  std::vector<std::pair<std::string, std::string>> files;
  const auto tuning = host_tuning(scenario, plan);
  YAML::Emitter inventory;
  inventory.SetIndent(2);
  inventory << YAML::BeginDoc << YAML::Comment("kvmplan: the hosts of the plan; ansible_host from the scenario's address") << YAML::Newline;
  inventory << YAML::BeginMap << YAML::Key << "all" << YAML::Value << YAML::BeginMap << YAML::Key << "children" << YAML::Value
            << YAML::BeginMap << YAML::Key << "kvm_hosts" << YAML::Value << YAML::BeginMap << YAML::Key << "hosts" << YAML::Value
            << YAML::BeginMap;
  for (const auto& t : tuning) {
    inventory << YAML::Key << t.host << YAML::Value;
    if (t.address.empty()) {
      inventory << YAML::Flow << YAML::BeginMap << YAML::EndMap;
    } else {
      inventory << YAML::BeginMap << YAML::Key << "ansible_host" << YAML::Value << YAML::DoubleQuoted << t.address << YAML::EndMap;
    }
  }
  inventory << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  files.emplace_back("inventory.yml", std::string(inventory.c_str()) + "\n");
  const auto by_host = guests_by_host(plan);
  std::map<std::string, std::size_t> host_index;
  for (std::size_t h = 0; h < plan.hosts.size(); ++h) host_index.emplace(plan.hosts[h].name, h);
  for (const auto& t : tuning) {
    YAML::Emitter vars;
    vars.SetIndent(2);
    vars << YAML::BeginDoc << YAML::Comment("kvmplan: what " + t.host + " runs, and its tuning") << YAML::Newline;
    vars << YAML::BeginMap << YAML::Key << "kvmplan_guests" << YAML::Value << YAML::BeginSeq;
    for (const GuestOnHost& on : by_host[host_index.at(t.host)]) vars << YAML::DoubleQuoted << scenario.guests[on.guest].name;
    vars << YAML::EndSeq << YAML::Key << "kvmplan_tuning" << YAML::Value;
    emit_tuning(vars, t);
    vars << YAML::EndMap;
    files.emplace_back("host_vars/" + t.host + ".yml", std::string(vars.c_str()) + "\n");
  }
  for (const auto& [guest, xml] : domains) files.emplace_back("domains/" + guest + ".xml", xml);
  files.emplace_back("roles/kvmplan/tasks/main.yml", role_tasks);
  files.emplace_back("roles/kvmplan/handlers/main.yml", role_handlers);
  files.emplace_back("site.yml", site);
  return files;
}

}  // namespace kvmplan
