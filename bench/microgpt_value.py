"""A faithful re-implementation of microgpt's scalar `Value`, the baseline of the GPT benchmark.

Written here from what microgpt's engine does (Karpathy, February 2026), not copied: `__slots__`,
each node stores its children and its local derivatives as plain numbers (no closures), `backward()`
sorts the graph topologically by recursion and applies the chain rule child.grad += local · grad.
Derived ops are built from the primitives exactly as microgpt builds them, so its node counts are
microgpt's: `a - b` is a + (b · −1), 3 nodes (the constant −1, the product, the sum); `a / b` is
a · b⁻¹, 2 nodes; `-a` is a · −1, 2 nodes; `a ** k` (k a number) 1 node. `count_nodes` (bench/
microgpt.py) prints them.

What it is not: chainrule. It is the engine chainrule is measured against (bench/run.py, section 8).
"""

from __future__ import annotations

import math

__all__ = ["Value"]


class Value:
    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data  # the number this node holds
        self.grad = 0  # ∂loss/∂this node, filled in by backward()
        self._children = children  # the nodes this one was computed from
        self._local_grads = local_grads  # ∂this/∂each child, computed with the node

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):  # k a number
        return Value(self.data**k, (self,), (k * self.data ** (k - 1),))

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return Value(math.exp(self.data), (self,), (math.exp(self.data),))  # exp evaluated twice, as microgpt does

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        order, seen = [], set()

        def visit(v):  # recursive: every child before the node that uses it
            if v not in seen:
                seen.add(v)
                for child in v._children:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1
        for v in reversed(order):
            for child, local in zip(v._children, v._local_grads):
                child.grad += local * v.grad
