"""The registry: names, errors, public builders, and one spec file per model."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import keras_classics
from keras_classics import registry
from keras_classics.spec.loader import SPEC_DIR, read_model_name, spec_files

MODELS = keras_classics.list_models()


def test_list_models_is_non_empty_and_unique():
    assert MODELS, "no model is registered"
    duplicates = sorted({name for name in MODELS if MODELS.count(name) > 1})
    assert not duplicates, f"registered more than once: {duplicates}"
    assert all(name == name.lower() and " " not in name for name in MODELS)


def test_families_narrow_the_list():
    families = {keras_classics.get_entry(name).family for name in MODELS}
    for family in families:
        members = keras_classics.list_models(family)
        assert members and set(members) <= set(MODELS)
    assert sum(len(keras_classics.list_models(f)) for f in families) == len(MODELS)


def test_build_by_name():
    # The smallest default input builds fastest.
    name = min(MODELS, key=lambda n: keras_classics.get_entry(n).input_shape[:2])
    entry = keras_classics.get_entry(name)
    model = keras_classics.build(name)
    assert model.name == name
    assert tuple(model.inputs[0].shape[1:]) == entry.input_shape


@pytest.mark.parametrize("name", MODELS)
def test_an_unknown_name_lists_the_known_ones_and_suggests_the_closest(name):
    typo = name + "x"  # closer to `name` than to any other registered name
    if typo in MODELS:
        pytest.fail(f"{typo!r} is registered; choose another mutation")
    with pytest.raises(keras_classics.UnknownModelError) as error:
        keras_classics.build(typo)
    message = str(error.value)
    assert f"unknown model {typo!r}" in message
    assert f"Did you mean {name!r}?" in message
    assert all(known in message for known in MODELS)
    assert isinstance(error.value, ValueError)


def test_an_unknown_name_far_from_every_model_suggests_nothing():
    with pytest.raises(keras_classics.UnknownModelError) as error:
        keras_classics.get_entry("zzzzzzzzzzzzzzzz")
    assert "Did you mean" not in str(error.value)


def test_registering_a_name_twice_fails():
    entry = keras_classics.get_entry(MODELS[0])
    with pytest.raises(ValueError, match="already registered"):
        registry.register(
            entry.name, entry.builder, family=entry.family, summary=entry.summary, input_shape=entry.input_shape
        )


def test_builders_resolve_as_package_attributes():
    from keras_classics.models import public_builders

    builders = public_builders()
    assert builders
    for name, builder in builders.items():
        assert getattr(keras_classics, name) is builder, name
    # Every registered model is built by a public builder.
    for name in MODELS:
        builder = keras_classics.get_entry(name).builder
        assert getattr(keras_classics, builder.__name__, None) is builder, (name, builder.__name__)
    with pytest.raises(AttributeError):
        keras_classics.no_such_builder  # noqa: B018


def test_arithmetic_imports_without_tensorflow_or_keras():
    code = textwrap.dedent("""
        import sys
        import keras_classics.arithmetic
        assert keras_classics.arithmetic.conv_output_size(227, 11, stride=4) == 55
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
        print(heavy)
        sys.exit(1 if heavy else 0)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------
# Registry <-> spec/
# --------------------------------------------------------------------------


def test_every_registered_model_has_a_spec_file():
    missing = [name for name in MODELS if not (SPEC_DIR / f"{name}.yaml").is_file()]
    assert not missing, f"registered models without spec/<name>.yaml: {missing}"


def test_every_spec_file_is_a_registered_model_of_its_name():
    problems = []
    for path in spec_files():
        model = read_model_name(path)
        if model != path.stem:
            problems.append(f"{path.name}: model is {model!r}, not its file name {path.stem!r}")
        elif model not in MODELS:
            problems.append(f"{path.name}: {model!r} is not registered")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------
# One naming rule, one recipe per entry
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: keras_classics.resnet18(False, input_shape=(32, 32, 3), residual=False), "plain18"),
        (lambda: keras_classics.resnet(False, input_shape=(32, 32, 3), depth=18, residual=False), "plain18"),
        (lambda: keras_classics.resnet50(False, input_shape=(32, 32, 3), stride_placement="v1.5"), "resnet50_v1_5"),
        (lambda: keras_classics.cifar_resnet(False, depth=20, residual=False), "plain20"),
        (lambda: keras_classics.vgg11(False, input_shape=(32, 32, 3), batch_norm=True), "vgg11_bn"),
    ],
)
def test_one_naming_rule_whichever_builder_makes_the_network(make, expected):
    # "plain18" is not registered, but resnet18 and resnet must agree on it.
    assert make().name == expected


def test_every_entry_names_a_training_recipe():
    from keras_classics.training import recipes

    unknown = {
        n: keras_classics.get_entry(n).recipe
        for n in MODELS
        if keras_classics.get_entry(n).recipe not in recipes.RECIPES
    }
    assert not unknown, f"entries whose recipe is not in RECIPES: {unknown}"
    assert keras_classics.get_entry("resnet20").recipe == "resnet_cifar"
    assert keras_classics.get_entry("resnet50").recipe == "resnet"
