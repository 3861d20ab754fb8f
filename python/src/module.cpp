// ember._C: the extension module. Files register their bindings with
// EMBER_BINDINGS; they run here in order after the Tensor type exists.
#include <algorithm>
#include <string>
#include <vector>

#include "bind.h"

namespace ember::py {

namespace {
struct Entry {
  std::string name;
  int order;
  InitFn fn;
};
std::vector<Entry>& registry() {
  static std::vector<Entry> r;
  return r;
}
}  // namespace

BindingRegistrar::BindingRegistrar(const char* name, int order, InitFn fn) { registry().push_back({name, order, fn}); }

void run_bindings(py::module_& m) {
  auto& r = registry();
  std::stable_sort(r.begin(), r.end(), [](const Entry& a, const Entry& b) { return a.order < b.order; });
  for (auto& e : r) e.fn(m);
}

}  // namespace ember::py

#if defined(__x86_64__)
static bool cpu_supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static bool cpu_supported() { return true; }
#endif

PYBIND11_MODULE(_C, m) {
  if (!cpu_supported())
    throw std::runtime_error("ember was built for x86-64-v3 (AVX2, FMA) but this CPU lacks them; rebuild with -DEMBER_ARCH=x86-64");
  m.doc() = "ember's C++ core";
  ember::py::register_exception_translator_once();
  ember::py::init_tensor_type(m.ptr());
  ember::py::run_bindings(m);
}
