// ONNX importer: graph -> stack program. See onnx_import.h for what is emitted.
//
// Structure: a GraphImporter walks one graph in topological order, keeping a Scope that maps
// every ONNX value name to where it lives (a local or a constant). Scopes chain to a parent so
// that control-flow subgraphs (If/Loop/Scan) emit their body into a structured block while
// still reading the outer graph's values; the topological sort accounts for the outer values
// a subgraph reads.
#include "compiler/onnx/onnx_import.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <queue>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "compiler/onnx/decompose.h"
#include "compiler/onnx/onnx_convert.h"
#include "compiler/ops/op_rules.h"

namespace aivm::compiler {
namespace {

using onnx_import::ImportContext;
using A = onnx::AttributeProto;

//===----------------------------------------------------------------------===//
// Topological order
//===----------------------------------------------------------------------===//

bool is_graph_attr(const A& a) {
  auto k = onnx_import::attr_kind(a);
  return k == A::GRAPH || k == A::GRAPHS;
}

void collect_outer_refs(const onnx::GraphProto& g, std::set<std::string>& out);

// Every value name |node| reads: its inputs, plus the outer-scope values its subgraphs use.
std::vector<std::string> node_reads(const onnx::NodeProto& node) {
  std::vector<std::string> reads(node.input().begin(), node.input().end());
  std::set<std::string> outer;
  for (const auto& a : node.attribute()) {
    if (!is_graph_attr(a)) continue;
    if (a.has_g()) collect_outer_refs(a.g(), outer);
    for (const auto& g : a.graphs()) collect_outer_refs(g, outer);
  }
  reads.insert(reads.end(), outer.begin(), outer.end());
  return reads;
}

// Names used inside |g| (and its nested subgraphs) that |g| does not define itself.
void collect_outer_refs(const onnx::GraphProto& g, std::set<std::string>& out) {
  std::unordered_set<std::string> defined;
  for (const auto& v : g.input()) defined.insert(v.name());
  for (const auto& t : g.initializer()) defined.insert(t.name());
  for (const auto& n : g.node()) defined.insert(n.output().begin(), n.output().end());
  auto use = [&](const std::string& name) {
    if (!name.empty() && !defined.count(name)) out.insert(name);
  };
  for (const auto& n : g.node())
    for (const auto& name : node_reads(n)) use(name);
  for (const auto& v : g.output()) use(v.name());
}

SourceLoc node_loc(const std::string& file, const onnx::NodeProto& node, int index) {
  SourceLoc loc;
  loc.file = file;
  loc.node = node.name();
  if (loc.node.empty()) loc.node.append("#").append(std::to_string(index));
  loc.op_type = node.op_type();
  return loc;
}

// Kahn's algorithm, always taking the lowest-numbered ready node, so a graph that is already
// sorted keeps its order exactly. Inputs no node produces are left for the emitter to resolve
// (graph inputs, initializers, outer scope, or an error there).
std::vector<int> topological_order(const onnx::GraphProto& g, const std::string& file) {
  const int n = g.node_size();
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < n; ++i)
    for (const auto& out : g.node(i).output()) {
      if (out.empty()) continue;
      auto [it, fresh] = producer.emplace(out, i);
      if (!fresh)
        throw CompileError(node_loc(file, g.node(i), i),
                           "value '" + out + "' is also produced by node '" +
                               node_loc(file, g.node(it->second), it->second).node + "'");
    }
  std::vector<int> indegree(size_t(n), 0);
  std::vector<std::vector<int>> users(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    for (const auto& name : node_reads(g.node(i))) {
      auto it = producer.find(name);
      if (it == producer.end()) continue;
      users[size_t(it->second)].push_back(i);
      ++indegree[size_t(i)];
    }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < n; ++i)
    if (indegree[size_t(i)] == 0) ready.push(i);
  std::vector<int> order;
  order.reserve(size_t(n));
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int u : users[size_t(i)])
      if (--indegree[size_t(u)] == 0) ready.push(u);
  }
  if (int(order.size()) != n) {
    for (int i = 0; i < n; ++i)
      if (indegree[size_t(i)] > 0)
        throw CompileError(node_loc(file, g.node(i), i), "graph has a cycle through this node");
  }
  return order;
}

//===----------------------------------------------------------------------===//
// Scopes
//===----------------------------------------------------------------------===//

// Where an ONNX value lives in the stack program.
struct Binding {
  enum Kind : uint8_t { Local, Const } kind;
  int64_t index;
};

struct Scope {
  const Scope* parent = nullptr;
  std::unordered_map<std::string, Binding> values;

  const Binding* find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->values.find(name);
      if (it != s->values.end()) return &it->second;
    }
    return nullptr;
  }
};

//===----------------------------------------------------------------------===//
// Graph importer
//===----------------------------------------------------------------------===//

class GraphImporter {
 public:
  GraphImporter(const onnx::ModelProto& model, ImportContext ctx) : model_(model), ctx_(std::move(ctx)) {}

  StackProgram run() {
    prog_.source = ctx_.file;
    if (!model_.has_graph()) throw CompileError(file_loc(), "not an ONNX model (no graph)");
    find_opset();
    const onnx::GraphProto& g = model_.graph();
    Scope scope;
    record_declared_types(g);
    import_initializers(g, scope);
    import_inputs(g, scope);
    emit_body(g, scope);
    emit_outputs(g, scope);
    return std::move(prog_);
  }

 private:
  SourceLoc file_loc() const {
    SourceLoc loc;
    loc.file = ctx_.file;
    return loc;
  }

  void find_opset() {
    for (const auto& op : model_.opset_import())
      if (op.domain().empty() || op.domain() == "ai.onnx") {
        opset_ = op.version();
        return;
      }
  }

  void bind(Scope& scope, const std::string& name, Binding b, const SourceLoc& loc) {
    if (name.empty()) throw CompileError(loc, "a value has an empty name");
    if (!scope.values.emplace(name, b).second) throw CompileError(loc, "value '" + name + "' is defined twice");
  }

  int64_t add_constant(Tensor t, const std::string& name) {
    prog_.constants.push_back(std::move(t));
    prog_.constant_names.push_back(name);
    return int64_t(prog_.constants.size()) - 1;
  }

  int64_t new_local(const std::string& name) {
    prog_.local_names.push_back(name);
    return int64_t(prog_.local_names.size()) - 1;
  }

  void emit(StackOpKind kind, int64_t index, const SourceLoc& loc) {
    StackOp op;
    op.kind = kind;
    op.index = index;
    op.loc = loc;
    prog_.code.push_back(std::move(op));
  }

  // ---- signature and constants ----

  void import_initializers(const onnx::GraphProto& g, Scope& scope) {
    SourceLoc loc = file_loc();
    if (g.sparse_initializer_size() > 0)
      throw CompileError(loc, "sparse initializer '" + g.sparse_initializer(0).values().name() +
                                  "' is not supported");
    for (const auto& init : g.initializer()) {
      int64_t c = add_constant(onnx_import::tensor_from_onnx(init, ctx_, loc), init.name());
      bind(scope, init.name(), {Binding::Const, c}, loc);
    }
  }

  // Inputs that are also initializers (IR < 4 style, or overridable defaults) stay constants.
  void import_inputs(const onnx::GraphProto& g, Scope& scope) {
    SourceLoc loc = file_loc();
    for (const auto& in : g.input()) {
      if (scope.values.count(in.name())) continue;
      prog_.inputs.push_back(onnx_import::spec_from_value_info(in, loc, /*require_shape=*/true));
      bind(scope, in.name(), {Binding::Local, new_local(in.name())}, loc);
    }
  }

  // ---- nodes ----

  void emit_body(const onnx::GraphProto& g, Scope& scope) {
    for (int i : topological_order(g, ctx_.file)) emit_node(g.node(i), i, scope);
  }

  void emit_node(const onnx::NodeProto& node, int index, Scope& scope) {
    SourceLoc loc = node_loc(ctx_.file, node, index);
    loc.node.insert(0, subgraph_path_);
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      throw CompileError(loc, "operator domain '" + node.domain() + "' is not supported (only the default ONNX domain is)");
    if (opset_ <= 0) throw CompileError(loc, "the model imports no opset for the default ONNX domain");
    emit_node_at(node, loc, opset_, scope, 0);
  }

  // Emits |node| written against |opset|. An op without a rule is replaced by its expansion
  // (compiler/onnx/decompose.h), whose nodes are emitted here in turn at the expansion's opset;
  // their errors name the original node, with op type "<Op> > <inner op>".
  void emit_node_at(const onnx::NodeProto& node, const SourceLoc& loc, int64_t opset, Scope& scope, int depth) {
    for (const auto& a : node.attribute())
      if (is_graph_attr(a)) return emit_control_flow(node, loc, scope);
    if (node.op_type() == "Constant") return emit_constant_node(node, loc, scope);
    if (!find_op_rule(node.op_type())) {
      // Bodies nest a few levels (SoftmaxCrossEntropyLoss > NegativeLogLikelihoodLoss); a
      // deeper chain would be a body that expands to itself.
      if (depth > 8) throw CompileError(loc, "operator expansion nests too deeply");
      auto expansion = onnx_import::expand_node(node, opset, declared_input_types(node), expansions_++, loc);
      if (expansion) {
        for (const onnx::NodeProto& inner : expansion->nodes) {
          SourceLoc inner_loc = loc;
          inner_loc.op_type += " > " + inner.op_type();
          emit_node_at(inner, inner_loc, expansion->opset, scope, depth + 1);
        }
        return;
      }
    }
    for (const auto& name : node.input()) push_value(name, scope, loc);
    emit_op(node, loc, opset);
    store_outputs(node, loc, scope);
    // A Cast's result type is its 'to': later expansions may need it (DynamicQuantizeLinear's
    // body casts the zero point it computes, then quantizes with it).
    if (node.op_type() == "Cast" && node.output_size() == 1)
      for (const auto& a : node.attribute())
        if (a.name() == "to") declared_[node.output(0)] = {int32_t(a.i()), -1, {}};
  }

  // The element types and ranks of |node|'s inputs where the model declares them: some
  // expansions depend on them.
  std::vector<onnx_import::DeclaredType> declared_input_types(const onnx::NodeProto& node) const {
    std::vector<onnx_import::DeclaredType> types;
    for (const auto& name : node.input()) {
      auto it = declared_.find(name);
      types.push_back(it == declared_.end() ? onnx_import::DeclaredType{} : it->second);
    }
    return types;
  }

  void record_declared_types(const onnx::GraphProto& g) {
    auto record = [&](const onnx::ValueInfoProto& v) {
      if (!v.type().has_tensor_type()) return;
      const auto& t = v.type().tensor_type();
      onnx_import::DeclaredType d{t.elem_type(), t.has_shape() ? t.shape().dim_size() : -1, {}};
      if (t.has_shape())
        for (const auto& dim : t.shape().dim()) d.dims.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
      declared_[v.name()] = std::move(d);
    };
    for (const auto& v : g.input()) record(v);
    for (const auto& v : g.value_info()) record(v);
    for (const auto& v : g.output()) record(v);
    for (const auto& t : g.initializer())
      declared_[t.name()] = {t.data_type(), t.dims_size(), {t.dims().begin(), t.dims().end()}};
  }

  // Subgraph-carrying ops: their bodies become structured blocks (if/else/end, loop/end) in
  // this program, importing each subgraph in a child Scope so it reads the outer values.
  void emit_control_flow(const onnx::NodeProto& node, const SourceLoc& loc, Scope& scope) {
    const std::string& op = node.op_type();
    if (op == "If") return emit_if(node, loc, scope);
    if (op == "Loop") return emit_loop(node, loc, scope);
    if (op == "Scan") return opset_ >= 9 ? emit_scan9(node, loc, scope) : emit_scan8(node, loc, scope);
    throw CompileError(loc, "operator '" + op + "' with a graph attribute is not supported");
  }

  //===--------------------------------------------------------------------===//
  // Control flow (If, Loop, Scan)
  //===--------------------------------------------------------------------===//

  static const onnx::GraphProto& graph_attr(const onnx::NodeProto& node, const char* name, const SourceLoc& loc) {
    for (const auto& a : node.attribute())
      if (a.name() == name && a.has_g()) return a.g();
    throw CompileError(loc, std::string("missing graph attribute '") + name + "'");
  }

  static std::vector<int64_t> ints_attr(const onnx::NodeProto& node, const char* name, size_t n, int64_t def) {
    for (const auto& a : node.attribute())
      if (a.name() == name) return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    return std::vector<int64_t>(n, def);
  }

  // The subgraph's initializers and nodes, with |child| (whose parent is the outer scope).
  // Its nodes are named "<parent node>><attribute>><node>" in messages and debug names (not
  // "/", which tools read as a path).
  void emit_subgraph(const onnx::GraphProto& g, Scope& child, const SourceLoc& parent, const char* attr) {
    std::string saved = subgraph_path_;
    subgraph_path_ = parent.node + ">" + attr + ">";
    import_initializers(g, child);
    emit_body(g, child);
    subgraph_path_ = saved;
  }

  void push_binding(const Binding& b, const SourceLoc& loc) {
    emit(b.kind == Binding::Local ? StackOpKind::LocalGet : StackOpKind::PushConst, b.index, loc);
  }

  // An internal use of an ONNX operator (a slice of a scan input, a reversal): opset 13 forms.
  void emit_helper_op(const std::string& name, int n_in, AttrMap attrs, const SourceLoc& loc) {
    StackOp op;
    op.kind = StackOpKind::Op;
    op.name = name;
    op.num_inputs = n_in;
    op.num_outputs = 1;
    op.attrs = std::move(attrs);
    op.attrs[kOpsetAttr] = int64_t(13);
    op.loc = loc;
    prog_.code.push_back(std::move(op));
  }

  void push_i64(const std::vector<int64_t>& values, bool scalar, const SourceLoc& loc) {
    Tensor t = scalar_or_list<int64_t>(DType::I64, values, !scalar);
    emit(StackOpKind::PushConst, add_constant(std::move(t), ""), loc);
  }

  void emit_if(const onnx::NodeProto& node, const SourceLoc& loc, Scope& scope) {
    if (node.input_size() != 1) throw CompileError(loc, "If takes one input (the condition)");
    const int n = num_outputs(node);
    push_value(node.input(0), scope, loc);
    emit(StackOpKind::If, 0, loc);
    for (const char* arm : {"then_branch", "else_branch"}) {
      if (arm[0] == 'e') emit(StackOpKind::Else, 0, loc);
      const onnx::GraphProto& g = graph_attr(node, arm, loc);
      if (g.output_size() < n)
        throw CompileError(loc, std::string(arm) + " has " + std::to_string(g.output_size()) + " outputs, the node " +
                                    std::to_string(n));
      Scope child{&scope, {}};
      emit_subgraph(g, child, loc, arm);
      for (int i = 0; i < n; ++i) push_value(g.output(i).name(), child, loc);
    }
    emit(StackOpKind::End, 0, loc);
    store_outputs(node, loc, scope);
  }

  // ONNX Loop: for (i = 0; i < M && cond; ++i) (cond, v...) = body(i, cond, v...), plus scan
  // outputs stacked over the iterations. Loop-carried values live in locals; cond is tested at
  // the top of each iteration (break_unless). Without M the loop is a while loop, bounded at
  // run time by the session's max_loop_iterations.
  void emit_loop(const onnx::NodeProto& node, const SourceLoc& loc, Scope& scope) {
    const onnx::GraphProto& body = graph_attr(node, "body", loc);
    if (node.input_size() < 2) throw CompileError(loc, "Loop needs the inputs M and cond (either may be empty)");
    const int carried = node.input_size() - 2;
    const int scans = body.output_size() - 1 - carried;
    if (body.input_size() != carried + 2 || scans < 0)
      throw CompileError(loc, "Loop body has " + std::to_string(body.input_size()) + " inputs and " +
                                  std::to_string(body.output_size()) + " outputs for " + std::to_string(carried) +
                                  " loop-carried values");
    const bool has_cond = !node.input(1).empty();
    int64_t cond_local = -1;
    if (has_cond) {
      cond_local = new_local(loc.node + ".cond");
      push_value(node.input(1), scope, loc);
      emit_helper_op("Squeeze", 1, {}, loc);  // [] or [1] alike: the carried cond keeps one shape
      emit(StackOpKind::LocalSet, cond_local, loc);
    }
    std::vector<int64_t> state(static_cast<size_t>(carried));
    for (int k = 0; k < carried; ++k) {
      state[size_t(k)] = new_local(body.input(2 + k).name());
      push_value(node.input(2 + k), scope, loc);
      emit(StackOpKind::LocalSet, state[size_t(k)], loc);
    }
    if (!node.input(0).empty()) push_value(node.input(0), scope, loc);
    else push_i64({INT64_MAX}, true, loc);
    StackOp loop;
    loop.kind = StackOpKind::Loop;
    loop.num_outputs = scans;
    loop.loc = loc;
    prog_.code.push_back(std::move(loop));

    Scope child{&scope, {}};
    if (has_cond) {
      emit(StackOpKind::LocalGet, cond_local, loc);
      emit(StackOpKind::BreakUnless, 0, loc);
      bind(child, body.input(1).name(), {Binding::Local, cond_local}, loc);
    } else {
      Tensor t = scalar_or_list<uint8_t>(DType::Bool, {1}, false);
      bind(child, body.input(1).name(), {Binding::Const, add_constant(std::move(t), body.input(1).name())}, loc);
    }
    int64_t iter = new_local(body.input(0).name());
    emit(StackOpKind::LoopIndex, 0, loc);
    emit(StackOpKind::LocalSet, iter, loc);
    bind(child, body.input(0).name(), {Binding::Local, iter}, loc);
    for (int k = 0; k < carried; ++k) bind(child, body.input(2 + k).name(), {Binding::Local, state[size_t(k)]}, loc);
    emit_subgraph(body, child, loc, "body");
    // The next state, as one parallel assignment: push everything, then store.
    if (has_cond) {
      push_value(body.output(0).name(), child, loc);
      emit_helper_op("Squeeze", 1, {}, loc);
    }
    for (int i = 1; i <= carried; ++i) push_value(body.output(i).name(), child, loc);
    for (int k = carried - 1; k >= 0; --k) emit(StackOpKind::LocalSet, state[size_t(k)], loc);
    if (has_cond) emit(StackOpKind::LocalSet, cond_local, loc);
    for (int s = 0; s < scans; ++s) push_value(body.output(1 + carried + s).name(), child, loc);
    emit(StackOpKind::End, 0, loc);

    for (int k = 0; k < carried && k < node.output_size(); ++k)
      if (!node.output(k).empty()) bind(scope, node.output(k), {Binding::Local, state[size_t(k)]}, loc);
    store_stacked(node, carried, scans, loc, scope);
  }

  // Pops |count| stacked values into node outputs first..first+count-1 (or the discard local).
  void store_stacked(const onnx::NodeProto& node, int first, int count, const SourceLoc& loc, Scope& scope) {
    for (int s = count - 1; s >= 0; --s) {
      int i = first + s;
      if (i >= node.output_size() || node.output(i).empty()) {
        emit(StackOpKind::LocalSet, discard_local(), loc);
        continue;
      }
      int64_t l = new_local(node.output(i));
      bind(scope, node.output(i), {Binding::Local, l}, loc);
      emit(StackOpKind::LocalSet, l, loc);
    }
  }

  struct ScanSpec {
    std::vector<Binding> init, inputs;  // initial states, scanned tensors
    std::vector<int64_t> in_axes, in_reverse, out_axes, out_reverse;
  };

  // One scan as a loop over the first scanned input's extent: each iteration Gathers row i (or
  // T-1-i when reversed) of every scanned input, runs the body and collects its scan outputs,
  // which are then reversed and moved to their axis as asked. Returns the locals holding the
  // final states, then the scan outputs.
  std::vector<int64_t> emit_scan_loop(const onnx::GraphProto& body, const ScanSpec& spec, const SourceLoc& loc,
                                      const Scope& scope) {
    const size_t n_state = spec.init.size(), n_in = spec.inputs.size();
    if (n_in == 0) throw CompileError(loc, "Scan needs at least one scan input");
    if (size_t(body.input_size()) != n_state + n_in || size_t(body.output_size()) < n_state)
      throw CompileError(loc, "Scan body's inputs and outputs do not match its states and scan inputs");
    const size_t n_out = size_t(body.output_size()) - n_state;
    if (spec.in_axes.size() != n_in || spec.in_reverse.size() != n_in || spec.out_axes.size() != n_out ||
        spec.out_reverse.size() != n_out)
      throw CompileError(loc, "Scan's axes/directions attributes do not match its inputs and outputs");
    std::vector<int64_t> results;
    for (size_t k = 0; k < n_state; ++k) {
      results.push_back(new_local(body.input(int(k)).name()));
      push_binding(spec.init[k], loc);
      emit(StackOpKind::LocalSet, results.back(), loc);
    }
    // The trip count: the extent of the first scan input along its axis (static, so folded).
    int64_t trips = new_local(loc.node + ".trips");
    push_binding(spec.inputs[0], loc);
    emit_helper_op("Shape", 1, {}, loc);
    push_i64({spec.in_axes[0]}, true, loc);
    emit_helper_op("Gather", 2, {{"axis", int64_t(0)}}, loc);
    emit(StackOpKind::LocalSet, trips, loc);
    emit(StackOpKind::LocalGet, trips, loc);
    StackOp loop;
    loop.kind = StackOpKind::Loop;
    loop.num_outputs = int(n_out);
    loop.loc = loc;
    prog_.code.push_back(std::move(loop));

    Scope child{&scope, {}};
    for (size_t k = 0; k < n_state; ++k) bind(child, body.input(int(k)).name(), {Binding::Local, results[k]}, loc);
    for (size_t m = 0; m < n_in; ++m) {
      push_binding(spec.inputs[m], loc);
      if (spec.in_reverse[m]) {  // row T-1-i
        emit(StackOpKind::LocalGet, trips, loc);
        push_i64({1}, true, loc);
        emit_helper_op("Sub", 2, {}, loc);
        emit(StackOpKind::LoopIndex, 0, loc);
        emit_helper_op("Sub", 2, {}, loc);
      } else {
        emit(StackOpKind::LoopIndex, 0, loc);
      }
      emit_helper_op("Gather", 2, {{"axis", spec.in_axes[m]}}, loc);
      int64_t slice = new_local(body.input(int(n_state + m)).name());
      emit(StackOpKind::LocalSet, slice, loc);
      bind(child, body.input(int(n_state + m)).name(), {Binding::Local, slice}, loc);
    }
    emit_subgraph(body, child, loc, "body");
    for (size_t k = 0; k < n_state; ++k) push_value(body.output(int(k)).name(), child, loc);
    for (size_t k = n_state; k-- > 0;) emit(StackOpKind::LocalSet, results[k], loc);
    for (size_t j = 0; j < n_out; ++j) push_value(body.output(int(n_state + j)).name(), child, loc);
    emit(StackOpKind::End, 0, loc);

    std::vector<int64_t> outs(n_out);
    for (size_t j = n_out; j-- > 0;) {
      outs[j] = new_local(body.output(int(n_state + j)).name() + ".scan");
      emit(StackOpKind::LocalSet, outs[j], loc);
    }
    for (size_t j = 0; j < n_out; ++j) {
      if (!spec.out_reverse[j] && spec.out_axes[j] == 0) {
        results.push_back(outs[j]);
        continue;
      }
      emit(StackOpKind::LocalGet, outs[j], loc);
      if (spec.out_reverse[j]) {  // rows in reverse: a slice with step -1
        push_i64({-1}, false, loc);
        push_i64({INT64_MIN}, false, loc);
        push_i64({0}, false, loc);
        push_i64({-1}, false, loc);
        emit_helper_op("Slice", 5, {}, loc);
      }
      if (spec.out_axes[j] != 0)
        emit_helper_op("Transpose", 1, {{"perm", scan_output_perm(body, n_state + j, spec.out_axes[j], loc)}}, loc);
      results.push_back(new_local(body.output(int(n_state + j)).name() + ".scan_out"));
      emit(StackOpKind::LocalSet, results.back(), loc);
    }
    return results;
  }

  // Moves the stacked axis 0 of scan output |j| to |axis| (negative counts from the end).
  static std::vector<int64_t> scan_output_perm(const onnx::GraphProto& body, size_t j, int64_t axis,
                                               const SourceLoc& loc) {
    const auto& type = body.output(int(j)).type();
    if (!type.has_tensor_type() || !type.tensor_type().has_shape())
      throw CompileError(loc, "Scan output " + std::to_string(j) + " needs a declared rank for scan_output_axes");
    int64_t rank = type.tensor_type().shape().dim_size() + 1;
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) throw CompileError(loc, "scan_output_axes value out of range");
    std::vector<int64_t> perm;
    for (int64_t d = 1; d <= axis; ++d) perm.push_back(d);
    perm.push_back(0);
    for (int64_t d = axis + 1; d < rank; ++d) perm.push_back(d);
    return perm;
  }

  void emit_scan9(const onnx::NodeProto& node, const SourceLoc& loc, Scope& scope) {
    const onnx::GraphProto& body = graph_attr(node, "body", loc);
    int64_t n_in = -1;
    for (const auto& a : node.attribute())
      if (a.name() == "num_scan_inputs") n_in = a.i();
    if (n_in <= 0 || n_in > node.input_size()) throw CompileError(loc, "Scan needs num_scan_inputs in [1, inputs]");
    const size_t n_state = size_t(node.input_size() - n_in);
    const size_t n_out = size_t(std::max(0, body.output_size() - int(n_state)));
    ScanSpec spec;
    for (int i = 0; i < node.input_size(); ++i) {
      const Binding* b = scope.find(node.input(i));
      if (!b) throw CompileError(loc, "input '" + node.input(i) + "' is not defined");
      (size_t(i) < n_state ? spec.init : spec.inputs).push_back(*b);
    }
    spec.in_axes = ints_attr(node, "scan_input_axes", size_t(n_in), 0);
    spec.in_reverse = ints_attr(node, "scan_input_directions", size_t(n_in), 0);
    spec.out_axes = ints_attr(node, "scan_output_axes", n_out, 0);
    spec.out_reverse = ints_attr(node, "scan_output_directions", n_out, 0);
    std::vector<int64_t> results = emit_scan_loop(body, spec, loc, scope);
    for (size_t i = 0; i < results.size() && int(i) < node.output_size(); ++i)
      if (!node.output(int(i)).empty()) bind(scope, node.output(int(i)), {Binding::Local, results[i]}, loc);
  }

  // Scan-8: a batch axis 0 on every state and scanned input, and an optional sequence_lens.
  // Lowered as a loop over the batch around the Scan-9 loop; the outer loop stacks the final
  // states and the scan outputs back along the batch axis.
  void emit_scan8(const onnx::NodeProto& node, const SourceLoc& loc, Scope& scope) {
    const onnx::GraphProto& body = graph_attr(node, "body", loc);
    if (node.input_size() < 2) throw CompileError(loc, "Scan-8 needs sequence_lens and at least one input");
    if (!node.input(0).empty()) throw CompileError(loc, "Scan-8 sequence_lens is not supported (give it as empty)");
    int64_t n_in = -1;
    for (const auto& a : node.attribute())
      if (a.name() == "num_scan_inputs") n_in = a.i();
    if (n_in <= 0 || n_in > node.input_size() - 1) throw CompileError(loc, "Scan needs num_scan_inputs in [1, inputs]");
    const size_t n_state = size_t(node.input_size() - 1 - n_in);
    const size_t n_out = size_t(std::max(0, body.output_size() - int(n_state)));
    std::vector<Binding> whole;
    for (int i = 1; i < node.input_size(); ++i) {
      const Binding* b = scope.find(node.input(i));
      if (!b) throw CompileError(loc, "input '" + node.input(i) + "' is not defined");
      whole.push_back(*b);
    }
    // Batch extent from the first scanned input.
    push_binding(whole[n_state], loc);
    emit_helper_op("Shape", 1, {}, loc);
    push_i64({0}, true, loc);
    emit_helper_op("Gather", 2, {{"axis", int64_t(0)}}, loc);
    StackOp loop;
    loop.kind = StackOpKind::Loop;
    loop.num_outputs = int(n_state + n_out);
    loop.loc = loc;
    prog_.code.push_back(std::move(loop));
    ScanSpec spec;
    for (size_t i = 0; i < whole.size(); ++i) {
      push_binding(whole[i], loc);
      emit(StackOpKind::LoopIndex, 0, loc);
      emit_helper_op("Gather", 2, {{"axis", int64_t(0)}}, loc);
      int64_t l = new_local(loc.node + ".batch" + std::to_string(i));
      emit(StackOpKind::LocalSet, l, loc);
      (i < n_state ? spec.init : spec.inputs).push_back({Binding::Local, l});
    }
    spec.in_axes.assign(size_t(n_in), 0);
    spec.in_reverse = ints_attr(node, "directions", size_t(n_in), 0);
    spec.out_axes.assign(n_out, 0);
    spec.out_reverse.assign(n_out, 0);
    for (int64_t l : emit_scan_loop(body, spec, loc, scope)) emit(StackOpKind::LocalGet, l, loc);
    emit(StackOpKind::End, 0, loc);
    store_stacked(node, 0, int(n_state + n_out), loc, scope);
  }

  void push_value(const std::string& name, const Scope& scope, const SourceLoc& loc) {
    if (name.empty()) return emit(StackOpKind::PushNone, 0, loc);
    const Binding* b = scope.find(name);
    if (!b) throw CompileError(loc, "input '" + name + "' is not defined by any node, initializer or graph input");
    emit(b->kind == Binding::Local ? StackOpKind::LocalGet : StackOpKind::PushConst, b->index, loc);
  }

  // Outputs pushed by the op: up to the last named one (omitted trailing outputs are dropped).
  static int num_outputs(const onnx::NodeProto& node) {
    int n = node.output_size();
    while (n > 0 && node.output(n - 1).empty()) --n;
    return n;
  }

  void emit_op(const onnx::NodeProto& node, const SourceLoc& loc, int64_t opset) {
    StackOp op;
    op.kind = StackOpKind::Op;
    op.name = node.op_type();
    op.num_inputs = node.input_size();
    op.num_outputs = num_outputs(node);
    op.loc = loc;
    for (const auto& a : node.attribute()) op.attrs[a.name()] = onnx_import::attr_from_onnx(a, ctx_, loc);
    op.attrs[kOpsetAttr] = opset;
    prog_.code.push_back(std::move(op));
  }

  void store_outputs(const onnx::NodeProto& node, const SourceLoc& loc, Scope& scope) {
    int n = num_outputs(node);
    std::vector<int64_t> locals(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const std::string& name = node.output(i);
      if (name.empty()) {
        locals[size_t(i)] = discard_local();
        continue;
      }
      locals[size_t(i)] = new_local(name);
      bind(scope, name, {Binding::Local, locals[size_t(i)]}, loc);
    }
    for (int i = n - 1; i >= 0; --i) emit(StackOpKind::LocalSet, locals[size_t(i)], loc);
  }

  int64_t discard_local() {
    if (discard_ < 0) discard_ = new_local("__discard");
    return discard_;
  }

  // Constant nodes emit no code: their value becomes a program constant.
  void emit_constant_node(const onnx::NodeProto& node, const SourceLoc& loc, Scope& scope) {
    if (node.output_size() != 1 || node.attribute_size() != 1)
      throw CompileError(loc, "a Constant node needs exactly one output and one attribute");
    const A& a = node.attribute(0);
    Tensor t = constant_value(a, loc);
    bind(scope, node.output(0), {Binding::Const, add_constant(std::move(t), node.output(0))}, loc);
  }

  Tensor constant_value(const A& a, const SourceLoc& loc) {
    if (!a.ref_attr_name().empty())
      throw CompileError(loc, "Constant attribute '" + a.name() + "' refers to a function attribute, which is not supported");
    const std::string& k = a.name();
    if (k == "value") {
      if (!a.has_t()) throw CompileError(loc, "Constant attribute 'value' holds no tensor");
      return onnx_import::tensor_from_onnx(a.t(), ctx_, loc);
    }
    if (k == "value_float") return scalar_or_list<float>(DType::F32, {a.f()}, false);
    if (k == "value_floats") return scalar_or_list<float>(DType::F32, {a.floats().begin(), a.floats().end()}, true);
    if (k == "value_int") return scalar_or_list<int64_t>(DType::I64, {a.i()}, false);
    if (k == "value_ints") return scalar_or_list<int64_t>(DType::I64, {a.ints().begin(), a.ints().end()}, true);
    if (k == "value_string" || k == "value_strings")
      throw CompileError(loc, "string constants ('" + k + "') are not supported");
    if (k == "sparse_value") throw CompileError(loc, "sparse constants ('sparse_value') are not supported");
    throw CompileError(loc, "Constant has unknown attribute '" + k + "'");
  }

  template <typename T>
  static Tensor scalar_or_list(DType dtype, const std::vector<T>& values, bool list) {
    Tensor t;
    t.dtype = dtype;
    if (list) t.shape = {int64_t(values.size())};
    t.data.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(t.data.data(), values.data(), t.data.size());
    return t;
  }

  // ---- outputs ----

  void emit_outputs(const onnx::GraphProto& g, const Scope& scope) {
    for (const auto& out : g.output()) {
      SourceLoc loc = file_loc();
      if (out.name().empty()) throw CompileError(loc, "a graph output has an empty name");
      if (!scope.find(out.name()))
        throw CompileError(loc, "graph output '" + out.name() + "' is not produced by any node, initializer or input");
      push_value(out.name(), scope, loc);
      prog_.outputs.push_back(output_spec(g, out, loc));
    }
  }

  // The output's type from the graph output itself, else from value_info, else from an input.
  ValueSpec output_spec(const onnx::GraphProto& g, const onnx::ValueInfoProto& out, const SourceLoc& loc) {
    const onnx::ValueInfoProto* info = &out;
    if (!out.has_type()) {
      for (const auto& vi : g.value_info())
        if (vi.name() == out.name()) info = &vi;
      for (const auto& in : g.input())
        if (in.name() == out.name() && info == &out) info = &in;
    }
    ValueSpec spec = onnx_import::spec_from_value_info(*info, loc, /*require_shape=*/false);
    spec.name = out.name();
    return spec;
  }

  const onnx::ModelProto& model_;
  ImportContext ctx_;
  StackProgram prog_;
  int64_t opset_ = 0;
  int64_t discard_ = -1;
  std::string subgraph_path_;  // prefix of node names inside a subgraph, "" at the top
  int64_t expansions_ = 0;  // numbers each expansion's fresh value names
  std::unordered_map<std::string, onnx_import::DeclaredType> declared_;  // what the model declares
};

}  // namespace

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

StackProgram import_onnx_model(const onnx::ModelProto& model, const std::string& source_name) {
  ImportContext ctx;
  ctx.file = source_name;
  ctx.base_dir = std::filesystem::path(source_name).parent_path().string();
  return GraphImporter(model, ctx).run();
}

StackProgram import_onnx_file(const std::string& path) {
  SourceLoc loc;
  loc.file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw CompileError(loc, "is a directory, not an ONNX model");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CompileError(loc, "cannot open file");
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw CompileError(loc, "reading the file failed");
  std::string bytes = std::move(buf).str();
  if (bytes.size() > size_t(INT32_MAX))
    throw CompileError(loc, "file is larger than 2 GiB; store the weights as ONNX external data");
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    throw CompileError(loc, "not an ONNX model (the file does not parse as an ONNX ModelProto)");
  return import_onnx_model(model, path);
}

Tensor read_tensor_proto_file(const std::string& path) {
  SourceLoc loc;
  loc.file = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CompileError(loc, "cannot open file");
  std::stringstream buf;
  buf << in.rdbuf();
  onnx::TensorProto t;
  if (!t.ParseFromString(std::move(buf).str())) throw CompileError(loc, "not an ONNX TensorProto");
  onnx_import::ImportContext ctx{path, std::filesystem::path(path).parent_path().string()};
  return onnx_import::tensor_from_onnx(t, ctx, loc);
}

}  // namespace aivm::compiler
