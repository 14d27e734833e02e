"""One arm, one seed: build, measure at initialisation, train, measure.

The loop is a plain ``tf.function`` training step over shuffled NumPy
batches (SGD with momentum, softmax cross-entropy on logits), because the
lab measures what ``model.fit`` does not report: the gradient reaching the
first convolution at every step, the training error on the whole training
set after every epoch, an auxiliary output's weighted loss, and the scale
of every layer's activations and gradients before training.

What a run returns is a list of `Row`s, the lines of its metrics CSV.
"""

from __future__ import annotations

import math
from typing import Callable, List, NamedTuple, Optional

import numpy as np

from keras_classics.lab import networks
from keras_classics.lab.data import LabData
from keras_classics.lab.spec import Arm, Experiment, Row

EVAL_BATCH = 512
TRAIN_SAMPLE_SEED = 2024  # the fixed sample of training images, where the training error uses one
PROFILE_BATCH = 256


def augment_batch(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random translations, the crop half of AlexNet's Sec. 4.1 scheme.

    The paper takes 224x224 patches of 256x256 images: shifts of up to an
    eighth of the side. Here each image is padded by an eighth of its side
    (edge values) and cropped back at a random offset. The paper's
    horizontal flips are left out: a mirrored digit is another symbol.
    """
    n, height, width, _ = images.shape
    pad = max(1, height // 8)
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
    offsets = rng.integers(0, 2 * pad + 1, size=(n, 2))
    out = np.empty_like(images)
    for i, (dy, dx) in enumerate(offsets):
        out[i] = padded[i, dy : dy + height, dx : dx + width]
    return out


def _main_output(outputs):
    return outputs[0] if isinstance(outputs, (list, tuple)) else outputs


def _first_conv(model):
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            return layer
    raise ValueError(f"{model.name} has no convolution")


def architecture_rows(model) -> List[Row]:
    """Parameters, MACs per image and the last convolution's receptive field."""
    from keras_classics.anatomy import anatomy

    table = anatomy(model)
    rows = [Row("scalar", None, "params", float(table.params)), Row("scalar", None, "macs", float(table.macs))]
    last = table.last_conv()
    if last is not None and last.receptive_field is not None:
        rows.append(Row("scalar", None, "receptive_field", float(last.receptive_field.size)))
    return rows


def init_profile_rows(model, data: LabData) -> List[Row]:
    """Per layer at initialisation: the standard deviation of each block's
    output on a batch of training images, and of the loss gradient with
    respect to each convolution's kernel (He et al. 2015, Sec. 2.2)."""
    import keras
    import tensorflow as tf

    names = networks.block_outputs(model)
    probe = keras.Model(model.input, [model.get_layer(name).output for name in names])
    x = data.x_train[:PROFILE_BATCH]
    y = data.y_train[:PROFILE_BATCH]
    # Training mode, as the first step sees the network: batch norm uses the
    # batch's statistics. The moving averages it updates are put back.
    saved = [v.numpy() for v in model.non_trainable_variables]
    activations = probe(x, training=True)
    rows = [Row("layer", i, "init_activation_std", float(np.std(a))) for i, a in enumerate(activations, start=1)]
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    with tf.GradientTape() as tape:
        logits = _main_output(model(x, training=True))
        loss = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        loss = tf.reduce_mean(loss)
    grads = tape.gradient(loss, kernels)
    for variable, value in zip(model.non_trainable_variables, saved):
        variable.assign(value)
    rows += [Row("layer", i, "init_grad_std", float(np.std(g))) for i, g in enumerate(grads, start=1)]
    return rows


def _predictions(model, x) -> np.ndarray:
    """The predicted class of every image, in batches."""
    out = []
    for start in range(0, len(x), EVAL_BATCH):
        logits = _main_output(model(x[start : start + EVAL_BATCH], training=False))
        out.append(np.argmax(np.asarray(logits), axis=1))
    return np.concatenate(out) if out else np.zeros(0, dtype=int)


def _error(model, x, y) -> float:
    return float(np.mean(_predictions(model, x) != y))


def _make_step(model, optimizer, aux_weight: float, eager: bool):
    """The training step: loss (main plus weighted auxiliary outputs), SGD
    update, and the norm of the gradient at the first convolution's kernel."""
    import keras
    import tensorflow as tf

    conv1_kernel = _first_conv(model).kernel
    variables = model.trainable_variables
    conv1_index = next(i for i, v in enumerate(variables) if v.path == conv1_kernel.path)

    def loss_of(outputs, labels):
        if isinstance(outputs, (list, tuple)):
            main, *aux = outputs
        else:
            main, aux = outputs, []
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, main, from_logits=True))
        for extra in aux:  # GoogLeNet Sec. 5: auxiliary losses weighted and added
            loss += aux_weight * tf.reduce_mean(
                keras.losses.sparse_categorical_crossentropy(labels, extra, from_logits=True)
            )
        return loss

    def train_step(images, labels):
        with tf.GradientTape() as tape:
            loss = loss_of(model(images, training=True), labels)
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))
        return loss, tf.norm(grads[conv1_index])

    return train_step if eager else tf.function(train_step, reduce_retracing=True)


class Outcome(NamedTuple):
    """What one arm and seed measured: the rows of its metrics CSV, and
    which test images the final network got right (None for a run that
    never looked at the test images: learning-rate selection)."""

    rows: List[Row]
    correct: Optional[np.ndarray]


def train_arm(
    experiment: Experiment,
    arm: Arm,
    seed: int,
    data: LabData,
    *,
    learning_rate: float,
    epochs: int,
    steps_per_epoch: Optional[int],
    on_epoch: Callable[[int], None] = lambda epoch: None,
    eager: bool = False,
    cache: Optional[dict] = None,
    measure_test: bool = True,
) -> Outcome:
    """Train ``arm`` from seed ``seed`` at ``learning_rate``; every measured
    number as `Row`s, and the per-image correctness on the test images.

    Each epoch measures the training error (the whole training set, in
    inference mode), the validation error and, with ``measure_test``, the
    test error. With the experiment's early stopping the run ends when the
    validation error has not improved for its patience, and the network of
    the best epoch is the one measured at the end. ``eager`` runs the step
    without ``tf.function``. ``cache``: a dict kept across the seeds of one
    arm (see below).
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    fresh = networks.build(arm.network, data.input_shape, data.classes, dict(arm.options))
    quantities = {m.quantity for m in experiment.measures}
    rows: List[Row] = []
    if quantities & {"params", "macs", "receptive_field"}:
        rows += architecture_rows(fresh)
    if quantities & {"init_activation_std", "init_grad_std"}:
        rows += init_profile_rows(fresh, data)

    # Tracing the step costs more than a short run on a deep network (20 s
    # for a 56-layer one on a busy 2-core machine). So the first seed's
    # model and traced step are kept for the arm's other seeds (and other
    # learning rates), which copy in their own freshly drawn weights and
    # start with zeroed momentum: the same start as a new model, without
    # tracing again.
    key = (arm.network, repr(sorted(arm.options.items())), arm.aux_loss_weight, eager)
    if cache is not None and key in cache:
        model, optimizer, train_step = cache[key]
        model.set_weights(fresh.get_weights())
        for variable in optimizer.variables:
            variable.assign(tf.zeros(variable.shape, variable.dtype))
    else:
        model = fresh
        optimizer = keras.optimizers.SGD(learning_rate=learning_rate, momentum=experiment.momentum)
        train_step = _make_step(model, optimizer, float(arm.aux_loss_weight), eager)
        if cache is not None:
            cache.clear()  # one arm at a time: free the previous arm's graph
            cache[key] = (model, optimizer, train_step)

    n = len(data.x_train)
    # The training error of each epoch: on every training image, or on a
    # fixed sample (the same for every arm and seed) where that costs too much.
    sample = slice(None)
    if experiment.train_error_images is not None and experiment.train_error_images < n:
        sample = np.sort(
            np.random.default_rng(TRAIN_SAMPLE_SEED).choice(n, experiment.train_error_images, replace=False)
        )
    batch = min(experiment.batch_size, n)
    steps = steps_per_epoch or n // batch
    stopping = experiment.early_stopping
    rng = np.random.default_rng(seed)
    order, cursor = rng.permutation(n), 0
    reached_at = None
    best_error, best_epoch, best_weights = math.inf, 0, None
    train_errors = {}
    trained = 0
    for epoch in range(1, epochs + 1):
        lr = learning_rate / 10 if epoch <= experiment.warmup_epochs else learning_rate
        optimizer.learning_rate.assign(lr)
        losses, norms = [], []
        for _ in range(steps):
            if cursor + batch > n:
                order, cursor = rng.permutation(n), 0
            index = order[cursor : cursor + batch]
            cursor += batch
            images = data.x_train[index]
            if arm.augment:
                images = augment_batch(images, rng)
            loss, norm = train_step(images, data.y_train[index])
            losses.append(float(loss))
            norms.append(float(norm))
        trained = epoch
        train_loss = float(np.mean(losses))
        if not math.isfinite(train_loss):
            train_loss = float("nan")
        train_error = _error(model, data.x_train[sample], data.y_train[sample])
        val_error = _error(model, data.x_val, data.y_val)
        train_errors[epoch] = train_error
        rows += [
            Row("epoch", epoch, "train_loss", train_loss),
            Row("epoch", epoch, "train_error", train_error),
            Row("epoch", epoch, "val_error", val_error),
            Row("epoch", epoch, "gap", val_error - train_error),
            Row("epoch", epoch, "conv1_grad_norm", float(np.mean(norms))),
        ]
        if reached_at is None and experiment.error_threshold is not None and train_error <= experiment.error_threshold:
            reached_at = epoch
        if val_error < best_error - (stopping.min_delta if stopping else 0.0):
            best_error, best_epoch = val_error, epoch
            if stopping is not None:
                best_weights = model.get_weights()
        on_epoch(epoch)
        if stopping is not None and epoch - best_epoch >= stopping.patience:
            break
        if experiment.stop_at_threshold and reached_at is not None:
            break
    if stopping is not None and best_weights is not None:
        model.set_weights(best_weights)  # the network of the best epoch is the one measured
    rows += [
        Row("scalar", None, "learning_rate", float(learning_rate)),
        Row("scalar", None, "epochs_trained", float(trained)),
        Row("scalar", None, "best_epoch", float(best_epoch)),
        Row("scalar", None, "steps_to_best", float(best_epoch * steps)),
    ]
    if experiment.error_threshold is not None:
        # Not reached: the epochs trained, a lower bound, flagged in "reached".
        rows.append(Row("scalar", None, "epochs_to_threshold", float(reached_at or trained)))
        rows.append(Row("scalar", None, "reached_threshold", 1.0 if reached_at else 0.0))
    correct = None
    if measure_test:
        # The test images, once, on the network the run ends with (its best
        # epoch's with early stopping, else its last), and that network's
        # training error as measured in its epoch.
        correct = _predictions(model, data.x_test) == data.y_test
        test_error = float(np.mean(~correct))
        measured = best_epoch if stopping is not None and best_weights is not None else trained
        rows += [
            Row("scalar", None, "test_error", test_error),
            Row("scalar", None, "test_gap", test_error - train_errors[measured]),
            Row("scalar", None, "test_images", float(len(correct))),
        ]
    return Outcome(rows, correct)
