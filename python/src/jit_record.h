// Recording op calls for ember.jit.trace, at the binding boundary.
//
// `traced(name, f)` returns a function with f's exact signature (so pybind11
// converts arguments as before) that calls f. When no thread traces, that is
// all it does, after one relaxed load of a global counter. While this thread
// traces, it also converts f's arguments and results into IValues and tensors
// and hands them to record_call (jit_bindings.cpp), which adds a node to the
// graph, warns, or refuses ops the tracer cannot record.
//
// bind.h applies it to every def_both/def_method/def_property and to the
// m.def of every EMBER_BINDINGS block; number_protocol.cpp records operators.
#pragma once
#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/jit/ivalue.h"
#include "ember/jit/tracer.h"
#include "ember/ops/ops.h"

namespace ember::py {
struct TensorLike;
struct IntList;
}  // namespace ember::py

namespace ember::py::jit_record {

// One call as the tracer sees it.
struct Call {
  const char* op = "";
  jit::IValueList args;                      // one per parameter of the binding
  std::vector<pybind11::object> py_args;     // the Python-typed arguments, in order (for custom recorders)
  bool args_ok = true;                       // every argument converted
  TensorList outputs;
  bool outputs_ok = true;                    // results were tensors (or had none)
};

// jit_bindings.cpp
bool tracing_now();                          // this thread traces, outside any recorded call
bool transparent(const char* op);            // record what the call does inside, not the call (Function.apply)
void record_call(Call& c);                   // adds the node, warns, or throws "not supported by the tracer"
void check_transparent_outputs(const char* op, pybind11::handle result);
bool py_to_ivalue(pybind11::handle o, jit::IValue& out, bool varargs);
void py_outputs(pybind11::handle o, Call& c);
const char* intern(const char* name);        // a stable copy of a binding's name
void record_operator(const char* op, const TensorList& in, const Tensor& out);  // number protocol
void value_read(const char* op, const Tensor& t);  // a tensor's value becomes a Python value: warns
struct Depth {                               // calls made inside a recorded call are part of it
  Depth();
  ~Depth();
};

// A TensorLike argument: Python numbers (wrapped-number tensors) are recorded as numbers.
inline jit::IValue from_tensor_like(const Tensor& t) {
  if (!t.defined()) return jit::IValue();
  if (is_wrapped_number(t)) return jit::IValue::from_scalar(t.item());
  return jit::IValue(t);
}

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_pair : std::false_type {};
template <class A, class B> struct is_pair<std::pair<A, B>> : std::true_type {};
template <class T> struct is_tuple : std::false_type {};
template <class... A> struct is_tuple<std::tuple<A...>> : std::true_type {};

template <class T> void add_arg(Call& c, const T& v) {
  using D = std::decay_t<T>;
  if constexpr (std::is_base_of_v<pybind11::handle, D>) {
    jit::IValue iv;
    if (!py_to_ivalue(v, iv, std::is_same_v<D, pybind11::args>)) c.args_ok = false;
    c.args.push_back(std::move(iv));
    c.py_args.push_back(pybind11::reinterpret_borrow<pybind11::object>(v));
  } else if constexpr (std::is_same_v<D, Tensor>) {
    c.args.push_back(v.defined() ? jit::IValue(v) : jit::IValue());
  } else if constexpr (std::is_same_v<D, TensorLike>) {
    c.args.push_back(from_tensor_like(v.t));
  } else if constexpr (std::is_same_v<D, Scalar>) {
    c.args.push_back(jit::IValue::from_scalar(v));
  } else if constexpr (std::is_same_v<D, IntList> || std::is_same_v<D, std::vector<int64_t>>) {
    c.args.push_back(jit::IValue(std::vector<int64_t>(v.begin(), v.end())));
  } else if constexpr (std::is_same_v<D, std::vector<double>>) {
    c.args.push_back(jit::IValue(v));
  } else if constexpr (std::is_same_v<D, TensorList>) {
    c.args.push_back(jit::IValue(v));
  } else if constexpr (std::is_same_v<D, std::vector<std::optional<Tensor>>>) {
    TensorList l;
    for (const auto& t : v) l.push_back(t ? *t : Tensor());
    c.args.push_back(jit::IValue(std::move(l)));
  } else if constexpr (is_optional<D>::value) {
    if (v) add_arg(c, *v);
    else c.args.push_back(jit::IValue());
  } else if constexpr (std::is_same_v<D, Dtype>) {
    c.args.push_back(jit::IValue(v));
  } else if constexpr (std::is_same_v<D, Device>) {
    c.args.push_back(jit::IValue(v.str()));
  } else if constexpr (std::is_same_v<D, bool>) {
    c.args.push_back(jit::IValue(v));
  } else if constexpr (std::is_integral_v<D>) {
    c.args.push_back(jit::IValue(int64_t(v)));
  } else if constexpr (std::is_floating_point_v<D>) {
    c.args.push_back(jit::IValue(double(v)));
  } else if constexpr (std::is_same_v<D, std::string>) {
    c.args.push_back(jit::IValue(v));
  } else if constexpr (std::is_same_v<D, const char*> || std::is_same_v<D, char*>) {
    c.args.push_back(jit::IValue(std::string(v ? v : "")));
  } else if constexpr (std::is_pointer_v<D>) {  // Generator* and the like: only None can be recorded
    if (v) c.args_ok = false;
    c.args.push_back(jit::IValue());
  } else {
    c.args_ok = false;
    c.args.push_back(jit::IValue());
  }
}

template <class R> void add_outputs(Call& c, const R& r) {
  using D = std::decay_t<R>;
  if constexpr (std::is_base_of_v<pybind11::handle, D>) {
    py_outputs(r, c);
  } else if constexpr (std::is_same_v<D, Tensor>) {
    if (r.defined()) c.outputs.push_back(r);
  } else if constexpr (std::is_same_v<D, TensorList>) {
    for (const Tensor& t : r) {
      if (!t.defined()) c.outputs_ok = false;
      c.outputs.push_back(t);
    }
  } else if constexpr (is_pair<D>::value || is_tuple<D>::value) {
    std::apply([&](const auto&... x) { (add_outputs(c, x), ...); }, r);
  }
  // numbers, bools, strings and the like: no tensor output
}

template <class R, class F, class... Args> R traced_call(const char* name, const F& f, Args&&... args) {
  if (!tracing_now()) return f(std::forward<Args>(args)...);
  if (transparent(name)) {
    if constexpr (std::is_base_of_v<pybind11::handle, std::decay_t<R>>) {
      R r = f(std::forward<Args>(args)...);
      check_transparent_outputs(name, r);
      return r;
    } else {
      return f(std::forward<Args>(args)...);
    }
  }
  pybind11::gil_scoped_acquire gil;
  Call c;
  c.op = name;
  (add_arg(c, args), ...);  // before the call: by-value arguments may be moved into f
  if constexpr (std::is_void_v<R>) {
    {
      Depth d;
      f(std::forward<Args>(args)...);
    }
    record_call(c);
  } else {
    R r = [&]() -> R {
      Depth d;
      return f(std::forward<Args>(args)...);
    }();
    add_outputs(c, r);
    record_call(c);
    return r;
  }
}

template <class F, class R, class... Args> auto make_traced(const char* name, F f, R (*)(Args...)) {
  return [name, f = std::move(f)](Args... args) -> R {
    if (__builtin_expect(!jit::maybe_tracing(), 1)) return f(std::forward<Args>(args)...);
    return traced_call<R>(name, f, std::forward<Args>(args)...);
  };
}

template <class F, class = void> struct has_call_operator : std::false_type {};
template <class F> struct has_call_operator<F, std::void_t<decltype(&F::operator())>> : std::true_type {};

}  // namespace ember::py::jit_record

namespace ember::py {

// f, recording its calls under the op name `name` while tracing. Callables
// whose signature cannot be read (generic lambdas) are returned unchanged.
template <class F> auto traced(const char* name, F&& f) {
  using D = std::decay_t<F>;
  const char* op = jit_record::intern(name);
  if constexpr (std::is_pointer_v<D> && std::is_function_v<std::remove_pointer_t<D>>) {
    return jit_record::make_traced(op, D(f), static_cast<D>(nullptr));
  } else if constexpr (jit_record::has_call_operator<D>::value) {
    using Sig = pybind11::detail::function_signature_t<D>;
    return jit_record::make_traced(op, D(std::forward<F>(f)), static_cast<Sig*>(nullptr));
  } else {
    return D(std::forward<F>(f));
  }
}

}  // namespace ember::py
