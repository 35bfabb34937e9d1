#include "egressmon/flow/flow.h"
#include "egressmon/flow/local_networks.h"

#include <cstring>
#include <vector>

namespace egressmon {

std::string_view flowStateName(FlowState s) {
  switch (s) {
    case FlowState::Active: return "active";
    case FlowState::TcpOpening: return "tcp_opening";
    case FlowState::TcpEstablished: return "tcp_established";
    case FlowState::TcpClosing: return "tcp_closing";
    case FlowState::TcpClosed: return "tcp_closed";
  }
  return "unknown";
}

std::string_view localityName(Locality l) {
  switch (l) {
    case Locality::LocalRemote: return "local_remote";
    case Locality::LocalLocal: return "local_local";
    case Locality::RemoteRemote: return "remote_remote";
  }
  return "unknown";
}

std::string_view endReasonName(EndReason r) {
  switch (r) {
    case EndReason::IdleTimeout: return "idle_timeout";
    case EndReason::ActiveTimeout: return "active_timeout";
    case EndReason::Evicted: return "evicted";
    case EndReason::EndOfInput: return "end_of_input";
  }
  return "unknown";
}

std::vector<IpPrefix> LocalNetworks::defaults() {
  std::vector<IpPrefix> v;
  for (const char* s : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                        "127.0.0.0/8", "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10"})
    v.push_back(*IpPrefix::parse(s));
  return v;
}

}  // namespace egressmon
