#include "tools/aivm/profile_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>

#include "tools/aivm/commands.h"

namespace aivm::tools {
namespace {

// Instructions whose time counts as "compute" in the summary line: the dense kernels.
bool is_dense(const std::string& opcode) { return opcode == "conv" || opcode == "gemm" || opcode == "matmul"; }

double gflops(double flops, uint64_t calls, uint64_t ns) {
  return ns ? flops * double(calls) / double(ns) : 0.0;  // flop per ns = GFLOP/s
}

}  // namespace

std::vector<ProfileRow> read_profile(const aivm_session_t* session) {
  std::vector<ProfileRow> rows;
  size_t n = aivm_session_profile_size(session);
  for (size_t i = 0; i < n; ++i) {
    aivm_instruction_profile_t p;
    aivm_status_t st = aivm_session_profile_get(session, i, &p);
    if (st != AIVM_OK) {
      std::string msg = aivm_status_message(st);
      aivm_status_free(st);
      runtime_error("reading the profile: " + msg);
    }
    rows.push_back({i, p.opcode, p.source, p.calls, p.total_ns, p.flops});
  }
  return rows;
}

void print_profile(const std::vector<ProfileRow>& rows, long runs) {
  uint64_t total = 0;
  for (const auto& r : rows) total += r.total_ns;
  double per_run_ms = runs ? double(total) / 1e6 / double(runs) : 0.0;
  auto share = [&](uint64_t ns) { return total ? 100.0 * double(ns) / double(total) : 0.0; };

  struct Group { uint64_t ns = 0, instructions = 0; double flop = 0; };
  std::map<std::string, Group> by_opcode;
  uint64_t dense_ns = 0;
  for (const auto& r : rows) {
    if (!r.calls) continue;
    Group& g = by_opcode[r.opcode];
    g.ns += r.total_ns;
    ++g.instructions;
    g.flop += r.flops * double(r.calls);
    if (is_dense(r.opcode)) dense_ns += r.total_ns;
  }
  std::printf("profile  %ld runs, %.4g ms per run in instructions; conv/gemm/matmul %.1f%% of it\n", runs,
              per_run_ms, share(dense_ns));

  std::vector<std::pair<std::string, Group>> groups(by_opcode.begin(), by_opcode.end());
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.second.ns > b.second.ns; });
  std::printf("\n%-16s %7s %10s %6s %9s\n", "opcode", "share", "ms/run", "count", "GFLOP/s");
  for (const auto& [name, g] : groups) {
    double ms = runs ? double(g.ns) / 1e6 / double(runs) : 0.0;
    std::printf("%-16s %6.1f%% %10.4f %6llu", name.c_str(), share(g.ns), ms, (unsigned long long)g.instructions);
    if (g.flop > 0 && g.ns) std::printf(" %9.1f", g.flop / double(g.ns));
    std::printf("\n");
  }

  std::vector<const ProfileRow*> order;
  for (const auto& r : rows)
    if (r.calls) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](const ProfileRow* a, const ProfileRow* b) { return a->total_ns > b->total_ns; });
  std::printf("\n%5s %-16s %7s %10s %9s  %s\n", "#", "opcode", "share", "ms/run", "GFLOP/s", "source");
  for (const ProfileRow* r : order) {
    double ms = runs ? double(r->total_ns) / 1e6 / double(runs) : 0.0;
    std::printf("%5zu %-16s %6.1f%% %10.4f ", r->instruction, r->opcode.c_str(), share(r->total_ns), ms);
    if (r->flops > 0) std::printf("%9.1f", gflops(r->flops, r->calls, r->total_ns));
    else std::printf("%9s", "");
    std::printf("  %s\n", r->source.empty() ? "-" : r->source.c_str());
  }
}

std::string profile_json(const std::vector<ProfileRow>& rows, long runs) {
  std::string out = "{\"runs\": " + std::to_string(runs) + ", \"instructions\": [";
  char buf[256];
  bool first = true;
  for (const auto& r : rows) {
    std::snprintf(buf, sizeof buf, "{\"index\": %zu, \"opcode\": %s, \"calls\": %llu, \"total_ns\": %llu, \"flops\": %.0f, ",
                  r.instruction, json_string(r.opcode).c_str(), (unsigned long long)r.calls,
                  (unsigned long long)r.total_ns, r.flops);
    out += (first ? "" : ", ") + std::string(buf) + "\"source\": " + json_string(r.source) + "}";
    first = false;
  }
  return out + "]}";
}

size_t write_chrome_trace(const aivm_session_t* session, const std::vector<ProfileRow>& rows,
                          const std::string& path) {
  uint64_t dropped = 0;
  size_t n = aivm_session_trace_size(session, &dropped);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) runtime_error("--trace: cannot write '" + tmp + "'");
    out << "{\"displayTimeUnit\": \"ms\", \"otherData\": {\"dropped_events\": " << dropped << "},\n\"traceEvents\": [\n";
    char buf[160];
    for (size_t i = 0; i < n; ++i) {
      aivm_trace_event_t e;
      aivm_status_t st = aivm_session_trace_get(session, i, &e);
      if (st != AIVM_OK) {
        aivm_status_free(st);
        runtime_error("--trace: cannot read event " + std::to_string(i));
      }
      const ProfileRow& r = rows.at(e.instruction);
      std::string name = r.source.empty() ? r.opcode : r.source;
      // Chrome's trace format counts microseconds; "X" is a complete event with a duration.
      std::snprintf(buf, sizeof buf, "\"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": %.3f, \"dur\": %.3f, ",
                    double(e.start_ns) / 1e3, double(e.duration_ns) / 1e3);
      out << (i ? ",\n" : "") << "{\"name\": " << json_string(name) << ", \"cat\": " << json_string(r.opcode) << ", "
          << buf << "\"args\": {\"instruction\": " << e.instruction << ", \"run\": " << e.run;
      if (r.flops > 0 && e.duration_ns)
        out << ", \"gflops\": " << r.flops / double(e.duration_ns);
      out << "}}";
    }
    out << "\n]}\n";
    out.flush();
    if (!out) runtime_error("--trace: error while writing '" + tmp + "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) runtime_error("--trace: cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
  return n;
}

}  // namespace aivm::tools
