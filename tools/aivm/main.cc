// aivm: runs, benchmarks, disassembles and inspects compiled bundles (.aivm).
//
// The runner is a client of the C API (vm/include/aivm.h) like any embedding app; `dis` and
// `inspect` additionally read the container with format/reader.h and print bytecode with the
// ISA disassembler.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

#include "tools/aivm/commands.h"

namespace aivm::tools {
namespace {

constexpr char kMainHelp[] =
    "usage: aivm COMMAND [ARGS]\n"
    "\n"
    "Runs compiled aivm bundles (.aivm).\n"
    "\n"
    "commands:\n"
    "  run      run a bundle on .npy / .pb inputs and write the outputs as .npy\n"
    "  bench    time repeated runs of a bundle\n"
    "  dis      print every function's instructions\n"
    "  inspect  print a bundle's versions, signature, functions, constants and arena\n"
    "\n"
    "`aivm COMMAND --help` describes one command.\n"
    "Exit status: 0 success, 1 runtime error, 2 usage error.\n";

//===------------------------------------------------------------------------------------===//
// Args
//===------------------------------------------------------------------------------------===//

bool contains(const std::vector<std::string>& v, const std::string& s) {
  for (const std::string& x : v)
    if (x == s) return true;
  return false;
}

}  // namespace

Args::Args(const std::string& command, const std::vector<std::string>& argv,
           const std::vector<std::string>& value_flags,
           const std::vector<std::string>& bool_flags)
    : command_(command) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    if (a == "--") {  // everything after is positional
      positional_.insert(positional_.end(), argv.begin() + long(i) + 1, argv.end());
      break;
    }
    if (a.size() < 2 || a.compare(0, 2, "--") != 0) {
      positional_.push_back(a);
      continue;
    }
    size_t eq = a.find('=');
    std::string flag = a.substr(0, eq);
    if (contains(bool_flags, flag)) {
      if (eq != std::string::npos) usage_error(command_ + ": " + flag + " takes no value");
      flags_.emplace_back(flag, "");
    } else if (contains(value_flags, flag)) {
      if (eq != std::string::npos) {
        flags_.emplace_back(flag, a.substr(eq + 1));
      } else if (i + 1 < argv.size()) {
        flags_.emplace_back(flag, argv[++i]);
      } else {
        usage_error(command_ + ": " + flag + " needs a value");
      }
    } else {
      usage_error(command_ + ": unknown option '" + flag + "' (see aivm " + command_ + " --help)");
    }
  }
}

std::vector<std::string> Args::values(const std::string& flag) const {
  std::vector<std::string> out;
  for (const auto& [f, v] : flags_)
    if (f == flag) out.push_back(v);
  return out;
}

bool Args::has(const std::string& flag) const { return !values(flag).empty(); }

long Args::integer(const std::string& flag, long fallback, long min, long max) const {
  std::vector<std::string> v = values(flag);
  if (v.empty()) return fallback;
  const std::string& s = v.back();
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || n < min || n > max) {
    usage_error(command_ + ": " + flag + " must be an integer in [" + std::to_string(min) + ", " +
                std::to_string(max) + "], got '" + s + "'");
  }
  return n;
}

std::string bundle_argument(const Args& args, const std::string& command) {
  const std::vector<std::string>& p = args.positional();
  if (p.empty()) usage_error(command + ": missing BUNDLE argument (see aivm " + command + " --help)");
  if (p.size() > 1) usage_error(command + ": unexpected argument '" + p[1] + "'");
  return p[0];
}

}  // namespace aivm::tools

int main(int argc, char** argv) {
  using namespace aivm::tools;
  if (argc < 2) {
    std::fputs("aivm: error: missing COMMAND (see aivm --help)\n", stderr);
    return kExitUsage;
  }
  std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kMainHelp, stdout);
    return 0;
  }
  std::vector<std::string> rest(argv + 2, argv + argc);
  try {
    if (command == "run") return run_command(rest);
    if (command == "bench") return bench_command(rest);
    if (command == "dis") return dis_command(rest);
    if (command == "inspect") return inspect_command(rest);
    usage_error("unknown command '" + command + "' (commands: run, bench, dis, inspect)");
  } catch (const CliError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "aivm: error: %s\n", e.what());
    return e.code;
  } catch (const std::bad_alloc&) {
    std::fflush(stdout);
    std::fprintf(stderr, "aivm: error: %s: out of memory\n", command.c_str());
    return kExitRuntime;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "aivm: error: %s: %s\n", command.c_str(), e.what());
    return kExitRuntime;
  }
}
