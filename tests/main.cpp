// Tests run from the source tree, so that paths in expected messages read as a user types them:
// scenarios/bad/no-unit.yaml:7:13: ...
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <filesystem>

int main(int argc, char** argv) {
  std::filesystem::current_path(KVMPLAN_SOURCE_DIR);
  doctest::Context context(argc, argv);
  return context.run();
}
