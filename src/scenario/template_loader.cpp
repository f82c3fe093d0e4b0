// `template:` of a flavor or guest: a domain XML file for the rest of a new guest's domain
// (docs/libvirt.md). Read when the scenario loads, once per distinct file, and checked as
// `export --domains` checks an operator's domain, so that export meets no bad template.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "kvmplan/io/domain_xml.hpp"
#include "scenario/loader_parts.hpp"

namespace kvmplan::detail {
namespace {

// The file's bytes, or why not: only a regular file of at most max_domain_bytes is read (a
// template of /dev/zero or a FIFO must neither hang nor exhaust memory).
Result<std::string> read_template_file(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Error{"no such file"};
  if (!fs::is_regular_file(st)) return Error{"not a regular file"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot be read"};
  std::string text;
  text.resize(max_domain_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return Error{"cannot be read"};
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_domain_bytes) {
    return Error{"has more than " + std::to_string(max_domain_bytes >> 20) + "MiB; a domain is a few KiB"};
  }
  return text;
}

}  // namespace

std::optional<std::int32_t> load_template(const yaml::MapReader& map, const SourceFiles& sources, Scenario& scenario, TemplateCache& cache) {
  const yaml::Entry* e = map.find("template");
  if (!e) return std::nullopt;
  const auto text = map.text("template");
  if (!text) return -1;
  const yaml::Context& ctx = map.context();
  if (text->empty()) {
    ctx.error(e->value_at, map.path("template"), "a template names a domain XML file; leave the key out for none");
    return -1;
  }
  if (text->find('\0') != std::string::npos) {
    ctx.error(e->value_at, map.path("template"), "a file name holds no NUL character");
    return -1;
  }
  // Relative to the file that names it, as a scenario's other files are given on the command
  // line relative to where kvmplan runs; from standard input, relative to that.
  namespace fs = std::filesystem;
  fs::path path(*text);
  const std::string& from = sources.files[ctx.file].path;
  if (path.is_relative() && from != "<stdin>") path = fs::path(from).parent_path() / path;
  const std::string resolved = path.lexically_normal().string();
  // One file however it is spelled (relative from two directories, absolute, through a link).
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  auto [it, fresh] = cache.emplace(ec ? resolved : canonical.string(), TemplateEntry{});
  if (fresh) {
    auto bytes = read_template_file(path);
    if (!bytes) {
      it->second.problem = resolved + ": " + bytes.error();
    } else if (const auto problem = domain_xml_problem(bytes.value())) {
      it->second.problem = resolved + (problem->line ? ":" + std::to_string(problem->line) + ":" + std::to_string(problem->col) : "") + ": " +
                           problem->message;
    } else {
      it->second.index = static_cast<std::int32_t>(scenario.domain_templates.size());
      scenario.domain_templates.push_back({resolved, std::move(bytes.value())});
    }
  }
  if (!it->second.problem.empty()) {
    ctx.error(e->value_at, map.path("template"), "template " + it->second.problem);
    return -1;
  }
  return it->second.index;
}

}  // namespace kvmplan::detail
