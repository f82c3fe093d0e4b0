#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <initializer_list>
#include <new>

#include "kvmplan/io/atomic_file.hpp"
#include "kvmplan/report/size_report.hpp"
#include "kvmplan/values/diagnostics.hpp"
#include "kvmplan/scenario/policy.hpp"
#include "kvmplan/version.hpp"
#include "progress.hpp"

namespace kvmplan::cli {
namespace {

constexpr int exit_usage = 2;

void add_common(CLI::App& sub, CommonOptions& o) {
  sub.add_option("files", o.files, "scenario YAML files, merged in order (- reads standard input)")->required();
  sub.add_option("--baseline", o.baseline, "baseline swap: rhel5 | rhel6 | rhel7 | rhel9 | none | a size (4GiB)");
  sub.add_option("--objective", o.objective, "placement objective: pack | spread")
      ->check(CLI::IsMember({"pack", "spread"}));
  sub.add_flag("-q,--quiet", o.quiet, "print nothing but the output and errors");
  sub.add_option("--set", o.sets, "KEY=VALUE: a policy knob by its dotted name (memory_ratio=1.25, ha.host_failures=1), "
                                  "over the files' value, validated like the file (repeatable)");
}

std::string exit_codes_help() {
  return "Exit codes: 0 done, 1 plan incomplete or violated (unplaced guests, swap deficit),\n"
         "2 bad input or usage (nothing written).\n";
}

// The policy keys a scenario may set, from the one table that declares them: `kvmplan help policy`.
std::string policy_help() {
  std::string text = "Policy keys (a scenario's policy: section; --set KEY=VALUE and whatif --sweep take them), with their defaults:\n";
  for (const auto& knob : policy_knobs()) {
    std::string key(knob.key);
    key += " = " + std::string(knob.default_text);
    text += "  " + key + std::string(key.size() < 34 ? 34 - key.size() : 1, ' ') + std::string(knob.help) + "\n";
  }
  return text + "\n" + exit_codes_help();
}

// A subcommand's footer: a few examples, and where the policy keys are (for those that take --set).
std::string examples_footer(std::initializer_list<const char*> examples, bool policy) {
  std::string text = "Examples:\n";
  for (const char* e : examples) text += std::string("  ") + e + "\n";
  if (policy) text += "\nPolicy keys for --set, with their defaults: kvmplan help policy\n";
  return text;
}

int run_unguarded(int argc, const char* const* argv, std::ostream& out, std::ostream& err, Terminal terminal);

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, Terminal terminal) {
  // Whatever goes wrong inside, the user gets a message and exit 2, never a core dump.
  try {
    return run_unguarded(argc, argv, out, err, terminal);
  } catch (const std::bad_alloc&) {
    err << "kvmplan: error: out of memory\n";
  } catch (const std::exception& e) {
    err << "kvmplan: internal error: " << e.what() << "\n";
  }
  return exit_usage;
}

namespace {

// kvmplan help [TOPIC...]: the main help, a command's (import and export: a subcommand's too),
// or the policy keys.
int run_help(CLI::App& app, const std::vector<std::string>& topic, std::ostream& out, std::ostream& err) {
  // The formatter, not App::help(): that would print the help of the command parsed, `help` itself.
  if (topic.empty()) {
    out << app.get_formatter()->make_help(&app, "kvmplan", CLI::AppFormatMode::Normal);
    return 0;
  }
  if (topic[0] == "policy") {
    if (topic.size() > 1) {
      err << "kvmplan: error: help policy: nothing follows policy (kvmplan help policy lists every key)\n";
      return exit_usage;
    }
    out << policy_help();
    return 0;
  }
  const CLI::App* at = &app;
  std::string path;
  for (const std::string& word : topic) {
    std::vector<std::string> names;
    for (const CLI::App* sub : at->get_subcommands({})) {
      if (sub->get_name() != "help") names.push_back(sub->get_name());
    }
    if (at == &app) names.insert(names.begin(), "policy");
    const auto found = std::find(names.begin(), names.end(), word);
    if (found == names.end() || word == "policy") {
      const std::string hint = nearest(word, names);
      err << "kvmplan: error: help: no " << (path.empty() ? "command or topic" : "subcommand of " + path) << " \"" << word << "\""
          << (hint.empty() ? "" : "; did you mean \"" + hint + "\"?") << "\nTopics:";
      for (const auto& n : names) err << " " << n;
      err << "\n";
      return exit_usage;
    }
    at = at->get_subcommand(word);
    path += (path.empty() ? "" : " ") + word;
  }
  out << at->get_formatter()->make_help(at, "kvmplan " + path, CLI::AppFormatMode::Normal);
  return 0;
}

int run_unguarded(int argc, const char* const* argv, std::ostream& out_stream, std::ostream& err_stream, Terminal terminal) {
  // On a terminal, the stage of a long command shows on standard error (progress.hpp); any
  // message clears it first, and so does output when standard output shares the terminal.
  // Elsewhere out and err are the streams given, untouched.
  Progress progress(err_stream, terminal.err);
  ClearingBuf clearing_err_buf(err_stream.rdbuf(), progress), clearing_out_buf(out_stream.rdbuf(), progress);
  std::ostream clearing_err(&clearing_err_buf), clearing_out(&clearing_out_buf);
  std::ostream& err = terminal.err ? clearing_err : err_stream;
  std::ostream& out = terminal.err && terminal.out ? clearing_out : out_stream;

  CLI::App app{"kvmplan: capacity planning for KVM hosts: swap sizing, overcommit and placement"};
  app.name("kvmplan");
  app.set_version_flag("--version", std::string("kvmplan ") + version);
  app.require_subcommand(1);
  app.footer(examples_footer({"kvmplan size scenarios/book-example.yaml",
                               "kvmplan place scenarios/cluster.yaml -o plan.yaml",
                               "kvmplan COMMAND --help    (its options and examples)"}, false) +
             "\nPolicy keys, with their defaults: kvmplan help policy\n\n" + exit_codes_help());

  SizeOptions size;
  CLI::App* size_cmd = app.add_subcommand("size", "how much swap each host needs, and how overcommitted it is");
  add_common(*size_cmd, size.common);
  size_cmd->add_option("--format", size.format, "text | json | markdown | csv | html")
      ->check(CLI::IsMember({"text", "json", "markdown", "csv", "html"}));
  size_cmd->add_option("--per", size.per, "csv: one row per host (default) or per guest")->check(CLI::IsMember({"host", "guest"}));
  size_cmd->add_option("--sort", size.sort, "order of the host tables (text, markdown, csv): name (default), swap, committed, "
                                             "memory-ratio, cpu-ratio, guests, ram (largest first), headroom (tightest first)")
      ->check(CLI::IsMember(size_sort_keys()));
  size_cmd->add_option("--top", size.top, "list only the first N hosts once sorted (text, markdown, csv)")->check(CLI::Range(1, 1 << 30));
  size_cmd->add_option("--host", size.host_pattern, "list only the hosts whose name matches this glob, e.g. 'kvm-0*' (text, markdown, csv)");
  size_cmd->add_option("--hosts", size.hosts, "auto: hosts of identical figures share a row when more than 20 are listed; all: a row each")
      ->check(CLI::IsMember({"auto", "all"}));
  size_cmd->add_option("-o,--output", size.output, "write the report here, atomically (- is standard output)");
  auto add_effort = [](CLI::App& sub, CommonOptions& o) {
    sub.add_option("--effort", o.effort, "how long to search for fewer hosts after the greedy plan: 0 none, 1 the default budget, N times it (counted in steps: the same plan on any machine)")
        ->check(CLI::Range(0, 1000));
  };
  add_effort(*size_cmd, size.common);
  size_cmd->add_option("--placement", size.placement, "size this plan (as kvmplan place writes it) instead of placing the guests");
  size_cmd->footer(examples_footer({"kvmplan size scenarios/book-example.yaml",
                                    "kvmplan size scenarios/cluster.yaml --sort swap --top 3",
                                    "kvmplan size scenarios/cluster.yaml --format html -o report.html"}, true));

  PlaceOptions place;
  CLI::App* place_cmd = app.add_subcommand("place", "where each guest runs: host, NUMA nodes, CPUs; and how many hosts");
  add_common(*place_cmd, place.common);
  place_cmd->add_option("--format", place.format, "yaml | json")->check(CLI::IsMember({"yaml", "json"}));
  place_cmd->add_option("-o,--output", place.output, "write the plan here, atomically (- is standard output)");
  add_effort(*place_cmd, place.common);
  place_cmd->add_flag("--failures", place.failures,
                      "add a failover section: where each guest restarts when its host (or zone) fails");
  place_cmd->add_option("--from", place.from, "re-plan this plan (as kvmplan place writes it) with few moves: guests stay where every rule still holds");
  place_cmd->add_option("--max-moves", place.max_moves, "with --from: moves allowed beyond the needed ones, to empty hosts (default 0: none)")
      ->check(CLI::Range(0, 1'000'000'000));
  place_cmd->add_option("--retire", place.retire, "with --from: a host taken out of service; its guests move (repeatable)");
  place_cmd->add_option("--order", place.order, "with --from: write a migration order for the moves here (- is standard error), each step keeping the rules");
  place_cmd->footer(examples_footer({"kvmplan place scenarios/cluster.yaml -o plan.yaml   (on a terminal, without -o: a summary, no plan)",
                                     "kvmplan place scenarios/cluster-ha.yaml --failures --format json > plan.json",
                                     "kvmplan place scenarios/cluster.yaml --from plan.yaml --retire compute-3 -o new.yaml"}, true));

  DrainOptions drain;
  CLI::App* drain_cmd = app.add_subcommand("drain", "where the guests of hosts taken down go now: FILE... --placement PLAN HOST...");
  add_common(*drain_cmd, drain.common);
  drain_cmd->get_option("files")->description("scenario YAML files, then the hosts to drain");
  drain_cmd->add_option("--placement", drain.placement, "the plan (as kvmplan place writes it)")->required();
  drain_cmd->add_option("--host", drain.hosts, "a host to drain (repeatable; or name them after the files)");
  drain_cmd->add_option("--format", drain.format, "text | json")->check(CLI::IsMember({"text", "json"}));
  drain_cmd->add_option("-o,--output", drain.output, "write the moves here, atomically (- is standard output)");
  drain_cmd->footer(examples_footer({"kvmplan drain scenarios/cluster-ha.yaml --placement plan-ha.yaml compute-3",
                                     "kvmplan drain scenarios/cluster-ha.yaml --placement plan-ha.yaml --host compute-3 --format json"}, true));

  DiffOptions diff;
  CLI::App* diff_cmd = app.add_subcommand("diff", "what changes from one plan to another: moves, added, removed");
  diff_cmd->add_option("from", diff.from, "the first plan (as kvmplan place writes it)")->required();
  diff_cmd->add_option("to", diff.to, "the second plan")->required();
  diff_cmd->add_option("--format", diff.format, "text | json")->check(CLI::IsMember({"text", "json"}));
  diff_cmd->add_option("-o,--output", diff.output, "write the changes here, atomically (- is standard output)");
  diff_cmd->add_flag("-q,--quiet", diff.quiet, "print nothing but the output and errors");
  diff_cmd->footer(examples_footer({"kvmplan diff plan.yaml new.yaml",
                                    "kvmplan diff plan.yaml new.yaml --format json -o changes.json"}, false));

  WhatifOptions whatif;
  CLI::App* whatif_cmd = app.add_subcommand("whatif", "the scenario under other policies and growth: one row per variant, each placed and sized");
  add_common(*whatif_cmd, whatif.common);
  add_effort(*whatif_cmd, whatif.common);
  whatif_cmd->add_option("--grow", whatif.grow, "WHAT=FACTOR[@flavor=NAME|@guest=NAME]: count, memory or vcpus of the guests times FACTOR, rounded up (repeatable)");
  whatif_cmd->add_option("--sweep", whatif.sweep, "KEY=V1,V2,... or KEY=START:STOP:STEP: a policy key's values, one variant each; several sweeps multiply (repeatable)");
  whatif_cmd->add_option("--format", whatif.format, "text | json | csv")->check(CLI::IsMember({"text", "json", "csv"}));
  whatif_cmd->add_option("-o,--output", whatif.output, "write the table here, atomically (- is standard output)");
  whatif_cmd->add_option("-j,--jobs", whatif.jobs, "variants run at once (default: one per core)")->check(CLI::Range(1, 1024));
  whatif_cmd->footer(examples_footer({"kvmplan whatif scenarios/cluster-ha.yaml --grow count=1.3 --sweep memory_ratio=1.0,1.2,1.5",
                                      "kvmplan whatif scenarios/cluster.yaml --sweep memory_ratio=1.0:2.0:0.25 --format csv -o ratios.csv",
                                      "kvmplan whatif scenarios/cluster.yaml --grow memory=1.3@flavor=db"}, true));

  HeadroomOptions headroom;
  CLI::App* headroom_cmd = app.add_subcommand("headroom", "how many more guests of each flavor fit on a plan, per host and in total (hspace)");
  add_common(*headroom_cmd, headroom.common);
  add_effort(*headroom_cmd, headroom.common);
  headroom_cmd->add_option("--placement", headroom.placement, "the plan (as kvmplan place writes it; default: place's own)");
  headroom_cmd->add_option("--flavor", headroom.flavors, "a flavor to count (repeatable; default: every flavor the guests have)");
  headroom_cmd->add_option("--format", headroom.format, "text | json")->check(CLI::IsMember({"text", "json"}));
  headroom_cmd->add_option("-o,--output", headroom.output, "write the counts here, atomically (- is standard output)");
  headroom_cmd->add_flag("--no-tiered", headroom.no_tiered, "leave out the tiered allocation (largest flavor first, then the next)");
  headroom_cmd->footer(examples_footer({"kvmplan headroom scenarios/cluster.yaml --flavor web --flavor db",
                                        "kvmplan headroom scenarios/cluster.yaml --placement plan.yaml --format json"}, true));

  ShowOptions show;
  CLI::App* show_cmd = app.add_subcommand("show", "a plan host by host: each host's guests with their NUMA nodes, CPUs, vCPUs and memory");
  show_cmd->add_option("plan", show.plan, "the plan (as kvmplan place writes it)")->required();
  show_cmd->add_option("--host", show.host_pattern, "only the hosts whose name matches this glob, e.g. 'compute-1*'");
  show_cmd->add_option("-o,--output", show.output, "write it here, atomically (- is standard output)");
  show_cmd->add_flag("-q,--quiet", show.quiet, "print nothing but the output and errors");
  show_cmd->footer(examples_footer({"kvmplan show plan.yaml", "kvmplan show plan.yaml --host 'compute-1*'",
                                    "kvmplan place scenarios/cluster.yaml | kvmplan show -"}, false));

  CheckOptions check;
  CLI::App* check_cmd = app.add_subcommand("check", "verify a placement against the model, one line per violation");
  add_common(*check_cmd, check.common);
  check_cmd->add_option("--placement", check.placement, "the plan to verify (YAML or JSON, as kvmplan place writes it)")->required();
  check_cmd->footer(examples_footer({"kvmplan check scenarios/cluster.yaml --placement plan.yaml",
                                     "kvmplan check scenarios/cluster-ha.yaml --placement plan-ha.yaml   (with its failures simulated)"}, true));

  ImportOptions caps;
  CLI::App* import_cmd = app.add_subcommand("import", "turn libvirt XML into scenario YAML");
  import_cmd->require_subcommand(1);
  import_cmd->footer(examples_footer({"virsh capabilities > kvm01.xml && kvmplan import capabilities kvm01.xml -o hosts.yaml",
                                      "kvmplan import domain data/libvirt/domains/*.xml -o guests.yaml"}, false));
  CLI::App* caps_cmd = import_cmd->add_subcommand("capabilities", "hosts from `virsh capabilities` output");
  caps_cmd->add_option("files", caps.files, "capabilities XML files, one host each")->required();
  caps_cmd->add_option("--name", caps.name, "the host's name (one file only; default: the file's name)");
  caps_cmd->add_option("--node-memory", caps.node_memory, "memory of each cell that gives neither <memory> nor <pages>");
  caps_cmd->add_option("-o,--output", caps.output, "write the hosts here, atomically (- is standard output)");
  caps_cmd->add_flag("-q,--quiet", caps.quiet, "print nothing but the output and errors");
  caps_cmd->footer(examples_footer({"virsh capabilities > kvm01.xml && kvmplan import capabilities kvm01.xml -o hosts.yaml",
                                    "kvmplan import capabilities data/libvirt/capabilities/libvirt-vircaps-x86_64-basic.xml --name kvm01"}, false));

  ImportOptions doms;
  CLI::App* dom_cmd = import_cmd->add_subcommand("domain", "guests from libvirt domain XML");
  dom_cmd->add_option("files", doms.files, "domain XML files, one guest each")->required();
  dom_cmd->add_option("--host", doms.host, "the host these domains run on: each guest gets host: NAME (a fixed guest)");
  dom_cmd->add_option("-o,--output", doms.output, "write the guests here, atomically (- is standard output)");
  dom_cmd->add_flag("-q,--quiet", doms.quiet, "print nothing but the output and errors");
  dom_cmd->footer(examples_footer({"virsh dumpxml web-01 > web-01.xml && kvmplan import domain web-01.xml -o guests.yaml",
                                   "kvmplan import domain data/libvirt/domains/*.xml"}, false));

  CLI::App* export_cmd = app.add_subcommand("export", "turn a plan into deployment files");
  export_cmd->require_subcommand(1);
  export_cmd->footer(examples_footer({"kvmplan export libvirt scenarios/cluster.yaml --placement plan.yaml -o domains/",
                                      "kvmplan export host scenarios/cluster.yaml --placement plan.yaml -o tuning/",
                                      "kvmplan export ansible scenarios/cluster.yaml --placement plan.yaml -o deploy/"}, false));
  ExportOptions lv, ht, an;
  auto add_export = [&](ExportOptions& o, const char* name, const char* help, const char* output, const char* example) {
    CLI::App* sub = export_cmd->add_subcommand(name, help);
    add_common(*sub, o.common);
    sub->add_option("--placement", o.placement, "the plan (as kvmplan place writes it)")->required();
    sub->add_option("-o,--output", o.output, output)->required();
    sub->footer(examples_footer({example}, true));
    return sub;
  };
  CLI::App* lv_cmd = add_export(lv, "libvirt", "one domain XML per guest, carrying its placement",
                                "the directory to write, atomically: GUEST.xml per guest",
                                "kvmplan export libvirt scenarios/cluster.yaml --placement plan.yaml -o domains/");
  lv_cmd->add_option("--domains", lv.domains, "a directory of existing domain XML (virsh dumpxml, *.xml): patched, not replaced");
  CLI::App* ht_cmd = add_export(ht, "host", "each host's tuning: swap, hugepage pools, KSM",
                                "the directory to write, atomically: HOST.txt and HOST.yaml per host",
                                "kvmplan export host scenarios/cluster.yaml --placement plan.yaml -o tuning/");
  CLI::App* an_cmd = add_export(an, "ansible", "inventory, host_vars, domain XML and a playbook for community.libvirt",
                                "the directory to write, atomically",
                                "kvmplan export ansible scenarios/cluster.yaml --placement plan.yaml -o deploy/");
  an_cmd->add_option("--domains", an.domains, "a directory of existing domain XML (virsh dumpxml, *.xml): patched, not replaced");

  std::vector<std::string> help_topic;
  CLI::App* help_cmd = app.add_subcommand("help", "help on a command (kvmplan help size), or every policy key with its default (kvmplan help policy)");
  help_cmd->add_option("topic", help_topic, "policy, or a command (import and export take theirs: kvmplan help export ansible)");
  help_cmd->footer(examples_footer({"kvmplan help policy", "kvmplan help size", "kvmplan help export ansible"}, false));

  // A mistyped command gets the nearest one (CLI11 would only say a subcommand is required).
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      const std::string hint = nearest(argv[1], names);
      err << "kvmplan: error: unknown command \"" << argv[1] << "\"" << (hint.empty() ? "" : "; did you mean \"" + hint + "\"?")
          << "\nCommands:";
      for (const auto& n : names) err << " " << n;
      err << "\nRun kvmplan --help for more information.\n";
      return exit_usage;
    }
  }
  install_cleanup_handlers();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == static_cast<int>(CLI::ExitCodes::Success) ? 0 : exit_usage;
  }
  // Options that set policy keys are checked by the same parser as the file's key.
  for (const CommonOptions* o : {&size.common, &place.common, &whatif.common, &headroom.common, &check.common, &drain.common, &lv.common, &ht.common, &an.common}) {
    if (o->baseline.empty()) continue;
    Policy probe = default_policy();
    if (std::string problem = find_knob("swap_baseline")->set(probe, o->baseline); !problem.empty()) {
      err << "kvmplan: error: --baseline: " << problem << "\n";
      return exit_usage;
    }
  }
  if (help_cmd->parsed()) return run_help(app, help_topic, out, err);
  // Progress: the commands that may run long on big scenarios; --quiet silences it (stage()).
  for (CommonOptions* o : {&size.common, &place.common, &whatif.common, &headroom.common, &check.common, &lv.common, &ht.common, &an.common}) {
    o->progress = &progress;
  }
  place.output_given = place_cmd->get_option("--output")->count() > 0;
  place.terminal = terminal.out;
  if (size_cmd->parsed()) return run_size(size, out, err);
  if (place_cmd->parsed()) return run_place(place, out, err);
  if (whatif_cmd->parsed()) return run_whatif(whatif, out, err);
  if (headroom_cmd->parsed()) return run_headroom(headroom, out, err);
  if (check_cmd->parsed()) return run_check(check, out, err);
  if (show_cmd->parsed()) return run_show(show, out, err);
  if (drain_cmd->parsed()) return run_drain(drain, out, err);
  if (diff_cmd->parsed()) return run_diff(diff, out, err);
  if (caps_cmd->parsed()) return run_import_capabilities(caps, out, err);
  if (dom_cmd->parsed()) return run_import_domains(doms, out, err);
  if (lv_cmd->parsed()) return run_export_libvirt(lv, out, err);
  if (ht_cmd->parsed()) return run_export_host(ht, out, err);
  if (an_cmd->parsed()) return run_export_ansible(an, out, err);
  return exit_usage;
}

}  // namespace

}  // namespace kvmplan::cli
