# Cross build for 64-bit Arm Linux with Debian's g++-aarch64-linux-gnu; the target's libc is
# libc6-dev-arm64-cross under /usr/aarch64-linux-gnu. Test programs run under qemu-user
# (qemu-aarch64, Debian's qemu-user), so ctest works unchanged on an x86-64 machine.
#   cmake --preset aarch64   (CMakePresets.json), or -DCMAKE_TOOLCHAIN_FILE=<this file>
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(AIVM_CROSS_SYSROOT /usr/aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Libraries, headers and CMake packages come from the target's tree only; programs (flatc)
# from the build machine.
set(CMAKE_FIND_ROOT_PATH ${AIVM_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -L: the target's dynamic loader and shared libraries for qemu.
find_program(AIVM_QEMU_AARCH64 qemu-aarch64)
if(AIVM_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${AIVM_QEMU_AARCH64} -L ${AIVM_CROSS_SYSROOT})
endif()
