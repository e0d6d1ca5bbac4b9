#pragma once
// A folder made once and shared by the processes of a suite's tests.
#include <filesystem>
#include <functional>
#include <string>

namespace medpipe::test {

// A folder that make(folder) fills once and the processes of a suite's tests share: ctest runs
// each test in a process of its own, so an expensive SetUpTestSuite would otherwise run once per
// test. Under the test program's folder (shared-fixtures/NAME-...), made under a file lock by
// the first process that asks; kept while the test program and medpipe are the same builds
// (their modification times are in the name). Tests read it; what they write goes elsewhere.
std::filesystem::path sharedFixture(const std::string& name,
                                    const std::function<void(const std::filesystem::path&)>& make);

}  // namespace medpipe::test
