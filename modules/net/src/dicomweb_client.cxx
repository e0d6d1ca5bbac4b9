// QIDO-RS, WADO-RS and STOW-RS on libcurl (PS3.18), parsing DICOM JSON with JsonCpp.
#include "medpipe/net/dicomweb_client.h"

#include <curl/curl.h>
#include <json/json.h>

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <random>
#include <sstream>

#include "dcmtk_support.h"
#include "durable_file.h"
#include "medpipe/core/error.h"

namespace medpipe::net {
namespace {

struct HttpResponse {
  long status = 0;
  std::string contentType, body;
};

size_t appendBody(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

std::string trimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// One request; throws medpipe::Error naming the URL when curl fails (the HTTP status is the caller's).
HttpResponse httpRequest(const std::string& url, const WebOptions& options, const std::vector<std::string>& headers,
                         const std::string* postBody, const std::string& service) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw Error(url, service, "cannot start libcurl");
  HttpResponse response;
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headerList(list, curl_slist_free_all);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_PROXY, "");     // never a proxy from the environment: the URL's host only
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.timeoutSeconds));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(options.timeoutSeconds) * 10);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  if (postBody) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, postBody->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(postBody->size()));
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) throw Error(url, service, curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* type = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
  if (type) response.contentType = type;
  return response;
}

Error httpFailure(const std::string& url, const std::string& service, const HttpResponse& r) {
  std::string body = r.body.substr(0, 200);
  for (char& ch : body)
    if (ch == '\n' || ch == '\r') ch = ' ';
  return Error(url, service, "HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body));
}

std::string escape(const std::string& text) {
  std::unique_ptr<char, void (*)(void*)> e(curl_escape(text.c_str(), static_cast<int>(text.size())), curl_free);
  return e ? std::string(e.get()) : text;
}

Json::Value parseJson(const std::string& text, const std::string& url, const std::string& service) {
  Json::CharReaderBuilder builder;
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value root;
  std::string errors;
  if (text.empty()) return Json::Value(Json::arrayValue);  // 204 No Content: no matches
  if (!reader->parse(text.data(), text.data() + text.size(), &root, &errors))
    throw Error(url, service, "the answer is not DICOM JSON: " + errors);
  return root;
}

// A DICOM JSON attribute's values as C-FIND gives them: multiple values joined by backslash.
std::string valueOf(const Json::Value& dataset, const char* tag) {
  const Json::Value& values = dataset[tag]["Value"];
  if (!values.isArray()) return "";
  std::string joined;
  for (Json::ArrayIndex i = 0; i < values.size(); ++i) {
    const Json::Value& v = values[i];
    std::string text;
    if (v.isString()) text = v.asString();
    else if (v.isIntegral()) text = std::to_string(v.asLargestInt());
    else if (v.isDouble()) text = std::to_string(v.asDouble());
    else if (v.isObject() && v.isMember("Alphabetic")) text = v["Alphabetic"].asString();
    joined += (i ? "\\" : "") + text;
  }
  return joined;
}

// The columns of find() by their tags in DICOM JSON.
const std::map<std::string, const char*>& tagOfKeyword() {
  static const std::map<std::string, const char*> tags = {
      {"PatientID", "00100020"}, {"PatientName", "00100010"}, {"NumberOfPatientRelatedStudies", "00201200"},
      {"StudyDate", "00080020"}, {"AccessionNumber", "00080050"}, {"ModalitiesInStudy", "00080061"},
      {"StudyDescription", "00081030"}, {"NumberOfStudyRelatedInstances", "00201208"},
      {"StudyInstanceUID", "0020000D"}, {"SeriesNumber", "00200011"}, {"Modality", "00080060"},
      {"SeriesDescription", "0008103E"}, {"NumberOfSeriesRelatedInstances", "00201209"},
      {"SeriesInstanceUID", "0020000E"}};
  return tags;
}

// The parts of a multipart/related body.
std::vector<std::string> multipartParts(const HttpResponse& r, const std::string& url) {
  const std::string& type = r.contentType;
  const size_t at = type.find("boundary=");
  if (type.rfind("multipart/related", 0) != 0 || at == std::string::npos)
    throw Error(url, "WADO-RS", "expected multipart/related, got '" + type + "'");
  std::string boundary = type.substr(at + 9);
  if (const size_t end = boundary.find(';'); end != std::string::npos) boundary.resize(end);
  if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delimiter = "--" + boundary;
  std::vector<std::string> parts;
  size_t pos = r.body.find(delimiter);
  while (pos != std::string::npos) {
    pos += delimiter.size();
    if (r.body.compare(pos, 2, "--") == 0) break;  // the closing delimiter
    const size_t headersEnd = r.body.find("\r\n\r\n", pos);
    if (headersEnd == std::string::npos) break;
    const size_t next = r.body.find("\r\n" + delimiter, headersEnd + 4);
    if (next == std::string::npos) throw Error(url, "WADO-RS", "a multipart body part is not terminated");
    parts.push_back(r.body.substr(headersEnd + 4, next - headersEnd - 4));
    pos = next + 2;
  }
  return parts;
}

}  // namespace

std::vector<QueryMatch> qido(const std::string& root, const WebOptions& options, QueryLevel level, const QueryKeys& keys,
                             bool withPatientName) {
  if (level == QueryLevel::Patient) throw Error(root, "QIDO-RS", "QIDO-RS has no patient level (use --level study)");
  std::string url = trimSlash(root) + (level == QueryLevel::Study ? "/studies" : "/series");
  std::vector<std::string> params;
  const auto columns = queryColumns(level, withPatientName);
  for (const auto& c : columns) params.push_back(std::string("includefield=") + tagOfKeyword().at(c));
  const auto key = [&](const char* tag, const std::string& value) {
    if (!value.empty()) params.push_back(std::string(tag) + "=" + escape(value));
  };
  key("00100020", keys.patientId);
  key("00080050", keys.accessionNumber);
  key("00080020", keys.studyDate);
  key("0020000D", keys.studyUid);
  key(level == QueryLevel::Study ? "00080061" : "00080060", keys.modality);
  if (level == QueryLevel::Series) key("0020000E", keys.seriesUid);
  for (size_t i = 0; i < params.size(); ++i) url += (i ? "&" : "?") + params[i];
  const HttpResponse r = httpRequest(url, options, {"Accept: application/dicom+json"}, nullptr, "QIDO-RS");
  if (r.status != 200 && r.status != 204) throw httpFailure(url, "QIDO-RS", r);
  const Json::Value matches = parseJson(r.body, url, "QIDO-RS");
  if (!matches.isArray()) throw Error(url, "QIDO-RS", "the answer is not a JSON array");
  std::vector<QueryMatch> result;
  for (const auto& m : matches) {
    QueryMatch match;
    for (const auto& c : columns) match[c] = valueOf(m, tagOfKeyword().at(c));
    result.push_back(std::move(match));
  }
  return result;
}

RetrieveResult wado(const std::string& root, const WebOptions& options, const RetrieveRequest& request,
                    const std::filesystem::path& folder) {
  RetrieveRequest target = request;
  if (target.studyUid.empty() && target.seriesUid.empty()) throw Error("", "study", "give --study UID or --series UID");
  if (target.studyUid.empty()) {
    QueryKeys keys;
    keys.seriesUid = target.seriesUid;
    const auto matches = qido(root, options, QueryLevel::Series, keys);
    if (matches.empty()) throw Error(trimSlash(root), "WADO-RS", "no series " + target.seriesUid + " on the server");
    target.studyUid = matches.front().at("StudyInstanceUID");
  }
  const std::string url = trimSlash(root) + "/studies/" + escape(target.studyUid) +
                          (target.seriesUid.empty() ? "" : "/series/" + escape(target.seriesUid));
  const HttpResponse r = httpRequest(url, options, {"Accept: multipart/related; type=\"application/dicom\""}, nullptr, "WADO-RS");
  if (r.status != 200) throw httpFailure(url, "WADO-RS", r);
  RetrieveResult result;
  std::filesystem::create_directories(folder);
  size_t index = 0;
  for (const std::string& part : multipartParts(r, url)) {
    // The UIDs are in the file: write it aside first, then durably under its name.
    const std::filesystem::path aside = folder / (".wado-" + std::to_string(++index) + ".part");
    std::ofstream(aside, std::ios::binary).write(part.data(), static_cast<std::streamsize>(part.size()));
    const detail::InstanceUids uids = detail::readInstanceUids(aside);
    std::filesystem::remove(aside);
    if (!isPlainUid(uids.series) || !isPlainUid(uids.sop)) {
      ++result.failed;
      continue;
    }
    std::filesystem::create_directories(folder / uids.series);
    const std::filesystem::path file = folder / uids.series / (uids.sop + ".dcm");
    writeDurably(file, [&](const std::filesystem::path& tmp) {
      std::ofstream out(tmp, std::ios::binary);
      out.write(part.data(), static_cast<std::streamsize>(part.size()));
      if (!out.flush()) throw Error(file.string(), "", "cannot write");
    });
    result.files.push_back(file);
    ++result.completed;
  }
  return result;
}

StoreResult stow(const std::string& root, const WebOptions& options, const std::vector<std::filesystem::path>& files) {
  StoreResult result;
  const std::string url = trimSlash(root) + "/studies";
  std::mt19937_64 random(std::random_device{}());
  const std::string boundary = "medpipe-" + std::to_string(random());
  // In batches of 64 files, so that a large folder does not sit in memory whole.
  for (size_t begin = 0; begin < files.size(); begin += 64) {
    const size_t end = std::min(files.size(), begin + 64);
    std::string body;
    std::map<std::string, std::filesystem::path> fileOfSop;
    for (size_t i = begin; i < end; ++i) {
      std::ifstream in(files[i], std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), {});
      fileOfSop[detail::readInstanceUids(files[i]).sop] = files[i];
      body += "--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n" + bytes + "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    const HttpResponse r = httpRequest(
        url, options, {"Content-Type: multipart/related; type=\"application/dicom\"; boundary=" + boundary, "Accept: application/dicom+json"},
        &body, "STOW-RS");
    if (r.status != 200 && r.status != 202 && r.status != 409) throw httpFailure(url, "STOW-RS", r);
    const Json::Value answer = parseJson(r.body, url, "STOW-RS");
    std::set<std::string> failed;
    for (const auto& item : answer["00081198"]["Value"]) {
      const std::string sop = valueOf(item, "00081155");
      failed.insert(sop);
      const auto it = fileOfSop.find(sop);
      result.failures.push_back({it != fileOfSop.end() ? it->second : std::filesystem::path(sop),
                                 "refused by the server (FailureReason " + valueOf(item, "00081197") + ")"});
    }
    std::set<std::string> stored;
    for (const auto& item : answer["00081199"]["Value"]) stored.insert(valueOf(item, "00081155"));
    for (const auto& [sop, file] : fileOfSop) {
      if (stored.count(sop)) result.sopInstanceUids.push_back(sop);
      else if (!failed.count(sop)) result.failures.push_back({file, "not in the server's answer (HTTP " + std::to_string(r.status) + ")"});
    }
  }
  return result;
}

}  // namespace medpipe::net
