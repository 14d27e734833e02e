"""Make ``model.fit`` work under ``MultiWorkerMirroredStrategy`` in Keras 3.

The only module in keras_classics that touches Keras internals; every other
module uses public APIs. Nothing here runs at import: `apply` patches, and
only when the installed Keras needs it.

What breaks (keras-team/keras issue 20585, tensorflow/tensorflow issue 72388,
both open when written; seen with Keras 3.15.1 and TensorFlow 2.21). Both
places are in ``keras/src/backend/tensorflow/trainer.py``:

1. ``TensorFlowTrainer._maybe_symbolic_build``: before the first step, fit
   takes one batch from the distributed iterator and hands the whole
   ``PerReplica`` structure to ``strategy.reduce("MEAN", batch, axis=None)``
   to get one concrete batch. ``CollectiveAllReduceStrategy`` cannot reduce a
   nested ``PerReplica`` batch eagerly and fails with ``ValueError: Attempt
   to convert a value (PerReplica ...) to a Tensor``. The batch is only used
   for its shapes and dtypes (to build the metrics and the loss), so the fix
   takes the first local replica's batch. That also avoids a needless
   all-reduce of a whole batch across workers (and averaging integer labels).

2. ``reduce_per_replica``: under multi-worker, ``reduction="auto"`` (what
   ``train_function`` and ``test_function`` use) becomes
   ``strategy.reduce("MEAN", v, axis=0)`` for every logged value. Losses and
   metric results are scalars, and reducing a scalar along axis 0 fails with
   ``Invalid reduction dimension 0 for input with 0 dimensions``. The fix
   reduces scalars with ``axis=None`` (the mean over replicas, what the
   single-worker branch computes with ``tf.reduce_mean(..., axis=0)`` over
   the stacked local results) and leaves every other case to Keras.

Both replacements defer to the original code unless the strategy is a
``MultiWorkerMirroredStrategy`` in multi-worker mode, so single-process
training is untouched even after `apply`.

Which versions: every Keras 3 release up to 3.15 has both faults
(`AFFECTED_BELOW` is the first version not checked yet). When a new Keras
comes out, run ``pytest tests/test_training_distribute.py``: the two-worker
test trains under whatever is installed. Set the environment variable
``KERAS_CLASSICS_MULTIWORKER_PATCH=1`` to force the patch on a newer Keras
that still needs it, or ``=0`` to turn it off.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Optional, Tuple

__all__ = ["AFFECTED_FROM", "AFFECTED_BELOW", "needs_patch", "apply", "is_applied"]

AFFECTED_FROM = (3, 0)
AFFECTED_BELOW = (3, 16)
ENV_VAR = "KERAS_CLASSICS_MULTIWORKER_PATCH"

_applied = False


def _version_tuple(version: str) -> Tuple[int, int]:
    numbers = re.findall(r"\d+", version)
    if len(numbers) < 2:
        raise ValueError(f"cannot read a Keras version from {version!r}")
    return int(numbers[0]), int(numbers[1])


def needs_patch(version: Optional[str] = None) -> bool:
    """Whether Keras ``version`` (default: the installed one) needs the fix."""
    forced = os.environ.get(ENV_VAR, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if version is None:
        import keras

        version = keras.__version__
    return AFFECTED_FROM <= _version_tuple(version) < AFFECTED_BELOW


def is_applied() -> bool:
    return _applied


def apply() -> bool:
    """Patch Keras's TensorFlow trainer if this Keras needs it.

    Idempotent. Returns True when the patch is (now) in place.
    """
    global _applied
    if _applied:
        return True
    if not needs_patch():
        return False

    import tensorflow as tf
    from keras.src.backend.tensorflow import trainer as tf_trainer

    missing = [
        name
        for name, owner in (
            ("_maybe_symbolic_build", tf_trainer.TensorFlowTrainer),
            ("reduce_per_replica", tf_trainer),
            ("_collective_all_reduce_multi_worker", tf_trainer),
        )
        if not hasattr(owner, name)
    ]
    if missing:
        raise RuntimeError(
            f"keras_classics.training.multiworker_patch: this Keras lacks {', '.join(missing)}; "
            f"set {ENV_VAR}=0 if it no longer needs the multi-worker fix"
        )

    is_multi_worker = tf_trainer._collective_all_reduce_multi_worker
    original_build = tf_trainer.TensorFlowTrainer._maybe_symbolic_build
    original_reduce = tf_trainer.reduce_per_replica

    def first_local(value):
        if isinstance(value, tf.distribute.DistributedValues):
            return value.values[0]
        return value

    @functools.wraps(original_build)
    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        strategy = self._distribute_strategy
        if strategy is None or iterator is None or not is_multi_worker(strategy):
            return original_build(self, iterator=iterator, data_batch=data_batch)
        for _, _, it in iterator:
            data_batch = tf.nest.map_structure(first_local, next(it))
            break
        with strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    @functools.wraps(original_reduce)
    def reduce_per_replica(values, strategy, reduction):
        if reduction not in ("auto", "mean") or not is_multi_worker(strategy):
            return original_reduce(values, strategy, reduction)

        def reduce_one(value):
            if strategy.experimental_local_results(value)[0].shape.rank == 0:
                return strategy.reduce("MEAN", value, axis=None)
            return original_reduce(value, strategy, reduction)

        return tf.nest.map_structure(reduce_one, values)

    tf_trainer.TensorFlowTrainer._maybe_symbolic_build = _maybe_symbolic_build
    tf_trainer.reduce_per_replica = reduce_per_replica
    _applied = True
    return True
