// The tracer: thread-local state that turns op calls into a Graph.
//
// The Python bindings call `maybe_tracing()` on every op (one relaxed load of a
// global counter, false unless some thread traces); only when it is true do
// they ask `is_tracing()` (this thread) and hand the call to `record`.
//
// Tensors are identified by their TensorImpl: the tracer keeps a reference to
// every tensor it has seen, so an address is never reused while tracing.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/jit/graph.h"

namespace ember::jit {

// Number of threads tracing right now.
extern std::atomic<int> g_tracing_threads;
inline bool maybe_tracing() { return g_tracing_threads.load(std::memory_order_relaxed) != 0; }

namespace tracer {

bool is_tracing();  // on this thread

// Begins a trace on this thread. `params` are the module's parameters and
// buffers by qualified name; a recorded argument that is one of these tensors
// becomes a named Parameter value. Throws if this thread already traces.
void start(std::vector<std::pair<std::string, Tensor>> params);
// Declares the next forward input (in order).
Value* add_input(const Tensor& t, const std::string& name);

// An input, a parameter or an op output of the current trace?
bool is_traced(const Tensor& t);
// The value `t` denotes, creating a Parameter or Constant value for a tensor
// seen for the first time.
Value* value_for(const Tensor& t);

// Records one op call. `op` must be in the op registry (aliases allowed);
// `args` are the binding's positional arguments (tensors and tensor lists
// become graph values, everything else literals); `outputs` its tensor results.
// Throws "ember.jit.trace: <op> is not supported by the tracer" otherwise.
void record(const std::string& op, const IValueList& args, const TensorList& outputs);
// From now on `t` denotes the same value as `source` (a result computed twice).
void alias(const Tensor& t, const Tensor& source);

// Ends the trace: the graph returning `outputs`.
std::unique_ptr<Graph> finish(const TensorList& outputs);
// Ends the trace, discarding it (after an error).
void abort();

// The error for an op the tracer cannot record.
[[noreturn]] void unsupported(const std::string& op, const std::string& detail = "");

}  // namespace tracer
}  // namespace ember::jit
