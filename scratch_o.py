import time, mpmath, numpy as np, sympy, hermite_rev as hr
from sklearn.datasets import load_wine
X = load_wine().data; X = (X - X.mean(0)) / X.std(0)
def E2(q1, q2, s12, f, g, dps=15, L=9):
    with mpmath.workdps(dps):
        q1, q2, s12 = map(mpmath.mpf, (q1, q2, s12))
        a = mpmath.sqrt(q1); b = mpmath.sqrt(q2); rho = s12 / (a*b)
        c = mpmath.sqrt(1 - rho**2); k = 1/(2*mpmath.pi)
        h = lambda x, y: f(a*x) * g(b*(rho*x + c*y)) * mpmath.exp(-(x*x+y*y)/2) * k
        pts = mpmath.linspace(-L, L, 7)
        return mpmath.quad(h, pts, pts, method='gauss-legendre')
sw2, sb2 = 2, mpmath.mpf(1)/100
d = X.shape[1]
dt = lambda u: 1/mpmath.cosh(u)**2
Nn = hr.network_kernel("tanh", 1, sympy.sqrt(2), sympy.Rational(1,10), kind="nngp")
Nt = hr.network_kernel("tanh", 1, sympy.sqrt(2), sympy.Rational(1,10), kind="ntk")
Gn = hr.gram(Nn, X); Gt = hr.gram(Nt, X)
for (i,j) in [(0,1),(3,150),(5,5),(10,11)]:
    xi, xj = [mpmath.mpf(float(v)) for v in X[i]], [mpmath.mpf(float(v)) for v in X[j]]
    dot = lambda a,b: mpmath.fsum(u*v for u,v in zip(a,b))/d
    q1 = sw2*dot(xi,xi)+sb2; q2 = sw2*dot(xj,xj)+sb2; s = sw2*dot(xi,xj)+sb2
    t=time.time(); K = E2(q1,q2,s,mpmath.tanh,mpmath.tanh); Kd = E2(q1,q2,s,dt,dt)
    T = K + s*Kd
    print(i,j, float(q1), float(q2), float(s/mpmath.sqrt(q1*q2)), float((Gn[i,j]-K)/K), float((Gt[i,j]-T)/T), time.time()-t)
i,j=3,150
xi, xj = [mpmath.mpf(float(v)) for v in X[i]], [mpmath.mpf(float(v)) for v in X[j]]
dot = lambda a,b: mpmath.fsum(u*v for u,v in zip(a,b))/d
q1 = sw2*dot(xi,xi)+sb2; q2 = sw2*dot(xj,xj)+sb2; s = sw2*dot(xi,xj)+sb2
print("K", Gn[i,j])
for args in [dict(dps=20), dict(dps=20, L=11)]:
    print(args, mpmath.nstr(E2(q1,q2,s,mpmath.tanh,mpmath.tanh, **args), 20))
# my engine in isolation with given q
from hermite_rev.predict._mehler import GenericLayers
from hermite_rev.activations import resolve
gl = GenericLayers(resolve("tanh"), False)
q = np.array([float(q1), float(q2)])
E, Ed, quad = gl.moments(q)
(B, T), _, n = gl.coefficients(q, E, Ed)
rho = float(s/mpmath.sqrt(q1*q2))
print(n, quad, sum(B[0]*B[1]*rho**np.arange(n)), T[:, -1])
