// One kernel for a chain of elementwise ops (a fused_elementwise node's body).
//
// The body is compiled into a small register program. The kernel walks the
// broadcast output once, a block of elements at a time: each input block is
// read (or gathered, for broadcast and strided inputs), the program runs on
// the block in registers that stay in L1, and the result is written straight
// to the output. No intermediate tensor is allocated and memory is read and
// written once, where eager mode reads and writes it once per op.
//
// The program is compiled for the floating dtype the chain was traced with.
// When a call does not fit (another dtype, or grad mode on with an input that
// requires grad), the body runs op by op instead, with eager semantics.
#pragma once
#include <memory>

#include "ember/jit/graph.h"

namespace ember::jit {

struct FusedProgram;

// Can this node be part of a fused chain (its op and non-tensor arguments)?
// Dtypes are the fusion pass's concern.
bool is_fusible(const Node& n);
// Compiles a body graph; throws ember::Error if a node is not fusible.
std::shared_ptr<const FusedProgram> compile_fused(const Graph& body);
// Runs the body on `inputs` (one per body input); returns its one output.
Tensor run_fused(const FusedProgram& program, const Graph& body, const TensorList& inputs);

}  // namespace ember::jit
