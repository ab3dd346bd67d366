// The loader and bytecode verifier reject crafted bundles with a message naming the rule.
#include <gtest/gtest.h>

#include <functional>

#include "aivm.h"
#include "format/writer.h"
#include "isa/attrs.h"
#include "isa/isa.h"
#include "tests/common/vm_harness.h"

namespace aivm {
namespace {

using format::StorageKind;
using isa::Opcode;

// x[1,2,4,4] -> conv(w[3,2,3,3], pad 1) + bias -> relu -> y[1,3,4,4]. Registers:
// r0 x, r1 w (const 0), r2 bias (const 1), r3 conv out, r4 y.
format::BundleDesc conv_bundle() {
  format::BundleDesc d;
  d.inputs.push_back({"x", DType::F32, {1, 2, 4, 4}, {}, 0});
  d.outputs.push_back({"y", DType::F32, {1, 3, 4, 4}, {}, 4});
  format::FunctionDesc f;
  f.registers = {{DType::F32, {1, 2, 4, 4}, StorageKind::Arena, 0},
                 {DType::F32, {3, 2, 3, 3}, StorageKind::Constant, 0},
                 {DType::F32, {3}, StorageKind::Constant, 1},
                 {DType::F32, {1, 3, 4, 4}, StorageKind::Arena, 128},
                 {DType::F32, {1, 3, 4, 4}, StorageKind::Arena, 320}};
  isa::ConvAttrs c{};
  c.bias = 2;
  c.group = 1;
  c.window = {3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
  f.attrs.resize(isa::kAttrWords<isa::ConvAttrs>);
  std::memcpy(f.attrs.data(), &c, sizeof(c));
  f.attr_offsets = {0};
  f.code = {isa::encode_abcd(Opcode::CONV, 3, 0, 1, 0), isa::encode_abcd(Opcode::UNARY, 4, 3, 0, 0),
            isa::encode_abcd(Opcode::HALT, 0, 0, 0, 0)};
  f.arena_bytes = 512;
  d.functions.push_back(f);
  d.constants.push_back({"w", std::vector<uint8_t>(3 * 2 * 3 * 3 * 4, 0)});
  d.constants.push_back({"b", std::vector<uint8_t>(12, 0)});
  return d;
}

// Loads |d| and returns the status message ("OK" if it loads).
std::string load_message(const format::BundleDesc& d) {
  std::vector<uint8_t> bytes = format::serialize_bundle(d);
  aivm_model_t* m = nullptr;
  aivm_status_t s = aivm_model_load_buffer(bytes.data(), bytes.size(), aivm_allocator_system(), &m);
  if (!s) {
    aivm_model_release(m);
    return "OK";
  }
  EXPECT_EQ(aivm_status_code(s), s ? aivm_status_code(s) : AIVM_STATUS_OK);
  return testing::take_message(s);
}

struct Case {
  const char* name;
  std::function<void(format::BundleDesc&)> damage;
  const char* expected;  // substring of the message
};

class Rejects : public ::testing::TestWithParam<Case> {};

TEST_P(Rejects, WithAClearMessage) {
  format::BundleDesc d = conv_bundle();
  GetParam().damage(d);
  std::string msg = load_message(d);
  EXPECT_NE(msg, "OK");
  EXPECT_NE(msg.find(GetParam().expected), std::string::npos) << msg;
}

auto& code(format::BundleDesc& d) { return d.functions[0].code; }
auto& regs(format::BundleDesc& d) { return d.functions[0].registers; }

// Replaces the relu with r4 := layernorm(r3) * r2 under a second record {axis, bias, eps}.
void use_layernorm(format::BundleDesc& d, int32_t axis, int32_t bias) {
  isa::LayerNormAttrs l{axis, bias, isa::float_bits(1e-5f)};
  auto& f = d.functions[0];
  f.attr_offsets.push_back(uint32_t(f.attrs.size()));
  f.attrs.resize(f.attrs.size() + isa::kAttrWords<isa::LayerNormAttrs>);
  std::memcpy(f.attrs.data() + f.attr_offsets.back(), &l, sizeof(l));
  code(d)[1] = isa::encode_abcd(Opcode::LAYERNORM, 4, 3, 2, 1);
}

const Case kCases[] = {
    {"UndefinedOpcode", [](auto& d) { code(d)[1] = 0xEF; }, "undefined opcode 0xef"},
    {"RegisterOutOfRange", [](auto& d) { code(d)[1] = isa::encode_abcd(Opcode::UNARY, 4, 99, 0, 0); }, "out of range (< 5)"},
    {"UnusedFieldNonZero", [](auto& d) { code(d)[1] = isa::encode_abcd(Opcode::UNARY, 4, 3, 1, 0); }, "unused field C"},
    {"JumpOutOfRange", [](auto& d) { code(d)[1] = isa::encode_aj(Opcode::JMP, 0, 77); }, "jump target 77"},
    {"BackwardJump", [](auto& d) { code(d).insert(code(d).begin() + 1, isa::encode_aj(Opcode::JMP, 0, 0)); }, "only loop jumps back"},
    {"FallsOffTheEnd", [](auto& d) { code(d).pop_back(); }, "fall off the end"},
    {"EmptyCode", [](auto& d) { code(d).clear(); }, "no instructions"},
    {"AttrRecordOutOfRange", [](auto& d) { code(d)[0] = isa::encode_abcd(Opcode::CONV, 3, 0, 1, 5); }, "attribute record D=@5"},
    // One or two words short are ISA 3.3 and 3.2 conv records, which load; three are not.
    {"AttrRecordTooShort", [](auto& d) { d.functions[0].attrs.resize(d.functions[0].attrs.size() - 3); }, "words, expected 17 (or 16 before ISA 3.4, 15 before 3.3)"},
    {"ConvChannelsPastTheOutput", [](auto& d) { d.functions[0].attrs[16] = 1; }, "3 output channels from channel 1 do not fit the output's 3"},
    {"ConvNegativeChannelOffset", [](auto& d) { d.functions[0].attrs[16] = -1; }, "from channel -1 do not fit"},
    {"ConvResidualWithASlice", [](auto& d) { regs(d)[3].shape = {1, 4, 4, 4}; regs(d)[4].shape = {1, 4, 4, 4}; regs(d)[4].offset = 384; d.outputs[0].shape = {1, 4, 4, 4}; d.functions[0].arena_bytes = 640; d.functions[0].attrs[15] = 4; }, "a residual needs the conv to write all of its output's channels"},
    {"AttrOffsetsDescending", [](auto& d) { d.functions[0].attr_offsets = {3, 1}; }, "not ascending"},
    {"ConvShapeMismatch", [](auto& d) { regs(d)[3].shape = {1, 3, 5, 5}; regs(d)[4].shape = {1, 3, 5, 5}; d.outputs[0].shape = {1, 3, 5, 5}; d.functions[0].arena_bytes = 1024; regs(d)[4].offset = 448; }, "does not follow"},
    {"ConvGroupInconsistent", [](auto& d) { d.functions[0].attrs[1] = 2; }, "group 2"},
    {"BiasShapeWrong", [](auto& d) { regs(d)[2].shape = {1, 3}; }, "bias must have shape [3]"},
    {"ActivationUndefined", [](auto& d) { d.functions[0].attrs[12] = 99; }, "activation kind 99"},
    {"ResidualOutOfRange", [](auto& d) { d.functions[0].attrs[15] = 99; }, "residual register 99 out of range"},
    {"ResidualShapeWrong", [](auto& d) { d.functions[0].attrs[15] = 0; }, "r0 has shape [1,2,4,4], the op gives [1,3,4,4]"},
    {"ResidualIsTheOutput", [](auto& d) { d.functions[0].attrs[15] = 3; }, "must not be the output"},
    {"ResidualNotF32", [](auto& d) { d.functions[0].attrs[15] = 4; regs(d)[4].dtype = DType::I32; d.outputs[0].dtype = DType::I32; }, "residual"},
    {"WritesAConstant", [](auto& d) { code(d)[1] = isa::encode_abcd(Opcode::UNARY, 2, 2, 0, 0); }, "is a constant"},
    {"WrongDtype", [](auto& d) { regs(d)[4].dtype = DType::I32; d.outputs[0].dtype = DType::I32; }, "they must agree"},
    {"ArenaOverflow", [](auto& d) { regs(d)[4].offset = 448; }, "exceeds the arena"},
    {"ArenaMisaligned", [](auto& d) { regs(d)[4].offset = 324; }, "misaligned"},
    {"ConstantIndexOutOfRange", [](auto& d) { regs(d)[2].offset = 9; }, "constant index 9"},
    {"ConstantSizeMismatch", [](auto& d) { d.constants[1].data.resize(8); }, "constant holds 8 bytes"},
    {"NegativeDim", [](auto& d) { regs(d)[3].shape = {1, -3, 4, 4}; }, "negative or oversized"},
    {"RankTooHigh", [](auto& d) { regs(d)[3].shape = std::vector<int64_t>(9, 1); }, "rank > 8"},
    {"HugeDims", [](auto& d) { regs(d)[3].shape = {1 << 30, 1 << 30, 1 << 30, 4}; }, "oversized"},
    {"InputInConstant", [](auto& d) { d.inputs[0].reg = 1; d.inputs[0].shape = {3, 2, 3, 3}; }, "cannot live in a constant"},
    {"SignatureRegisterOutOfRange", [](auto& d) { d.outputs[0].reg = 40; }, "register out of range"},
    {"SignatureShapeDisagrees", [](auto& d) { d.outputs[0].shape = {1, 3, 4, 5}; }, "disagrees with its register"},
    {"SoftmaxAxisOutOfRange", [](auto& d) { code(d)[1] = isa::encode_abcd(Opcode::SOFTMAX, 4, 3, 0, 4); }, "axis #4"},
    {"NoFunctions", [](auto& d) { d.functions.clear(); }, "no functions"},
    {"LayerNormScaleNotARow", [](auto& d) { use_layernorm(d, 1, isa::kNoRegister); }, "holds 3 elements, the row has 48"},
    {"LayerNormAxisOutOfRange", [](auto& d) { use_layernorm(d, 4, isa::kNoRegister); }, "axis 4 out of range"},
    {"LayerNormBiasOutOfRange", [](auto& d) { use_layernorm(d, 3, 99); }, "bias register 99"},
    {"LayerNormWritesAConstant", [](auto& d) { use_layernorm(d, 1, isa::kNoRegister); code(d)[1] = isa::encode_abcd(Opcode::LAYERNORM, 2, 3, 2, 1); }, "is a constant"},
};

INSTANTIATE_TEST_SUITE_P(Verifier, Rejects, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(Verifier, AcceptsTheUndamagedBundle) { EXPECT_EQ(load_message(conv_bundle()), "OK"); }

// ISA 3.2 conv records end before the residual word: they still load, as no residual.
TEST(Verifier, AcceptsAConvRecordOfIsa32) {
  format::BundleDesc d = conv_bundle();
  d.functions[0].attrs.resize(isa::kConvAttrsWordsV32);
  EXPECT_EQ(load_message(d), "OK");
}

// ISA 3.3 conv records end before the output channel offset: they write all of A.
TEST(Verifier, AcceptsAConvRecordOfIsa33) {
  format::BundleDesc d = conv_bundle();
  d.functions[0].attrs.resize(isa::kConvAttrsWordsV33);
  EXPECT_EQ(load_message(d), "OK");
}

// A residual register of the output's shape is accepted (r4, written later: the verifier checks
// types and shapes, the compiler orders definitions).
TEST(Verifier, AcceptsAResidualOfTheOutputShape) {
  format::BundleDesc d = conv_bundle();
  d.functions[0].attrs[15] = 4;
  EXPECT_EQ(load_message(d), "OK");
}

TEST(Verifier, MessagesNameFunctionAndInstruction) {
  format::BundleDesc d = conv_bundle();
  code(d)[1] = isa::encode_abcd(Opcode::UNARY, 4, 99, 0, 0);
  EXPECT_NE(load_message(d).find("functions[0].code[1] (unary)"), std::string::npos) << load_message(d);
}

}  // namespace
}  // namespace aivm
