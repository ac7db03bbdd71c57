r"""Export an activation as self-contained source code.

Index
-----
export_activation   Activation -> source text for "numpy" | "torch" | "jax" | "c" | "latex"
TARGETS             the supported targets

The generated code needs nothing from hermite_rev: it carries the float64 Hermite coefficients
``b_0 .. b_degree`` (17 significant digits, so they round-trip exactly) and evaluates
``phi(x) = sum_k b_k h_k(x)`` with ``h_k = He_k / sqrt(k!)`` by the three-term recurrence

.. math:: h_0 = 1,\quad h_1 = x,\quad h_{k+1} = (x h_k - \sqrt{k}\, h_{k-1}) / \sqrt{k+1},

and ``phi'(x) = sum_k sqrt(k+1) b_{k+1} h_k(x)`` from the same recurrence.  The training paths of
the torch and JAX exports use the rescaled basis ``P_k = He_k 2^(-E_k)`` instead,
``P_k = x P_(k-1) - (k-1) P_(k-2)`` with exact powers of two every few steps that keep float32
in range: one multiplication fewer per term, the same rounding (its constants are exact), and
both ``phi`` and ``phi'`` accumulated from it.  Each export says who generated it and from which
activation.

- ``numpy``: functions ``NAME(x)`` and ``NAME_grad(x)`` on arrays.
- ``torch``: functions ``NAME(x)``, ``NAME_grad(x)`` and an ``nn.Module`` class (``CLASS``,
  default ``HermiteActivation``).  ``NAME`` is a ``torch.autograd.Function`` whose forward
  computes phi and phi' in one pass of the recurrence and saves phi', whose backward multiplies
  by it (with ``create_graph=True`` it differentiates ``NAME_grad`` instead, so every order is
  right).  For tensors of at least ``NAME_COMPILE_MIN_SIZE`` elements (16384) the pass is one
  ``torch.compile``'d loop over the elements (a C++ compiler; seconds on the first call), falling
  back to in-place torch ops with a warning where compiling fails.
  Series longer than ``NAME_COMPILE_MAX_TERMS`` (128) are not compiled.
- ``jax``: ``jax.jit``-compiled ``NAME(x)`` and ``NAME_grad(x)``; ``NAME`` is a
  ``jax.custom_jvp`` whose derivative is phi' from the pass that computes phi.  Up to
  ``NAME_UNROLL_MAX_TERMS`` (400) terms the pass is unrolled into one fused loop; longer series
  run as a ``lax.scan`` over the terms.
- ``c``: ``double NAME(double x)``, ``double NAME_grad(double x)`` and
  ``void NAME_value_grad(double x, double *value, double *grad)`` (C99, only ``<stddef.h>``).
- ``latex``: ``\phi(z) = b_0 h_0(z) + ...`` with ``digits`` significant digits and at most
  ``terms`` nonzero terms.
- ``neural_tangents``: ``NAME(x)`` (jax), the exact dual kernels ``NAME_nngp_fn(cov12, var1,
  var2)`` = E[phi(u) phi(v)] and ``NAME_d_nngp_fn`` = E[phi'(u) phi'(v)] for u, v centred
  Gaussians of any variances, and ``NAME_layer()`` = ``stax.Elementwise(fn, nngp_fn,
  d_nngp_fn)``: a neural-tangents layer whose ``kernel_fn`` is exact at any depth, sigma_w,
  sigma_b.  The duals use Mehler's formula after rescaling the coefficients to each variance
  (:math:`h_m(s z) = \sum_{i} s^{m-2i}(s^2-1)^i \sqrt{m!/(m-2i)!}/(i!\,2^i)\, h_{m-2i}(z)`).
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import math
import re
import unicodedata
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np

from ._core.errors import HermiteRevError
from ._core.registry import kernel_name
from ._core.text import short
from ._core.validate import check_positive_int
from ._core.version import __version__

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ._core.typing import FloatArray
    from .family import Activation

__all__ = ["export_activation", "TARGETS"]

TARGETS = ("numpy", "torch", "jax", "c", "latex", "neural_tangents")


def _version() -> str:
    try:
        return __version__
    except ImportError:  # pragma: no cover
        return "unknown"


def _coeffs(act: Activation | Sequence[Any]) -> FloatArray:
    raw: Any = getattr(act, "coeffs", act)
    try:
        b = np.array([float(v) for v in raw], dtype=np.float64)
    except (TypeError, ValueError):
        raise HermiteRevError(f"export needs an Activation or a sequence of coefficients, got {act!r}") from None
    if b.size == 0 or not np.all(np.isfinite(b)):
        raise HermiteRevError(f"export needs finite float64 Hermite coefficients, got {list(b)}")
    nz = np.flatnonzero(b)
    return b[: (nz[-1] + 1 if nz.size else 1)]


def _derivative(b: FloatArray) -> FloatArray:
    d = np.sqrt(np.arange(1, b.size, dtype=np.float64)) * b[1:]
    return d if d.size else np.zeros(1)


_RESCALE_NATS = 6.0  # the rescaled recurrence keeps log of each P_k's Gaussian norm within +-6


def _rescaled_plan(b: FloatArray, d: FloatArray) -> tuple[list[float], list[float], dict[int, float]]:
    """Coefficients of phi and phi' on the rescaled basis ``P_k = He_k 2^(-E_k)`` (fast exports).

    ``P_k = x P_(k-1) - (k-1) P_(k-2)`` costs one multiplication fewer per term than the
    normalized recurrence (its constants are exact integers), and after step ``k`` in the
    returned ``rescale`` both ``P_k`` and ``P_(k-1)`` are multiplied by that power of two (exact),
    so that ``log ||P_k||`` (Gaussian norm ``2^(-E_k) sqrt(k!)``) stays within
    ``+-_RESCALE_NATS`` and float32 neither overflows nor underflows where the normalized
    ``h_k`` does not.  Returns ``(value_coeffs, grad_coeffs, rescale)`` with
    ``value_coeffs[k] = b_k 2^(E_k) / sqrt(k!)`` (likewise for phi''s ``d``), each rounded once
    from 30 digits.
    """
    n = max(b.size, d.size)
    exponents: list[int] = []
    rescale: dict[int, float] = {}
    e = 0
    for k in range(n):
        exponents.append(e)
        log_norm = 0.5 * math.lgamma(k + 1) - e * math.log(2)
        if k >= 1 and log_norm > _RESCALE_NATS:
            m = round((log_norm + _RESCALE_NATS) / math.log(2))
            rescale[k] = 2.0**-m
            e += m
    with mpmath.workdps(30):

        def on_p(coeffs: FloatArray) -> list[float]:
            return [
                float(mpmath.mpf(float(c)) * mpmath.ldexp(1, exponents[k]) / mpmath.sqrt(mpmath.factorial(k)))
                for k, c in enumerate(coeffs)
            ]

        return on_p(b), on_p(d), rescale


def _header(act: object, b: FloatArray, target: str, comment: str) -> str:
    src = getattr(act, "source", None)
    kind = getattr(act, "kind", None)
    # the kernel by its label (the constructor call or the text it was parsed from), never the
    # whole expression: a deep kernel's tree would fill pages
    name = kernel_name(src, None, 80) if src is not None else None
    if name == "K(c)":
        name = "K(c) (an unlabelled expression too long to print)"
    origin = f"{kind} of {name}" if src is not None else "an explicit coefficient list"
    origin = _comment_safe(origin, c_style=target == "c")
    lines = [
        f"Generated by hermite_rev {_version()} (hermite_rev.export.export_activation, target {target!r}).",
        f"phi(x) = sum_k b_k h_k(x), h_k = He_k / sqrt(k!) (normalized probabilists' Hermite), degree {b.size - 1};",
        f"activation: {origin}.",
        "Runs without hermite_rev.",
    ]
    return "\n".join(comment + line for line in lines)


def _comment_safe(text: object, c_style: bool = False, limit: int = 200) -> str:
    """Any text as one line that is safe inside a comment of the generated code.

    Whitespace runs (every Unicode line break included) become one space; characters that are
    not printable become ``?``; for C the text is ASCII (non-ASCII as ``\\uXXXX`` escapes),
    ``/*`` and ``*/`` are broken up (they would end the comment or trip ``-Wcomment``) and
    ``??`` is broken up (trigraphs); the result is abbreviated to ``limit`` characters.
    """
    text = " ".join(str(text).split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if c_style:
        text = text.encode("ascii", "backslashreplace").decode("ascii")
        while "/*" in text or "*/" in text or "??" in text:
            text = text.replace("/*", "/ *").replace("*/", "* /").replace("??", "? ?")
    return short(text, limit)


def _floats(v: Iterable[float], per_line: int = 4, indent: str = "    ") -> str:
    items = [repr(float(x)) for x in v]
    rows = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return (",\n" + indent).join(rows)


def _check_name(name: object, what: str = "name") -> str:
    """A valid Python identifier, returned in NFKC normal form: Python reads identifiers
    NFKC-normalized (``ｎｐ`` *is* ``np`` in source code), so every later check and the
    generated code use that form."""
    if not isinstance(name, str) or not name.isidentifier():
        raise HermiteRevError(f"{what} must be a valid identifier, got {what}={short(repr(name), 60)}")
    norm = unicodedata.normalize("NFKC", name)
    if not norm.isidentifier() or keyword.iskeyword(norm):
        raise HermiteRevError(
            f"{what} must be a valid identifier that is no Python keyword, got {what}={name!r}"
            + (f" (it reads as {norm!r})" if norm != name else "")
        )
    return norm


@functools.cache
def _py_reserved(target: str) -> frozenset[str]:
    """The module-level names the generated ``target`` code imports or calls as builtins (read
    from the generated code itself, so the list cannot go stale): a function called like one
    of them would shadow it and break the generated code."""
    tree = ast.parse(_EXPORTERS[target](None, np.array([0.5, 1.0]), "phi"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and hasattr(builtins, n.id)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {a.asname or a.name.split(".")[0] for a in node.names}
    return frozenset(names)


# C: keywords (C89 .. C23), the types and macros of <stddef.h>, main, and the standard library's
# functions (identifiers reserved with external linkage, C99 7.1.3; gcc -Werror rejects e.g. abs,
# printf, malloc as conflicting built-ins).
_C_KEYWORDS = set(
    """
auto break case char const continue default do double else enum extern float for goto if inline int
long register restrict return short signed sizeof static struct switch typedef union unsigned void
volatile while _Bool _Complex _Imaginary _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert
_Thread_local _BitInt _Decimal32 _Decimal64 _Decimal128 alignas alignof bool constexpr false nullptr
static_assert thread_local true typeof typeof_unqual asm fortran
""".split()
)
_C_STDDEF = {"size_t", "ptrdiff_t", "wchar_t", "max_align_t", "nullptr_t", "NULL", "offsetof", "unreachable", "main"}
_C_MATH = """
acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 frexp ilogb ldexp log
log10 log1p log2 logb modf scalbn scalbln cbrt fabs hypot pow sqrt erf erfc lgamma tgamma ceil floor
nearbyint rint lrint llrint round lround llround trunc fmod remainder remquo copysign nan nextafter
nexttoward fdim fmax fmin fma
""".split()
_C_LIBRARY = (
    set(_C_MATH)
    | {f + suffix for f in _C_MATH for suffix in ("f", "l")}
    | set(
        """
abort abs atexit atof atoi atol atoll bsearch calloc div exit _Exit free getenv labs ldiv llabs lldiv
malloc mblen mbstowcs mbtowc qsort rand realloc srand strtod strtof strtol strtold strtoll strtoul
strtoull system wcstombs wctomb aligned_alloc at_quick_exit quick_exit
clearerr fclose feof ferror fflush fgetc fgetpos fgets fopen fprintf fputc fputs fread freopen fscanf
fseek fsetpos ftell fwrite getc getchar gets perror printf putc putchar puts remove rename rewind scanf
setbuf setvbuf snprintf sprintf sscanf tmpfile tmpnam ungetc vfprintf vfscanf vprintf vscanf vsnprintf
vsprintf vsscanf
memchr memcmp memcpy memmove memset strcat strchr strcmp strcoll strcpy strcspn strerror strlen strncat
strncmp strncpy strpbrk strrchr strspn strstr strtok strxfrm
isalnum isalpha isblank iscntrl isdigit isgraph islower isprint ispunct isspace isupper isxdigit tolower
toupper
asctime clock ctime difftime gmtime localtime mktime strftime time
raise signal longjmp setjmp localeconv setlocale assert errno
fpclassify isfinite isinf isnan isnormal signbit isgreater isgreaterequal isless islessequal
islessgreater isunordered
""".split()
    )
)
# Names gcc treats as built-in functions (GNU, POSIX, <complex.h>, <strings.h>, <fenv.h>, ...):
# defining one with another signature fails ``gcc -Wall -Werror`` (-Wbuiltin-declaration-mismatch).
# Found by compiling the export under every identifier of the system C headers (gcc 12), plus the
# float/long double variants of the same families.
_C_COMPLEX = """
cabs cacos cacosh carg casin casinh catan catanh ccos ccosh cexp cimag clog clog10 conj cpow cproj creal
csin csinh csqrt ctan ctanh
""".split()
_C_BESSEL = "j0 j1 jn y0 y1 yn gamma lgamma_r gamma_r exp10 pow10 significand drem scalb finite sincos".split()
_C_BUILTINS = (
    set(_C_COMPLEX)
    | {f + s for f in _C_COMPLEX + _C_BESSEL for s in ("f", "l")}
    | set(_C_BESSEL)
    | set(
        """
alloca bcmp bcopy bzero cabs cacos cacosh carg casin casinh catan catanh ccos ccosh cexp cimag clog clog10
conj cpow cproj creal csin csinh csqrt ctan ctanh drem execl execle execlp execv execve execvp feclearexcept
fegetenv fegetexceptflag fegetround feholdexcept feraiseexcept fesetenv fesetexceptflag fesetround
fetestexcept feupdateenv ffs ffsl ffsll finite fork fputc_unlocked fputs_unlocked fwrite_unlocked imaxabs
index isascii isinff isinfl isnanf isnanl iswalnum iswalpha iswcntrl iswdigit iswgraph iswlower iswprint
iswpunct iswspace iswupper jn mempcpy posix_memalign putc_unlocked putchar_unlocked rindex scalb sincos stpcpy
stpncpy strcasecmp strdup strncasecmp strndup strnlen toascii yn dcgettext dgettext gettext isinf isnan
isinfd32 isinfd64 isinfd128 finitef finitel signbitf signbitl toascii
""".split()
    )
)
# gcc also knows the math functions at every interchange / decimal float type (``sqrtf128``,
# ``fabsd64``), reentrant variants (``lgammaf_r``) and a few GNU/wide-character extras: found by
# compiling the export under every ``__builtin_`` name of gcc 12's cc1 (tests/test_export.py
# repeats that check where gcc is installed).
_C_FLOAT_TYPES = ("f16", "f32", "f64", "f128", "f32x", "f64x", "f128x", "d32", "d64", "d128")
_C_TYPED = set(_C_MATH) | {"nan", "fabs", "finite", "isnan", "isinf", "signbit", "roundeven", "copysign"}
_C_BUILTINS |= {f + t for f in _C_TYPED for t in _C_FLOAT_TYPES}
_C_BUILTINS |= set(
    """
roundeven roundevenf roundevenl gammaf_r gammal_r lgammaf_r lgammal_r printf_unlocked fprintf_unlocked
puts_unlocked iswblank iswxdigit towlower towupper strfmon ffsimax
""".split()
)
_C_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def _check_target_name(name: str, target: str, what: str = "name") -> str:
    """Reject names that are fine identifiers but collide with what the generated code uses."""
    if target in _PYTHON_TARGETS:
        if len(name) > 4 and name.startswith("__") and name.endswith("__"):
            raise HermiteRevError(
                f"{what}={name!r} is a special name of Python modules (__x__: __builtins__, __name__, ...); "
                f"choose another {what}"
            )
        if name in _py_reserved(target):
            raise HermiteRevError(
                f"{what}={name!r} collides with a name the generated {target} code uses "
                f"({', '.join(sorted(_py_reserved(target)))}); choose another {what}"
            )
    if target == "c":
        if not _C_NAME.match(name):
            raise HermiteRevError(
                f"{what} must be a C identifier (ASCII letters, digits and '_', starting with a letter; "
                f"a leading '_' is reserved), got {what}={name!r}"
            )
        if name in _C_KEYWORDS or name in _C_STDDEF:
            raise HermiteRevError(f"{what}={name!r} is a C keyword, type or reserved name; choose another {what}")
        if name in _C_LIBRARY:
            raise HermiteRevError(
                f"{what}={name!r} is a C standard library function (a reserved identifier); choose another {what}"
            )
        if name in _C_BUILTINS:
            raise HermiteRevError(
                f"{what}={name!r} is a gcc built-in function (defining it fails gcc -Wall "
                f"-Werror); choose another {what}"
            )
    return name


def _coeff_source(N: str, b: FloatArray, d: FloatArray, brackets: str) -> str:
    """The generated ``N_COEFFS`` and ``N_GRAD_COEFFS`` (phi's and phi''s Hermite coefficients) as
    Python lists (``brackets="[]"``) or tuples (``"()"``, one trailing comma)."""
    op, cl = brackets[0], brackets[1]
    comma = "," if brackets == "()" else ""
    return f"{N}_COEFFS = {op}\n    {_floats(b)}{comma}\n{cl}\n{N}_GRAD_COEFFS = {op}\n    {_floats(d)}{comma}\n{cl}"


def _rescaled_source(N: str, b: FloatArray, d: FloatArray) -> str:
    """The generated ``_N_P_COEFFS``, ``_N_P_GRAD_COEFFS`` and ``_N_RESCALE`` of the fast path
    (:func:`_rescaled_plan`), as tuples and a dict."""
    pb, pd, rescale = _rescaled_plan(b, d)
    steps = ", ".join(f"{k}: {v!r}" for k, v in rescale.items())
    return (
        f"# phi and phi' on P_k = He_k 2^(-E_k) (P_k = x P_(k-1) - (k-1) P_(k-2), exact powers of two\n"
        f"# after the steps in _{N}_RESCALE keep float32 in range): the training path's coefficients\n"
        f"_{N}_P_COEFFS = (\n    {_floats(pb)},\n)\n_{N}_P_GRAD_COEFFS = (\n    {_floats(pd)},\n)\n"
        f"_{N}_RESCALE = {{{steps}}}"
    )


def _series_source(name: str, xp: str) -> str:
    """The generated ``_NAME_series(x, coeffs)``: sum_k coeffs[k] h_k(x) by the three-term
    recurrence, for the array module ``xp`` of the generated code (``"torch"`` or ``"jnp"``)."""
    return f"""def _{name}_series(x, coeffs):
    h_prev = {xp}.zeros_like(x)
    h = {xp}.ones_like(x)
    out = coeffs[0] * h
    for k in range(1, len(coeffs)):
        h_prev, h = h, (x * h - math.sqrt(k - 1) * h_prev) / math.sqrt(k)
        out = out + coeffs[k] * h
    return out"""


def _export_numpy(act: object, b: FloatArray, name: str, **_: Any) -> str:
    d = _derivative(b)
    return f'''{_header(act, b, "numpy", "# ")}
import numpy as np

{name.upper()}_COEFFS = np.array([
    {_floats(b)}
])
{name.upper()}_GRAD_COEFFS = np.array([
    {_floats(d)}
])


def _{name}_series(x, coeffs):
    x = np.asarray(x, dtype=np.float64)
    h_prev = np.zeros_like(x)
    h = np.ones_like(x)
    out = np.full_like(x, coeffs[0])
    for k in range(1, len(coeffs)):
        h_prev, h = h, (x * h - np.sqrt(k - 1.0) * h_prev) / np.sqrt(float(k))
        out = out + coeffs[k] * h
    return out


def {name}(x):
    """phi(x) on float64 arrays."""
    return _{name}_series(x, {name.upper()}_COEFFS)


def {name}_grad(x):
    """phi'(x) on float64 arrays."""
    return _{name}_series(x, {name.upper()}_GRAD_COEFFS)
'''


def _check_class_name(class_name: object, name: str) -> str:
    """The torch export's ``class_name``: an identifier that shadows nothing the code uses or defines."""
    class_name = _check_name(class_name, "class_name")
    _check_target_name(class_name, "torch", "class_name")
    taken = {name, f"{name}_grad", f"{name.upper()}_COEFFS", f"{name.upper()}_GRAD_COEFFS"}
    taken |= {f"{name.upper()}_COMPILE_MIN_SIZE", f"{name.upper()}_COMPILE_MAX_TERMS"}
    taken |= {f"_{name.upper()}_{part}" for part in ("P_COEFFS", "P_GRAD_COEFFS", "RESCALE")}
    taken |= {f"_{name}_{part}" for part in ("series", "value_grad", "compiled", "fast_value_grad", "autograd")}
    taken |= {f"_{name}_forward", f"_{name}_backward"}
    if class_name in taken:
        raise HermiteRevError(
            f"class_name={class_name!r} collides with a name the torch export defines for "
            f"name={name!r} ({', '.join(sorted(taken))}); choose another class_name"
        )
    return class_name


def _export_torch(act: object, b: FloatArray, name: str, class_name: str = "HermiteActivation", **_: Any) -> str:
    d = _derivative(b)
    N = name.upper()
    return f'''{_header(act, b, "torch", "# ")}
import math
import warnings

import torch

{_coeff_source(N, b, d, "[]")}
{_rescaled_source(N, b, d)}
# The training path computes phi and phi' in one pass (_{name}_value_grad).  For tensors of at least
# this many elements it runs as one loop over the elements compiled by torch.compile (needs a C++
# compiler; the first call per dtype compiles for seconds to minutes, cached on disk), several
# times faster per training step on CPU than the plain torch ops, which it falls back to with a
# warning where compiling fails.  None: never compile.  Longer series than {N}_COMPILE_MAX_TERMS
# stay on the torch ops (compiling grows with the terms: 25 s at 40 terms, over 3 minutes at 400).
{N}_COMPILE_MIN_SIZE = 16384
{N}_COMPILE_MAX_TERMS = 128


{_series_source(name, "torch")}


def _{name}_value_grad(x):
    """phi(x) and phi'(x) in one pass of the rescaled recurrence, in place (no autograd graph)."""
    p_prev = torch.ones_like(x)
    p = x.clone()  # the buffers are overwritten in turn; x itself never is
    value = torch.full_like(x, _{N}_P_COEFFS[0])
    grad = torch.full_like(x, _{N}_P_GRAD_COEFFS[0])
    for k in range(1, len(_{N}_P_COEFFS)):
        if k >= 2:
            # P_k = x P_(k-1) - (k-1) P_(k-2), written over P_(k-2)
            p_prev.mul_(1 - k).addcmul_(x, p)
            p_prev, p = p, p_prev
        value.add_(p, alpha=_{N}_P_COEFFS[k])
        if k < len(_{N}_P_GRAD_COEFFS):
            grad.add_(p, alpha=_{N}_P_GRAD_COEFFS[k])
        if k in _{N}_RESCALE:
            p.mul_(_{N}_RESCALE[k])
            p_prev.mul_(_{N}_RESCALE[k])
    return value, grad


_{name}_compiled = []  # [torch.compile(_{name}_value_grad)] after the first large call, [None] if that failed


def _{name}_fast_value_grad(x):
    """_{name}_value_grad(x), compiled where x is large enough and compiling works."""
    if (
        {N}_COMPILE_MIN_SIZE is None
        or math.prod(x.shape) < {N}_COMPILE_MIN_SIZE
        or len(_{N}_P_COEFFS) > {N}_COMPILE_MAX_TERMS
    ):
        return _{name}_value_grad(x)
    try:
        if torch.compiler.is_compiling():  # inside a torch.compile'd model, which fuses the pass itself
            return _{name}_value_grad(x)
        if not _{name}_compiled:
            _{name}_compiled.append(torch.compile(_{name}_value_grad, dynamic=True))
        if _{name}_compiled[0] is not None:
            # on the flattened tensor: one compiled kernel serves every shape
            value, grad = _{name}_compiled[0](x.reshape(-1))
            return value.view(x.shape), grad.view(x.shape)
    except Exception as exc:
        _{name}_compiled[:] = [None]
        warnings.warn(f"torch.compile failed ({{exc!r:.300}}); phi runs on plain torch ops (slower)")
    return _{name}_value_grad(x)


def _{name}_forward(ctx, x):
    value, grad = _{name}_fast_value_grad(x)
    ctx.save_for_backward(x, grad)
    return value


def _{name}_backward(ctx, grad_output):
    x, grad = ctx.saved_tensors
    if torch.is_grad_enabled():  # create_graph=True: a differentiable phi' for higher derivatives
        grad = _{name}_series(x, {N}_GRAD_COEFFS)
    return grad_output * grad


class _{name}_autograd(torch.autograd.Function):
    """phi; its backward multiplies by phi' saved from the forward pass."""


# bound outside the class body, where a name with two leading underscores is not mangled
_{name}_autograd.forward = staticmethod(_{name}_forward)
_{name}_autograd.backward = staticmethod(_{name}_backward)


def {name}(x):
    """phi(x) on a tensor; differentiable by autograd (the gradient is phi' from the same pass)."""
    return _{name}_autograd.apply(x)


def {name}_grad(x):
    """phi'(x) in closed form (no autograd needed)."""
    return _{name}_series(x, {N}_GRAD_COEFFS)


class {class_name}(torch.nn.Module):
    """phi as an nn.Module (the coefficients also as a float64 buffer, saved by state_dict)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("coeffs", torch.tensor(self.hermite_coeffs, dtype=torch.float64))

    def forward(self, x):
        return self.activation(x)


# bound outside the class body, where a name with two leading underscores is not mangled
{class_name}.hermite_coeffs = {N}_COEFFS
{class_name}.activation = staticmethod({name})
'''


def _export_jax(act: object, b: FloatArray, name: str, **_: Any) -> str:
    d = _derivative(b)
    N = name.upper()
    return f'''{_header(act, b, "jax", "# ")}
import jax
import jax.numpy as jnp

{_coeff_source(N, b, d, "()")}
{_rescaled_source(N, b, d)}
# Up to this many terms the pass is unrolled into one fused loop over the elements (fastest; XLA's
# compile time grows faster than linearly with the terms); longer series run as a lax.scan over
# the terms (compiles in seconds at any length, one pass over memory per term).
{N}_UNROLL_MAX_TERMS = 400


def _{name}_value_grad(x):
    """phi(x) and phi'(x) in one pass of the rescaled recurrence (under jax.jit: one fused loop)."""
    p_prev, p = jnp.ones_like(x), x
    value = _{N}_P_COEFFS[0] * p_prev
    grad = _{N}_P_GRAD_COEFFS[0] * p_prev
    if len(_{N}_P_COEFFS) > 1:
        value = value + _{N}_P_COEFFS[1] * p
    if len(_{N}_P_GRAD_COEFFS) > 1:
        grad = grad + _{N}_P_GRAD_COEFFS[1] * p
    if len(_{N}_P_COEFFS) > {N}_UNROLL_MAX_TERMS:
        return _{name}_scan(x, p_prev, p, value, grad)
    for k in range(2, len(_{N}_P_COEFFS)):
        # P_k = x P_(k-1) - (k-1) P_(k-2)
        p_prev, p = p, x * p - (k - 1) * p_prev
        value = value + _{N}_P_COEFFS[k] * p
        if k < len(_{N}_P_GRAD_COEFFS):
            grad = grad + _{N}_P_GRAD_COEFFS[k] * p
        if k in _{N}_RESCALE:
            p_prev, p = p_prev * _{N}_RESCALE[k], p * _{N}_RESCALE[k]
    return value, grad


def _{name}_scan(x, p_prev, p, value, grad):
    """Steps k >= 2 of _{name}_value_grad as a lax.scan (long series)."""
    n = len(_{N}_P_COEFFS)
    consts = jnp.asarray(
        [
            (k - 1, _{N}_P_COEFFS[k], _{N}_P_GRAD_COEFFS[k] if k < len(_{N}_P_GRAD_COEFFS) else 0.0,
             _{N}_RESCALE.get(k, 1.0))
            for k in range(2, n)
        ],
        dtype=x.dtype,
    )

    def step(carry, c):
        p_prev, p, value, grad = carry
        p_prev, p = p, x * p - c[0] * p_prev
        return (p_prev * c[3], p * c[3], value + c[1] * p, grad + c[2] * p), None

    return jax.lax.scan(step, (p_prev, p, value, grad), consts)[0][2:]


@jax.custom_jvp
def _{name}_custom(x):
    return _{name}_value_grad(x)[0]


@_{name}_custom.defjvp
def _{name}_jvp(primals, tangents):
    """The derivative is phi' from the pass that computes phi (higher derivatives differentiate it)."""
    value, grad = _{name}_value_grad(primals[0])
    return value, grad * tangents[0]


@jax.jit
def {name}(x):
    """phi(x) (jit-compiled; jax.grad uses phi' from the same pass)."""
    return _{name}_custom(x)


@jax.jit
def {name}_grad(x):
    """phi'(x) (the same pass; XLA drops the value's sums)."""
    return _{name}_value_grad(x)[1]
'''


def _export_c(act: object, b: FloatArray, name: str, **_: Any) -> str:
    n = b.size
    d = np.zeros(n)
    d[: n - 1] = _derivative(b)[: n - 1] if n > 1 else 0.0
    k = np.arange(max(n, 1), dtype=np.float64)
    r = 1.0 / np.sqrt(k + 1)
    s = np.sqrt(k / (k + 1))
    header = _header(act, b, "c", " * ")
    return f"""/*
{header}
 * h_(k+1) = r[k] * x * h_k - s[k] * h_(k-1), r[k] = 1/sqrt(k+1), s[k] = sqrt(k/(k+1)).
 * Beyond float64 range (|phi| > 1.8e308) the result is +-inf or NaN.
 */
#include <stddef.h>

#define {name.upper()}_N {n}

static const double {name}_coeffs[{name.upper()}_N] = {{
    {_floats(b)}
}};
static const double {name}_grad_coeffs[{name.upper()}_N] = {{
    {_floats(d)}
}};
static const double {name}_r[{name.upper()}_N] = {{
    {_floats(r)}
}};
static const double {name}_s[{name.upper()}_N] = {{
    {_floats(s)}
}};

/* phi(x) and phi'(x) in one pass of the recurrence. */
void {name}_value_grad(double x, double *value, double *grad)
{{
    double h_prev = 0.0, h = 1.0, v = {name}_coeffs[0], g = {name}_grad_coeffs[0];
    for (size_t k = 1; k < {name.upper()}_N; ++k) {{
        double h_next = {name}_r[k - 1] * x * h - {name}_s[k - 1] * h_prev;
        h_prev = h;
        h = h_next;
        v += {name}_coeffs[k] * h;
        g += {name}_grad_coeffs[k] * h;
    }}
    *value = v;
    *grad = g;
}}

double {name}(double x)
{{
    double v, g;
    {name}_value_grad(x, &v, &g);
    return v;
}}

double {name}_grad(double x)
{{
    double v, g;
    {name}_value_grad(x, &v, &g);
    return g;
}}
"""


def _latex_number(v: float, digits: int) -> str:
    text = f"{abs(v):.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = rf"{mant} \cdot 10^{{{int(exp)}}}"
    return text


def _export_latex(act: object, b: FloatArray, name: str, digits: int = 6, terms: int = 8, **_: Any) -> str:
    digits = check_positive_int(digits, "digits")
    terms = check_positive_int(terms, "terms")
    symbol = r"\phi" if name == "phi" else rf"\mathrm{{{name}}}"
    nz = [k for k in range(b.size) if b[k] != 0]
    if not nz:
        return rf"{symbol}(z) = 0"
    text = ""
    for i, k in enumerate(nz[:terms]):
        if i == 0:
            text += "-" if b[k] < 0 else ""
        else:
            text += " - " if b[k] < 0 else " + "
        text += rf"{_latex_number(b[k], digits)}\, h_{{{k}}}(z)"
    if len(nz) > terms:
        text += rf" + \cdots \; (\text{{{len(nz)} nonzero terms}})"
    return rf"{symbol}(z) = {text}"


def _export_neural_tangents(act: object, b: FloatArray, name: str, **_: Any) -> str:
    d = _derivative(b)
    N = name.upper()
    return f'''{_header(act, b, "neural_tangents", "# ")}
# A neural-tangents stax layer with the exact dual kernel: {name}_layer().  For float64 kernels
# call jax.config.update("jax_enable_x64", True) before building the network.
import math

import jax.numpy as jnp
from neural_tangents import stax

{_coeff_source(N, b, d, "()")}
# h_m(s z) = sum_i s^(m-2i) (s^2-1)^i {N}_RESCALE[m][i] h_(m-2i)(z)  (Hermite multiplication theorem)
{N}_RESCALE = tuple(
    tuple(math.exp(0.5 * (math.lgamma(m + 1) - math.lgamma(m - 2 * i + 1)) - math.lgamma(i + 1)) / 2.0 ** i
          for i in range(m // 2 + 1))
    for m in range(len({N}_COEFFS)))


{_series_source(name, "jnp")}


def {name}(x):
    """phi(x) = sum_k b_k h_k(x)."""
    return _{name}_series(x, {N}_COEFFS)


def _{name}_rescaled(coeffs, var):
    """Hermite coefficients of f(sqrt(var) z), given those of f(z)."""
    s = jnp.sqrt(var)
    out = [jnp.zeros_like(var) for _ in coeffs]
    for m, bm in enumerate(coeffs):
        if bm == 0.0:
            continue
        for i in range(m // 2 + 1):
            j = m - 2 * i
            out[j] = out[j] + bm * {N}_RESCALE[m][i] * s ** j * (var - 1.0) ** i
    return out


def _{name}_dual(coeffs, cov12, var1, var2):
    """E[f(u) f(v)], u ~ N(0, var1), v ~ N(0, var2), E[uv] = cov12 (Mehler's formula)."""
    b1 = _{name}_rescaled(coeffs, var1)
    b2 = _{name}_rescaled(coeffs, var2)
    rho = cov12 / jnp.sqrt(var1 * var2)
    total = jnp.zeros_like(rho)
    power = jnp.ones_like(rho)
    for k in range(len(coeffs)):
        total = total + b1[k] * b2[k] * power
        power = power * rho
    return total


def {name}_nngp_fn(cov12, var1, var2):
    """E[phi(u) phi(v)] (exact for this polynomial activation)."""
    return _{name}_dual({N}_COEFFS, cov12, var1, var2)


def {name}_d_nngp_fn(cov12, var1, var2):
    """E[phi'(u) phi'(v)] (exact)."""
    return _{name}_dual({N}_GRAD_COEFFS, cov12, var1, var2)


def {name}_layer():
    """stax layer (init_fn, apply_fn, kernel_fn) applying phi with its exact kernels."""
    return stax.Elementwise(fn={name}, nngp_fn={name}_nngp_fn, d_nngp_fn={name}_d_nngp_fn)
'''


_EXPORTERS = {
    "neural_tangents": _export_neural_tangents,
    "numpy": _export_numpy,
    "torch": _export_torch,
    "jax": _export_jax,
    "c": _export_c,
    "latex": _export_latex,
}
_PYTHON_TARGETS = ("numpy", "torch", "jax", "neural_tangents")


def export_activation(act: Any, target: str = "numpy", *, name: str = "phi", **options: Any) -> str:
    r"""Source text of an activation (and its derivative) that runs without hermite_rev.

    Parameters
    ----------
    act : Activation or sequence of float
        The activation, or its Hermite coefficients b_0, b_1, ....
    target : {"numpy", "torch", "jax", "c", "latex", "neural_tangents"}
    name : str
        Name of the generated function (``NAME`` and ``NAME_grad``): an identifier that does
        not collide with what the generated code uses (``np``, ``torch``, ``math``, ``jax``,
        ``jnp``, ``stax`` and the builtins it calls for the Python targets, nor a special name
        ``__x__``; for ``c`` an ASCII identifier that is no C keyword, type, ``<stddef.h>``
        name, standard library function or gcc built-in).  Every name that is accepted gives
        code that runs (Python) or compiles with ``gcc -Wall -Werror`` (C).
    **options
        ``class_name`` (torch, default ``"HermiteActivation"``); ``digits`` (default 6) and
        ``terms`` (default 8) for latex.

    Returns
    -------
    str

    Examples
    --------
    >>> import hermite_rev as hr
    >>> src = export_activation([0.5, 1.0], "numpy")
    >>> ns = {}; exec(src, ns); float(ns["phi"](2.0)), float(ns["phi_grad"](2.0))
    (2.5, 1.0)
    >>> export_activation([0.5, -0.25], "latex")
    '\\phi(z) = 0.5\\, h_{0}(z) - 0.25\\, h_{1}(z)'
    """
    if not isinstance(target, str) or target.lower() not in TARGETS:
        raise HermiteRevError(f"target must be one of {TARGETS}, got target={target!r}")
    target = target.lower()
    raw = name
    name = _check_name(name)
    if target == "c" and raw != name:
        raise HermiteRevError(f"name must be an ASCII C identifier, got name={raw!r}")
    try:
        _check_target_name(name, target)
    except HermiteRevError as exc:
        if raw == name:
            raise
        raise HermiteRevError(
            f"{exc} (name={raw!r} is {name!r} after NFKC normalisation, as Python reads identifiers)"
        ) from None
    allowed = {
        "numpy": set(),
        "torch": {"class_name"},
        "jax": set(),
        "c": set(),
        "latex": {"digits", "terms"},
        "neural_tangents": set(),
    }[target]
    unknown = set(options) - allowed
    if unknown:
        raise HermiteRevError(f"unknown option(s) {sorted(unknown)} for target {target!r}; allowed: {sorted(allowed)}")
    if target == "torch":
        options["class_name"] = _check_class_name(options.get("class_name", "HermiteActivation"), name)
    b = _coeffs(act)
    return _EXPORTERS[target](act, b, name, **options)
