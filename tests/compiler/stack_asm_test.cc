// Tests of the .aivs stack assembly: every directive and instruction, attribute values of each
// kind, errors with file:line, and print -> parse round trips (assemble -> disassemble returns
// the input).
#include "compiler/asm/stack_asm.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <variant>

#include "compiler/onnx/onnx_import.h"

namespace aivm::compiler {
namespace {

namespace fs = std::filesystem;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

std::vector<float> floats_of(const Tensor& t) {
  std::vector<float> v(t.data.size() / sizeof(float));
  std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

std::string kind_name(StackOpKind k) {
  switch (k) {
    case StackOpKind::PushConst: return "const";
    case StackOpKind::PushNone: return "none";
    case StackOpKind::LocalGet: return "get";
    case StackOpKind::LocalSet: return "set";
    case StackOpKind::Op: return "op";
    case StackOpKind::If: return "if";
    case StackOpKind::Else: return "else";
    case StackOpKind::End: return "end";
    case StackOpKind::Loop: return "loop";
    case StackOpKind::BreakUnless: return "break_unless";
    case StackOpKind::LoopIndex: return "loop.index";
  }
  return "?";
}

// "get 0", "const 2", "Conv 3->1", "if", ... (indices, not names: what the program holds).
std::vector<std::string> dump(const StackProgram& p) {
  std::vector<std::string> out;
  for (const StackOp& op : p.code) {
    if (op.kind == StackOpKind::Op)
      out.push_back(op.name + " " + std::to_string(op.num_inputs) + "->" + std::to_string(op.num_outputs));
    else if (op.kind == StackOpKind::PushConst || op.kind == StackOpKind::LocalGet || op.kind == StackOpKind::LocalSet)
      out.push_back(kind_name(op.kind) + " " + std::to_string(op.index));
    else if (op.kind == StackOpKind::Loop)
      out.push_back("loop " + std::to_string(op.num_outputs));
    else
      out.push_back(kind_name(op.kind));
  }
  return out;
}

const StackOp& nth_op(const StackProgram& p, size_t n) {
  for (const StackOp& op : p.code)
    if (op.kind == StackOpKind::Op && n-- == 0) return op;
  throw std::out_of_range("no such op");
}

// Field-by-field equality of two programs, ignoring |source| and source locations apart from
// an operator's ONNX node name (which the text keeps as @NODE). Floats compare by bits (NaN == NaN).
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_tensor(const Tensor& a, const Tensor& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.data == b.data;
}

bool same_attr(const AttrValue& a, const AttrValue& b) {
  if (a.index() != b.index()) return false;
  if (auto* f = std::get_if<float>(&a)) return same_bits(*f, std::get<float>(b));
  if (auto* fs = std::get_if<std::vector<float>>(&a)) {
    const auto& gs = std::get<std::vector<float>>(b);
    if (fs->size() != gs.size()) return false;
    for (size_t i = 0; i < fs->size(); ++i)
      if (!same_bits((*fs)[i], gs[i])) return false;
    return true;
  }
  if (auto* t = std::get_if<Tensor>(&a)) return same_tensor(*t, std::get<Tensor>(b));
  if (auto* i = std::get_if<int64_t>(&a)) return *i == std::get<int64_t>(b);
  if (auto* s = std::get_if<std::string>(&a)) return *s == std::get<std::string>(b);
  return std::get<std::vector<int64_t>>(a) == std::get<std::vector<int64_t>>(b);
}

void expect_same_spec(const ValueSpec& a, const ValueSpec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.dtype, b.dtype) << a.name;
  EXPECT_EQ(a.shape, b.shape) << a.name;
  EXPECT_EQ(a.dim_names, b.dim_names) << a.name;
}

void expect_same_program(const StackProgram& a, const StackProgram& b) {
  ASSERT_EQ(a.inputs.size(), b.inputs.size());
  for (size_t i = 0; i < a.inputs.size(); ++i) expect_same_spec(a.inputs[i], b.inputs[i]);
  ASSERT_EQ(a.outputs.size(), b.outputs.size());
  for (size_t i = 0; i < a.outputs.size(); ++i) expect_same_spec(a.outputs[i], b.outputs[i]);
  EXPECT_EQ(a.local_names, b.local_names);
  EXPECT_EQ(a.constant_names, b.constant_names);
  ASSERT_EQ(a.constants.size(), b.constants.size());
  for (size_t i = 0; i < a.constants.size(); ++i) EXPECT_TRUE(same_tensor(a.constants[i], b.constants[i])) << i;
  ASSERT_EQ(a.code.size(), b.code.size());
  for (size_t i = 0; i < a.code.size(); ++i) {
    const StackOp &x = a.code[i], &y = b.code[i];
    EXPECT_EQ(x.kind, y.kind) << i;
    EXPECT_EQ(x.index, y.index) << i;
    EXPECT_EQ(x.name, y.name) << i;
    EXPECT_EQ(x.num_inputs, y.num_inputs) << i;
    EXPECT_EQ(x.num_outputs, y.num_outputs) << i;
    if (x.kind == StackOpKind::Op) {
      EXPECT_EQ(x.loc.node, y.loc.node) << i;
    }
    ASSERT_EQ(x.attrs.size(), y.attrs.size()) << i;
    for (const auto& [k, v] : x.attrs) {
      ASSERT_TRUE(y.attrs.count(k)) << i << " " << k;
      EXPECT_TRUE(same_attr(v, y.attrs.at(k))) << i << " " << k;
    }
  }
}

// print -> parse gives the same program, and printing that again gives the same text.
void expect_round_trip(const StackProgram& p) {
  std::string text = print_stack_asm(p);
  StackProgram q;
  ASSERT_NO_THROW(q = parse_stack_asm(text, "printed.aivs")) << text;
  expect_same_program(p, q);
  q.source = p.source;  // named in the header comment
  EXPECT_EQ(print_stack_asm(q), text);
}

StackProgram parse(const std::string& text) { return parse_stack_asm(text, "t.aivs"); }

//===----------------------------------------------------------------------===//
// Directives
//===----------------------------------------------------------------------===//

TEST(StackAsm, InputsOutputsAndLocals) {
  StackProgram p = parse(R"(
    .local t u        ; locals come after the inputs whatever the order in the text
    .input x f32 [N, 3, 224,224]
    .input cond bool []
    .input m i64 [?, "seq len", 2]
    .local v
    .output y f32 [N,1000]
    .output z
  )");
  EXPECT_EQ(p.source, "t.aivs");
  ASSERT_EQ(p.inputs.size(), 3u);
  EXPECT_EQ(p.inputs[0].name, "x");
  EXPECT_EQ(p.inputs[0].dtype, DType::F32);
  EXPECT_EQ(p.inputs[0].shape, (std::vector<int64_t>{-1, 3, 224, 224}));
  EXPECT_EQ(p.inputs[0].dim_names, (std::vector<std::string>{"N", "", "", ""}));
  EXPECT_EQ(p.inputs[1].dtype, DType::Bool);
  EXPECT_TRUE(p.inputs[1].shape.empty());
  EXPECT_EQ(p.inputs[2].shape, (std::vector<int64_t>{-1, -1, 2}));
  EXPECT_EQ(p.inputs[2].dim_names, (std::vector<std::string>{"", "seq len", ""}));
  EXPECT_EQ(p.local_names, (std::vector<std::string>{"x", "cond", "m", "t", "u", "v"}));
  ASSERT_EQ(p.outputs.size(), 2u);
  EXPECT_EQ(p.outputs[0].shape, (std::vector<int64_t>{-1, 1000}));
  EXPECT_EQ(p.outputs[1].name, "z");
  EXPECT_EQ(p.outputs[1].dtype, DType::Undefined);
  EXPECT_TRUE(p.code.empty());
}

TEST(StackAsm, ConstantsOfEveryDtype) {
  StackProgram p = parse(R"(
    .const a f32 [2,2] 1 2.5 -3e2 inf
    .const b f16 [3] 1, -2, 0.5
    .const c i8 [2] -128 127
    .const d u8 [2] 0 255
    .const e i32 [1] -2147483648
    .const f i64 [2] 9223372036854775807 -1
    .const g bool [3] 1 0 true
    .const s f32 [] 42
    .const empty i64 [0]
    .const z f32 [2,3] fill=-1
    .const h i32 [1] hex=01020304
  )");
  ASSERT_EQ(p.constants.size(), 11u);
  EXPECT_EQ(p.constant_names[0], "a");
  EXPECT_EQ(floats_of(p.constants[0]), (std::vector<float>{1, 2.5f, -300, INFINITY}));
  EXPECT_EQ(p.constants[1].data, (std::vector<uint8_t>{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38}));
  EXPECT_EQ(p.constants[2].data, (std::vector<uint8_t>{0x80, 0x7f}));
  EXPECT_EQ(p.constants[3].data, (std::vector<uint8_t>{0, 255}));
  EXPECT_EQ(p.constants[4].int_at(0), INT32_MIN);
  EXPECT_EQ(p.constants[5].int_at(0), INT64_MAX);
  EXPECT_EQ(p.constants[6].data, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_TRUE(p.constants[7].shape.empty());
  EXPECT_EQ(p.constants[7].float_at(0), 42.0);
  EXPECT_EQ(p.constants[8].num_elements(), 0);
  EXPECT_TRUE(p.constants[8].data.empty());
  EXPECT_EQ(floats_of(p.constants[9]), std::vector<float>(6, -1.0f));
  EXPECT_EQ(p.constants[10].data, (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST(StackAsm, ConstantFromFile) {
  fs::path dir = fs::temp_directory_path() / ("aivm_asm_test_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  float w[3] = {7, 8, 9};
  std::ofstream(dir / "w.bin", std::ios::binary).write(reinterpret_cast<const char*>(w), sizeof w);
  std::string file = (dir / "prog.aivs").string();
  StackProgram p = parse_stack_asm(".const all f32 [3] file=w.bin\n"
                                   ".const tail f32 [2] file=\"w.bin\" offset=4\n",
                                   file);
  EXPECT_EQ(floats_of(p.constants[0]), (std::vector<float>{7, 8, 9}));
  EXPECT_EQ(floats_of(p.constants[1]), (std::vector<float>{8, 9}));

  std::string e = error_of([&] { parse_stack_asm("\n.const w f32 [2] file=w.bin", file); });
  EXPECT_NE(e.find(file + ":2 (.const)"), std::string::npos) << e;
  EXPECT_NE(e.find("holds 12 bytes but the shape needs 8"), std::string::npos) << e;
  e = error_of([&] { parse_stack_asm(".const w f32 [3] file=w.bin offset=4", file); });
  EXPECT_NE(e.find("has no 12 bytes at offset 4"), std::string::npos) << e;
  e = error_of([&] { parse_stack_asm(".const w f32 [3] file=nope.bin", file); });
  EXPECT_NE(e.find("cannot read constant data file"), std::string::npos) << e;
  fs::remove_all(dir);
}

TEST(StackAsm, ExampleFileInTestData) {
  std::string path = std::string(AIVM_SOURCE_DIR) + "/tests/compiler/data/tiny_cnn.aivs";
  StackProgram p = parse_stack_asm_file(path);
  EXPECT_EQ(p.source, path);
  EXPECT_EQ(p.local_names, (std::vector<std::string>{"x", "use_relu", "c", "h", "f"}));
  EXPECT_EQ(p.constant_names, (std::vector<std::string>{"W", "B", "Wg", "shape"}));
  EXPECT_EQ(floats_of(p.constants[0]), (std::vector<float>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(floats_of(p.constants[1]), (std::vector<float>{0.5f, 0.5f}));
  EXPECT_EQ(p.constants[2].float_at(63), 63 * 0.25);
  std::vector<std::string> want = {
      "get 0", "const 0", "const 1", "Conv 3->1", "set 2", "get 1",
      "if", "get 2", "Relu 1->1", "set 3",
      "else", "get 2", "LeakyRelu 1->1", "set 3", "end",
      "get 3", "const 3", "Reshape 2->1", "set 4", "get 4", "const 2", "none", "Gemm 3->1"};
  EXPECT_EQ(dump(p), want);
  const StackOp& conv = nth_op(p, 0);
  EXPECT_EQ(conv.loc.file, path);
  EXPECT_EQ(conv.loc.line, 17);
  EXPECT_EQ(conv.loc.node, "conv1");
  EXPECT_EQ(conv.loc.op_type, "Conv");
  EXPECT_EQ(std::get<std::string>(conv.attrs.at("auto_pad")), "NOTSET");
  EXPECT_EQ(std::get<float>(nth_op(p, 2).attrs.at("alpha")), 0.1f);
  expect_round_trip(p);
}

//===----------------------------------------------------------------------===//
// Instructions and attributes
//===----------------------------------------------------------------------===//

TEST(StackAsm, InstructionsByNameAndIndex) {
  StackProgram p = parse(R"(
    .input x f32 [4]
    .local t
    .const k f32 [] 2
    local.get x
    local.get 0
    const k
    const 0
    push.none
    Clip
    local.set t
    local.set 1
    "odd op" in=0 out=0
  )");
  EXPECT_EQ(dump(p), (std::vector<std::string>{"get 0", "get 0", "const 0", "const 0", "none", "Clip 3->1",
                                               "set 1", "set 1", "odd op 0->0"}));
  EXPECT_EQ(p.code[0].loc.line, 5);
  EXPECT_EQ(p.code[0].loc.op_type, "local.get");
}

TEST(StackAsm, DefaultArityAndOverrides) {
  StackProgram p = parse(R"(
    Relu
    Add
    Conv
    Gemm in=3 out=1 transB=1
    TopK
    Split out=3
    Concat in=4
    MyOp in=2 out=2
    BatchNormalization
  )");
  EXPECT_EQ(dump(p), (std::vector<std::string>{"Relu 1->1", "Add 2->1", "Conv 2->1", "Gemm 3->1", "TopK 2->2",
                                               "Split 1->3", "Concat 4->1", "MyOp 2->2",
                                               "BatchNormalization 5->1"}));
  EXPECT_EQ(nth_op(p, 3).attrs.size(), 1u);  // in= / out= are not attributes
  int in, out;
  EXPECT_TRUE(stack_asm_default_arity("Softmax", &in, &out));
  EXPECT_EQ(in, 1);
  EXPECT_TRUE(stack_asm_default_arity("Reshape", &in, &out));
  EXPECT_EQ(in, 2);
  EXPECT_FALSE(stack_asm_default_arity("NoSuchOp", &in, &out));
}

TEST(StackAsm, AttributeValuesOfEveryKind) {
  StackProgram p = parse(R"(
    Op in=1 i=7 neg=-3 big=9223372036854775807 f=0.5 g=1e-5 h=-2.0E3 pinf=inf ninf=-inf nan=nan \
       s="SAME_UPPER" esc="a\"b\\c\n\x41;not a comment" empty="" \
       ints=[1, -2,3] floats=[0.5,1,2] mixed=[1,2.0] none=[] nofloats=floats[] someints=ints[4] \
       t=f32[2,2]{1,2,3,4} ti=i64[2]{5 6} tz=u8[0]{} th=i32[1]{hex=ff000000} "in"=11 @"node one"
  )");
  const StackOp& op = nth_op(p, 0);
  const AttrMap& a = op.attrs;
  EXPECT_EQ(op.num_inputs, 1);
  EXPECT_EQ(op.loc.node, "node one");
  EXPECT_EQ(std::get<int64_t>(a.at("i")), 7);
  EXPECT_EQ(std::get<int64_t>(a.at("neg")), -3);
  EXPECT_EQ(std::get<int64_t>(a.at("big")), INT64_MAX);
  EXPECT_EQ(std::get<float>(a.at("f")), 0.5f);
  EXPECT_EQ(std::get<float>(a.at("g")), 1e-5f);
  EXPECT_EQ(std::get<float>(a.at("h")), -2000.0f);
  EXPECT_EQ(std::get<float>(a.at("pinf")), INFINITY);
  EXPECT_EQ(std::get<float>(a.at("ninf")), -INFINITY);
  EXPECT_TRUE(std::isnan(std::get<float>(a.at("nan"))));
  EXPECT_EQ(std::get<std::string>(a.at("s")), "SAME_UPPER");
  EXPECT_EQ(std::get<std::string>(a.at("esc")), "a\"b\\c\nA;not a comment");
  EXPECT_EQ(std::get<std::string>(a.at("empty")), "");
  EXPECT_EQ(std::get<std::vector<int64_t>>(a.at("ints")), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(std::get<std::vector<float>>(a.at("floats")), (std::vector<float>{0.5f, 1, 2}));
  EXPECT_EQ(std::get<std::vector<float>>(a.at("mixed")), (std::vector<float>{1, 2}));
  EXPECT_TRUE(std::get<std::vector<int64_t>>(a.at("none")).empty());
  EXPECT_TRUE(std::get<std::vector<float>>(a.at("nofloats")).empty());
  EXPECT_EQ(std::get<std::vector<int64_t>>(a.at("someints")), (std::vector<int64_t>{4}));
  const Tensor& t = std::get<Tensor>(a.at("t"));
  EXPECT_EQ(t.dtype, DType::F32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(floats_of(t), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(std::get<Tensor>(a.at("ti")).int_at(1), 6);
  EXPECT_EQ(std::get<Tensor>(a.at("tz")).num_elements(), 0);
  EXPECT_EQ(std::get<Tensor>(a.at("th")).int_at(0), 255);
  EXPECT_EQ(std::get<int64_t>(a.at("in")), 11);  // a quoted key is an attribute, not the arity
  EXPECT_EQ(a.size(), 23u);
}

TEST(StackAsm, CommentsBlankLinesAndContinuations) {
  StackProgram p = parse("; header\n\n   \nRelu ; trailing\n  ; indented comment\nAdd \\\n  ; gap\n\n");
  EXPECT_EQ(dump(p), (std::vector<std::string>{"Relu 1->1", "Add 2->1"}));
  EXPECT_EQ(p.code[1].loc.line, 6);
}

TEST(StackAsm, NestedIfElseEnd) {
  StackProgram p = parse(R"(
    .input c bool []
    local.get c
    if
      local.get c
      if
      else
      end
    else
    end
  )");
  EXPECT_EQ(dump(p), (std::vector<std::string>{"get 0", "if", "get 0", "if", "else", "end", "else", "end"}));
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST(StackAsm, ErrorsNameFileLineAndProblem) {
  struct Case { const char* text; const char* where; const char* message; };
  std::vector<Case> cases = {
      {"Relu\nFrobnicate x=1", "t.aivs:2 (Frobnicate)", "unknown operator 'Frobnicate': give its input count with in=N"},
      {"\n\nConcat", "t.aivs:3 (Concat)", "variable number of inputs; give in=N"},
      {"Split", "t.aivs:1 (Split)", "variable number of outputs; give out=N"},
      {".inptu x f32 [1]", "t.aivs:1 (.inptu)", "unknown directive '.inptu'"},
      {".input x f128 [1]", "t.aivs:1 (.input)", "unknown dtype 'f128'"},
      {".input x f32 [1,-2]", "t.aivs:1 (.input)", "dimension -2 is negative"},
      {".input x f32 1", "t.aivs:1 (.input)", "expected '[' to open a shape, found '1'"},
      {".const w f32 [N] 1", "t.aivs:1 (.const)", "a constant's shape must be static"},
      {".const w f32 [3] 1 2", "t.aivs:1 (.const)", "constant has 2 values but its shape holds 3"},
      {".const w i8 [1] 200", "t.aivs:1 (.const)", "200 is out of range for i8"},
      {".const w i32 [1] 1.5", "t.aivs:1 (.const)", "'1.5' is not an integer"},
      {".const w f32 [1] 1 fill=2", "t.aivs:1 (.const)", "give a constant's data one way"},
      {".const w f32 [2] hex=00", "t.aivs:1 (.const)", "hex= gives 1 bytes but the shape needs 8"},
      {"\nlocal.get y", "t.aivs:2 (local.get)", "local 'y' is not declared"},
      {".input x f32 [1]\nlocal.set 1", "t.aivs:2 (local.set)", "local index 1 out of range (1 declared)"},
      {"const 0", "t.aivs:1 (const)", "constant index 0 out of range (0 declared)"},
      {".local a\n.local a\nlocal.get a", "t.aivs:3 (local.get)", "declared more than once; use an index"},
      {"local.get", "t.aivs:1 (local.get)", "expected a local name or index"},
      {"push.none 3", "t.aivs:1 (push.none)", "unexpected '3' at the end of the statement"},
      {"else", "t.aivs:1 (else)", "'else' without a matching 'if'"},
      {"end", "t.aivs:1 (end)", "'end' without a matching 'if'"},
      {"if\nelse\nelse\nend", "t.aivs:3 (else)", "second 'else' for the 'if' at line 1"},
      {"Relu\nif\nRelu", "t.aivs:2 (if)", "'if' is not closed by 'end'"},
      {"Relu alpha=1 alpha=2", "t.aivs:1 (Relu)", "attribute 'alpha' given twice"},
      {"Relu mode=SAME", "t.aivs:1 (Relu)", "'SAME' is not a value (strings need quotes)"},
      {"Relu s=\"open", "t.aivs:1", "unterminated string"},
      {"Relu s=\"\\q\"", "t.aivs:1", "unknown escape '\\q'"},
      {"Relu ints=[1,2", "t.aivs:1 (Relu)", "expected ']' to close the list"},
      {"Relu ints=[1,x]", "t.aivs:1 (Relu)", "'x' is not a number"},
      {"Relu is=ints[1.5]", "t.aivs:1 (Relu)", "'1.5' is not an integer"},
      {"Relu t=f32[2]{1}", "t.aivs:1 (Relu)", "constant has 1 values but its shape holds 2"},
      {"Relu alpha", "t.aivs:1 (Relu)", "expected '=' after 'alpha'"},
      {"Relu n=9223372036854775808", "t.aivs:1 (Relu)", "9223372036854775808 is out of range for an int64"},
      {"Relu in=-1", "t.aivs:1 (Relu)", "in=-1 is out of range"},
      {"Relu @a b", "t.aivs:1 (Relu)", "unexpected 'b' at the end of the statement"},
      {"Re-lu", "t.aivs:1 (Re-lu)", "'Re-lu' is not an instruction or operator name"},
      {"Relu x=1 ^", "t.aivs:1", "unexpected character '^'"},
  };
  for (const Case& c : cases) {
    std::string e = error_of([&] { parse(c.text); });
    EXPECT_NE(e.find(c.where), std::string::npos) << c.text << "\n  -> " << e;
    EXPECT_NE(e.find(c.message), std::string::npos) << c.text << "\n  -> " << e;
  }
  std::string e = error_of([] { parse_stack_asm_file("/nonexistent/dir/p.aivs"); });
  EXPECT_NE(e.find("/nonexistent/dir/p.aivs: cannot open file"), std::string::npos) << e;
}

// Random mutations of a valid file give a program or a CompileError, never a crash.
TEST(StackAsm, MutatedTextNeverCrashes) {
  std::string good = print_stack_asm(parse_stack_asm_file(std::string(AIVM_SOURCE_DIR) +
                                                          "/tests/compiler/data/tiny_cnn.aivs"));
  const char alphabet[] = "[]{},=@\"\\;.-+0123456789abcefinx \n?";
  std::mt19937 rng(99);
  for (int i = 0; i < 3000; ++i) {
    std::string t = good;
    for (int k = 0; k < 3; ++k) t[rng() % t.size()] = alphabet[rng() % (sizeof alphabet - 1)];
    try {
      parse(t);
    } catch (const CompileError&) {
    }
  }
  SUCCEED();
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

TEST(StackAsm, PrintedTextIsReadable) {
  StackProgram p = parse(R"(
    .input x f32 [N,4]
    .input c bool []
    .output y
    .local t
    .const k f32 [2] 0.5 2
    local.get c
    if
      local.get x
      const k
      Mul
    else
      local.get x
      Gemm in=1 out=2 alpha=1 beta=0.5 perm=[1,0] mode="x" @n1
      local.set t
    end
  )");
  std::string want =
      "; aivm stack program from t.aivs\n"
      ".input x f32 [N,4]\n"
      ".input c bool []\n"
      ".output y\n"
      ".local t\n"
      ".const k f32 [2] 0.5 2\n"
      "\n"
      "local.get c\n"
      "if\n"
      "  local.get x\n"
      "  const k\n"
      "  Mul\n"
      "else\n"
      "  local.get x\n"
      "  Gemm in=1 out=2 alpha=1 beta=0.5 mode=\"x\" perm=[1,0] @n1\n"
      "  local.set t\n"
      "end\n";
  EXPECT_EQ(print_stack_asm(p), want);
}

TEST(StackAsm, RoundTripOfTrickyPrograms) {
  StackProgram p;
  p.source = "hand-built";
  p.inputs.push_back({"in put", DType::F16, {-1, 2, -1}, {"batch", "", ""}});
  p.inputs.push_back({"0", DType::U8, {}, {}});
  p.outputs.push_back({"out", DType::I64, {3}, {""}});
  p.outputs.push_back({"untyped", DType::Undefined, {}, {}});
  p.local_names = {"in put", "0", "dup", "dup", "", "/conv1/Conv_output_0", "a", "b", "c", "d", "e", "f", "g",
                   "h", "i"};

  Tensor nan_t{DType::F32, {3}, {}};
  float vals[3] = {NAN, -0.0f, 1e-45f};
  uint32_t payload_nan = 0x7fc01234;
  std::memcpy(&vals[0], &payload_nan, 4);
  nan_t.data.assign(reinterpret_cast<uint8_t*>(vals), reinterpret_cast<uint8_t*>(vals) + sizeof vals);
  Tensor half{DType::F16, {2}, {0x01, 0x00, 0xff, 0x7b}};  // smallest subnormal, 65504
  Tensor big{DType::I64, {40}, std::vector<uint8_t>(320, 0xab)};
  Tensor f32s{DType::F32, {3}, {}};
  float fv[3] = {0.1f, 3.4028235e38f, -1.17549435e-38f};
  f32s.data.assign(reinterpret_cast<uint8_t*>(fv), reinterpret_cast<uint8_t*>(fv) + sizeof fv);
  p.constants = {nan_t, half, big, f32s, Tensor{DType::Bool, {2}, {1, 0}}};
  p.constant_names = {"", "k", "k", "weird \"name\"", "bools"};

  auto push = [&](StackOpKind k, int64_t i) {
    StackOp op;
    op.kind = k;
    op.index = i;
    p.code.push_back(op);
  };
  for (int64_t i = 0; i < int64_t(p.local_names.size()); ++i) push(StackOpKind::LocalGet, i);
  for (int64_t i = 0; i < int64_t(p.constants.size()); ++i) push(StackOpKind::PushConst, i);
  push(StackOpKind::PushNone, 0);
  StackOp op;
  op.name = "Weird-Op";
  op.num_inputs = 3;
  op.num_outputs = 0;
  op.loc.node = "/model/layer.0/Mul";
  op.attrs = {{"f", 1.0f}, {"fnan", NAN}, {"fl", std::vector<float>{}}, {"in", int64_t(2)},
              {"key with space", std::string("\x01\xff\"")}, {"t", nan_t}, {"t0", Tensor{DType::I8, {0}, {}}},
              {"__opset", int64_t(13)}};
  p.code.push_back(op);
  StackOp relu;
  relu.name = "Relu";
  relu.num_inputs = 1;
  p.code.push_back(relu);
  StackOp ifop;
  ifop.name = "if";  // an operator that happens to be named like a keyword
  ifop.num_inputs = 1;
  p.code.push_back(ifop);
  push(StackOpKind::If, 0);
  push(StackOpKind::LocalSet, 2);
  push(StackOpKind::Else, 0);
  push(StackOpKind::LocalSet, 3);
  push(StackOpKind::End, 0);
  expect_round_trip(p);
}

TEST(StackAsm, RoundTripOfAnImportedOnnxModel) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* opset = m.add_opset_import();
  opset->set_version(13);
  auto* g = m.mutable_graph();
  auto* in = g->add_input();
  in->set_name("input.1");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("batch");
  tt->mutable_shape()->add_dim()->set_dim_value(4);
  auto* w = g->add_initializer();
  w->set_name("onnx::MatMul_7");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->add_dims(2);
  for (int i = 0; i < 8; ++i) w->add_float_data(float(i) / 3);
  auto* mm = g->add_node();
  mm->set_op_type("MatMul");
  mm->set_name("/fc/MatMul");
  mm->add_input("input.1");
  mm->add_input("onnx::MatMul_7");
  mm->add_output("/fc/MatMul_output_0");
  auto* sm = g->add_node();
  sm->set_op_type("Softmax");
  sm->add_input("/fc/MatMul_output_0");
  sm->add_output("probs");
  auto* axis = sm->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(-1);
  g->add_output()->set_name("probs");
  StackProgram p = import_onnx_model(m, "fc.onnx");
  expect_round_trip(p);
  std::string text = print_stack_asm(p);
  EXPECT_NE(text.find("MatMul __opset=13 @\"/fc/MatMul\""), std::string::npos) << text;
  EXPECT_NE(text.find("local.get input.1"), std::string::npos) << text;
  EXPECT_NE(text.find("const \"onnx::MatMul_7\""), std::string::npos) << text;
}

}  // namespace
}  // namespace aivm::compiler
