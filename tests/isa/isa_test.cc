// ISA table, encoder/decoder, disassembler and register assembler, checked row by row:
// every opcode in opcodes.def round-trips encode -> decode -> disassemble -> assemble.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include "compiler/asm/register_asm.h"
#include "isa/attrs.h"
#include "isa/decode.h"
#include "isa/disasm.h"
#include "isa/isa.h"

namespace aivm::isa {
namespace {

using compiler::assemble_register_text;

std::vector<const OpInfo*> all_rows() {
  size_t n = 0;
  const OpInfo* rows = op_table(&n);
  std::vector<const OpInfo*> out;
  for (size_t i = 0; i < n; ++i) out.push_back(&rows[i]);
  return out;
}

std::string disasm(uint64_t w) { return disassemble_instruction(w, nullptr, 0, nullptr, 0); }

uint64_t assemble_one(const std::string& text) {
  std::vector<uint64_t> words = assemble_register_text(text);
  EXPECT_EQ(words.size(), 1u) << text;
  return words.empty() ? 0 : words[0];
}

// Random valid fields for |info|: unused fields stay zero.
Instr random_instr(const OpInfo& info, std::mt19937_64& rng) {
  Instr in{};
  in.op = info.opcode;
  std::uniform_int_distribution<uint32_t> field(0, kFieldMax);
  std::uniform_int_distribution<uint64_t> jump(0, kJumpMax);
  if (info.kinds[0] != OperandKind::Unused) in.a = field(rng);
  if (info.format == Format::AJ) {
    in.j = jump(rng);
    return in;
  }
  if (info.kinds[1] != OperandKind::Unused) in.b = field(rng);
  if (info.kinds[2] != OperandKind::Unused) in.c = field(rng);
  if (info.kinds[3] != OperandKind::Unused) in.d = field(rng);
  return in;
}

void expect_same_fields(const Instr& x, const Instr& y) {
  EXPECT_EQ(x.op, y.op);
  EXPECT_EQ(x.a, y.a);
  EXPECT_EQ(x.b, y.b);
  EXPECT_EQ(x.c, y.c);
  EXPECT_EQ(x.d, y.d);
  EXPECT_EQ(x.j, y.j);
}

//===------------------------------------------------------------------------------------===//
// The table
//===------------------------------------------------------------------------------------===//

TEST(IsaTable, NoDuplicateCodesOrNames) {
  std::set<int> codes;
  std::set<std::string> names;
  for (const OpInfo* r : all_rows()) {
    EXPECT_TRUE(codes.insert(int(r->opcode)).second) << "duplicate code " << int(r->opcode);
    EXPECT_TRUE(names.insert(r->mnemonic).second) << "duplicate name " << r->mnemonic;
  }
  EXPECT_FALSE(codes.empty());
}

TEST(IsaTable, MnemonicsAreLowerCaseAndFindTheirRow) {
  for (const OpInfo* r : all_rows()) {
    for (const char* p = r->mnemonic; *p; ++p) EXPECT_FALSE(*p >= 'A' && *p <= 'Z') << r->mnemonic;
    EXPECT_EQ(op_info_by_mnemonic(r->mnemonic), r);
    EXPECT_EQ(op_info(uint8_t(r->opcode)), r);
    EXPECT_NE(r->semantics, nullptr);
  }
  EXPECT_EQ(op_info_by_mnemonic("CONV"), nullptr);  // lookup is case-sensitive
  EXPECT_EQ(op_info_by_mnemonic("frobnicate"), nullptr);
  EXPECT_EQ(op_info_by_mnemonic(""), nullptr);
  ASSERT_NE(op_info_by_mnemonic("conv"), nullptr);
  EXPECT_EQ(op_info_by_mnemonic("conv")->opcode, Opcode::CONV);
}

TEST(IsaTable, ReservedNumbersHaveNoRow) {
  std::set<int> defined;
  for (const OpInfo* r : all_rows()) defined.insert(int(r->opcode));
  int reserved = 0;
  for (int code = 0; code < 256; ++code) {
    if (defined.count(code)) continue;
    EXPECT_EQ(op_info(uint8_t(code)), nullptr) << code;
    ++reserved;
  }
  EXPECT_EQ(reserved + defined.size(), 256u);
}

TEST(IsaTable, FormatsMatchOperandKinds) {
  for (const OpInfo* r : all_rows()) {
    int jumps = 0;
    for (int i = 0; i < 4; ++i) jumps += r->kinds[i] == OperandKind::Jump;
    if (r->format == Format::AJ) {
      EXPECT_EQ(r->kinds[1], OperandKind::Jump) << r->mnemonic;
      EXPECT_EQ(r->kinds[2], OperandKind::Unused) << r->mnemonic;
      EXPECT_EQ(r->kinds[3], OperandKind::Unused) << r->mnemonic;
    } else {
      EXPECT_EQ(jumps, 0) << r->mnemonic;  // a jump needs the wide J field
    }
  }
}

//===------------------------------------------------------------------------------------===//
// Every row round-trips
//===------------------------------------------------------------------------------------===//

TEST(IsaRoundTrip, EveryRowEncodeDecodeDisassembleAssemble) {
  std::mt19937_64 rng(1234);
  for (const OpInfo* r : all_rows()) {
    for (int trial = 0; trial < 200; ++trial) {
      Instr in = random_instr(*r, rng);
      uint64_t w = encode(in);
      EXPECT_EQ(AIVM_OPCODE(w), uint8_t(r->opcode));
      expect_same_fields(decode(w), in);
      std::string text = disasm(w);
      EXPECT_EQ(text.rfind(r->mnemonic, 0), 0u) << text;
      EXPECT_EQ(text.find(".word"), std::string::npos) << text;
      EXPECT_EQ(assemble_one(text), w) << r->mnemonic << ": " << text;
    }
  }
}

TEST(IsaRoundTrip, ExtremeFieldValues) {
  for (const OpInfo* r : all_rows()) {
    for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{kFieldMax}}) {
      Instr in{};
      in.op = r->opcode;
      if (r->kinds[0] != OperandKind::Unused) in.a = uint32_t(v);
      if (r->format == Format::AJ) {
        in.j = v == kFieldMax ? kJumpMax : v;
      } else {
        if (r->kinds[1] != OperandKind::Unused) in.b = uint32_t(v);
        if (r->kinds[2] != OperandKind::Unused) in.c = uint32_t(v);
        if (r->kinds[3] != OperandKind::Unused) in.d = uint32_t(v);
      }
      uint64_t w = encode(in);
      expect_same_fields(decode(w), in);
      EXPECT_EQ(assemble_one(disasm(w)), w) << disasm(w);
    }
  }
}

// Any 64-bit word, valid or not, comes back unchanged: garbage prints as .word.
TEST(IsaRoundTrip, ArbitraryWordsRoundTrip) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 20000; ++i) {
    uint64_t w = rng();
    if (i % 2) w &= 0xff | (uint64_t(rng() % 4 == 0) << (8 + rng() % 56));  // mostly-zero words
    std::string text = disasm(w);
    EXPECT_EQ(assemble_one(text), w) << text;
  }
}

//===------------------------------------------------------------------------------------===//
// Field limits
//===------------------------------------------------------------------------------------===//

TEST(IsaLimits, GeometryIsConsistent) {
  EXPECT_EQ(kOpcodeBits + 4 * kFieldBits, 64);
  EXPECT_EQ(kOpcodeBits + kFieldBits + kJumpBits, 64);
  EXPECT_EQ(kFieldMax, 16383u);
  EXPECT_EQ(kJumpMax, (uint64_t{1} << 42) - 1);
}

TEST(IsaLimits, EncodersMaskOversizedFields) {
  // Fields are masked, never spill into a neighbour: callers check limits before encoding.
  uint64_t w = encode_abcd(Opcode::BINARY, kFieldMax + 1, kFieldMax + 2, 0, 0);
  EXPECT_EQ(AIVM_OPCODE(w), uint8_t(Opcode::BINARY));
  EXPECT_EQ(AIVM_FIELD_A(w), 0u);
  EXPECT_EQ(AIVM_FIELD_B(w), 1u);
  EXPECT_EQ(AIVM_FIELD_C(w), 0u);
  uint64_t j = encode_aj(Opcode::JMPZ, 7, kJumpMax + 5);
  EXPECT_EQ(AIVM_FIELD_A(j), 7u);
  EXPECT_EQ(AIVM_FIELD_J(j), 4u);
}

TEST(IsaLimits, AssemblerRejectsOutOfRangeFields) {
  EXPECT_EQ(assemble_one("binary r16383, r0, r1, #0"), encode_abcd(Opcode::BINARY, 16383, 0, 1, 0));
  EXPECT_THROW(assemble_register_text("binary r16384, r0, r1, #0"), std::runtime_error);
  EXPECT_THROW(assemble_register_text("softmax r1, r2, #16384"), std::runtime_error);
  EXPECT_THROW(assemble_register_text("conv r1, r2, r3, @99999999999999999999999"),
               std::runtime_error);
  uint64_t top = kJumpMax;
  EXPECT_EQ(assemble_one("jmp ->" + std::to_string(top)), encode_aj(Opcode::JMP, 0, top));
  EXPECT_THROW(assemble_register_text("jmp ->" + std::to_string(top + 1)), std::runtime_error);
  EXPECT_THROW(assemble_register_text(".word 0x10000000000000000"), std::runtime_error);
}

//===------------------------------------------------------------------------------------===//
// Disassembler text
//===------------------------------------------------------------------------------------===//

TEST(Disasm, OperandSyntax) {
  EXPECT_EQ(disasm(encode_aj(Opcode::JMPZ, 3, 17)), "jmpz r3, ->17");
  EXPECT_EQ(disasm(encode_aj(Opcode::JMP, 0, 4)), "jmp ->4");
  EXPECT_EQ(disasm(encode_abcd(Opcode::SOFTMAX, 4, 3, 0, 1)), "softmax r4, r3, #1");
  EXPECT_EQ(disasm(encode_abcd(Opcode::HALT, 0, 0, 0, 0)), "halt");
  EXPECT_EQ(disasm(encode_abcd(Opcode::BINARY, 1, 2, 3, 0)), "binary r1, r2, r3, #0");
}

TEST(Disasm, ConvRecordComment) {
  ConvAttrs c{2, 1, {3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, {int32_t(Activation::Relu), 0, 0}};
  std::vector<int32_t> attrs(7, 42);  // record 0: 7 junk words, record 1: the conv
  std::vector<uint32_t> offsets = {0, 7};
  attrs.resize(7 + kAttrWords<ConvAttrs>);
  std::memcpy(attrs.data() + 7, &c, sizeof(c));
  uint64_t w = encode_abcd(Opcode::CONV, 5, 0, 1, 1);
  EXPECT_EQ(disassemble_instruction(w, attrs.data(), attrs.size(), offsets.data(), offsets.size()),
            "conv r5, r0, r1, @1 ; bias=r2 group=1 k=3x3 s=1x1 p=1,1,1,1 d=1x1 act=relu");
  // Record 0 has the wrong length for a conv: the words are shown, nothing is misread.
  uint64_t w0 = encode_abcd(Opcode::CONV, 5, 0, 1, 0);
  std::string t0 =
      disassemble_instruction(w0, attrs.data(), attrs.size(), offsets.data(), offsets.size());
  EXPECT_NE(t0.find("record has 7 words, expected 17"), std::string::npos) << t0;
  EXPECT_EQ(assemble_one(t0), w0);
  // A residual register and a channel offset are shown; an ISA 3.3 record (one word shorter)
  // reads as offset 0, an ISA 3.2 one (two words) as no residual too.
  c.residual = 9;
  c.out_channel_offset = 4;
  std::memcpy(attrs.data() + 7, &c, sizeof(c));
  EXPECT_EQ(disassemble_instruction(w, attrs.data(), attrs.size(), offsets.data(), offsets.size()),
            "conv r5, r0, r1, @1 ; bias=r2 group=1 k=3x3 s=1x1 p=1,1,1,1 d=1x1 act=relu residual=r9 "
            "out_channels_from=4");
  attrs.pop_back();
  EXPECT_EQ(disassemble_instruction(w, attrs.data(), attrs.size(), offsets.data(), offsets.size()),
            "conv r5, r0, r1, @1 ; bias=r2 group=1 k=3x3 s=1x1 p=1,1,1,1 d=1x1 act=relu residual=r9");
  attrs.pop_back();
  EXPECT_EQ(disassemble_instruction(w, attrs.data(), attrs.size(), offsets.data(), offsets.size()),
            "conv r5, r0, r1, @1 ; bias=r2 group=1 k=3x3 s=1x1 p=1,1,1,1 d=1x1 act=relu");
}

TEST(Disasm, GemmAndPoolRecords) {
  GemmAttrs g{kNoRegister, 0, 1, float_bits(1.0f), float_bits(0.5f),
              {int32_t(Activation::Clip), float_bits(0.0f), float_bits(6.0f)}, /*packed_b=*/0};
  PoolAttrs p{{2, 2, 2, 2, 0, 0, 0, 0, 1, 1}};
  std::vector<int32_t> attrs(kAttrWords<GemmAttrs> + kAttrWords<PoolAttrs>);
  std::memcpy(attrs.data(), &g, sizeof(g));
  std::memcpy(attrs.data() + kAttrWords<GemmAttrs>, &p, sizeof(p));
  std::vector<uint32_t> offsets = {0, kAttrWords<GemmAttrs>};
  EXPECT_EQ(disassemble_instruction(encode_abcd(Opcode::GEMM, 3, 1, 2, 0), attrs.data(),
                                    attrs.size(), offsets.data(), offsets.size()),
            "gemm r3, r1, r2, @0 ; bias=none trans_a=0 trans_b=1 alpha=1 beta=0.5 act=clip(0,6)");
  EXPECT_EQ(disassemble_instruction(encode_abcd(Opcode::MAXPOOL, 3, 1, 0, 1), attrs.data(),
                                    attrs.size(), offsets.data(), offsets.size()),
            "maxpool r3, r1, @1 ; k=2x2 s=2x2 p=0,0,0,0 d=1x1");
}

TEST(Disasm, BadRecordTablesAreReportedNotRead) {
  uint64_t w = encode_abcd(Opcode::CONV, 5, 0, 1, 9);
  std::string t = disassemble_instruction(w, nullptr, 0, nullptr, 0);
  EXPECT_NE(t.find("record @9 out of range"), std::string::npos) << t;
  int32_t attrs[4] = {1, 2, 3, 4};
  uint32_t past_end[2] = {0, 400};
  t = disassemble_instruction(encode_abcd(Opcode::CONV, 5, 0, 1, 1), attrs, 4, past_end, 2);
  EXPECT_NE(t.find("past the attribute pool"), std::string::npos) << t;
  uint32_t backwards[2] = {3, 1};
  t = disassemble_instruction(encode_abcd(Opcode::CONV, 5, 0, 1, 0), attrs, 4, backwards, 2);
  EXPECT_NE(t.find("out of order"), std::string::npos) << t;
  uint32_t huge[1] = {0xffffffffu};
  t = disassemble_instruction(encode_abcd(Opcode::CONV, 5, 0, 1, 0), attrs, 4, huge, 1);
  EXPECT_NE(t.find("past the attribute pool"), std::string::npos) << t;
}

TEST(Disasm, GarbageWords) {
  EXPECT_EQ(disasm(0x00000000000000ffull), ".word 0x00000000000000ff ; reserved opcode 0xff");
  // HALT with a non-zero A field has no mnemonic form.
  std::string t = disasm(encode_abcd(Opcode::HALT, 1, 0, 0, 0));
  EXPECT_EQ(t.rfind(".word 0x", 0), 0u) << t;
  // JMP's A field is unused too.
  t = disasm(encode_aj(Opcode::JMP, 2, 3));
  EXPECT_EQ(t.rfind(".word 0x", 0), 0u) << t;
}

TEST(Disasm, FunctionListingRoundTrips) {
  std::vector<uint64_t> code = {
      encode_abcd(Opcode::UNARY, 1, 0, 0, 0), encode_aj(Opcode::JMPZ, 1, 3),
      encode_abcd(Opcode::SOFTMAX, 2, 1, 0, 1), encode_abcd(Opcode::HALT, 0, 0, 0, 0),
      0xdeadbeefcafebabeull};
  const char* names[] = {"Relu_0", nullptr, "bad\nname", "", "x"};
  std::string text = disassemble_function(code.data(), code.size(), nullptr, 0, nullptr, 0, names);
  EXPECT_NE(text.find("    0: unary r1, r0, #0 ; Relu_0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    1: jmpz r1, ->3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("; bad?name\n"), std::string::npos) << text;
  EXPECT_EQ(assemble_register_text(text), code);
  EXPECT_EQ(disassemble_function(nullptr, 3, nullptr, 0, nullptr, 0, nullptr), "");
}

//===------------------------------------------------------------------------------------===//
// Assembler errors
//===------------------------------------------------------------------------------------===//

std::string error_of(const std::string& text) {
  try {
    assemble_register_text(text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Assembler, IgnoresCommentsBlankLinesAndPrefixes) {
  std::string text = "; header\n\n   7: BINARY r1, r2, r3, #0   ; comment\r\n.word 0x1\n  halt\n";
  std::vector<uint64_t> want = {encode_abcd(Opcode::BINARY, 1, 2, 3, 0), 1,
                                encode_abcd(Opcode::HALT, 0, 0, 0, 0)};
  EXPECT_EQ(assemble_register_text(text), want);
  EXPECT_TRUE(assemble_register_text("").empty());
}

TEST(Assembler, ErrorsNameTheLine) {
  EXPECT_EQ(error_of("halt\nfrob r1\n"), "line 2: unknown mnemonic 'frob'");
  EXPECT_EQ(error_of("matmul r1, r2"), "line 1: matmul takes 3 operand(s), got 2");
  EXPECT_EQ(error_of("halt r1"), "line 1: halt takes 0 operand(s), got 1");
  EXPECT_EQ(error_of("\n\nconv r1, r2, r3, r4"),
            "line 3: conv operand 4 must be an attribute record (@N), got 'r4'");
  EXPECT_EQ(error_of("jmpz r1, 5"), "line 1: jmpz operand 2 must be a jump target (->N), got '5'");
  EXPECT_EQ(error_of("matmul r1, r-2, r3"),
            "line 1: matmul operand 2 must be a register (rN), got 'r-2'");
  EXPECT_EQ(error_of("matmul r1, r2x, r3"), "line 1: 'r2x' is not a decimal number");
  EXPECT_NE(error_of("matmul r1, , r3").find("line 1: matmul operand 2"), std::string::npos);
  EXPECT_NE(error_of(".word 12").find("0x-prefixed"), std::string::npos);
  EXPECT_NE(error_of(".word 0xzz").find("not hexadecimal"), std::string::npos);
  EXPECT_NE(error_of("matmul r99999, r1, r2").find("exceeds the field limit 16383"),
            std::string::npos);
}

}  // namespace
}  // namespace aivm::isa
