#include "vm/src/profile.h"

#include <array>
#include <chrono>

#include "isa/attrs.h"
#include "isa/decode.h"

namespace aivm::vm {

uint64_t monotonic_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

void Profiler::reset(const Function& f, bool with_trace) {
  trace = with_trace;
  counters.assign(f.code_size, InstructionCounters{});
  events.clear();
  dropped_events = 0;
  runs = 0;
  epoch_ns = monotonic_ns();
}

namespace {

using ExecFn = const uint64_t* (*)(const Frame&, uint64_t, const uint64_t*);

// Handlers by opcode byte; null for reserved numbers (the verifier guarantees they never run).
constexpr std::array<ExecFn, 256> kExec = [] {
  std::array<ExecFn, 256> t{};
#define AIVM_OP(NAME, CODE, FMT, KA, KB, KC, KD, SEM) t[CODE] = &exec_##NAME;
#include "isa/opcodes.def"
#undef AIVM_OP
  return t;
}();

double elements(const kernels::Shape& s) {
  double n = 1;
  for (int i = 0; i < s.rank; ++i) n *= double(s.dims[i]);
  return n;
}

}  // namespace

aivm_status_t execute_profiled(const Frame& fr, Profiler& p) {
  const uint64_t* code = fr.f->code;
  const uint64_t* ip = code;
  uint32_t run = p.runs++;
  while (ip) {
    size_t index = size_t(ip - code);
    uint64_t w = *ip;
    ExecFn fn = kExec[AIVM_OPCODE(w)];
    if (!fn) break;  // unreachable once verified
    uint64_t start = monotonic_ns();
    ip = fn(fr, w, ip + 1);
    uint64_t duration = monotonic_ns() - start;
    InstructionCounters& c = p.counters[index];
    ++c.calls;
    c.total_ns += duration;
    if (!p.trace) continue;
    if (p.events.size() < Profiler::kMaxTraceEvents)
      p.events.push_back({uint32_t(index), run, start - p.epoch_ns, duration});
    else
      ++p.dropped_events;
  }
  return fr.run->error;  // set by a handler that failed at run time; AIVM_OK after HALT
}

double instruction_flops(const Function& f, uint64_t w) {
  auto shape = [&](uint32_t r) -> const kernels::Shape& { return f.registers[r].shape; };
  switch (isa::Opcode(AIVM_OPCODE(w))) {
    case isa::Opcode::MATMUL: {  // R[A] = R[B] @ R[C]: K is B's last dimension
      const kernels::Shape& b = shape(AIVM_FIELD_B(w));
      return b.rank ? 2.0 * elements(shape(AIVM_FIELD_A(w))) * double(b.dims[b.rank - 1]) : 0.0;
    }
    case isa::Opcode::GEMM: {
      isa::GemmAttrs g;
      std::memcpy(&g, f.record(AIVM_FIELD_D(w)), sizeof g);
      const kernels::Shape& a = shape(AIVM_FIELD_B(w));
      double k = double(g.trans_a ? a.dims[0] : a.dims[1]);
      return 2.0 * elements(shape(AIVM_FIELD_A(w))) * k;
    }
    case isa::Opcode::CONV: {  // weights [C_out, C_in / group, k...]: each output reads one filter
      const kernels::Shape& wt = shape(AIVM_FIELD_C(w));
      if (wt.rank < 1 || wt.dims[0] <= 0) return 0.0;
      // A may have more channels than the conv writes (wt.dims[0] of them): count per pixel.
      const kernels::Shape& y = shape(AIVM_FIELD_A(w));
      if (y.rank < 2 || y.dims[1] <= 0) return 0.0;
      return 2.0 * (elements(y) / double(y.dims[1])) * elements(wt);
    }
    default:
      return 0.0;
  }
}

}  // namespace aivm::vm
