#include "network_options.h"

#include <cstdlib>

#include "medpipe/core/error.h"

namespace medpipe::cli {

void addPeerOptions(CommandLine& line, PeerOptions& options) {
  line.options.add_options()
      ("peer", po::value(&options.peer)->required(), "peer name of the peers config, or AET@HOST:PORT")
      ("peers", po::value(&options.peersFile), "peers config (YAML, docs/pacs.md); default $MEDPIPE_PEERS")
      ("aet", po::value(&options.aet), "our AE title (default: the config's aet, else MEDPIPE)")
      ("timeout", po::value(&options.timeout)->default_value(options.timeout), "seconds to wait for the peer")
      ("verbose,v", po::bool_switch(&options.verbose), "DCMTK's network log on stderr");
  line.positional.add("peer", 1);
}

net::PeersConfig loadPeersOption(const PeerOptions& options, net::ClientOptions& client) {
  net::setNetworkLogVerbosity(options.verbose);
  std::string file = options.peersFile;
  if (file.empty())
    if (const char* env = std::getenv("MEDPIPE_PEERS")) file = env;
  net::PeersConfig config;
  if (!file.empty()) config = net::loadPeersConfig(file);
  client.aet = !options.aet.empty() ? options.aet : !config.ourAet.empty() ? config.ourAet : "MEDPIPE";
  net::checkAeTitle(client.aet, "--aet");
  if (options.timeout < 1) throw Error("", "--timeout", "must be at least 1 second");
  client.timeoutSeconds = options.timeout;
  return config;
}

std::pair<net::Peer, net::ClientOptions> resolvePeerOptions(const PeerOptions& options) {
  net::ClientOptions client;
  const net::PeersConfig config = loadPeersOption(options, client);
  std::string file = options.peersFile;
  if (file.empty())
    if (const char* env = std::getenv("MEDPIPE_PEERS")) file = env;
  if (options.peer.rfind("http://", 0) == 0 || options.peer.rfind("https://", 0) == 0) {
    net::Peer web;  // a DICOMweb root URL given as PEER
    web.name = web.dicomweb = options.peer;
    return {web, client};
  }
  return {net::resolvePeer(options.peer, config, file), client};
}

std::string dicomwebRoot(const net::Peer& peer) {
  if (peer.dicomweb.empty())
    throw Error(peer.name, "dicomweb", "no DICOMweb URL for this peer (dicomweb: in the peers config, or give the URL as PEER)");
  return peer.dicomweb;
}

}  // namespace medpipe::cli
