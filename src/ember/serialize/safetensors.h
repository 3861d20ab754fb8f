// The safetensors format: an 8-byte little-endian header length N, N bytes of
// JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
// {str: str}}, then the tensors' bytes, contiguous and little-endian. Reading
// checks every offset and length: the tensors must tile the data exactly.
//
//   serialize::safetensors::save_file(model->state_dict(), "model.safetensors");
//   auto [tensors, metadata] = serialize::safetensors::load_file("model.safetensors");
#pragma once
#include <map>
#include <string>

#include "ember/nn/module.h"
#include "ember/serialize/zip.h"

namespace ember::serialize::safetensors {

using Metadata = std::map<std::string, std::string>;

struct Contents {
  nn::NamedTensors tensors;  // sorted by name, as safetensors lists them
  Metadata metadata;
};

// The file's bytes. Tensors are written in order of decreasing alignment, then name, like the
// reference implementation. Errors start with "safetensors.save:".
std::string save(const nn::NamedTensors& tensors, const Metadata& metadata = {});
void save_file(const nn::NamedTensors& tensors, const std::string& path, const Metadata& metadata = {});

// Errors start with "safetensors.load:" and say what is wrong with the file.
Contents load(const void* data, size_t n);
Contents load(const ByteSource& src);
Contents load_file(const std::string& path);

}  // namespace ember::serialize::safetensors
