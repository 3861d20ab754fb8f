// PyTorch's checkpoint files (torch.save / torch.load), from C++.
//
// A .pt file is a zip archive of stored entries: <archive>/data.pkl (a pickle
// of the object, whose tensors refer to storages by key), <archive>/data/<key>
// (each storage's raw little-endian bytes) and <archive>/version. Files of the
// legacy format (torch.save(..., _use_new_zipfile_serialization=False)) are
// read and written too. Loading never runs code from the file (see pickle.h).
//
//   serialize::save_state_dict(model->state_dict(), "model.pt");   // torch.load reads it
//   model->load_state_dict(serialize::load_state_dict("model.pt"));  // and torch.save's files
//
//   ValuePtr ckpt = serialize::load("checkpoint.pt");               // any tree of containers
//   auto weights = serialize::to_named_tensors(*ckpt->get("model"));
#pragma once
#include <functional>
#include <string>

#include "ember/nn/module.h"
#include "ember/serialize/value.h"
#include "ember/serialize/zip.h"

namespace ember::serialize {

struct LoadOptions {
  // Where each storage goes, given the location the file records for it ("cpu", "cuda:0") and its
  // bytes (read, on the CPU, as a uint8 tensor). Unset: the recorded location. Either way it must
  // be a device ember was built with (a CUDA location raises the clear "built without CUDA" error).
  std::function<Device(const std::string& location, const Tensor& bytes)> map_location;
};

struct SaveOptions {
  int protocol = 2;            // pickle protocol, 2..5
  bool zip = true;             // false: the legacy pre-zip format
  bool force_zip64 = false;    // zip64 records even when not needed (tests that path)
  std::string archive_name = "archive";
};

// Reads a checkpoint (zip or legacy format). Errors start with "ember.load:".
ValuePtr load(const std::string& path, const LoadOptions& opts = {});
ValuePtr load(const ByteSource& src, const LoadOptions& opts = {});
ValuePtr load_bytes(const void* data, size_t n, const LoadOptions& opts = {});

// Writes v as torch.save does. Errors start with "ember.save:".
void save(const Value& v, const std::string& path, const SaveOptions& opts = {});
void save(const Value& v, ByteSink& sink, const SaveOptions& opts = {});
std::string save_bytes(const Value& v, const SaveOptions& opts = {});

// A state_dict as torch writes one: an OrderedDict of detached tensors.
ValuePtr state_dict_value(const nn::NamedTensors& state);
void save_state_dict(const nn::NamedTensors& state, const std::string& path);
// The file must hold a dict of string keys to tensors (a state_dict).
nn::NamedTensors load_state_dict(const std::string& path, const LoadOptions& opts = {});

}  // namespace ember::serialize
