// Tests of the ONNX importer: models built here with the ONNX protobuf API, imported, and the
// emitted stack program checked op by op (golden-sequence style).
#include "compiler/onnx/onnx_import.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <variant>

#include "compiler/asm/stack_asm.h"
#include "compiler/compile.h"

namespace aivm::compiler {
namespace {

namespace fs = std::filesystem;
using TP = onnx::TensorProto;

//===----------------------------------------------------------------------===//
// Model building helpers
//===----------------------------------------------------------------------===//

onnx::ModelProto new_model(int64_t opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("aivm-test");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  m.mutable_graph()->set_name("g");
  return m;
}

// A dim is a number, or a string for a dim_param ("" for an unknown dim).
using Dim = std::variant<int64_t, std::string>;

void set_type(onnx::ValueInfoProto* v, const std::string& name, int elem, const std::vector<Dim>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  auto* shape = tt->mutable_shape();
  for (const Dim& d : dims) {
    auto* dim = shape->add_dim();
    if (auto* i = std::get_if<int64_t>(&d)) dim->set_dim_value(*i);
    else if (!std::get<std::string>(d).empty()) dim->set_dim_param(std::get<std::string>(d));
  }
}

void add_input(onnx::GraphProto* g, const std::string& name, int elem, const std::vector<Dim>& dims) {
  set_type(g->add_input(), name, elem, dims);
}

void add_output(onnx::GraphProto* g, const std::string& name, int elem, const std::vector<Dim>& dims) {
  set_type(g->add_output(), name, elem, dims);
}

TP f32_tensor(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v,
              bool raw = true) {
  TP t;
  t.set_name(name);
  t.set_data_type(TP::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  if (raw) t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
  else for (float f : v) t.add_float_data(f);
  return t;
}

TP i64_tensor(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v) {
  TP t;
  t.set_name(name);
  t.set_data_type(TP::INT64);
  for (int64_t d : dims) t.add_dims(d);
  for (int64_t x : v) t.add_int64_data(x);
  return t;
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::vector<std::string>& in,
                          const std::vector<std::string>& out, const std::string& name = "") {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& s : in) n->add_input(s);
  for (const auto& s : out) n->add_output(s);
  return n;
}

onnx::AttributeProto* add_attr(onnx::NodeProto* n, const std::string& name, onnx::AttributeProto::AttributeType type) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}

void attr_ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = add_attr(n, name, onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

//===----------------------------------------------------------------------===//
// Program inspection helpers
//===----------------------------------------------------------------------===//

// One line per op, with local and constant names: "get x", "const W", "none", "set c",
// "Conv 3->1", "if", "else", "end".
std::vector<std::string> dump(const StackProgram& p) {
  std::vector<std::string> out;
  for (const StackOp& op : p.code) {
    switch (op.kind) {
      case StackOpKind::LocalGet: out.push_back("get " + p.local_names.at(size_t(op.index))); break;
      case StackOpKind::LocalSet: out.push_back("set " + p.local_names.at(size_t(op.index))); break;
      case StackOpKind::PushConst: out.push_back("const " + p.constant_names.at(size_t(op.index))); break;
      case StackOpKind::PushNone: out.push_back("none"); break;
      case StackOpKind::Op:
        out.push_back(op.name + " " + std::to_string(op.num_inputs) + "->" + std::to_string(op.num_outputs));
        break;
      case StackOpKind::If: out.push_back("if"); break;
      case StackOpKind::Else: out.push_back("else"); break;
      case StackOpKind::End: out.push_back("end"); break;
      case StackOpKind::Loop: out.push_back("loop " + std::to_string(op.num_outputs)); break;
      case StackOpKind::BreakUnless: out.push_back("break_unless"); break;
      case StackOpKind::LoopIndex: out.push_back("loop.index"); break;
    }
  }
  return out;
}

const StackOp& nth_op(const StackProgram& p, size_t n) {
  for (const StackOp& op : p.code)
    if (op.kind == StackOpKind::Op && n-- == 0) return op;
  throw std::out_of_range("no such op");
}

std::vector<float> floats_of(const Tensor& t) {
  std::vector<float> v(t.data.size() / sizeof(float));
  std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

// Runs |f| and returns the CompileError message ("" if nothing was thrown).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

// A fresh empty directory under the system temp dir, removed by the destructor.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("aivm_onnx_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
    return (path / name).string();
  }
};

//===----------------------------------------------------------------------===//
// A Conv -> Relu -> Flatten -> Gemm chain
//===----------------------------------------------------------------------===//

onnx::ModelProto conv_relu_gemm() {
  onnx::ModelProto m = new_model(13);
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {std::string("N"), int64_t(3), int64_t(4), int64_t(4)});
  *g->add_initializer() = f32_tensor("W", {2, 3, 1, 1}, {1, 2, 3, 4, 5, 6});
  *g->add_initializer() = f32_tensor("B", {2}, {0.5f, -0.5f}, /*raw=*/false);
  *g->add_initializer() = f32_tensor("Wg", {5, 32}, std::vector<float>(160, 0.25f));
  *g->add_initializer() = f32_tensor("Bg", {5}, {1, 2, 3, 4, 5});
  auto* conv = add_node(g, "Conv", {"x", "W", "B"}, {"c"}, "conv1");
  attr_ints(conv, "strides", {1, 1});
  attr_ints(conv, "pads", {0, 0, 0, 0});
  add_attr(conv, "auto_pad", onnx::AttributeProto::STRING)->set_s("NOTSET");
  add_node(g, "Relu", {"c"}, {"r"});  // unnamed: "#1"
  add_attr(add_node(g, "Flatten", {"r"}, {"f"}, "flat"), "axis", onnx::AttributeProto::INT)->set_i(1);
  auto* gemm = add_node(g, "Gemm", {"f", "Wg", "Bg"}, {"y"}, "fc");
  add_attr(gemm, "transB", onnx::AttributeProto::INT)->set_i(1);
  add_attr(gemm, "alpha", onnx::AttributeProto::FLOAT)->set_f(0.5f);
  add_output(g, "y", TP::FLOAT, {std::string("N"), int64_t(5)});
  return m;
}

TEST(OnnxImport, ConvReluGemmChain) {
  StackProgram p = import_onnx_model(conv_relu_gemm(), "chain.onnx");
  EXPECT_EQ(p.source, "chain.onnx");
  std::vector<std::string> want = {
      "get x", "const W", "const B", "Conv 3->1", "set c",         //
      "get c", "Relu 1->1", "set r",                               //
      "get r", "Flatten 1->1", "set f",                            //
      "get f", "const Wg", "const Bg", "Gemm 3->1", "set y",       //
      "get y"};
  EXPECT_EQ(dump(p), want);

  ASSERT_EQ(p.inputs.size(), 1u);
  EXPECT_EQ(p.inputs[0].name, "x");
  EXPECT_EQ(p.inputs[0].dtype, DType::F32);
  EXPECT_EQ(p.inputs[0].shape, (std::vector<int64_t>{-1, 3, 4, 4}));
  EXPECT_EQ(p.inputs[0].dim_names, (std::vector<std::string>{"N", "", "", ""}));
  EXPECT_EQ(p.local_names, (std::vector<std::string>{"x", "c", "r", "f", "y"}));

  ASSERT_EQ(p.outputs.size(), 1u);
  EXPECT_EQ(p.outputs[0].name, "y");
  EXPECT_EQ(p.outputs[0].dtype, DType::F32);
  EXPECT_EQ(p.outputs[0].shape, (std::vector<int64_t>{-1, 5}));

  EXPECT_EQ(p.constant_names, (std::vector<std::string>{"W", "B", "Wg", "Bg"}));
  EXPECT_EQ(p.constants[0].shape, (std::vector<int64_t>{2, 3, 1, 1}));
  EXPECT_EQ(floats_of(p.constants[0]), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(floats_of(p.constants[1]), (std::vector<float>{0.5f, -0.5f}));  // from float_data
  EXPECT_EQ(p.constants[2].num_elements(), 160);

  const StackOp& conv = nth_op(p, 0);
  EXPECT_EQ(std::get<std::vector<int64_t>>(conv.attrs.at("strides")), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(std::get<std::string>(conv.attrs.at("auto_pad")), "NOTSET");
  EXPECT_EQ(std::get<int64_t>(conv.attrs.at(kOpsetAttr)), 13);
  EXPECT_EQ(conv.loc.file, "chain.onnx");
  EXPECT_EQ(conv.loc.node, "conv1");
  EXPECT_EQ(conv.loc.op_type, "Conv");
  EXPECT_EQ(nth_op(p, 1).loc.node, "#1");
  EXPECT_EQ(std::get<int64_t>(nth_op(p, 2).attrs.at("axis")), 1);
  const StackOp& gemm = nth_op(p, 3);
  EXPECT_EQ(std::get<int64_t>(gemm.attrs.at("transB")), 1);
  EXPECT_EQ(std::get<float>(gemm.attrs.at("alpha")), 0.5f);
  EXPECT_EQ(gemm.attrs.size(), 3u);  // transB, alpha, __opset
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

TEST(OnnxImport, ConstantNodesBecomeConstants) {
  onnx::ModelProto m = new_model(17);
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(2), int64_t(3)});
  using A = onnx::AttributeProto;
  *add_attr(add_node(g, "Constant", {}, {"shape"}, "k0"), "value", A::TENSOR)->mutable_t() =
      i64_tensor("", {2}, {3, 2});
  add_attr(add_node(g, "Constant", {}, {"scale"}), "value_float", A::FLOAT)->set_f(2.5f);
  add_attr(add_node(g, "Constant", {}, {"one"}), "value_int", A::INT)->set_i(1);
  auto* ints = add_attr(add_node(g, "Constant", {}, {"axes"}), "value_ints", A::INTS);
  ints->add_ints(0);
  ints->add_ints(-1);
  auto* fl = add_attr(add_node(g, "Constant", {}, {"fl"}), "value_floats", A::FLOATS);
  fl->add_floats(1.5f);
  add_node(g, "Reshape", {"x", "shape"}, {"r"}, "reshape");
  add_node(g, "Mul", {"r", "scale"}, {"y"}, "mul");
  add_output(g, "y", TP::FLOAT, {int64_t(3), int64_t(2)});
  add_output(g, "axes", TP::INT64, {int64_t(2)});  // a constant as a graph output

  StackProgram p = import_onnx_model(m, "const.onnx");
  std::vector<std::string> want = {"get x",   "const shape", "Reshape 2->1", "set r", "get r",
                                   "const scale", "Mul 2->1", "set y", "get y", "const axes"};
  EXPECT_EQ(dump(p), want);
  EXPECT_EQ(p.constant_names, (std::vector<std::string>{"shape", "scale", "one", "axes", "fl"}));
  const Tensor& shape = p.constants[0];
  EXPECT_EQ(shape.dtype, DType::I64);
  EXPECT_EQ(shape.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(shape.int_at(0), 3);
  EXPECT_EQ(shape.int_at(1), 2);
  EXPECT_EQ(p.constants[1].dtype, DType::F32);
  EXPECT_TRUE(p.constants[1].shape.empty());  // value_float: a scalar
  EXPECT_EQ(p.constants[1].float_at(0), 2.5);
  EXPECT_EQ(p.constants[2].dtype, DType::I64);
  EXPECT_TRUE(p.constants[2].shape.empty());
  EXPECT_EQ(p.constants[2].int_at(0), 1);
  EXPECT_EQ(p.constants[3].shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(p.constants[3].int_at(1), -1);
  EXPECT_EQ(p.constants[4].shape, (std::vector<int64_t>{1}));
  EXPECT_EQ(p.constants[4].float_at(0), 1.5);
  EXPECT_EQ(std::get<int64_t>(nth_op(p, 0).attrs.at(kOpsetAttr)), 17);
  ASSERT_EQ(p.outputs.size(), 2u);
  EXPECT_EQ(p.outputs[1].dtype, DType::I64);
}

TEST(OnnxImport, StringConstantIsRejected) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_attr(add_node(g, "Constant", {}, {"s"}, "str"), "value_string", onnx::AttributeProto::STRING)->set_s("hi");
  add_output(g, "s", TP::STRING, {});
  std::string e = error_of([&] { import_onnx_model(m, "s.onnx"); });
  EXPECT_NE(e.find("node 'str'"), std::string::npos) << e;
  EXPECT_NE(e.find("string constants"), std::string::npos) << e;
}

TEST(OnnxImport, TypedDataFieldsOfEveryDtype) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  struct Case { const char* name; int elem; DType dtype; std::vector<int32_t> vals; std::vector<uint8_t> bytes; };
  std::vector<Case> cases = {
      {"i8", TP::INT8, DType::I8, {-1, 2}, {0xff, 0x02}},
      {"u8", TP::UINT8, DType::U8, {255, 7}, {0xff, 0x07}},
      {"b", TP::BOOL, DType::Bool, {0, 5}, {0x00, 0x01}},
      {"i32", TP::INT32, DType::I32, {-2, 0}, {0xfe, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
      {"h", TP::FLOAT16, DType::F16, {0x3c00, 0xc000}, {0x00, 0x3c, 0x00, 0xc0}},  // 1.0, -2.0
  };
  for (const Case& c : cases) {
    TP* t = g->add_initializer();
    t->set_name(c.name);
    t->set_data_type(c.elem);
    t->add_dims(2);
    for (int32_t v : c.vals) t->add_int32_data(v);
    add_output(g, c.name, c.elem, {int64_t(2)});
  }
  *g->add_initializer() = i64_tensor("i64", {2}, {-5, 1LL << 40});
  add_output(g, "i64", TP::INT64, {int64_t(2)});
  StackProgram p = import_onnx_model(m, "typed.onnx");
  ASSERT_EQ(p.constants.size(), cases.size() + 1);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(p.constants[i].dtype, cases[i].dtype) << cases[i].name;
    EXPECT_EQ(p.constants[i].data, cases[i].bytes) << cases[i].name;
  }
  EXPECT_EQ(p.constants[4].float_at(0), 1.0);
  EXPECT_EQ(p.constants[4].float_at(1), -2.0);
  EXPECT_EQ(p.constants[5].int_at(1), 1LL << 40);
  EXPECT_EQ(p.outputs[2].dtype, DType::Bool);
  EXPECT_EQ(dump(p).size(), cases.size() + 1);  // one PushConst per output
}

TEST(OnnxImport, UnsupportedElementTypeIsRejectedClearly) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  TP* t = g->add_initializer();
  t->set_name("d");
  t->set_data_type(TP::COMPLEX64);
  t->add_float_data(1.0);
  t->add_float_data(2.0);
  t->add_dims(1);
  std::string e = error_of([&] { import_onnx_model(m, "d.onnx"); });
  EXPECT_NE(e.find("d.onnx"), std::string::npos) << e;
  EXPECT_NE(e.find("'d'"), std::string::npos) << e;
  EXPECT_NE(e.find("COMPLEX64"), std::string::npos) << e;
}

TEST(OnnxImport, DataSizeMismatchIsAnError) {
  onnx::ModelProto m = new_model();
  *m.mutable_graph()->add_initializer() = f32_tensor("w", {2, 2}, {1, 2, 3});
  std::string e = error_of([&] { import_onnx_model(m, "m.onnx"); });
  EXPECT_NE(e.find("raw_data holds 12 but the shape needs 16 bytes"), std::string::npos) << e;
  m = new_model();
  *m.mutable_graph()->add_initializer() = f32_tensor("w", {3}, {1, 2}, /*raw=*/false);
  e = error_of([&] { import_onnx_model(m, "m.onnx"); });
  EXPECT_NE(e.find("float_data holds 2 but the shape needs 3"), std::string::npos) << e;
}

TEST(OnnxImport, InputThatIsAlsoInitializerIsAConstant) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(2)});
  add_input(g, "w", TP::FLOAT, {int64_t(2)});
  *g->add_initializer() = f32_tensor("w", {2}, {1, 2});
  add_node(g, "Add", {"x", "w"}, {"y"});
  add_output(g, "y", TP::FLOAT, {int64_t(2)});
  StackProgram p = import_onnx_model(m, "m.onnx");
  ASSERT_EQ(p.inputs.size(), 1u);
  EXPECT_EQ(dump(p), (std::vector<std::string>{"get x", "const w", "Add 2->1", "set y", "get y"}));
}

//===----------------------------------------------------------------------===//
// Graph order, optional inputs and outputs
//===----------------------------------------------------------------------===//

TEST(OnnxImport, UnsortedGraphIsSortedStably) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(4)});
  add_node(g, "Add", {"a", "b"}, {"y"}, "join");  // needs both branches
  add_node(g, "Neg", {"a"}, {"b"}, "neg");
  add_node(g, "Exp", {"x"}, {"e"}, "exp");        // independent, ready first
  add_node(g, "Relu", {"x"}, {"a"}, "relu");
  add_output(g, "y", TP::FLOAT, {int64_t(4)});
  add_output(g, "e", TP::FLOAT, {int64_t(4)});
  StackProgram p = import_onnx_model(m, "unsorted.onnx");
  std::vector<std::string> want = {"get x", "Exp 1->1",  "set e", "get x", "Relu 1->1", "set a", "get a",
                                   "Neg 1->1", "set b", "get a", "get b", "Add 2->1", "set y", "get y",
                                   "get e"};
  EXPECT_EQ(dump(p), want);
  EXPECT_EQ(nth_op(p, 3).loc.node, "join");
}

TEST(OnnxImport, CycleIsAnError) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(4)});
  add_node(g, "Add", {"x", "b"}, {"a"}, "first");
  add_node(g, "Relu", {"a"}, {"b"}, "second");
  add_output(g, "b", TP::FLOAT, {int64_t(4)});
  std::string e = error_of([&] { import_onnx_model(m, "cyc.onnx"); });
  EXPECT_NE(e.find("cyc.onnx: node 'first' (Add)"), std::string::npos) << e;
  EXPECT_NE(e.find("cycle"), std::string::npos) << e;
}

TEST(OnnxImport, UndefinedInputAndDuplicateOutputAreErrors) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(4)});
  add_node(g, "Add", {"x", "nowhere"}, {"y"}, "add");
  add_output(g, "y", TP::FLOAT, {int64_t(4)});
  std::string e = error_of([&] { import_onnx_model(m, "u.onnx"); });
  EXPECT_NE(e.find("node 'add' (Add): input 'nowhere' is not defined"), std::string::npos) << e;

  add_node(g, "Relu", {"x"}, {"y"}, "again");
  e = error_of([&] { import_onnx_model(m, "u.onnx"); });
  EXPECT_NE(e.find("node 'again' (Relu): value 'y' is also produced by node 'add'"), std::string::npos) << e;
}

TEST(OnnxImport, OptionalInputsAndOutputs) {
  onnx::ModelProto m = new_model(11);
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(4)});
  *g->add_initializer() = f32_tensor("hi", {}, {6});
  add_node(g, "Clip", {"x", "", "hi"}, {"c"}, "clip");                  // min omitted
  add_node(g, "Dropout", {"c"}, {"d", ""}, "drop");                     // trailing output omitted
  add_node(g, "Split", {"d"}, {"s0", "", "s2"}, "split");              // middle output omitted
  add_output(g, "s2", TP::FLOAT, {int64_t(1)});
  StackProgram p = import_onnx_model(m, "opt.onnx");
  std::vector<std::string> want = {"get x", "none", "const hi", "Clip 3->1", "set c",
                                   "get c", "Dropout 1->1", "set d",
                                   "get d", "Split 1->3", "set s2", "set __discard", "set s0",
                                   "get s2"};
  EXPECT_EQ(dump(p), want);
  EXPECT_EQ(std::get<int64_t>(nth_op(p, 0).attrs.at(kOpsetAttr)), 11);
}

TEST(OnnxImport, OutputTypeFromValueInfoOrUnknown) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::INT32, {std::string(""), int64_t(2)});
  add_node(g, "Neg", {"x"}, {"y"});
  add_node(g, "Abs", {"x"}, {"z"});
  g->add_output()->set_name("y");                       // untyped: look in value_info
  set_type(g->add_value_info(), "y", TP::INT32, {int64_t(7)});
  g->add_output()->set_name("z");                       // untyped everywhere
  StackProgram p = import_onnx_model(m, "vi.onnx");
  EXPECT_EQ(p.inputs[0].shape, (std::vector<int64_t>{-1, 2}));
  EXPECT_EQ(p.inputs[0].dim_names, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(p.outputs[0].dtype, DType::I32);
  EXPECT_EQ(p.outputs[0].shape, (std::vector<int64_t>{7}));
  EXPECT_EQ(p.outputs[1].name, "z");
  EXPECT_EQ(p.outputs[1].dtype, DType::Undefined);
}

TEST(OnnxImport, AttributeKinds) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(4)});
  auto* n = add_node(g, "Custom", {"x"}, {"y"}, "c");
  using A = onnx::AttributeProto;
  add_attr(n, "i", A::INT)->set_i(-3);
  add_attr(n, "f", A::FLOAT)->set_f(0.25f);
  add_attr(n, "s", A::STRING)->set_s("abc");
  attr_ints(n, "is", {1, 2, 3});
  auto* fs_ = add_attr(n, "fs", A::FLOATS);
  fs_->add_floats(1.5f);
  *add_attr(n, "t", A::TENSOR)->mutable_t() = i64_tensor("t", {1}, {9});
  auto* untyped = n->add_attribute();  // old exporters leave type UNDEFINED
  untyped->set_name("old");
  untyped->set_i(4);
  add_output(g, "y", TP::FLOAT, {int64_t(4)});
  StackProgram p = import_onnx_model(m, "a.onnx");
  const AttrMap& a = nth_op(p, 0).attrs;
  EXPECT_EQ(std::get<int64_t>(a.at("i")), -3);
  EXPECT_EQ(std::get<float>(a.at("f")), 0.25f);
  EXPECT_EQ(std::get<std::string>(a.at("s")), "abc");
  EXPECT_EQ(std::get<std::vector<int64_t>>(a.at("is")), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(std::get<std::vector<float>>(a.at("fs")), (std::vector<float>{1.5f}));
  EXPECT_EQ(std::get<Tensor>(a.at("t")).int_at(0), 9);
  EXPECT_EQ(std::get<int64_t>(a.at("old")), 4);

  auto* strs = add_attr(n, "acts", A::STRINGS);
  strs->add_strings("Tanh");
  std::string e = error_of([&] { import_onnx_model(m, "a.onnx"); });
  EXPECT_NE(e.find("node 'c' (Custom): attribute 'acts' has kind STRINGS"), std::string::npos) << e;
}

//===----------------------------------------------------------------------===//
// Unsupported constructs
//===----------------------------------------------------------------------===//

TEST(OnnxImport, NonDefaultDomainIsAnError) {
  onnx::ModelProto m = new_model();
  auto* ms = m.add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(1);
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(4)});
  add_node(g, "FusedGelu", {"x"}, {"y"}, "gelu")->set_domain("com.microsoft");
  add_output(g, "y", TP::FLOAT, {int64_t(4)});
  std::string e = error_of([&] { import_onnx_model(m, "ms.onnx"); });
  EXPECT_NE(e.find("ms.onnx: node 'gelu' (FusedGelu)"), std::string::npos) << e;
  EXPECT_NE(e.find("domain 'com.microsoft'"), std::string::npos) << e;

  g->mutable_node(0)->set_domain("ai.onnx");  // the default domain spelled out is fine
  EXPECT_NO_THROW(import_onnx_model(m, "ms.onnx"));
}

// If with branches that read the outer x: the branches become the arms of if/else/end.
onnx::ModelProto if_model(bool else_is_shorter) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "c", TP::BOOL, {});
  add_input(g, "x", TP::FLOAT, {int64_t(4)});
  auto* n = add_node(g, "If", {"c"}, {"y"}, "branch");
  for (const char* arm : {"then_branch", "else_branch"}) {
    auto* a = add_attr(n, arm, onnx::AttributeProto::GRAPH);
    auto* sub = a->mutable_g();
    std::string out = std::string(arm) + "_y";
    if (else_is_shorter && arm[0] == 'e') {
      *sub->add_initializer() = f32_tensor(out, {2}, {1, 2});
    } else {
      add_node(sub, "Relu", {"x"}, {out});  // reads outer-scope x
    }
    add_output(sub, out, TP::FLOAT, {int64_t(4)});
  }
  add_output(g, "y", TP::FLOAT, {int64_t(4)});
  return m;
}

TEST(OnnxImport, IfBranchesBecomeStructuredArms) {
  StackProgram p = import_onnx_model(if_model(false), "if.onnx");
  std::vector<StackOpKind> kinds;
  for (const StackOp& op : p.code) kinds.push_back(op.kind);
  using K = StackOpKind;
  // c; if; x; Relu; set then_y; get then_y; else; (the same for else_y); end; set y; get y
  EXPECT_EQ(kinds, (std::vector<K>{K::LocalGet, K::If, K::LocalGet, K::Op, K::LocalSet, K::LocalGet, K::Else,
                                   K::LocalGet, K::Op, K::LocalSet, K::LocalGet, K::End, K::LocalSet, K::LocalGet}));
  EXPECT_EQ(p.code[2].index, 1);  // the outer x
}

TEST(OnnxImport, IfBranchesOfDifferentShapesAreACompileError) {
  std::string e = error_of([&] { compile_program(import_onnx_model(if_model(true), "if.onnx"), CompileOptions{}); });
  EXPECT_NE(e.find("different types or shapes"), std::string::npos) << e;
  EXPECT_NE(e.find("[4] vs f32 [2]"), std::string::npos) << e;
}

// Loop(M, "", v) with a scan output: M must be known at compile time.
TEST(OnnxImport, LoopScanOutputsNeedAConstantTripCount) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "M", TP::INT64, {});
  add_input(g, "v", TP::FLOAT, {int64_t(2)});
  auto* n = add_node(g, "Loop", {"M", "", "v"}, {"v_final", "vs"}, "counted");
  auto* body = add_attr(n, "body", onnx::AttributeProto::GRAPH)->mutable_g();
  add_input(body, "i", TP::INT64, {});
  add_input(body, "c", TP::BOOL, {});
  add_input(body, "v_in", TP::FLOAT, {int64_t(2)});
  add_node(body, "Identity", {"c"}, {"c_out"});
  add_node(body, "Relu", {"v_in"}, {"v_out"});
  add_node(body, "Identity", {"v_out"}, {"scan"});
  add_output(body, "c_out", TP::BOOL, {});
  add_output(body, "v_out", TP::FLOAT, {int64_t(2)});
  add_output(body, "scan", TP::FLOAT, {int64_t(2)});
  add_output(g, "v_final", TP::FLOAT, {int64_t(2)});
  add_output(g, "vs", TP::FLOAT, {int64_t(3), int64_t(2)});
  StackProgram p = import_onnx_model(m, "loop.onnx");
  // The imported loop reads back from its .aivs text.
  std::string text = print_stack_asm(p);
  EXPECT_NE(text.find("loop collect=1"), std::string::npos) << text;
  EXPECT_EQ(print_stack_asm(parse_stack_asm(text, "loop.onnx")), text);
  std::string e = error_of([&] { compile_program(p, CompileOptions{}); });
  EXPECT_NE(e.find("node 'counted' (Loop)"), std::string::npos) << e;
  EXPECT_NE(e.find("must be a constant"), std::string::npos) << e;
  // Bound at compile time, it compiles.
  CompileOptions bound;
  Tensor three;
  three.dtype = DType::I64;
  three.data.resize(8);
  int64_t v = 3;
  std::memcpy(three.data.data(), &v, 8);
  bound.bound_inputs["M"] = three;
  EXPECT_EQ(compile_program(p, bound).outputs[1].shape, (std::vector<int64_t>{3, 2}));
}

TEST(OnnxImport, MissingDefaultOpsetIsAnError) {
  onnx::ModelProto m = new_model();
  m.clear_opset_import();
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(4)});
  add_node(g, "Relu", {"x"}, {"y"}, "r");
  add_output(g, "y", TP::FLOAT, {int64_t(4)});
  std::string e = error_of([&] { import_onnx_model(m, "o.onnx"); });
  EXPECT_NE(e.find("node 'r' (Relu): the model imports no opset"), std::string::npos) << e;
}

//===----------------------------------------------------------------------===//
// Files: external data, bad files
//===----------------------------------------------------------------------===//

TP external_f32(const std::string& name, const std::vector<int64_t>& dims, const std::string& location,
                int64_t offset, int64_t length) {
  TP t;
  t.set_name(name);
  t.set_data_type(TP::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  t.set_data_location(TP::EXTERNAL);
  auto kv = [&](const char* k, const std::string& v) {
    auto* e = t.add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  kv("location", location);
  if (offset >= 0) kv("offset", std::to_string(offset));
  if (length >= 0) kv("length", std::to_string(length));
  return t;
}

onnx::ModelProto external_model(const std::string& location, int64_t offset, int64_t length) {
  onnx::ModelProto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", TP::FLOAT, {int64_t(3)});
  *g->add_initializer() = external_f32("w", {3}, location, offset, length);
  add_node(g, "Mul", {"x", "w"}, {"y"}, "mul");
  add_output(g, "y", TP::FLOAT, {int64_t(3)});
  return m;
}

TEST(OnnxImport, ExternalData) {
  TempDir dir;
  fs::create_directories(dir.path / "weights");
  float w[4] = {9, 1.5f, 2.5f, 3.5f};  // w lives at offset 4
  dir.write("weights/w.bin", std::string(reinterpret_cast<const char*>(w), sizeof w));

  std::string path = dir.write("m.onnx", external_model("weights/w.bin", 4, 12).SerializeAsString());
  StackProgram p = import_onnx_file(path);
  ASSERT_EQ(p.constants.size(), 1u);
  EXPECT_EQ(floats_of(p.constants[0]), (std::vector<float>{1.5f, 2.5f, 3.5f}));
  EXPECT_EQ(dump(p), (std::vector<std::string>{"get x", "const w", "Mul 2->1", "set y", "get y"}));

  // No length: the rest of the file from the offset.
  path = dir.write("m2.onnx", external_model("weights/w.bin", 4, -1).SerializeAsString());
  EXPECT_EQ(floats_of(import_onnx_file(path).constants[0]), (std::vector<float>{1.5f, 2.5f, 3.5f}));

  struct Bad { std::string location; int64_t offset, length; const char* message; };
  std::vector<Bad> bad = {
      {"weights/w.bin", 0, -1, "external data holds 16 but the shape needs 12 bytes"},
      {"weights/w.bin", 8, 12, "runs past the end"},
      {"weights/w.bin", 40, -1, "is past the end"},
      {"missing.bin", 0, 12, "cannot read external data file"},
      {"../w.bin", 0, 12, "leaves the model's directory"},
      {"/etc/passwd", 0, 12, "must be a relative path"},
  };
  for (const Bad& b : bad) {
    path = dir.write("bad.onnx", external_model(b.location, b.offset, b.length).SerializeAsString());
    std::string e = error_of([&] { import_onnx_file(path); });
    EXPECT_NE(e.find(path), std::string::npos) << e;
    EXPECT_NE(e.find("tensor 'w'"), std::string::npos) << e;
    EXPECT_NE(e.find(b.message), std::string::npos) << b.location << ": " << e;
  }
}

TEST(OnnxImport, BadFiles) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> files = {
      {"empty.onnx", ""},
      {"text.onnx", "this is not a protobuf at all\n"},
      {"junk.onnx", std::string("\xff\xff\xff\xff\x0f\x12\x34", 7)},
  };
  for (const auto& [name, bytes] : files) {
    std::string path = dir.write(name, bytes);
    std::string e = error_of([&] { import_onnx_file(path); });
    EXPECT_NE(e.find(path), std::string::npos) << e;
    EXPECT_NE(e.find("not an ONNX model"), std::string::npos) << name << ": " << e;
  }
  std::string e = error_of([&] { import_onnx_file((dir.path / "absent.onnx").string()); });
  EXPECT_NE(e.find("cannot open"), std::string::npos) << e;
  e = error_of([&] { import_onnx_file(dir.path.string()); });
  EXPECT_NE(e.find("directory"), std::string::npos) << e;
}

// The checked-in model (tests/compiler/data/make_tiny_cnn_onnx.cc writes it).
TEST(OnnxImport, TinyCnnFromTestData) {
  std::string path = std::string(AIVM_SOURCE_DIR) + "/tests/compiler/data/tiny_cnn.onnx";
  StackProgram p = import_onnx_file(path);
  std::vector<std::string> want = {"get x", "const W", "const B", "Conv 3->1", "set c",
                                   "get c", "Relu 1->1", "set h",
                                   "get h", "const shape", "Reshape 2->1", "set f",
                                   "get f", "const Wg", "Gemm 2->1", "set y", "get y"};
  EXPECT_EQ(dump(p), want);
  EXPECT_EQ(p.inputs[0].dim_names[0], "N");
  EXPECT_EQ(p.constants[2].float_at(63), 63 * 0.25);
  EXPECT_EQ(nth_op(p, 0).loc.describe(), path + ": node 'conv1' (Conv)");
}

// Every prefix and many single-byte corruptions of a valid model either import or throw a
// CompileError; nothing crashes (run under AIVM_SANITIZE for the full value).
TEST(OnnxImport, CorruptedModelsNeverCrash) {
  std::string good = conv_relu_gemm().SerializeAsString();
  auto try_bytes = [](const std::string& bytes) {
    onnx::ModelProto m;
    if (!m.ParseFromString(bytes)) return;
    try {
      import_onnx_model(m, "fuzz.onnx");
    } catch (const CompileError&) {
    }
  };
  for (size_t n = 0; n < good.size(); n += 7) try_bytes(good.substr(0, n));
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    std::string b = good;
    b[rng() % b.size()] = char(rng());
    try_bytes(b);
  }
  SUCCEED();
}

}  // namespace
}  // namespace aivm::compiler
