// DICOM client services on DCMTK's DcmSCU. One association per call.
#include "medpipe/net/dicom_client.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/dcmtls/tlslayer.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "dcmtk_support.h"
#include "durable_file.h"
#include "medpipe/core/error.h"

namespace medpipe::net {

namespace detail {

const std::vector<std::string>& allTransferSyntaxes() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> ids{UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax};
    for (int x = EXS_BigEndianImplicit; x <= EXS_HEVCMain10ProfileLevel5_1; ++x) {
      const DcmXfer xfer(static_cast<E_TransferSyntax>(x));
      const std::string id = xfer.getXferID();
      if (!id.empty() && id != ids[0] && id != ids[1]) ids.push_back(id);
    }
    return ids;
  }();
  return list;
}

const std::vector<StorageContext>& retrieveContexts() {
  static const std::vector<StorageContext> list = [] {
    const std::vector<std::string> volumes = {UID_CTImageStorage, UID_MRImageStorage, UID_PositronEmissionTomographyImageStorage,
                                              UID_EnhancedCTImageStorage, UID_EnhancedMRImageStorage, UID_SegmentationStorage};
    const std::vector<std::string> compressed = {
        UID_RLELosslessTransferSyntax, UID_JPEGProcess14SV1TransferSyntax, UID_JPEGProcess1TransferSyntax,
        UID_JPEGProcess2_4TransferSyntax, UID_JPEGLSLosslessTransferSyntax, UID_JPEGLSLossyTransferSyntax,
        UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax, UID_DeflatedExplicitVRLittleEndianTransferSyntax};
    std::vector<StorageContext> contexts;
    for (const auto& sop : volumes) {
      contexts.push_back({sop, {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax}});
      for (const auto& ts : compressed) contexts.push_back({sop, {ts}});
    }
    for (int i = 0; i < numberOfDcmLongSCUStorageSOPClassUIDs && contexts.size() < 127; ++i) {
      const std::string sop = dcmLongSCUStorageSOPClassUIDs[i];
      if (std::find(volumes.begin(), volumes.end(), sop) == volumes.end()) contexts.push_back({sop, allTransferSyntaxes()});
    }
    return contexts;
  }();
  return list;
}

void TlsLayerDeleter::operator()(DcmTLSTransportLayer* layer) const { delete layer; }

TlsLayer makeTlsLayer(bool acceptor, const TlsFiles& tls, const std::string& who) {
  TlsLayer layer(new DcmTLSTransportLayer(acceptor ? NET_ACCEPTOR : NET_REQUESTOR, nullptr, OFTrue));
  const auto check = [&](const OFCondition& cond, const std::filesystem::path& file, const char* what) {
    if (cond.bad()) throw Error(file.string(), who + " tls", std::string(what) + ": " + cond.text());
  };
  check(layer->setTLSProfile(TSP_Profile_BCP195), {}, "TLS profile");
  check(layer->activateCipherSuites(), {}, "cipher suites");
  if (!tls.certificate.empty()) {
    check(layer->setPrivateKeyFile(tls.privateKey.c_str(), DCF_Filetype_PEM), tls.privateKey, "cannot load the private key");
    check(layer->setCertificateFile(tls.certificate.c_str(), DCF_Filetype_PEM), tls.certificate,
          "cannot load the certificate");
    if (!layer->checkPrivateKeyMatchesCertificate())
      throw Error(tls.certificate.string(), who + " tls", "the private key does not match the certificate");
  }
  if (!tls.trustedCa.empty())
    check(layer->addTrustedCertificateFile(tls.trustedCa.c_str(), DCF_Filetype_PEM), tls.trustedCa,
          "cannot load the CA certificate");
  layer->setCertificateVerification(DCV_requireCertificate);  // mutual: both sides show a certificate
  return layer;
}

std::string stringOf(DcmItem& dataset, unsigned short group, unsigned short element) {
  OFString value;
  if (dataset.findAndGetOFStringArray(DcmTagKey(group, element), value).bad()) return {};
  return value.c_str();
}

InstanceUids readInstanceUids(const std::filesystem::path& file) {
  DcmFileFormat ff;
  if (ff.loadFileUntilTag(file.c_str(), EXS_Unknown, EGL_noChange, 256, ERM_autoDetect, DCM_PixelData).bad()) return {};
  DcmDataset& d = *ff.getDataset();
  return {stringOf(d, 0x0020, 0x000D), stringOf(d, 0x0020, 0x000E), stringOf(d, 0x0008, 0x0018)};
}

}  // namespace detail

using detail::stringOf;

void setNetworkLogVerbosity(bool verbose) {
  // Our own messages say what failed; DCMTK's would repeat it (and may dump data sets).
  OFLog::configure(verbose ? OFLogger::INFO_LOG_LEVEL : OFLogger::FATAL_LOG_LEVEL);
}

namespace {

// A DcmSCU configured for one peer; C-GET's incoming instances are written durably to a folder.
class Client : public DcmSCU {
 public:
  Client(const Peer& peer, const ClientOptions& options, std::string service) : peer_(peer), service_(std::move(service)) {
    setAETitle(options.aet.c_str());
    setPeerHostName(peer.host.c_str());
    setPeerPort(peer.port);
    setPeerAETitle(peer.aet.c_str());
    setConnectionTimeout(options.timeoutSeconds);
    setACSETimeout(static_cast<Uint32>(options.timeoutSeconds));
    setDIMSETimeout(static_cast<Uint32>(options.timeoutSeconds));
    setDIMSEBlockingMode(DIMSE_NONBLOCKING);  // so that the DIMSE timeout applies
    if (peer.tls.enabled()) tls_ = detail::makeTlsLayer(false, peer.tls, peer.describe());
  }

  // After a network or DIMSE failure (`broken`) the association is aborted, not released: a peer
  // that stopped answering would make the release wait for the whole timeout again.
  Error failure(const std::string& reason, bool broken = true) const {
    failed_ = failed_ || broken;
    return Error(peer_.describe(), service_, reason);
  }

  void open() {
    OFCondition cond = initNetwork();
    if (cond.good() && tls_) cond = useSecureConnection(tls_.get());
    if (cond.bad()) throw failure("cannot set up the network: " + std::string(cond.text()));
    cond = negotiateAssociation();
    if (cond.bad()) throw failure("association refused or failed: " + std::string(cond.text()));
  }

  T_ASC_PresentationContextID context(const char* abstractSyntax) {
    const T_ASC_PresentationContextID id = findPresentationContextID(abstractSyntax, "");
    if (id == 0)
      throw failure(std::string("the peer accepted no presentation context for ") + dcmFindNameOfUID(abstractSyntax, abstractSyntax),
                    false);
    return id;
  }

  ~Client() override {
    if (!isConnected()) return;
    if (failed_) abortAssociation();
    else releaseAssociation();
  }

  std::filesystem::path getFolder;
  std::vector<std::filesystem::path> received;

 protected:
  OFCondition handleSTORERequest(const T_ASC_PresentationContextID /*presID*/, DcmDataset* incoming,
                                 OFBool& continueCGETSession, Uint16& status) override {
    continueCGETSession = OFTrue;
    std::unique_ptr<DcmDataset> dataset(incoming);  // ours to delete
    status = STATUS_Success;
    const std::string series = stringOf(*dataset, 0x0020, 0x000E), sop = stringOf(*dataset, 0x0008, 0x0018);
    if (!isPlainUid(series) || !isPlainUid(sop)) {
      status = STATUS_STORE_Error_CannotUnderstand;  // no file name can be made from it
      return EC_Normal;
    }
    try {
      const std::filesystem::path folder = getFolder / series;
      std::filesystem::create_directories(folder);
      const std::filesystem::path target = folder / (sop + ".dcm");
      const E_TransferSyntax xfer = dataset->getOriginalXfer();
      DcmFileFormat file(dataset.get());
      writeDurably(target, [&](const std::filesystem::path& tmp) {
        const OFCondition cond = file.saveFile(tmp.c_str(), xfer);
        if (cond.bad()) throw Error(target.string(), "", cond.text());
      });
      received.push_back(target);
    } catch (const std::exception&) {
      status = STATUS_STORE_Refused_OutOfResources;
    }
    return EC_Normal;
  }

 private:
  Peer peer_;
  std::string service_;
  detail::TlsLayer tls_;
  mutable bool failed_ = false;
};

OFList<OFString> syntaxes(std::initializer_list<std::string> ids) {
  OFList<OFString> list;
  for (const auto& id : ids) list.push_back(id.c_str());
  return list;
}

OFList<OFString> uncompressed() {
  return syntaxes({UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax});
}

struct Column {
  const char* keyword;
  DcmTagKey tag;
};

const std::vector<Column>& columnsOf(QueryLevel level) {
  static const std::vector<Column> patient = {
      {"PatientID", DCM_PatientID}, {"PatientName", DCM_PatientName},
      {"NumberOfPatientRelatedStudies", DCM_NumberOfPatientRelatedStudies}};
  static const std::vector<Column> study = {
      {"PatientID", DCM_PatientID}, {"PatientName", DCM_PatientName}, {"StudyDate", DCM_StudyDate},
      {"AccessionNumber", DCM_AccessionNumber}, {"ModalitiesInStudy", DCM_ModalitiesInStudy},
      {"StudyDescription", DCM_StudyDescription}, {"NumberOfStudyRelatedInstances", DCM_NumberOfStudyRelatedInstances},
      {"StudyInstanceUID", DCM_StudyInstanceUID}};
  static const std::vector<Column> series = {
      {"StudyInstanceUID", DCM_StudyInstanceUID}, {"SeriesNumber", DCM_SeriesNumber}, {"Modality", DCM_Modality},
      {"SeriesDescription", DCM_SeriesDescription},
      {"NumberOfSeriesRelatedInstances", DCM_NumberOfSeriesRelatedInstances},
      {"SeriesInstanceUID", DCM_SeriesInstanceUID}};
  return level == QueryLevel::Patient ? patient : level == QueryLevel::Study ? study : series;
}

// A failed final status of a C-FIND/GET/MOVE, in words.
std::string statusText(Uint16 status) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "%04X", status);
  std::string name;
  switch (status) {
    case 0xA700: name = "out of resources"; break;
    case 0xA701: name = "out of resources (matches)"; break;
    case 0xA702: name = "out of resources (sub-operations)"; break;
    case 0xA801: name = "move destination unknown"; break;
    case 0xA900: name = "identifier does not match SOP class"; break;
    case 0xFE00: name = "cancelled"; break;
    default: name = (status & 0xF000) == 0xC000 ? "unable to process" : "failed";
  }
  return name + " (status 0x" + hex + ")";
}

bool isFailure(Uint16 status) {
  return status != STATUS_Success && status != STATUS_Pending && status != 0xFF01 && (status & 0xF000) != 0xB000;
}

}  // namespace

QueryLevel parseQueryLevel(const std::string& text) {
  if (text == "patient") return QueryLevel::Patient;
  if (text == "study") return QueryLevel::Study;
  if (text == "series") return QueryLevel::Series;
  throw Error("", "level", "'" + text + "' is not one of patient, study, series");
}

std::vector<std::string> queryColumns(QueryLevel level, bool withPatientName) {
  std::vector<std::string> names;
  for (const auto& c : columnsOf(level))
    if (withPatientName || std::string(c.keyword) != "PatientName") names.emplace_back(c.keyword);
  return names;
}

void echo(const Peer& peer, const ClientOptions& options) {
  Client client(peer, options, "C-ECHO");
  client.addPresentationContext(UID_VerificationSOPClass, uncompressed());
  client.open();
  const OFCondition cond = client.sendECHORequest(client.context(UID_VerificationSOPClass));
  if (cond.bad()) throw client.failure(cond.text());
}

std::vector<QueryMatch> find(const Peer& peer, const ClientOptions& options, QueryLevel level, const QueryKeys& keys,
                             bool withPatientName) {
  const char* model = level == QueryLevel::Patient ? UID_FINDPatientRootQueryRetrieveInformationModel
                                                   : UID_FINDStudyRootQueryRetrieveInformationModel;
  DcmDataset query;
  query.putAndInsertString(DCM_QueryRetrieveLevel,
                           level == QueryLevel::Patient ? "PATIENT" : level == QueryLevel::Study ? "STUDY" : "SERIES");
  for (const auto& c : columnsOf(level)) query.insertEmptyElement(c.tag);
  const auto match = [&](const DcmTagKey& tag, const std::string& value) {
    if (!value.empty()) query.putAndInsertString(tag, value.c_str());
  };
  match(DCM_PatientID, keys.patientId);
  if (level != QueryLevel::Patient) {
    match(DCM_AccessionNumber, keys.accessionNumber);
    match(DCM_StudyDate, keys.studyDate);
    match(DCM_StudyInstanceUID, keys.studyUid);
    match(level == QueryLevel::Study ? DCM_ModalitiesInStudy : DCM_Modality, keys.modality);
  }
  if (level == QueryLevel::Series) {
    match(DCM_SeriesInstanceUID, keys.seriesUid);
    if (!keys.accessionNumber.empty() || !keys.studyDate.empty() || !keys.patientId.empty()) {
      // Study attributes are not series keys: find the studies first, then their series.
      QueryKeys studyKeys = keys;
      studyKeys.modality.clear();
      std::vector<QueryMatch> all;
      for (const auto& study : find(peer, options, QueryLevel::Study, studyKeys, false)) {
        QueryKeys seriesKeys;
        seriesKeys.studyUid = study.at("StudyInstanceUID");
        seriesKeys.seriesUid = keys.seriesUid;
        seriesKeys.modality = keys.modality;
        for (auto& m : find(peer, options, QueryLevel::Series, seriesKeys, false)) all.push_back(std::move(m));
      }
      return all;
    }
  }
  Client client(peer, options, "C-FIND");
  client.addPresentationContext(model, uncompressed());
  client.open();
  OFList<QRResponse*> responses;
  const OFCondition cond = client.sendFINDRequest(client.context(model), &query, &responses);
  std::vector<QueryMatch> matches;
  Uint16 finalStatus = STATUS_Success;
  for (QRResponse* r : responses) {
    if (r->m_dataset && (r->m_status == STATUS_Pending || r->m_status == 0xFF01)) {
      QueryMatch m;
      for (const auto& c : columnsOf(level)) {
        if (!withPatientName && std::string(c.keyword) == "PatientName") continue;
        OFString value;
        r->m_dataset->findAndGetOFStringArray(c.tag, value);
        m[c.keyword] = value.c_str();
      }
      matches.push_back(std::move(m));
    } else {
      finalStatus = r->m_status;
    }
    delete r;
  }
  if (cond.bad()) throw client.failure(cond.text());
  if (isFailure(finalStatus)) throw client.failure(statusText(finalStatus), false);
  return matches;
}

namespace {

DcmDataset retrieveIdentifier(const Peer& peer, const ClientOptions& options, RetrieveRequest request,
                              const std::string& service) {
  if (request.studyUid.empty() && request.seriesUid.empty()) throw Error("", "study", "give --study UID or --series UID");
  if (request.studyUid.empty()) {
    // Study Root retrieval at series level needs the study: ask the peer which it is.
    QueryKeys keys;
    keys.seriesUid = request.seriesUid;
    const auto matches = find(peer, options, QueryLevel::Series, keys);
    if (matches.empty()) throw Error(peer.describe(), service, "no series " + request.seriesUid + " on the peer");
    request.studyUid = matches.front().at("StudyInstanceUID");
  }
  DcmDataset id;
  id.putAndInsertString(DCM_QueryRetrieveLevel, request.seriesUid.empty() ? "STUDY" : "SERIES");
  id.putAndInsertString(DCM_StudyInstanceUID, request.studyUid.c_str());
  if (!request.seriesUid.empty()) id.putAndInsertString(DCM_SeriesInstanceUID, request.seriesUid.c_str());
  return id;
}

RetrieveResult countsOf(OFList<RetrieveResponse*>& responses, const Client& client, const OFCondition& cond) {
  RetrieveResult result;
  Uint16 finalStatus = STATUS_Success;
  for (RetrieveResponse* r : responses) {
    if (r->m_status != STATUS_Pending) {
      finalStatus = r->m_status;
      result.completed = r->m_numberOfCompletedSubops;
      result.failed = r->m_numberOfFailedSubops;
      result.warning = r->m_numberOfWarningSubops;
    }
    delete r;
  }
  responses.clear();
  if (cond.bad()) throw client.failure(cond.text());
  // A0xx/Cxxx with failed sub-operations is reported through the counts; other failures throw.
  if (isFailure(finalStatus) && result.failed == 0) throw client.failure(statusText(finalStatus), false);
  return result;
}

}  // namespace

RetrieveResult getInstances(const Peer& peer, const ClientOptions& options, const RetrieveRequest& request,
                            const std::filesystem::path& folder) {
  DcmDataset id = retrieveIdentifier(peer, options, request, "C-GET");
  Client client(peer, options, "C-GET");
  client.getFolder = folder;
  client.addPresentationContext(UID_GETStudyRootQueryRetrieveInformationModel, uncompressed());
  for (const auto& context : detail::retrieveContexts()) {
    OFList<OFString> ts;
    for (const auto& t : context.syntaxes) ts.push_back(t.c_str());
    client.addPresentationContext(context.sopClass.c_str(), ts, ASC_SC_ROLE_SCP);
  }
  client.open();
  OFList<RetrieveResponse*> responses;
  const OFCondition cond =
      client.sendCGETRequest(client.context(UID_GETStudyRootQueryRetrieveInformationModel), &id, &responses);
  RetrieveResult result = countsOf(responses, client, cond);
  result.files = client.received;
  // Orthanc and others may omit the counts on the final response: what was written is the truth.
  if (result.completed < result.files.size()) result.completed = result.files.size();
  return result;
}

RetrieveResult moveInstances(const Peer& peer, const ClientOptions& options, const RetrieveRequest& request,
                             const std::string& destinationAet) {
  checkAeTitle(destinationAet, "--dest");
  DcmDataset id = retrieveIdentifier(peer, options, request, "C-MOVE");
  Client client(peer, options, "C-MOVE");
  client.addPresentationContext(UID_MOVEStudyRootQueryRetrieveInformationModel, uncompressed());
  client.open();
  OFList<RetrieveResponse*> responses;
  const OFCondition cond = client.sendMOVERequest(client.context(UID_MOVEStudyRootQueryRetrieveInformationModel),
                                                  destinationAet.c_str(), &id, &responses);
  return countsOf(responses, client, cond);
}

std::vector<std::filesystem::path> collectDicomFiles(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> files;
  const auto consider = [&](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    char magic[132] = {};
    if (in.read(magic, sizeof magic) && std::string(magic + 128, 4) == "DICM") files.push_back(p);
  };
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::filesystem::path> found;
      for (const auto& e : std::filesystem::recursive_directory_iterator(p, ec))
        if (e.is_regular_file()) found.push_back(e.path());
      std::sort(found.begin(), found.end());
      for (const auto& f : found) consider(f);
    } else if (std::filesystem::is_regular_file(p, ec)) {
      consider(p);
    } else {
      throw Error(p.string(), "", "no such file or folder");
    }
  }
  return files;
}

StoreResult storeFiles(const Peer& peer, const ClientOptions& options, const std::vector<std::filesystem::path>& files) {
  StoreResult result;
  struct Item {
    std::filesystem::path file;
    std::string sopClass, sopInstance, syntax;
  };
  std::vector<Item> items;
  for (const auto& f : files) {
    DcmFileFormat ff;
    const OFCondition cond = ff.loadFile(f.c_str(), EXS_Unknown, EGL_noChange, 256);  // big values stay on disk
    if (cond.bad()) {
      result.failures.push_back({f, std::string("cannot read: ") + cond.text()});
      continue;
    }
    Item item{f, stringOf(*ff.getMetaInfo(), 0x0002, 0x0002), stringOf(*ff.getMetaInfo(), 0x0002, 0x0003),
              stringOf(*ff.getMetaInfo(), 0x0002, 0x0010)};
    if (item.sopClass.empty() || item.syntax.empty()) {
      result.failures.push_back({f, "no MediaStorageSOPClassUID or TransferSyntaxUID in its file meta information"});
      continue;
    }
    items.push_back(std::move(item));
  }
  // An association holds at most 128 presentation contexts: one per (SOP class, syntax) pair, in batches.
  size_t next = 0;
  while (next < items.size()) {
    Client client(peer, options, "C-STORE");
    client.setDatasetConversionMode(OFTrue);  // between uncompressed syntaxes when the peer takes only those
    // Each file's own syntax alone in a context (a peer picks one syntax per context: offered
    // beside uncompressed ones, Orthanc takes the uncompressed); per SOP class one uncompressed
    // context as well, for the other files.
    std::set<std::pair<std::string, std::string>> pairs;
    size_t contexts = 0;
    size_t end = next;
    for (; end < items.size(); ++end) {
      const std::string& sop = items[end].sopClass;
      const auto key = std::make_pair(sop, items[end].syntax);
      if (pairs.count(key)) continue;
      const bool newClass = !pairs.count({sop, ""});
      if (contexts + 1 + (newClass ? 1 : 0) > 120) break;
      pairs.insert(key);
      client.addPresentationContext(sop.c_str(), syntaxes({key.second}));
      ++contexts;
      if (newClass) {
        pairs.insert({sop, ""});
        client.addPresentationContext(sop.c_str(), uncompressed());
        ++contexts;
      }
    }
    client.open();
    for (size_t i = next; i < end; ++i) {
      Uint16 status = 0;
      const OFCondition cond = client.sendSTORERequest(0, items[i].file.c_str(), nullptr, status);
      if (cond.bad()) {
        result.failures.push_back({items[i].file, cond.text()});
        if (!client.isConnected()) {  // association lost: the rest of the batch cannot go
          for (size_t j = i + 1; j < end; ++j) result.failures.push_back({items[j].file, "association lost: " + std::string(cond.text())});
          break;
        }
      } else if (status == STATUS_Success || (status & 0xF000) == 0xB000) {
        result.sopInstanceUids.push_back(items[i].sopInstance);
      } else {
        result.failures.push_back({items[i].file, "refused by the peer: " + statusText(status)});
      }
    }
    next = end;
  }
  return result;
}

}  // namespace medpipe::net
