"""Weights trained on another number of classes: every layer loads but the
classifier, with a warning that names it and why (as timm does with
``num_classes``); any other mismatch stays an error. Each of the three
kinds of weights file goes through the same path.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import keras_classics  # noqa: E402


def _save(model, folder, kind):
    if kind == ".weights.h5":
        path = folder / "trained.weights.h5"
        model.save_weights(path)
    elif kind == ".keras":
        path = folder / "trained.keras"
        model.save(path)
    else:  # Keras 2's .h5 weights, as keras.applications ships them
        import h5py
        from keras.src.legacy.saving import legacy_h5_format

        path = folder / "trained.h5"
        with h5py.File(path, "w") as handle:
            legacy_h5_format.save_weights_to_hdf5_group(handle, model)
    return str(path)


def _same(a, b):
    return [np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights())]


@pytest.fixture(scope="module")
def trained_lenet(tmp_path_factory):
    """LeNet-5 in the paper's form at 10 classes, its weights moved off
    their initialisation (so that a loaded layer is told from a fresh one),
    saved in the three kinds of file."""
    folder = tmp_path_factory.mktemp("lenet")
    model = keras_classics.lenet5()
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.normal(0, 0.1, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model, {kind: _save(model, folder, kind) for kind in (".weights.h5", ".keras", ".h5")}


@pytest.mark.parametrize("kind", [".weights.h5", ".keras", ".h5"])
def test_another_number_of_classes_loads_all_but_the_classifier(trained_lenet, kind):
    source, files = trained_lenet
    with pytest.warns(UserWarning) as caught:
        model = keras_classics.lenet5(True, files[kind], classes=7)
    assert model.output_shape == (None, 7)
    # The paper's output layer is the RBF layer "output" (84 x classes prototypes):
    # the only layer whose shape depends on the number of classes.
    ours = [w for w in caught if "classes" in str(w.message)]
    assert len(ours) == 1, [str(w.message) for w in caught]
    message = str(ours[0].message)
    assert "are for 10 classes and this model has 7" in message
    assert "but the classifier, output," in message and "Pass classes=10" in message
    assert ours[0].filename == __file__  # it points at the caller's line
    for layer in model.layers:
        theirs = source.get_layer(layer.name)
        if layer.name == "output":
            assert layer.get_weights()[0].shape != theirs.get_weights()[0].shape
        else:
            assert all(_same(layer, theirs)), layer.name


def test_the_brief_s_call_on_a_trained_run_folder_file(tmp_path):
    # kc.lenet5(True, 'runs/lenet5/best.keras', classes=7), on a run's best.keras.
    from keras_classics.training import train

    run = tmp_path / "run"
    train(model="lenet5", epochs=1, steps_per_epoch=2, run_dir=str(run), verbose=0)
    with pytest.warns(UserWarning, match="are for 10 classes and this model has 7"):
        model = keras_classics.lenet5(True, str(run / "best.keras"), classes=7)
    trained = keras_classics.load_model(str(run / "best.keras"))
    assert all(_same(model.get_layer("c1"), trained.get_layer("c1")))
    assert model.output_shape == (None, 7)


def test_auxiliary_classifiers_are_left_out_too(tmp_path):
    # GoogLeNet with Section 5's auxiliary classifiers has three layers whose
    # shape depends on the classes. Small input: the graph is what matters.
    source = keras_classics.googlenet(input_shape=(224, 224, 3), classes=5, aux_classifiers=True)
    path = _save(source, tmp_path, ".weights.h5")
    with pytest.warns(UserWarning) as caught:
        model = keras_classics.googlenet(input_shape=(224, 224, 3), classes=3, aux_classifiers=True, weights=path)
    message = next(str(w.message) for w in caught if "classes" in str(w.message))
    skipped = message.split("but the classifier, ", 1)[1].split(", which", 1)[0]
    assert sorted(skipped.split(", ")) == ["aux1_predictions", "aux2_predictions", "predictions"]
    assert all(_same(model.get_layer("inception5b_1x1"), source.get_layer("inception5b_1x1")))


def test_the_same_classes_load_silently_and_whole(trained_lenet):
    source, files = trained_lenet
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = keras_classics.lenet5(True, files[".weights.h5"])
    assert all(_same(model, source))


@pytest.mark.parametrize("kind", [".weights.h5", ".keras"])
def test_any_other_mismatch_stays_an_error(trained_lenet, kind, tmp_path):
    _, files = trained_lenet
    # The modern variant: other layers altogether.
    with pytest.raises(ValueError, match="do not fit"):
        keras_classics.lenet5(True, files[kind], variant="modern", classes=7)
    # Another input size changes F6 (it reads all of C5) as well as the classes.
    with pytest.raises(ValueError, match="do not fit"):
        keras_classics.lenet5(True, files[kind], input_shape=(36, 36, 1), classes=7)
