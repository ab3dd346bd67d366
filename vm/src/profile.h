// Per-instruction profiling of a session's runs (aivm_session_set_profiling).
//
// A profiled run goes through its own dispatch loop, which reads the clock around every
// instruction; the fast interpreter (vm/src/interp.cc) stays free of any timing branch.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/src/op_handlers.h"

namespace aivm::vm {

struct InstructionCounters {
  uint64_t calls = 0;
  uint64_t total_ns = 0;
};

struct TraceEvent {
  uint32_t instruction;
  uint32_t run;
  uint64_t start_ns;  // since profiling was set
  uint64_t duration_ns;
};

struct Profiler {
  bool trace = false;                          // also keep one event per executed instruction
  std::vector<InstructionCounters> counters;   // one per instruction of the function
  std::vector<TraceEvent> events;
  uint64_t dropped_events = 0;                 // beyond kMaxTraceEvents
  uint32_t runs = 0;
  uint64_t epoch_ns = 0;                       // clock reading when profiling was set

  static constexpr size_t kMaxTraceEvents = size_t{1} << 22;  // 96 MiB of events at most

  void reset(const Function& f, bool with_trace);
};

// Runs |fr.f| like execute() (same result and status), timing each instruction into |p|.
aivm_status_t execute_profiled(const Frame& fr, Profiler& p);

// Floating-point operations of one run of the instruction (a multiply-add counts 2), from
// the register shapes; 0 for instructions whose work is not counted (data movement, ...).
double instruction_flops(const Function& f, uint64_t word);

uint64_t monotonic_ns();

}  // namespace aivm::vm
