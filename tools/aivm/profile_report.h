// `aivm bench --profile / --trace`: reads a session's per-instruction profile through the C
// API and prints it, or writes it as a Chrome trace (chrome://tracing, ui.perfetto.dev).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aivm.h"

namespace aivm::tools {

struct ProfileRow {
  size_t instruction = 0;
  std::string opcode, source;
  uint64_t calls = 0, total_ns = 0;
  double flops = 0;  // per call
};

std::vector<ProfileRow> read_profile(const aivm_session_t* session);

// Text report: by opcode, then every instruction by time. |runs| = profiled runs.
void print_profile(const std::vector<ProfileRow>& rows, long runs);
// The same as one JSON object (for scripts): {"runs":..,"instructions":[...]}.
std::string profile_json(const std::vector<ProfileRow>& rows, long runs);

// Writes every recorded trace event of |session| to |path| (atomically: a partial file never
// replaces an existing one). Returns the number of events written.
size_t write_chrome_trace(const aivm_session_t* session, const std::vector<ProfileRow>& rows,
                          const std::string& path);

}  // namespace aivm::tools
