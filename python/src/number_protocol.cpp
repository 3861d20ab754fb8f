// Tensor arithmetic operators through CPython's number protocol: the eager
// hot path (`a + b`) goes straight from the interpreter to ember::add.
// While tracing, each operator is recorded under its op's name.
#include <vector>

#include "casters.h"
#include "jit_record.h"

namespace ember::py {

namespace {

// Tensor or Python number -> the tensor to use, or nullptr if the object is neither.
// A tensor is used in place (no reference count traffic); a number becomes a
// wrapped 0-d tensor held in `holder`.
inline const Tensor* operand(PyObject* o, Tensor& holder) {
  if (is_tensor(o)) return &unwrap(o);
  if (PyFloat_CheckExact(o)) {
    holder = wrap_scalar(Scalar(PyFloat_AS_DOUBLE(o)));
    return &holder;
  }
  if (PyBool_Check(o)) {
    holder = wrap_scalar(Scalar(o == Py_True));
    return &holder;
  }
  if (PyLong_CheckExact(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (!overflow) {
      holder = wrap_scalar(Scalar(int64_t(v)));
      return &holder;
    }
  }
  Scalar s;
  if (scalar_from_object(o, s)) {
    holder = wrap_scalar(s);
    return &holder;
  }
  PyErr_Clear();
  return nullptr;
}

inline void record(const char* op, const TensorList& in, const Tensor& out) {
  if (__builtin_expect(jit::maybe_tracing(), 0)) jit_record::record_operator(op, in, out);
}
inline void value_read(const char* op, const Tensor& t) {
  if (__builtin_expect(jit::maybe_tracing(), 0)) jit_record::value_read(op, t);
}

template <class F> PyObject* binary(PyObject* a, PyObject* b, const char* op, F f) {
  EMBER_PY_TRY
  Tensor ha, hb;
  const Tensor* x = operand(a, ha);
  const Tensor* y = x ? operand(b, hb) : nullptr;
  if (!y) Py_RETURN_NOTIMPLEMENTED;
  Tensor r = f(*x, *y);
  record(op, {*x, *y}, r);
  return wrap(std::move(r));
  EMBER_PY_CATCH(nullptr)
}

template <class F> PyObject* inplace(PyObject* a, PyObject* b, const char* op, F f) {
  EMBER_PY_TRY
  Tensor hb;
  const Tensor* y = is_tensor(a) ? operand(b, hb) : nullptr;
  if (!y) Py_RETURN_NOTIMPLEMENTED;
  Tensor x = unwrap(a);
  f(x, *y);
  record(op, {x, *y}, x);
  Py_INCREF(a);
  return a;
  EMBER_PY_CATCH(nullptr)
}

template <class F> PyObject* unary(PyObject* a, const char* op, F f) {
  EMBER_PY_TRY
  const Tensor& x = unwrap(a);
  Tensor r = f(x);
  record(op, {x}, r);
  return wrap(std::move(r));
  EMBER_PY_CATCH(nullptr)
}

PyObject* nb_add(PyObject* a, PyObject* b) { return binary(a, b, "add", [](const Tensor& x, const Tensor& y) { return add(x, y); }); }
PyObject* nb_sub(PyObject* a, PyObject* b) { return binary(a, b, "sub", [](const Tensor& x, const Tensor& y) { return sub(x, y); }); }
PyObject* nb_mul(PyObject* a, PyObject* b) { return binary(a, b, "mul", [](const Tensor& x, const Tensor& y) { return mul(x, y); }); }
// number / tensor is reciprocal(tensor) * number, as torch's __rtruediv__ computes it (the
// rounding differs from a true division, visibly for 16-bit floats).
PyObject* nb_truediv(PyObject* a, PyObject* b) {
  EMBER_PY_TRY
  Tensor ha, hb;
  const Tensor* x = operand(a, ha);
  const Tensor* y = x ? operand(b, hb) : nullptr;
  if (!y) Py_RETURN_NOTIMPLEMENTED;
  if (is_wrapped_number(*x)) {
    Tensor inv = reciprocal(*y);
    record("reciprocal", {*y}, inv);
    Tensor r = mul(inv, *x);
    record("mul", {inv, *x}, r);
    return wrap(std::move(r));
  }
  Tensor r = div(*x, *y);
  record("div", {*x, *y}, r);
  return wrap(std::move(r));
  EMBER_PY_CATCH(nullptr)
}
PyObject* nb_floordiv(PyObject* a, PyObject* b) { return binary(a, b, "floor_divide", [](const Tensor& x, const Tensor& y) { return floor_divide(x, y); }); }
PyObject* nb_remainder(PyObject* a, PyObject* b) { return binary(a, b, "remainder", [](const Tensor& x, const Tensor& y) { return remainder(x, y); }); }
PyObject* nb_matmul(PyObject* a, PyObject* b) {
  EMBER_PY_TRY
  if (!is_tensor(a) || !is_tensor(b)) Py_RETURN_NOTIMPLEMENTED;
  Tensor x = unwrap(a), y = unwrap(b), r;
  {
    pybind11::gil_scoped_release nogil;  // products can be long: let other Python threads run
    r = matmul(x, y);
  }
  record("matmul", {x, y}, r);
  return wrap(std::move(r));
  EMBER_PY_CATCH(nullptr)
}
PyObject* nb_and(PyObject* a, PyObject* b) { return binary(a, b, "bitwise_and", [](const Tensor& x, const Tensor& y) { return bitwise_and(x, y); }); }
PyObject* nb_or(PyObject* a, PyObject* b) { return binary(a, b, "bitwise_or", [](const Tensor& x, const Tensor& y) { return bitwise_or(x, y); }); }
PyObject* nb_xor(PyObject* a, PyObject* b) { return binary(a, b, "bitwise_xor", [](const Tensor& x, const Tensor& y) { return bitwise_xor(x, y); }); }
PyObject* nb_lshift(PyObject* a, PyObject* b) { return binary(a, b, "bitwise_left_shift", [](const Tensor& x, const Tensor& y) { return bitwise_left_shift(x, y); }); }
PyObject* nb_rshift(PyObject* a, PyObject* b) { return binary(a, b, "bitwise_right_shift", [](const Tensor& x, const Tensor& y) { return bitwise_right_shift(x, y); }); }

PyObject* nb_power(PyObject* a, PyObject* b, PyObject*) {
  EMBER_PY_TRY
  if (is_tensor(a)) {
    if (is_tensor(b)) {
      Tensor r = pow(unwrap(a), unwrap(b));
      record("pow", {unwrap(a), unwrap(b)}, r);
      return wrap(std::move(r));
    }
    Scalar s;
    if (!scalar_from_object(b, s)) { PyErr_Clear(); Py_RETURN_NOTIMPLEMENTED; }
    Tensor r = pow(unwrap(a), s);
    record("pow", {unwrap(a), wrap_scalar(s)}, r);
    return wrap(std::move(r));
  }
  Scalar s;
  if (!scalar_from_object(a, s)) { PyErr_Clear(); Py_RETURN_NOTIMPLEMENTED; }
  Tensor r = pow(s, unwrap(b));
  record("pow", {wrap_scalar(s), unwrap(b)}, r);
  return wrap(std::move(r));
  EMBER_PY_CATCH(nullptr)
}

PyObject* nb_iadd(PyObject* a, PyObject* b) { return inplace(a, b, "add_", [](Tensor& x, const Tensor& y) { add_(x, y); }); }
PyObject* nb_isub(PyObject* a, PyObject* b) { return inplace(a, b, "sub_", [](Tensor& x, const Tensor& y) { sub_(x, y); }); }
PyObject* nb_imul(PyObject* a, PyObject* b) { return inplace(a, b, "mul_", [](Tensor& x, const Tensor& y) { mul_(x, y); }); }
PyObject* nb_itruediv(PyObject* a, PyObject* b) { return inplace(a, b, "div_", [](Tensor& x, const Tensor& y) { div_(x, y); }); }
PyObject* nb_ifloordiv(PyObject* a, PyObject* b) { return inplace(a, b, "floor_divide_", [](Tensor& x, const Tensor& y) { floor_divide_(x, y); }); }
PyObject* nb_iremainder(PyObject* a, PyObject* b) { return inplace(a, b, "remainder_", [](Tensor& x, const Tensor& y) { remainder_(x, y); }); }
PyObject* nb_ipower(PyObject* a, PyObject* b, PyObject*) { return inplace(a, b, "pow_", [](Tensor& x, const Tensor& y) { pow_(x, y); }); }
PyObject* nb_iand(PyObject* a, PyObject* b) { return inplace(a, b, "bitwise_and_", [](Tensor& x, const Tensor& y) { bitwise_and_(x, y); }); }
PyObject* nb_ior(PyObject* a, PyObject* b) { return inplace(a, b, "bitwise_or_", [](Tensor& x, const Tensor& y) { bitwise_or_(x, y); }); }
PyObject* nb_ixor(PyObject* a, PyObject* b) { return inplace(a, b, "bitwise_xor_", [](Tensor& x, const Tensor& y) { bitwise_xor_(x, y); }); }
PyObject* nb_ilshift(PyObject* a, PyObject* b) { return inplace(a, b, "bitwise_left_shift_", [](Tensor& x, const Tensor& y) { bitwise_left_shift_(x, y); }); }
PyObject* nb_irshift(PyObject* a, PyObject* b) { return inplace(a, b, "bitwise_right_shift_", [](Tensor& x, const Tensor& y) { bitwise_right_shift_(x, y); }); }
PyObject* nb_imatmul(PyObject* a, PyObject* b) {
  PyErr_SetString(PyExc_RuntimeError, "In-place matmul is not supported. Use 'a = a @ b' instead of 'a @= b'.");
  return nullptr;
}

PyObject* nb_neg(PyObject* a) { return unary(a, "neg", [](const Tensor& x) { return neg(x); }); }
PyObject* nb_pos(PyObject* a) { return unary(a, "positive", [](const Tensor& x) { return positive(x); }); }
PyObject* nb_abs(PyObject* a) { return unary(a, "abs", [](const Tensor& x) { return abs(x); }); }
PyObject* nb_invert(PyObject* a) {
  return unary(a, "__invert__", [](const Tensor& x) { return x.dtype() == Dtype::Bool ? logical_not(x) : bitwise_not(x); });
}

int nb_bool(PyObject* a) {
  EMBER_PY_TRY
  const Tensor& t = unwrap(a);
  EMBER_CHECK(t.numel() == 1, "bool", "Boolean value of Tensor with more than one value is ambiguous");
  value_read("__bool__", t);
  return t.item().to_bool() ? 1 : 0;
  EMBER_PY_CATCH(-1)
}
PyObject* nb_float(PyObject* a) {
  EMBER_PY_TRY
  const Tensor& t = unwrap(a);
  EMBER_CHECK(t.numel() == 1, "float", "only one element tensors can be converted to Python scalars");
  value_read("__float__", t);
  return PyFloat_FromDouble(t.item().to_double());
  EMBER_PY_CATCH(nullptr)
}
PyObject* nb_int(PyObject* a) {
  EMBER_PY_TRY
  const Tensor& t = unwrap(a);
  EMBER_CHECK(t.numel() == 1, "int", "only one element tensors can be converted to Python scalars");
  value_read("__int__", t);
  return PyLong_FromLongLong(t.item().to_int());
  EMBER_PY_CATCH(nullptr)
}
PyObject* nb_index(PyObject* a) {
  EMBER_PY_TRY
  const Tensor& t = unwrap(a);
  EMBER_CHECK_TYPE(t.numel() == 1 && !is_floating(t.dtype()) && t.dtype() != Dtype::Bool, "__index__",
                   "only integer tensors of a single element can be converted to an index");
  value_read("__index__", t);
  return PyLong_FromLongLong(t.item().to_int());
  EMBER_PY_CATCH(nullptr)
}

}  // namespace

PyObject* tensor_richcompare(PyObject* a, PyObject* b, int op) {
  EMBER_PY_TRY
  Tensor ha, hb;
  const Tensor* x = operand(a, ha);
  const Tensor* y = x ? operand(b, hb) : nullptr;
  if (!y) Py_RETURN_NOTIMPLEMENTED;
  Tensor r;
  const char* name = "";
  switch (op) {
    case Py_EQ: r = eq(*x, *y); name = "eq"; break;
    case Py_NE: r = ne(*x, *y); name = "ne"; break;
    case Py_LT: r = lt(*x, *y); name = "lt"; break;
    case Py_LE: r = le(*x, *y); name = "le"; break;
    case Py_GT: r = gt(*x, *y); name = "gt"; break;
    case Py_GE: r = ge(*x, *y); name = "ge"; break;
    default: Py_RETURN_NOTIMPLEMENTED;
  }
  record(name, {*x, *y}, r);
  return wrap(std::move(r));
  EMBER_PY_CATCH(nullptr)
}

// ember.Tensor(...) called directly: the legacy constructor (data, sizes, or nothing).
PyObject* legacy_tensor_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  EMBER_PY_TRY
  if (kwargs && PyDict_Size(kwargs) > 0) {
    PyErr_SetString(PyExc_TypeError, "Tensor(): keyword arguments are not supported by the legacy constructor");
    return nullptr;
  }
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  Tensor t;
  if (n == 0) {
    t = empty({0}, default_dtype());
  } else {
    PyObject* first = PyTuple_GET_ITEM(args, 0);
    int64_t dummy;
    if (n == 1 && !int_from_object(first, dummy)) {
      if (is_tensor(first)) t = unwrap(first);
      else t = tensor_from_data(first, default_dtype());
    } else {
      Shape s;
      for (Py_ssize_t i = 0; i < n; ++i) {
        int64_t v;
        if (!int_from_object(PyTuple_GET_ITEM(args, i), v)) {
          PyErr_SetString(PyExc_TypeError, "Tensor(): expected a sequence of data or integer sizes");
          return nullptr;
        }
        s.push_back(v);
      }
      t = empty(s, default_dtype());
    }
  }
  return wrap_as(type, t);
  EMBER_PY_CATCH(nullptr)
}

void fill_number_slots(std::vector<PyType_Slot>& s) {
  auto add = [&](int slot, void* fn) { s.push_back({slot, fn}); };
  add(Py_nb_add, (void*)nb_add);
  add(Py_nb_subtract, (void*)nb_sub);
  add(Py_nb_multiply, (void*)nb_mul);
  add(Py_nb_true_divide, (void*)nb_truediv);
  add(Py_nb_floor_divide, (void*)nb_floordiv);
  add(Py_nb_remainder, (void*)nb_remainder);
  add(Py_nb_matrix_multiply, (void*)nb_matmul);
  add(Py_nb_power, (void*)nb_power);
  add(Py_nb_and, (void*)nb_and);
  add(Py_nb_or, (void*)nb_or);
  add(Py_nb_xor, (void*)nb_xor);
  add(Py_nb_lshift, (void*)nb_lshift);
  add(Py_nb_rshift, (void*)nb_rshift);
  add(Py_nb_inplace_add, (void*)nb_iadd);
  add(Py_nb_inplace_subtract, (void*)nb_isub);
  add(Py_nb_inplace_multiply, (void*)nb_imul);
  add(Py_nb_inplace_true_divide, (void*)nb_itruediv);
  add(Py_nb_inplace_floor_divide, (void*)nb_ifloordiv);
  add(Py_nb_inplace_remainder, (void*)nb_iremainder);
  add(Py_nb_inplace_power, (void*)nb_ipower);
  add(Py_nb_inplace_and, (void*)nb_iand);
  add(Py_nb_inplace_or, (void*)nb_ior);
  add(Py_nb_inplace_xor, (void*)nb_ixor);
  add(Py_nb_inplace_lshift, (void*)nb_ilshift);
  add(Py_nb_inplace_rshift, (void*)nb_irshift);
  add(Py_nb_inplace_matrix_multiply, (void*)nb_imatmul);
  add(Py_nb_negative, (void*)nb_neg);
  add(Py_nb_positive, (void*)nb_pos);
  add(Py_nb_absolute, (void*)nb_abs);
  add(Py_nb_invert, (void*)nb_invert);
  add(Py_nb_bool, (void*)nb_bool);
  add(Py_nb_float, (void*)nb_float);
  add(Py_nb_int, (void*)nb_int);
  add(Py_nb_index, (void*)nb_index);
}

}  // namespace ember::py
