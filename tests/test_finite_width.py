"""Exact finite-width fluctuations (Activation.finite_width) and the "fluctuation" best member."""

from __future__ import annotations

import copy
import itertools
import pickle

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev._fluctuation import FiniteWidth, criterion_values, fluctuation_problem, hermite_product
from hermite_rev.verify import empirical_kernel, width_scaling

SINH = "sinh(20*c)/sinh(20)"


@pytest.fixture(scope="module")
def small():
    """A degree-4 member with exact coefficients (mixed signs)."""
    b = [
        sympy.Rational(3, 10),
        sympy.Rational(1, 2),
        sympy.Rational(-1, 5),
        sympy.Rational(1, 10),
        sympy.Rational(1, 20),
    ]
    return hr.Activation(b, dps=40, exact=tuple(b))


@pytest.fixture(scope="module")
def sinh_family():
    return hr.reverse(SINH, kind="nngp", n=60)


@pytest.fixture(scope="module")
def sinh_best(sinh_family):
    return sinh_family.best("fluctuation", width=256, progress=False)


def _quadrature_second_moment(act, kind, c, nodes=14):
    """E[T^2] by 2-D Gauss-Hermite quadrature in (u, w), v = c u + sqrt(1 - c^2) w: an independent route."""
    with mpmath.workdps(60):
        X, W = mpmath.gauss_quadrature(nodes, "hermite")
        b = [mpmath.mpf(sympy.N(x, 70)) for x in act.exact]
        d = [mpmath.sqrt(k + 1) * b[k + 1] for k in range(len(b) - 1)]

        def ev(coeffs, x):
            h_prev, h, total = mpmath.mpf(0), mpmath.mpf(1), mpmath.mpf(0)
            for k, bk in enumerate(coeffs):
                total += bk * h
                h_prev, h = h, (x * h - mpmath.sqrt(k) * h_prev) / mpmath.sqrt(k + 1)
            return total

        c = mpmath.mpf(c)
        s, r2 = mpmath.sqrt(1 - c * c), mpmath.sqrt(2)
        total = mpmath.mpf(0)
        for i, j in itertools.product(range(nodes), repeat=2):
            u, v = r2 * X[i], r2 * (c * X[i] + s * X[j])
            pu, pv = ev(b, u), ev(b, v)
            t2 = (pu * pv) ** 2
            if kind == "ntk":
                du, dv = ev(d, u), ev(d, v)
                t2 += 2 * c * pu * du * pv * dv + 3 * c * c * (du * dv) ** 2
            total += W[i] * W[j] * t2
        return total / mpmath.pi


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_variance_matches_quadrature_oracle(small, kind):
    cs = [sympy.Rational(-7, 10), 0, sympy.Rational(37, 100), 1]
    fw = small.finite_width(64, kind=kind, cs=cs)
    for c, k, v in zip(cs, fw.kernel, fw.variance):
        with mpmath.workdps(50):
            second = v * 64 + k * k
            oracle = _quadrature_second_moment(small, kind, sympy.N(c, 60))
            assert abs(second - oracle) <= mpmath.mpf(10) ** -20 * abs(oracle)
    assert max(fw.variance_errors) < 1e-25


def test_hermite_product_matches_monomials():
    # h_2 h_3 = sqrt(3) h_1 + ... : compare against sympy's expanded polynomials
    import flint

    z = sympy.Symbol("z")
    h = [sympy.hermite_prob(k, z) / sympy.sqrt(sympy.factorial(k)) for k in range(7)]
    f = [flint.arb(x) for x in (1, -2, 0, 3)]
    g = [flint.arb(x) for x in (0, 1, 5)]
    prod = hermite_product(f, g)
    lhs = sympy.expand(
        sum(fk * h[k] for k, fk in enumerate((1, -2, 0, 3))) * sum(gk * h[k] for k, gk in enumerate((0, 1, 5)))
    )
    rhs = sympy.expand(sum(sympy.Float(float(p.mid()), 30) * h[l] for l, p in enumerate(prod)))
    assert all(abs(float(x)) < 1e-12 for x in sympy.Poly(lhs - rhs, z).all_coeffs())


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_predicted_variance_matches_finite_nets(kind):
    """200 seeds of real width-256 nets (hermite_rev.nets via empirical_kernel): within 25%."""
    fam = hr.reverse("(1+c)**3/8 + exp(c)/10", kind="ntk", n=6)
    act = fam.activation([1, -1, 1, -1, 1, -1][: len(fam.nonzero)])
    cs = [0.0, 0.5, 0.9, 1.0]
    fw = act.finite_width(256, kind=kind, cs=cs)
    emp = np.array([empirical_kernel(act, kind, width=256, cs=cs, seed=s) for s in range(200)])
    _, kernel, pred = fw.to_numpy()
    meas = emp.var(axis=0, ddof=1)
    ratio = meas / pred
    assert np.all((ratio > 0.75) & (ratio < 1.25)), ratio
    assert np.allclose(emp.mean(axis=0), kernel, atol=4 * np.sqrt(pred / 200).max())


def test_all_plus_member_of_sinh_is_flagged(sinh_family):
    fw = sinh_family.activation().finite_width(256, kind="nngp")
    assert fw.mass_within < 1e-6 and fw.flagged
    assert "E[phi^2]" in fw.diagnosis and "FLAGGED" in repr(fw)
    alt = sinh_family.activation([(-1) ** ((k - 1) // 2) for k in sinh_family.nonzero])
    good = alt.finite_width(256, kind="nngp")
    assert good.mass_within > 0.99 and not good.flagged


def test_best_fluctuation_report(sinh_best, sinh_family):
    res = sinh_best
    assert res.criterion == "fluctuation" and res.width == 256 and res.method == "local-search"
    assert isinstance(res.finite_width, FiniteWidth) and not res.finite_width.flagged
    assert res.finite_width.mass_within > 0.99
    assert res.refined_value == pytest.approx(float(res.finite_width.integrated_variance))
    prob = fluctuation_problem(sinh_family.magnitudes, sinh_family.nonzero, "nngp", 256, None)
    assert res.value == pytest.approx(criterion_values(prob, np.array([res.signs], dtype=float))[0])
    allplus = criterion_values(prob, np.ones((1, len(sinh_family.nonzero))))[0]
    assert res.value < allplus / 100


def _exponent(act, widths, seeds):
    cs = [-0.9, -0.5, 0.0, 0.5, 0.9, 1.0]
    ref = [float(v) for v in act.finite_width(256, "nngp", cs).kernel]
    return width_scaling(act, "nngp", widths=widths, seeds=seeds, cs=cs, reference=ref, workers=1)["exponent"]


def test_sinh_best_member_width_exponent_fast(sinh_best, sinh_family):
    assert abs(_exponent(sinh_best.activation, [64, 256, 1024], range(4)) + 0.5) < 0.15
    assert abs(_exponent(sinh_family.activation(), [64, 256, 1024], range(2))) < 0.05  # the all-+ member


@pytest.mark.slow
def test_sinh_best_member_width_exponent(sinh_best):
    assert abs(_exponent(sinh_best.activation, [64, 256, 1024, 4096, 16384], range(32)) + 0.5) < 0.15


def test_exhaustive_search_is_exhaustive():
    fam = hr.reverse("exp(c - 1)", kind="ntk", n=7, dps=20)
    res = fam.best("fluctuation", width=128)
    assert res.method == "exhaustive" and res.covered == fam.count()
    prob = fluctuation_problem(fam.magnitudes, fam.nonzero, "ntk", 128, None)
    every = np.array(list(itertools.product((1.0, -1.0), repeat=len(fam.nonzero))))
    assert res.value == pytest.approx(criterion_values(prob, every).min(), rel=1e-12)
    assert fam.best("fluctuation", width=128, workers=1).signs == res.signs


def test_local_search_seeded_and_cosines():
    fam = hr.reverse("exp(c - 1)", kind="nngp", n=10, dps=20)
    a = fam.best("fluctuation", width=64, exhaustive_limit=4, restarts=8, seed=3, cs=[0, 0.5, 1])
    b = fam.best("fluctuation", width=64, exhaustive_limit=4, restarts=8, seed=3, cs=[0, 0.5, 1])
    assert a == b and a.method == "local-search" and a.grid == 3
    assert a.refined_value == pytest.approx(float(sum(a.finite_width.variance) / 3))


def test_value_semantics(small, sinh_best):
    fw = small.finite_width(100, kind="ntk", cs=[0, 0.5])
    for obj in (fw, sinh_best):
        assert pickle.loads(pickle.dumps(obj)) == obj
        assert copy.deepcopy(obj) == obj and hash(copy.copy(obj)) == hash(obj)
    assert fw != small.finite_width(101, kind="ntk", cs=[0, 0.5])
    with pytest.raises(AttributeError):
        fw.width = 3  # type: ignore[misc]
    assert "FiniteWidth(ntk, width=100" in repr(fw)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"width": 0}, "width"),
        ({"width": -5}, "width"),
        ({"width": 10**12}, "width"),
        ({"width": 2.5}, "width"),
        ({"width": 64, "kind": "nngpx"}, "kind"),
        ({"width": 64, "cs": [0.5, 1.5]}, "cs"),
        ({"width": 64, "cs": [float("nan")]}, "cs"),
        ({"width": 64, "cs": []}, "cs"),
    ],
)
def test_bad_inputs(small, kwargs, needle):
    with pytest.raises(ValueError) as exc:
        small.finite_width(**kwargs)
    msg = str(exc.value)
    assert needle in msg and "\n" not in msg


def test_best_bad_inputs():
    fam = hr.reverse("exp(c - 1)", kind="nngp", n=6, dps=20)
    for kwargs, needle in [({}, "width"), ({"width": 0}, "width"), ({"width": 64, "cs": [2]}, "cs")]:
        with pytest.raises(ValueError, match=needle):
            fam.best("fluctuation", **kwargs)
    with pytest.raises(ValueError, match="fluctuation"):
        fam.best("sup", width=64)
