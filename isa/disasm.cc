// Disassembler: placeholder until isa/disasm.h lands.
