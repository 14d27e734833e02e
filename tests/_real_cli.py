"""Running ``keras-classics`` as a user does: a separate process, its exit
status, and what it printed once TensorFlow's own start-up logging is set
aside.

Used by the tests that feed the commands bad or hostile input
(tests/test_reliability_*.py, tests/test_convert_keras3.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import List, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 300

# What TensorFlow and absl print at start-up whatever TF_CPP_MIN_LOG_LEVEL
# says: "WARNING: All log messages before absl::InitializeLog() ...", glog
# lines ("I0000 00:00:1796613644.019231 31754 cudart_stub.cc:31] ..."),
# and the CPU feature notice that follows one of them.
_RUNTIME_LOG = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|[IWEF]\d{4} \d\d:\d\d:\d\d"
    r"|To enable the following instructions:)"
)


def env(**extra) -> dict:
    environment = dict(os.environ)
    environment.update(PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3", **extra)
    return environment


def command(*args: str) -> List[str]:
    """The argument list of ``keras-classics ARGS`` run by this Python."""
    return [sys.executable, "-m", "keras_classics.cli", *args]


def run(args: Sequence[str], *, timeout: float = TIMEOUT, **kwargs) -> subprocess.CompletedProcess:
    """``keras-classics ARGS`` in its own process."""
    return subprocess.run(
        command(*args), capture_output=True, text=True, timeout=timeout, env=env(), cwd=ROOT, **kwargs
    )


def own_lines(stderr: str) -> List[str]:
    """The lines of ``stderr`` that the package printed."""
    return [line for line in stderr.splitlines() if line.strip() and not _RUNTIME_LOG.match(line)]


def one_line_error(done: subprocess.CompletedProcess, name: str) -> str:
    """Assert a clean refusal (exit 2, one line ``keras-classics NAME: error:
    ...``, no traceback, no crash, no unsafe advice) and return the line."""
    lines = own_lines(done.stderr)
    assert done.returncode == 2, f"exit {done.returncode}:\n" + "\n".join(lines[-40:])
    assert len(lines) == 1, "\n".join(lines[-40:])
    prefix = f"keras-classics {name}: error: "
    assert lines[0].startswith(prefix), lines[0]
    assert unsafe_advice(lines[0]) == [], lines[0]
    return lines[0][len(prefix) :]


# Loading calls that would run code from the file they load.
_UNSAFE_ADVICE = re.compile(
    r"allow_pickle\s*=|weights_only\s*=\s*False|safe_mode\s*=\s*False|enable_unsafe_deserialization\("
)
_TORCH_LOAD = re.compile(r"torch\.load\(([^()]|\([^()]*\))*\)")


def unsafe_advice(text: str) -> List[str]:
    """The unsafe loading calls ``text`` suggests: numpy's ``allow_pickle=``,
    ``weights_only=False``, Keras's ``safe_mode=False``, and ``torch.load(...)``
    without ``weights_only=True``."""
    found = [match.group(0) for match in _UNSAFE_ADVICE.finditer(text)]
    found += [match.group(0) for match in _TORCH_LOAD.finditer(text) if "weights_only=True" not in match.group(0)]
    return found
