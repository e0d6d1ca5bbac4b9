#include "aborting_sender.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/oflog/oflog.h>

#include <thread>

namespace medpipe::test {

std::string sendThenAbort(pid_t namespaceHolder, const std::string& aet, int port,
                          const std::vector<std::filesystem::path>& files, size_t count) {
  std::string failure;
  // A thread of its own joins the namespace, so the test's main thread stays where it was.
  std::thread worker([&] {
    if (namespaceHolder > 0) {
      const int fd = ::open(("/proc/" + std::to_string(namespaceHolder) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
        failure = "cannot join the test's network namespace";
        if (fd >= 0) ::close(fd);
        return;
      }
      ::close(fd);
    }
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);  // the test says what failed
    DcmSCU scu;
    scu.setAETitle("MODALITY");
    scu.setPeerHostName("127.0.0.1");
    scu.setPeerPort(static_cast<Uint16>(port));
    scu.setPeerAETitle(aet.c_str());
    OFList<OFString> ts;
    ts.push_back(UID_LittleEndianExplicitTransferSyntax);
    scu.addPresentationContext(UID_CTImageStorage, ts);
    if (scu.initNetwork().bad() || scu.negotiateAssociation().bad()) {
      failure = "association failed";
      return;
    }
    for (size_t i = 0; i < count && i < files.size(); ++i) {
      Uint16 status = 0;
      if (scu.sendSTORERequest(0, files[i].c_str(), nullptr, status).bad() || status != 0) {
        failure = "C-STORE of " + files[i].string() + " failed";
        break;
      }
    }
    scu.abortAssociation();
  });
  worker.join();
  return failure;
}

}  // namespace medpipe::test
