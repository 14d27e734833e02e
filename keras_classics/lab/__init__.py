"""The lab: small re-runs of the papers' experiments, measured by the package.

An experiment is data (`keras_classics.lab.spec.Experiment`, the eleven in
`keras_classics.lab.experiments`); `keras_classics.lab.runner.run_experiment`
runs any of them and writes its metrics, summary, table and figures.
From the command line: ``keras-classics lab list | run NAME | run --all``.

Importing this package is cheap: TensorFlow is imported when a run starts.
"""

from keras_classics.lab.experiments import EXPERIMENTS, get
from keras_classics.lab.spec import Arm, Check, Experiment, Measure

__all__ = ["EXPERIMENTS", "get", "Arm", "Check", "Experiment", "Measure"]
