// Elementwise kernels: references against hand-computed values, fast paths against references.
#include "kernels/elementwise/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "kernels/config/thread_pool.h"

namespace aivm::kernels {
namespace {

// Relative tolerance 1e-5, with the scale floored at 1 so values near zero compare absolutely.
void expect_close(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    float tol = 1e-5f * std::fmax(1.f, std::fabs(want[i]));
    ASSERT_NEAR(got[i], want[i], tol) << "at " << i;
  }
}

std::vector<float> random_vec(int64_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(size_t(n > 0 ? n : 0));
  for (float& x : v) x = d(rng);
  return v;
}

Shape shape(std::initializer_list<int64_t> dims) {
  Shape s;
  for (int64_t d : dims) s.dims[s.rank++] = d;
  return s;
}

constexpr UnaryOp kUnary[] = {UnaryOp::Relu, UnaryOp::Sigmoid, UnaryOp::Tanh, UnaryOp::Exp, UnaryOp::Neg};
constexpr BinaryOp kBinary[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div};

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

std::vector<float> unary_ref(UnaryOp op, std::vector<float> x) {
  std::vector<float> y(x.size());
  unary_f32_reference(op, int64_t(x.size()), x.data(), y.data());
  return y;
}

TEST(ElementwiseReference, Unary) {
  expect_close(unary_ref(UnaryOp::Relu, {-1.f, 0.f, 2.5f}), {0.f, 0.f, 2.5f});
  expect_close(unary_ref(UnaryOp::Neg, {-1.f, 0.f, 2.5f}), {1.f, 0.f, -2.5f});
  expect_close(unary_ref(UnaryOp::Exp, {0.f, 1.f, -1.f}), {1.f, 2.7182818f, 0.36787944f});
  expect_close(unary_ref(UnaryOp::Tanh, {0.f, 1.f, -20.f}), {0.f, 0.76159416f, -1.f});
  // Saturates without inf/inf = NaN at either end.
  expect_close(unary_ref(UnaryOp::Sigmoid, {0.f, 2.f, -2.f, 100.f, -100.f}),
               {0.5f, 0.88079708f, 0.11920292f, 1.f, 0.f});
}

std::vector<float> binary_ref(BinaryOp op, Shape y, Shape a, std::vector<float> A, Shape b, std::vector<float> B) {
  std::vector<float> Y(size_t(y.num_elements()));
  binary_f32_reference(op, y, a, A.data(), b, B.data(), Y.data());
  return Y;
}

TEST(ElementwiseReference, BinaryBroadcast) {
  const std::vector<float> a23 = {1, 2, 3, 4, 5, 6};
  expect_close(binary_ref(BinaryOp::Add, shape({2, 3}), shape({2, 3}), a23, shape({2, 3}), a23),
               {2, 4, 6, 8, 10, 12});
  expect_close(binary_ref(BinaryOp::Add, shape({2, 3}), shape({2, 3}), a23, shape({3}), {10, 20, 30}),
               {11, 22, 33, 14, 25, 36});  // row
  expect_close(binary_ref(BinaryOp::Sub, shape({2, 3}), shape({2, 3}), a23, shape({2, 1}), {10, 20}),
               {-9, -8, -7, -16, -15, -14});  // column
  expect_close(binary_ref(BinaryOp::Div, shape({2, 3}), shape({2, 3}), a23, shape({}), {2}),
               {0.5f, 1, 1.5f, 2, 2.5f, 3});  // rank-0 scalar
  expect_close(binary_ref(BinaryOp::Sub, shape({2, 3}), shape({1}), {1}, shape({2, 3}), a23),
               {0, -1, -2, -3, -4, -5});  // scalar on the left
  expect_close(binary_ref(BinaryOp::Mul, shape({2, 3}), shape({2, 1}), {1, 2}, shape({1, 3}), {1, 2, 4}),
               {1, 2, 4, 2, 4, 8});  // both broadcast (outer product)
  expect_close(binary_ref(BinaryOp::Add, shape({1, 2, 2}), shape({2, 1}), {100, 200}, shape({1, 2, 2}), {1, 2, 3, 4}),
               {101, 102, 203, 204});  // channel
}

TEST(ElementwiseReference, Activation) {
  std::vector<float> v = {-3.f, -0.5f, 0.5f, 3.f};
  Activation clip{isa::Activation::Clip, -1.f, 1.f};
  apply_activation_f32(clip, 4, v.data());
  expect_close(v, {-1.f, -0.5f, 0.5f, 1.f});
  v = {-3.f, 0.f, 3.f};
  apply_activation_f32(Activation{isa::Activation::Relu}, 3, v.data());
  expect_close(v, {0.f, 0.f, 3.f});
  v = {0.f, 1.f};
  apply_activation_f32(Activation{isa::Activation::Sigmoid}, 2, v.data());
  expect_close(v, {0.5f, 0.73105858f});
  v = {0.f, 1.f};
  apply_activation_f32(Activation{isa::Activation::Tanh}, 2, v.data());
  expect_close(v, {0.f, 0.76159416f});
  v = {-7.f, 7.f};
  apply_activation_f32(Activation{}, 2, v.data());
  expect_close(v, {-7.f, 7.f});
}

//===----------------------------------------------------------------------===//
// Fast paths against the references
//===----------------------------------------------------------------------===//

class ElementwiseFast : public ::testing::TestWithParam<int> {
 protected:
  ElementwiseFast() : pool_(GetParam() > 1 ? new ThreadPool(GetParam()) : nullptr) {}
  ~ElementwiseFast() override { delete pool_; }
  ThreadPool* pool_;
};

TEST_P(ElementwiseFast, Unary) {
  for (int64_t n : {0, 1, 7, 15, 17, 33, 100, 16385, 100003}) {
    std::vector<float> x = random_vec(n, -6.f, 6.f, unsigned(n));
    for (UnaryOp op : kUnary) {
      std::vector<float> want(x.size()), got(x.size(), -42.f);
      unary_f32_reference(op, n, x.data(), want.data());
      unary_f32(op, n, x.data(), got.data(), pool_);
      expect_close(got, want);
      std::vector<float> inplace = x;
      unary_f32(op, n, inplace.data(), inplace.data(), pool_);
      expect_close(inplace, want);
    }
  }
}

struct BroadcastCase {
  Shape y, a, b;
};

TEST_P(ElementwiseFast, BinaryEveryBroadcastPattern) {
  const BroadcastCase cases[] = {
      {shape({7, 15}), shape({7, 15}), shape({7, 15})},                 // same shape
      {shape({100003}), shape({100003}), shape({100003})},              // same shape, threaded
      {shape({17, 33}), shape({17, 33}), shape({})},                    // rank-0 scalar
      {shape({33, 17}), shape({1}), shape({33, 17})},                   // scalar on the left
      {shape({17, 33}), shape({17, 33}), shape({33})},                  // row
      {shape({17, 33}), shape({17, 1}), shape({17, 33})},               // column on the left
      {shape({2, 7, 5, 3}), shape({2, 7, 5, 3}), shape({7, 1, 1})},     // channel
      {shape({2, 33, 40, 41}), shape({2, 33, 40, 41}), shape({1, 33, 1, 1})},  // channel, threaded
      {shape({15, 17}), shape({15, 1}), shape({1, 17})},                // outer product
      {shape({3, 4, 5, 6}), shape({3, 1, 5, 1}), shape({4, 1, 6})},     // interleaved
      {shape({100, 7, 1}), shape({100, 7, 1}), shape({7, 1})},          // trailing ones
      {shape({1, 1}), shape({1, 1}), shape({1})},                       // one element
      {shape({0, 3}), shape({0, 3}), shape({3})},                       // empty
      {shape({300, 257}), shape({300, 1}), shape({257})},               // threaded outer product
  };
  for (const BroadcastCase& c : cases) {
    for (bool swap : {false, true}) {
      const Shape& sa = swap ? c.b : c.a;
      const Shape& sb = swap ? c.a : c.b;
      std::vector<float> A = random_vec(sa.num_elements(), -3.f, 3.f, 1);
      std::vector<float> B = random_vec(sb.num_elements(), 0.5f, 3.f, 2);  // away from 0 for Div
      for (BinaryOp op : kBinary) {
        std::vector<float> want(size_t(c.y.num_elements())), got(want.size(), -42.f);
        binary_f32_reference(op, c.y, sa, A.data(), sb, B.data(), want.data());
        binary_f32(op, c.y, sa, A.data(), sb, B.data(), got.data(), pool_);
        SCOPED_TRACE(testing::Message() << "case y elems " << c.y.num_elements() << " swap " << swap);
        expect_close(got, want);
      }
    }
  }
}

TEST_P(ElementwiseFast, BinaryInPlace) {
  Shape y = shape({33, 100});
  std::vector<float> A = random_vec(y.num_elements(), -3.f, 3.f, 3), B = random_vec(100, 1.f, 2.f, 4);
  std::vector<float> want(A.size());
  binary_f32_reference(BinaryOp::Mul, y, y, A.data(), shape({100}), B.data(), want.data());
  binary_f32(BinaryOp::Mul, y, y, A.data(), shape({100}), B.data(), A.data(), pool_);
  expect_close(A, want);
}

INSTANTIATE_TEST_SUITE_P(Threads, ElementwiseFast, ::testing::Values(1, 2),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

}  // namespace
}  // namespace aivm::kernels
