#pragma once
// DICOM services as a client (SCU) on DCMTK: C-ECHO, C-FIND, C-GET, C-MOVE and C-STORE. Each call
// opens one association, does its work and releases it; a failure throws medpipe::Error naming
// the peer (AET@HOST:PORT), the service and DCMTK's reason.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "medpipe/net/peer.h"

namespace medpipe::net {

struct ClientOptions {
  std::string aet = "MEDPIPE";  // our own (calling) AE title
  int timeoutSeconds = 30;      // connection, ACSE and DIMSE timeouts
};

// C-ECHO; throws when the association or the echo fails.
void echo(const Peer& peer, const ClientOptions& options);

enum class QueryLevel { Patient, Study, Series };
QueryLevel parseQueryLevel(const std::string& text);  // "patient" | "study" | "series"

// Matching keys; empty = universal (returned, not matched). StudyDate takes DICOM ranges
// ("20240101-20240131", "20240101-"). Modality matches ModalitiesInStudy at study level.
struct QueryKeys {
  std::string patientId, accessionNumber, studyDate, modality, studyUid, seriesUid;
};

// One match: attribute keyword -> value (the keys returned at that level, see queryColumns()).
using QueryMatch = std::map<std::string, std::string>;

// The keywords a level returns, in table order. PatientName only when `withPatientName`.
std::vector<std::string> queryColumns(QueryLevel level, bool withPatientName);

// C-FIND (Patient Root at patient level, Study Root otherwise).
std::vector<QueryMatch> find(const Peer& peer, const ClientOptions& options, QueryLevel level,
                             const QueryKeys& keys, bool withPatientName = false);

// What to retrieve: a whole study or one series (of that study, when both are given).
struct RetrieveRequest {
  std::string studyUid, seriesUid;
};

struct RetrieveResult {
  size_t completed = 0, failed = 0, warning = 0;  // sub-operations as the peer counted them
  std::vector<std::filesystem::path> files;       // written by C-GET (empty for C-MOVE)
};

// C-GET: the peer sends the instances back on our association (it need not know us); each is
// written durably to folder/<SeriesInstanceUID>/<SOPInstanceUID>.dcm in the transfer syntax it came in.
RetrieveResult getInstances(const Peer& peer, const ClientOptions& options, const RetrieveRequest& request,
                            const std::filesystem::path& folder);

// C-MOVE to `destinationAet` (which the peer must know, e.g. a `medpipe listen`).
RetrieveResult moveInstances(const Peer& peer, const ClientOptions& options, const RetrieveRequest& request,
                             const std::string& destinationAet);

struct StoreFailure {
  std::filesystem::path file;
  std::string reason;
};

struct StoreResult {
  std::vector<std::string> sopInstanceUids;  // stored (for the audit log)
  std::vector<StoreFailure> failures;
};

// The DICOM files among `paths` (folders searched recursively; non-DICOM files are skipped).
std::vector<std::filesystem::path> collectDicomFiles(const std::vector<std::filesystem::path>& paths);

// C-STORE of each file in its own transfer syntax; files the peer refuses are failures (the
// others still go). Throws when no association can be made.
StoreResult storeFiles(const Peer& peer, const ClientOptions& options, const std::vector<std::filesystem::path>& files);

// Turns DCMTK's logging (stderr by default) off but for fatal errors, or up with `verbose`. The CLI calls it.
void setNetworkLogVerbosity(bool verbose);

}  // namespace medpipe::net
