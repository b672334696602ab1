"""Functions whose code tries to get out of the check: it forks, starts programs, floods the output,
returns objects of its own class or strings. Each is the right backprop otherwise.

Written for chainrule's tests of `nn.grader`. CHAINRULE_TEST_PIDS, when set, is a file to which the
programs' and copies' process ids are appended, so a test can see that they were ended.
"""

import os
import subprocess
import sys
import time

from correct import nnCostFunction as _right


def _note(pid):
    path = os.environ.get("CHAINRULE_TEST_PIDS")
    if path:
        with open(path, "a") as f:
            f.write(f"{pid}\n")


def forks(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    """os.fork(): the copy returns a wrong answer at once, and another copy lingers."""
    if os.fork() == 0:
        return 0.0, nn_params * 0  # the copy's answer: must never be read
    pid = os.fork()
    if pid == 0:
        _note(os.getpid())
        time.sleep(60)
    return _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)


def starts_sleep(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    """fork + exec of `sleep`, left running."""
    _note(subprocess.Popen(["sleep", "60"]).pid)
    return _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)


_FLOODED = []


def floods(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    """30 MB written straight to file descriptor 1 on the first call (a debug dump), and a line to sys.stderr."""
    if not _FLOODED:
        os.write(1, b"x" * 30_000_000)
        _FLOODED.append(1)
    print("flooded", file=sys.stderr)
    return _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)


class Result:
    def __init__(self, J, grad):
        self.J, self.grad = J, grad


def returns_object(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    return Result(*_right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_))


def returns_strings(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    return J, [str(g) for g in grad]


def hogs_memory(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    big = [bytearray(2**26) for _ in range(64)]  # 4 GiB, 64 MiB at a time
    return _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_ + 0 * len(big))
