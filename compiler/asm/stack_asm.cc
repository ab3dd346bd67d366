// Stack assembly (.aivs): parser and printer. The grammar is in stack_asm.h.
//
// The parser works in three steps: split the text into logical lines (comments stripped,
// continuations joined), tokenize each line, then read the directives of the whole file before
// any instruction, so that names may be used before the line that declares them and locals
// always come out as inputs first. The printer writes what the parser reads, so that
// print -> parse is the identity on programs (source locations aside).
#include "compiler/asm/stack_asm.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "kernels/dtypes.h"
#include "kernels/elementwise/elementwise.h"

namespace aivm::compiler {
namespace {

//===----------------------------------------------------------------------===//
// Default operator arity
//===----------------------------------------------------------------------===//

struct Arity {
  const char* op;
  int in, out;  // -1: variadic, must be given with in= / out=
};

// The usual number of operands (optional trailing inputs omitted unless commonly given).
constexpr Arity kArity[] = {
    // Unary elementwise and other one-input ops.
    {"Abs", 1, 1}, {"Acos", 1, 1}, {"Asin", 1, 1}, {"Atan", 1, 1}, {"Ceil", 1, 1}, {"Cos", 1, 1},
    {"Cosh", 1, 1}, {"Elu", 1, 1}, {"Erf", 1, 1}, {"Exp", 1, 1}, {"Floor", 1, 1}, {"Gelu", 1, 1},
    {"HardSigmoid", 1, 1}, {"HardSwish", 1, 1}, {"Identity", 1, 1}, {"IsInf", 1, 1}, {"IsNaN", 1, 1},
    {"LeakyRelu", 1, 1}, {"Log", 1, 1}, {"Mish", 1, 1}, {"Neg", 1, 1}, {"Not", 1, 1},
    {"Reciprocal", 1, 1}, {"Relu", 1, 1}, {"Round", 1, 1}, {"Selu", 1, 1}, {"Sigmoid", 1, 1},
    {"Sign", 1, 1}, {"Sin", 1, 1}, {"Sinh", 1, 1}, {"Softplus", 1, 1}, {"Softsign", 1, 1},
    {"Sqrt", 1, 1}, {"Tan", 1, 1}, {"Tanh", 1, 1}, {"Cast", 1, 1}, {"Dropout", 1, 1},
    {"Softmax", 1, 1}, {"LogSoftmax", 1, 1}, {"Hardmax", 1, 1}, {"Flatten", 1, 1},
    {"Transpose", 1, 1}, {"Shape", 1, 1}, {"Size", 1, 1}, {"Squeeze", 1, 1},
    {"ConstantOfShape", 1, 1}, {"NonZero", 1, 1}, {"Trilu", 1, 1}, {"DepthToSpace", 1, 1},
    {"SpaceToDepth", 1, 1}, {"ArgMax", 1, 1}, {"ArgMin", 1, 1}, {"ReduceMean", 1, 1},
    {"ReduceSum", 1, 1}, {"ReduceMax", 1, 1}, {"ReduceMin", 1, 1}, {"ReduceProd", 1, 1},
    {"ReduceL1", 1, 1}, {"ReduceL2", 1, 1}, {"ReduceLogSumExp", 1, 1}, {"ReduceSumSquare", 1, 1},
    {"AveragePool", 1, 1}, {"MaxPool", 1, 1}, {"GlobalAveragePool", 1, 1}, {"GlobalMaxPool", 1, 1},
    {"LpNormalization", 1, 1}, {"LRN", 1, 1}, {"MeanVarianceNormalization", 1, 1},
    // Binary and two-input ops.
    {"Add", 2, 1}, {"Sub", 2, 1}, {"Mul", 2, 1}, {"Div", 2, 1}, {"Pow", 2, 1}, {"Mod", 2, 1},
    {"Max", 2, 1}, {"Min", 2, 1}, {"Sum", 2, 1}, {"Mean", 2, 1}, {"And", 2, 1}, {"Or", 2, 1},
    {"Xor", 2, 1}, {"Equal", 2, 1}, {"Less", 2, 1}, {"LessOrEqual", 2, 1}, {"Greater", 2, 1},
    {"GreaterOrEqual", 2, 1}, {"BitShift", 2, 1}, {"PRelu", 2, 1}, {"MatMul", 2, 1}, {"Gemm", 2, 1},
    {"Conv", 2, 1}, {"ConvTranspose", 2, 1}, {"Reshape", 2, 1}, {"Expand", 2, 1}, {"Tile", 2, 1},
    {"Unsqueeze", 2, 1}, {"Gather", 2, 1}, {"GatherElements", 2, 1}, {"GatherND", 2, 1},
    {"Pad", 2, 1}, {"CumSum", 2, 1}, {"TopK", 2, 2},
    // Three or more.
    {"Where", 3, 1}, {"Clip", 3, 1}, {"Slice", 3, 1}, {"Range", 3, 1}, {"OneHot", 3, 1},
    {"ScatterND", 3, 1}, {"ScatterElements", 3, 1}, {"InstanceNormalization", 3, 1},
    {"LayerNormalization", 3, 1}, {"GroupNormalization", 3, 1}, {"BatchNormalization", 5, 1},
    {"Resize", 3, 1}, {"Einsum", -1, 1}, {"Concat", -1, 1}, {"Split", 1, -1},
};

//===----------------------------------------------------------------------===//
// Character classes and number formats (shared by parser and printer)
//===----------------------------------------------------------------------===//

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool is_word_char(char c) { return is_ident_char(c) || c == '+' || c == '-' || c == '?' || c == '/' || c == ':'; }

// A bare NAME: [A-Za-z_][A-Za-z0-9_.]*.
bool is_identifier(const std::string& s) {
  if (s.empty() || !is_ident_start(s[0])) return false;
  for (char c : s)
    if (!is_ident_char(c)) return false;
  return true;
}

bool parse_i64(const std::string& s, int64_t* out) {
  const char* b = s.data() + (s.size() > 1 && s[0] == '+');
  auto [p, ec] = std::from_chars(b, s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && b != p;
}

template <typename F>
bool parse_float(const std::string& s, F* out) {
  const char* b = s.data() + (s.size() > 1 && s[0] == '+');
  auto [p, ec] = std::from_chars(b, s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && b != p;
}
bool parse_f32(const std::string& s, float* out) { return parse_float(s, out); }

// A number token is an integer when it is digits with an optional sign ("1", "-3"); anything
// else ("1.0", "1e5", "inf", "nan") is read as a float.
bool looks_float(const std::string& s) {
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+');
  if (i == s.size()) return true;
  for (; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return true;
  return false;
}

// Shortest text that reads back as the same float.
std::string format_f32(float v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

// As format_f32, but always recognisable as a float ("1" -> "1.0").
std::string format_f32_literal(float v) {
  std::string s = format_f32(v);
  if (!looks_float(s)) s += ".0";
  return s;
}

std::string quote(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') { out += '\\'; out += char(c); }
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c >= 0x7f) { out += "\\x"; out += hex[c >> 4]; out += hex[c & 15]; }
    else out += char(c);
  }
  return out + "\"";
}

// NAME as printed: bare when it is an identifier, quoted otherwise.
std::string print_name(const std::string& s) { return is_identifier(s) ? s : quote(s); }

//===----------------------------------------------------------------------===//
// Lines and tokens
//===----------------------------------------------------------------------===//

struct Line {
  int number;        // first physical line
  std::string text;  // comment stripped, continuations joined
};

// |s| without its comment; a ';' inside a quoted string does not start one.
std::string strip_comment(const std::string& s) {
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (in_string && s[i] == '\\') ++i;
    else if (s[i] == '"') in_string = !in_string;
    else if (s[i] == ';' && !in_string) return s.substr(0, i);
  }
  return s;
}

std::vector<Line> split_lines(const std::string& text) {
  std::vector<Line> lines;
  std::istringstream in(text);
  std::string raw;
  int number = 0;
  bool continuing = false;
  while (std::getline(in, raw)) {
    ++number;
    std::string s = strip_comment(raw);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    bool continues = !s.empty() && s.back() == '\\';
    if (continues) s.back() = ' ';
    if (continuing) lines.back().text += " " + s;
    else lines.push_back({number, s});
    continuing = continues;
  }
  std::erase_if(lines, [](const Line& l) { return l.text.find_first_not_of(" \t\r") == std::string::npos; });
  return lines;
}

struct Token {
  enum Kind : uint8_t { Word, String, Punct, End } kind;
  std::string text;  // Word / String contents; Punct: the character
};

// A statement's tokens with a read position; every error names the statement's line.
class Tokens {
 public:
  Tokens(const Line& line, const std::string& file) {
    loc_.file = file;
    loc_.line = line.number;
    lex(line.text);
  }

  SourceLoc& loc() { return loc_; }
  [[noreturn]] void fail(const std::string& what) const { throw CompileError(loc_, what); }

  const Token& peek() const { return toks_[pos_]; }
  Token next() { return pos_ + 1 < toks_.size() ? toks_[pos_++] : toks_[pos_]; }
  bool at_end() const { return peek().kind == Token::End; }
  bool at_punct(char c) const { return peek().kind == Token::Punct && peek().text[0] == c; }
  bool accept(char c) {
    if (!at_punct(c)) return false;
    ++pos_;
    return true;
  }
  void expect(char c, const char* context) {
    if (!accept(c)) fail(std::string("expected '") + c + "' " + context + ", found " + describe(peek()));
  }
  void expect_end() {
    if (!at_end()) fail("unexpected " + describe(peek()) + " at the end of the statement");
  }

  // NAME: an identifier or a quoted string.
  std::string name(const char* what) {
    Token t = next();
    if (t.kind == Token::String || (t.kind == Token::Word && is_identifier(t.text))) return t.text;
    fail(std::string("expected ") + what + " (a name, quoted if it is not an identifier), found " + describe(t));
  }

  // A bare word (number, keyword, path).
  std::string word(const char* what) {
    Token t = next();
    if (t.kind != Token::Word) fail(std::string("expected ") + what + ", found " + describe(t));
    return t.text;
  }

  int64_t integer(const char* what) {
    std::string w = word(what);
    int64_t v;
    if (!parse_i64(w, &v)) fail(std::string("expected ") + what + " (an integer), found '" + w + "'");
    return v;
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Token::Word: return "'" + t.text + "'";
      case Token::String: return quote(t.text);
      case Token::Punct: return "'" + t.text + "'";
      default: return "end of line";
    }
  }

 private:
  void lex(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
      char c = s[i];
      if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
      if (c == '"') { i = lex_string(s, i + 1); continue; }
      if (std::strchr("[]{},=@", c)) { toks_.push_back({Token::Punct, std::string(1, c)}); ++i; continue; }
      if (!is_word_char(c)) fail(std::string("unexpected character '") + c + "'");
      size_t j = i;
      while (j < s.size() && is_word_char(s[j])) ++j;
      toks_.push_back({Token::Word, s.substr(i, j - i)});
      i = j;
    }
    toks_.push_back({Token::End, ""});
  }

  // Reads a string body starting after the opening quote; returns the index after the closing one.
  size_t lex_string(const std::string& s, size_t i) {
    std::string out;
    while (i < s.size() && s[i] != '"') {
      if (s[i] != '\\') { out += s[i++]; continue; }
      if (++i >= s.size()) break;
      char e = s[i++];
      if (e == 'n') out += '\n';
      else if (e == 't') out += '\t';
      else if (e == 'r') out += '\r';
      else if (e == 'x' && i + 2 <= s.size() && std::isxdigit(static_cast<unsigned char>(s[i])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1]))) {
        out += char(std::stoi(s.substr(i, 2), nullptr, 16));
        i += 2;
      } else if (e == '"' || e == '\\') out += e;
      else fail(std::string("unknown escape '\\") + e + "' in string");
    }
    if (i >= s.size()) fail("unterminated string");
    toks_.push_back({Token::String, out});
    return i + 1;
  }

  SourceLoc loc_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
};

//===----------------------------------------------------------------------===//
// Types, shapes and tensor data
//===----------------------------------------------------------------------===//

DType parse_dtype(Tokens& t) {
  std::string w = t.word("a dtype (f32, f16, i8, u8, i32, i64, bool)");
  DType d = dtype_from_name(w.c_str());
  if (d == DType::Undefined) t.fail("unknown dtype '" + w + "' (expected f32, f64, f16, bf16, i8..i64, u8..u64, bool, ...)");
  return d;
}

// [d, ...]; symbolic dims (a NAME or ?) only when |spec| is given.
void parse_shape(Tokens& t, std::vector<int64_t>& shape, std::vector<std::string>* dim_names) {
  t.expect('[', "to open a shape");
  if (t.accept(']')) return;
  do {
    const Token& tok = t.peek();
    int64_t v;
    if (tok.kind == Token::Word && parse_i64(tok.text, &v)) {
      t.next();
      if (v < 0) t.fail("dimension " + std::to_string(v) + " is negative (write a name or ? for a symbolic one)");
      shape.push_back(v);
      if (dim_names) dim_names->emplace_back();
    } else if (!dim_names) {
      t.fail("a constant's shape must be static, found " + Tokens::describe(tok));
    } else if (tok.kind == Token::Word && tok.text == "?") {
      t.next();
      shape.push_back(-1);
      dim_names->emplace_back();
    } else {
      dim_names->push_back(t.name("a dimension"));
      shape.push_back(-1);
    }
  } while (t.accept(','));
  t.expect(']', "to close the shape");
}

// Writes one element given as text into |out| at element |i|: floats are read in double and
// rounded into the dtype (f32 directly), integers range-checked, then converted by the kernels'
// cast so every dtype stores as CAST would.
void store_value(Tokens& t, Tensor& out, size_t i, const std::string& text) {
  uint8_t* p = out.data.data() + i * dtype_size(out.dtype);
  const DType d = out.dtype;
  if (d == DType::F32) {
    float f;
    if (!parse_f32(text, &f)) t.fail("'" + text + "' is not a number");
    std::memcpy(p, &f, 4);
    return;
  }
  const bool is_int = kernels::is_integer(d) || d == DType::Bool || kernels::sub_byte_bits(d) != 0;
  if (!is_int) {
    double v;
    if (!parse_float(text, &v)) t.fail("'" + text + "' is not a number");
    kernels::cast_reference(DType::F64, d, 1, &v, p);
    return;
  }
  int64_t v;
  if (text == "true" && d == DType::Bool) v = 1;
  else if (text == "false" && d == DType::Bool) v = 0;
  else if (!parse_i64(text, &v)) t.fail("'" + text + "' is not an integer (constant is " + dtype_name(d) + ")");
  const int bits = d == DType::Bool ? 1 : dtype_packed_bits(d);
  const bool is_signed = d == DType::I8 || d == DType::I16 || d == DType::I32 || d == DType::I64 ||
                         d == DType::I4 || d == DType::I2;
  const int64_t lo = is_signed ? (bits == 64 ? INT64_MIN : -(int64_t(1) << (bits - 1))) : 0;
  const int64_t hi = bits >= 63 ? INT64_MAX : is_signed ? (int64_t(1) << (bits - 1)) - 1 : (int64_t(1) << bits) - 1;
  if (v < lo || v > hi) t.fail(text + " is out of range for " + dtype_name(d));
  kernels::cast_reference(DType::I64, d, 1, &v, p);
}

// Pieces a tensor's data may be given in, besides a list of values.
struct DataSpec {
  std::string fill, hex, file;
  int64_t offset = -1;
};

void read_data_file(Tokens& t, Tensor& out, const DataSpec& spec, const std::string& base_dir) {
  namespace fs = std::filesystem;
  fs::path path(spec.file);
  if (path.is_relative() && !base_dir.empty()) path = fs::path(base_dir) / path;
  std::error_code ec;
  uint64_t size = fs::file_size(path, ec);
  if (ec) t.fail("cannot read constant data file '" + path.string() + "': " + ec.message());
  uint64_t offset = spec.offset < 0 ? 0 : uint64_t(spec.offset);
  uint64_t want = out.data.size();
  if (spec.offset < 0 && size != want)
    t.fail("'" + path.string() + "' holds " + std::to_string(size) + " bytes but the shape needs " +
           std::to_string(want) + " (give offset= to read part of a file)");
  if (offset > size || size - offset < want)
    t.fail("'" + path.string() + "' (" + std::to_string(size) + " bytes) has no " + std::to_string(want) +
           " bytes at offset " + std::to_string(offset));
  std::ifstream in(path, std::ios::binary);
  in.seekg(std::streamoff(offset));
  if (want && !in.read(reinterpret_cast<char*>(out.data.data()), std::streamsize(want)))
    t.fail("reading '" + path.string() + "' failed");
}

void decode_hex(Tokens& t, Tensor& out, const std::string& hex) {
  if (hex.size() != out.data.size() * 2)
    t.fail("hex= gives " + std::to_string(hex.size() / 2) + " bytes but the shape needs " +
           std::to_string(out.data.size()));
  for (size_t i = 0; i < out.data.size(); ++i) {
    int byte = 0;
    auto [p, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, byte, 16);
    if (ec != std::errc() || p != hex.data() + 2 * i + 2) t.fail("hex= holds a non-hex digit");
    out.data[i] = uint8_t(byte);
  }
}

// Tensor data up to |close| (a '}' or the end of the line): values, fill=, hex= or file=.
void parse_tensor_data(Tokens& t, Tensor& out, char close, const std::string& base_dir) {
  auto at_close = [&] { return close ? t.at_punct(close) : t.at_end(); };
  std::vector<std::string> values;
  DataSpec spec;
  while (!at_close()) {
    if (t.accept(',')) continue;
    std::string w = t.word("a value");
    if (!t.accept('=')) { values.push_back(w); continue; }
    if (w == "fill") spec.fill = t.word("a fill value");
    else if (w == "hex") spec.hex = t.peek().kind == Token::String ? t.next().text : t.word("hex bytes");
    else if (w == "file") spec.file = t.peek().kind == Token::String ? t.next().text : t.word("a file name");
    else if (w == "offset") {
      spec.offset = t.integer("an offset");
      if (spec.offset < 0) t.fail("offset=" + std::to_string(spec.offset) + " is negative");
    }
    else t.fail("unknown constant data key '" + w + "' (expected fill=, hex=, file= or offset=)");
  }
  int n_sources = !values.empty() + !spec.fill.empty() + !spec.hex.empty() + !spec.file.empty();
  if (n_sources > 1) t.fail("give a constant's data one way: values, fill=, hex= or file=");
  if (spec.offset >= 0 && spec.file.empty()) t.fail("offset= needs file=");
  int64_t n = out.num_elements();
  out.data.assign(size_t(n) * dtype_size(out.dtype), 0);
  if (!spec.file.empty()) return read_data_file(t, out, spec, base_dir);
  if (!spec.hex.empty()) return decode_hex(t, out, spec.hex);
  if (!spec.fill.empty()) {
    for (int64_t i = 0; i < n; ++i) store_value(t, out, size_t(i), spec.fill);
    return;
  }
  if (int64_t(values.size()) != n)
    t.fail("constant has " + std::to_string(values.size()) + " values but its shape holds " + std::to_string(n));
  for (size_t i = 0; i < values.size(); ++i) store_value(t, out, i, values[i]);
}

// A constant's static SHAPE; refuses shapes too large to hold.
void parse_tensor_shape(Tokens& t, Tensor& out) {
  parse_shape(t, out.shape, nullptr);
  uint64_t n = 1;
  for (int64_t d : out.shape) {
    if (d != 0 && n > (uint64_t(1) << 40) / uint64_t(d)) t.fail("constant is too large");
    n *= uint64_t(d);
  }
}

//===----------------------------------------------------------------------===//
// Attribute values
//===----------------------------------------------------------------------===//

AttrValue parse_number(Tokens& t, const std::string& w) {
  if (looks_float(w)) {
    float f;
    if (!parse_f32(w, &f)) t.fail("'" + w + "' is not a value (strings need quotes)");
    return f;
  }
  int64_t v;
  if (!parse_i64(w, &v)) t.fail(w + " is out of range for an int64 attribute");
  return v;
}

// [a, b, ...]: ints unless an element is a float; |kind| forces "ints" / "floats".
AttrValue parse_list(Tokens& t, const std::string& kind) {
  std::vector<std::string> items;
  if (!t.accept(']')) {
    do items.push_back(t.word("a list element"));
    while (t.accept(','));
    t.expect(']', "to close the list");
  }
  bool floats = kind == "floats";
  for (const auto& w : items) floats = floats || (kind.empty() && looks_float(w));
  if (floats) {
    std::vector<float> v(items.size());
    for (size_t i = 0; i < items.size(); ++i)
      if (!parse_f32(items[i], &v[i])) t.fail("'" + items[i] + "' is not a number");
    return v;
  }
  std::vector<int64_t> v(items.size());
  for (size_t i = 0; i < items.size(); ++i)
    if (!parse_i64(items[i], &v[i])) t.fail("'" + items[i] + "' is not an integer (write ints as 1, floats as 1.0)");
  return v;
}

AttrValue parse_attr_value(Tokens& t, const std::string& base_dir) {
  if (t.peek().kind == Token::String) return t.next().text;
  if (t.accept('[')) return parse_list(t, "");
  std::string w = t.word("an attribute value");
  if ((w == "ints" || w == "floats") && t.accept('[')) return parse_list(t, w);
  if (dtype_from_name(w.c_str()) != DType::Undefined && t.at_punct('[')) {
    // Tensor: DTYPE[shape]{data}; the data is parsed up to the '}'.
    Tensor out;
    out.dtype = dtype_from_name(w.c_str());
    parse_tensor_shape(t, out);
    t.expect('{', "to open the tensor's data");
    parse_tensor_data(t, out, '}', base_dir);
    t.expect('}', "to close the tensor's data");
    return out;
  }
  return parse_number(t, w);
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

class AsmParser {
 public:
  AsmParser(const std::string& file) : file_(file) {
    base_dir_ = std::filesystem::path(file).parent_path().string();
    prog_.source = file;
  }

  StackProgram parse(const std::string& text) {
    std::vector<Line> lines = split_lines(text);
    for (const Line& l : lines) {
      Tokens t(l, file_);
      if (t.peek().kind == Token::Word && t.peek().text[0] == '.') directive(t);
    }
    finish_locals();
    for (const Line& l : lines) {
      Tokens t(l, file_);
      if (!(t.peek().kind == Token::Word && t.peek().text[0] == '.')) instruction(t);
    }
    if (!open_ifs_.empty()) {
      SourceLoc loc;
      loc.file = file_;
      loc.line = open_ifs_.back();
      loc.op_type = is_loop_.back() ? "loop" : "if";
      throw CompileError(loc, "'" + loc.op_type + "' is not closed by 'end'");
    }
    return std::move(prog_);
  }

 private:
  // ---- directives ----

  void directive(Tokens& t) {
    std::string d = t.word("a directive");
    t.loc().op_type = d;
    if (d == ".input") input(t);
    else if (d == ".output") output(t);
    else if (d == ".local") {
      do local_decls_.push_back(t.name("a local name"));
      while (!t.at_end());
    } else if (d == ".const") {
      std::string name = t.name("a constant name");
      Tensor c;
      c.dtype = parse_dtype(t);
      parse_tensor_shape(t, c);
      parse_tensor_data(t, c, 0, base_dir_);
      prog_.constants.push_back(std::move(c));
      prog_.constant_names.push_back(name);
    } else {
      t.fail("unknown directive '" + d + "' (expected .input, .output, .local or .const)");
    }
    t.expect_end();
  }

  void input(Tokens& t) {
    ValueSpec s;
    s.name = t.name("an input name");
    s.dtype = parse_dtype(t);
    parse_shape(t, s.shape, &s.dim_names);
    prog_.inputs.push_back(std::move(s));
  }

  // An output without a type has dtype Undefined (unknown until shape inference).
  void output(Tokens& t) {
    ValueSpec s;
    s.name = t.name("an output name");
    s.dtype = DType::Undefined;
    if (!t.at_end()) {
      s.dtype = parse_dtype(t);
      parse_shape(t, s.shape, &s.dim_names);
    }
    prog_.outputs.push_back(std::move(s));
  }

  void finish_locals() {
    for (const auto& in : prog_.inputs) prog_.local_names.push_back(in.name);
    prog_.local_names.insert(prog_.local_names.end(), local_decls_.begin(), local_decls_.end());
    index_names(prog_.local_names, local_index_);
    index_names(prog_.constant_names, const_index_);
  }

  // name -> index, or -2 when the name is declared more than once.
  static void index_names(const std::vector<std::string>& names, std::unordered_map<std::string, int64_t>& out) {
    for (size_t i = 0; i < names.size(); ++i) {
      auto [it, fresh] = out.emplace(names[i], int64_t(i));
      if (!fresh) it->second = -2;
    }
  }

  // ---- instructions ----

  void instruction(Tokens& t) {
    bool quoted = t.peek().kind == Token::String;
    std::string m = quoted ? t.next().text : t.word("an instruction");
    t.loc().op_type = m;
    StackOp op;
    op.loc = t.loc();
    if (quoted) {
      if (m.empty()) t.fail("empty operator name");
      return operator_line(t, op, m);
    }
    if (m == "local.get" || m == "local.set") {
      op.kind = m == "local.get" ? StackOpKind::LocalGet : StackOpKind::LocalSet;
      op.index = reference(t, local_index_, prog_.local_names.size(), "local");
    } else if (m == "const") {
      op.kind = StackOpKind::PushConst;
      op.index = reference(t, const_index_, prog_.constants.size(), "constant");
    } else if (m == "push.none") {
      op.kind = StackOpKind::PushNone;
    } else if (m == "if" || m == "else" || m == "end") {
      op.kind = structure(t, m);
    } else if (m == "loop") {
      op.kind = StackOpKind::Loop;
      op.num_outputs = 0;
      if (!t.at_end()) {
        std::string key = t.name("collect=N");
        if (key != "collect") t.fail("'loop' takes only collect=N, not '" + key + "'");
        t.expect('=', "after 'collect'");
        int64_t v = t.integer("a count of collected values");
        if (v < 0 || v > 1 << 16) t.fail("collect=" + std::to_string(v) + " is out of range");
        op.num_outputs = int(v);
      }
      open_ifs_.push_back(t.loc().line);
      has_else_.push_back(false);
      is_loop_.push_back(true);
    } else if (m == "break_unless" || m == "loop.index") {
      if (std::find(is_loop_.begin(), is_loop_.end(), true) == is_loop_.end()) t.fail("'" + m + "' outside a loop");
      op.kind = m == "loop.index" ? StackOpKind::LoopIndex : StackOpKind::BreakUnless;
    } else {
      if (!is_identifier(m)) t.fail("'" + m + "' is not an instruction or operator name");
      return operator_line(t, op, m);
    }
    t.expect_end();
    prog_.code.push_back(std::move(op));
  }

  StackOpKind structure(Tokens& t, const std::string& m) {
    if (m == "if") {
      open_ifs_.push_back(t.loc().line);
      has_else_.push_back(false);
      is_loop_.push_back(false);
      return StackOpKind::If;
    }
    if (open_ifs_.empty()) t.fail("'" + m + "' without a matching 'if' or 'loop'");
    if (m == "else") {
      if (is_loop_.back()) t.fail("'else' in the loop opened at line " + std::to_string(open_ifs_.back()));
      if (has_else_.back()) t.fail("second 'else' for the 'if' at line " + std::to_string(open_ifs_.back()));
      has_else_.back() = true;
      return StackOpKind::Else;
    }
    open_ifs_.pop_back();
    has_else_.pop_back();
    is_loop_.pop_back();
    return StackOpKind::End;
  }

  int64_t reference(Tokens& t, const std::unordered_map<std::string, int64_t>& names, size_t count,
                    const char* what) {
    const Token& tok = t.peek();
    int64_t index;
    if (tok.kind == Token::Word && parse_i64(tok.text, &index)) {
      t.next();
      if (index < 0 || size_t(index) >= count)
        t.fail(std::string(what) + " index " + std::to_string(index) + " out of range (" + std::to_string(count) +
               " declared)");
      return index;
    }
    std::string name = t.name((std::string("a ") + what + " name or index").c_str());
    auto it = names.find(name);
    if (it == names.end()) t.fail(std::string(what) + " '" + name + "' is not declared");
    if (it->second < 0) t.fail(std::string(what) + " name '" + name + "' is declared more than once; use an index");
    return it->second;
  }

  void operator_line(Tokens& t, StackOp& op, const std::string& name) {
    op.kind = StackOpKind::Op;
    op.name = name;
    int in = -1, out = -1;
    bool known = stack_asm_default_arity(name, &in, &out);
    while (!t.at_end()) {
      if (t.accept('@')) {
        op.loc.node = t.name("a node name after '@'");
        t.expect_end();
        break;
      }
      bool quoted = t.peek().kind == Token::String;
      std::string key = t.name("an attribute name");
      t.expect('=', ("after '" + key + "'").c_str());
      if (!quoted && (key == "in" || key == "out")) {
        int64_t v = t.integer("an operand count");
        if (v < 0 || v > 1 << 16) t.fail(key + "=" + std::to_string(v) + " is out of range");
        (key == "in" ? in : out) = int(v);
        continue;
      }
      if (op.attrs.count(key)) t.fail("attribute '" + key + "' given twice");
      op.attrs[key] = parse_attr_value(t, base_dir_);
    }
    if (in < 0) t.fail(known ? "'" + name + "' takes a variable number of inputs; give in=N"
                             : "unknown operator '" + name + "': give its input count with in=N");
    if (out < 0) t.fail("'" + name + "' has a variable number of outputs; give out=N");
    op.num_inputs = in;
    op.num_outputs = out;
    prog_.code.push_back(std::move(op));
  }

  std::string file_, base_dir_;
  StackProgram prog_;
  std::vector<std::string> local_decls_;
  std::unordered_map<std::string, int64_t> local_index_, const_index_;
  std::vector<int> open_ifs_;  // line of each open 'if' or 'loop'
  std::vector<bool> has_else_;
  std::vector<bool> is_loop_;
};

//===----------------------------------------------------------------------===//
// Printer
//===----------------------------------------------------------------------===//

std::string print_shape(const std::vector<int64_t>& shape, const std::vector<std::string>* dim_names) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    const std::string* dn = dim_names && i < dim_names->size() ? &(*dim_names)[i] : nullptr;
    if (shape[i] >= 0) s += std::to_string(shape[i]);
    else s += dn && !dn->empty() ? print_name(*dn) : "?";
  }
  return s + "]";
}

std::string print_spec(const ValueSpec& v) {
  return print_name(v.name) + " " + dtype_name(v.dtype) + " " + print_shape(v.shape, &v.dim_names);
}

bool has_nan(const Tensor& t) {
  if (t.dtype != DType::F32 && t.dtype != DType::F16) return false;
  for (int64_t i = 0; i < t.num_elements(); ++i)
    if (std::isnan(t.float_at(i))) return true;
  return false;
}

// Dtypes whose values print as decimal text that reads back to the same bytes; the others
// (f64, bf16, the float8 / float4 kinds, u64 beyond int64) print as hex.
bool prints_as_text(DType d) {
  return d == DType::F32 || d == DType::F16 || d == DType::Bool || kernels::sub_byte_bits(d) != 0 ||
         (kernels::is_integer(d) && d != DType::U64);
}

// A tensor's values as text, one string each; a single hex= instead when exact bytes matter
// (NaN payloads, dtypes without an exact text form) or the data does not match the shape.
std::vector<std::string> tensor_values(const Tensor& t) {
  int64_t n = t.num_elements();
  bool exact = n >= 0 && size_t(n) * dtype_size(t.dtype) == t.data.size() && dtype_size(t.dtype) != 0;
  if (!exact || has_nan(t) || !prints_as_text(t.dtype)) {
    static const char* hex = "0123456789abcdef";
    std::string h = "hex=";
    for (uint8_t b : t.data) { h += hex[b >> 4]; h += hex[b & 15]; }
    return {h};
  }
  std::vector<std::string> out;
  out.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i)
    out.push_back(t.dtype == DType::F32 || t.dtype == DType::F16 ? format_f32(float(t.float_at(i)))
                                                                 : std::to_string(t.int_at(i)));
  return out;
}

std::string print_attr(const AttrValue& v) {
  struct Visitor {
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(float f) const { return format_f32_literal(f); }
    std::string operator()(const std::string& s) const { return quote(s); }
    std::string operator()(const std::vector<int64_t>& v) const {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
      return s + "]";
    }
    std::string operator()(const std::vector<float>& v) const {
      std::string s = v.empty() ? "floats[" : "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + format_f32_literal(v[i]);
      return s + "]";
    }
    std::string operator()(const Tensor& t) const {
      std::string s = std::string(dtype_name(t.dtype)) + print_shape(t.shape, nullptr) + "{";
      std::vector<std::string> vals = tensor_values(t);
      for (size_t i = 0; i < vals.size(); ++i) s += (i ? "," : "") + vals[i];
      return s + "}";
    }
  };
  return std::visit(Visitor{}, v);
}

class AsmPrinter {
 public:
  explicit AsmPrinter(const StackProgram& p) : p_(p) {
    count(p.local_names, local_uses_);
    count(p.constant_names, const_uses_);
  }

  std::string print() {
    out_ << "; aivm stack program" << (p_.source.empty() ? "" : " from " + p_.source) << "\n";
    for (const auto& in : p_.inputs) out_ << ".input " << print_spec(in) << "\n";
    for (const auto& o : p_.outputs)
      out_ << ".output " << (o.dtype == DType::Undefined ? print_name(o.name) : print_spec(o)) << "\n";
    print_locals();
    for (size_t i = 0; i < p_.constants.size(); ++i) print_const(i);
    out_ << "\n";
    int depth = 0;
    for (const StackOp& op : p_.code) print_op(op, depth);
    return out_.str();
  }

 private:
  static void count(const std::vector<std::string>& names, std::unordered_map<std::string, int>& uses) {
    for (const auto& n : names) ++uses[n];
  }

  void print_locals() {
    for (size_t i = p_.inputs.size(), k = 0; i < p_.local_names.size(); ++i, ++k)
      out_ << (k % 8 == 0 ? (k ? "\n.local " : ".local ") : " ") << print_name(p_.local_names[i]);
    if (p_.local_names.size() > p_.inputs.size()) out_ << "\n";
  }

  void print_const(size_t i) {
    const Tensor& t = p_.constants[i];
    std::string name = i < p_.constant_names.size() ? p_.constant_names[i] : "";
    out_ << ".const " << print_name(name) << " " << dtype_name(t.dtype) << " " << print_shape(t.shape, nullptr);
    std::vector<std::string> vals = tensor_values(t);
    for (size_t k = 0; k < vals.size(); ++k) out_ << (k && k % 16 == 0 ? " \\\n    " : " ") << vals[k];
    out_ << "\n";
  }

  // A local or constant by name when that name is unique, else by index.
  static std::string ref(int64_t index, const std::vector<std::string>& names,
                         const std::unordered_map<std::string, int>& uses) {
    if (index >= 0 && size_t(index) < names.size()) {
      const std::string& n = names[size_t(index)];
      if (!n.empty() && uses.at(n) == 1) return print_name(n);
    }
    return std::to_string(index);
  }

  void print_op(const StackOp& op, int& depth) {
    if (op.kind == StackOpKind::Else || op.kind == StackOpKind::End) --depth;
    out_ << std::string(size_t(std::max(depth, 0)) * 2, ' ');
    switch (op.kind) {
      case StackOpKind::PushConst: out_ << "const " << ref(op.index, p_.constant_names, const_uses_); break;
      case StackOpKind::PushNone: out_ << "push.none"; break;
      case StackOpKind::LocalGet: out_ << "local.get " << ref(op.index, p_.local_names, local_uses_); break;
      case StackOpKind::LocalSet: out_ << "local.set " << ref(op.index, p_.local_names, local_uses_); break;
      case StackOpKind::If: out_ << "if"; ++depth; break;
      case StackOpKind::Else: out_ << "else"; ++depth; break;
      case StackOpKind::End: out_ << "end"; break;
      case StackOpKind::Loop:
        out_ << "loop";
        if (op.num_outputs) out_ << " collect=" << op.num_outputs;
        ++depth;
        break;
      case StackOpKind::BreakUnless: out_ << "break_unless"; break;
      case StackOpKind::LoopIndex: out_ << "loop.index"; break;
      case StackOpKind::Op: print_operator(op); break;
    }
    out_ << "\n";
  }

  void print_operator(const StackOp& op) {
    // Quote operator names the parser would otherwise read as instructions or not as a word.
    bool reserved = op.name == "local.get" || op.name == "local.set" || op.name == "const" ||
                    op.name == "push.none" || op.name == "if" || op.name == "else" || op.name == "end" ||
                    op.name == "loop" || op.name == "break_unless" || op.name == "loop.index";
    out_ << (reserved || !is_identifier(op.name) ? quote(op.name) : op.name);
    int in = -1, out = -1;
    stack_asm_default_arity(op.name, &in, &out);
    if (op.num_inputs != in) out_ << " in=" << op.num_inputs;
    if (op.num_outputs != out) out_ << " out=" << op.num_outputs;
    for (const auto& [key, value] : op.attrs) {
      bool bare = is_identifier(key) && key != "in" && key != "out";
      out_ << " " << (bare ? key : quote(key)) << "=" << print_attr(value);
    }
    if (!op.loc.node.empty()) out_ << " @" << print_name(op.loc.node);
  }

  const StackProgram& p_;
  std::ostringstream out_;
  std::unordered_map<std::string, int> local_uses_, const_uses_;
};

}  // namespace

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

bool stack_asm_default_arity(const std::string& op, int* num_inputs, int* num_outputs) {
  for (const Arity& a : kArity)
    if (op == a.op) {
      *num_inputs = a.in;
      *num_outputs = a.out;
      return true;
    }
  *num_inputs = -1;
  *num_outputs = 1;
  return false;
}

StackProgram parse_stack_asm(const std::string& text, const std::string& file_name) {
  return AsmParser(file_name).parse(text);
}

StackProgram parse_stack_asm_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path)) {
    SourceLoc loc;
    loc.file = path;
    throw CompileError(loc, "cannot open file");
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_stack_asm(buf.str(), path);
}

std::string print_stack_asm(const StackProgram& program) { return AsmPrinter(program).print(); }

}  // namespace aivm::compiler
