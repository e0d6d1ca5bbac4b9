#pragma once
// DICOMweb on libcurl: QIDO-RS search, WADO-RS retrieve and STOW-RS store (PS3.18), against a
// root URL such as Orthanc's "http://127.0.0.1:8042/dicom-web". Errors throw medpipe::Error naming
// the URL and the HTTP status or curl's reason. Proxies from the environment are not used: the
// URL given is the host talked to.
#include <filesystem>
#include <string>
#include <vector>

#include "medpipe/net/dicom_client.h"

namespace medpipe::net {

struct WebOptions {
  int timeoutSeconds = 30;
};

// QIDO-RS at a level, with the same keys and columns as find() (PatientName only when asked).
std::vector<QueryMatch> qido(const std::string& root, const WebOptions& options, QueryLevel level, const QueryKeys& keys,
                             bool withPatientName = false);

// WADO-RS of a study or series: each instance written durably to
// folder/<SeriesInstanceUID>/<SOPInstanceUID>.dcm, as the server stores it.
RetrieveResult wado(const std::string& root, const WebOptions& options, const RetrieveRequest& request,
                    const std::filesystem::path& folder);

// STOW-RS of DICOM files (one multipart request); the server's failures per instance are returned.
StoreResult stow(const std::string& root, const WebOptions& options, const std::vector<std::filesystem::path>& files);

}  // namespace medpipe::net
