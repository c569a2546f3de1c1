"""Scalar reverse-mode autograd (micrograd-style): Week 4's ``Value`` exercise.

    a, b = Value(2.0), Value(-3.0)
    c = (a * b + 1).tanh() + a ** 2
    c.backward()                      # a.grad, b.grad hold dc/da, dc/db

Every operation returns a new ``Value`` that remembers its inputs and a closure that adds its
local gradient times ``out.grad`` into each input's ``grad`` (``+=``: a value used twice gets
both contributions). ``backward()`` orders the graph topologically and runs the closures from
the output back to the leaves. Gradients are not reset by ``backward()``: zero them between steps.
"""

from __future__ import annotations

import math
from numbers import Real


class Value:
    """A scalar that records how it was computed; ``.data`` and ``.grad`` are Python floats."""

    __slots__ = ("data", "grad", "_backward", "_prev", "_op")

    def __init__(self, data, _children=(), _op: str = ""):
        if isinstance(data, Value):
            raise TypeError("Value(data) takes a number, not a Value")
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    @staticmethod
    def _wrap(x) -> Value:
        if isinstance(x, Value):
            return x
        if isinstance(x, Real):
            return Value(x)
        return NotImplemented

    def __add__(self, other):
        other = Value._wrap(other)
        if other is NotImplemented:
            return other
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = Value._wrap(other)
        if other is NotImplemented:
            return other
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        if isinstance(k, Value) or not isinstance(k, Real):
            raise TypeError(f"Value ** k needs a number exponent k, got {type(k).__name__}")
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward():
            self.grad += e * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __truediv__(self, other):
        return self * Value._wrap(other) ** -1.0

    def __rtruediv__(self, other):
        return other * self**-1.0

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self) -> None:
        """d(self)/d(v) into every ``v.grad`` of the graph (accumulated); ``self.grad`` becomes 1."""
        topo, seen = [], set()
        stack = [(self, False)]
        while stack:  # iterative DFS: deep graphs need no recursion
            v, expanded = stack.pop()
            if expanded:
                topo.append(v)
                continue
            if id(v) in seen:
                continue
            seen.add(id(v))
            stack.append((v, True))
            for child in v._prev:
                if id(child) not in seen:
                    stack.append((child, False))
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"
