// Disassembler: renders 64-bit instruction words as the text the register assembler
// (compiler/asm/register_asm.h) reads back.
//
// Runtime side: no exceptions, no RTTI, no iostreams. Inputs are untrusted (a bundle being
// inspected may be garbage), so nothing here reads outside the arrays it is given.
//
// One instruction prints as
//
//   conv r5, r0, r1, @2 ; bias=r2 group=1 k=3x3 s=1x1 p=1,1,1,1 d=1x1 act=relu
//   jmpz r3, ->17
//   softmax r4, r3, #1
//
// Operand syntax follows the kinds in isa/opcodes.def: R → rN, P → @N, I → #N, J → ->N.
// Unused fields are not printed. A P operand gets a comment with its decoded attribute
// record (isa/attrs.h), or a note when the record is missing or malformed.
//
// Words that cannot be written as a mnemonic line (a reserved opcode number, or a known
// opcode with a non-zero unused field) print as `.word 0x<16 hex digits>` with a comment, so
// assembling the output of the disassembler always gives back the same words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace aivm::isa {

// Returns one line (no trailing newline) for |word|.
//
// |attrs| / |attrs_size| is the function's attribute pool and |attr_offsets| /
// |num_attr_records| its record table: record i spans attrs[attr_offsets[i] .. next offset,
// or attrs_size for the last record). Either array may be null when its size is zero.
// Records with offsets out of bounds or out of order are reported, not read.
std::string disassemble_instruction(uint64_t word, const int32_t* attrs, size_t attrs_size,
                                    const uint32_t* attr_offsets, size_t num_attr_records);

// Returns the |n| instructions of |code|, one line each, terminated by '\n':
//
//      3: conv r5, r0, r1, @2 ; bias=r2 group=1 ... ; node-name
//
// The index prefix is the instruction index (the ->N jump target). |debug_names| may be null;
// otherwise it has |n| entries, each null or a NUL-terminated name appended as `; name`
// (control characters are replaced by '?').
std::string disassemble_function(const uint64_t* code, size_t n, const int32_t* attrs,
                                 size_t attrs_size, const uint32_t* attr_offsets,
                                 size_t num_records, const char* const* debug_names);

// The attribute-record comment alone (without the leading "; "), as printed after a P
// operand of |opcode|. Exposed for tools and tests.
std::string describe_attr_record(uint8_t opcode, uint32_t record, const int32_t* attrs,
                                 size_t attrs_size, const uint32_t* attr_offsets,
                                 size_t num_attr_records);

}  // namespace aivm::isa
