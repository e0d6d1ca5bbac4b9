#pragma once
// A C-STORE sender that aborts its association half way (A-ABORT), as a crashing modality does:
// DCMTK's DcmSCU driven directly, in the sandbox's network namespace.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace medpipe::test {

// Sends the first `count` files to AET@127.0.0.1:port, then aborts. Returns "" or what failed.
// `namespaceHolder` > 0: the thread joins that process's network namespace for the call.
std::string sendThenAbort(pid_t namespaceHolder, const std::string& aet, int port,
                          const std::vector<std::filesystem::path>& files, size_t count);

}  // namespace medpipe::test
