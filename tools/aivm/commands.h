// The aivm runner's subcommands and the small argument-parsing kit they share.
//
// Every command either returns 0 or throws CliError; main() prints `aivm: error: <what>` and
// exits with the error's code (2 for usage, 1 for anything that went wrong at run time).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace aivm::tools {

inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

struct CliError : std::runtime_error {
  CliError(int exit_code, const std::string& what) : std::runtime_error(what), code(exit_code) {}
  int code;
};

[[noreturn]] inline void usage_error(const std::string& what) { throw CliError(kExitUsage, what); }
[[noreturn]] inline void runtime_error(const std::string& what) {
  throw CliError(kExitRuntime, what);
}

// Options of one command: positional arguments and --flag VALUE / --flag=VALUE pairs.
class Args {
 public:
  // |value_flags| take a value, |bool_flags| do not; anything else starting with "--" is a
  // usage error naming |command|.
  Args(const std::string& command, const std::vector<std::string>& argv,
       const std::vector<std::string>& value_flags, const std::vector<std::string>& bool_flags);

  bool help() const { return help_; }
  const std::vector<std::string>& positional() const { return positional_; }
  // All values of |flag| in order (repeatable flags such as --input).
  std::vector<std::string> values(const std::string& flag) const;
  bool has(const std::string& flag) const;
  // The last value of |flag| as an integer in [min, max], or |fallback| when absent.
  long integer(const std::string& flag, long fallback, long min, long max) const;

 private:
  std::string command_;
  bool help_ = false;
  std::vector<std::string> positional_;
  std::vector<std::pair<std::string, std::string>> flags_;
};

// |s| as a JSON string literal, quotes included (for --json and trace output).
std::string json_string(const std::string& s);

// The one positional BUNDLE argument of |args|, or a usage error.
std::string bundle_argument(const Args& args, const std::string& command);

int run_command(const std::vector<std::string>& argv);
int bench_command(const std::vector<std::string>& argv);
int dis_command(const std::vector<std::string>& argv);
int inspect_command(const std::vector<std::string>& argv);

extern const char kRunHelp[];
extern const char kBenchHelp[];
extern const char kDisHelp[];
extern const char kInspectHelp[];

}  // namespace aivm::tools
