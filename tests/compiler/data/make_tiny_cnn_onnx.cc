// Writes tiny_cnn.onnx, the ONNX twin of tiny_cnn.aivs without the If (Conv 1x1 -> Relu ->
// Reshape -> Gemm, opset 13, batch dim "N"). Not part of the build; regenerate with:
//   g++ -std=c++20 -DONNX_ML=1 -DONNX_NAMESPACE=onnx make_tiny_cnn_onnx.cc -lonnx_proto -lprotobuf -o /tmp/mk
//   /tmp/mk tiny_cnn.onnx
#include <onnx/onnx_pb.h>

#include <fstream>
#include <string>
#include <vector>

namespace {

using TP = onnx::TensorProto;

void value(onnx::ValueInfoProto* v, const std::string& name, const std::vector<std::string>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(TP::FLOAT);
  for (const auto& d : dims) {
    auto* dim = tt->mutable_shape()->add_dim();
    if (d[0] >= '0' && d[0] <= '9') dim->set_dim_value(std::stoll(d));
    else dim->set_dim_param(d);
  }
}

TP* tensor(onnx::GraphProto* g, const std::string& name, int type, const std::vector<int64_t>& dims) {
  TP* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  return t;
}

onnx::NodeProto* node(onnx::GraphProto* g, const char* op, const char* name, std::vector<std::string> in,
                      std::string out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (auto& s : in) n->add_input(s);
  n->add_output(out);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("aivm tests/compiler/data/make_tiny_cnn_onnx.cc");
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("tiny_cnn");
  value(g->add_input(), "x", {"N", "3", "4", "4"});
  value(g->add_output(), "y", {"N", "2"});
  TP* w = tensor(g, "W", TP::FLOAT, {2, 3, 1, 1});
  for (float v : {1, 0, 0, 0, 1, 0}) w->add_float_data(v);
  TP* b = tensor(g, "B", TP::FLOAT, {2});
  b->add_float_data(0.5f);
  b->add_float_data(0.5f);
  TP* wg = tensor(g, "Wg", TP::FLOAT, {2, 32});
  for (int i = 0; i < 64; ++i) wg->add_float_data(float(i) * 0.25f);
  TP* shape = tensor(g, "shape", TP::INT64, {2});
  shape->add_int64_data(0);
  shape->add_int64_data(-1);
  auto* conv = node(g, "Conv", "conv1", {"x", "W", "B"}, "c");
  auto* strides = conv->add_attribute();
  strides->set_name("strides");
  strides->set_type(onnx::AttributeProto::INTS);
  strides->add_ints(1);
  strides->add_ints(1);
  node(g, "Relu", "relu", {"c"}, "h");
  node(g, "Reshape", "flatten", {"h", "shape"}, "f");
  auto* gemm = node(g, "Gemm", "fc", {"f", "Wg"}, "y");
  auto* transb = gemm->add_attribute();
  transb->set_name("transB");
  transb->set_type(onnx::AttributeProto::INT);
  transb->set_i(1);
  std::ofstream out(argc > 1 ? argv[1] : "tiny_cnn.onnx", std::ios::binary);
  return m.SerializeToOstream(&out) ? 0 : 1;
}
