"""The measuring side of the benchmark: a process that builds and times models.

`keras_classics.bench.running` starts one of these (``python -m
keras_classics.bench.worker``) per model it wants isolated (so that the
process's peak resident memory is that model's alone) and sends it one JSON
command per line on stdin; each answer is one JSON line. Only this process
imports TensorFlow. Its standard output is kept for the answers: anything
else printed (by TensorFlow, Keras, a warning) goes to standard error, which
the parent writes to a log.

Commands (``op`` and its fields):

* ``build``: key, source ("ours" or "keras"), name, input_shape, classes,
  batch, seed. Builds, compiles and makes the synthetic data.
* ``run``: key, mode ("train" or "infer"), steps. Times one ``model.fit``
  (``model.predict``) call of ``steps`` batches; answers its wall and
  CPU seconds, how long its threads waited for a CPU, and the CPU time
  other programs used meanwhile.
* ``drop``: key. Forgets a model.
* ``catalog``: the registered models with their input shapes.
* ``memory``: the process's resident memory now and at its peak.
* ``matmul``: n, repeats, warmup. Seconds per ``n x n`` float32 matmul
  (and the run-queue wait of the timed ones).
* ``grouped``: layers, batch, repeats, warmup. `grouped_conv`'s check
  and timing of AlexNet's grouped layers.
* ``exit``.
"""

from __future__ import annotations

import glob
import json
import os
import re
import resource
import sys
import time
import traceback

from keras_classics.bench.settings import KERAS_APPLICATIONS, LEARNING_RATE, LOSS, MOMENTUM


def op_category(op_name: str, op_type: str) -> str:
    """What a profiled op is for, from its scope and type. oneDNN's fused
    kernels carry their epilogue: a convolution fused with its bias and ReLU
    counts as a convolution, a filter gradient fused with the bias gradient
    (``...BackpropFilterWithBias``) as a convolution's backward pass."""
    scope = "/" + op_name.lower()
    # Scopes get "_1", "_2" suffixes when a name is taken (a second model or
    # optimizer in the process, Keras's call scopes).
    if re.search(r"/sgd(_\d+)?/", scope):
        return "optimizer update"
    if "dropout" in scope:
        return "dropout"
    if "Conv2DBackprop" in op_type:
        return "convolution, backward"
    if "Conv2D" in op_type:
        return "convolution, forward"
    if "MatMul" in op_type:
        return "matmul (dense layers)"
    if re.search(r"_bn(_\d+)?/", scope) or "batch_norm" in scope or "BatchNorm" in op_type:
        return "batch norm"
    if op_type in ("BiasAdd", "BiasAddGrad", "_MklBiasAdd"):
        return "bias"
    if "Pool" in op_type:
        return "pooling"
    if "Relu" in op_type:
        return "ReLU"
    if re.search(r"_add(_\d+)?/", scope) or op_type in ("AddV2", "AddN", "Add"):
        return "additions"
    return "other"


def run_queue_seconds():
    """Time this process's threads have spent ready to run but waiting for a
    CPU (Linux schedstat); None where the kernel does not say. Another
    program busy on the same cores shows up here, and not in CPU time."""
    total = 0
    for path in glob.glob("/proc/self/task/*/schedstat"):
        try:
            with open(path) as schedstat:
                total += int(schedstat.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended meanwhile
    return total / 1e9 if total or os.path.exists("/proc/self/schedstat") else None


def machine_busy_seconds():
    """CPU time the whole machine has spent busy (every program, all CPUs),
    from /proc/stat; None where there is no /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...: all but idle and iowait.
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


def memory_mib():
    """(resident memory now, peak resident memory), in MiB."""
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    current = resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return current, peak


class Worker:
    def __init__(self):
        start = time.perf_counter()
        import keras
        import numpy as np
        import tensorflow as tf

        import keras_classics
        from keras_classics.anatomy import anatomy

        self.keras, self.np, self.tf = keras, np, tf
        self.keras_classics, self.anatomy = keras_classics, anatomy
        self.import_seconds = time.perf_counter() - start
        self.models = {}

    def hello(self):
        current, peak = memory_mib()
        return {
            "pid": os.getpid(),
            "import_seconds": self.import_seconds,
            "tensorflow": self.tf.__version__,
            "keras": self.keras.__version__,
            "backend": self.keras.backend.backend(),
            "intra_op_threads": self.tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": self.tf.config.threading.get_inter_op_parallelism_threads(),
            "gpus": len(self.tf.config.list_physical_devices("GPU")),
            "memory_mib": current,
            "peak_memory_mib": peak,
        }

    def catalog(self):
        """Every registered model: name, family and registered input shape."""
        registry = self.keras_classics.registry
        return [
            {"name": n, "family": registry.get_entry(n).family, "input_shape": list(registry.get_entry(n).input_shape)}
            for n in registry.list_models()
        ]

    # ------------------------------------------------------------- models

    def _make(self, source, name, input_shape, classes):
        # classes None: the registered number (10 for the CIFAR networks).
        kwargs = {"input_shape": input_shape} if classes is None else {"input_shape": input_shape, "classes": classes}
        if source == "ours":
            return self.keras_classics.build(name, **kwargs)
        if source == "keras":
            builder = getattr(self.keras.applications, KERAS_APPLICATIONS[name])
            return builder(weights=None, **kwargs)
        raise ValueError(f"unknown source {source!r}")

    def build(self, key, source, name, input_shape, classes, batch, seed=0):
        keras, np, tf = self.keras, self.np, self.tf
        start = time.perf_counter()
        model = self._make(source, name, tuple(input_shape), classes)
        outputs = len(model.outputs)
        # The same settings for every model: plain SGD with momentum, one
        # cross-entropy per output, Keras's default jit_compile ("auto").
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM),
            loss=[LOSS] * outputs if outputs > 1 else LOSS,
        )
        build_seconds = time.perf_counter() - start
        rng = np.random.default_rng(seed)
        images = rng.standard_normal((batch,) + tuple(input_shape)).astype("float32")
        labels = tuple(rng.integers(0, int(o.shape[-1]), size=batch) for o in model.outputs)
        labels = labels if outputs > 1 else labels[0]
        # tf.data's autotuning off: its thread wakes after 10, 20, 40, ... ms
        # and deleting an iterator (each fit and predict ends so) waits for
        # its next wake, which rounded every round up to 0.31, 0.63, 1.27,
        # ... s. This pipeline repeats one batch: nothing to tune.
        options = tf.data.Options()
        options.autotune.enabled = False
        self.models[key] = {
            "model": model,
            "train": tf.data.Dataset.from_tensors((images, labels)).repeat().with_options(options),
            "infer": tf.data.Dataset.from_tensors(images).repeat().with_options(options),
        }
        table = self.anatomy(model)
        current, peak = memory_mib()
        return {
            "model_name": model.name,
            "params": int(model.count_params()),
            "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
            "macs": int(table.macs),
            "layers": len(model.layers),
            "outputs": outputs,
            "jit_compile": bool(model.jit_compile),
            "build_seconds": build_seconds,
            "memory_mib": current,
            "peak_memory_mib": peak,
        }

    def run(self, key, mode, steps):
        entry = self.models[key]
        model = entry["model"]
        wait_start, busy_start = run_queue_seconds(), machine_busy_seconds()
        start, cpu_start = time.perf_counter(), time.process_time()
        if mode == "train":
            model.fit(entry["train"], steps_per_epoch=steps, epochs=1, verbose=0)
        elif mode == "infer":
            model.predict(entry["infer"], steps=steps, verbose=0)
        else:
            raise ValueError(f"unknown mode {mode!r}")
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        wait_end, busy_end = run_queue_seconds(), machine_busy_seconds()
        # CPU time of all the process's threads: on a shared machine it
        # tracks the work done better than the wall time does.
        return {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "run_queue_seconds": None if wait_start is None else max(0.0, wait_end - wait_start),
            # What the rest of the machine did meanwhile: other programs.
            "others_cpu_seconds": None if busy_start is None else max(0.0, busy_end - busy_start - cpu_seconds),
        }

    def profile(self, key, mode, steps):
        """Time ``steps`` batches under TensorFlow's profiler; answer the op
        time per batch by category (see `op_category`) and by op type."""
        import glob
        import shutil
        import tempfile

        from tensorflow.tsl.profiler.protobuf import xplane_pb2

        logdir = tempfile.mkdtemp(prefix="keras-classics-profile-")
        try:
            self.tf.profiler.experimental.start(logdir)
            try:
                timing = self.run(key, mode, steps)
            finally:
                self.tf.profiler.experimental.stop()
            space = xplane_pb2.XSpace()
            (path,) = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)
            with open(path, "rb") as handle:
                space.ParseFromString(handle.read())
        finally:
            shutil.rmtree(logdir, ignore_errors=True)
        categories, op_types = {}, {}
        for plane in space.planes:
            if plane.name != "/host:CPU":
                continue
            for line in plane.lines:
                # The executor's threads run the graph's ops, one event per
                # op ("scope/name:OpType"); the intra-op threads' events are
                # parts of those.
                if not line.name.startswith("tf_Compute"):
                    continue
                for event in line.events:
                    name = plane.event_metadata[event.metadata_id].name
                    op_name, _, op_type = name.rpartition(":")
                    if not op_name or "::" in name or " " in name or not op_type.replace("_", "").isalnum():
                        continue  # the executor's own events, not an op
                    ms = event.duration_ps / 1e9 / steps
                    category = op_category(op_name, op_type)
                    categories[category] = categories.get(category, 0.0) + ms
                    op_types[op_type] = op_types.get(op_type, 0.0) + ms
        return {"steps": steps, **timing, "categories_ms": categories, "op_types_ms": op_types}

    def drop(self, key):
        import gc

        self.models.pop(key, None)
        if not self.models:
            self.keras.backend.clear_session()
        gc.collect()
        return None

    def memory(self):
        current, peak = memory_mib()
        return {"memory_mib": current, "peak_memory_mib": peak}

    # ------------------------------------------------------- micro-benchmarks

    def matmul(self, n, repeats, warmup):
        tf = self.tf
        a = tf.random.normal((n, n), dtype=tf.float32, seed=1)
        b = tf.random.normal((n, n), dtype=tf.float32, seed=2)
        times = []
        wait_start = busy_start = cpu_start = None
        for i in range(warmup + repeats):
            if i == warmup:
                wait_start, busy_start, cpu_start = run_queue_seconds(), machine_busy_seconds(), time.process_time()
            start = time.perf_counter()
            c = tf.linalg.matmul(a, b)
            c[0, 0].numpy()  # wait for the product, copy back one number
            if i >= warmup:
                times.append(time.perf_counter() - start)
        wait = None if wait_start is None else max(0.0, run_queue_seconds() - wait_start)
        cpu_seconds = time.process_time() - cpu_start
        others = None if busy_start is None else max(0.0, machine_busy_seconds() - busy_start - cpu_seconds)
        return {"seconds": times, "cpu_seconds": cpu_seconds, "run_queue_seconds": wait, "others_cpu_seconds": others}

    def grouped(self, layers, batch, repeats, warmup):
        from keras_classics.bench import grouped_conv

        results = {}
        for layer in layers:
            checks, times_ms = grouped_conv.measure_layer(layer, batch, repeats, warmup)
            shape = grouped_conv.ALEXNET_GROUPED[layer]
            results[layer] = {"shape": list(shape), "checks": checks, "times_ms": times_ms}
        return {"reference": grouped_conv.REFERENCE, "layers": results}


def serve() -> int:
    # Keep the real stdout for answers; send every other print to stderr.
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def answer(payload):
        answers.write(json.dumps(payload) + "\n")
        answers.flush()

    try:
        worker = Worker()
        answer({"ok": True, "result": worker.hello()})
    except Exception:  # noqa: BLE001 - reported to the parent, which stops
        answer({"ok": False, "error": traceback.format_exc()})
        return 1
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        op = request.pop("op")
        if op == "exit":
            answer({"ok": True, "result": None})
            return 0
        try:
            result = getattr(worker, op)(**request)
            answer({"ok": True, "result": result})
        except Exception:  # noqa: BLE001 - the parent decides what to do
            answer({"ok": False, "error": traceback.format_exc()})
    return 0


if __name__ == "__main__":
    sys.exit(serve())
