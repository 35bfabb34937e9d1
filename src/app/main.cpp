// egressmon: per-application egress geography. Subcommand dispatch and top-level help.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.h"

namespace {

void printHelp() {
  std::printf(
      "Usage: egressmon COMMAND [options]\n"
      "\n"
      "Shows which countries a host's or a network's traffic goes to, per flow and per app,\n"
      "and alerts when an app's traffic leaves the region a policy allows.\n"
      "\n"
      "Commands:\n"
      "  analyze FILE...   analyse pcap/pcapng capture files offline (with a region policy in\n"
      "                    --config, judge every flow and list the alerts it raises)\n"
      "  check-config [F]  validate a configuration and print the effective settings\n"
      "  help [COMMAND]    show help for a command\n"
      "\n"
      "Options:\n"
      "  -h, --help        this help\n"
      "  -V, --version     print the version\n"
      "\n"
      "See 'egressmon analyze --help'. Documentation: README.md and docs/.\n");
}

}  // namespace

int main(int argc, char** argv) {
  // Log lines go to stderr with a level prefix and no timestamp of our own (journald and
  // terminals add their own); stdout stays for reports.
  auto logger = spdlog::stderr_logger_st("egressmon");
  logger->set_pattern("egressmon: %l: %v");
  spdlog::set_default_logger(logger);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    printHelp();
    return egressmon::app::kExitUsage;
  }
  const std::string cmd = args.front();
  args.erase(args.begin());
  if (cmd == "-h" || cmd == "--help") {
    printHelp();
    return egressmon::app::kExitOk;
  }
  if (cmd == "-V" || cmd == "--version") {
    std::printf("egressmon %s\n", EGRESSMON_VERSION);
    return egressmon::app::kExitOk;
  }
  if (cmd == "help") {
    if (!args.empty() && args[0] == "analyze") egressmon::app::printAnalyzeHelp();
    else if (!args.empty() && args[0] == "check-config") egressmon::app::printCheckConfigHelp();
    else printHelp();
    return egressmon::app::kExitOk;
  }
  if (cmd == "analyze") return egressmon::app::analyzeCommand(args);
  if (cmd == "check-config") return egressmon::app::checkConfigCommand(args);
  std::fprintf(stderr, "egressmon: unknown command '%s' (see egressmon --help)\n", cmd.c_str());
  return egressmon::app::kExitUsage;
}
