# bench/headroom-2000.py: docs/performance.md, "whatif and headroom". python3 bench/headroom-2000.py > h2000.yaml
# 2,000 fixed hosts (2 nodes x 24 cores x 2 threads, 384GiB, 1GiB pools for db), three flavors,
# guests to fill about 80% of the fleet's memory budget.
print("""policy: {memory_ratio: 1.2, cpu_ratio: 4.0, host_reserve: 8GiB}
hosts:
  - name: kvm
    count: 2000
    threads_per_core: 2
    reserved_cpus: "0,24,48,72"
    numa:
      - {id: 0, cpus: "0-23,48-71", memory: 192GiB, hugepages: {1GiB: 64}}
      - {id: 1, cpus: "24-47,72-95", memory: 192GiB, hugepages: {1GiB: 64}}
    distances: [[10, 21], [21, 10]]
flavors:
  - {name: web, vcpus: 2, memory: 4GiB, usage: 0.6, image: ubuntu-24.04, ksm_shareable: 0.3}
  - {name: app, vcpus: 4, memory: 16GiB, usage: 0.7, image: rhel9, ksm_shareable: 0.2}
  - {name: db, vcpus: 8, memory: 64GiB, hugepages: 1GiB, cpu_policy: dedicated}
guests:
  - {name: web, count: 40000, flavor: web}
  - {name: app, count: 16000, flavor: app}
  - {name: db, count: 2000, flavor: db}""")
