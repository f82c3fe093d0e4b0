#include "kvmplan/model/cells.hpp"

#include <algorithm>

namespace kvmplan {

std::vector<Cell> split_cells(const GuestSpec& spec, Bytes overhead, int cells) {
  std::vector<Cell> out;
  split_cells(spec, overhead, cells, out);
  return out;
}

void split_cells(const GuestSpec& spec, Bytes overhead, int cells, std::vector<Cell>& out) {
  out.assign(static_cast<std::size_t>(std::max(cells, 1)), Cell{});
  out.front().first = true;
  const auto k = static_cast<std::int64_t>(out.size());
  if (static_cast<std::int64_t>(spec.cells.size()) == k && k > 1) {
    // The cells as given (the loader checked their sums and page alignment); the overhead in
    // proportion to their memory, rounded down, the first cell taking the rest.
    Bytes overhead_left = overhead;
    for (std::int64_t i = k - 1; i >= 0; --i) {
      Cell& c = out[static_cast<std::size_t>(i)];
      const CellSpec& given = spec.cells[static_cast<std::size_t>(i)];
      c.vcpus = given.vcpus;
      c.memory = given.memory;
      if (spec.hugepages) c.pages = (given.memory.value + spec.hugepages->value - 1) / spec.hugepages->value;
      c.overhead = i == 0 || spec.memory.value == 0
                       ? overhead_left
                       : Bytes{static_cast<std::int64_t>(__int128{overhead.value} * given.memory.value / spec.memory.value)};
      overhead_left -= c.overhead;
    }
    return;
  }
  // Whole units (vCPUs; pages or KiB of memory; bytes of overhead), the first cells taking
  // the remainder one unit each.
  auto share = [k](std::int64_t total, std::int64_t i) { return total / k + (i < total % k ? 1 : 0); };
  const std::int64_t unit = cell_unit(spec).value;
  const std::int64_t units = (spec.memory.value + unit - 1) / unit;
  Bytes memory_left = spec.memory;
  for (std::int64_t i = 0; i < k; ++i) {
    Cell& c = out[static_cast<std::size_t>(i)];
    c.vcpus = static_cast<int>(share(spec.vcpus, i));
    c.overhead = Bytes{share(overhead.value, i)};
    const std::int64_t my_units = share(units, i);
    if (spec.hugepages) c.pages = my_units;
    // Memory in whole units, but never more than the guest has: the last cell takes what is left.
    c.memory = i + 1 == k ? memory_left : min(Bytes{my_units * unit}, memory_left);
    memory_left -= c.memory;
  }
}

Bytes cell_part_up(Bytes amount, const Cell& cell, const GuestSpec& spec) {
  const std::int64_t m = spec.memory.value;
  if (m == 0) return {};
  if (cell.memory.value == m) return amount;  // one cell: all of it
  const __int128 p = __int128{amount.value} * cell.memory.value;
  return Bytes{static_cast<std::int64_t>((p + m - 1) / m)};
}

Bytes cell_part_down(Bytes amount, const Cell& cell, const GuestSpec& spec) {
  const std::int64_t m = spec.memory.value;
  if (m == 0) return {};
  if (cell.memory.value == m) return amount;
  return Bytes{static_cast<std::int64_t>(__int128{amount.value} * cell.memory.value / m)};
}

}  // namespace kvmplan
