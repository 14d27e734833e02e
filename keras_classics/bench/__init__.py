"""keras_classics side by side with keras.applications, on this machine.

One run measures, after a warm-up, with the competitors alternating:

* VGG16, VGG19, ResNet50, ResNet101, ResNet152, built by keras_classics and
  by keras.applications: training images/s (``model.fit`` on synthetic
  data), inference images/s (``model.predict``) and peak resident memory;
* the machine's float32 matmul peak (2048 x 2048 through TensorFlow), and
  for every registered network the achieved GFLOP/s (from our MAC count)
  against it;
* AlexNet with one tower against the paper's two towers, and our
  ``GroupedConv2D`` against ``keras.layers.Conv2D(groups=2)``.

It reports medians over ``--repeats`` rounds with their min-max spread and
the ratio ours/theirs (from wall time, and from CPU time, which a busy
machine disturbs less), profiles one training batch of VGG16 and ResNet50 on
both sides op by op, and writes the tables, the machine and this command to
``docs/performance.md``. The default run is sized to finish within 15
minutes on a quiet 2-core machine (the page says how long it took and where
the time went); ``--quick`` is a smoke test of every part on tiny inputs (it
writes nothing unless given ``--output``).

The parts: `settings` (what a run measures), `running` (the pool of worker
processes and the plan of a run; `worker` is the process that imports
TensorFlow and times), `statistics` (rounds, spreads, rates and ratios),
`report` (the machine, the tables and the page) and `command` (the options
of ``keras-classics bench`` and ``benchmarks/bench.py``). See "How it is
measured" in the page it writes.

Usage::

    keras-classics bench                       # the full run, under 15 min
    keras-classics bench --quick               # smoke test, under a minute
    python benchmarks/bench.py --models vgg16 resnet50 --sweep none
"""

from keras_classics.bench.command import (
    DEFAULT_OUTPUT,
    DESCRIPTION,
    add_arguments,
    chinese_twin,
    main,
    output_path,
    run,
    settings_from,
)
from keras_classics.bench.settings import BenchError, Settings, quick_settings

__all__ = [
    "BenchError",
    "Settings",
    "quick_settings",
    "add_arguments",
    "settings_from",
    "output_path",
    "chinese_twin",
    "run",
    "main",
    "DEFAULT_OUTPUT",
    "DESCRIPTION",
]
