"""chainrule's scalar autograd engine.

`Value` records each operation and its local derivatives; `backward()` applies the chain rule in
reverse topological order. Read `value.py` (the node and its ops) and `graph.py` (the walk) first:
together they are the chain rule. The same derivative can be listed as a sum over paths
(`chain_paths`), counted (`count_paths`), checked against central differences
(`numerical_grad`, `compare`) and drawn (`draw`). `grad(root, inputs, create_graph=True)` writes the
backward pass itself as Values, for derivatives of derivatives (`hessian`, `hvp`).

Drawing and the explorer page need the graphviz package, imported when something is first drawn,
so `from autograd import Value` works without it. This package imports nothing from `nn`.
"""

from . import collector
from .check import Comparison, compare, numerical_grad
from .draw import draw, save
from .explore import ExplorerPage, explore
from .fused import total, weighted_sum, weighted_sum_of_constants, weighted_sums
from .graph import topological_order, zero_grad
from .guards import (
    AnomalyError,
    ChangeReport,
    StaleGraphError,
    anomaly_mode_enabled,
    detect_anomaly,
    mark_changed,
)
from .higher import CustomOp, grad, hessian, hvp, local_grads_as_values
from .ops import Op
from .paths import Edge, Path, chain_paths, count_paths
from .steps import backward_walk
from .value import Value

__all__ = [
    "Value",
    "collector",
    "Op",
    "weighted_sum",
    "weighted_sums",
    "weighted_sum_of_constants",
    "total",
    "zero_grad",
    "detect_anomaly",
    "anomaly_mode_enabled",
    "AnomalyError",
    "mark_changed",
    "ChangeReport",
    "StaleGraphError",
    "topological_order",
    "backward_walk",
    "chain_paths",
    "count_paths",
    "Edge",
    "Path",
    "numerical_grad",
    "compare",
    "Comparison",
    "draw",
    "save",
    "explore",
    "ExplorerPage",
    "grad",
    "hessian",
    "hvp",
    "local_grads_as_values",
    "CustomOp",
]

__version__ = "0.2.0"
