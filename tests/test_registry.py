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


# --------------------------------------------------------------------------
# Finding things: patterns, the static list of names, every name a builder
# --------------------------------------------------------------------------


def test_the_static_list_of_names_is_the_registry():
    # The command line refuses a mistyped name from registry.NAMES, before
    # any network (and Keras) is imported: it must be the registry, in order.
    listed = [(family, name) for family, names in registry.NAMES.items() for name in names]
    actual = [(keras_classics.get_entry(name).family, name) for name in MODELS]
    assert listed == actual


def test_check_name_refuses_a_typo_without_importing_keras():
    code = textwrap.dedent("""
        import sys
        from keras_classics import registry
        assert registry.check_name("resnet20") == "resnet20"
        try:
            registry.check_name("alexnett")
        except registry.UnknownModelError as error:
            print(error)
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "jax"))
        sys.exit(1 if heavy else 0)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unknown model 'alexnett'. Did you mean 'alexnet'?" in result.stdout


def _by_hand(pattern):
    # An independent reading of a shell pattern: a regular expression.
    import re

    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return [name for name in MODELS if re.fullmatch(regex, name)]


@pytest.mark.parametrize("pattern", ["resnet*", "*_bn", "vgg1?", "plain*", "*net*", "resnet*_v1_5", "vgg16*"])
def test_list_models_takes_shell_patterns(pattern):
    found = keras_classics.list_models(pattern)
    assert found, pattern
    assert found == _by_hand(pattern)


def test_list_models_patterns_keep_the_family_filter_and_case():
    assert keras_classics.list_models("resnet*") == [n for n in _by_hand("resnet*")]
    assert "plain20" not in keras_classics.list_models("resnet*")
    assert keras_classics.list_models("*20", family="resnet") == ["resnet20", "plain20"]
    assert keras_classics.list_models("ResNet5*") == ["resnet50", "resnet50_v1_5", "resnet56"]
    assert keras_classics.list_models(["lenet*", "zfnet"]) == ["lenet5", "lenet5_modern", "zfnet"]
    # A valid pattern that matches nothing is an empty answer, not an error.
    assert keras_classics.list_models("resnet9*") == []
    assert keras_classics.list_models("vgg*", family="lenet") == []


def test_list_models_by_family_name_as_before():
    assert keras_classics.list_models("vgg") == keras_classics.list_models(family="vgg")
    assert keras_classics.list_models("googlenet") == ["googlenet", "googlenet_aux"]
    assert keras_classics.list_models("resnet20") == ["resnet20"]


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: keras_classics.list_models("resnt"), keras_classics.UnknownModelError, "add a '*'"),
        (lambda: keras_classics.list_models("alexnett"), keras_classics.UnknownModelError, "Did you mean 'alexnet'?"),
        (lambda: keras_classics.list_models(family="resnt"), ValueError, "the families are lenet, alexnet"),
        (lambda: keras_classics.list_models(3), TypeError, "shell-style pattern"),
        (lambda: keras_classics.list_models([]), TypeError, "shell-style pattern"),
    ],
)
def test_list_models_refuses_a_misuse_with_what_would_work(call, error, words):
    with pytest.raises(error) as raised:
        call()
    assert words in str(raised.value)


@pytest.mark.parametrize("name", MODELS)
def test_every_registered_name_is_a_builder_attribute(name):
    assert name in dir(keras_classics)
    builder = getattr(keras_classics, name)
    assert callable(builder) and builder.__name__ == name
    assert getattr(keras_classics, name) is builder  # one object, not a new one per access


def test_a_registered_variant_builds_what_build_builds():
    model = keras_classics.resnet20()
    entry = keras_classics.get_entry("resnet20")
    by_name = keras_classics.build("resnet20")
    assert model.name == "resnet20" and model.count_params() == by_name.count_params()
    # He et al. 2016, Sec. 4.2: 6n+2 = 20 weighted layers for n = 3 (19 conv + 1 dense).
    weighted = [layer for layer in model.layers if type(layer).__name__ in ("Conv2D", "Dense")]
    assert len(weighted) == 20
    assert tuple(model.inputs[0].shape[1:]) == entry.input_shape and model.output_shape == (None, 10)
    # The contract arguments still work, positionally too.
    assert keras_classics.resnet20(False, None, None, (32, 32, 3), "avg").output_shape == (None, 64)


def test_alexnet_two_tower_attribute_builds_the_two_towers():
    model = keras_classics.alexnet_two_tower(input_shape=(227, 227, 3))
    plain = keras_classics.alexnet(input_shape=(227, 227, 3))
    assert model.name == "alexnet_two_tower"
    # Krizhevsky et al. 2012, Fig. 2: conv2, conv4 and conv5 see only their own tower's half,
    # so the two-tower network has fewer weights than the one-tower one.
    assert model.count_params() < plain.count_params()


def test_a_variant_says_what_it_fixes_in_its_signature_and_help():
    import inspect

    variant = keras_classics.resnet20
    signature = inspect.signature(variant)
    assert "depth" not in signature.parameters and "residual" not in signature.parameters
    assert signature.parameters["classes"].default == 10
    assert signature.parameters["name"].default == "resnet20"
    assert signature.parameters["shortcut"].kind is inspect.Parameter.KEYWORD_ONLY
    doc = variant.__doc__
    assert "keras_classics.cifar_resnet" in doc and "depth=20, residual=True" in doc and "fixed" in doc
    assert "help(keras_classics.cifar_resnet)" in doc
    with pytest.raises(
        TypeError, match=r"resnet20\(\) fixes depth=20; for another value call keras_classics.cifar_resnet"
    ):
        variant(depth=32)
    with pytest.raises(TypeError):
        variant(no_such_option=1)


def test_a_misspelt_attribute_names_the_closest_builders():
    with pytest.raises(AttributeError) as error:
        keras_classics.alexnett  # noqa: B018
    message = str(error.value)
    assert "no attribute 'alexnett'" in message
    assert "keras_classics.alexnet" in message
    with pytest.raises(AttributeError) as error:
        keras_classics.resnet21  # noqa: B018
    assert "keras_classics.resnet20" in str(error.value)
    with pytest.raises(AttributeError) as error:
        keras_classics.zzzzzz  # noqa: B018
    assert "did you mean" not in str(error.value)
