r"""
Kernel regression on wine: the 4HL ReLU NTK and its shallow mimic
=================================================================

Infinite-width predictions and scikit-learn with exact kernels::

    python examples/kernel_regression_wine.py [--n 40] [--seeds 0 1 2 3 4]

The 4-hidden-layer ReLU NTK (sigma_w = sqrt(2), sigma_b = 0.1) is used three ways, all on the
same split of scikit-learn's wine data (one-hot targets, rows with :math:`|x|^2/d = 1`):

1. ``hr.predict.gradient_descent_mse`` at t = infinity: what an infinitely wide 4HL ReLU net
   trained to convergence on MSE predicts (NTK regression);
2. the same with the NTK of the *one-hidden-layer* mimic, the activation reverse-engineered
   from that kernel with n Hermite terms (its kernel is known as a series: hr.gram evaluates it
   by Horner with the truncation bound as the stated error);
3. scikit-learn: ``KernelRidge(kernel="precomputed")`` on ``hr.gram`` and
   ``GaussianProcessRegressor`` with ``hr.interop.SklearnKernel`` (NNGP, amplitude fitted).

Prints test MSE and accuracy of each, averaged over the seeds of the split.
"""

import argparse
import time

import numpy as np
import sympy

import hermite_rev as hr
from hermite_rev.experiments import wine_data


def run(seed, K, K_mimic, K_nngp):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.kernel_ridge import KernelRidge

    Xtr, Ytr, Xte, Yte = wine_data(seed=seed)
    out = {}

    def score(name, F):
        out[name] = (float(np.mean((F - Yte) ** 2)), float(np.mean(np.argmax(F, 1) == np.argmax(Yte, 1))))

    score("4HL ReLU NTK, hr.predict (t = inf)", hr.predict.gradient_descent_mse(K, Xtr, Ytr, Xte)[1])
    score("1HL mimic NTK, hr.predict (t = inf)", hr.predict.gradient_descent_mse(K_mimic, Xtr, Ytr, Xte)[1])
    score(
        "4HL ReLU NTK, hr.predict (t = 1000 epochs, lr = 1)",
        hr.predict.gradient_descent_mse(K, Xtr, Ytr, Xte, t=1000, lr=1.0)[1],
    )
    kr = KernelRidge(alpha=1e-6, kernel="precomputed").fit(hr.gram(K, Xtr), Ytr)
    score("4HL ReLU NTK, sklearn KernelRidge (precomputed)", kr.predict(hr.gram(K, Xte, Xtr)))
    kr = KernelRidge(alpha=1e-6, kernel="precomputed").fit(hr.gram(K_mimic, Xtr), Ytr)
    score("1HL mimic NTK, sklearn KernelRidge (precomputed)", kr.predict(hr.gram(K_mimic, Xte, Xtr)))
    gp = GaussianProcessRegressor(kernel=hr.interop.SklearnKernel(K_nngp), alpha=1e-2).fit(Xtr, Ytr)
    score("4HL ReLU NNGP, sklearn GaussianProcessRegressor", gp.predict(Xte))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Kernel regression on wine with the 4HL ReLU NTK and its shallow mimic")
    ap.add_argument("--n", type=int, default=40, help="Hermite terms of the mimic")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    K_nngp = hr.kernels.relu_nngp(4, sympy.sqrt(2), sympy.Rational(1, 10))
    mimic = hr.reverse(K, "ntk", n=args.n, dps=30).activation()
    K_mimic = mimic.kernel("ntk")  # the 1HL NTK of the mimic, as Taylor coefficients
    f = hr.predict.compile_kernel(K_mimic)
    print(
        f"mimic: {args.n} Hermite terms; its NTK differs from the 4HL NTK by <= "
        f"{float(hr.reverse(K, 'ntk', n=args.n).tail().bound):.3g} on [-1, 1]; Gram error <= {f.error:.3g}"
    )
    rows = {}
    for s in args.seeds:
        for name, v in run(s, K, K_mimic, K_nngp).items():
            rows.setdefault(name, []).append(v)
    print(f"wine, 89 train / 89 test, mean over seeds {args.seeds}:")
    print(f"{'':52s} {'test MSE':>9s} {'test acc':>9s}")
    res = {}
    for name, vals in rows.items():
        mse, acc = np.mean(vals, axis=0)
        res[name] = {"test_mse": float(mse), "test_acc": float(acc)}
        print(f"{name:52s} {mse:9.4f} {acc:9.3f}")
    print(f"({time.perf_counter() - t0:.1f} s)")
    return res


if __name__ == "__main__":
    main()
