"""ZFNet's Fig. 2 and Fig. 4 from the package: `KeepWeights` keeps exactly
the chosen epochs, a kept file restores that epoch's network, the
evolution at an epoch is the computation on that epoch's weights, and the
Fig. 2 figure shows deconvnet's own projections, one panel per patch."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest

from keras_classics import visualize as vis
from keras_classics.visualize import zfnet_figures
from keras_classics.visualize.evolution import projection_crop


def _model():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((12, 12, 1))
    x = keras.layers.Conv2D(3, 3, activation="relu", name="c1")(inputs)
    x = keras.layers.MaxPooling2D(2, name="s2")(x)
    x = keras.layers.Conv2D(4, 3, activation="relu", name="c3")(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    return model


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model trained 3 epochs with epochs 1 and 3 kept, and each
    epoch's predictions recorded as it ended."""
    folder = tmp_path_factory.mktemp("kept")
    rng = np.random.default_rng(0)
    images = rng.normal(size=(24, 12, 12, 1)).astype("float32")
    labels = rng.integers(0, 3, size=24)
    model = _model()
    predictions = {}

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            predictions[epoch + 1] = self.model.predict(images, verbose=0)

    keep = vis.KeepWeights(epochs=(1, 3), folder=str(folder))
    model.fit(images, labels, epochs=3, batch_size=8, verbose=0, shuffle=False, callbacks=[keep, Record()])
    return model, folder, images, predictions, keep


def test_keep_weights_writes_exactly_the_chosen_epochs(trained):
    _, folder, _, _, keep = trained
    assert sorted(os.listdir(folder)) == ["epoch-001.weights.h5", "epoch-003.weights.h5"]
    assert vis.kept_epochs(str(folder)) == [1, 3]
    assert keep.saved == [1, 3]


def test_a_kept_epoch_restores_that_epochs_predictions(trained):
    _, folder, images, predictions, _ = trained
    fresh = _model()
    # Epochs 1 and 3 differ, so matching one of them is not an accident.
    assert not np.allclose(predictions[1], predictions[3], atol=1e-4)
    for epoch in (1, 3):
        fresh.load_weights(vis.weights_path(str(folder), epoch))
        np.testing.assert_allclose(fresh.predict(images, verbose=0), predictions[epoch], rtol=1e-5, atol=1e-6)


def test_bad_epochs_are_refused_with_what_would_do():
    with pytest.raises(ValueError, match="from 1 up"):
        vis.KeepWeights(epochs=(0, 2))
    with pytest.raises(ValueError, match="whole numbers"):
        vis.KeepWeights(epochs=("one",))


def test_the_evolution_at_epoch_one_is_the_computation_on_epoch_ones_weights(trained):
    model, folder, images, _, _ = trained
    before = [np.array(w) for w in model.get_weights()]
    steps = vis.feature_evolution(model, str(folder), images, "c3", 1)
    assert [s.epoch for s in steps] == [1, 3]
    # The model's own (last-epoch) weights are put back.
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    direct = _model()
    direct.load_weights(vis.weights_path(str(folder), 1))
    # The strongest activation found independently: the largest of c3[1] over all images.
    maps = keras.Model(direct.inputs, direct.get_layer("c3").output).predict(images, verbose=0)[..., 1]
    image, row, col = np.unravel_index(int(np.argmax(maps)), maps.shape)
    assert (steps[0].patch.image_index, steps[0].patch.row, steps[0].patch.col) == (image, row, col)
    np.testing.assert_allclose(steps[0].patch.value, maps.max(), rtol=1e-5)
    projection = vis.deconvnet(direct, images[image], "c3", 1, (row, col))
    np.testing.assert_allclose(steps[0].projection.pixels, projection.pixels, rtol=1e-5, atol=1e-7)
    with pytest.raises(vis.VisualizeError, match=r"epoch\(s\) \[2\].*holds epochs \[1, 3\]"):
        vis.feature_evolution(model, str(folder), images, "c3", 1, epochs=(2,))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_evolution_figure_has_a_row_per_epoch(trained, language):
    model, folder, images, _, _ = trained
    steps = vis.feature_evolution(model, str(folder), images, "c3", 1)
    figure = zfnet_figures.evolution_figure(steps, image_shape=(12, 12), language=language)
    assert len([a for a in figure.axes if a.get_gid() == "projection"]) == 2
    assert len([a for a in figure.axes if a.get_gid() == "patch"]) == 2


@pytest.mark.parametrize("language", ["en", "zh"])
def test_fig_2_shows_deconvnets_projections_one_panel_per_patch(trained, language):
    model, _, images, _, _ = trained
    units = vis.patches_and_projections(model, images, {"c1": [0, 2], "c3": [1]}, k=4)
    figure = zfnet_figures.patches_and_projections_figure(units, columns=2, language=language)
    shown = [a for a in figure.axes if a.get_gid() == "projection"]
    assert len(shown) == 3 * 4
    assert len([a for a in figure.axes if a.get_gid() == "patch"]) == 3 * 4
    # Each projection panel shows deconvnet's output for its patch's unit,
    # cut to that unit's receptive field (grey images: one channel).
    expected = []
    for unit in units:
        for patch in unit.patches:
            projection = vis.deconvnet(
                model, images[patch.image_index], unit.layer, unit.channel, (patch.row, patch.col)
            )
            expected.append(projection_crop(projection)[..., 0])
    # Panels are drawn unit by unit, row by row: the axes order is the grid's.
    order = sorted(shown, key=lambda a: (a.get_subplotspec().rowspan.start, a.get_subplotspec().colspan.start))
    for axis, want in zip(order, expected):
        np.testing.assert_allclose(np.asarray(axis.images[0].get_array()), want, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="at least one unit"):
        zfnet_figures.patches_and_projections_figure([])


def test_keras_classics_train_keeps_the_epochs_given_on_the_command_line(tmp_path, capsys):
    from keras_classics.cli import main

    run = tmp_path / "run"
    assert (
        main(
            ["train", "lenet5_modern", "--epochs", "2", "--keep-weights", "2", "--run-dir", str(run), "--verbose", "0"]
        )
        == 0
    )
    assert sorted(os.listdir(run / "kept-weights")) == ["epoch-002.weights.h5"]
    status = main(
        ["train", "lenet5_modern", "--keep-weights", "0,x", "--run-dir", str(tmp_path / "bad"), "--verbose", "0"]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err[-1].startswith("keras-classics train: error: --keep-weights: epochs must be whole numbers from 1 up")
