// Register assembler: reads the instruction text isa/disasm.h prints back into 64-bit words.
// It exists so tests and hand-written fixtures can state bytecode as text, and so that
// disassemble -> assemble can be checked to return the input (STYLE.md §7).
//
// Accepted syntax, one instruction per line:
//
//     [INDEX:] MNEMONIC [OPERAND {, OPERAND}] [; comment]
//     [INDEX:] .word 0xHEX                    [; comment]
//
//   - MNEMONIC is a row of isa/opcodes.def (case-insensitive);
//   - operands follow the row's kinds in field order A, B, C, D, skipping unused fields:
//     R `rN`, P `@N`, I `#N`, J `->N`, N decimal;
//   - INDEX prefixes (as disassemble_function prints them) are skipped, not checked;
//   - everything after the first ';' and blank lines are ignored.
//
// Compiler side: errors throw.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aivm::compiler {

// Assembles |text| into instruction words, in line order. Throws std::runtime_error with a
// message "line N: ..." on an unknown mnemonic, a wrong operand kind or count, or a field
// value too large for its bits (isa::kFieldMax, isa::kJumpMax).
std::vector<uint64_t> assemble_register_text(const std::string& text);

// Assembles one line (without newline). Returns false for a line that holds no instruction
// (blank or comment only); throws like assemble_register_text, with |line_number| in the
// message.
bool assemble_register_line(const std::string& line, size_t line_number, uint64_t* out_word);

}  // namespace aivm::compiler
