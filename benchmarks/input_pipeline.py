"""Is the image-folder pipeline the bottleneck? Its images/s beside the model's.

    python benchmarks/input_pipeline.py [--data DIR] [--model alexnet]
        [--input-size 224] [--batch-size 32] [--steps 6] [--images 640]

One run measures, on the same data and the same training transform:

1. ``pipeline, decoding``: `keras_classics.training.data.train_dataset`
   alone, uncached (every image read, decoded, resized and augmented each
   time, as for a data set too large to cache);
2. ``pipeline, from cache``: the same from the in-memory cache (the
   augmentation only);
3. ``model, in-memory batch``: ``model.fit`` on one batch repeated from
   memory: the model's own training speed, no input pipeline;
4. ``model, with pipeline``: ``model.fit`` fed by the uncached pipeline,
   which is what ``keras-classics train`` does on a large image folder.

The pipeline is not the bottleneck when (1) is well above (3) and (4) is
close to (3). Pipeline and model share this machine's cores, so (4) also
shows what decoding costs the training.

Without ``--data`` it writes an Imagenette-like folder to a temporary
directory first: ``--images`` JPEGs of 500x375, 375x500 and 500x333 pixels
in 10 classes, smooth random content at JPEG quality 90. Timings are the
median of ``--repeats`` passes after one warm-up pass.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_classics.bench.report import machine, text_table  # noqa: E402

SIZES = ((500, 375), (375, 500), (500, 333))


def write_folder(root: str, images: int, classes: int = 10, seed: int = 0) -> str:
    """An Imagenette-like folder of JPEGs (needs pillow)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    for i in range(images):
        width, height = SIZES[i % len(SIZES)]
        folder = os.path.join(root, f"class{i % classes:02d}")
        os.makedirs(folder, exist_ok=True)
        # Smooth content (a low-resolution random image, upsampled) compresses
        # like a photograph; white noise would not.
        small = rng.integers(0, 256, (height // 25 + 1, width // 25 + 1, 3), dtype=np.uint8)
        image = Image.fromarray(small).resize((width, height), Image.BILINEAR)
        image.save(os.path.join(folder, f"{i:05d}.jpg"), quality=90)
    return root


def time_passes(run_pass, repeats: int):
    run_pass()  # warm-up: tracing, thread pools, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_pass()
        times.append(time.perf_counter() - start)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="image folder (default: a synthetic one)")
    parser.add_argument("--images", type=int, default=640, help="synthetic folder size")
    parser.add_argument("--model", default="alexnet")
    parser.add_argument("--input-size", type=int, default=224)
    parser.add_argument("--preprocess", default=None, help="default: the model's recipe")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=6, help="batches per timed pass")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    import keras_classics
    from keras_classics.training import data as data_lib
    from keras_classics.training import recipes
    from keras_classics.training.augment import Transforms, get_scheme
    from keras_classics.training.config import TrainConfig
    from keras_classics.training.optimizers import make_optimizer

    with tempfile.TemporaryDirectory() as scratch:
        root = args.data or write_folder(os.path.join(scratch, "images"), args.images)
        source = data_lib.scan_folder(root, 0.1, 0.1, seed=0)
        entry = keras_classics.get_entry(args.model)
        channels = entry.input_shape[-1]
        size = args.input_size
        recipe = recipes.recipe_for(args.model, entry.family, entry.input_shape[0])
        hp = recipes.resolve(
            recipe, TrainConfig(model=args.model, batch_size=args.batch_size, preprocess=args.preprocess)
        )
        transforms = Transforms(get_scheme(hp.preprocess), size, channels)
        transforms.stats = data_lib.compute_stats(source, transforms, seed=0, limit=200)
        batch, steps = args.batch_size, args.steps
        per_pass = batch * steps
        epochs = 1 + args.repeats

        def stream(cache):
            return data_lib.train_dataset(
                source,
                transforms,
                batch_size=batch,
                steps_per_epoch=steps,
                first_epoch=0,
                epochs=10_000,
                seed=0,
                cache=cache,
            )

        results = {}
        for label, cache in (("pipeline, decoding", False), ("pipeline, from cache", True)):
            iterator = iter(stream(cache))

            def one_pass():
                for _ in range(steps):
                    next(iterator)

            results[label] = time_passes(one_pass, args.repeats)

        keras.utils.set_random_seed(0)
        model = keras_classics.build(args.model, input_shape=(size, size, channels), classes=source.classes)
        outputs = len(model.outputs)
        model.compile(
            optimizer=make_optimizer(hp), loss=["sparse_categorical_crossentropy"] * outputs, jit_compile=False
        )

        class EpochTimes(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.times = []

            def on_epoch_begin(self, epoch, logs=None):
                self._start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.times.append(time.perf_counter() - self._start)

        def fit(dataset):
            timer = EpochTimes()
            model.fit(dataset, epochs=epochs, steps_per_epoch=steps, verbose=0, callbacks=[timer], shuffle=False)
            return timer.times[1:]

        x, y = next(iter(stream(True)))
        y = tuple(y for _ in range(outputs)) if outputs > 1 else y
        in_memory = tf.data.Dataset.from_tensors((x, y)).repeat()
        results["model, in-memory batch"] = fit(in_memory)
        with_outputs = stream(False)
        if outputs > 1:
            with_outputs = with_outputs.map(lambda a, b: (a, tuple(b for _ in range(outputs))))
        results["model, with pipeline"] = fit(with_outputs)

    rates = {k: per_pass / statistics.median(v) for k, v in results.items()}
    rows = [
        (label, f"{rates[label]:.1f}", f"{per_pass / max(v):.1f}-{per_pass / min(v):.1f}")
        for label, v in results.items()
    ]
    print(
        f"{args.model} at {size}x{size}x{channels}, batch {batch}, preprocess {hp.preprocess}, "
        f"{len(source.train)} training images from {'--data' if args.data else 'a synthetic folder'}"
    )
    print(text_table(("measured", "images/s (median)", "range"), rows))
    ratio = rates["pipeline, decoding"] / rates["model, in-memory batch"]
    slowdown = rates["model, with pipeline"] / rates["model, in-memory batch"]
    verdict = "not the bottleneck" if ratio > 1.5 and slowdown > 0.8 else "a bottleneck"
    print(
        f"pipeline / model: {ratio:.1f}x; training with the pipeline runs at {slowdown:.0%} of "
        f"the in-memory speed: the pipeline is {verdict}."
    )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {
                    "images_per_s": rates,
                    "seconds_per_pass": results,
                    "batch": batch,
                    "steps": steps,
                    "model": args.model,
                    "input_size": size,
                    "preprocess": hp.preprocess,
                    "machine": machine(),
                },
                handle,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
