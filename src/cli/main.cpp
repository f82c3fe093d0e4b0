#include <cerrno>
#include <cstring>
#include <iostream>

#include <unistd.h>

#include "cli.hpp"

int main(int argc, char** argv) {
  int code = 2;
  try {
    // A person at a terminal gets place's summary instead of the plan, and progress on stderr.
    const kvmplan::cli::Terminal terminal{::isatty(STDOUT_FILENO) == 1, ::isatty(STDERR_FILENO) == 1};
    code = kvmplan::cli::run(argc, argv, std::cout, std::cerr, terminal);
  } catch (...) {  // run() catches what the library throws; this is the last line of defence
    std::cerr << "kvmplan: internal error\n";
    return 2;
  }
  // What went to standard output must have arrived: a full disk or a closed pipe is exit 2.
  // (A run that already failed with 2 has said why.)
  std::cout.flush();
  if (!std::cout && code != 2) {
    std::cerr << "kvmplan: error: cannot write to standard output: " << std::strerror(errno ? errno : EIO) << "\n";
    return 2;
  }
  return code;
}
