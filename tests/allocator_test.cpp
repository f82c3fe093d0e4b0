// The programs allocate with jemalloc on transparent huge pages (src/allocator.cpp): the
// configuration symbol must reach the link, or jemalloc runs on its defaults.
#include <doctest/doctest.h>

#ifdef KVMPLAN_JEMALLOC
#include <jemalloc/jemalloc.h>

#include <string>

TEST_CASE("jemalloc runs with transparent huge pages, as src/allocator.cpp asks") {
  const char* thp = nullptr;
  std::size_t size = sizeof thp;
  REQUIRE(mallctl("opt.thp", static_cast<void*>(&thp), &size, nullptr, 0) == 0);
  CHECK(std::string(thp) == "always");
}
#endif
