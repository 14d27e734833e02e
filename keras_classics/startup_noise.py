"""TensorFlow's start-up lines, kept out of the command line's output.

On a machine without a GPU driver, TensorFlow 2.21 writes these lines to the
process's standard error (from C++, not through Python's logging) before a
command has done anything::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:... cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
    I0000 00:00:... cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU ...
    To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with ...
    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:... cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
    E0000 00:00:... cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: ...

The first two come twice because two of TensorFlow's shared libraries,
``libtensorflow_framework.so.2`` and the profiler plugin
``_pywrap_profiler_plugin.so``, each carry their own copy of the CUDA stub
and of absl's logging, and each copy logs once as its library loads (seen
with ``LD_DEBUG=files``: the second pair follows the plugin's load). The
last one comes with the first look at the devices. Students read "failed
call to cuInit" as an error; it only says that there is no GPU.

``TF_CPP_MIN_LOG_LEVEL`` does not reach the first lines (absl writes them
before TensorFlow's level applies; they show even at level 3), and level 3
would also hide TensorFlow's real errors. So the command line (`quiet`),
unless asked to show everything, sets level 1 (TensorFlow's INFO lines go;
warnings, such as a corrupt image the input pipeline skips, stay) and, while
TensorFlow loads and lists its devices, holds the process's standard error
(file descriptor 2) in a temporary file, then writes back every line but
the ones above. Importing the library changes none of this: only
`keras_classics.cli.main` calls `quiet`, and undoes it when it returns.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile
from typing import Iterator

__all__ = ["quiet", "drop_noise", "NOISE"]

# Each start-up line, by its text (TensorFlow's C++ log lines begin with
# severity, date, time, thread and source file, which vary).
NOISE = (
    re.compile(rb"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR\s*$"),
    re.compile(rb"^[IWE]\d{4} [\d:.]+ +\d+ \S+\] Could not find cuda drivers on your machine, GPU will not be used"),
    re.compile(rb"^[IWE]\d{4} [\d:.]+ +\d+ \S+\] failed call to cuInit: "),
    re.compile(
        rb"^[IWE]\d{4} [\d:.]+ +\d+ \S+\] This TensorFlow binary is optimized to use available CPU instructions"
    ),
    re.compile(rb"^[IWE]\d{4} [\d:.]+ +\d+ \S+\] oneDNN custom operations are on"),
)
# The second line of the CPU-instructions notice, dropped only right after its first.
_CONTINUATION = re.compile(
    rb"^To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags"
)


def drop_noise(text: bytes) -> bytes:
    """``text`` without TensorFlow's start-up lines (`NOISE`)."""
    kept, previous_dropped = [], False
    for line in text.splitlines(keepends=True):
        if any(pattern.match(line) for pattern in NOISE):
            previous_dropped = b"This TensorFlow binary is optimized" in line
            continue
        if previous_dropped and _CONTINUATION.match(line):
            previous_dropped = False
            continue
        previous_dropped = False
        kept.append(line)
    return b"".join(kept)


@contextlib.contextmanager
def filtered_stderr() -> Iterator[None]:
    """Hold file descriptor 2 in a temporary file for the block, then write
    back what it received, less `NOISE`. Python's ``sys.stderr`` writes go
    to the same descriptor, so nothing else is lost or reordered."""
    _flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as held:
            os.dup2(held.fileno(), 2)
            try:
                yield
            finally:
                _flush()
                os.dup2(saved, 2)
                held.seek(0)
                kept = drop_noise(held.read())
                while kept:
                    kept = kept[os.write(2, kept) :]
    finally:
        os.close(saved)


def _flush() -> None:
    with contextlib.suppress(Exception):
        sys.stderr.flush()


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Loads TensorFlow, and lists its devices, inside `filtered_stderr`.

    Consulted for the top-level ``tensorflow`` module only, like the finder
    in ``keras_classics/__init__.py`` that registers our classes with Keras.
    Listing the physical devices is where cuInit is called; it does not
    start TensorFlow's runtime, so a later ``--cpu-replicas`` split or a
    multi-worker strategy is still possible.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)  # once; and find_spec below must not recurse here
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            with filtered_stderr():
                execute(module)
                with contextlib.suppress(Exception):
                    module.config.list_physical_devices()

        spec.loader.exec_module = exec_module
        return spec


@contextlib.contextmanager
def quiet(show: bool = False) -> Iterator[bool]:
    """Within the block, TensorFlow starts without its start-up lines,
    unless ``show`` (``--verbose``) or the user's own
    ``TF_CPP_MIN_LOG_LEVEL`` (which wins) says otherwise; yields whether it
    does. Everything is put back when the block ends."""
    if show or "TF_CPP_MIN_LOG_LEVEL" in os.environ or "tensorflow" in sys.modules:
        yield False
        return
    finder = _QuietTensorFlowImport()
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "1"
    sys.meta_path.insert(0, finder)
    try:
        yield True
    finally:
        os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
