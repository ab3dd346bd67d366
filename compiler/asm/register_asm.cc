// Register assembler: disassembler text back to instruction words (see register_asm.h).
#include "compiler/asm/register_asm.h"

#include <cctype>
#include <stdexcept>
#include <string_view>

#include "isa/isa.h"

namespace aivm::compiler {
namespace {

//===------------------------------------------------------------------------------------===//
// Lexing helpers: the grammar is line-based and small, so a cursor over a string_view does.
//===------------------------------------------------------------------------------------===//

[[noreturn]] void fail(size_t line, const std::string& what) {
  throw std::runtime_error("line " + std::to_string(line) + ": " + what);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses all of |s| as an unsigned decimal no larger than |max|.
uint64_t parse_decimal(std::string_view s, uint64_t max, size_t line, std::string_view what) {
  if (s.empty()) fail(line, "missing number in " + std::string(what));
  uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) fail(line, "'" + std::string(what) + "' is not a decimal number");
    uint64_t d = uint64_t(c - '0');
    if (v > (max - d) / 10) {
      fail(line, "value in '" + std::string(what) + "' exceeds the field limit " +
                     std::to_string(max));
    }
    v = v * 10 + d;
  }
  return v;
}

uint64_t parse_hex_word(std::string_view s, size_t line) {
  std::string_view digits = s;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    digits.remove_prefix(2);
  else
    fail(line, ".word needs a 0x-prefixed hex value, got '" + std::string(s) + "'");
  if (digits.empty() || digits.size() > 16)
    fail(line, ".word value '" + std::string(s) + "' must have 1 to 16 hex digits");
  uint64_t v = 0;
  for (char c : digits) {
    int h = hex_value(c);
    if (h < 0) fail(line, ".word value '" + std::string(s) + "' is not hexadecimal");
    v = (v << 4) | uint64_t(h);
  }
  return v;
}

// Removes a leading "123:" index prefix, if any.
std::string_view strip_index(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i > 0 && i < s.size() && s[i] == ':') return trim(s.substr(i + 1));
  return s;
}

//===------------------------------------------------------------------------------------===//
// Operands
//===------------------------------------------------------------------------------------===//

const char* kind_prefix(isa::OperandKind k) {
  switch (k) {
    case isa::OperandKind::Register: return "r";
    case isa::OperandKind::Attr: return "@";
    case isa::OperandKind::Immediate: return "#";
    case isa::OperandKind::Jump: return "->";
    case isa::OperandKind::Unused: break;
  }
  return "";
}

const char* kind_name(isa::OperandKind k) {
  switch (k) {
    case isa::OperandKind::Register: return "a register (rN)";
    case isa::OperandKind::Attr: return "an attribute record (@N)";
    case isa::OperandKind::Immediate: return "an immediate (#N)";
    case isa::OperandKind::Jump: return "a jump target (->N)";
    case isa::OperandKind::Unused: break;
  }
  return "nothing";
}

uint64_t parse_operand(std::string_view text, isa::OperandKind kind, size_t line,
                       const char* mnemonic, int index) {
  std::string_view prefix = kind_prefix(kind);
  uint64_t max = kind == isa::OperandKind::Jump ? isa::kJumpMax : isa::kFieldMax;
  if (text.substr(0, prefix.size()) != prefix || text.size() == prefix.size() ||
      !is_digit(text[prefix.size()])) {
    fail(line, std::string(mnemonic) + " operand " + std::to_string(index + 1) + " must be " +
                   kind_name(kind) + ", got '" + std::string(text) + "'");
  }
  return parse_decimal(text.substr(prefix.size()), max, line, text);
}

std::vector<std::string_view> split_operands(std::string_view s) {
  std::vector<std::string_view> out;
  if (s.empty()) return out;
  while (true) {
    size_t comma = s.find(',');
    out.push_back(trim(s.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

uint64_t assemble_instruction(std::string_view mnemonic, std::string_view rest, size_t line) {
  std::string lower(mnemonic);
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  const isa::OpInfo* info = isa::op_info_by_mnemonic(lower.c_str());
  if (info == nullptr) fail(line, "unknown mnemonic '" + std::string(mnemonic) + "'");

  std::vector<std::string_view> operands = split_operands(rest);
  size_t expected = 0;
  for (isa::OperandKind k : info->kinds) expected += k != isa::OperandKind::Unused;
  if (operands.size() != expected) {
    fail(line, std::string(info->mnemonic) + " takes " + std::to_string(expected) +
                   " operand(s), got " + std::to_string(operands.size()));
  }

  uint64_t fields[4] = {0, 0, 0, 0};
  size_t next = 0;
  for (int i = 0; i < 4; ++i) {
    if (info->kinds[i] == isa::OperandKind::Unused) continue;
    fields[i] = parse_operand(operands[next], info->kinds[i], line, info->mnemonic, int(next));
    ++next;
  }
  if (info->format == isa::Format::AJ) return isa::encode_aj(info->opcode, uint32_t(fields[0]), fields[1]);
  return isa::encode_abcd(info->opcode, uint32_t(fields[0]), uint32_t(fields[1]),
                          uint32_t(fields[2]), uint32_t(fields[3]));
}

}  // namespace

bool assemble_register_line(const std::string& line_text, size_t line, uint64_t* out_word) {
  std::string_view s = line_text;
  s = trim(s.substr(0, s.find(';')));
  s = strip_index(s);
  if (s.empty()) return false;

  size_t split = 0;
  while (split < s.size() && !std::isspace(static_cast<unsigned char>(s[split]))) ++split;
  std::string_view head = s.substr(0, split);
  std::string_view rest = trim(s.substr(split));
  if (head == ".word") {
    *out_word = parse_hex_word(rest, line);
  } else {
    *out_word = assemble_instruction(head, rest, line);
  }
  return true;
}

std::vector<uint64_t> assemble_register_text(const std::string& text) {
  std::vector<uint64_t> words;
  size_t line = 1;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    uint64_t word;
    if (assemble_register_line(text.substr(begin, end - begin), line, &word)) words.push_back(word);
    begin = end + 1;
    ++line;
  }
  return words;
}

}  // namespace aivm::compiler
