#pragma once
// Every problem kvmplan reports, rendered in one place (values/diagnostics.hpp has their one
// shape): input errors in the compiler's form, the violations check prints, the warnings size
// prints, the guests a plan leaves unplaced; for people (text, Markdown) and scripts (JSON).
#include <string>

#include "kvmplan/plan/plan.hpp"
#include "kvmplan/io/json_writer.hpp"
#include "kvmplan/values/diagnostics.hpp"

namespace kvmplan {

// "hosts.yaml:12:13: error: hosts[1].memory: ..." then the quoted line and a caret line.
std::string format(const Diagnostic& d, const SourceFiles& sources);
std::string format_all(const Diagnostics& ds, const SourceFiles& sources);

// A violation as check prints it, one line: "plan.yaml:45:5: db-2: vCPU 0 pinned to CPU 0, which
// db-1 holds too"; the plan's file alone when it is no one placement's; nothing before the
// subject for a plan in memory (place and size).
std::string violation_line(const Diagnostic& violation, const SourceFiles& sources);

// A warning's "code: message", as JSON's host warnings have it.
std::string warning_text(const Diagnostic& warning);

// {"code", "subject", "message", "members", "shortfalls"}; a shortfall's amounts in its unit
// ("MiB" rounded up for need, down for free and capacity; vCPUs, CPUs, pages, guests).
void write_json(JsonWriter& w, const Diagnostic& d);
void write_json(JsonWriter& w, const Shortfall& s);
// {"guest", "reasons": [summary], "shortfalls": [...]}.
void write_json(JsonWriter& w, const Unplaced& u, const Scenario& scenario);

}  // namespace kvmplan
