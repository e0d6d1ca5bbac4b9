// The C-STORE receiver on DCMTK's SCP thread pool (one worker per association).
#include "medpipe/net/store_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scppool.h>
#include <dcmtk/dcmnet/scpthrd.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "dcmtk_support.h"
#include "durable_file.h"
#include "medpipe/core/error.h"

namespace medpipe::net {

uint64_t freeBytes(const std::filesystem::path& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0) return 0;
  return static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
}

std::vector<AllowedCaller> parseAllowList(const std::string& text) {
  std::vector<AllowedCaller> list;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    const size_t at = item.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == item.size())
      throw Error("", "--allow", "'" + item + "' is not AET@HOST (either may be *)");
    AllowedCaller caller{item.substr(0, at), item.substr(at + 1)};
    if (caller.aet != "*") checkAeTitle(caller.aet, "--allow");
    list.push_back(caller);
  }
  if (list.empty()) throw Error("", "--allow", "names no caller");
  return list;
}

namespace {

bool allowed(const std::vector<AllowedCaller>& list, const std::string& aet, const std::string& host) {
  if (list.empty()) return true;
  for (const auto& c : list)
    if ((c.aet == "*" || c.aet == aet) && (c.host == "*" || c.host == host)) return true;
  return false;
}

std::string trimmed(const char* text) {
  std::string s(text);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

// One association: checks at the request, durable storage of each instance, a record at the end.
class ReceiverScp : public DcmThreadSCP {
 public:
  explicit ReceiverScp(const ReceiverOptions* options) : options_(options) {}

 protected:
  void notifyAssociationRequest(const T_ASC_Parameters& params, DcmSCPActionType& action) override {
    record_ = {};
    finished_ = false;
    record_.callingAet = trimmed(params.DULparams.callingAPTitle);
    record_.calledAet = trimmed(params.DULparams.calledAPTitle);
    record_.callingHost = trimmed(params.DULparams.callingPresentationAddress);
    if (options_->minFreeBytes > 0 && freeBytes(options_->folder) < options_->minFreeBytes) {
      record_.refusal = "free disk space below the watermark";
      action = DCMSCP_ACTION_REFUSE_ASSOCIATION;
    }
  }
  OFBool checkCalledAETitleAccepted(const OFString& calledAE) override {
    if (trimmed(calledAE.c_str()) == options_->aet) return OFTrue;
    record_.refusal = "called AE title '" + trimmed(calledAE.c_str()) + "' is not ours (" + options_->aet + ")";
    return OFFalse;
  }
  OFBool checkCallingAETitleAccepted(const OFString& callingAE) override {
    if (allowed(options_->allow, trimmed(callingAE.c_str()), record_.callingHost)) return OFTrue;
    record_.refusal = "caller not on the allow-list";
    return OFFalse;
  }
  void refuseAssociation(const DcmRefuseReasonType reason) override {
    if (record_.refusal.empty()) record_.refusal = reason == DCMSCP_TOO_MANY_ASSOCIATIONS ? "too many associations" : "refused";
    DcmThreadSCP::refuseAssociation(reason);
    finish();
  }
  void notifyAssociationAcknowledge() override { record_.accepted = true; }
  void notifyAbortRequest() override { record_.aborted = true; }
  void notifyDIMSEError(const OFCondition& cond) override {
    if (cond == DUL_PEERABORTEDASSOCIATION || cond == DUL_NETWORKCLOSED || cond == DUL_READTIMEOUT ||
        cond == DIMSE_READPDVFAILED || cond == DIMSE_NODATAAVAILABLE)
      record_.aborted = true;
  }
  void notifyAssociationTermination() override { finish(); }

  OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& info) override {
    if (message->CommandField == DIMSE_C_STORE_RQ) return store(message->msg.CStoreRQ, info.presentationContextID);
    return DcmThreadSCP::handleIncomingCommand(message, info);  // C-ECHO; others refused
  }

 private:
  OFCondition store(T_DIMSE_C_StoreRQ& request, T_ASC_PresentationContextID presID) {
    static std::atomic<unsigned long> counter{0};
    const std::filesystem::path partial = options_->folder / ".partial" /
                                          (std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".part");
    std::error_code ec;
    std::filesystem::create_directories(partial.parent_path(), ec);
    const OFCondition received = receiveSTORERequest(request, presID, partial.c_str());
    if (received.bad()) {  // the connection broke mid-instance: nothing of it is kept
      std::filesystem::remove(partial, ec);
      record_.aborted = true;
      return received;
    }
    Uint16 status = STATUS_Success;
    try {
      // The watermark holds within an association too: an instance that would eat into it is refused.
      if (options_->minFreeBytes > 0 && freeBytes(options_->folder) < options_->minFreeBytes) {
        status = STATUS_STORE_Refused_OutOfResources;
        throw std::runtime_error("disk");
      }
      DcmFileFormat file;
      if (file.loadFileUntilTag(partial.c_str(), EXS_Unknown, EGL_noChange, 256, ERM_autoDetect, DCM_PixelData).bad())
        throw std::runtime_error("unreadable");
      ReceivedInstance instance;
      instance.studyUid = detail::stringOf(*file.getDataset(), 0x0020, 0x000D);
      instance.seriesUid = detail::stringOf(*file.getDataset(), 0x0020, 0x000E);
      instance.sopUid = detail::stringOf(*file.getDataset(), 0x0008, 0x0018);
      instance.imagesInAcquisition = std::atoi(detail::stringOf(*file.getDataset(), 0x0020, 0x1002).c_str());
      if (!isPlainUid(instance.studyUid) || !isPlainUid(instance.seriesUid) || !isPlainUid(instance.sopUid) ||
          instance.sopUid != trimmed(request.AffectedSOPInstanceUID)) {
        status = STATUS_STORE_Error_CannotUnderstand;
        throw std::runtime_error("UIDs");
      }
      const std::filesystem::path seriesFolder = options_->folder / instance.studyUid / instance.seriesUid;
      if (!std::filesystem::is_directory(seriesFolder)) {
        std::filesystem::create_directories(seriesFolder);
        syncPath(seriesFolder.parent_path());
        syncPath(options_->folder);
      }
      instance.file = seriesFolder / (instance.sopUid + ".dcm");
      instance.replaced = std::filesystem::exists(instance.file);
      syncPath(partial);
      std::filesystem::rename(partial, instance.file);
      syncPath(seriesFolder);  // the name is durable: now the sender may forget the instance
      if (options_->onInstance) options_->onInstance(instance);
      ++record_.instances;
      record_.studyUids.insert(instance.studyUid);
      record_.seriesUids.insert(instance.seriesUid);
    } catch (const std::exception&) {
      std::filesystem::remove(partial, ec);
      if (status == STATUS_Success) status = STATUS_STORE_Refused_OutOfResources;
      ++record_.failedInstances;
    }
    return sendSTOREResponse(presID, request, status);
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (options_->onAssociation) options_->onAssociation(record_);
  }

  const ReceiverOptions* options_;
  AssociationRecord record_;
  bool finished_ = true;
};

// DcmSCPPool with workers that know the receiver's options (DcmSCPPool default-constructs them).
class ReceiverPool : public DcmBaseSCPPool {
 public:
  explicit ReceiverPool(const ReceiverOptions* options) : options_(options) {}

 protected:
  class Worker : public DcmBaseSCPWorker, private ReceiverScp {
   public:
    Worker(ReceiverPool& pool, const ReceiverOptions* options) : DcmBaseSCPWorker(pool), ReceiverScp(options) {}
    OFCondition setSharedConfig(const DcmSharedSCPConfig& config) override { return ReceiverScp::setSharedConfig(config); }
    OFBool busy() override { return ReceiverScp::isConnected(); }
    OFCondition workerListen(T_ASC_Association* const assoc) override { return ReceiverScp::run(assoc); }
  };
  DcmBaseSCPWorker* createSCPWorker() override { return new Worker(*this, options_); }

 private:
  const ReceiverOptions* options_;
};

// DCMTK reports a port it cannot bind only from inside listen(): check it first, to say so.
void checkPortFree(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  const int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw Error("", "--port", "cannot listen on port " + std::to_string(port) + ": " + std::strerror(err));
}

}  // namespace

struct StoreReceiver::Impl {
  ReceiverOptions options;
  detail::TlsLayer tls;
  ReceiverPool pool{&options};
  std::thread thread;
  bool stopped = false;
};

StoreReceiver::StoreReceiver(ReceiverOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  const ReceiverOptions& o = impl_->options;
  checkAeTitle(o.aet, "--aet");
  if (o.port == 0) throw Error("", "--port", "must be from 1 to 65535");
  std::error_code ec;
  std::filesystem::create_directories(o.folder, ec);
  if (ec) throw Error(o.folder.string(), "", "cannot create: " + ec.message());
  checkPortFree(o.port);
  std::filesystem::remove_all(o.folder / ".partial", ec);  // instances cut off by a kill -9: never answered
  DcmSCPConfig& config = impl_->pool.getConfig();
  config.setAETitle(o.aet.c_str());
  config.setPort(o.port);
  config.setRespondWithCalledAETitle(OFFalse);
  config.setConnectionBlockingMode(DUL_NOBLOCK);  // wake up each second to see a stop request
  config.setConnectionTimeout(1);
  config.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  config.setDIMSETimeout(static_cast<Uint32>(o.dimseTimeoutSeconds));
  config.setACSETimeout(static_cast<Uint32>(o.dimseTimeoutSeconds));
  config.setHostLookupEnabled(OFFalse);  // callers are matched by IP address
  OFList<OFString> syntaxes;
  for (const auto& ts : detail::allTransferSyntaxes()) syntaxes.push_back(ts.c_str());
  OFList<OFString> uncompressed;
  uncompressed.push_back(UID_LittleEndianExplicitTransferSyntax);
  uncompressed.push_back(UID_LittleEndianImplicitTransferSyntax);
  config.addPresentationContext(UID_VerificationSOPClass, uncompressed);
  for (int i = 0; i < numberOfDcmAllStorageSOPClassUIDs; ++i)
    config.addPresentationContext(dcmAllStorageSOPClassUIDs[i], syntaxes);
  if (o.tls.enabled()) {
    impl_->tls = detail::makeTlsLayer(true, o.tls, "listen");
    config.setTransportLayer(impl_->tls.get());
  }
  impl_->pool.setMaxThreads(static_cast<Uint16>(std::max(1, o.maxAssociations)));
  impl_->thread = std::thread([this] { impl_->pool.listen(); });
}

void StoreReceiver::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->pool.stopAfterCurrentAssociations();
  if (impl_->thread.joinable()) impl_->thread.join();
}

StoreReceiver::~StoreReceiver() { stop(); }

}  // namespace medpipe::net
