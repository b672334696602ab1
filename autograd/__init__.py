"""chainrule's scalar autograd engine.

`Value` records each operation and its local derivatives; `backward()` applies the chain rule in
reverse topological order. The same derivative can be listed as a sum over paths
(`chain_paths`), counted (`count_paths`), checked against central differences
(`numerical_grad`, `compare`) and drawn (`draw`). `grad(root, inputs, create_graph=True)` writes the
backward pass itself as Values, for derivatives of derivatives (`hessian`, `hvp`).

This package imports nothing from `nn`.
"""

from .check import Comparison, compare, numerical_grad
from .draw import draw, save
from .explore import ExplorerPage, explore
from .graph import Edge, Path, StaleGraphError, chain_paths, count_paths, mark_changed, topological_order
from .higher import CustomOp, grad, hessian, hvp, local_grads_as_values
from .value import AnomalyError, Value, anomaly_mode_enabled, detect_anomaly, total, weighted_sum, zero_grad

__all__ = [
    "Value",
    "weighted_sum",
    "total",
    "zero_grad",
    "detect_anomaly",
    "anomaly_mode_enabled",
    "AnomalyError",
    "mark_changed",
    "StaleGraphError",
    "topological_order",
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

__version__ = "0.1.0"
