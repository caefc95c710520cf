"""Reference numbers for OptimizerTests.swift: three steps of every optimizer method on one
weight tensor (3 values, takes L2) and one bias (2 values, no L2), in float32 numpy.
Run: python3 Tests/EngineTests/optimizer_golden.py"""
import numpy as np

f = np.float32
lr, m, l2 = f(0.1), f(0.9), f(0.01)
b1, b2, eps = f(0.9), f(0.999), f(1e-8)
w0 = np.array([0.5, -1.0, 2.0], f)
b0 = np.array([0.25, -0.5], f)
grads = [
    (np.array([0.1, -0.2, 0.3], f), np.array([1.0, -1.0], f)),
    (np.array([-0.4, 0.5, 0.6], f), np.array([0.5, 0.25], f)),
    (np.array([0.7, -0.8, -0.9], f), np.array([-2.0, 3.0], f)),
]

def run(method):
    params = [w0.copy(), b0.copy()]
    decays = [f(2) * l2, f(0)]
    slots = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for t, gs in enumerate(grads, start=1):
        for i, (p, g0) in enumerate(zip(params, gs)):
            g = g0 + decays[i] * p
            v = slots[i]
            if method == "sgd":
                p -= lr * g
            elif method == "classic":
                v[:] = m * v - lr * g; p += v
            elif method == "ema":
                v[:] = m * v + (f(1) - m) * g; p -= lr * v
            elif method == "lagged":
                old = v.copy(); v[:] = m * old + (f(1) - m) * g; p -= lr * old
            elif method == "nesterov":
                v[:] = m * v - lr * g; p += m * v - lr * g
            elif method == "adam":
                a, b = v, second[i]
                a[:] = b1 * a + (f(1) - b1) * g
                b[:] = b2 * b + (f(1) - b2) * g * g
                # bias corrections in float64 from the float32 betas, as the engine computes them
                c1 = f(1 - float(b1) ** t); c2 = f(1 - float(b2) ** t)
                p -= lr * (a / c1) / (np.sqrt(b / c2) + eps)
    return params

for method in ["sgd", "classic", "ema", "lagged", "nesterov", "adam"]:
    w, b = run(method)
    print(f'"{method}": ([{", ".join(repr(float(x)) for x in w)}], [{", ".join(repr(float(x)) for x in b)}]),')
