// Graph passes. Each keeps the graph's meaning; none moves work across, or
// removes, an in-place node or one with side effects.
#pragma once
#include "ember/jit/graph.h"

namespace ember::jit {

// Removes nodes whose outputs nothing uses (pure nodes only).
void eliminate_dead_code(Graph& g);
// Runs, once, the pure deterministic nodes whose tensor inputs are all
// constants, and makes their outputs constants (unless the result would be
// much larger than its inputs, or an in-place node later writes into it).
void fold_constants(Graph& g);
// Replaces chains of elementwise nodes on one floating dtype by
// fused_elementwise nodes that one kernel runs in a single pass.
void fuse_elementwise(Graph& g);
// All of the above, then compaction and validation.
void optimize(Graph& g);

}  // namespace ember::jit
