// Composite-op expansion: libonnx function bodies and hand-written ONNX-text bodies, inlined
// into the importer's node stream. See decompose.h.
#include "compiler/onnx/decompose.h"

#include <cmath>
#include <map>
#include <unordered_map>

#include <onnx/defs/parser.h>
#include <onnx/defs/schema.h>

#include "compiler/onnx/einsum.h"
#include "compiler/onnx/onnx_convert.h"

namespace aivm::compiler::onnx_import {
namespace {

using A = onnx::AttributeProto;
using AttrMap = std::map<std::string, A>;

//===----------------------------------------------------------------------===//
// Inlining a FunctionProto
//===----------------------------------------------------------------------===//

AttrMap attrs_of(const onnx::NodeProto& node) {
  AttrMap m;
  for (const A& a : node.attribute()) m[a.name()] = a;
  return m;
}

int64_t function_opset(const onnx::FunctionProto& f, int64_t fallback) {
  for (const auto& op : f.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") return op.version();
  return fallback;
}

// The body's nodes with the formal inputs/outputs replaced by |call|'s values, every other
// value renamed to "<prefix><name>", and attribute references resolved against |attrs|. A
// reference to an attribute the call does not set is dropped: the inner op's default applies,
// which is what the ONNX function semantics say.
Expansion inline_function(const onnx::FunctionProto& f, const onnx::NodeProto& call, const AttrMap& attrs,
                          int64_t opset, const std::string& prefix, const SourceLoc& loc) {
  std::unordered_map<std::string, std::string> rename;
  for (int i = 0; i < f.input_size(); ++i) rename[f.input(i)] = i < call.input_size() ? call.input(i) : "";
  for (int i = 0; i < f.output_size(); ++i)
    rename[f.output(i)] = i < call.output_size() && !call.output(i).empty() ? call.output(i) : prefix + f.output(i);
  auto map = [&](const std::string& name) -> std::string {
    if (name.empty()) return name;
    auto it = rename.find(name);
    if (it != rename.end()) return it->second;
    return rename.emplace(name, prefix + name).first->second;
  };
  Expansion e;
  e.opset = function_opset(f, opset);
  for (const onnx::NodeProto& n : f.node()) {
    // Domain "aivm" names the compiler's internal ops (op type "aivm.<name>").
    const bool internal = n.domain() == "aivm";
    if (!n.domain().empty() && n.domain() != "ai.onnx" && !internal)
      throw CompileError(loc, "its expansion uses domain '" + n.domain() + "', which is not supported");
    onnx::NodeProto out;
    out.set_op_type(internal ? "aivm." + n.op_type() : n.op_type());
    for (const auto& in : n.input()) out.add_input(map(in));
    for (const auto& o : n.output()) out.add_output(map(o));
    for (const A& a : n.attribute()) {
      if (attr_kind(a) == A::GRAPH || attr_kind(a) == A::GRAPHS)
        throw CompileError(loc, "its expansion has a subgraph attribute, which is not supported");
      if (a.ref_attr_name().empty()) {
        *out.add_attribute() = a;
        continue;
      }
      auto it = attrs.find(a.ref_attr_name());
      if (it == attrs.end()) continue;
      A resolved = it->second;
      resolved.set_name(a.name());
      *out.add_attribute() = std::move(resolved);
    }
    e.nodes.push_back(std::move(out));
  }
  return e;
}

onnx::FunctionProto parse_function(const std::string& text, const SourceLoc& loc) {
  onnx::FunctionProto f;
  onnx::Common::Status status;
  try {
    status = onnx::OnnxParser::Parse(f, text.c_str());
  } catch (const std::exception& e) {  // the parser throws on a malformed number
    throw CompileError(loc, std::string("internal: its expansion does not parse: ") + e.what());
  }
  if (!status.IsOK()) throw CompileError(loc, "internal: its expansion does not parse: " + status.ErrorMessage());
  return f;
}

//===----------------------------------------------------------------------===//
// Hand-written bodies
//===----------------------------------------------------------------------===//

// What a body builder sees of the node: attributes (with the op's defaults filled in), which
// optional inputs/outputs are present, and the input element types the importer knows.
class NodeView {
 public:
  NodeView(const onnx::NodeProto& node, AttrMap& attrs, const std::vector<DeclaredType>& types, const SourceLoc& loc)
      : node_(node), attrs_(attrs), types_(types), loc_(loc) {}

  bool has_input(int i) const { return i < node_.input_size() && !node_.input(i).empty(); }
  bool has_output(int i) const { return i < node_.output_size() && !node_.output(i).empty(); }
  int32_t input_type(int i) const { return size_t(i) < types_.size() ? types_[size_t(i)].elem_type : 0; }
  int input_rank(int i) const { return size_t(i) < types_.size() ? types_[size_t(i)].rank : -1; }
  // Declared extent of |axis| of input |i|, -1 if unknown.
  int64_t input_dim(int i, int axis) const {
    if (size_t(i) >= types_.size() || axis < 0 || size_t(axis) >= types_[size_t(i)].dims.size()) return -1;
    return types_[size_t(i)].dims[size_t(axis)];
  }
  bool has_attr(const std::string& name) const { return attrs_.count(name) != 0; }

  int64_t attr_int(const std::string& name) const {
    const A& a = attr(name);
    if (attr_kind(a) != A::INT) fail("attribute '" + name + "' must be an integer");
    return a.i();
  }
  float attr_float(const std::string& name) const {
    const A& a = attr(name);
    if (attr_kind(a) != A::FLOAT) fail("attribute '" + name + "' must be a float");
    return a.f();
  }
  std::vector<std::string> attr_strings(const std::string& name) const {
    const A& a = attr(name);
    if (attr_kind(a) != A::STRINGS) fail("attribute '" + name + "' must be a list of strings");
    return {a.strings().begin(), a.strings().end()};
  }
  std::string attr_string(const std::string& name) const {
    const A& a = attr(name);
    if (attr_kind(a) != A::STRING) fail("attribute '" + name + "' must be a string");
    return a.s();
  }
  const A& attr(const std::string& name) const {
    auto it = attrs_.find(name);
    if (it == attrs_.end()) fail("attribute '" + name + "' is required");
    return it->second;
  }

  // Sets a default for an attribute the node does not set, so the body's @references resolve.
  void default_int(const std::string& name, int64_t v) {
    if (A* a = add_default(name, A::INT)) a->set_i(v);
  }
  void default_float(const std::string& name, float v) {
    if (A* a = add_default(name, A::FLOAT)) a->set_f(v);
  }
  void default_string(const std::string& name, const std::string& v) {
    if (A* a = add_default(name, A::STRING)) a->set_s(v);
  }
  // Values a body needs that ONNX text cannot spell (infinities, lists computed here) are passed
  // as extra attributes, named "__<name>" so they cannot clash with the op's own.
  void define_float(const std::string& name, float v) {
    A& a = attrs_[name];
    a.set_name(name);
    a.set_type(A::FLOAT);
    a.set_f(v);
  }
  void define_ints(const std::string& name, const std::vector<int64_t>& v) {
    A& a = attrs_[name];
    a.set_name(name);
    a.set_type(A::INTS);
    a.clear_ints();
    for (int64_t x : v) a.add_ints(x);
  }

  // ", name: type = @name" for each of |names| the node sets: attributes an inner node takes
  // over unchanged, defaults left to the inner op.
  std::string pass_through(std::initializer_list<const char*> names) const {
    std::string out;
    for (const char* name : names) {
      auto it = attrs_.find(name);
      if (it == attrs_.end()) continue;
      A::AttributeType k = attr_kind(it->second);
      const char* type = k == A::STRING ? "string" : k == A::INTS ? "ints" : k == A::FLOAT ? "float" : "int";
      out += std::string(", ") + name + ": " + type + " = @" + name;
    }
    return out;
  }

  [[noreturn]] void fail(const std::string& what) const { throw CompileError(loc_, what); }

 private:
  A* add_default(const std::string& name, A::AttributeType type) {
    if (attrs_.count(name)) return nullptr;
    A& a = attrs_[name];
    a.set_name(name);
    a.set_type(type);
    return &a;
  }

  const onnx::NodeProto& node_;
  AttrMap& attrs_;
  const std::vector<DeclaredType>& types_;
  const SourceLoc& loc_;
};

// The header of every hand-written body: they are written against opset 18 (Reduce* take their
// axes as an input, Pad takes axes, Split takes num_outputs).
std::string header(const std::string& signature) {
  return "<domain: \"aivm.expand\", opset_import: [\"\" : 18]>\n" + signature + "\n";
}

// Values every body that works along one axis needs: XShape, Rank (scalar), PosAxis (the
// @axis attribute made non-negative, scalar), One and Zero (scalars).
const char* kAxisPrelude = R"(
  XShape = Shape (X)
  Rank = Size (XShape)
  Axis = Constant <value_int: int = @axis> ()
  PosAxis = Mod (Axis, Rank)
  One = Constant <value_int: int = 1> ()
  Zero = Constant <value_int: int = 0> ()
  ZeroAxis = Constant <value_ints: ints = [0]> ()
)";

// Per-channel parameter P of shape [C] reshaped to [C, 1, ..., 1] so it broadcasts along axis 1
// of an [N, C, D1, ...] tensor X: ChannelShape = [-1, 1 (rank - 2 times)].
const char* kChannelShape = R"(
  SpatialDims = Shape <start: int = 2> (X)
  SpatialRank = Shape (SpatialDims)
  SpatialOnes = ConstantOfShape <value: tensor = int64[1] {1}> (SpatialRank)
  MinusOne = Constant <value_ints: ints = [-1]> ()
  ChannelShape = Concat <axis: int = 0> (MinusOne, SpatialOnes)
)";

// Standardises |x| over the axes in Axes: Mean and Var keep those axes as 1; Normalized =
// (x - Mean) / StdDev. The variance is the mean of squared deviations (not E[x^2] - E[x]^2,
// which cancels badly). Needs Axes and the @epsilon attribute.
std::string standardize(const std::string& x) {
  return "  Mean = ReduceMean (" + x + ", Axes)\n  Deviation = Sub (" + x + ", Mean)\n" + R"(
  Square = Mul (Deviation, Deviation)
  Var = ReduceMean (Square, Axes)
  Epsilon = Constant <value_float: float = @epsilon> ()
  EpsilonT = CastLike (Epsilon, X)
  VarEps = Add (Var, EpsilonT)
  StdDev = Sqrt (VarEps)
  Normalized = Div (Deviation, StdDev)
)";
}

// Y = |normalized| * Scale + B with [C] parameters broadcast along axis 1 (needs kChannelShape).
std::string channel_affine(const std::string& normalized) {
  return "  ScaleC = Reshape (Scale, ChannelShape)\n  BC = Reshape (B, ChannelShape)\n  Scaled = Mul (" + normalized +
         ", ScaleC)\n  Y = Add (Scaled, BC)\n";
}

// LayerNormalization-17: normalise over axes [axis, rank); Mean and InvStdDev keep those axes
// as 1. When only Y is wanted it is one fused aivm.LayerNormalization (a LAYERNORM
// instruction), its scale and bias expanded to the normalised shape (folded when constant).
std::string layer_normalization(NodeView& n) {
  n.default_int("axis", -1);
  n.default_float("epsilon", 1e-5f);
  if (!n.has_output(1) && !n.has_output(2)) {
    std::string b = header("LayerNormalization <axis, epsilon> (X, Scale, B) => (Y)") + R"({
  Trailing = Shape <start: int = @axis> (X)
  ScaleFull = Expand (Scale, Trailing)
)";
    if (n.has_input(2))
      return b + "  BFull = Expand (B, Trailing)\n  Y = aivm.LayerNormalization <axis: int = @axis, epsilon: float = @epsilon> "
                 "(X, ScaleFull, BFull)\n}";
    return b + "  Y = aivm.LayerNormalization <axis: int = @axis, epsilon: float = @epsilon> (X, ScaleFull)\n}";
  }
  std::string body = header("LayerNormalization <axis, epsilon> (X, Scale, B) => (Y, Mean, InvStdDev)") + "{" +
                     kAxisPrelude + R"(
  Axes = Range (PosAxis, Rank, One)
)" + standardize("X") + "  InvStdDev = Reciprocal (StdDev)\n";
  body += n.has_input(2) ? "  Scaled = Mul (Normalized, Scale)\n  Y = Add (Scaled, B)\n}"
                         : "  Y = Mul (Normalized, Scale)\n}";
  return body;
}

// RMSNormalization-23: X / sqrt(mean(X^2 over [axis, rank)) + epsilon) * scale.
std::string rms_normalization(NodeView& n) {
  n.default_int("axis", -1);
  n.default_float("epsilon", 1e-5f);
  return header("RMSNormalization <axis, epsilon> (X, Scale) => (Y)") + "{" + kAxisPrelude + R"(
  Axes = Range (PosAxis, Rank, One)
  Square = Mul (X, X)
  MeanSquare = ReduceMean (Square, Axes)
  Epsilon = Constant <value_float: float = @epsilon> ()
  EpsilonT = CastLike (Epsilon, X)
  MeanSquareEps = Add (MeanSquare, EpsilonT)
  Rms = Sqrt (MeanSquareEps)
  Normalized = Div (X, Rms)
  Y = Mul (Normalized, Scale)
})";
}

// BatchNormalization (opset 9+). Inference folds the statistics into one per-channel scale and
// shift (constants when the parameters are); training_mode uses the batch's statistics and
// also returns the updated running statistics.
std::string batch_normalization(NodeView& n) {
  n.default_float("epsilon", 1e-5f);
  n.default_float("momentum", 0.9f);
  n.default_int("training_mode", 0);
  bool training = n.attr_int("training_mode") != 0;
  std::string body = header("BatchNormalization <epsilon, momentum> (X, Scale, B, InputMean, InputVar) => "
                            "(Y, RunningMean, RunningVar)") +
                     "{" + kChannelShape;
  if (!training) {
    body += R"(
  Epsilon = Constant <value_float: float = @epsilon> ()
  EpsilonT = CastLike (Epsilon, X)
  VarEps = Add (InputVar, EpsilonT)
  StdDev = Sqrt (VarEps)
  ChannelScale = Div (Scale, StdDev)
  MeanScaled = Mul (InputMean, ChannelScale)
  ChannelShift = Sub (B, MeanScaled)
  ScaleC = Reshape (ChannelScale, ChannelShape)
  ShiftC = Reshape (ChannelShift, ChannelShape)
  XScaled = Mul (X, ScaleC)
  Y = Add (XScaled, ShiftC)
})";
    return body;
  }
  // Statistics over every axis but the channel axis 1; the variance is the population one.
  body += R"(
  XShape = Shape (X)
  Rank = Size (XShape)
  One = Constant <value_int: int = 1> ()
  Two = Constant <value_int: int = 2> ()
  ZeroAxis = Constant <value_ints: ints = [0]> ()
  Spatial = Range (Two, Rank, One)
  Axes = Concat <axis: int = 0> (ZeroAxis, Spatial)
)" + standardize("X") + channel_affine("Normalized") + R"(
  CurrentMean = ReduceMean <keepdims: int = 0> (X, Axes)
  CurrentVar = ReduceMean <keepdims: int = 0> (Square, Axes)
  Momentum = Constant <value_float: float = @momentum> ()
  MomentumT = CastLike (Momentum, X)
  OneF = Constant <value_float: float = 1.0> ()
  OneT = CastLike (OneF, X)
  Keep = Sub (OneT, MomentumT)
  OldMean = Mul (InputMean, MomentumT)
  NewMean = Mul (CurrentMean, Keep)
  RunningMean = Add (OldMean, NewMean)
  OldVar = Mul (InputVar, MomentumT)
  NewVar = Mul (CurrentVar, Keep)
  RunningVar = Add (OldVar, NewVar)
})";
  return body;
}

// InstanceNormalization: per (sample, channel) statistics over the spatial axes.
std::string instance_normalization(NodeView& n) {
  n.default_float("epsilon", 1e-5f);
  return header("InstanceNormalization <epsilon> (X, Scale, B) => (Y)") + "{" + kChannelShape + R"(
  XShape = Shape (X)
  Rank = Size (XShape)
  One = Constant <value_int: int = 1> ()
  Two = Constant <value_int: int = 2> ()
  Axes = Range (Two, Rank, One)
)" + standardize("X") + channel_affine("Normalized") + "}";
}

// GroupNormalization: X [N, C, ...] viewed as [N, G, C/G * spatial], normalised per group.
// Opset 21 scales per channel ([C]); opset 18 scaled per group ([G]).
std::string group_normalization(NodeView& n, int64_t opset) {
  n.default_float("epsilon", 1e-5f);
  n.attr_int("num_groups");
  std::string body = header("GroupNormalization <epsilon, num_groups> (X, Scale, B) => (Y)") + "{" + R"(
  XShape = Shape (X)
  Batch = Shape <end: int = 1> (X)
  GroupCount = Constant <value_int: int = @num_groups> ()
  ZeroAxis = Constant <value_ints: ints = [0]> ()
  Groups = Unsqueeze (GroupCount, ZeroAxis)
  Rest = Constant <value_ints: ints = [-1]> ()
  GroupedShape = Concat <axis: int = 0> (Batch, Groups, Rest)
  XG = Reshape (X, GroupedShape)
  Axes = Constant <value_ints: ints = [2]> ()
)" + standardize("XG");
  if (opset >= 21) {
    body += std::string(kChannelShape) + "  Ungrouped = Reshape (Normalized, XShape)\n" + channel_affine("Ungrouped") + "}";
  } else {
    body += R"(
  GroupShape = Constant <value_ints: ints = [-1, 1]> ()
  ScaleG = Reshape (Scale, GroupShape)
  BG = Reshape (B, GroupShape)
  ScaledG = Mul (Normalized, ScaleG)
  YG = Add (ScaledG, BG)
  Y = Reshape (YG, XShape)
})";
  }
  return body;
}

// LpNormalization: X divided by its L1 or L2 norm along axis (0 where the norm is 0).
std::string lp_normalization(NodeView& n) {
  n.default_int("axis", -1);
  n.default_int("p", 2);
  int64_t p = n.attr_int("p");
  if (p != 1 && p != 2) n.fail("p = " + std::to_string(p) + " is not supported (1 or 2)");
  std::string body = header("LpNormalization <axis> (X) => (Y)") + "{" + kAxisPrelude + R"(
  Axes = Unsqueeze (PosAxis, ZeroAxis)
)";
  body += p == 1 ? "  Abs = Abs (X)\n  Norm = ReduceSum (Abs, Axes)\n"
                 : "  SumSq = ReduceSumSquare (X, Axes)\n  Norm = Sqrt (SumSq)\n";
  // A zero norm gives 0, not 0 / 0.
  return body + R"(
  Quotient = Div (X, Norm)
  ZeroF = Constant <value_float: float = 0.0> ()
  ZeroT = CastLike (ZeroF, X)
  IsZero = Equal (Norm, ZeroT)
  Y = Where (IsZero, ZeroT, Quotient)
})";
}

// Hardmax-13: 1 at the first maximum along axis, 0 elsewhere. The positions along the axis are
// shaped [D, 1, ..., 1] (one 1 per later axis) to compare with ArgMax's keepdims result.
std::string hardmax(NodeView& n) {
  n.default_int("axis", -1);
  return header("Hardmax <axis> (X) => (Y)") + "{" + kAxisPrelude + R"(
  Index = ArgMax <axis: int = @axis, keepdims: int = 1> (X)
  Axis1D = Unsqueeze (PosAxis, ZeroAxis)
  After1D = Add (Axis1D, One)
  Rank1D = Unsqueeze (Rank, ZeroAxis)
  AxisDim = Slice (XShape, Axis1D, After1D)
  Later = Slice (XShape, After1D, Rank1D)
  LaterRank = Shape (Later)
  LaterOnes = ConstantOfShape <value: tensor = int64[1] {1}> (LaterRank)
  PositionShape = Concat <axis: int = 0> (AxisDim, LaterOnes)
  AxisDimScalar = Squeeze (AxisDim, ZeroAxis)
  Positions1D = Range (Zero, AxisDimScalar, One)
  Positions = Reshape (Positions1D, PositionShape)
  IsMax = Equal (Positions, Index)
  YB = Expand (IsMax, XShape)
  Y = CastLike (YB, X)
})";
}

// Shrink: x < -lambd -> x + bias, x > lambd -> x - bias, else 0.
std::string shrink(NodeView& n) {
  n.default_float("lambd", 0.5f);
  n.default_float("bias", 0.f);
  return header("Shrink <lambd, bias> (X) => (Y)") + R"({
  LambdF = Constant <value_float: float = @lambd> ()
  BiasF = Constant <value_float: float = @bias> ()
  ZeroF = Constant <value_float: float = 0.0> ()
  Lambd = CastLike (LambdF, X)
  Bias = CastLike (BiasF, X)
  Zero = CastLike (ZeroF, X)
  NegLambd = Neg (Lambd)
  Low = Less (X, NegLambd)
  High = Greater (X, Lambd)
  XPlus = Add (X, Bias)
  XMinus = Sub (X, Bias)
  HighOrZero = Where (High, XMinus, Zero)
  Y = Where (Low, XPlus, HighOrZero)
})";
}

// CenterCropPad-18: crop or pad each axis symmetrically to the target shape; an odd difference
// puts the extra element at the end. One Pad with signed amounts does both (negative = crop);
// integer Div truncates toward zero, so begin = trunc((target - size) / 2) for either sign.
std::string center_crop_pad(NodeView& n) {
  std::string body = header("CenterCropPad (X, TargetShape) => (Y)") + R"({
  XShape = Shape (X)
)";
  if (n.has_attr("axes")) {
    const A& axes = n.attr("axes");
    std::string list;
    for (int64_t a : axes.ints()) list += (list.empty() ? "" : ", ") + std::to_string(a);
    body += "  Axes = Constant <value_ints: ints = [" + list + "]> ()\n  Size = Gather (XShape, Axes)\n";
  } else {
    body += "  Size = Identity (XShape)\n";
  }
  return body + R"(
  Diff = Sub (TargetShape, Size)
  Two = Constant <value_ints: ints = [2]> ()
  Begin = Div (Diff, Two)
  End = Sub (Diff, Begin)
  Pads = Concat <axis: int = 0> (Begin, End)
)" + (n.has_attr("axes") ? "  Y = Pad (X, Pads, , Axes)\n}" : "  Y = Pad (X, Pads)\n}");
}

// NegativeLogLikelihoodLoss: loss[n, d...] = -input[n, target[n, d...], d...] * weight[target],
// 0 where target == ignore_index; reduced by 'none', 'sum' or 'mean' (divided by the sum of the
// weights used). Ignored targets are replaced by class 0 before the gathers so every index read
// is in range; their weight is then zeroed.
std::string negative_log_likelihood_loss(NodeView& n) {
  n.default_string("reduction", "mean");
  std::string reduction = n.attr_string("reduction");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    n.fail("reduction '" + reduction + "' is not supported (none, sum, mean)");
  bool ignore = n.has_attr("ignore_index"), weighted = n.has_input(2);
  std::string body = header("NegativeLogLikelihoodLoss <ignore_index> (Input, Target, Weight) => (Loss)") + R"({
  ClassAxis = Constant <value_ints: ints = [1]> ()
  Target1 = Unsqueeze (Target, ClassAxis)
  OneF = Constant <value_float: float = 1.0> ()
  ZeroF = Constant <value_float: float = 0.0> ()
  OneT = CastLike (OneF, Input)
  ZeroT = CastLike (ZeroF, Input)
)";
  if (ignore)
    body += R"(
  IgnoreIndex = Constant <value_int: int = @ignore_index> ()
  IgnoreIndexT = CastLike (IgnoreIndex, Target)
  Ignored = Equal (Target1, IgnoreIndexT)
  ZeroIndex = Constant <value_int: int = 0> ()
  ZeroIndexT = CastLike (ZeroIndex, Target)
  Index = Where (Ignored, ZeroIndexT, Target1)
)";
  else
    body += "  Index = Identity (Target1)\n";
  body += R"(
  Picked = GatherElements <axis: int = 1> (Input, Index)
  NegPicked = Neg (Picked)
)";
  // W: the weight of each element, shaped like Index; absent when every weight is 1.
  bool has_w = weighted || ignore;
  if (weighted) body += "  WeightOf = Gather (Weight, Index)\n";
  else if (ignore) body += "  IndexShape = Shape (Index)\n  WeightOf = Expand (OneT, IndexShape)\n";
  if (ignore) body += "  W = Where (Ignored, ZeroT, WeightOf)\n";
  else if (weighted) body += "  W = Identity (WeightOf)\n";
  body += has_w ? "  Weighted = Mul (NegPicked, W)\n" : "  Weighted = Identity (NegPicked)\n";
  if (reduction == "none") body += "  Loss = Squeeze (Weighted, ClassAxis)\n";
  else if (reduction == "sum") body += "  Loss = ReduceSum <keepdims: int = 0> (Weighted)\n";
  else if (has_w)
    body += "  LossSum = ReduceSum <keepdims: int = 0> (Weighted)\n  WeightSum = ReduceSum <keepdims: int = 0> (W)\n"
            "  Loss = Div (LossSum, WeightSum)\n";
  else body += "  Loss = ReduceMean <keepdims: int = 0> (Weighted)\n";
  return body + "}";
}

// Attention-23/24/25 (scaled dot-product attention), following the operator's reference:
//   3-D Q/K/V [B, S, heads * D] are split into heads (q_num_heads / kv_num_heads) first (the
//   rank is the declared one, else 3-D is assumed when the head counts are given);
//   past_key/past_value are prepended along the sequence axis (and returned as present_*);
//   K and V heads are repeated (interleaved) when Q has a multiple of their head count (GQA);
//   scores = (Q * sqrt(scale)) @ (K * sqrt(scale))^T, scale defaulting to 1/sqrt(D);
//   softcap c > 0: scores = c * tanh(scores / c);
//   a bias of 0 / -inf from attn_mask (bool: false masks; float: added; padded with -inf to the
//   key count), is_causal (query i sees keys j <= i + offset, offset = past length, or
//   nonpad_kv_seqlen - query length per batch), the nonpad_kv_seqlen padding, and the
//   left/right window sizes (opset 25);
//   probabilities = softmax(scores + bias), rows whose bias is all -inf are 0;
//   Y = probabilities @ V (3-D: heads merged back).
// qk_matmul_output is the scores (mode 0, 1), with the bias (2) or the probabilities (3).
std::string attention(NodeView& n) {
  n.default_int("is_causal", 0);
  n.default_int("qk_matmul_output_mode", 0);
  n.default_float("softcap", 0.f);
  n.define_float("__neg_inf", -INFINITY);
  const int rank = n.input_rank(0);
  const bool three_d = rank == 3 || (rank < 0 && (n.has_attr("q_num_heads") || n.has_attr("kv_num_heads")));
  if (rank >= 0 && rank != 3 && rank != 4) n.fail("Q must be 3-D or 4-D, got rank " + std::to_string(rank));
  const bool has_mask = n.has_input(3), has_past = n.has_input(4), has_nonpad = n.has_input(6);
  const bool causal = n.attr_int("is_causal") != 0;
  const int64_t mode = n.attr_int("qk_matmul_output_mode");
  const int64_t left = n.has_attr("left_window_size") ? n.attr_int("left_window_size") : -1;
  const int64_t right = n.has_attr("right_window_size") ? n.attr_int("right_window_size") : -1;
  const bool window = left >= 0 || right >= 0;
  if (mode < 0 || mode > 3) n.fail("qk_matmul_output_mode " + std::to_string(mode) + " is not supported (0..3)");
  if (has_past != n.has_input(5)) n.fail("past_key and past_value must be given together");
  if (has_mask && n.input_type(3) == 0) n.fail("the element type of attn_mask is unknown (bool or float decides its meaning)");
  if (n.has_attr("softmax_precision")) {
    // The probabilities are computed in f32, the only float type the expansion runs in.
    int64_t p = n.attr_int("softmax_precision");
    if (p != onnx::TensorProto::FLOAT && p != onnx::TensorProto::DOUBLE && p != onnx::TensorProto::FLOAT16 &&
        p != onnx::TensorProto::BFLOAT16)
      n.fail("softmax_precision " + std::to_string(p) + " is not a float type");
  }

  std::string b = header("Attention (Q, K, V, Mask, PastKey, PastValue, NonpadKVSeqLen) => "
                         "(Y, PresentKey, PresentValue, QKOutput)") + R"({
  ZeroAxis = Constant <value_ints: ints = [0]> ()
  SeqAxis = Constant <value_ints: ints = [2]> ()
  LastAxis = Constant <value_ints: ints = [-1]> ()
  NegInfF = Constant <value_float: float = @__neg_inf> ()
  ZeroF = Constant <value_float: float = 0.0> ()
  NegInf = CastLike (NegInfF, Q)
  ZeroT = CastLike (ZeroF, Q)
  OneI = Constant <value_int: int = 1> ()
  ZeroI = Constant <value_int: int = 0> ()
)";
  // Heads: [B, heads, S, D].
  if (three_d) {
    if (!n.has_attr("q_num_heads") || !n.has_attr("kv_num_heads"))
      n.fail("3-D inputs need both q_num_heads and kv_num_heads");
    n.define_ints("__q_split", {0, 0, n.attr_int("q_num_heads"), -1});
    n.define_ints("__kv_split", {0, 0, n.attr_int("kv_num_heads"), -1});
    b += R"(
  QSplit = Constant <value_ints: ints = @__q_split> ()
  KVSplit = Constant <value_ints: ints = @__kv_split> ()
  Q4 = Reshape (Q, QSplit)
  K4 = Reshape (K, KVSplit)
  V4 = Reshape (V, KVSplit)
  QH = Transpose <perm: ints = [0, 2, 1, 3]> (Q4)
  KH = Transpose <perm: ints = [0, 2, 1, 3]> (K4)
  VH = Transpose <perm: ints = [0, 2, 1, 3]> (V4)
)";
  } else {
    b += "  QH = Identity (Q)\n  KH = Identity (K)\n  VH = Identity (V)\n";
  }
  if (has_past)
    b += "  KAll = Concat <axis: int = 2> (PastKey, KH)\n  VAll = Concat <axis: int = 2> (PastValue, VH)\n";
  else
    b += "  KAll = Identity (KH)\n  VAll = Identity (VH)\n";
  if (n.has_output(1)) b += "  PresentKey = Identity (KAll)\n";
  if (n.has_output(2)) b += "  PresentValue = Identity (VAll)\n";

  // Grouped-query attention: each K/V head serves QHeads / KVHeads consecutive Q heads. With
  // 3-D inputs the counts are attributes; with 4-D ones the declared head dims, else the
  // repeat count folds from the shapes (and the repeat is a copy even when it is 1).
  const int64_t q_heads = three_d ? n.attr_int("q_num_heads") : n.input_dim(0, 1);
  const int64_t kv_heads = three_d ? n.attr_int("kv_num_heads") : n.input_dim(1, 1);
  const bool gqa = q_heads <= 0 || q_heads != kv_heads;
  if (gqa)
    b += R"(
  QShape = Shape (QH)
  KShape = Shape (KAll)
  VShape = Shape (VAll)
  Batch = Shape <end: int = 1> (QH)
  QHeads = Shape <start: int = 1, end: int = 2> (QH)
  KVHeads = Shape <start: int = 1, end: int = 2> (KAll)
  Reps = Div (QHeads, KVHeads)
  KRest = Shape <start: int = 2> (KAll)
  VRest = Shape <start: int = 2> (VAll)
  KExpandShape = Concat <axis: int = 0> (Batch, KVHeads, Reps, KRest)
  VExpandShape = Concat <axis: int = 0> (Batch, KVHeads, Reps, VRest)
  KHeadsShape = Concat <axis: int = 0> (Batch, QHeads, KRest)
  VHeadsShape = Concat <axis: int = 0> (Batch, QHeads, VRest)
  KU = Unsqueeze (KAll, SeqAxis)
  VU = Unsqueeze (VAll, SeqAxis)
  KE = Expand (KU, KExpandShape)
  VE = Expand (VU, VExpandShape)
  KUse = Reshape (KE, KHeadsShape)
  VUse = Reshape (VE, VHeadsShape)
)";
  else
    b += "  KUse = Identity (KAll)\n  VUse = Identity (VAll)\n";

  // Scale: sqrt(scale) on each side, as the reference does (it keeps the product in range).
  if (n.has_attr("scale")) {
    b += "  ScaleF = Constant <value_float: float = @scale> ()\n  ScaleT = CastLike (ScaleF, Q)\n";
  } else {
    b += R"(
  HeadSize = Shape <start: int = 3, end: int = 4> (QH)
  HeadSizeT = CastLike (HeadSize, Q)
  SqrtHeadSize = Sqrt (HeadSizeT)
  ScaleT = Reciprocal (SqrtHeadSize)
)";
  }
  b += R"(
  SideScale = Sqrt (ScaleT)
  QS = Mul (QH, SideScale)
  KS = Mul (KUse, SideScale)
  KT = Transpose <perm: ints = [0, 1, 3, 2]> (KS)
  Scores0 = MatMul (QS, KT)
)";
  if (n.attr_float("softcap") > 0.f)
    b += R"(
  CapF = Constant <value_float: float = @softcap> ()
  Cap = CastLike (CapF, Q)
  ScoresDiv = Div (Scores0, Cap)
  ScoresTanh = Tanh (ScoresDiv)
  Scores = Mul (ScoresTanh, Cap)
)";
  else
    b += "  Scores = Identity (Scores0)\n";

  // The additive bias, as a sum of parts; each part is 0 where attending is allowed, -inf not.
  std::vector<std::string> parts;
  b += R"(
  QLen = Shape <start: int = -2, end: int = -1> (QH)
  KVLen = Shape <start: int = -2, end: int = -1> (KAll)
)";
  if (has_mask) {
    if (n.input_type(3) == onnx::TensorProto::BOOL) b += "  MaskBias = Where (Mask, ZeroT, NegInf)\n";
    else b += "  MaskBias = CastLike (Mask, Q)\n";
    // A mask shorter than the keys (past + new) is padded with -inf.
    b += R"(
  MaskLen = Shape <start: int = -1> (Mask)
  MaskPad = Sub (KVLen, MaskLen)
  ZeroPad = Constant <value_ints: ints = [0]> ()
  MaskPads = Concat <axis: int = 0> (ZeroPad, MaskPad)
  MaskPadded = Pad (MaskBias, MaskPads, NegInf, LastAxis)
)";
    parts.push_back("MaskPadded");
  }
  if (causal || window) {
    // Positions: query rows [QLen, 1] (+ the offset), key columns [1, KVLen].
    b += R"(
  QLenS = Squeeze (QLen, ZeroAxis)
  KVLenS = Squeeze (KVLen, ZeroAxis)
  Rows1D = Range (ZeroI, QLenS, OneI)
  Cols1D = Range (ZeroI, KVLenS, OneI)
  Rows = Unsqueeze (Rows1D, LastAxis)
  Cols = Unsqueeze (Cols1D, ZeroAxis)
)";
    if (has_past) {
      b += "  PastLen = Shape <start: int = -2, end: int = -1> (PastKey)\n  RowPos = Add (Rows, PastLen)\n";
    } else if (has_nonpad) {
      // Per batch: [B, 1, 1] offsets give [B, 1, QLen, KVLen] after the reshape below.
      b += R"(
  Nonpad = CastLike (NonpadKVSeqLen, QLen)
  Offset1 = Sub (Nonpad, QLen)
  OffsetShape = Constant <value_ints: ints = [-1, 1, 1]> ()
  Offset = Reshape (Offset1, OffsetShape)
  RowPos = Add (Rows, Offset)
)";
    } else {
      b += "  RowPos = Identity (Rows)\n";
    }
    b += "  Diff = Sub (RowPos, Cols)\n";  // query position - key position
    auto allowed_part = [&](const std::string& name, const std::string& cond) {
      b += "  " + name + "Bias0 = Where (" + cond + ", ZeroT, NegInf)\n";
      if (has_nonpad && !has_past) {  // [B, QLen, KVLen] -> [B, 1, QLen, KVLen]
        b += "  " + name + "Bias = Unsqueeze (" + name + "Bias0, OneAxis)\n";
      } else {
        b += "  " + name + "Bias = Identity (" + name + "Bias0)\n";
      }
      parts.push_back(name + "Bias");
    };
    if (has_nonpad && !has_past) b += "  OneAxis = Constant <value_ints: ints = [1]> ()\n";
    if (causal) {
      b += "  ZeroDiff = CastLike (ZeroI, Diff)\n  CausalOK = GreaterOrEqual (Diff, ZeroDiff)\n";
      allowed_part("Causal", "CausalOK");
    }
    if (left >= 0) {
      n.define_ints("__left", {left});
      b += "  Left = Constant <value_ints: ints = @__left> ()\n  LeftOK = LessOrEqual (Diff, Left)\n";
      allowed_part("Left", "LeftOK");
    }
    if (right >= 0) {
      n.define_ints("__neg_right", {-right});
      b += "  NegRight = Constant <value_ints: ints = @__neg_right> ()\n  RightOK = GreaterOrEqual (Diff, NegRight)\n";
      allowed_part("Right", "RightOK");
    }
  }
  if (has_nonpad) {
    // Keys at or past nonpad_kv_seqlen[b] are padding: [B, 1, 1, KVLen].
    b += R"(
  KVLenP = Squeeze (KVLen, ZeroAxis)
  KeyPos1D = Range (ZeroI, KVLenP, OneI)
  KeyPos = Unsqueeze (KeyPos1D, ZeroAxis)
  NonpadI = CastLike (NonpadKVSeqLen, KeyPos)
  NonpadCol = Unsqueeze (NonpadI, LastAxis)
  KeyOK = Less (KeyPos, NonpadCol)
  PadBias2 = Where (KeyOK, ZeroT, NegInf)
  PadShape = Constant <value_ints: ints = [0, 1, 1, -1]> ()
  PadBias = Reshape (PadBias2, PadShape)
)";
    parts.push_back("PadBias");
  }
  std::string bias;
  for (const std::string& p : parts) {
    if (bias.empty()) {
      bias = p;
      continue;
    }
    b += "  " + p + "Sum = Add (" + bias + ", " + p + ")\n";
    bias = p + "Sum";
  }

  if (!bias.empty()) b += "  Biased = Add (Scores, " + bias + ")\n";
  else b += "  Biased = Identity (Scores)\n";
  b += "  Probs0 = Softmax <axis: int = -1> (Biased)\n";
  if (!bias.empty())
    // A row with no attendable key softmaxes to NaN; it is 0 by the operator's definition.
    b += "  BiasRowMax = ReduceMax (" + bias + R"(, LastAxis)
  RowMasked = Equal (BiasRowMax, NegInf)
  Probs = Where (RowMasked, ZeroT, Probs0)
)";
  else
    b += "  Probs = Identity (Probs0)\n";
  if (n.has_output(3)) {
    const char* qk = mode == 2 ? "Biased" : mode == 3 ? "Probs" : "Scores";
    b += std::string("  QKOutput = Identity (") + qk + ")\n";
  }
  b += "  YH = MatMul (Probs, VUse)\n";
  if (three_d)
    b += R"(
  YT = Transpose <perm: ints = [0, 2, 1, 3]> (YH)
  MergeShape = Constant <value_ints: ints = [0, 0, -1]> ()
  Y = Reshape (YT, MergeShape)
}
)";
  else
    b += "  Y = Identity (YH)\n}\n";
  return b;
}

// RotaryEmbedding-23: rotates pairs of features of each head by position-dependent angles.
// Works on [B, S, heads, D] (4-D input [B, heads, S, D] is transposed, 3-D [B, S, hidden] split
// into num_heads); the first rotary_embedding_dim features (all by default) rotate, as halves
// (x1, x2) = (first half, second half) or interleaved (even, odd) pairs:
//   (x1, x2) -> (cos * x1 - sin * x2, sin * x1 + cos * x2),
// cos/sin [B, S, rot/2] taken from the caches at position_ids when given.
std::string rotary_embedding(NodeView& n) {
  n.default_int("interleaved", 0);
  n.default_int("rotary_embedding_dim", 0);
  const int rank = n.input_rank(0);
  const bool three_d = rank == 3 || (rank < 0 && n.has_attr("num_heads"));
  if (rank >= 0 && rank != 3 && rank != 4) n.fail("input must be 3-D or 4-D, got rank " + std::to_string(rank));
  const bool interleaved = n.attr_int("interleaved") != 0;
  const int64_t rot = n.attr_int("rotary_embedding_dim");
  std::string b = header("RotaryEmbedding (X, CosCache, SinCache, PositionIds) => (Y)") + R"({
  XShape = Shape (X)
  HeadAxis = Constant <value_ints: ints = [2]> ()
  LastAxis = Constant <value_ints: ints = [-1]> ()
)";
  if (three_d) {
    if (!n.has_attr("num_heads")) n.fail("a 3-D input needs num_heads");
    n.define_ints("__split", {0, 0, n.attr_int("num_heads"), -1});
    b += "  SplitShape = Constant <value_ints: ints = @__split> ()\n  XH = Reshape (X, SplitShape)\n";
  } else {
    b += "  XH = Transpose <perm: ints = [0, 2, 1, 3]> (X)\n";
  }
  if (rot > 0) {
    n.define_ints("__rot", {rot});
    b += R"(
  Zero = Constant <value_ints: ints = [0]> ()
  Rot = Constant <value_ints: ints = @__rot> ()
  End = Constant <value_ints: ints = [9223372036854775807]> ()
  XR = Slice (XH, Zero, Rot, LastAxis)
  XPass = Slice (XH, Rot, End, LastAxis)
)";
  } else {
    b += "  XR = Identity (XH)\n";
  }
  if (n.has_input(3))
    b += "  Cos3 = Gather (CosCache, PositionIds)\n  Sin3 = Gather (SinCache, PositionIds)\n";
  else
    b += "  Cos3 = Identity (CosCache)\n  Sin3 = Identity (SinCache)\n";
  b += "  Cos = Unsqueeze (Cos3, HeadAxis)\n  Sin = Unsqueeze (Sin3, HeadAxis)\n";
  if (interleaved)
    b += R"(
  Even0 = Constant <value_ints: ints = [0]> ()
  Odd0 = Constant <value_ints: ints = [1]> ()
  Stop = Constant <value_ints: ints = [9223372036854775807]> ()
  Two = Constant <value_ints: ints = [2]> ()
  X1 = Slice (XR, Even0, Stop, LastAxis, Two)
  X2 = Slice (XR, Odd0, Stop, LastAxis, Two)
)";
  else
    b += "  X1, X2 = Split <axis: int = -1, num_outputs: int = 2> (XR)\n";
  b += R"(
  CosX1 = Mul (Cos, X1)
  SinX2 = Mul (Sin, X2)
  SinX1 = Mul (Sin, X1)
  CosX2 = Mul (Cos, X2)
  Real = Sub (CosX1, SinX2)
  Imag = Add (SinX1, CosX2)
)";
  if (interleaved)
    b += R"(
  Real1 = Unsqueeze (Real, LastAxis)
  Imag1 = Unsqueeze (Imag, LastAxis)
  Pairs = Concat <axis: int = -1> (Real1, Imag1)
  XRShape = Shape (XR)
  Rotated = Reshape (Pairs, XRShape)
)";
  else
    b += "  Rotated = Concat <axis: int = -1> (Real, Imag)\n";
  b += rot > 0 ? "  YH = Concat <axis: int = -1> (Rotated, XPass)\n" : "  YH = Identity (Rotated)\n";
  b += three_d ? "  Y = Reshape (YH, XShape)\n}\n" : "  Y = Transpose <perm: ints = [0, 2, 1, 3]> (YH)\n}\n";
  return b;
}

// IsInf-20: true where X is +inf (detect_positive) or -inf (detect_negative).
std::string is_inf(NodeView& n) {
  n.default_int("detect_positive", 1);
  n.default_int("detect_negative", 1);
  n.define_float("__inf", INFINITY);
  n.define_float("__neg_inf", -INFINITY);
  const bool pos = n.attr_int("detect_positive") != 0, neg = n.attr_int("detect_negative") != 0;
  std::string b = header("IsInf (X) => (Y)") + R"({
  InfF = Constant <value_float: float = @__inf> ()
  NegInfF = Constant <value_float: float = @__neg_inf> ()
  Inf = CastLike (InfF, X)
  NegInf = CastLike (NegInfF, X)
  IsPos = Equal (X, Inf)
  IsNeg = Equal (X, NegInf)
)";
  if (pos && neg) return b + "  Y = Or (IsPos, IsNeg)\n}";
  if (pos) return b + "  Y = Identity (IsPos)\n}";
  if (neg) return b + "  Y = Identity (IsNeg)\n}";
  return b + "  Y = Xor (IsPos, IsPos)\n}";  // detects nothing: all false
}

// IsNaN: NaN is the one value not equal to itself.
std::string is_nan(NodeView&) {
  return header("IsNaN (X) => (Y)") + R"({
  Same = Equal (X, X)
  Y = Not (Same)
})";
}

// EyeLike: ones where column - row == k of a 2-D tensor shaped like X, in 'dtype' (else X's).
std::string eye_like(NodeView& n) {
  n.default_int("k", 0);
  std::string b = header("EyeLike <k, dtype> (X) => (Y)") + R"({
  Rows1 = Shape <start: int = 0, end: int = 1> (X)
  Cols1 = Shape <start: int = 1, end: int = 2> (X)
  ZeroAxis = Constant <value_ints: ints = [0]> ()
  One = Constant <value_int: int = 1> ()
  Zero = Constant <value_int: int = 0> ()
  RowCount = Squeeze (Rows1, ZeroAxis)
  ColCount = Squeeze (Cols1, ZeroAxis)
  RowIdx1D = Range (Zero, RowCount, One)
  ColIdx1D = Range (Zero, ColCount, One)
  LastAxis = Constant <value_ints: ints = [-1]> ()
  RowIdx = Unsqueeze (RowIdx1D, LastAxis)
  ColIdx = Unsqueeze (ColIdx1D, ZeroAxis)
  K = Constant <value_int: int = @k> ()
  Diagonal = Add (RowIdx, K)
  OnDiagonal = Equal (ColIdx, Diagonal)
)";
  return b + (n.has_attr("dtype") ? "  Y = Cast <to: int = @dtype> (OnDiagonal)\n}" : "  Y = CastLike (OnDiagonal, X)\n}");
}

// LpPool: (sum over the window of |x|^p)^(1/p) = (AveragePool(|x|^p) * window size)^(1/p), the
// average counting padding as zeros.
std::string lp_pool(NodeView& n) {
  n.default_int("p", 2);
  const A& kernel = n.attr("kernel_shape");
  double window = 1;
  for (int64_t k : kernel.ints()) window *= double(k);
  int64_t p = n.attr_int("p");
  if (p < 1) n.fail("p = " + std::to_string(p) + " is not supported (p >= 1)");
  n.define_float("__window", float(window));
  n.define_float("__p", float(p));
  n.define_float("__inv_p", float(1.0 / double(p)));
  // The window attributes are passed through; absent ones keep AveragePool's defaults, which
  // are LpPool's.
  std::string pool_attrs = "count_include_pad: int = 1" +
                           n.pass_through({"kernel_shape", "auto_pad", "pads", "strides", "dilations", "ceil_mode"});
  std::string b = header("LpPool (X) => (Y)") + R"({
  WindowF = Constant <value_float: float = @__window> ()
  Window = CastLike (WindowF, X)
)";
  if (p == 1) b += "  Powered = Abs (X)\n";
  else if (p == 2) b += "  Powered = Mul (X, X)\n";
  else b += "  PF = Constant <value_float: float = @__p> ()\n  P = CastLike (PF, X)\n  AbsX = Abs (X)\n  Powered = Pow (AbsX, P)\n";
  b += "  Mean = AveragePool <" + pool_attrs + "> (Powered)\n  Sum = Mul (Mean, Window)\n";
  if (p == 1) b += "  Y = Identity (Sum)\n}";
  else if (p == 2) b += "  Y = Sqrt (Sum)\n}";
  else b += "  InvPF = Constant <value_float: float = @__inv_p> ()\n  InvP = CastLike (InvPF, X)\n  Y = Pow (Sum, InvP)\n}";
  return b;
}

// The integer types a QuantizeLinear may produce here, with their saturation range.
struct QuantType {
  int32_t elem_type;
  float lo, hi;
};
const QuantType* quant_type(int32_t elem_type) {
  static const QuantType kTypes[] = {{onnx::TensorProto::UINT8, 0.f, 255.f},
                                     {onnx::TensorProto::INT8, -128.f, 127.f},
                                     {onnx::TensorProto::UINT16, 0.f, 65535.f},
                                     {onnx::TensorProto::INT16, -32768.f, 32767.f}};
  for (const QuantType& t : kTypes)
    if (t.elem_type == elem_type) return &t;
  return nullptr;
}

// Scale (and ZeroPoint when |zero_point|) made to broadcast against X: a scalar as it is, a 1-D
// per-axis parameter [C] reshaped to [C, 1, ..., 1] (one 1 per axis after 'axis'), a blocked
// one (block_size > 0, X's rank) repeated block_size times along 'axis' and cut to X's extent.
// Defines ScaleB and ZeroPointB.
std::string quant_params(NodeView& n, bool zero_point) {
  n.default_int("axis", 1);
  n.default_int("block_size", 0);
  const int64_t block = n.attr_int("block_size");
  if (block < 0) n.fail("block_size must be >= 0");
  std::vector<std::string> params = {"Scale"};
  if (zero_point) params.push_back("ZeroPoint");
  std::string b = kAxisPrelude;
  b += R"(
  Axis1D = Unsqueeze (PosAxis, ZeroAxis)
  After1D = Add (Axis1D, One)
  Rank1D = Unsqueeze (Rank, ZeroAxis)
)";
  if (block == 0) {
    b += R"(
  Later = Slice (XShape, After1D, Rank1D)
  LaterRank = Shape (Later)
  LaterOnes = ConstantOfShape <value: tensor = int64[1] {1}> (LaterRank)
  MinusOne = Constant <value_ints: ints = [-1]> ()
  ParamShape = Concat <axis: int = 0> (MinusOne, LaterOnes)
)";
    // A scalar becomes [1, ..., 1] of rank <= X's: it still broadcasts as a scalar.
    for (const std::string& p : params) b += "  " + p + "B = Reshape (" + p + ", ParamShape)\n";
    return b;
  }
  n.define_ints("__block", {block});
  b += R"(
  Block = Constant <value_ints: ints = @__block> ()
  Extent = Slice (XShape, Axis1D, After1D)
  ZeroStart = Constant <value_ints: ints = [0]> ()
)";
  for (const std::string& p : params)
    b += "  " + p + "Shape = Shape (" + p + ")\n" +
         "  " + p + "Before = Slice (" + p + "Shape, ZeroStart, Axis1D)\n" +
         "  " + p + "Blocks = Slice (" + p + "Shape, Axis1D, After1D)\n" +
         "  " + p + "After = Slice (" + p + "Shape, After1D, Rank1D)\n" +
         "  " + p + "Wide = Concat <axis: int = 0> (" + p + "Before, " + p + "Blocks, Block, " + p + "After)\n" +
         "  " + p + "Merged = Concat <axis: int = 0> (" + p + "Before, MinusOneB, " + p + "After)\n" +
         "  " + p + "U = Unsqueeze (" + p + ", After1D)\n" +
         "  " + p + "E = Expand (" + p + "U, " + p + "Wide)\n" +
         "  " + p + "R = Reshape (" + p + "E, " + p + "Merged)\n" +
         "  " + p + "B = Slice (" + p + "R, ZeroStart, Extent, Axis1D)\n";
  return "  MinusOneB = Constant <value_ints: ints = [-1]> ()\n" + b;
}

// DequantizeLinear: (X - zero_point) * scale, in scale's type (or output_dtype).
std::string dequantize_linear(NodeView& n) {
  const bool zp = n.has_input(2);
  std::string b = header("DequantizeLinear <axis, block_size> (X, Scale, ZeroPoint) => (Y)") + "{" +
                  quant_params(n, zp) + "  XF = CastLike (X, Scale)\n";
  if (zp) b += "  ZeroPointF = CastLike (ZeroPointB, Scale)\n  Centered = Sub (XF, ZeroPointF)\n";
  else b += "  Centered = Identity (XF)\n";
  b += "  Scaled = Mul (Centered, ScaleB)\n";
  if (n.has_attr("output_dtype") && n.attr_int("output_dtype") != 0)
    return b + "  Y = Cast <to: int = @output_dtype> (Scaled)\n}";
  return b + "  Y = Identity (Scaled)\n}";
}

// QuantizeLinear: saturate(round_half_even(X / scale) + zero_point) in zero_point's type (or
// output_dtype, else uint8).
std::string quantize_linear(NodeView& n) {
  const bool zp = n.has_input(2);
  int32_t type = zp ? n.input_type(2) : 0;
  if (n.has_attr("output_dtype") && n.attr_int("output_dtype") != 0) type = int32_t(n.attr_int("output_dtype"));
  if (!zp && type == 0) type = onnx::TensorProto::UINT8;
  if (type == 0) n.fail("the element type of y_zero_point is unknown");
  const QuantType* q = quant_type(type);
  if (!q) n.fail("quantizing to element type " + std::to_string(type) + " is not supported (uint8, int8, uint16, int16)");
  n.define_float("__lo", q->lo);
  n.define_float("__hi", q->hi);
  n.define_ints("__to", {type});
  std::string b = header("QuantizeLinear <axis, block_size> (X, Scale, ZeroPoint) => (Y)") + "{" + quant_params(n, zp);
  b += R"(
  Ratio = Div (X, ScaleB)
  Rounded = Round (Ratio)
)";
  if (zp) b += "  ZeroPointF = CastLike (ZeroPointB, X)\n  Shifted = Add (Rounded, ZeroPointF)\n";
  else b += "  Shifted = Identity (Rounded)\n";
  b += R"(
  LoF = Constant <value_float: float = @__lo> ()
  HiF = Constant <value_float: float = @__hi> ()
  Lo = CastLike (LoF, X)
  Hi = CastLike (HiF, X)
  Clipped = Clip (Shifted, Lo, Hi)
)";
  b += "  Y = Cast <to: int = " + std::to_string(type) + "> (Clipped)\n}";
  return b;
}

// QLinearMatMul: quantize(dequantize(A) @ dequantize(B)); A's parameters are per tensor or per
// row (made [M, 1]), B's per tensor or per column ([N] broadcasts as it is).
std::string qlinear_matmul(NodeView& n) {
  if (n.input_type(7) == 0) n.fail("the element type of y_zero_point is unknown");
  return header("QLinearMatMul (A, AScale, AZeroPoint, B, BScale, BZeroPoint, YScale, YZeroPoint) => (Y)") + R"({
  LastAxis = Constant <value_ints: ints = [-1]> ()
  AScaleRow = Unsqueeze (AScale, LastAxis)
  AZeroRow = Unsqueeze (AZeroPoint, LastAxis)
  AF = CastLike (A, AScale)
  AZ = CastLike (AZeroRow, AScale)
  ACentered = Sub (AF, AZ)
  AReal = Mul (ACentered, AScaleRow)
  BF = CastLike (B, BScale)
  BZ = CastLike (BZeroPoint, BScale)
  BCentered = Sub (BF, BZ)
  BReal = Mul (BCentered, BScale)
  YReal = MatMul (AReal, BReal)
  Y = QuantizeLinear (YReal, YScale, YZeroPoint)
})";
}

// QLinearConv: quantize(conv(dequantize(X), dequantize(W)) + B * x_scale * w_scale), W's
// parameters per tensor or per output channel (made [M, 1, 1, 1]); B is int32 in the
// accumulator's scale.
std::string qlinear_conv(NodeView& n) {
  if (n.input_type(7) == 0) n.fail("the element type of y_zero_point is unknown");
  std::string conv_attrs = n.pass_through({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  std::string conv = conv_attrs.empty() ? "Conv" : "Conv <" + conv_attrs.substr(2) + ">";
  std::string b = header("QLinearConv (X, XScale, XZeroPoint, W, WScale, WZeroPoint, YScale, YZeroPoint, B) => (Y)") + R"({
  ChannelShape = Constant <value_ints: ints = [-1, 1, 1, 1]> ()
  XF = CastLike (X, XScale)
  XZ = CastLike (XZeroPoint, XScale)
  XCentered = Sub (XF, XZ)
  XReal = Mul (XCentered, XScale)
  WScaleC = Reshape (WScale, ChannelShape)
  WZeroC = Reshape (WZeroPoint, ChannelShape)
  WF = CastLike (W, WScale)
  WZ = CastLike (WZeroC, WScale)
  WCentered = Sub (WF, WZ)
  WReal = Mul (WCentered, WScaleC)
)";
  if (n.has_input(8))
    b += R"(
  BF = CastLike (B, XScale)
  BScale = Mul (XScale, WScale)
  BReal = Mul (BF, BScale)
  YReal = )" + conv + R"( (XReal, WReal, BReal)
)";
  else
    b += "  YReal = " + conv + " (XReal, WReal)\n";
  return b + "  Y = QuantizeLinear (YReal, YScale, YZeroPoint)\n}";
}

// SwiGLU: Swish(A, alpha) * B.
std::string swiglu(NodeView& n) {
  n.default_float("alpha", 1.f);
  return header("SwiGLU <alpha> (A, B) => (Y)") + R"({
  Gate = Swish <alpha: float = @alpha> (A)
  Y = Mul (Gate, B)
})";
}

// AffineGrid-20: grid[n, p] = theta[n] @ (x_p, y_p[, z_p], 1) over the output's spatial points,
// coordinates normalised to [-1, 1]: (2i + 1) / S - 1, or 2i / (S - 1) - 1 with align_corners.
// The spatial rank (2 or 3) is the declared length of 'size' minus 2, else of theta's rows.
std::string affine_grid(NodeView& n) {
  n.default_int("align_corners", 0);
  int64_t k = n.input_dim(1, 0) > 0 ? n.input_dim(1, 0) - 2 : n.input_dim(0, 1);
  if (k != 2 && k != 3) n.fail("the spatial rank (2 or 3) is unknown: declare the length of 'size'");
  const bool align = n.attr_int("align_corners") != 0;
  std::string b = header("AffineGrid (Theta, Size) => (Grid)") + R"({
  ZeroAxis = Constant <value_ints: ints = [0]> ()
  LastAxis = Constant <value_ints: ints = [-1]> ()
  ZeroI = Constant <value_int: int = 0> ()
  OneI = Constant <value_int: int = 1> ()
  OneF = Constant <value_float: float = 1.0> ()
  TwoF = Constant <value_float: float = 2.0> ()
  One = CastLike (OneF, Theta)
  Two = CastLike (TwoF, Theta)
  OneAxis = Constant <value_ints: ints = [1]> ()
  TwoAxis = Constant <value_ints: ints = [2]> ()
  End = Constant <value_ints: ints = [9223372036854775807]> ()
  Batch = Slice (Size, ZeroAxis, OneAxis)
  Spatial = Slice (Size, TwoAxis, End)
)";
  // Coordinates along spatial axis d, shaped [1 .. S_d .. 1] to broadcast over the grid.
  std::vector<std::string> coords;
  for (int64_t d = 0; d < k; ++d) {
    std::string D = std::to_string(d);
    std::vector<int64_t> shape(size_t(k), 1);
    shape[size_t(d)] = -1;
    n.define_ints("__coord_shape" + D, shape);
    n.define_ints("__axis" + D, {2 + d});
    n.define_ints("__axis_end" + D, {3 + d});
    b += "  Start" + D + " = Constant <value_ints: ints = @__axis" + D + "> ()\n";
    b += "  Stop" + D + " = Constant <value_ints: ints = @__axis_end" + D + "> ()\n";
    b += "  S1_" + D + " = Slice (Size, Start" + D + ", Stop" + D + ")\n";
    b += "  S" + D + " = Squeeze (S1_" + D + ", ZeroAxis)\n";
    b += "  Idx" + D + " = Range (ZeroI, S" + D + ", OneI)\n";
    b += "  IdxF" + D + " = CastLike (Idx" + D + ", Theta)\n";
    b += "  SF" + D + " = CastLike (S" + D + ", Theta)\n";
    b += "  Twice" + D + " = Mul (IdxF" + D + ", Two)\n";
    if (align) {
      b += "  Den" + D + " = Sub (SF" + D + ", One)\n";
      b += "  Ratio" + D + " = Div (Twice" + D + ", Den" + D + ")\n";
    } else {
      b += "  Odd" + D + " = Add (Twice" + D + ", One)\n";
      b += "  Ratio" + D + " = Div (Odd" + D + ", SF" + D + ")\n";
    }
    b += "  C1_" + D + " = Sub (Ratio" + D + ", One)\n";
    b += "  CShape" + D + " = Constant <value_ints: ints = @__coord_shape" + D + "> ()\n";
    b += "  CB" + D + " = Reshape (C1_" + D + ", CShape" + D + ")\n";
    b += "  CE" + D + " = Expand (CB" + D + ", Spatial)\n";
    b += "  Coord" + D + " = Unsqueeze (CE" + D + ", LastAxis)\n";
    coords.push_back("Coord" + D);
  }
  // Homogeneous points (x, y[, z], 1): x is the last spatial axis.
  b += "  OnesE = Expand (One, Spatial)\n  Ones = Unsqueeze (OnesE, LastAxis)\n  Points = Concat <axis: int = -1> (";
  for (auto it = coords.rbegin(); it != coords.rend(); ++it) b += *it + ", ";
  n.define_ints("__homog", {-1, k + 1});
  n.define_ints("__k", {k});
  b += R"(Ones)
  HomogShape = Constant <value_ints: ints = @__homog> ()
  Flat = Reshape (Points, HomogShape)
  ThetaT = Transpose <perm: ints = [0, 2, 1]> (Theta)
  GridFlat = MatMul (Flat, ThetaT)
  K = Constant <value_ints: ints = @__k> ()
  GridShape = Concat <axis: int = 0> (Batch, Spatial, K)
  Grid = Reshape (GridFlat, GridShape)
})";
  return b;
}

// CausalConvWithState: a depthwise causal 1-D convolution over [B, C, L] continuing from
// past_state (the previous k - 1 inputs, zeros when absent), run as a 2-D convolution over
// [B, C, 1, k - 1 + L]; present_state is the last k - 1 columns of the padded input.
// activation 'silu'/'swish' multiplies by the sigmoid. The channel count (Conv's group) must
// be declared: weight [C, 1, k] or input [B, C, L].
std::string causal_conv_with_state(NodeView& n) {
  n.default_string("activation", "none");
  const std::string act = n.attr_string("activation");
  if (act != "none" && act != "silu" && act != "swish")
    n.fail("activation '" + act + "' is not supported (none, silu, swish)");
  int64_t channels = n.input_dim(1, 0) > 0 ? n.input_dim(1, 0) : n.input_dim(0, 1);
  if (channels <= 0) n.fail("the channel count is unknown: declare the shape of weight or input");
  std::string b = header("CausalConvWithState (X, W, B, PastState) => (Y, PresentState)") + R"({
  SpatialAxis = Constant <value_ints: ints = [2]> ()
  KSize = Shape <start: int = 2, end: int = 3> (W)
  One = Constant <value_ints: ints = [1]> ()
  History = Sub (KSize, One)
)";
  if (n.has_input(3)) {
    b += "  Padded = Concat <axis: int = 2> (PastState, X)\n";
  } else {
    b += R"(
  Zeros2 = Constant <value_ints: ints = [0, 0]> ()
  Zeros3 = Constant <value_ints: ints = [0, 0, 0]> ()
  Pads = Concat <axis: int = 0> (Zeros2, History, Zeros3)
  Padded = Pad (X, Pads)
)";
  }
  b += R"(
  Padded4 = Unsqueeze (Padded, SpatialAxis)
  W4 = Unsqueeze (W, SpatialAxis)
)";
  b += "  Conv4 = Conv <group: int = " + std::to_string(channels) + ">" +
       (n.has_input(2) ? " (Padded4, W4, B)\n" : " (Padded4, W4)\n");
  b += "  Conv = Squeeze (Conv4, SpatialAxis)\n";
  if (act == "none") b += "  Y = Identity (Conv)\n";
  else b += "  Gate = Sigmoid (Conv)\n  Y = Mul (Conv, Gate)\n";
  if (n.has_output(1))
    b += R"(
  Total = Shape <start: int = 2, end: int = 3> (Padded)
  StateStart = Sub (Total, History)
  StateEnd = Constant <value_ints: ints = [9223372036854775807]> ()
  PresentState = Slice (Padded, StateStart, StateEnd, SpatialAxis)
)";
  return b + "}";
}

// LRN: x / (bias + alpha / size * sum of x^2 over the size nearest channels)^beta. The channel
// window sum is an AveragePool (padding counted, so it divides by size) over x^2 viewed as
// [N, 1, C, rest]; the window spans floor((size-1)/2) channels before and ceil(...) after.
std::string lrn(NodeView& n) {
  n.default_float("alpha", 1e-4f);
  n.default_float("beta", 0.75f);
  n.default_float("bias", 1.f);
  const int64_t size = n.attr_int("size");
  if (size < 1) n.fail("size must be >= 1");
  n.define_ints("__kernel", {size, 1});
  n.define_ints("__pads", {(size - 1) / 2, 0, size - 1 - (size - 1) / 2, 0});
  return header("LRN <alpha, beta, bias> (X) => (Y)") + R"({
  XShape = Shape (X)
  Square = Mul (X, X)
  ViewShape = Constant <value_ints: ints = [0, 1, 0, -1]> ()
  SquareView = Reshape (Square, ViewShape)
  WindowMean = AveragePool <kernel_shape: ints = @__kernel, pads: ints = @__pads, count_include_pad: int = 1> (SquareView)
  Mean = Reshape (WindowMean, XShape)
  AlphaF = Constant <value_float: float = @alpha> ()
  BetaF = Constant <value_float: float = @beta> ()
  BiasF = Constant <value_float: float = @bias> ()
  Alpha = CastLike (AlphaF, X)
  Beta = CastLike (BetaF, X)
  Bias = CastLike (BiasF, X)
  Scaled = Mul (Mean, Alpha)
  Base = Add (Scaled, Bias)
  Denominator = Pow (Base, Beta)
  Y = Div (X, Denominator)
})";
}

// RNN, GRU and LSTM, unrolled over the declared sequence length. Per direction d (the reverse
// direction walks t from the end) and step t, with the gate weights W_d / R_d transposed once:
//   RNN:  H = f(X_t W^T + H R^T + Wb + Rb)
//   GRU:  z, r = f(X_t W_zr^T + H R_zr^T + b_zr); h~ = g(X_t W_h^T + (r * H) R_h^T + Rb_h + Wb_h)
//         (linear_before_reset: r * (H R_h^T + Rb_h)); H = (1 - z) * h~ + z * H
//   LSTM: i, o, f, c~ from X_t W^T + H R^T + b (peepholes P add to i, f from C_prev and to o from
//         C); C = f * C_prev + i * g(c~); H = f(o) * h(C); input_forget couples f = 1 - i
// clip bounds the gate pre-activations. H and C start from initial_h / initial_c or zeros. Y
// stacks every step's H ([seq, dirs, batch, hidden]; layout 1: [batch, seq, dirs, hidden]);
// Y_h / Y_c are the last ones per direction. With sequence_lens, a step at or past a batch
// entry's length leaves its state unchanged and its Y zero (for the reverse direction that makes
// each sequence start at its own last element).
enum class Cell { Rnn, Gru, Lstm };

std::string recurrent(NodeView& n, Cell cell) {
  n.default_int("layout", 0);
  n.default_string("direction", "forward");
  const std::string direction = n.attr_string("direction");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    n.fail("direction '" + direction + "' is not defined");
  const int dirs = direction == "bidirectional" ? 2 : 1;
  const bool batch_first = n.attr_int("layout") != 0;
  const bool seq_lens = n.has_input(4);
  const int64_t seq = n.input_dim(0, batch_first ? 1 : 0);
  if (seq <= 0) n.fail("the sequence length is unknown: declare X's shape");
  const std::vector<std::string> per_dir = cell == Cell::Rnn   ? std::vector<std::string>{"Tanh"}
                                           : cell == Cell::Gru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                               : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  std::vector<std::string> acts;
  for (int d = 0; d < dirs; ++d) acts.insert(acts.end(), per_dir.begin(), per_dir.end());
  if (n.has_attr("activations")) acts = n.attr_strings("activations");
  if (acts.size() != per_dir.size() * size_t(dirs)) n.fail("activations needs " + std::to_string(per_dir.size()) + " entries per direction");
  for (const std::string& a : acts)
    if (a != "Tanh" && a != "Relu" && a != "Sigmoid") n.fail("activation '" + a + "' is not supported (Tanh, Relu, Sigmoid)");
  if (n.has_attr("activation_alpha") || n.has_attr("activation_beta"))
    n.fail("activation_alpha/activation_beta are not supported");
  const bool lstm = cell == Cell::Lstm, gru = cell == Cell::Gru;
  const bool peepholes = lstm && n.has_input(7);
  const bool coupled = lstm && n.has_attr("input_forget") && n.attr_int("input_forget") != 0;
  const bool lbr = gru && n.has_attr("linear_before_reset") && n.attr_int("linear_before_reset") != 0;
  const bool has_bias = n.has_input(3);

  std::string b = header(std::string(lstm ? "LSTM" : gru ? "GRU" : "RNN") +
                         " <clip> (X, W, R, B, SequenceLens, InitialH, InitialC, P) => (Y, YH, YC)") + R"({
  Axis0 = Constant <value_ints: ints = [0]> ()
  Axis01 = Constant <value_ints: ints = [0, 1]> ()
  OneF = Constant <value_float: float = 1.0> ()
  OneT = CastLike (OneF, X)
)";
  b += batch_first ? "  XS = Transpose <perm: ints = [1, 0, 2]> (X)\n" : "  XS = Identity (X)\n";
  if (seq_lens)
    b += R"(
  OneAxis = Constant <value_ints: ints = [1]> ()
  Lens = Cast <to: int = 7> (SequenceLens)
  LensCol = Unsqueeze (Lens, OneAxis)
)";
  if (!n.has_input(5) || (lstm && !n.has_input(6)) || seq_lens)
    b += R"(
  Batch = Shape <start: int = 1, end: int = 2> (XS)
  Hidden = Shape <start: int = 2, end: int = 3> (R)
  HShape = Concat <axis: int = 0> (Batch, Hidden)
  ZeroF = Constant <value_float: float = 0.0> ()
  ZeroT = CastLike (ZeroF, X)
  Zeros = Expand (ZeroT, HShape)
)";
  if (n.has_attr("clip"))
    b += "  ClipF = Constant <value_float: float = @clip> ()\n  ClipHi = CastLike (ClipF, X)\n  ClipLo = Neg (ClipHi)\n";
  for (int64_t t = 0; t < seq; ++t) {
    std::string T = std::to_string(t);
    n.define_ints("__t" + T, {t});
    n.define_ints("__t_end" + T, {t + 1});
    b += "  T" + T + " = Constant <value_ints: ints = @__t" + T + "> ()\n";
    b += "  TEnd" + T + " = Constant <value_ints: ints = @__t_end" + T + "> ()\n";
    b += "  XSlice" + T + " = Slice (XS, T" + T + ", TEnd" + T + ", Axis0)\n";
    b += "  X" + T + " = Squeeze (XSlice" + T + ", Axis0)\n";
  }
  const int gates = lstm ? 4 : gru ? 3 : 1;
  const std::string split_n = std::to_string(gates);
  // |pre| with clip applied, through activation |act|, as |out|.
  auto activate = [&](const std::string& act, const std::string& pre, const std::string& out) {
    std::string x = pre;
    if (n.has_attr("clip")) {
      b += "  " + pre + "C = Clip (" + pre + ", ClipLo, ClipHi)\n";
      x = pre + "C";
    }
    b += "  " + out + " = " + act + " (" + x + ")\n";
  };
  std::vector<std::vector<std::string>> step_out(static_cast<size_t>(seq));  // [t][d]: [1, 1, batch, hidden]
  std::vector<std::string> last_h, last_c;
  for (int d = 0; d < dirs; ++d) {
    const std::string D = std::to_string(d);
    const std::string f = acts[size_t(d) * per_dir.size()];
    const std::string g = per_dir.size() > 1 ? acts[size_t(d) * per_dir.size() + 1] : "";
    const std::string h_act = per_dir.size() > 2 ? acts[size_t(d) * per_dir.size() + 2] : "";
    n.define_ints("__d" + D, {d});
    n.define_ints("__d_end" + D, {d + 1});
    b += "  Dir" + D + " = Constant <value_ints: ints = @__d" + D + "> ()\n";
    b += "  DirEnd" + D + " = Constant <value_ints: ints = @__d_end" + D + "> ()\n";
    auto slice_dir = [&](const std::string& m, const std::string& out) {
      b += "  " + out + "S = Slice (" + m + ", Dir" + D + ", DirEnd" + D + ", Axis0)\n";
      b += "  " + out + " = Squeeze (" + out + "S, Axis0)\n";
    };
    slice_dir("W", "W" + D);
    b += "  WT" + D + " = Transpose (W" + D + ")\n";
    slice_dir("R", "R" + D);
    if (gru) {
      // z and r use H R_zr^T together; h~ needs R_h apart.
      b += "  Rzr" + D + ", Rh" + D + " = Split <axis: int = 0> (R" + D + ", Split21)\n";
      b += "  RzrT" + D + " = Transpose (Rzr" + D + ")\n  RhT" + D + " = Transpose (Rh" + D + ")\n";
    } else {
      b += "  RT" + D + " = Transpose (R" + D + ")\n";
    }
    if (has_bias) {
      slice_dir("B", "B" + D);
      b += "  Wb" + D + ", Rb" + D + " = Split <axis: int = 0, num_outputs: int = 2> (B" + D + ")\n";
      if (gru) {
        b += "  Wbzr" + D + ", Wbh" + D + " = Split <axis: int = 0> (Wb" + D + ", Split21)\n";
        b += "  Rbzr" + D + ", Rbh" + D + " = Split <axis: int = 0> (Rb" + D + ", Split21)\n";
        b += "  Bzr" + D + " = Add (Wbzr" + D + ", Rbzr" + D + ")\n";
      } else {
        b += "  Bias" + D + " = Add (Wb" + D + ", Rb" + D + ")\n";
      }
    }
    if (peepholes) {
      slice_dir("P", "P" + D);
      b += "  Pi" + D + ", Po" + D + ", Pf" + D + " = Split <axis: int = 0, num_outputs: int = 3> (P" + D + ")\n";
    }
    std::string h = "Zeros", c = "Zeros";
    if (n.has_input(5)) {
      slice_dir("InitialH", "HInit" + D);
      h = "HInit" + D;
    }
    if (lstm && n.has_input(6)) {
      slice_dir("InitialC", "CInit" + D);
      c = "CInit" + D;
    }
    const bool reverse = direction == "reverse" || d == 1;
    for (int64_t i = 0; i < seq; ++i) {
      const int64_t t = reverse ? seq - 1 - i : i;
      const std::string S = D + "_" + std::to_string(t), T = std::to_string(t);
      b += "  XW" + S + " = MatMul (X" + T + ", WT" + D + ")\n";
      if (gru) {
        b += "  XWzr" + S + ", XWh" + S + " = Split <axis: int = 1> (XW" + S + ", Split21)\n";
        b += "  HRzr" + S + " = MatMul (" + h + ", RzrT" + D + ")\n";
        b += "  Gzr0" + S + " = Add (XWzr" + S + ", HRzr" + S + ")\n";
        b += has_bias ? "  Gzr" + S + " = Add (Gzr0" + S + ", Bzr" + D + ")\n" : "  Gzr" + S + " = Identity (Gzr0" + S + ")\n";
        activate(f, "Gzr" + S, "ZR" + S);
        b += "  Z" + S + ", Rg" + S + " = Split <axis: int = 1, num_outputs: int = 2> (ZR" + S + ")\n";
        if (lbr) {
          b += "  HRh" + S + " = MatMul (" + h + ", RhT" + D + ")\n";
          b += has_bias ? "  HRhb" + S + " = Add (HRh" + S + ", Rbh" + D + ")\n" : "  HRhb" + S + " = Identity (HRh" + S + ")\n";
          b += "  RHR" + S + " = Mul (Rg" + S + ", HRhb" + S + ")\n";
          b += "  Gh0" + S + " = Add (XWh" + S + ", RHR" + S + ")\n";
          b += has_bias ? "  Gh" + S + " = Add (Gh0" + S + ", Wbh" + D + ")\n" : "  Gh" + S + " = Identity (Gh0" + S + ")\n";
        } else {
          b += "  RH" + S + " = Mul (Rg" + S + ", " + h + ")\n";
          b += "  RHR" + S + " = MatMul (RH" + S + ", RhT" + D + ")\n";
          b += "  Gh0" + S + " = Add (XWh" + S + ", RHR" + S + ")\n";
          if (has_bias)
            b += "  Gh1" + S + " = Add (Gh0" + S + ", Rbh" + D + ")\n  Gh" + S + " = Add (Gh1" + S + ", Wbh" + D + ")\n";
          else
            b += "  Gh" + S + " = Identity (Gh0" + S + ")\n";
        }
        activate(g, "Gh" + S, "Hc" + S);
        b += "  OneMinusZ" + S + " = Sub (OneT, Z" + S + ")\n";
        b += "  NewPart" + S + " = Mul (OneMinusZ" + S + ", Hc" + S + ")\n";
        b += "  OldPart" + S + " = Mul (Z" + S + ", " + h + ")\n";
        b += "  H" + S + " = Add (NewPart" + S + ", OldPart" + S + ")\n";
      } else {
        b += "  HR" + S + " = MatMul (" + h + ", RT" + D + ")\n";
        b += "  G0" + S + " = Add (XW" + S + ", HR" + S + ")\n";
        b += has_bias ? "  G" + S + " = Add (G0" + S + ", Bias" + D + ")\n" : "  G" + S + " = Identity (G0" + S + ")\n";
        if (!lstm) {
          activate(f, "G" + S, "H" + S);
        } else {
          b += "  Gi" + S + ", Go" + S + ", Gf" + S + ", Gc" + S + " = Split <axis: int = 1, num_outputs: int = " + split_n +
               "> (G" + S + ")\n";
          std::string gi = "Gi" + S, gf = "Gf" + S, go = "Go" + S;
          if (peepholes) {
            b += "  PiC" + S + " = Mul (Pi" + D + ", " + c + ")\n  GiP" + S + " = Add (Gi" + S + ", PiC" + S + ")\n";
            b += "  PfC" + S + " = Mul (Pf" + D + ", " + c + ")\n  GfP" + S + " = Add (Gf" + S + ", PfC" + S + ")\n";
            gi = "GiP" + S;
            gf = "GfP" + S;
          }
          activate(f, gi, "I" + S);
          if (coupled) b += "  F" + S + " = Sub (OneT, I" + S + ")\n";
          else activate(f, gf, "F" + S);
          activate(g, "Gc" + S, "Cc" + S);
          b += "  FC" + S + " = Mul (F" + S + ", " + c + ")\n";
          b += "  IC" + S + " = Mul (I" + S + ", Cc" + S + ")\n";
          b += "  C" + S + " = Add (FC" + S + ", IC" + S + ")\n";
          if (peepholes) {
            b += "  PoC" + S + " = Mul (Po" + D + ", C" + S + ")\n  GoP" + S + " = Add (Go" + S + ", PoC" + S + ")\n";
            go = "GoP" + S;
          }
          activate(f, go, "O" + S);
          b += "  HC" + S + " = " + h_act + " (C" + S + ")\n";
          b += "  H" + S + " = Mul (O" + S + ", HC" + S + ")\n";
          if (!seq_lens) c = "C" + S;  // with lengths, the masked update below sets it
        }
      }
      std::string y = "H" + S;
      if (seq_lens) {
        // Rows past their sequence keep the previous state and output zeros.
        n.define_ints("__step" + S, {t});
        b += "  StepI" + S + " = Constant <value_ints: ints = @__step" + S + "> ()\n";
        b += "  Valid" + S + " = Less (StepI" + S + ", LensCol)\n";
        b += "  HM" + S + " = Where (Valid" + S + ", H" + S + ", " + h + ")\n";
        b += "  YM" + S + " = Where (Valid" + S + ", H" + S + ", Zeros)\n";
        y = "YM" + S;
        h = "HM" + S;
        if (lstm) {
          b += "  CM" + S + " = Where (Valid" + S + ", C" + S + ", " + c + ")\n";
          c = "CM" + S;
        }
      } else {
        h = "H" + S;
      }
      if (n.has_output(0)) {
        b += "  HY" + S + " = Unsqueeze (" + y + ", Axis01)\n";
        step_out[size_t(t)].push_back("HY" + S);
      }
    }
    b += "  LastH" + D + " = Unsqueeze (" + h + ", Axis0)\n";
    last_h.push_back("LastH" + D);
    if (lstm) {
      b += "  LastC" + D + " = Unsqueeze (" + c + ", Axis0)\n";
      last_c.push_back("LastC" + D);
    }
  }
  if (gru) {
    // [2h, h] split of a [3h, ...] gate block: the hidden size from R.
    b.insert(b.find("  OneF ="), "  HiddenSize = Shape <start: int = 2, end: int = 3> (R)\n"
                                 "  TwoHidden = Add (HiddenSize, HiddenSize)\n"
                                 "  Split21 = Concat <axis: int = 0> (TwoHidden, HiddenSize)\n");
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  if (n.has_output(0)) {
    std::vector<std::string> steps;
    for (int64_t t = 0; t < seq; ++t) {
      b += "  Step" + std::to_string(t) + " = Concat <axis: int = 1> (" + join(step_out[size_t(t)]) + ")\n";
      steps.push_back("Step" + std::to_string(t));
    }
    b += "  YS = Concat <axis: int = 0> (" + join(steps) + ")\n";
    b += batch_first ? "  Y = Transpose <perm: ints = [2, 0, 1, 3]> (YS)\n" : "  Y = Identity (YS)\n";
  }
  b += "  YHS = Concat <axis: int = 0> (" + join(last_h) + ")\n";
  b += batch_first ? "  YH = Transpose <perm: ints = [1, 0, 2]> (YHS)\n" : "  YH = Identity (YHS)\n";
  if (lstm && n.has_output(2)) {
    b += "  YCS = Concat <axis: int = 0> (" + join(last_c) + ")\n";
    b += batch_first ? "  YC = Transpose <perm: ints = [1, 0, 2]> (YCS)\n" : "  YC = Identity (YCS)\n";
  }
  return b + "}";
}

// Along-axis position bodies (ReverseSequence, TensorScatter) need the input's rank: their
// index tensors are shaped to broadcast along one axis.
int64_t declared_rank(NodeView& n, int input) {
  if (n.input_rank(input) < 0) n.fail("the rank of input " + std::to_string(input) + " must be declared");
  return n.input_rank(input);
}

// Defines attribute |name| = [1, .., -1 at |axis|, .., 1] of length |rank|: the Reshape target
// that lays a 1-D tensor along |axis|.
void define_axis_view(NodeView& n, const std::string& name, int64_t rank, int64_t axis) {
  std::vector<int64_t> v(size_t(rank), 1);
  v[size_t(axis)] = -1;
  n.define_ints(name, v);
}

// Lines giving |out| = 0, 1, .., X.dims[axis] - 1 laid along |axis| (shape attribute
// |view|, see define_axis_view). Needs Zero, One (int64 scalars) and ZeroAxis ([0]).
std::string positions_along(const std::string& x, int64_t axis, const std::string& view, const std::string& out) {
  std::string a = std::to_string(axis), b = std::to_string(axis + 1);
  return "  " + out + "Dim = Shape <start: int = " + a + ", end: int = " + b + "> (" + x + ")\n  " + out +
         "N = Squeeze (" + out + "Dim, ZeroAxis)\n  " + out + "1D = Range (Zero, " + out + "N, One)\n  " + out +
         "View = Constant <value_ints: ints = @" + view + "> ()\n  " + out + " = Reshape (" + out + "1D, " + out +
         "View)\n";
}

const char* kIndexScalars = R"(
  Zero = Constant <value_int: int = 0> ()
  One = Constant <value_int: int = 1> ()
  ZeroAxis = Constant <value_ints: ints = [0]> ()
)";

// ReverseSequence-10: along time_axis, the first sequence_lens[b] steps of batch entry b are
// reversed, the rest kept: a GatherElements at index len - 1 - t where t < len, else t.
std::string reverse_sequence(NodeView& n) {
  int64_t rank = declared_rank(n, 0);
  int64_t batch = n.has_attr("batch_axis") ? n.attr_int("batch_axis") : 1;
  int64_t time = n.has_attr("time_axis") ? n.attr_int("time_axis") : 0;
  if (rank < 2 || batch < 0 || time < 0 || batch >= rank || time >= rank || batch == time)
    n.fail("batch_axis and time_axis must be two different axes in [0, rank)");
  define_axis_view(n, "__time_view", rank, time);
  define_axis_view(n, "__batch_view", rank, batch);
  return header("ReverseSequence (X, Lens) => (Y)") + "{" + kIndexScalars + positions_along("X", time, "__time_view", "T") +
         "  BatchView = Constant <value_ints: ints = @__batch_view> ()\n  L = Reshape (Lens, BatchView)\n" + R"(
  LMinusOne = Sub (L, One)
  Reversed = Sub (LMinusOne, T)
  Inside = Less (T, L)
  Index = Where (Inside, Reversed, T)
  XShape = Shape (X)
  IndexFull = Expand (Index, XShape)
  Y = GatherElements <axis: int = )" + std::to_string(time) + "> (X, IndexFull)\n}";
}

// TensorScatter-24: update[b, .., s, ..] goes to position write_indices[b] + s along axis of a
// copy of past_cache (mod its extent in circular mode): one ScatterElements at those indices.
std::string tensor_scatter(NodeView& n) {
  int64_t rank = declared_rank(n, 0);
  int64_t axis = n.has_attr("axis") ? n.attr_int("axis") : -2;
  if (axis < -rank || axis >= rank) n.fail("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  if (axis < 0) axis += rank;
  if (axis == 0) n.fail("axis 0 is the batch axis");
  std::string mode = n.has_attr("mode") ? n.attr_string("mode") : "linear";
  if (mode != "linear" && mode != "circular") n.fail("mode '" + mode + "' is not linear or circular");
  define_axis_view(n, "__seq_view", rank, axis);
  define_axis_view(n, "__batch_view", rank, 0);
  std::string b = header("TensorScatter (Past, Update, WriteIndices) => (Present)") + "{" + kIndexScalars +
                  positions_along("Update", axis, "__seq_view", "S");
  if (n.has_input(2))
    b += "  BatchView = Constant <value_ints: ints = @__batch_view> ()\n  W = Reshape (WriteIndices, BatchView)\n"
         "  Linear = Add (W, S)\n";
  else
    b += "  Linear = Identity (S)\n";
  if (mode == "circular")
    b += "  MaxSeq = Shape <start: int = " + std::to_string(axis) + ", end: int = " + std::to_string(axis + 1) +
         "> (Past)\n  Position = Mod (Linear, MaxSeq)\n";
  else
    b += "  Position = Identity (Linear)\n";
  return b + "  UShape = Shape (Update)\n  Index = Expand (Position, UShape)\n  Present = ScatterElements <axis: int = " +
         std::to_string(axis) + "> (Past, Index, Update)\n}";
}

// STFT-17: frames of frame_length samples every frame_step (1 + (length - frame_length) /
// frame_step of them) gathered into [batch, frames, frame_length, c], weighted by the window,
// then one DFT along the frame axis. Frame step and length must fold to constants (they set the
// output shape); the frame indices then fold too, so only the Gather, Mul and DFT run.
std::string stft(NodeView& n) {
  n.default_int("onesided", 1);
  if (!n.has_input(2) && !n.has_input(3)) n.fail("needs a window or frame_length to know the frame length");
  std::string b = header("STFT <onesided> (Signal, FrameStep, Window, FrameLength) => (Output)") + "{" + kIndexScalars;
  b += n.has_input(3) ? "  FL = Identity (FrameLength)\n"
                      : "  WindowLen = Shape (Window)\n  FL = Squeeze (WindowLen, ZeroAxis)\n";
  b += R"(
  LengthDim = Shape <start: int = 1, end: int = 2> (Signal)
  Length = Squeeze (LengthDim, ZeroAxis)
  Room = Sub (Length, FL)
  MoreFrames = Div (Room, FrameStep)
  Frames = Add (MoreFrames, One)
  FrameIdx = Range (Zero, Frames, One)
  Starts = Mul (FrameIdx, FrameStep)
  Offsets = Range (Zero, FL, One)
  OneAxis = Constant <value_ints: ints = [1]> ()
  StartsCol = Unsqueeze (Starts, OneAxis)
  OffsetsRow = Unsqueeze (Offsets, ZeroAxis)
  Index = Add (StartsCol, OffsetsRow)
  Framed = Gather <axis: int = 1> (Signal, Index)
)";
  if (n.has_input(2))
    b += "  Column = Constant <value_ints: ints = [-1, 1]> ()\n  WindowCol = Reshape (Window, Column)\n"
         "  Weighted = Mul (Framed, WindowCol)\n";
  else
    b += "  Weighted = Identity (Framed)\n";
  return b + "  Output = DFT <axis: int = 2, onesided: int = @onesided> (Weighted, FL)\n}";
}

// MaxUnpool-11: X's values scattered to the flat indices I (MaxPool's, over the whole tensor)
// of a zero tensor of the inferred shape, (in - 1) * stride - pads + kernel per spatial axis;
// an output_shape input places that result at the origin of a larger zero tensor (a Pad at
// the end of each axis), as ONNX's reference does.
std::string max_unpool(NodeView& n) {
  const A& k = n.attr("kernel_shape");
  size_t r = size_t(k.ints_size());
  std::vector<int64_t> strides(r, 1), pads(2 * r, 0), add(r);
  if (n.has_attr("strides")) strides.assign(n.attr("strides").ints().begin(), n.attr("strides").ints().end());
  if (n.has_attr("pads")) pads.assign(n.attr("pads").ints().begin(), n.attr("pads").ints().end());
  if (strides.size() != r || pads.size() != 2 * r) n.fail("strides and pads must match kernel_shape's rank");
  for (size_t i = 0; i < r; ++i) add[i] = k.ints(int(i)) - pads[i] - pads[r + i] - strides[i];
  n.define_ints("__strides", strides);
  n.define_ints("__add", add);  // (in - 1) * s - pads + k = in * s + (k - pads - s)
  std::string b = header("MaxUnpool (X, I, OutputShape) => (Y)") + R"({
  Spatial = Shape <start: int = 2> (X)
  Strides = Constant <value_ints: ints = @__strides> ()
  Add = Constant <value_ints: ints = @__add> ()
  Scaled = Mul (Spatial, Strides)
  Extents = Add (Scaled, Add)
  NC = Shape <start: int = 0, end: int = 2> (X)
  Inferred = Concat <axis: int = 0> (NC, Extents)
  Total = ReduceProd <keepdims: int = 1> (Inferred)
  ZerosF = ConstantOfShape (Total)
  Zeros = CastLike (ZerosF, X)
  Flat = Constant <value_ints: ints = [-1]> ()
  FlatI = Reshape (I, Flat)
  FlatX = Reshape (X, Flat)
  Scattered = ScatterElements <axis: int = 0> (Zeros, FlatI, FlatX)
)";
  if (!n.has_input(2)) return b + "  Y = Reshape (Scattered, Inferred)\n}";
  return b + R"(  Unpooled = Reshape (Scattered, Inferred)
  After = Sub (OutputShape, Inferred)
  Before = Sub (Inferred, Inferred)
  Pads = Concat <axis: int = 0> (Before, After)
  Y = Pad (Unpooled, Pads)
})";
}

// Einsum-12: Transpose / Reshape / Slice / ReduceSum / MatMul (compiler/onnx/einsum.cc).
std::string einsum(NodeView& n) {
  std::vector<int> ranks;
  for (int i = 0; n.has_input(i); ++i) ranks.push_back(n.input_rank(i));
  std::string signature, body, error;
  if (!einsum_function(n.attr_string("equation"), ranks, &signature, &body, &error)) n.fail(error);
  return header(signature) + body;
}

std::string rnn(NodeView& n) { return recurrent(n, Cell::Rnn); }
std::string gru(NodeView& n) { return recurrent(n, Cell::Gru); }
std::string lstm(NodeView& n) { return recurrent(n, Cell::Lstm); }

using BodyBuilder = std::string (*)(NodeView&, int64_t opset);

struct HandWritten {
  const char* op;
  int since;  // first opset whose semantics the body implements
  BodyBuilder build;
};

template <std::string (*F)(NodeView&)>
std::string ignore_opset(NodeView& n, int64_t) {
  return F(n);
}

const HandWritten kHandWritten[] = {
    {"LayerNormalization", 17, ignore_opset<layer_normalization>},
    {"RMSNormalization", 23, ignore_opset<rms_normalization>},
    {"BatchNormalization", 9, ignore_opset<batch_normalization>},
    {"InstanceNormalization", 6, ignore_opset<instance_normalization>},
    {"GroupNormalization", 18, group_normalization},
    {"LpNormalization", 1, ignore_opset<lp_normalization>},
    {"Hardmax", 13, ignore_opset<hardmax>},
    {"Shrink", 9, ignore_opset<shrink>},
    {"CenterCropPad", 18, ignore_opset<center_crop_pad>},
    {"NegativeLogLikelihoodLoss", 13, ignore_opset<negative_log_likelihood_loss>},
    {"Attention", 23, ignore_opset<attention>},
    {"RotaryEmbedding", 23, ignore_opset<rotary_embedding>},
    {"IsInf", 10, ignore_opset<is_inf>},
    {"IsNaN", 9, ignore_opset<is_nan>},
    {"EyeLike", 9, ignore_opset<eye_like>},
    {"LpPool", 2, ignore_opset<lp_pool>},
    {"DequantizeLinear", 10, ignore_opset<dequantize_linear>},
    {"QuantizeLinear", 10, ignore_opset<quantize_linear>},
    {"QLinearMatMul", 10, ignore_opset<qlinear_matmul>},
    {"QLinearConv", 10, ignore_opset<qlinear_conv>},
    {"SwiGLU", 1, ignore_opset<swiglu>},
    {"AffineGrid", 20, ignore_opset<affine_grid>},
    {"CausalConvWithState", 1, ignore_opset<causal_conv_with_state>},
    {"LRN", 1, ignore_opset<lrn>},
    {"RNN", 7, ignore_opset<rnn>},
    {"GRU", 7, ignore_opset<gru>},
    {"LSTM", 7, ignore_opset<lstm>},
    {"Einsum", 12, ignore_opset<einsum>},
    {"ReverseSequence", 10, ignore_opset<reverse_sequence>},
    {"TensorScatter", 24, ignore_opset<tensor_scatter>},
    {"STFT", 17, ignore_opset<stft>},
    {"MaxUnpool", 11, ignore_opset<max_unpool>},
};

//===----------------------------------------------------------------------===//
// libonnx function bodies
//===----------------------------------------------------------------------===//

// Ops whose libonnx (1.12, opsets <= 17) body still matches the op at later opsets: their
// revisions since only widened the type constraints.
bool body_stable_after_17(const std::string& op) {
  static const char* const kStable[] = {"LogSoftmax", "SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss",
                                        "MeanVarianceNormalization"};
  for (const char* s : kStable)
    if (op == s) return true;
  return false;
}

int64_t libonnx_max_opset() {
  const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto it = ranges.find("");
  return it == ranges.end() ? 0 : it->second.second;
}

// The body libonnx defines for |node|'s op at |opset|; |attrs| gains the schema's defaults for
// the attributes the node leaves out (a body's @reference to one must see the default).
std::optional<onnx::FunctionProto> libonnx_body(const onnx::NodeProto& node, int64_t opset,
                                                const std::vector<DeclaredType>& types, AttrMap& attrs) {
  if (opset > libonnx_max_opset() && !body_stable_after_17(node.op_type())) return std::nullopt;
  const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(node.op_type(), int(opset), "");
  if (!schema) return std::nullopt;
  for (const auto& [name, attr] : schema->attributes())
    if (!attrs.count(name) && attr.default_value.type() != A::UNDEFINED) attrs[name] = attr.default_value;
  if (schema->HasFunction()) return *schema->GetFunction();
  if (!schema->HasContextDependentFunction()) return std::nullopt;
  std::vector<onnx::TypeProto> input_types(size_t(node.input_size()));
  for (size_t i = 0; i < input_types.size() && i < types.size(); ++i)
    if (types[i].elem_type != 0) input_types[i].mutable_tensor_type()->set_elem_type(types[i].elem_type);
  onnx::FunctionBodyBuildContextImpl ctx(node, input_types);
  onnx::FunctionProto f;
  if (!schema->BuildContextDependentFunction(ctx, f)) return std::nullopt;
  return f;
}

}  // namespace

std::optional<Expansion> expand_node(const onnx::NodeProto& node, int64_t opset,
                                     const std::vector<DeclaredType>& inputs, int64_t instance,
                                     const SourceLoc& loc) {
  const std::string prefix = "__" + node.op_type() + "_" + std::to_string(instance) + "_";
  AttrMap attrs = attrs_of(node);
  for (const HandWritten& h : kHandWritten) {
    if (node.op_type() != h.op) continue;
    if (opset < h.since) break;  // an older revision: libonnx may know it
    NodeView view(node, attrs, inputs, loc);
    onnx::FunctionProto f = parse_function(h.build(view, opset), loc);
    return inline_function(f, node, attrs, opset, prefix, loc);
  }
  if (auto f = libonnx_body(node, opset, inputs, attrs)) return inline_function(*f, node, attrs, opset, prefix, loc);
  return std::nullopt;
}

}  // namespace aivm::compiler::onnx_import
