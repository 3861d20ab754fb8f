// NumPy .npy files (format versions 1.0 to 3.0), for feeding a saved model
// from the command line without Python.
//
// Reading accepts little- and big-endian float16/32/64, int8/16/32/64, uint8
// and bool, in C or Fortran order. Writing uses version 1.0, C order, native
// little-endian; bfloat16 (which NumPy lacks) is written as float32.
#pragma once
#include <string>

#include "ember/core/tensor.h"

namespace ember::jit {

Tensor read_npy(const std::string& path);
Tensor parse_npy(const std::string& bytes, const std::string& what = "npy data");
void write_npy(const std::string& path, const Tensor& t);
std::string npy_bytes(const Tensor& t);

}  // namespace ember::jit
