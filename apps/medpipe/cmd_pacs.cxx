// medpipe pacs echo|find|get|move|send PEER: DICOM services against a PACS (modules/net).
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "cli_support.h"
#include "medpipe/core/error.h"
#include "medpipe/core/json_writer.h"
#include "medpipe/net/dicom_client.h"
#include "medpipe/net/dicomweb_client.h"
#include "network_options.h"

namespace medpipe::cli {
namespace {

// echo and move are DIMSE only: a DICOMweb URL as PEER cannot do them.
void requireDimsePeer(const net::Peer& peer, const char* service) {
  if (peer.aet.empty()) throw Error(peer.name, "peer", std::string(service) + " needs a DICOM peer (a peers config name or AET@HOST:PORT), not a URL");
}

void printTable(const std::vector<std::string>& columns, const std::vector<net::QueryMatch>& matches) {
  std::vector<size_t> width;
  for (const auto& c : columns) {
    size_t w = c.size();
    for (const auto& m : matches) w = std::max(w, m.at(c).size());
    width.push_back(w);
  }
  const auto row = [&](const std::function<std::string(const std::string&)>& cell) {
    for (size_t i = 0; i + 1 < columns.size(); ++i)
      std::cout << std::left << std::setw(static_cast<int>(width[i])) << cell(columns[i]) << "  ";
    std::cout << cell(columns.back()) << "\n";  // no trailing blanks
  };
  row([](const std::string& c) { return c; });
  for (const auto& m : matches) row([&](const std::string& c) { return m.at(c); });
}

int runFind(const Args& args) {
  CommandLine line;
  line.usage = "medpipe pacs find PEER [--level study] [--patient-id ID] [--accession N] [--study-date RANGE] [--modality CT] [--json]";
  PeerOptions peer;
  std::string level = "study";
  net::QueryKeys keys;
  addPeerOptions(line, peer);
  line.options.add_options()
      ("level", po::value(&level)->default_value(level), "patient | study | series")
      ("patient-id", po::value(&keys.patientId), "PatientID (wildcards * ? as DICOM allows)")
      ("accession", po::value(&keys.accessionNumber), "AccessionNumber")
      ("study-date", po::value(&keys.studyDate), "StudyDate or range YYYYMMDD-YYYYMMDD (open ends allowed)")
      ("modality", po::value(&keys.modality), "Modality (ModalitiesInStudy at study level)")
      ("study", po::value(&keys.studyUid), "StudyInstanceUID")
      ("series", po::value(&keys.seriesUid), "SeriesInstanceUID")
      ("json", "print the matches as a JSON array")
      ("web", "QIDO-RS at the peer's DICOMweb URL instead of C-FIND (implied by a URL as PEER)")
      ("show-phi", "also return PatientName");
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("pacs find", [&] {
    const net::QueryLevel queryLevel = net::parseQueryLevel(level);
    const auto [target, options] = resolvePeerOptions(peer);
    const bool phi = vm.count("show-phi") > 0;
    const bool web = vm.count("web") || target.aet.empty();
    const auto matches = web ? net::qido(dicomwebRoot(target), {options.timeoutSeconds}, queryLevel, keys, phi)
                             : net::find(target, options, queryLevel, keys, phi);
    const auto columns = net::queryColumns(queryLevel, phi);
    if (vm.count("json")) {
      JsonWriter json(std::cout);
      json.beginArray();
      for (const auto& m : matches) {
        json.beginObject();
        for (const auto& c : columns) json.field(c, m.at(c));
        json.endObject();
      }
      json.endArray();
      std::cout << "\n";
    } else {
      printTable(columns, matches);
    }
    return kSuccess;
  }, {{"level", "--level"}});
}

int runRetrieve(const Args& args, bool move) {
  CommandLine line;
  line.usage = move ? "medpipe pacs move PEER (--study UID | --series UID) --dest AET"
                    : "medpipe pacs get PEER (--study UID | --series UID) -o DIR";
  PeerOptions peer;
  net::RetrieveRequest request;
  std::string output, destination;
  addPeerOptions(line, peer);
  line.options.add_options()
      ("study", po::value(&request.studyUid), "StudyInstanceUID to retrieve")
      ("series", po::value(&request.seriesUid), "SeriesInstanceUID to retrieve");
  if (move) line.options.add_options()("dest", po::value(&destination)->required(), "AE title the peer sends to (it must know it)");
  else line.options.add_options()("output,o", po::value(&output)->required(), "folder; instances go to DIR/<SeriesInstanceUID>/")
      ("web", "WADO-RS from the peer's DICOMweb URL instead of C-GET (implied by a URL as PEER)");
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors(move ? "pacs move" : "pacs get", [&] {
    const auto [target, options] = resolvePeerOptions(peer);
    if (move) requireDimsePeer(target, "C-MOVE");
    const bool web = !move && (vm.count("web") || target.aet.empty());
    const net::RetrieveResult r = move  ? net::moveInstances(target, options, request, destination)
                                  : web ? net::wado(dicomwebRoot(target), {options.timeoutSeconds}, request, output)
                                        : net::getInstances(target, options, request, output);
    std::cout << (move ? "moved " : "received ") << r.completed << " instance(s)";
    if (!move) std::cout << " into " << output;
    if (r.warning) std::cout << ", " << r.warning << " with warnings";
    std::cout << "\n";
    if (r.failed) {
      std::cerr << "medpipe pacs " << (move ? "move" : "get") << ": error: " << target.describe() << ": " << r.failed
                << " instance(s) failed\n";
      return kFailure;
    }
    return kSuccess;
  }, {{"study", "--study"}});
}

int runSend(const Args& args) {
  CommandLine line;
  line.usage = "medpipe pacs send PEER FILE_OR_FOLDER...";
  PeerOptions peer;
  std::vector<std::string> inputs;
  addPeerOptions(line, peer);
  line.options.add_options()("inputs", po::value(&inputs)->required(), "DICOM files or folders (searched recursively)")
      ("web", "STOW-RS to the peer's DICOMweb URL instead of C-STORE (implied by a URL as PEER)");
  line.positional.add("inputs", -1);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("pacs send", [&] {
    const auto [target, options] = resolvePeerOptions(peer);
    const auto files = net::collectDicomFiles({inputs.begin(), inputs.end()});
    if (files.empty()) throw Error(inputs.front(), "", "no DICOM files (with the DICM preamble) found");
    const bool web = vm.count("web") || target.aet.empty();
    const net::StoreResult r = web ? net::stow(dicomwebRoot(target), {options.timeoutSeconds}, files)
                                   : net::storeFiles(target, options, files);
    std::cout << "sent " << r.sopInstanceUids.size() << " of " << files.size() << " instance(s) to "
              << (web ? dicomwebRoot(target) : target.describe()) << "\n";
    for (const auto& f : r.failures) std::cerr << "medpipe pacs send: error: " << f.file.string() << ": " << f.reason << "\n";
    return r.failures.empty() ? kSuccess : kFailure;
  });
}

int runEcho(const Args& args) {
  CommandLine line;
  line.usage = "medpipe pacs echo PEER";
  PeerOptions peer;
  addPeerOptions(line, peer);
  po::variables_map vm;
  if (auto done = parseCommandLine(args, line, vm)) return *done;
  return reportErrors("pacs echo", [&] {
    const auto [target, options] = resolvePeerOptions(peer);
    requireDimsePeer(target, "C-ECHO");
    net::echo(target, options);
    std::cout << "C-ECHO " << target.describe() << ": success\n";
    return kSuccess;
  });
}

}  // namespace

int runPacs(const Args& args) {
  static const char* usage =
      "Usage: medpipe pacs ACTION PEER [options]   (medpipe pacs ACTION --help for details)\n\n"
      "Actions:\n"
      "  echo   C-ECHO: is the peer there and does it accept us\n"
      "  find   C-FIND at patient, study or series level, as a table or --json (--web: QIDO-RS)\n"
      "  get    C-GET a study or series into a folder; the peer need not know us (--web: WADO-RS)\n"
      "  move   C-MOVE a study or series to an AE title the peer knows\n"
      "  send   C-STORE files or folders, each in its own transfer syntax (--web: STOW-RS)\n\n"
      "PEER is a name of the peers config (--peers FILE or $MEDPIPE_PEERS), AET@HOST:PORT, or (with\n"
      "find/get/send) a DICOMweb root URL such as http://127.0.0.1:8042/dicom-web (docs/pacs.md).\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage;
    return args.empty() ? kUsage : kSuccess;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "echo") return runEcho(rest);
  if (args[0] == "find") return runFind(rest);
  if (args[0] == "get") return runRetrieve(rest, false);
  if (args[0] == "move") return runRetrieve(rest, true);
  if (args[0] == "send") return runSend(rest);
  std::cerr << "medpipe pacs: error: unknown action '" << args[0] << "' (echo, find, get, move, send)\n";
  return kUsage;
}

}  // namespace medpipe::cli
