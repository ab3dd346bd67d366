// Disassembler: instruction words and attribute records to text (see isa/disasm.h).
#include "isa/disasm.h"

#include <cstdarg>
#include <cstdio>

#include "isa/attrs.h"
#include "isa/decode.h"

namespace aivm::isa {
namespace {

//===------------------------------------------------------------------------------------===//
// Text helpers
//===------------------------------------------------------------------------------------===//

__attribute__((format(printf, 2, 3))) void appendf(std::string* out, const char* fmt, ...) {
  char buf[128];
  va_list args;
  va_start(args, fmt);
  int len = std::vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  if (len < 0) return;
  // Every format used here fits the buffer; truncate rather than loop if one ever does not.
  out->append(buf, size_t(len) < sizeof(buf) ? size_t(len) : sizeof(buf) - 1);
}

void append_word(std::string* out, uint64_t word) {
  appendf(out, ".word 0x%016llx", static_cast<unsigned long long>(word));
}

// Floats from records print in the shortest form that reads back as the same bits.
void append_float_bits(std::string* out, int32_t bits) {
  float f = bits_float(bits);
  char buf[48];
  for (int precision = 6; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, static_cast<double>(f));
    float back;
    if (std::sscanf(buf, "%f", &back) == 1 && float_bits(back) == bits) break;
  }
  out->append(buf);
}

//===------------------------------------------------------------------------------------===//
// Attribute records
//===------------------------------------------------------------------------------------===//

// The words of one record, or why there are none.
struct Record {
  const int32_t* words = nullptr;
  size_t size = 0;
  const char* error = nullptr;
};

Record find_record(uint32_t index, const int32_t* attrs, size_t attrs_size,
                   const uint32_t* attr_offsets, size_t num_records) {
  Record r;
  if (attr_offsets == nullptr || index >= num_records) {
    r.error = "out of range";
    return r;
  }
  size_t begin = attr_offsets[index];
  size_t end = index + 1 < num_records ? attr_offsets[index + 1] : attrs_size;
  if (attrs == nullptr && attrs_size != 0) {
    r.error = "no attribute pool";
  } else if (begin > attrs_size || end > attrs_size) {
    r.error = "extends past the attribute pool";
  } else if (end < begin) {
    r.error = "has offsets out of order";
  } else {
    r.words = attrs + begin;
    r.size = end - begin;
  }
  return r;
}

void append_register_or_none(std::string* out, int32_t reg) {
  if (reg == kNoRegister)
    out->append("none");
  else
    appendf(out, "r%d", reg);
}

void append_window(std::string* out, const Window2d& w) {
  appendf(out, "k=%dx%d s=%dx%d p=%d,%d,%d,%d d=%dx%d", w.kernel_h, w.kernel_w, w.stride_h,
          w.stride_w, w.pad_top, w.pad_left, w.pad_bottom, w.pad_right, w.dilation_h,
          w.dilation_w);
}

// Name and parameter count of each activation (the p0, p1 that kind reads).
struct ActivationName {
  const char* name;
  int params;
};
ActivationName activation_name(int32_t kind) {
  switch (static_cast<Activation>(kind)) {
    case Activation::None: return {"none", 0};
    case Activation::Relu: return {"relu", 0};
    case Activation::Clip: return {"clip", 2};
    case Activation::Sigmoid: return {"sigmoid", 0};
    case Activation::Tanh: return {"tanh", 0};
    case Activation::LeakyRelu: return {"leaky_relu", 1};
    case Activation::Elu: return {"elu", 1};
    case Activation::Selu: return {"selu", 2};
    case Activation::Celu: return {"celu", 1};
    case Activation::HardSigmoid: return {"hard_sigmoid", 2};
    case Activation::HardSwish: return {"hard_swish", 0};
    case Activation::Gelu: return {"gelu", 0};
    case Activation::GeluTanh: return {"gelu_tanh", 0};
    case Activation::ThresholdedRelu: return {"thresholded_relu", 1};
    case Activation::Mish: return {"mish", 0};
    case Activation::Swish: return {"swish", 1};
    case Activation::kCount: break;
  }
  return {nullptr, 0};
}

// "act=leaky_relu(0.01)": the kind and the parameters it reads.
void append_activation(std::string* out, const ActivationAttrs& a) {
  out->append("act=");
  ActivationName n = activation_name(a.kind);
  if (n.name == nullptr) {
    appendf(out, "?%d", a.kind);
    return;
  }
  out->append(n.name);
  if (n.params == 0) return;
  out->append("(");
  append_float_bits(out, a.p0_bits);
  if (n.params == 2) {
    out->append(",");
    append_float_bits(out, a.p1_bits);
  }
  out->append(")");
}

void describe_conv(std::string* out, const ConvAttrs& c) {
  out->append("bias=");
  append_register_or_none(out, c.bias);
  appendf(out, " group=%d ", c.group);
  append_window(out, c.window);
  out->append(" ");
  append_activation(out, c.act);
  if (c.residual != kNoRegister) {
    out->append(" residual=");
    append_register_or_none(out, c.residual);
  }
  if (c.out_channel_offset != 0) appendf(out, " out_channels_from=%d", c.out_channel_offset);
}

void describe_gemm(std::string* out, const GemmAttrs& g) {
  out->append("bias=");
  append_register_or_none(out, g.bias);
  appendf(out, " trans_a=%d trans_b=%d alpha=", g.trans_a, g.trans_b);
  append_float_bits(out, g.alpha_bits);
  out->append(" beta=");
  append_float_bits(out, g.beta_bits);
  out->append(" ");
  append_activation(out, g.act);
  if (g.packed_b) out->append(" b=prepacked");
}

void describe_raw(std::string* out, const Record& r) {
  out->append("[");
  for (size_t i = 0; i < r.size; ++i) appendf(out, i ? " %d" : "%d", r.words[i]);
  out->append("]");
}

// Copies a record into its struct when the length matches the layout exactly.
template <typename T>
bool load_record(const Record& r, T* out) {
  if (r.size != kAttrWords<T>) return false;
  std::memcpy(out, r.words, sizeof(T));
  return true;
}

template <typename T>
void append_length_mismatch(std::string* out, const Record& r) {
  appendf(out, "record has %zu words, expected %u: ", r.size, kAttrWords<T>);
  describe_raw(out, r);
}

// Data-movement records (isa/attrs.h): headers with a variable tail; a tail of the wrong
// length prints raw.
void append_list(std::string* out, const char* name, const int32_t* w, size_t n, const char* prefix = "") {
  appendf(out, "%s=[", name);
  for (size_t i = 0; i < n; ++i) appendf(out, i ? ",%s%d" : "%s%d", prefix, w[i]);
  out->append("]");
}

// NARY: "sum in=[r1,r2,r3]".
void describe_nary(std::string* out, const Record& r) {
  const char* kind = r.size >= 1 ? nary_kind_name(r.words[0]) : nullptr;
  if (kind == nullptr || r.size < 3) {
    describe_raw(out, r);
    return;
  }
  out->append(kind);
  out->append(" ");
  append_list(out, "in", r.words + 1, r.size - 1, "r");
}

void describe_data(std::string* out, Opcode op, const Record& r) {
  const int32_t* w = r.words;
  if (op == Opcode::TRANSPOSE && r.size >= 1 && w[0] >= 0 && r.size == 1 + 2 * size_t(w[0])) {
    append_list(out, "dims", w + 1, size_t(w[0]));
    append_list(out, " perm", w + 1 + w[0], size_t(w[0]));
  } else if ((op == Opcode::CONCAT || op == Opcode::SPLIT) && r.size >= 2) {
    appendf(out, "axis=%d ", w[0]);
    append_list(out, op == Opcode::CONCAT ? "in" : "out", w + 1, r.size - 1, "r");
  } else if (op == Opcode::SLICE && r.size % 2 == 0) {
    out->append("start:step=[");
    for (size_t i = 0; i < r.size; i += 2) appendf(out, i ? ",%d:%d" : "%d:%d", w[i], w[i + 1]);
    out->append("]");
  } else if (op == Opcode::PAD && r.size >= 3) {
    static const char* kModes[] = {"constant", "reflect", "edge", "wrap"};
    if (w[0] >= 0 && w[0] < 4) appendf(out, "mode=%s", kModes[w[0]]);
    else appendf(out, "mode=?%d", w[0]);
    appendf(out, " value=0x%08x%08x ", uint32_t(w[2]), uint32_t(w[1]));
    append_list(out, "begin", w + 3, r.size - 3);
  } else if (op == Opcode::TRILU && r.size == kAttrWords<TriluAttrs>) {
    if (w[2] == kNoRegister) appendf(out, "%s k=%d", w[0] ? "upper" : "lower", w[1]);
    else appendf(out, "%s k=r%d", w[0] ? "upper" : "lower", w[2]);
  } else {
    describe_raw(out, r);
  }
}

//===------------------------------------------------------------------------------------===//
// Instructions
//===------------------------------------------------------------------------------------===//

// True when every field the opcode leaves unused is zero, i.e. the word has a mnemonic form.
bool unused_fields_zero(const OpInfo& info, const Instr& in) {
  if (info.format == Format::AJ) return info.kinds[0] != OperandKind::Unused || in.a == 0;
  const uint32_t fields[4] = {in.a, in.b, in.c, in.d};
  for (int i = 0; i < 4; ++i)
    if (info.kinds[i] == OperandKind::Unused && fields[i] != 0) return false;
  return true;
}

void append_operand(std::string* out, OperandKind kind, uint64_t value) {
  unsigned long long v = value;
  switch (kind) {
    case OperandKind::Register: appendf(out, "r%llu", v); break;
    case OperandKind::Attr: appendf(out, "@%llu", v); break;
    case OperandKind::Immediate: appendf(out, "#%llu", v); break;
    case OperandKind::Jump: appendf(out, "->%llu", v); break;
    case OperandKind::Unused: break;
  }
}

}  // namespace

std::string describe_attr_record(uint8_t opcode, uint32_t record, const int32_t* attrs,
                                 size_t attrs_size, const uint32_t* attr_offsets,
                                 size_t num_attr_records) {
  std::string out;
  Record r = find_record(record, attrs, attrs_size, attr_offsets, num_attr_records);
  if (r.error) {
    appendf(&out, "record @%u %s (%zu records, %zu attribute words)", record, r.error,
            num_attr_records, attrs_size);
    return out;
  }
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::CONV: {
      ConvAttrs c;
      if (conv_attrs_from(r.words, r.size, &c)) describe_conv(&out, c);
      else append_length_mismatch<ConvAttrs>(&out, r);
      break;
    }
    case Opcode::GEMM: {
      GemmAttrs g;
      if (load_record(r, &g)) describe_gemm(&out, g);
      else append_length_mismatch<GemmAttrs>(&out, r);
      break;
    }
    case Opcode::MAXPOOL: {
      PoolAttrs p;
      if (load_record(r, &p)) append_window(&out, p.window);
      else append_length_mismatch<PoolAttrs>(&out, r);
      break;
    }
    case Opcode::AVGPOOL: {
      AvgPoolAttrs p;
      if (load_record(r, &p)) {
        append_window(&out, p.window);
        appendf(&out, " count_include_pad=%d", p.count_include_pad);
      } else {
        append_length_mismatch<AvgPoolAttrs>(&out, r);
      }
      break;
    }
    case Opcode::ACT: {
      ActivationAttrs a;
      if (load_record(r, &a)) append_activation(&out, a);
      else append_length_mismatch<ActivationAttrs>(&out, r);
      break;
    }
    case Opcode::LAYERNORM: {
      LayerNormAttrs l;
      if (!load_record(r, &l)) {
        append_length_mismatch<LayerNormAttrs>(&out, r);
        break;
      }
      appendf(&out, "axis=%d eps=%g", l.axis, double(bits_float(l.epsilon_bits)));
      if (l.bias != kNoRegister) appendf(&out, " bias=r%d", l.bias);
      break;
    }
    case Opcode::NARY:
      describe_nary(&out, r);
      break;
    case Opcode::ROI_ALIGN: {
      RoiAlignAttrs ra;
      if (load_record(r, &ra))
        appendf(&out, "batch=r%d %s out=%dx%d sampling=%d scale=%g%s", ra.batch, ra.mode ? "max" : "avg", ra.out_h,
                ra.out_w, ra.sampling_ratio, double(bits_float(ra.scale_bits)), ra.half_pixel ? " half_pixel" : "");
      else append_length_mismatch<RoiAlignAttrs>(&out, r);
      break;
    }
    case Opcode::DFT: {
      DftAttrs d;
      if (load_record(r, &d))
        appendf(&out, "axis=%d length=%d%s%s", d.axis, d.length, d.inverse ? " inverse" : "", d.onesided ? " onesided" : "");
      else append_length_mismatch<DftAttrs>(&out, r);
      break;
    }
    case Opcode::TOPK: {
      TopKAttrs t;
      if (load_record(r, &t)) appendf(&out, "axis=%d k=%d %s", t.axis, t.k, t.largest ? "largest" : "smallest");
      else append_length_mismatch<TopKAttrs>(&out, r);
      break;
    }
    case Opcode::TRANSPOSE:
    case Opcode::CONCAT:
    case Opcode::SPLIT:
    case Opcode::SLICE:
    case Opcode::PAD:
    case Opcode::TRILU:
      describe_data(&out, static_cast<Opcode>(opcode), r);
      break;
    default:
      // An opcode whose layout this file does not know yet: show the words.
      describe_raw(&out, r);
      break;
  }
  return out;
}

std::string disassemble_instruction(uint64_t word, const int32_t* attrs, size_t attrs_size,
                                    const uint32_t* attr_offsets, size_t num_attr_records) {
  std::string out;
  const OpInfo* info = op_info(AIVM_OPCODE(word));
  if (info == nullptr) {
    append_word(&out, word);
    appendf(&out, " ; reserved opcode 0x%02x", AIVM_OPCODE(word));
    return out;
  }
  Instr in = decode(word);
  if (!unused_fields_zero(*info, in)) {
    append_word(&out, word);
    appendf(&out, " ; %s with a non-zero unused field", info->mnemonic);
    return out;
  }

  out.append(info->mnemonic);
  const uint64_t fields[4] = {in.a, info->format == Format::AJ ? in.j : in.b, in.c, in.d};
  int printed = 0;
  int attr_field = -1;
  for (int i = 0; i < 4; ++i) {
    if (info->kinds[i] == OperandKind::Unused) continue;
    out.append(printed++ ? ", " : " ");
    append_operand(&out, info->kinds[i], fields[i]);
    if (info->kinds[i] == OperandKind::Attr) attr_field = i;
  }
  if (attr_field >= 0) {
    out.append(" ; ");
    out.append(describe_attr_record(AIVM_OPCODE(word), uint32_t(fields[attr_field]), attrs,
                                    attrs_size, attr_offsets, num_attr_records));
  }
  return out;
}

std::string disassemble_function(const uint64_t* code, size_t n, const int32_t* attrs,
                                 size_t attrs_size, const uint32_t* attr_offsets,
                                 size_t num_records, const char* const* debug_names) {
  std::string out;
  if (code == nullptr) return out;
  for (size_t i = 0; i < n; ++i) {
    appendf(&out, "%5zu: ", i);
    out.append(disassemble_instruction(code[i], attrs, attrs_size, attr_offsets, num_records));
    const char* name = debug_names ? debug_names[i] : nullptr;
    if (name && *name) {
      out.append(" ; ");
      for (const char* p = name; *p; ++p)
        out.push_back(static_cast<unsigned char>(*p) < 0x20 || *p == 0x7f ? '?' : *p);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace aivm::isa
