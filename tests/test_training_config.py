"""Settings, recipes, the command line's parser and the multi-worker patch's
version gate: everything about training that needs no model.

Recipe numbers are the papers' (AlexNet Sec. 5, VGG Sec. 3.1, GoogLeNet
Sec. 6, ResNet Sec. 3.4), typed here from the papers.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from keras_classics.training import multiworker_patch
from keras_classics.training.config import TrainConfig
from keras_classics.training.recipes import RECIPES, recipe_for, resolve, scheduled_rate


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"epochs": 0}, "epochs must be positive"),
        ({"batch_size": -4}, "batch_size must be positive"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"lr_factor": 1.5}, r"lr_factor must be in \(0, 1\)"),
        ({"val_fraction": 0.5, "test_fraction": 0.45}, "at least 10%"),
        ({"strategy": "tpu"}, "strategy must be one of"),
        ({"verbose": 3}, "verbose must be"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(settings, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**settings)


def test_settings_round_trip_through_json():
    config = TrainConfig(model="vgg16", lr_milestones=[30, 60], epochs=3)
    assert config.lr_milestones == (30, 60)
    again = TrainConfig.from_dict(config.to_dict())
    assert again == config
    with pytest.raises(ValueError, match="unknown training setting"):
        TrainConfig.from_dict({"model": "x", "learning_rte": 1})


@pytest.mark.parametrize(
    "family, lr, batch, momentum, decay",
    [
        ("alexnet", 0.01, 128, 0.9, 5e-4),  # AlexNet Sec. 5
        ("vgg", 0.01, 256, 0.9, 5e-4),  # VGG Sec. 3.1
        ("resnet", 0.1, 256, 0.9, 1e-4),  # ResNet Sec. 3.4
    ],
)
def test_paper_recipes(family, lr, batch, momentum, decay):
    recipe = RECIPES[family]
    assert (recipe.optimizer, recipe.learning_rate, recipe.batch_size) == ("sgd", lr, batch)
    assert (recipe.momentum, recipe.weight_decay) == (momentum, decay)
    assert recipe.schedule == "plateau" and recipe.lr_factor == 0.1


def test_googlenet_recipe_decays_four_percent_every_eight_epochs():
    hp = resolve(RECIPES["googlenet"], TrainConfig(model="googlenet"))
    assert hp.aux_loss_weight == 0.3
    assert scheduled_rate(hp, 0) == pytest.approx(0.01)
    assert scheduled_rate(hp, 7) == pytest.approx(0.01)
    assert scheduled_rate(hp, 8) == pytest.approx(0.01 * 0.96)
    assert scheduled_rate(hp, 16) == pytest.approx(0.01 * 0.96**2)


def test_learning_rate_scales_with_the_batch_and_flags_win():
    recipe = RECIPES["alexnet"]
    hp = resolve(recipe, TrainConfig(model="alexnet", batch_size=32))
    assert hp.learning_rate == pytest.approx(0.01 * 32 / 128)
    assert hp.lr_scaled_from == "0.01 at batch 128"
    hp = resolve(
        recipe,
        TrainConfig(model="alexnet", batch_size=32, learning_rate=0.2, epochs=3, optimizer="adam", weight_decay=0.0),
    )
    assert (hp.learning_rate, hp.epochs, hp.optimizer, hp.weight_decay) == (0.2, 3, "adam", 0.0)
    assert hp.lr_scaled_from is None


def test_step_schedule_needs_increasing_milestones():
    recipe = RECIPES["resnet"]
    hp = resolve(recipe, TrainConfig(model="resnet50", schedule="step", lr_milestones=(30, 60)))
    assert hp.lr_factor == 0.1
    assert [scheduled_rate(hp, e) for e in (29, 30, 59, 60)] == pytest.approx([0.1, 0.01, 0.01, 0.001])
    with pytest.raises(ValueError, match="--lr-milestones"):
        resolve(recipe, TrainConfig(model="resnet50", schedule="step"))
    with pytest.raises(ValueError, match="increase strictly"):
        resolve(recipe, TrainConfig(model="resnet50", schedule="step", lr_milestones=(60, 30)))


def test_every_registered_network_has_a_recipe():
    from keras_classics import registry

    for name in registry.list_models():
        recipe = recipe_for(name, registry.get_entry(name).family)
        assert recipe.source != "none: AlexNet's recipe", name


def test_cifar_resnets_take_the_cifar_recipe():
    # He et al. Sec. 4.2: 0.1, batch 128, divided by 10 at 32k and 48k of
    # 64k iterations; 45,000 / 128 = 352 iterations per epoch.
    recipe = recipe_for("resnet56", "resnet", 32)
    assert recipe.preprocess == "resnet_cifar" and recipe.schedule == "step"
    assert recipe.lr_milestones == (round(32000 / 352), round(48000 / 352))
    assert recipe.epochs == round(64000 / 352)
    assert recipe_for("resnet50", "resnet", 224).preprocess == "resnet"


def test_the_registry_entry_names_the_recipe_a_run_takes():
    from keras_classics import registry

    # The CIFAR ResNets (Sec. 4.2) and their plain twins train with the CIFAR
    # recipe, the ImageNet ResNets (Sec. 3.4) with the ImageNet one.
    for name in ("resnet20", "plain56", "resnet110"):
        entry = registry.get_entry(name)
        assert recipe_for(name, recipe_name=entry.recipe).preprocess == "resnet_cifar", name
    entry = registry.get_entry("resnet50_v1_5")
    assert recipe_for("resnet50_v1_5", recipe_name=entry.recipe).preprocess == "resnet"
    with pytest.raises(ValueError, match="unknown recipe 'sgd9'.*known recipes: .*alexnet"):
        recipe_for("resnet20", recipe_name="sgd9")


def test_unknown_networks_fall_back_to_plain_sgd():
    assert recipe_for("my_net").optimizer == "sgd"


# -- the command line ----------------------------------------------------------
def test_registering_the_command_does_not_import_tensorflow():
    code = (
        "import sys\n"
        "from keras_classics.cli import make_parser\n"
        "args = make_parser().parse_args(['train', 'lenet5', '--epochs', '2'])\n"
        "assert args.handler is not None\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'imported TF'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_flags_become_settings():
    from keras_classics.cli import make_parser
    from keras_classics.training.cli import config_from_args

    args = make_parser().parse_args(
        [
            "train",
            "vgg16",
            "--data",
            "/images",
            "--epochs",
            "3",
            "--batch-size",
            "64",
            "--lr",
            "0.02",
            "--optimizer",
            "sgd",
            "--schedule",
            "step",
            "--lr-milestones",
            "2,3",
            "--no-augment",
            "--strategy",
            "mirrored",
            "--run-dir",
            "r",
            "--mixed-precision",
        ]
    )
    config = config_from_args(args)
    assert (config.model, config.data, config.epochs, config.batch_size) == ("vgg16", "/images", 3, 64)
    assert (config.learning_rate, config.schedule, config.lr_milestones) == (0.02, "step", (2, 3))
    assert config.augment is False and config.mixed_precision is True
    assert (config.strategy, config.run_dir) == ("mirrored", "r")


def test_no_flag_gives_every_setting_its_default():
    # The flags are made from TrainConfig's fields: leaving them all out
    # must give exactly TrainConfig's own defaults (the recipe decides the
    # rest).
    from keras_classics.cli import make_parser
    from keras_classics.training.cli import config_from_args

    config = config_from_args(make_parser().parse_args(["train", "resnet18"]))
    assert config == TrainConfig(model="resnet18")
    assert (config.val_fraction, config.test_fraction, config.seed) == (0.10, 0.15, 1337)
    assert config.epochs is None and config.augment is True and config.cluster_timeout == 300.0


def test_every_setting_but_extra_is_a_flag(capsys):
    import dataclasses

    from keras_classics.cli import make_parser

    with pytest.raises(SystemExit):
        make_parser().parse_args(["train", "--help"])
    shown = capsys.readouterr().out
    for setting in dataclasses.fields(TrainConfig):
        flag = {"model": "NAME", "learning_rate": "--lr", "augment": "--no-augment"}.get(
            setting.name, "--" + setting.name.replace("_", "-")
        )
        assert (flag in shown) is (setting.name != "extra"), setting.name


def test_the_model_is_looked_up_once_with_its_registered_input():
    from keras_classics.training.run import choose_model

    # ResNet-20 is a CIFAR-10 network (He et al. 2016, Sec. 4.2): 32x32x3.
    choice = choose_model(TrainConfig(model="resnet20"))
    assert (choice.family, choice.input_shape, choice.registered_side) == ("resnet", (32, 32, 3), 32)
    assert recipe_for("resnet20", choice.family, choice.registered_side).network == "ResNet (CIFAR-10)"
    wider = choose_model(TrainConfig(model="resnet20", input_size=64))
    assert (wider.input_shape, wider.registered_side) == ((64, 64, 3), 32)
    # A caller's own model: 32x32, one channel unless ``extra`` says more.
    own = choose_model(TrainConfig(model="mine", extra={"family": "vgg"}), model_fn=lambda **kw: kw)
    assert (own.family, own.input_shape, own.registered_side) == ("vgg", (32, 32, 1), None)
    assert own.build(7) == {"input_shape": (32, 32, 1), "classes": 7}


def test_bad_milestones_are_a_usage_error(capsys):
    from keras_classics.cli import make_parser

    with pytest.raises(SystemExit):
        make_parser().parse_args(["train", "resnet50", "--lr-milestones", "thirty"])
    assert "30,60,80" in capsys.readouterr().err


# -- the multi-worker patch's gate ---------------------------------------------
@pytest.mark.parametrize(
    "version, needed",
    [("3.15.1", True), ("3.10.0", True), ("3.0.0", True), ("3.16.0", False), ("2.15.0", False)],
)
def test_patch_only_for_the_keras_versions_that_need_it(version, needed, monkeypatch):
    monkeypatch.delenv(multiworker_patch.ENV_VAR, raising=False)
    assert multiworker_patch.needs_patch(version) is needed


def test_patch_can_be_forced_either_way(monkeypatch):
    monkeypatch.setenv(multiworker_patch.ENV_VAR, "0")
    assert multiworker_patch.needs_patch("3.15.1") is False
    monkeypatch.setenv(multiworker_patch.ENV_VAR, "1")
    assert multiworker_patch.needs_patch("3.99.0") is True
