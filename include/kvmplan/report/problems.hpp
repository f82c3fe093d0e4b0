#pragma once
// Every problem kvmplan reports, rendered in one place (values/diagnostics.hpp has their one
// shape): input errors in the compiler's form, the violations check prints, the warnings size
// prints, the guests a plan leaves unplaced; for people (text, Markdown) and scripts (JSON).
#include <string>

#include "kvmplan/plan/check.hpp"
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

// The failure rule's verdict in one line: "survives any 1 host: yes (7 failures simulated;
// tightest: compute-4, 12GiB free when compute-2 fails)", or "... no: 3 failures strand guests".
std::string failures_line(const FailureReport& r);
// {"host_failures", "zone_failures", "survives", "method", "simulated", "worst": {"hosts",
// "zones", "stranded", "tightest_host", "tightest_free_mib"} or null, "unproven"}.
void write_json(JsonWriter& w, const FailureReport& r);

}  // namespace kvmplan
