// Einsum lowered to existing ops at import, so no kernel of its own:
//
//   1. Parse the terms into label lists; "..." becomes one label per broadcast axis, aligned to
//      the right as numpy does. Without "->" the output is the ellipsis axes and then the
//      labels used exactly once, in alphabetical order.
//   2. Per operand, a label repeated within the term takes the diagonal: move both axes last,
//      Reshape [.., n, n] -> [.., n * n] and Slice with step n + 1 (n reads, no mask).
//   3. Labels that neither the output nor any other operand uses are summed (ReduceSum).
//   4. Operands are contracted left to right, each pair as one batched MatMul: A is transposed
//      to [batch, a-only, contracted] and B to [batch, contracted, b-only], both reshaped to
//      three groups, multiplied, and the product reshaped back to [batch, a-only, b-only].
//      Batch labels are the shared ones still needed later; MatMul broadcasts their extents.
//   5. Labels the output lacks are summed, then one Transpose gives the output order.
//
// All shape arithmetic (Shape, ReduceProd on shapes, Concat) folds to constants: shapes are
// static here, so only Transpose / Reshape (a move) / Slice / ReduceSum / MatMul reach the
// bundle. A contracted extent that broadcasts (1 against n under an ellipsis) is not
// supported: MatMul then reports the mismatched inner dimensions.
#include "compiler/onnx/einsum.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

namespace aivm::compiler::onnx_import {
namespace {

using Labels = std::vector<int>;
constexpr int kEllipsisBase = 1000;  // ellipsis axis k is label 1000 + k (letters are < 128)

std::string list(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

bool contains(const Labels& l, int x) { return std::find(l.begin(), l.end(), x) != l.end(); }

struct Parsed {
  std::vector<Labels> inputs;
  Labels output;
};

// A term's labels; |ellipsis_rank| < 0 when the term has no "...", else how many axes it spans.
Labels parse_term(const std::string& term, int rank, int max_ellipsis, int* ellipsis_rank) {
  Labels out;
  size_t dots = term.find("...");
  *ellipsis_rank = -1;
  int letters = 0;
  for (size_t i = 0; i < term.size(); ++i) {
    if (dots != std::string::npos && i >= dots && i < dots + 3) continue;
    if (!std::isalpha(static_cast<unsigned char>(term[i])))
      throw std::invalid_argument("'" + term + "' has a character that is neither a letter nor part of '...'");
    ++letters;
  }
  if (dots != std::string::npos) {
    if (term.find("...", dots + 3) != std::string::npos) throw std::invalid_argument("'" + term + "' has two '...'");
    if (rank < 0 && max_ellipsis < 0)
      throw std::invalid_argument("the input's rank is not declared, and '" + term + "' needs it for its '...'");
    *ellipsis_rank = max_ellipsis >= 0 ? max_ellipsis : rank - letters;
    if (*ellipsis_rank < 0) throw std::invalid_argument("'" + term + "' has more labels than its input has axes");
  } else if (rank >= 0 && rank != letters) {
    throw std::invalid_argument("'" + term + "' names " + std::to_string(letters) + " axes of an input of rank " +
                                std::to_string(rank));
  }
  for (size_t i = 0; i < term.size(); ++i) {
    if (dots != std::string::npos && i == dots) {
      int m = max_ellipsis >= 0 ? max_ellipsis : *ellipsis_rank;
      for (int k = m - *ellipsis_rank; k < m; ++k) out.push_back(kEllipsisBase + k);
      i += 2;
      continue;
    }
    out.push_back(term[i]);
  }
  return out;
}

Parsed parse(std::string eq, const std::vector<int>& ranks) {
  eq.erase(std::remove_if(eq.begin(), eq.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
           eq.end());
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != ranks.size())
    throw std::invalid_argument("the equation has " + std::to_string(terms.size()) + " terms for " +
                                std::to_string(ranks.size()) + " inputs");
  Parsed p;
  int max_ellipsis = 0;
  std::vector<int> ell(terms.size());
  for (size_t i = 0; i < terms.size(); ++i) {
    p.inputs.push_back(parse_term(terms[i], ranks[i], -1, &ell[i]));
    max_ellipsis = std::max(max_ellipsis, ell[i]);
  }
  // Ellipsis axes align to the right against the widest "...": renumber each term's.
  for (size_t i = 0; i < terms.size(); ++i)
    for (int& x : p.inputs[i])
      if (x >= kEllipsisBase) x += max_ellipsis - ell[i];
  if (arrow != std::string::npos) {
    int e;
    std::string out = eq.substr(arrow + 2);
    p.output = parse_term(out, -1, max_ellipsis, &e);
    for (size_t i = 0; i < p.output.size(); ++i)
      if (std::count(p.output.begin(), p.output.end(), p.output[i]) > 1)
        throw std::invalid_argument("the output '" + out + "' repeats a label");
    for (int x : p.output) {
      bool used = false;
      for (const Labels& l : p.inputs) used = used || contains(l, x);
      if (!used) throw std::invalid_argument("the output label '" + std::string(1, char(x)) + "' is in no input");
    }
  } else {
    std::map<int, int> count;
    for (const Labels& l : p.inputs)
      for (int x : l) ++count[x];
    for (int k = 0; k < max_ellipsis; ++k) p.output.push_back(kEllipsisBase + k);
    for (auto [x, n] : count)  // std::map: letters in alphabetical (ASCII) order
      if (n == 1 && x < kEllipsisBase) p.output.push_back(x);
  }
  return p;
}

// Writes the body's nodes; every value gets a fresh name.
class Writer {
 public:
  std::string text;

  std::string fresh() { return "T" + std::to_string(next_++); }
  std::string node(const std::string& op, const std::string& attrs, const std::string& args) {
    std::string out = fresh();
    text += "  " + out + " = " + op + (attrs.empty() ? "" : " <" + attrs + ">") + " (" + args + ")\n";
    return out;
  }
  std::string ints(const std::vector<int64_t>& v) { return node("Constant", "value_ints: ints = " + list(v), ""); }

  // |x| (labels |l|) with its axes reordered to |order|.
  std::string transpose(const std::string& x, Labels* l, const Labels& order) {
    if (*l == order) return x;
    std::vector<int64_t> perm;
    for (int y : order) perm.push_back(std::find(l->begin(), l->end(), y) - l->begin());
    *l = order;
    return node("Transpose", "perm: ints = " + list(perm), x);
  }

  // Sums |x| over the labels for which |drop| is true.
  template <typename Pred>
  std::string sum_out(const std::string& x, Labels* l, Pred drop) {
    std::vector<int64_t> axes;
    Labels kept;
    for (size_t k = 0; k < l->size(); ++k) {
      if (drop((*l)[k])) axes.push_back(int64_t(k));
      else kept.push_back((*l)[k]);
    }
    if (axes.empty()) return x;
    *l = kept;
    return node("ReduceSum", "keepdims: int = 0", x + ", " + ints(axes));
  }

  // The diagonals of every label |x| repeats (step 2 of the file comment).
  std::string diagonals(std::string x, Labels* l) {
    for (;;) {
      int rep = -1;
      for (int y : *l)
        if (std::count(l->begin(), l->end(), y) > 1) rep = y;
      if (rep < 0) return x;
      size_t p = std::find(l->begin(), l->end(), rep) - l->begin();
      size_t q = std::find(l->begin() + long(p) + 1, l->end(), rep) - l->begin();
      Labels order;
      for (size_t k = 0; k < l->size(); ++k)
        if (k != p && k != q) order.push_back((*l)[k]);
      Labels with_pair = order;
      with_pair.push_back(rep);
      with_pair.push_back(rep);
      // transpose() maps labels to positions, which a repeated label makes ambiguous: spell the
      // permutation out.
      std::vector<int64_t> perm;
      for (size_t k = 0; k < l->size(); ++k)
        if (k != p && k != q) perm.push_back(int64_t(k));
      perm.push_back(int64_t(p));
      perm.push_back(int64_t(q));
      bool identity = true;
      for (size_t k = 0; k < perm.size(); ++k) identity = identity && perm[k] == int64_t(k);
      if (!identity) x = node("Transpose", "perm: ints = " + list(perm), x);
      std::vector<int64_t> flat(order.size(), 0);
      flat.push_back(-1);
      std::string n = node("Shape", "start: int = -1", x);
      std::string flat_x = node("Reshape", "", x + ", " + ints(flat));
      std::string step = node("Add", "", n + ", " + ints({1}));
      std::string end = node("Mul", "", n + ", " + n);
      x = node("Slice", "", flat_x + ", " + ints({0}) + ", " + end + ", " + ints({-1}) + ", " + step);
      order.push_back(rep);
      *l = order;
    }
  }

  // Shape of |x| from axis |begin| to |end| (an empty range gives none: nothing to concat).
  void shape_part(const std::string& x, size_t begin, size_t end, std::vector<std::string>* parts, bool product) {
    if (begin == end && !product) return;
    std::string s = node("Shape", "start: int = " + std::to_string(begin) + ", end: int = " + std::to_string(end), x);
    // An empty group's product is 1 (ReduceProd of nothing), so a missing M, K or N is 1.
    parts->push_back(product ? node("ReduceProd", "keepdims: int = 1", s) : s);
  }
  std::string concat(const std::vector<std::string>& parts, const std::string& empty_of) {
    if (parts.empty()) return node("Shape", "start: int = 0, end: int = 0", empty_of);
    if (parts.size() == 1) return parts[0];
    std::string args;
    for (const std::string& p : parts) args += (args.empty() ? "" : ", ") + p;
    return node("Concat", "axis: int = 0", args);
  }

  // One pairwise contraction (step 4); |keep| is what later operands and the output need.
  std::string contract(std::string a, Labels* la, std::string b, Labels lb, const Labels& keep) {
    Labels batch, con, a_only, b_only;
    for (int x : *la) {
      if (!contains(lb, x)) a_only.push_back(x);
      else if (contains(keep, x)) batch.push_back(x);
      else con.push_back(x);
    }
    for (int x : lb)
      if (!contains(*la, x)) b_only.push_back(x);
    Labels order_a = batch, order_b = batch;
    order_a.insert(order_a.end(), a_only.begin(), a_only.end());
    order_a.insert(order_a.end(), con.begin(), con.end());
    order_b.insert(order_b.end(), con.begin(), con.end());
    order_b.insert(order_b.end(), b_only.begin(), b_only.end());
    a = transpose(a, la, order_a);
    b = transpose(b, &lb, order_b);
    size_t nb = batch.size(), na = a_only.size(), nc = con.size(), no = b_only.size();
    std::vector<std::string> pa, pb, py;
    shape_part(a, 0, nb, &pa, false);
    shape_part(a, nb, nb + na, &pa, true);
    shape_part(a, nb + na, nb + na + nc, &pa, true);
    shape_part(b, 0, nb, &pb, false);
    shape_part(b, nb, nb + nc, &pb, true);
    shape_part(b, nb + nc, nb + nc + no, &pb, true);
    std::string a3 = node("Reshape", "", a + ", " + concat(pa, a));
    std::string b3 = node("Reshape", "", b + ", " + concat(pb, b));
    std::string prod = node("MatMul", "", a3 + ", " + b3);
    shape_part(prod, 0, nb, &py, false);
    shape_part(a, nb, nb + na, &py, false);
    shape_part(b, nb + nc, nb + nc + no, &py, false);
    Labels result = batch;
    result.insert(result.end(), a_only.begin(), a_only.end());
    result.insert(result.end(), b_only.begin(), b_only.end());
    *la = result;
    return node("Reshape", "", prod + ", " + concat(py, prod));
  }

 private:
  int next_ = 0;
};

}  // namespace

bool einsum_function(const std::string& equation, const std::vector<int>& ranks, std::string* signature,
                     std::string* body, std::string* error) {
  Parsed p;
  try {
    p = parse(equation, ranks);
  } catch (const std::invalid_argument& e) {
    *error = "equation '" + equation + "': " + e.what();
    return false;
  }
  std::string args;
  for (size_t i = 0; i < ranks.size(); ++i) args += (i ? ", X" : "X") + std::to_string(i);
  *signature = "Einsum (" + args + ") => (Y)";
  Writer w;
  size_t n = p.inputs.size();
  std::vector<std::string> names(n);
  // Steps 2-3 per operand: what no other operand and not the output uses is summed at once.
  for (size_t i = 0; i < n; ++i) {
    names[i] = w.diagonals("X" + std::to_string(i), &p.inputs[i]);
    names[i] = w.sum_out(names[i], &p.inputs[i], [&](int x) {
      if (contains(p.output, x)) return false;
      for (size_t j = 0; j < n; ++j)
        if (j != i && contains(p.inputs[j], x)) return false;
      return true;
    });
  }
  std::string acc = names[0];
  Labels la = p.inputs[0];
  for (size_t i = 1; i < n; ++i) {
    Labels keep = p.output;
    for (size_t j = i + 1; j < n; ++j) keep.insert(keep.end(), p.inputs[j].begin(), p.inputs[j].end());
    acc = w.contract(acc, &la, names[i], p.inputs[i], keep);
  }
  acc = w.sum_out(acc, &la, [&](int x) { return !contains(p.output, x); });
  acc = w.transpose(acc, &la, p.output);
  *body = "{\n" + w.text + "  Y = Identity (" + acc + ")\n}";
  return true;
}

}  // namespace aivm::compiler::onnx_import
