"""Every public callable of ember's Python API has a docstring that help() can show, and its
summary starts as a sentence, so the gap closed here cannot reopen.

The C++ bindings give each bound function a generated signature line ("add(input: Tensor, ...)
-> Tensor"). Those lines are skipped when looking for the summary, which for a binding comes from
the table in python/src/docs.cpp (bind.h's helpers attach it by name). Everything, bound or written
in Python, must have a summary sentence.
"""
import inspect
import re

import pytest

import ember
import ember.jit
import ember.linalg
import ember.nn
import ember.nn.functional
import ember.nn.init
import ember.nn.utils
import ember.optim
import ember.optim.lr_scheduler
import ember.utils.data

NAMESPACES = {
    "ember": ember,
    "ember.linalg": ember.linalg,
    "ember.Tensor": ember.Tensor,
    "ember.nn": ember.nn,
    "ember.nn.functional": ember.nn.functional,
    "ember.nn.init": ember.nn.init,
    "ember.nn.utils": ember.nn.utils,
    "ember.optim": ember.optim,
    "ember.optim.lr_scheduler": ember.optim.lr_scheduler,
    "ember.utils.data": ember.utils.data,
    "ember.jit": ember.jit,
}
# Bound names ("namespace.name") that may still carry only their generated signature. Keep it empty:
# a new binding gets its summary from an entry in the table of python/src/docs.cpp.
SIGNATURE_ONLY_OK = set()

# "name(args) -> result", optionally numbered ("1. name(...)") in an overloaded binding's docstring
_SIGNATURE = re.compile(r"^(\d+\. )?[A-Za-z_][\w.]*\(.*\)( -> .+)?$")


def _public_callables(ns_name, ns):
    for name in dir(ns):
        if name.startswith("_"):
            continue
        obj = getattr(ns, name)
        if inspect.ismodule(obj) or not callable(obj):
            continue
        # names a module merely imports from the standard library (Counter, wraps, ...) are not ember's API
        if ns_name != "ember.Tensor" and not (getattr(obj, "__module__", None) or "").startswith("ember"):
            continue
        yield name, obj


def _summary(doc):
    """The first paragraph after any generated signature lines, or None if there is none."""
    lines = inspect.cleandoc(doc).splitlines()
    i = 0
    while i < len(lines) and (_SIGNATURE.match(lines[i].strip()) or lines[i].strip() in ("", "Overloaded function.")):
        i += 1
    paragraph = []
    while i < len(lines) and lines[i].strip():
        paragraph.append(lines[i].strip())
        i += 1
    return " ".join(paragraph) or None


def _is_sentence(text):
    return (text[0].isupper() or text[0].isdigit()) and text.endswith(".") and len(text.split()) >= 3


def _is_bound(obj):
    return inspect.isbuiltin(obj) or inspect.ismethoddescriptor(obj) or type(obj).__module__ == "ember._C"


def _problem(ns_name, name, obj):
    doc = obj.__doc__
    if not doc or not doc.strip():
        return "no docstring"
    summary = _summary(doc)
    if summary is None:
        if _is_bound(obj):
            if f"{ns_name}.{name}" in SIGNATURE_ONLY_OK:
                return None
            return f"a binding with only its signature: add a summary for {name!r} to the table in python/src/docs.cpp"
        return "only a signature, no summary"
    if not _is_sentence(summary):
        return f"summary is not a sentence: {summary[:80]!r}"
    return None


@pytest.mark.parametrize("ns_name", list(NAMESPACES))
def test_public_callables_are_documented(ns_name):
    ns = NAMESPACES[ns_name]
    names = list(_public_callables(ns_name, ns))
    assert names, f"{ns_name}: found nothing to check"
    bad = [f"{ns_name}.{name}: {why}" for name, obj in names if (why := _problem(ns_name, name, obj))]
    assert not bad, "public callables need a docstring whose summary is a sentence " \
                    "(capitalised, ending in a full stop):\n" + "\n".join(bad)


def test_the_checker_rejects_what_it_should():
    # the rules themselves, so that a loosened checker shows up here
    def documented(doc):
        def f():
            pass
        f.__doc__ = doc
        return f
    assert _problem("ember.nn", "f", documented(None)) == "no docstring"
    assert _problem("ember.nn", "f", documented("   ")) == "no docstring"
    assert _problem("ember.nn", "f", documented("relu(input) -> Tensor")) == "only a signature, no summary"
    assert "not a sentence" in _problem("ember.nn", "f", documented("max(0, x) elementwise"))
    assert "not a sentence" in _problem("ember.nn", "f", documented("Rectified linear unit"))
    assert _problem("ember.nn", "f", documented("Rectified linear unit, elementwise.\n\nDetails.")) is None
    assert _problem("ember.nn", "f", documented("A summary that wraps\nonto a second line.")) is None
    # overloaded bindings list numbered signatures before any prose
    assert _summary("f(*args, **kwargs)\nOverloaded function.\n\n1. f(x: int) -> int\n\n2. f(x: str) -> str\n") is None
    # a binding's summary follows its generated signature
    assert ember.add.__doc__.startswith("add(") and _problem("ember", "add", ember.add) is None
    assert _summary(ember.Tensor.sum.__doc__).startswith("Sums the elements")
    # a binding with only its signature fails, naming where its summary goes, unless allow-listed
    bound_without_summary = type("Bound", (), {"__module__": "ember._C", "__doc__": "abs(input: Tensor) -> Tensor\n"})()
    assert "python/src/docs.cpp" in _problem("ember", "abs", bound_without_summary)
    SIGNATURE_ONLY_OK.add("ember.abs")
    try:
        assert _problem("ember", "abs", bound_without_summary) is None
    finally:
        SIGNATURE_ONLY_OK.discard("ember.abs")
    assert _problem("ember.nn", "f", documented("abs(input: Tensor) -> Tensor\n")) == "only a signature, no summary"
