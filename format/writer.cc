// Bundle writer: FlatBuffer header + 64-byte aligned constant segment, written atomically.
#include "format/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "format/aivm_generated.h"
#include "format/checksum.h"
#include "format/reader.h"
#include "isa/isa.h"

namespace aivm::format {
namespace {

size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

flatbuffers::Offset<fb::TensorSpec> build_spec(flatbuffers::FlatBufferBuilder& fbb, const TensorSpecDesc& t) {
  std::vector<flatbuffers::Offset<flatbuffers::String>> names;
  for (const auto& n : t.dim_names) names.push_back(fbb.CreateString(n));
  auto name = fbb.CreateString(t.name);
  auto shape = fbb.CreateVector(t.shape);
  auto dim_names = names.empty() ? 0 : fbb.CreateVector(names);
  return fb::CreateTensorSpec(fbb, name, fb::DType(t.dtype), shape, dim_names, t.reg);
}

flatbuffers::Offset<fb::Function> build_function(flatbuffers::FlatBufferBuilder& fbb, const FunctionDesc& f) {
  std::vector<flatbuffers::Offset<fb::Register>> regs;
  for (const auto& r : f.registers)
    regs.push_back(fb::CreateRegister(fbb, fb::DType(r.dtype), fbb.CreateVector(r.shape), fb::Storage(r.storage), r.offset));
  std::vector<flatbuffers::Offset<flatbuffers::String>> debug;
  for (const auto& n : f.debug_names) debug.push_back(fbb.CreateString(n));
  auto name = fbb.CreateString(f.name);
  auto code = fbb.CreateVector(f.code);
  auto registers = fbb.CreateVector(regs);
  auto attrs = fbb.CreateVector(f.attrs);
  auto offsets = fbb.CreateVector(f.attr_offsets);
  auto debug_names = fbb.CreateVector(debug);
  if (f.symbols.empty())
    return fb::CreateFunction(fbb, name, code, registers, attrs, offsets, f.arena_bytes, f.arena_lower_bound, debug_names);
  std::vector<flatbuffers::Offset<flatbuffers::String>> symbols;
  for (const auto& n : f.symbols) symbols.push_back(fbb.CreateString(n));
  auto syms = fbb.CreateVector(symbols);
  auto first = fbb.CreateVector(f.live_first), last = fbb.CreateVector(f.live_last);
  auto words = fbb.CreateVector(f.attr_symbol_words), ids = fbb.CreateVector(f.attr_symbol_ids);
  return fb::CreateFunction(fbb, name, code, registers, attrs, offsets, f.arena_bytes, f.arena_lower_bound, debug_names,
                            syms, first, last, words, ids);
}

}  // namespace

std::vector<uint8_t> serialize_bundle(const BundleDesc& desc) {
  // Constant offsets inside the segment, each 64-byte aligned.
  std::vector<uint64_t> const_offsets;
  size_t seg_size = 0;
  for (const auto& c : desc.constants) {
    seg_size = align_up(seg_size, kConstantAlignment);
    const_offsets.push_back(seg_size);
    seg_size += c.data.size();
  }

  // The header records where the segment starts, which depends on the header's own size:
  // build once with a placeholder, then rebuild with the real offset (the size of the scalar
  // field does not change, so the second build has the same length).
  auto build = [&](uint64_t data_offset) {
    flatbuffers::FlatBufferBuilder fbb(1024);
    std::vector<flatbuffers::Offset<fb::TensorSpec>> ins, outs;
    for (const auto& t : desc.inputs) ins.push_back(build_spec(fbb, t));
    for (const auto& t : desc.outputs) outs.push_back(build_spec(fbb, t));
    std::vector<flatbuffers::Offset<fb::Function>> funcs;
    for (const auto& f : desc.functions) funcs.push_back(build_function(fbb, f));
    std::vector<flatbuffers::Offset<fb::Constant>> consts;
    for (size_t i = 0; i < desc.constants.size(); ++i)
      consts.push_back(fb::CreateConstant(fbb, const_offsets[i], desc.constants[i].data.size(),
                                          fbb.CreateString(desc.constants[i].name)));
    auto producer = fbb.CreateString(desc.producer);
    auto source = fbb.CreateString(desc.source);
    auto target = fb::CreateTarget(fbb, fbb.CreateString(desc.target_isa), desc.packed_weights);
    auto inputs = fbb.CreateVector(ins);
    auto outputs = fbb.CreateVector(outs);
    auto functions = fbb.CreateVector(funcs);
    auto constants = fbb.CreateVector(consts);
    fb::BundleBuilder bb(fbb);
    bb.add_format_major(kFormatMajor);
    // 1.1 only when it matters, so static bundles stay readable by 1.0 runtimes.
    bool dynamic = std::any_of(desc.functions.begin(), desc.functions.end(),
                               [](const FunctionDesc& f) { return !f.symbols.empty(); });
    bb.add_format_minor(dynamic ? kFormatMinor : 0);
    bb.add_isa_major(isa::kVersionMajor);
    bb.add_isa_minor(isa::kVersionMinor);
    bb.add_producer(producer);
    bb.add_source(source);
    bb.add_target(target);
    bb.add_inputs(inputs);
    bb.add_outputs(outputs);
    bb.add_functions(functions);
    bb.add_constants(constants);
    // Always present (even when zero) so both builds have the same layout.
    fbb.ForceDefaults(true);
    bb.add_data_offset(data_offset);
    bb.add_data_size(seg_size);
    fbb.ForceDefaults(false);
    fbb.FinishSizePrefixed(bb.Finish(), fb::BundleIdentifier());
    return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  };
  std::vector<uint8_t> header = build(0);
  uint64_t data_offset = align_up(header.size() + kChecksumBytes, kConstantAlignment);
  header = build(data_offset);
  // Paranoia: if the rebuild changed length the offsets would be wrong; it cannot, but a
  // silently broken bundle is the worst outcome, so check.
  if (align_up(header.size() + kChecksumBytes, kConstantAlignment) != data_offset) std::abort();

  std::vector<uint8_t> out(data_offset + seg_size, 0);
  std::memcpy(out.data(), header.data(), header.size());
  uint32_t crc = crc32(header.data(), header.size());
  std::memcpy(out.data() + header.size(), &crc, kChecksumBytes);
  for (size_t i = 0; i < desc.constants.size(); ++i)
    if (!desc.constants[i].data.empty())
      std::memcpy(out.data() + data_offset + const_offsets[i], desc.constants[i].data.data(), desc.constants[i].data.size());
  return out;
}

bool write_bundle(const BundleDesc& desc, const std::string& path, std::string* error) {
  std::vector<uint8_t> bytes = serialize_bundle(desc);
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot create '" + tmp + "': " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "cannot write '" + tmp + "': " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    *error = "cannot flush '" + tmp + "': " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace aivm::format
