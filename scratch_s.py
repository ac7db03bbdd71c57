import time, numpy as np, sympy, hermite_rev as hr
X = np.random.default_rng(1).standard_normal((40, 9)); X /= np.sqrt((X**2).sum(1)/9)[:,None]
for depth in (1,2):
  for n in (64, 256):
    N = hr.network_kernel("tanh", depth, sympy.sqrt(2), sympy.Rational(1,10), kind="ntk")
    t=time.time(); K = N.sphere_kernel(n, 20); t1=time.time()-t
    Gd, inf = hr.gram(K, X, info=True)
    G, inf2 = hr.gram(N, X, info=True)
    print(depth, n, t1, inf.error, inf2.error, np.max(np.abs(G-Gd)), np.max(np.abs(G)))
