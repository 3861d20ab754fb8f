// einsum: every operand is lined up on one list of dims ("slots": output
// labels first, then the summed ones), taking diagonals for repeated labels
// and inserting size-1 dims for labels it lacks. Operands are then contracted
// left to right, each pair as one bmm over (batch, left-only, summed,
// right-only) dims; a label is summed as soon as no later operand uses it.
// Everything is built from differentiable views, sums and bmm, so gradients
// (of any order) follow.
#include <algorithm>
#include <array>
#include <numeric>

#include "ember/ops/ops.h"

namespace ember {

namespace {

constexpr int kNumLabels = 52;
constexpr int kEllipsis = -1;  // marks '...' in a term

// 'A'..'Z' -> 0..25, 'a'..'z' -> 26..51: ascending order is the implicit output order.
int label_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -2;
}
char char_of(int l) { return l < 26 ? char('A' + l) : char('a' + (l - 26)); }

struct Equation {
  std::vector<std::vector<int>> terms;  // labels of each input term (kEllipsis for '...')
  bool explicit_output = false;
  std::vector<int> output;
};

Equation parse(const std::string& eq, size_t nops) {
  Equation r;
  r.terms.emplace_back();
  std::vector<int>* cur = &r.terms.back();
  bool cur_has_ell = false;
  for (size_t i = 0; i < eq.size(); ++i) {
    char c = eq[i];
    const size_t term_no = r.terms.size() - 1;
    if (c == ' ') continue;
    if (c == ',' && !r.explicit_output) {
      r.terms.emplace_back();
      cur = &r.terms.back();
      cur_has_ell = false;
    } else if (c == '-' && !r.explicit_output && i + 1 < eq.size() && eq[i + 1] == '>') {
      r.explicit_output = true;
      cur = &r.output;
      cur_has_ell = false;
      ++i;
    } else if (c == '.') {
      const bool is_ell = i + 2 < eq.size() && eq[i + 1] == '.' && eq[i + 2] == '.';
      if (r.explicit_output) {
        EMBER_CHECK(is_ell, "einsum()", "found '.' for output that is not part of any ellipsis (...)");
        EMBER_CHECK(!cur_has_ell, "einsum()", "found '.' for output but an ellipsis (...) was already found");
      } else {
        EMBER_CHECK(is_ell, "einsum()", "found '.' for operand ", term_no, " that is not part of any ellipsis");
        EMBER_CHECK(!cur_has_ell, "einsum()", "found '.' for operand ", term_no,
                    " for which an ellipsis was already found");
      }
      cur->push_back(kEllipsis);
      cur_has_ell = true;
      i += 2;
    } else {
      int l = label_of(c);
      EMBER_CHECK(l >= 0, "einsum()", "invalid subscript given at index ", i,
                  " in the equation string, subscripts must be in [a-zA-Z]");
      cur->push_back(l);
    }
  }
  EMBER_CHECK(r.terms.size() <= nops, "einsum()", "fewer operands were provided than specified in the equation");
  EMBER_CHECK(r.terms.size() >= nops, "einsum()", "more operands were provided than specified in the equation");
  return r;
}

// Multiply a and b (same number of dims, each dim equal or 1) and sum `sum_dims`
// (size > 1 in both), keeping every dim: one bmm over (batch, lo, sum) x (batch, sum, ro).
Tensor sumproduct_pair(const Tensor& a, const Tensor& b, const Dims& sum_dims) {
  if (sum_dims.empty()) return mul(a, b);
  const int64_t nd = a.dim();
  std::vector<bool> summed(size_t(nd), false);
  for (auto s : sum_dims) summed[size_t(s)] = true;
  Dims batch, lo, ro, rest;
  int64_t B = 1, LO = 1, RO = 1, K = 1;
  for (int64_t d = 0; d < nd; ++d) {
    const bool ia = a.size(d) != 1, ib = b.size(d) != 1;
    if (summed[size_t(d)]) K *= a.size(d);
    else if (ia && ib) batch.push_back(d), B *= a.size(d);
    else if (ia) lo.push_back(d), LO *= a.size(d);
    else if (ib) ro.push_back(d), RO *= b.size(d);
    else rest.push_back(d);
  }
  auto cat = [](std::initializer_list<const Dims*> parts) {
    Dims r;
    for (auto* p : parts) r.insert(r.end(), p->begin(), p->end());
    return r;
  };
  Tensor ta = reshape(permute(a, cat({&batch, &lo, &sum_dims, &ro, &rest})), {B, LO, K});
  Tensor tb = reshape(permute(b, cat({&batch, &sum_dims, &ro, &lo, &rest})), {B, K, RO});
  Tensor r = bmm(ta, tb);
  // back to all dims: (batch, lo, ro, summed -> 1, rest -> 1) then into slot order
  Dims order = cat({&batch, &lo, &ro, &sum_dims, &rest});
  Shape sizes;
  for (auto d : batch) sizes.push_back(a.size(d));
  for (auto d : lo) sizes.push_back(a.size(d));
  for (auto d : ro) sizes.push_back(b.size(d));
  sizes.resize(size_t(nd), 1);
  Dims inverse(size_t(nd), 0);
  for (int64_t q = 0; q < nd; ++q) inverse[size_t(order[size_t(q)])] = q;
  return permute(reshape(r, sizes), inverse);
}

}  // namespace

Tensor einsum(const std::string& equation, const TensorList& operands) {
  EMBER_CHECK_VALUE(!operands.empty(), "einsum()",
                    "must specify the equation string and at least one operand, or at least one operand and its "
                    "subscripts list");
  const size_t nops = operands.size();
  Equation eq = parse(equation, nops);

  // ellipsis dims per operand, and how often each label occurs in the inputs
  std::vector<int64_t> ell_n(nops, 0);
  int64_t ell_num = 0;
  std::array<int, kNumLabels> count{};
  for (size_t i = 0; i < nops; ++i) {
    const auto& term = eq.terms[i];
    int64_t nlabels = 0;
    bool has_ell = false;
    for (int l : term) {
      if (l == kEllipsis) has_ell = true;
      else ++nlabels, ++count[size_t(l)];
    }
    const int64_t ndim = operands[i].dim();
    if (has_ell) {
      EMBER_CHECK(nlabels <= ndim, "einsum()", "the number of subscripts in the equation (", nlabels,
                  ") is more than the number of dimensions (", ndim, ") for operand ", i);
      ell_n[i] = ndim - nlabels;
      ell_num = std::max(ell_num, ell_n[i]);
    } else {
      EMBER_CHECK(nlabels == ndim, "einsum()", "the number of subscripts in the equation (", nlabels,
                  ") does not match the number of dimensions (", ndim, ") for operand ", i, " and no ellipsis was given");
    }
  }

  // slots: output first (labels and ellipsis dims), then summed ellipsis dims, then summed labels
  std::array<int64_t, kNumLabels> slot_of;
  slot_of.fill(-1);
  int64_t ell_slot = -1, nslots = 0;
  if (eq.explicit_output) {
    for (int l : eq.output) {
      if (l == kEllipsis) {
        ell_slot = nslots, nslots += ell_num;
        continue;
      }
      EMBER_CHECK(count[size_t(l)] > 0, "einsum()", "output subscript ", char_of(l),
                  " does not appear in the equation for any input operand");
      EMBER_CHECK(slot_of[size_t(l)] == -1, "einsum()", "output subscript ", char_of(l),
                  " appears more than once in the output");
      slot_of[size_t(l)] = nslots++;
    }
  } else {
    ell_slot = 0, nslots = ell_num;
    for (int l = 0; l < kNumLabels; ++l)
      if (count[size_t(l)] == 1) slot_of[size_t(l)] = nslots++;
  }
  const int64_t out_slots = nslots;
  if (ell_slot < 0) ell_slot = nslots, nslots += ell_num;  // ellipsis dims absent from the output are summed
  for (int l = 0; l < kNumLabels; ++l)
    if (count[size_t(l)] > 0 && slot_of[size_t(l)] == -1) slot_of[size_t(l)] = nslots++;
  auto describe = [&](int64_t slot) {
    for (int l = 0; l < kNumLabels; ++l)
      if (slot_of[size_t(l)] == slot) return std::string("subscript ") + char_of(l);
    return std::string("dimension ") + std::to_string(slot - ell_slot) + " covered by ellipsis";
  };

  // line every operand up on the slots
  TensorList ops;
  for (size_t i = 0; i < nops; ++i) {
    Tensor t = operands[i];
    std::vector<int64_t> slots;  // slot of each dim of t
    for (int l : eq.terms[i]) {
      if (l == kEllipsis) {
        for (int64_t e = 0; e < ell_n[i]; ++e) slots.push_back(ell_slot + (ell_num - ell_n[i]) + e);
        continue;
      }
      const int64_t s = slot_of[size_t(l)], j = int64_t(slots.size());
      auto seen = std::find(slots.begin(), slots.end(), s);
      if (seen == slots.end()) {
        slots.push_back(s);
        continue;
      }
      // repeated label: keep the diagonal in the first dim's place
      const int64_t q = seen - slots.begin();
      EMBER_CHECK(t.size(q) == t.size(j), "einsum()", "subscript ", char_of(l), " is repeated for operand ", i,
                  " but the sizes don't match, ", t.size(j), " != ", t.size(q));
      t = movedim(diagonal(t, 0, q, j), {-1}, {q});
    }
    Dims perm(slots.size());
    std::iota(perm.begin(), perm.end(), int64_t(0));
    std::sort(perm.begin(), perm.end(), [&](int64_t x, int64_t y) { return slots[size_t(x)] < slots[size_t(y)]; });
    t = permute(t, perm);
    std::vector<bool> present(size_t(nslots), false);
    for (auto s : slots) present[size_t(s)] = true;
    for (int64_t s = 0; s < nslots; ++s)
      if (!present[size_t(s)]) t = unsqueeze(t, s);
    ops.push_back(t);
  }

  // sizes must agree (or be 1) across operands; note the last operand that needs each summed slot
  std::vector<int64_t> last_use(size_t(nslots), -1);
  for (int64_t s = 0; s < nslots; ++s) {
    int64_t size = 1;
    for (size_t i = 0; i < nops; ++i) {
      const int64_t si = ops[i].size(s);
      if (si == 1) continue;
      EMBER_CHECK(size == 1 || size == si, "einsum()", describe(s), " has size ", si, " for operand ", i,
                  " which does not broadcast with previously seen size ", size);
      size = si;
      last_use[size_t(s)] = int64_t(i);
    }
  }

  // contract left to right
  Tensor res = ops[0];
  for (int64_t s = out_slots; s < nslots; ++s)
    if (last_use[size_t(s)] == 0) res = sum(res, {s}, true);
  for (size_t i = 1; i < nops; ++i) {
    Tensor b = ops[i];
    Dims pair_dims;
    for (int64_t s = out_slots; s < nslots; ++s) {
      if (last_use[size_t(s)] != int64_t(i)) continue;
      if (res.size(s) != 1) pair_dims.push_back(s);
      else b = sum(b, {s}, true);
    }
    res = sumproduct_pair(res, b, pair_dims);
  }
  if (nslots > out_slots) res = reshape(res, Shape(res.sizes().begin(), res.sizes().begin() + out_slots));
  return res;
}

}  // namespace ember
