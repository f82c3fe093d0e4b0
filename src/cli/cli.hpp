#pragma once
// The command line: parses argv, runs a subcommand, returns the exit code (0 done, 1 plan
// incomplete or violated, 2 bad input or usage). The only code that prints or picks exit codes.
#include <ostream>
#include <string>
#include <vector>

namespace kvmplan::cli {

class Progress;

// What main() knows of its standard streams (isatty). Tests leave both false, as in a pipe.
struct Terminal {
  bool out = false;  // standard output: place writes no plan there unless -o asks
  bool err = false;  // standard error: long commands show their stage (progress.hpp)
};

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, Terminal terminal = {});

// Options every subcommand shares.
struct CommonOptions {
  std::vector<std::string> files;
  std::string baseline;   // "" when not given
  std::string objective;  // "" when not given
  std::vector<std::string> sets;  // --set KEY=VALUE, in order
  bool quiet = false;
  int effort = 1;          // the search's budget, in defaults (size and place)
  Progress* progress = nullptr;  // stages for a terminal (progress.hpp); null: none
};

struct SizeOptions {
  CommonOptions common;
  std::string placement;  // size this plan instead of placing ("" when not given)
  std::string format = "text";
  std::string output = "-";
  std::string per = "host";     // csv: one row per host or per guest
  std::string sort = "name";    // text, markdown, csv: --sort KEY
  int top = 0;                  // --top N; 0: every host
  std::string host_pattern;     // --host GLOB
  std::string hosts = "auto";   // auto: grouped when many; all: one row each
};

int run_size(const SizeOptions& options, std::ostream& out, std::ostream& err);

struct PlaceOptions {
  CommonOptions common;
  std::string format = "yaml";
  std::string output = "-";
  bool output_given = false;  // -o was given (even -o -): the plan is written wherever it goes
  bool terminal = false;      // standard output is a terminal: without -o, a summary, not the plan
  bool failures = false;  // add the failover section: where guests restart when a host or zone fails
  std::string from;       // --from PLAN: re-plan it with few moves ("" : place from scratch)
  int max_moves = 0;      // --max-moves: moves allowed to empty hosts
  std::vector<std::string> retire;  // --retire HOST: hosts taken out of service
  std::string order;      // --order FILE: a migration order for the moves
};

// kvmplan place --from (place_from_command.cpp).
int run_place_from(const PlaceOptions& options, std::ostream& out, std::ostream& err);

int run_place(const PlaceOptions& options, std::ostream& out, std::ostream& err);

struct DrainOptions {
  CommonOptions common;                  // files: the scenario files, then the hosts to drain
  std::string placement;
  std::vector<std::string> hosts;        // --host
  std::vector<std::string> hosts_from_args;
  std::string format = "text";
  std::string output = "-";
};

int run_drain(DrainOptions options, std::ostream& out, std::ostream& err);

struct DiffOptions {
  std::string from, to;                  // the two plans
  std::string format = "text";
  std::string output = "-";
  bool quiet = false;
};

int run_diff(const DiffOptions& options, std::ostream& out, std::ostream& err);

struct WhatifOptions {
  CommonOptions common;
  std::vector<std::string> grow;   // --grow WHAT=FACTOR[@SELECTOR]
  std::vector<std::string> sweep;  // --sweep KEY=V1,V2,... | KEY=START:STOP:STEP
  std::string format = "text";
  std::string output = "-";
  int jobs = 0;                    // threads; 0: one per core
};

int run_whatif(const WhatifOptions& options, std::ostream& out, std::ostream& err);

struct HeadroomOptions {
  CommonOptions common;
  std::string placement;             // "" : place's own plan
  std::vector<std::string> flavors;  // --flavor; none: every flavor guests have
  std::string format = "text";
  std::string output = "-";
  bool no_tiered = false;
};

int run_headroom(const HeadroomOptions& options, std::ostream& out, std::ostream& err);

struct ShowOptions {
  std::string plan;
  std::string host_pattern;  // --host GLOB
  std::string output = "-";
  bool quiet = false;
};

int run_show(const ShowOptions& options, std::ostream& out, std::ostream& err);

struct CheckOptions {
  CommonOptions common;
  std::string placement;
};

int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err);

struct ImportOptions {
  std::vector<std::string> files;
  std::string name;         // capabilities: the host's name ("" : from the file name)
  std::string node_memory;  // capabilities: memory of cells that give none
  std::string host;         // domain: the host the domains run on ("": none, the guests are placed)
  std::string output = "-";
  bool quiet = false;
};

int run_import_capabilities(const ImportOptions& options, std::ostream& out, std::ostream& err);
int run_import_domains(const ImportOptions& options, std::ostream& out, std::ostream& err);

struct ExportOptions {
  CommonOptions common;
  std::string placement;
  std::string output;  // a directory
  std::string domains;  // libvirt, ansible: the operator's domain XML to patch ("": none)
};

int run_export_libvirt(const ExportOptions& options, std::ostream& out, std::ostream& err);
int run_export_host(const ExportOptions& options, std::ostream& out, std::ostream& err);
int run_export_ansible(const ExportOptions& options, std::ostream& out, std::ostream& err);


}  // namespace kvmplan::cli
