// Einsum's lowering (compiler/onnx/einsum.cc): each equation form is imported, compiled and
// run, and compared with a brute-force einsum (every combination of label values) written
// here independently; ellipsis forms are compared with the same equation spelled in letters.
#include <gtest/gtest.h>
#include <onnx/defs/parser.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "compiler/ir/diagnostics.h"
#include "compiler/onnx/onnx_import.h"
#include "tests/common/vm_harness.h"

namespace aivm::compiler {
namespace {

using Dims = std::vector<int64_t>;

struct Arg {
  Dims dims;
  std::vector<float> data;
};

std::string type_of(const Dims& d) {
  std::string s = "float[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

// Compiles Einsum(|eq|) over |args| and runs it; returns the output and its shape.
std::vector<float> run_einsum(const std::string& eq, const std::vector<Arg>& args, Dims* shape) {
  std::string params, names;
  for (size_t i = 0; i < args.size(); ++i) {
    params += (i ? ", " : "") + type_of(args[i].dims) + " x" + std::to_string(i);
    names += (i ? ", x" : "x") + std::to_string(i);
  }
  std::string text = "<ir_version: 8, opset_import: [\"\" : 17]>\ng (" + params + ") => (float y) {\n  y = Einsum <equation = \"" +
                     eq + "\"> (" + names + ")\n}";
  onnx::ModelProto m;
  auto status = onnx::OnnxParser::Parse(m, text.c_str());
  EXPECT_TRUE(status.IsOK()) << status.ErrorMessage();
  testing::LoadedModel lm;
  EXPECT_EQ(testing::load(testing::compile_to_bytes(import_onnx_model(m, "einsum.onnx")), &lm), "OK");
  if (!lm.session) return {};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = "x" + std::to_string(i);
    aivm_status_t s = aivm_session_set_input(lm.session, name.c_str(), AIVM_DTYPE_F32, args[i].dims.data(),
                                             args[i].dims.size(), args[i].data.data(), args[i].data.size() * 4);
    EXPECT_EQ(s, nullptr);
  }
  EXPECT_EQ(aivm_session_run(lm.session), nullptr);
  aivm_tensor_view_t v;
  EXPECT_EQ(aivm_session_get_output(lm.session, 0, &v), nullptr);
  shape->assign(v.shape, v.shape + v.rank);
  return testing::output_f32(lm.session, 0);
}

// Brute force over every assignment of label values (letters only, explicit "->").
std::vector<float> reference(const std::string& eq, const std::vector<Arg>& args, Dims* shape) {
  size_t arrow = eq.find("->");
  std::vector<std::string> terms;
  std::string lhs = eq.substr(0, arrow), out = eq.substr(arrow + 2);
  for (size_t s = 0;;) {
    size_t c = lhs.find(',', s);
    terms.push_back(lhs.substr(s, c == std::string::npos ? c : c - s));
    if (c == std::string::npos) break;
    s = c + 1;
  }
  std::map<char, int64_t> extent;
  for (size_t i = 0; i < terms.size(); ++i)
    for (size_t k = 0; k < terms[i].size(); ++k) extent[terms[i][k]] = args[i].dims[k];
  std::vector<char> labels;
  for (auto [l, n] : extent) labels.push_back(l);
  shape->clear();
  int64_t out_n = 1;
  for (char l : out) shape->push_back(extent[l]), out_n *= extent[l];
  std::vector<float> y(size_t(out_n), 0.f);
  std::map<char, int64_t> at;
  for (char l : labels) at[l] = 0;
  auto flat = [&](const std::string& t, const Dims& d) {
    int64_t f = 0;
    for (size_t k = 0; k < t.size(); ++k) f = f * d[k] + at[t[k]];
    return f;
  };
  for (;;) {
    float p = 1.f;
    for (size_t i = 0; i < terms.size(); ++i) p *= args[i].data[size_t(flat(terms[i], args[i].dims))];
    y[size_t(flat(out, *shape))] += p;
    size_t k = labels.size();
    while (k > 0 && ++at[labels[k - 1]] == extent[labels[k - 1]]) at[labels[--k]] = 0;
    if (k == 0) break;
  }
  return y;
}

Arg random_arg(Dims dims, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  Arg a{std::move(dims), {}};
  for (int64_t i = 0; i < n; ++i) a.data.push_back(u(rng));
  return a;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f * std::max(1.f, std::abs(want[i]))) << i;
}

struct Case {
  const char* eq;  // as the model writes it
  const char* letters;  // the same in explicit letters, for the reference
  std::vector<Dims> dims;
};

TEST(Einsum, EquationFormsMatchBruteForce) {
  const Case kCases[] = {
      {"ij->ji", "ij->ji", {{3, 4}}},                                // transpose
      {"ij->i", "ij->i", {{3, 4}}},                                  // sum
      {"ij", "ij->ij", {{3, 4}}},                                    // implicit: identity
      {"ji", "ji->ij", {{3, 4}}},                                    // implicit: alphabetical
      {"i,i", "i,i->", {{5}, {5}}},                                  // inner product
      {"i,j->ij", "i,j->ij", {{3}, {4}}},                            // outer product
      {"bij, bjk -> bik", "bij,bjk->bik", {{5, 2, 3}, {5, 3, 4}}},    // batch matmul
      {"ij,jk", "ij,jk->ik", {{7, 1}, {1, 33}}},                     // implicit matmul, K = 1
      {"ii->i", "ii->i", {{4, 4}}},                                  // diagonal
      {"ii", "ii->", {{4, 4}}},                                      // trace
      {"bii->bi", "bii->bi", {{3, 5, 5}}},                           // batch diagonal
      {"iji->j", "iji->j", {{3, 2, 3}}},                             // diagonal across axes
      {"...ii->...i", "zii->zi", {{3, 5, 5}}},                       // ellipsis diagonal
      {"...ij,...jk->...ik", "zij,zjk->zik", {{2, 3, 4}, {2, 4, 5}}},  // ellipsis batch matmul
      {"bhqd,bhkd->bhqk", "bhqd,bhkd->bhqk", {{2, 3, 4, 5}, {2, 3, 6, 5}}},  // attention scores
      {"ij,jk,kl->il", "ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 5}}},    // chain of three
      {"abc,cd->bd", "abc,cd->bd", {{2, 3, 4}, {4, 5}}},             // sum out an a-only label
  };
  unsigned seed = 1;
  for (const Case& c : kCases) {
    std::vector<Arg> args;
    for (const Dims& d : c.dims) args.push_back(random_arg(d, seed++));
    Dims got_shape, want_shape;
    std::vector<float> got = run_einsum(c.eq, args, &got_shape);
    std::vector<float> want = reference(c.letters, args, &want_shape);
    EXPECT_EQ(got_shape, want_shape) << c.eq;
    SCOPED_TRACE(c.eq);
    expect_close(got, want);
  }
}

TEST(Einsum, EllipsisBroadcastsAcrossOperands) {
  // x [2, 3], y [4, 3, 5]: "...ij,...jk->...ik" broadcasts x over y's batch axis.
  Arg x = random_arg({2, 3}, 7), y = random_arg({4, 3, 5}, 8);
  Dims shape;
  std::vector<float> got = run_einsum("...ij,...jk->...ik", {x, y}, &shape);
  EXPECT_EQ(shape, (Dims{4, 2, 5}));
  Arg xb{{4, 2, 3}, {}};
  for (int r = 0; r < 4; ++r) xb.data.insert(xb.data.end(), x.data.begin(), x.data.end());
  Dims want_shape;
  expect_close(got, reference("zij,zjk->zik", {xb, y}, &want_shape));
}

TEST(Einsum, MalformedEquationsAreCompileErrors) {
  auto error_of = [](const std::string& eq) {
    Dims shape;
    std::string text = "<ir_version: 8, opset_import: [\"\" : 17]>\ng (float[3,4] x) => (float y) {\n  y = Einsum "
                       "<equation = \"" + eq + "\"> (x)\n}";
    onnx::ModelProto m;
    EXPECT_TRUE(onnx::OnnxParser::Parse(m, text.c_str()).IsOK());
    try {
      import_onnx_model(m, "einsum.onnx");
    } catch (const CompileError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("ijk->i").find("names 3 axes of an input of rank 2"), std::string::npos) << error_of("ijk->i");
  EXPECT_NE(error_of("ij->k").find("is in no input"), std::string::npos);
  EXPECT_NE(error_of("ij,jk->ik").find("2 terms for 1 inputs"), std::string::npos);
  EXPECT_NE(error_of("i1->i").find("neither a letter"), std::string::npos);
  EXPECT_NE(error_of("ij->ii").find("repeats a label"), std::string::npos);
}

}  // namespace
}  // namespace aivm::compiler
