// Text assembly for stack programs (.aivs): a parser and a printer.
//
// The .aivs language is the stack program written by hand, one statement per line; it is the
// natural language for small compiler tests and the readable dump of an imported model.
// Grammar (`;` starts a comment; a `\` at the end of a line continues the statement on the
// next line; tokens are separated by spaces, list items by commas):
//
//   .input  NAME DTYPE SHAPE          program input; inputs are locals 0..n-1 in this order
//   .output NAME [DTYPE SHAPE]        program output (signature only; the code pushes it)
//   .local  NAME...                   further locals, after the inputs, in order
//   .const  NAME DTYPE SHAPE DATA     constant; DATA is values, fill=V, hex=BYTES, or
//                                     file=PATH [offset=N] (raw bytes, PATH relative to the .aivs)
//   local.get REF | local.set REF | const REF      REF = NAME, or a numeric index
//   push.none | if | else | end
//   OPNAME [in=N] [out=N] [KEY=VALUE]... [@NODE]   an operator, as ONNX names it
//
//   NAME  = [A-Za-z_][A-Za-z0-9_.]* or a "quoted string"      DTYPE = f32 f16 i8 u8 i32 i64 bool
//   SHAPE = [d, ...] with d an integer, a symbolic NAME, or ? (unnamed symbolic)
//   VALUE = 7 | -2.5 | 1e-5 | nan | inf | "str" | [1,2] | [0.5,1] | floats[] | f32[2]{1,2}
//
// Operator arity defaults come from a small table (Relu 1, Add 2, Conv 2, Gemm 2, ...); in= and
// out= override it, and are required for operators the table does not know. Directives may
// appear anywhere; every name is resolved after the whole file is read.
//
// Errors are CompileError with file:line and what is wrong. Thread-safety: reentrant.
#pragma once

#include <string>

#include "compiler/ir/stack_program.h"

namespace aivm::compiler {

// Parses |text|; |file_name| goes into SourceLocs and program.source, and its directory is where
// `file=` constant data is looked up.
StackProgram parse_stack_asm(const std::string& text, const std::string& file_name);

// Reads and parses the file at |path|.
StackProgram parse_stack_asm_file(const std::string& path);

// Prints |program| as .aivs text. Parsing the text gives back an equal program, apart from
// SourceLocs (the parsed ops point at the text; ONNX node names survive as @NODE) and
// program.source (the name given to the parser). Constants are printed inline.
std::string print_stack_asm(const StackProgram& program);

// Default operand counts of an operator in the assembly; false if the table does not know it.
// A count of -1 means "variadic: give in= / out= explicitly".
bool stack_asm_default_arity(const std::string& op, int* num_inputs, int* num_outputs);

}  // namespace aivm::compiler
