#pragma once
// Headless Chromium from Debian for the report's browser tests, offline: every host name resolves
// to nothing, so a page that asks the network fails visibly (console errors) instead of fetching.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace medpipe::test {

inline CommandResult chromium(const std::filesystem::path& profile, const std::string& arguments) {
  std::filesystem::create_directories(profile);
  return runCommand(
      "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--host-resolver-rules='MAP * ~NOTFOUND' --enable-logging=stderr --v=0 --user-data-dir=" +
      profile.string() + " " + arguments);
}

// The URLs the page itself asked the network for, from Chromium's --log-net-log=FILE: requests
// whose initiator is the page's file:// origin ("null"). The browser's own background requests
// (updates, time, accounts; initiator "not an origin", and unresolvable here) are not the page's.
// Files the page loads from disk do not go through the network stack and are not listed.
inline std::vector<std::string> pageNetworkRequests(const std::filesystem::path& netLog) {
  std::ifstream in(netLog);
  std::stringstream text;
  text << in.rdbuf();
  const std::string log = text.str();
  std::vector<std::string> urls;
  const std::regex request("\"initiator\":\"(null|file:[^\"]*)\"[^\\n]*?\"url\":\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), request); it != std::sregex_iterator(); ++it)
    urls.push_back((*it)[2]);
  return urls;
}

}  // namespace medpipe::test

#define REQUIRE_CHROMIUM()                                            \
  if (medpipe::test::runCommand("command -v chromium").exitCode != 0) \
  GTEST_SKIP() << "chromium not installed (scripts/install-deps.sh)"
