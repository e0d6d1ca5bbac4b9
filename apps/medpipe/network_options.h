#pragma once
// The options every network command shares: the peer (by name or AET@HOST:PORT), the peers
// config, our AE title, the timeout; and DCMTK's log level from --verbose.
#include <string>
#include <utility>

#include "cli_support.h"
#include "medpipe/net/dicom_client.h"

namespace medpipe::cli {

struct PeerOptions {
  std::string peer;       // positional PEER
  std::string peersFile;  // --peers, default $MEDPIPE_PEERS
  std::string aet;        // --aet, default the config's `aet:` or MEDPIPE
  int timeout = 30;
  bool verbose = false;
};

// Adds PEER (first positional) and --peers/--aet/--timeout/--verbose.
void addPeerOptions(CommandLine& line, PeerOptions& options);

// Loads the peers config when one is given, resolves `options.peer` (a name, AET@HOST:PORT, or a
// DICOMweb root URL http(s)://...).
std::pair<net::Peer, net::ClientOptions> resolvePeerOptions(const PeerOptions& options);

// The peer's DICOMweb root; throws medpipe::Error when it has none.
std::string dicomwebRoot(const net::Peer& peer);

// Loads the peers config (or an empty one) and our AE title.
net::PeersConfig loadPeersOption(const PeerOptions& options, net::ClientOptions& client);

}  // namespace medpipe::cli
