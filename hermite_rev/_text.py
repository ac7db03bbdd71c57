"""Text shared by every message the package writes.

Index
-----
short_expr          an expression (or any object) as one line of at most ``limit`` characters
HermiteRevWarning   the warning class for results that are returned but not to the precision asked

Error messages are one readable line: an embedded expression is printed with :func:`short_expr`,
which collapses whitespace and keeps the first and last characters of a long text around an
ellipsis that says how much was left out.
"""

from __future__ import annotations

__all__ = ["HermiteRevWarning", "short_expr"]


class HermiteRevWarning(UserWarning):
    """A result is returned, but it did not reach the precision that was asked for."""


def short_expr(expr, limit=120):
    """``str(expr)`` on one line, abbreviated to at most ``limit`` characters.

    Whitespace runs (newlines included) become one space; a text longer than ``limit`` keeps
    its first and last characters around ``" ... [N chars] ... "``.

    Parameters
    ----------
    expr : object
        A sympy expression, a string, or anything with a ``str``.
    limit : int
        Largest length of the result (at least 40).

    Examples
    --------
    >>> short_expr("exp(c)")
    'exp(c)'
    >>> s = short_expr("+".join(["c"] * 200), limit=60)
    >>> len(s) <= 60, s[:10]
    (True, 'c+c+c+c+c+')
    """
    limit = max(int(limit), 40)
    text = " ".join(str(expr).split())
    if len(text) <= limit:
        return text
    marker = f" ... [{len(text)} chars] ... "
    keep = limit - len(marker)
    head = (keep + 1) // 2
    tail = keep - head
    return text[:head] + marker + (text[-tail:] if tail > 0 else "")
