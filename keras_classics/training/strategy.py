"""Which tf.distribute strategy (or Keras distribution) a run uses.

On the JAX backend there is no tf.distribute: "auto" and "mirrored" become
``keras.distribution.DataParallel`` over the machine's devices (a
`KerasDistribution`, which offers the few strategy methods the run calls),
"default" one device; several workers are refused (`choose_distribution`).
The rest of this doc is about TensorFlow.

"auto" picks, in order: ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG``
describes a cluster of two or more tasks; ``MirroredStrategy`` over every
visible GPU; the default (no-op) strategy on a CPU. Builders never see any of
this: the training code builds and compiles the model inside
``strategy.scope()``.

A ``MultiWorkerMirroredStrategy`` must exist before any other TensorFlow
op runs, so `choose_strategy` is the first thing a run does. Before it
creates one, `wait_for_cluster` checks that every other worker is up:
TensorFlow itself waits for a missing worker for ever, inside C++ code where
neither Ctrl-C nor SIGTERM reaches Python.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from typing import Dict, List, Optional, Tuple

from keras_classics.training import spelling

__all__ = [
    "cluster_spec",
    "task_info",
    "is_chief",
    "choose_strategy",
    "wait_for_cluster",
    "ClusterTimeout",
    "describe",
    "split_cpu",
    "set_mixed_precision",
    "KerasDistribution",
    "choose_distribution",
    "run_scope",
]


def cluster_spec() -> Optional[dict]:
    """``TF_CONFIG``'s cluster when it names two or more tasks, else None."""
    raw = os.environ.get("TF_CONFIG", "").strip()
    if not raw:
        return None
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON: {error}") from None
    cluster = config.get("cluster") or {}
    tasks = sum(len(cluster.get(kind, [])) for kind in ("chief", "worker"))
    return cluster if tasks >= 2 else None


def task_info():
    """(task type, index) of this process in ``TF_CONFIG`` (("worker", 0) alone)."""
    raw = os.environ.get("TF_CONFIG", "").strip()
    if not raw:
        return "worker", 0
    task = json.loads(raw).get("task") or {}
    return task.get("type", "worker"), int(task.get("index", 0))


def is_chief() -> bool:
    """The chief writes the run folder; the others write their own copies.

    The chief is the "chief" task, or worker 0 when the cluster has none.
    """
    cluster = cluster_spec()
    kind, index = task_info()
    if cluster is None:
        return True
    if "chief" in cluster:
        return kind == "chief"
    return kind == "worker" and index == 0


class ClusterTimeout(TimeoutError):
    """Some workers of ``TF_CONFIG``'s cluster never answered."""


def _tasks(cluster: dict) -> List[Tuple[str, int, str]]:
    return [
        (kind, index, address) for kind in ("chief", "worker") for index, address in enumerate(cluster.get(kind, []))
    ]


def _split_address(address: str) -> Tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"TF_CONFIG names a task at {address!r}; expected host:port")
    return host.strip("[]"), int(port)


def _answers(address: str) -> bool:
    try:
        with socket.create_connection(_split_address(address), timeout=1.0):
            return True
    except OSError:
        return False


def wait_for_cluster(timeout: float, poll: float = 0.5) -> None:
    """Wait until every other task of ``TF_CONFIG``'s cluster accepts a TCP
    connection, for at most ``timeout`` seconds.

    This task listens on its own address meanwhile, so that the others see
    it too; TensorFlow takes the port over once the strategy starts. Plain
    Python waits, so Ctrl-C (KeyboardInterrupt) and SIGTERM stop it.

    Raises:
        ClusterTimeout: naming the tasks that never answered.
    """
    cluster = cluster_spec()
    if cluster is None:
        return
    kind, index = task_info()
    others: Dict[str, str] = {}
    mine = None
    for task_kind, task_index, address in _tasks(cluster):
        if (task_kind, task_index) == (kind, index):
            mine = address
        else:
            others[f"{task_kind} {task_index}"] = address
    listener = None
    if mine is not None:
        _, port = _split_address(mine)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("", port))
            listener.listen(16)
        except OSError as error:
            listener.close()
            raise OSError(f"this task ({kind} {index}) cannot listen on {mine}: {error.strerror or error}") from None
    deadline = time.monotonic() + timeout
    waiting = dict(others)
    announced = False
    try:
        while True:
            waiting = {name: address for name, address in waiting.items() if not _answers(address)}
            if not waiting:
                return
            if time.monotonic() >= deadline:
                missing = ", ".join(f"{name} ({address})" for name, address in waiting.items())
                raise ClusterTimeout(
                    f"the cluster in TF_CONFIG did not form within {timeout:g} s: {missing} never "
                    "answered. Start the same command on every worker, check their addresses "
                    f"and firewalls, or wait longer with {spelling.setting('cluster_timeout')}"
                )
            if not announced:
                names = ", ".join(f"{name} ({address})" for name, address in waiting.items())
                print(f"keras-classics train: waiting up to {timeout:g} s for {names}", file=sys.stderr, flush=True)
                announced = True
            time.sleep(poll)
    finally:
        if listener is not None:
            listener.close()


def choose_strategy(name: str = "auto", cluster_timeout: Optional[float] = None):
    """A strategy by name: "auto", "default", "mirrored" or "multiworker".

    For "multiworker" it first waits (`wait_for_cluster`) up to
    ``cluster_timeout`` seconds (default 300) for the other workers.
    """
    from keras_classics.training import backends

    if not backends.uses_tensorflow():
        return choose_distribution(name)
    cluster = cluster_spec()
    if cluster is not None and name in ("auto", "multiworker"):
        wait_for_cluster(300.0 if cluster_timeout is None else cluster_timeout)
    import tensorflow as tf

    if name == "auto":
        if cluster is not None:
            name = "multiworker"
        elif tf.config.list_physical_devices("GPU"):
            name = "mirrored"
        else:
            name = "default"
    if name == "multiworker":
        if cluster is None:
            raise ValueError(
                "the multiworker strategy needs TF_CONFIG to describe a cluster of at least two "
                'tasks, e.g. {"cluster": {"worker": ["host1:port", "host2:port"]}, "task": '
                '{"type": "worker", "index": 0}}'
            )
        from keras_classics.training import multiworker_patch

        multiworker_patch.apply()
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        if gpus:
            return tf.distribute.MirroredStrategy()
        # Several logical CPUs (see split_cpu) make one replica each.
        cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=cpus)
    if name == "default":
        return tf.distribute.get_strategy()
    raise ValueError(f"unknown strategy {name!r}; choose auto, default, mirrored or multiworker")


class KerasDistribution:
    """``keras.distribution.DataParallel`` over ``devices`` (none for one
    device), with the strategy attributes the run uses: ``scope()`` and
    ``num_replicas_in_sync``."""

    def __init__(self, devices: List[str]):
        import keras

        self.devices = list(devices)
        self.distribution = keras.distribution.DataParallel(devices=self.devices) if len(self.devices) > 1 else None

    @property
    def num_replicas_in_sync(self) -> int:
        return len(self.devices)

    def scope(self):
        return self.distribution.scope() if self.distribution is not None else contextlib.nullcontext()


def choose_distribution(name: str = "auto") -> KerasDistribution:
    """The Keras distribution for strategy ``name`` on a backend other than
    TensorFlow: "auto" and "mirrored" use every device of the default
    platform (every GPU, else the CPU devices XLA was asked for), "default"
    one. Multi-worker training needs tf.distribute and is refused."""
    if name == "multiworker" or (name == "auto" and cluster_spec() is not None):
        raise ValueError(
            "multi-worker training (TF_CONFIG, --strategy multiworker) needs the TensorFlow backend; on "
            "JAX a run uses the devices of one machine (--strategy auto or mirrored: DataParallel over "
            "every GPU, or over the CPU split by --cpu-replicas N). Unset TF_CONFIG, or set KERAS_BACKEND=tensorflow"
        )
    if name not in ("auto", "default", "mirrored"):
        raise ValueError(f"unknown strategy {name!r}; choose auto, default, mirrored or multiworker")
    from keras_classics.training import backends

    if backends.name() != "jax":
        # keras.distribution serves JAX alone: the others train on one device.
        if name == "mirrored":
            raise ValueError(f"--strategy mirrored needs the JAX or TensorFlow backend, not {backends.name()}")
        return KerasDistribution([backends.name()])
    import keras

    devices = keras.distribution.list_devices()
    return KerasDistribution(devices if name != "default" else devices[:1])


def run_scope(strategy):
    """The context a whole run (``fit`` and ``evaluate`` too) runs in.

    A Keras distribution is read from a global when ``fit`` and
    ``evaluate`` run, so it must stay set for the whole run; a tf.distribute
    strategy lives in the variables made under its scope and needs nothing.
    """
    if isinstance(strategy, KerasDistribution):
        return strategy.scope()
    return contextlib.nullcontext()


def describe(strategy) -> dict:
    """Strategy, replicas and devices, for the run record."""
    if isinstance(strategy, KerasDistribution):
        kind = "DataParallel" if strategy.distribution is not None else "default"
        return {"strategy": kind, "replicas": strategy.num_replicas_in_sync, "devices": strategy.devices}
    try:
        devices = list(strategy.extended.worker_devices)
    except RuntimeError:  # the default strategy has no device list
        devices = []
    name = type(strategy).__name__
    info = {
        "strategy": "default" if name.startswith("_Default") else name,
        "replicas": int(strategy.num_replicas_in_sync),
        "devices": [str(d) for d in devices],
    }
    cluster = cluster_spec()
    if cluster is not None:
        kind, index = task_info()
        info.update(
            workers=sum(len(cluster.get(k, [])) for k in ("chief", "worker")), task=f"{kind}:{index}", chief=is_chief()
        )
    return info


def split_cpu(replicas: int) -> None:
    """Split the CPU into ``replicas`` logical devices (for MirroredStrategy,
    or DataParallel on JAX, on a machine without GPUs). Must run before
    TensorFlow (or JAX) starts."""
    from keras_classics.training import backends

    if not backends.uses_tensorflow():
        _split_jax_cpu(replicas)
        return
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(replicas)]
        )
    except RuntimeError as error:
        raise RuntimeError(
            f"cannot split the CPU into {replicas} devices once TensorFlow has started: {error}"
        ) from None


def _split_jax_cpu(replicas: int) -> None:
    import jax

    try:
        jax.config.update("jax_num_cpu_devices", replicas)
    except RuntimeError as error:
        raise RuntimeError(f"cannot split the CPU into {replicas} devices once JAX has started: {error}") from None


def set_mixed_precision(enabled: bool) -> str:
    """Set Keras's global dtype policy; float16 compute needs a GPU."""
    import keras

    from keras_classics.training import backends

    if not enabled:
        keras.mixed_precision.set_global_policy("float32")
        return "float32"
    if not backends.has_gpu():
        raise ValueError(
            f"{spelling.setting('mixed_precision')} needs a GPU (float16 compute); none is visible to {backends.name()}"
        )
    keras.mixed_precision.set_global_policy("mixed_float16")
    return "mixed_float16"
