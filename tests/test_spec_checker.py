"""The spec checker catches what it should, on a tiny throwaway model.

tests/spec_fixtures/tiny.yaml is the spec of tests/spec_fixtures/tiny_model.py
and passes every check; each test copies it with one thing changed (or
builds the model with one thing changed) and expects the checker to name
the file, the line and the field. The last tests run the pytest plugin
itself (spec/conftest.py) through pytester.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from keras_classics.spec import check
from keras_classics.spec.loader import SpecError, expand, load_spec, read_yaml, substitute
from keras_classics.spec.model_cache import release_memory, summarize

FIXTURES = Path(__file__).resolve().parent / "spec_fixtures"
TINY_YAML = FIXTURES / "tiny.yaml"
SPEC_DIR = Path(__file__).resolve().parents[1] / "spec"


def _tiny_module():
    spec = importlib.util.spec_from_file_location("tiny_model", FIXTURES / "tiny_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tiny_model = _tiny_module()


def _summary(**kwargs):
    model = tiny_model.tiny(**kwargs)
    summary = summarize(model)
    del model
    release_memory()
    return summary


@pytest.fixture(scope="module")
def tiny_summary():
    return _summary()


def variant(tmp_path, old, new, name="tiny.yaml"):
    """tiny.yaml with ``old`` (which must occur once) replaced by ``new``."""
    text = TINY_YAML.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in tiny.yaml"
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


def line_with(path, needle, nth=1):
    """1-based number of the ``nth`` line of ``path`` that contains ``needle``."""
    hits = [k for k, line in enumerate(Path(path).read_text().splitlines(), 1) if needle in line]
    return hits[nth - 1]


def changed_layer(tmp_path, old, new, layer, needle):
    """tiny.yaml with one change (see `variant`), loaded: the spec, its layer
    ``layer`` and the number of the line holding ``needle``."""
    path = variant(tmp_path, old, new)
    spec = load_spec(path)
    return spec, spec.layer(layer), line_with(path, needle)


def layer_problems(spec, summary):
    out = []
    for layer in spec.layers:
        out += check.arithmetic_problems(spec, layer)
        out += check.model_problems(spec, layer, summary)
    return out


def all_problems(spec, summary, registered_shape=(8, 8, 3)):
    return (
        layer_problems(spec, summary)
        + check.totals_problems(spec, summary)
        + check.coverage_problems(spec, summary)
        + check.input_shape_problems(spec, summary, registered_shape)
        + check.deviation_problems(spec, summary)
        + check.choice_problems(spec)
    )


# --------------------------------------------------------------------------
# The fixture itself
# --------------------------------------------------------------------------


def test_the_tiny_spec_passes_every_check(tiny_summary):
    spec = load_spec(TINY_YAML)
    assert [layer.name for layer in spec.layers] == [
        "conv1",
        "branch_a",
        "branch_b",
        "merge",
        "merge_bn",
        "pool",
        "flatten",
        "predictions",
    ]
    assert all_problems(spec, tiny_summary) == []


def test_template_layers_carry_the_line_of_their_use():
    spec = load_spec(TINY_YAML)
    use = line_with(TINY_YAML, "{template: one_by_one")
    assert spec.layer("branch_a").line == use
    assert spec.layer("branch_b").line == use
    assert spec.layer("branch_a").params == 10  # "{n}" took the var's integer
    assert spec.layer("branch_a").inputs == ["conv1"]  # default: the previous layer
    assert spec.layer("conv1").line == line_with(TINY_YAML, "- name: conv1")


def test_the_summary_is_plain_python(tiny_summary):
    conv = tiny_summary.layers["conv1"]
    assert (conv.class_name, conv.inbound, conv.output_shape, conv.params) == (
        "Conv2D",
        ["input"],
        [8, 8, 4],
        3 * 3 * 3 * 4 + 4,
    )
    assert tiny_summary.layers["merge"].inbound == ["conv1", "branch_b"]
    assert tiny_summary.layers["merge_bn"].trainable_params == 2 * 6
    assert (tiny_summary.params, tiny_summary.trainable_params) == (637, 625)
    assert tiny_summary.outputs == ["predictions"] and tiny_summary.input_shapes == [[8, 8, 3]]


# --------------------------------------------------------------------------
# (a) and (b): one layer wrong
# --------------------------------------------------------------------------


def test_a_wrong_output_shape_fails_both_checks(tmp_path, tiny_summary):
    spec, pool, line = changed_layer(
        tmp_path, "output_shape: [4, 4, 6]", "output_shape: [3, 3, 6]", "pool", "name: pool"
    )
    assert check.arithmetic_problems(spec, pool) == [
        f"tiny.yaml:{line} pool: output_shape [3, 3, 6] does not follow from its input "
        "[8, 8, 6] and fields: the arithmetic gives [4, 4, 6]"
    ]
    assert check.model_problems(spec, pool, tiny_summary) == [
        f"tiny.yaml:{line} pool: output_shape expected [3, 3, 6], got [4, 4, 6]"
    ]
    # flatten's check reads pool's declared shape, so the typo shows there too.
    assert check.arithmetic_problems(spec, spec.layer("flatten"))


def test_a_wrong_param_count_fails_the_layer_and_the_totals(tmp_path, tiny_summary):
    spec, conv1, line = changed_layer(tmp_path, "params: 112", "params: 113", "conv1", "- name: conv1")
    assert check.arithmetic_problems(spec, conv1) == [
        f"tiny.yaml:{line} conv1: params 113 does not follow from its input and fields: 3*3*3*4 + 4 = 112"
    ]
    assert check.model_problems(spec, conv1, tiny_summary) == [f"tiny.yaml:{line} conv1: params expected 113, got 112"]
    totals = check.totals_problems(spec, tiny_summary)
    assert any("params 637 is not the sum of the layers' params, 638" in p for p in totals)


def test_a_field_the_model_does_not_have_is_reported(tmp_path, tiny_summary):
    spec, conv1, line = changed_layer(tmp_path, "activation: relu\n", "activation: tanh\n", "conv1", "- name: conv1")
    assert check.model_problems(spec, conv1, tiny_summary) == [
        f"tiny.yaml:{line} conv1: activation expected tanh, got relu"
    ]


def test_a_wrong_type_names_the_keras_class(tmp_path, tiny_summary):
    path = variant(tmp_path, "type: max_pool", "type: avg_pool")
    spec = load_spec(path)
    problems = check.model_problems(spec, spec.layer("pool"), tiny_summary)
    assert len(problems) == 1
    assert "type avg_pool expects Keras class AveragePooling2D, got MaxPooling2D" in problems[0]


def test_wrong_inputs_are_reported(tmp_path, tiny_summary):
    path = variant(tmp_path, "inputs: [conv1, branch_b]", "inputs: [branch_b, conv1]")
    spec = load_spec(path)
    line = line_with(path, "name: merge,")
    assert check.arithmetic_problems(spec, spec.layer("merge")) == []
    assert check.model_problems(spec, spec.layer("merge"), tiny_summary) == [
        f"tiny.yaml:{line} merge: inputs expected [branch_b, conv1], got [conv1, branch_b]"
    ]


def test_an_input_listed_later_fails_the_arithmetic(tmp_path):
    path = variant(tmp_path, "inputs: [conv1, branch_b]", "inputs: [conv1, pool]")
    spec = load_spec(path)
    problems = check.arithmetic_problems(spec, spec.layer("merge"))
    assert len(problems) == 1 and "input 'pool' is listed after this layer" in problems[0]


def test_arithmetic_covers_every_layer_type():
    from keras_classics.spec.loader import Layer, _defaults

    def make(layer_type, **fields):
        return Layer(
            name="x",
            type=layer_type,
            inputs=["input"],
            output_shape=[],
            params=0,
            fields=_defaults(layer_type, fields),
            written=fields,
            line=1,
        )

    hwc = [[32, 32, 6]]
    cases = [
        (make("sparse_conv2d", kernel=5, filters=16, connections=60), hwc, [28, 28, 16], 60 * 25 + 16),
        (make("subsampling", pool=2), hwc, [16, 16, 6], 12),
        (make("avg_pool", pool=3, stride=2, padding="same"), hwc, [16, 16, 6], 0),
        (make("global_max_pool"), hwc, [6], 0),
        (make("zero_padding", padding=[[1, 2], [3, 4]]), hwc, [35, 39, 6], 0),
        (make("zero_padding", padding=[0, 1]), hwc, [33, 33, 6], 0),
        (make("lrn", size=5, alpha=1e-4, beta=0.75, bias=2.0), hwc, [32, 32, 6], 0),
        (make("batch_norm"), hwc, [32, 32, 6], 24),
        (make("rbf", units=10), [[84]], [10], 840),
        (make("zero_pad_shortcut", stride=2, filters=12), [[33, 33, 6]], [17, 17, 12], 0),
        (make("dense", units=3, use_bias=False), [[7]], [3], 21),
        (make("conv2d", kernel=[1, 7], filters=4, groups=2, padding="same"), hwc, [32, 32, 4], 7 * 3 * 4 + 4),
        (make("conv2d", kernel=3, dilation=2, filters=1), hwc, [28, 28, 1], 9 * 6 + 1),
    ]
    for layer, shapes, shape, params in cases:
        assert check.expected(layer, shapes)[:2] == (shape, params), layer.type
    add = make("add")
    with pytest.raises(check.ArithmeticProblem, match="equal shapes"):
        check.expected(add, [[4, 4, 8], [4, 4, 7]])
    with pytest.raises(check.ArithmeticProblem, match="equal shapes but for the channels"):
        check.expected(make("concat"), [[4, 4, 8], [3, 3, 8]])
    assert check.expected(make("concat"), [[4, 4, 8], [4, 4, 7]])[:2] == ([4, 4, 15], 0)
    with pytest.raises(check.ArithmeticProblem, match="larger than the padded input"):
        check.expected(make("conv2d", kernel=5, filters=1), [[3, 3, 1]])


# --------------------------------------------------------------------------
# The file against the model
# --------------------------------------------------------------------------


def test_an_unlisted_model_layer_fails_coverage(tmp_path, tiny_summary):
    path = variant(
        tmp_path, "  - {name: merge_bn, type: batch_norm, epsilon: 1.0e-5, output_shape: [8, 8, 6], params: 24}\n", ""
    )
    spec = load_spec(path)
    layers_line = [k for k, line in enumerate(path.read_text().splitlines(), 1) if line == "layers:"][0]
    assert (
        f"tiny.yaml:{layers_line} layers: the model's layer 'merge_bn' "
        "(BatchNormalization) is not listed" in check.coverage_problems(spec, tiny_summary)
    )


def test_a_listed_layer_the_model_lacks_fails(tiny_summary):
    summary = _summary(use_bn=False)
    spec = load_spec(TINY_YAML)
    line = line_with(TINY_YAML, "name: merge_bn")
    assert f"tiny.yaml:{line} merge_bn: listed, but the model has no layer of that name" in check.coverage_problems(
        spec, summary
    )
    assert check.model_problems(spec, spec.layer("merge_bn"), summary) == [
        f"tiny.yaml:{line} merge_bn: the model 'tiny' (built with its registered defaults) has no layer of that name"
    ]
    assert check.model_problems(spec, spec.layer("pool"), summary) == [
        f"tiny.yaml:{line_with(TINY_YAML, 'name: pool')} pool: inputs expected [merge_bn], got [merge]"
    ]


def test_a_difference_not_written_as_a_deviation_fails():
    summary = _summary(filters=6)  # the model departs from the YAML; nothing says so
    spec = load_spec(TINY_YAML)
    line = line_with(TINY_YAML, "- name: conv1")
    assert check.model_problems(spec, spec.layer("conv1"), summary) == [
        f"tiny.yaml:{line} conv1: filters expected 4, got 6",
        f"tiny.yaml:{line} conv1: output_shape expected [8, 8, 4], got [8, 8, 6]",
        f"tiny.yaml:{line} conv1: params expected 112, got {3 * 3 * 3 * 6 + 6}",
    ]
    totals = check.totals_problems(spec, summary)
    assert any("params expected 637, got" in p for p in totals)


def test_outputs_and_input_shape_are_checked(tmp_path, tiny_summary):
    path = variant(tmp_path, "outputs: [predictions]", "outputs: [flatten]")
    spec = load_spec(path)
    assert check.coverage_problems(spec, tiny_summary) == [
        f"tiny.yaml:{line_with(path, 'outputs:')} outputs expected [flatten], got [predictions]"
    ]
    spec = load_spec(TINY_YAML)
    assert check.input_shape_problems(spec, tiny_summary, (9, 9, 3)) == [
        f"tiny.yaml:{line_with(TINY_YAML, 'input_shape:')} input_shape: expected [8, 8, 3], got "
        "[9, 9, 3] (the registry entry's input_shape)"
    ]


def test_trainable_totals_are_checked(tmp_path, tiny_summary):
    path = variant(tmp_path, "trainable_params: 625", "trainable_params: 637")
    spec = load_spec(path)
    line = line_with(path, "totals:")
    assert check.totals_problems(spec, tiny_summary) == [
        f"tiny.yaml:{line} totals: trainable_params 637 is not the sum of the layers' trainable params, 625",
        f"tiny.yaml:{line} totals: trainable_params expected 637, got 625",
    ]


# --------------------------------------------------------------------------
# Deviations and choices
# --------------------------------------------------------------------------


def test_a_deviation_whose_ours_is_not_the_yaml_fails(tmp_path):
    path = variant(tmp_path, "    ours: 2\n", "    ours: 5\n")
    spec = load_spec(path)
    assert check.deviation_problems(spec) == [
        f"tiny.yaml:{line_with(path, '- layers: [pool]')} deviations[1]: pool "
        f"(line {line_with(path, 'name: pool')}): pool is 2, the deviation says ours = 5"
    ]


def test_a_deviation_equal_to_the_paper_fails(tmp_path):
    path = variant(tmp_path, "    paper: 3\n", "    paper: 2\n")
    problems = check.deviation_problems(load_spec(path))
    assert problems == [
        f"tiny.yaml:{line_with(path, '- layers: [pool]')} deviations[1]: ours (2) equals paper (2): not a deviation"
    ]


def test_a_deviation_glob_must_match_a_layer(tmp_path, tiny_summary):
    path = variant(tmp_path, '["*_bn"]', '["*_norm"]')
    problems = check.deviation_problems(load_spec(path), tiny_summary)
    assert problems == [
        f"tiny.yaml:{line_with(path, '*_norm')} deviations[0]: '*_norm' matches no layer, but ours is present"
    ]


def test_a_layer_said_absent_must_be_absent(tmp_path, tiny_summary):
    path = variant(tmp_path, "    paper: absent\n    ours: present\n", "    paper: present\n    ours: absent\n")
    problems = check.deviation_problems(load_spec(path), tiny_summary)
    assert problems == [
        f"tiny.yaml:{line_with(path, '*_bn')} deviations[0]: ours is absent, but '*_bn' matches [merge_bn]"
    ]


def test_a_deviation_on_a_field_the_layer_lacks_fails(tmp_path):
    path = variant(tmp_path, "  - layers: [pool]\n    field: pool", "  - layers: [flatten]\n    field: pool")
    problems = check.deviation_problems(load_spec(path))
    assert len(problems) == 1 and "flatten (flatten, line" in problems[0]
    assert "has no field 'pool'" in problems[0]


def test_a_wrong_choice_fails(tmp_path):
    path = variant(tmp_path, "    value: same\n", "    value: valid\n")
    problems = check.choice_problems(load_spec(path))
    assert problems == [
        f"tiny.yaml:{line_with(path, '- layers: [conv1]')} choices[0]: conv1 "
        f"(line {line_with(path, '- name: conv1')}): padding is same, the choice "
        "says valid"
    ]


# --------------------------------------------------------------------------
# Malformed files: one SpecError naming file and line, before any build
# --------------------------------------------------------------------------


def _messages(path):
    with pytest.raises(SpecError) as error:
        load_spec(path)
    return error.value.messages


def test_a_schema_error_names_file_line_and_field(tmp_path):
    path = variant(tmp_path, "    kernel: 3\n", "    kernel: x\n")
    assert _messages(path) == [
        f"tiny.yaml:{line_with(path, 'kernel: x')}: layers[0].kernel: 'x' is not of type 'integer'"
    ]


def test_schema_errors_are_all_reported_with_their_lines(tmp_path):
    text = (
        TINY_YAML.read_text()
        .replace("type: max_pool", "type: max_pol")
        .replace("    filters: 4\n", "    filters: 4\n    stides: 2\n")
        .replace(
            "{name: flatten, type: flatten, output_shape: [96], params: 0}", "{name: flatten, type: flatten, params: 0}"
        )
    )
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    messages = _messages(path)
    assert messages[0] == (
        f"tiny.yaml:{line_with(path, 'stides')}: layers[0]: unknown field "
        "'stides' for a conv2d layer (fields: name, type, inputs, output_shape, "
        "params, kernel, stride, padding, dilation, filters, groups, use_bias, "
        "activation)"
    )
    assert messages[1].startswith(f"tiny.yaml:{line_with(path, 'max_pol')}: layers[4].type: 'max_pol' is not one of [")
    assert messages[2] == (
        f"tiny.yaml:{line_with(path, 'name: flatten')}: layers[5]: 'output_shape' is a required property"
    )
    assert len(messages) == 3


def test_a_schema_error_in_a_template_names_both_lines(tmp_path):
    path = variant(tmp_path, "vars: {p: branch, n: 10}", "vars: {p: branch, n: ten}")
    template_line = line_with(path, '"{p}_a"')
    use_line = line_with(path, "n: ten")
    assert _messages(path) == [
        f"tiny.yaml:{template_line}: templates.one_by_one[0].params: 'ten' is not of type "
        f"'integer' (template one_by_one at line {template_line}, used at line {use_line})"
    ]


def test_template_errors(tmp_path):
    path = variant(tmp_path, "vars: {p: branch, n: 10}", "vars: {q: branch, n: 10}")
    first, second = _messages(path)
    assert first.startswith(f"tiny.yaml:{line_with(path, '{p}_a')}: templates.one_by_one[0]: unknown variable 'p'")
    assert second.startswith(f"tiny.yaml:{line_with(path, '{p}_b')}: templates.one_by_one[1]: ")
    path = variant(tmp_path, "{template: one_by_one", "{template: one_by_two")
    assert _messages(path) == [
        f"tiny.yaml:{line_with(path, 'one_by_two')}: layers[1].template: "
        "unknown template 'one_by_two' (templates: one_by_one)"
    ]


def test_yaml_syntax_errors_and_duplicate_keys_name_the_line(tmp_path):
    path = variant(tmp_path, "    params: 112 ", "    params: 112\n    params: 113 ")
    (message,) = _messages(path)
    assert message.startswith(f"tiny.yaml:{line_with(path, 'params: 113')}: YAML error: found duplicate key 'params'")
    path = variant(tmp_path, "  params: 637", "  params: [637")
    (message,) = _messages(path)
    assert message.startswith("tiny.yaml:") and "YAML error" in message


def test_duplicate_layer_names_and_a_wrong_model_name_fail(tmp_path):
    path = variant(tmp_path, "{name: flatten, type: flatten", "{name: pool, type: flatten")
    (message,) = _messages(path)
    assert message == (
        f"tiny.yaml:{line_with(path, 'name: pool, type: flatten')}: pool: listed "
        f"twice (first at line {line_with(path, 'name: pool, type: max_pool')})"
    )
    renamed = tmp_path / "other.yaml"
    shutil.copy(TINY_YAML, renamed)
    assert _messages(renamed) == [
        f"other.yaml:{line_with(renamed, 'model: tiny')}: model: 'tiny' "
        "must be the file's name 'other' (spec/<registered name>.yaml)"
    ]


def test_expand_repeats_with_start_and_typed_vars(tmp_path):
    path = tmp_path / "rep.yaml"
    path.write_text(
        "templates:\n"
        "  block:\n"
        "    - {name: 'b{i}_conv', type: conv2d, kernel: 3, filters: '{2*f}', inputs: 'b{i-1}_conv'}\n"
        "layers:\n"
        "  - {template: block, repeat: 3, start: 2, vars: {f: 8}}\n"
    )
    layers = expand(read_yaml(path), "rep.yaml")
    assert [(raw.fields["name"], raw.fields["inputs"], raw.fields["filters"], raw.line) for raw in layers] == [
        ("b2_conv", "b1_conv", 16, 5),
        ("b3_conv", "b2_conv", 16, 5),
        ("b4_conv", "b3_conv", 16, 5),
    ]
    assert substitute({"s": ["{h}", "{h}", 3]}, {"h": 7}) == {"s": [7, 7, 3]}
    assert substitute("conv{i}_block{j}", {"i": 2, "j": 3}) == "conv2_block3"


def test_activation_names_compare_by_name():
    serialised = {
        "module": "builtins",
        "class_name": "function",
        "config": "keras_classics>scaled_tanh",
        "registered_name": "function",
    }
    assert check.activation_name(serialised) == "scaled_tanh"
    assert check.activation_name("relu") == "relu"
    assert check.activation_name(None) == "linear"


def test_several_outputs_are_summarised_in_order():
    import keras

    inputs = keras.Input((4,), name="input")
    main = keras.layers.Dense(2, name="main")(inputs)
    aux = keras.layers.Dense(3, name="aux1")(inputs)
    summary = summarize(keras.Model(inputs, [main, aux]))
    release_memory()
    assert summary.outputs == ["main", "aux1"]
    assert summary.layers["aux1"].inbound == ["input"]


# --------------------------------------------------------------------------
# The plugin (spec/conftest.py) end to end
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry():
    """The registry with every model loaded: before pytester snapshots
    sys.modules, so that its restore keeps this very module object."""
    from keras_classics import registry

    registry.list_models()
    return registry


@pytest.fixture
def spec_project(registry, pytester, monkeypatch):
    """A pytester project holding spec/conftest.py, with the tiny model
    registered as 'tiny' for the duration of the test."""
    entry = registry.ModelEntry(
        name="tiny", builder=tiny_model.tiny, kwargs={}, family="test", summary="test fixture", input_shape=(8, 8, 3)
    )
    monkeypatch.setitem(registry._REGISTRY, "tiny", entry)
    (pytester.path / "spec").mkdir()
    shutil.copy(SPEC_DIR / "conftest.py", pytester.path / "spec" / "conftest.py")
    return pytester


def test_the_plugin_passes_a_good_file(spec_project):
    shutil.copy(TINY_YAML, spec_project.path / "spec" / "tiny.yaml")
    result = spec_project.runpytest_inprocess("spec", "-p", "no:cacheprovider")
    # 8 layers + registered, input_shape, totals, coverage, deviations, choices
    result.assert_outcomes(passed=14)


def test_the_plugin_reports_file_line_and_field(spec_project, tmp_path):
    path = variant(tmp_path, "output_shape: [4, 4, 6]", "output_shape: [3, 3, 6]")
    shutil.copy(path, spec_project.path / "spec" / "tiny.yaml")
    result = spec_project.runpytest_inprocess("spec", "-p", "no:cacheprovider")
    line = line_with(path, "name: pool")
    result.assert_outcomes(passed=12, failed=2)  # pool, and flatten reading pool's shape
    result.stdout.fnmatch_lines(
        [
            f"*tiny.yaml:{line} pool: output_shape [[]3, 3, 6] does not follow*",
            f"tiny.yaml:{line} pool: output_shape expected [[]3, 3, 6], got [[]4, 4, 6]",
            "FAILED spec/tiny.yaml::pool*",
        ]
    )


def test_the_plugin_fails_a_malformed_file_as_one_item(spec_project, tmp_path):
    path = variant(tmp_path, "    kernel: 3\n", "    kernel: x\n")
    shutil.copy(path, spec_project.path / "spec" / "tiny.yaml")
    result = spec_project.runpytest_inprocess("spec", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"tiny.yaml:{line_with(path, 'kernel: x')}: layers[0].kernel: 'x' is not of type 'integer'",
            "FAILED spec/tiny.yaml::schema*",
        ]
    )


def test_the_plugin_fails_an_unregistered_model(spec_project, tmp_path):
    text = TINY_YAML.read_text().replace("model: tiny", "model: tinier")
    (spec_project.path / "spec" / "tinier.yaml").write_text(text)
    result = spec_project.runpytest_inprocess("spec", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=13, failed=1)
    result.stdout.fnmatch_lines(["tinier.yaml:3 model: 'tinier' is not a registered model*"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "tiny.yaml:1: the file must be a mapping"),
        ("- 1\n- 2\n", "tiny.yaml:1: the file must be a mapping"),
        ("model: tiny\nlayers: [conv1, {template: t}]\n", "tiny.yaml:1: (top level): 'paper' is a required"),
        ("model: tiny\nlayers: [conv1, {template: t}]\n", "tiny.yaml:2: layers[0]: 'conv1' is not of type 'object'"),
    ],
)
def test_files_that_are_not_specs_fail_cleanly(tmp_path, text, expected):
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    assert any(message.startswith(expected) for message in _messages(path)), _messages(path)


# --------------------------------------------------------------------------
# One definition per layer type, the same types as the schema
# --------------------------------------------------------------------------


def _schema_types():
    """Each type spec/schema.yaml allows, with the fields its branch lists."""
    import yaml

    layer = yaml.safe_load((SPEC_DIR / "schema.yaml").read_text(encoding="utf-8"))["$defs"]["layer"]
    fields = {name: set() for name in layer["properties"]["type"]["enum"]}
    for branch in layer["allOf"]:
        condition = branch["if"]["properties"]["type"]
        names = condition["enum"] if "enum" in condition else [condition["const"]]
        for name in names:
            fields[name] |= set(branch["then"].get("properties", {})) - {"inputs"}
    return fields


def test_every_schema_type_has_exactly_one_definition():
    from keras_classics.spec.layer_types import _TYPES, LAYER_TYPES

    names = [t.name for t in _TYPES]
    assert len(names) == len(set(names)), "a layer type is defined twice"
    schema = _schema_types()
    assert sorted(schema) == sorted(LAYER_TYPES)
    for name, fields in schema.items():
        assert set(LAYER_TYPES[name].fields) == fields, name


def test_every_keras_class_names_one_type_and_every_config_key_a_field():
    from keras_classics.spec.layer_types import _TYPES

    classes = [cls for t in _TYPES for cls in t.keras_classes]
    assert len(classes) == len(set(classes))
    for t in _TYPES:
        assert set(t.config_keys) <= set(t.fields), t.name


def test_the_type_rules_give_lenets_c3_and_alexnets_conv2():
    # LeNet-5's C3 (Table I: 60 pairs of 5x5 kernels) and AlexNet's conv2 on
    # two GPUs (256 5x5 filters over 48 of the 96 maps, 27x27 out).
    from keras_classics.spec.layer_types import LAYER_TYPES

    c3 = LAYER_TYPES["sparse_conv2d"]
    fields = c3.defaults({"kernel": 5, "filters": 16, "connections": 60})
    assert c3.expected(fields, [[14, 14, 6]]).params == 60 * 25 + 16
    assert c3.cost(fields, [[14, 14, 6]], [10, 10, 16]).macs == 10 * 10 * 60 * 25
    conv = LAYER_TYPES["conv2d"]
    fields = conv.defaults({"kernel": 5, "filters": 256, "groups": 2, "padding": "same"})
    assert conv.expected(fields, [[27, 27, 96]]).shape == [27, 27, 256]
    assert conv.cost(fields, [[27, 27, 96]], [27, 27, 256]).macs == 27 * 27 * 256 * 5 * 5 * 48
    window = conv.window(fields)
    assert window.pixels((27, 27)) == ((2, 2), (2, 2))


def test_a_failure_inside_a_template_names_the_field_and_the_use(tmp_path, tiny_summary):
    # branch_b's params written wrong in the template: the arithmetic and the
    # model both fail, naming the use (the item's line) and the template line.
    path = variant(tmp_path, "output_shape: [8, 8, 2], params: 6}", "output_shape: [8, 8, 2], params: 7}")
    spec = load_spec(path)
    use, field_line = line_with(path, "{template: one_by_one"), line_with(path, '"{p}_b"')
    suffix = f" (params at line {field_line} of template one_by_one, used at line {use})"
    arithmetic = check.arithmetic_problems(spec, spec.layer("branch_b"))
    assert arithmetic == [
        f"tiny.yaml:{use} branch_b: params 7 does not follow from its input and fields: 1*1*2*2 + 2 = 6{suffix}"
    ]
    model = check.model_problems(spec, spec.layer("branch_b"), tiny_summary)
    assert model == [f"tiny.yaml:{use} branch_b: params expected 7, got 6{suffix}"]


def _with_figure(tmp_path, figure):
    return variant(
        tmp_path,
        '    why: "Pretend the paper pooled 3x3."\n',
        '    why: "Pretend the paper pooled 3x3."\n    paper_prints:\n      - ' + figure + "\n",
    )


def test_a_deviation_is_checked_against_the_figure_the_paper_prints(tmp_path):
    # The paper's 3x3 pool at its default stride 3 on the 8x8x6 merge_bn:
    # floor((8 - 3) / 3) + 1 = 2.
    good = _with_figure(tmp_path, "{layer: pool, output_shape: [2, 2, 6], source: Table 1}")
    assert check.deviation_problems(load_spec(good)) == []
    bad = _with_figure(tmp_path, "{layer: pool, output_shape: [3, 3, 6], params: 0, source: Table 1}")
    line = line_with(bad, "{layer: pool, output_shape: [3, 3, 6]")
    assert check.deviation_problems(load_spec(bad)) == [
        f"tiny.yaml:{line} deviations[1].paper_prints[0]: pool with pool 3 has output_shape [2, 2, 6], "
        "but the paper prints [3, 3, 6] (Table 1)"
    ]
    elsewhere = _with_figure(tmp_path, "{layer: conv1, params: 112, source: Table 1}")
    assert "'conv1' is not one of the deviation's layers [pool]" in check.deviation_problems(load_spec(elsewhere))[0]


def test_a_figure_may_add_the_fields_the_papers_layer_needs(tmp_path):
    # LeNet-5's C3 as the paper has it: 60 pairs of 5x5 kernels, 1,516 params.
    path = variant(
        tmp_path,
        '    why: "Pretend the paper pooled 3x3."\n',
        '    why: "Pretend the paper pooled 3x3."\n'
        "  - layers: [conv1]\n    field: type\n    paper: sparse_conv2d\n    ours: conv2d\n"
        '    why: "Pretend."\n    why_zh: "假设。"\n    paper_prints:\n'
        "      - {layer: conv1, with: {connections: 9}, params: 112, source: Sec. 2}\n",
    )
    line = line_with(path, "{layer: conv1, with:")
    # 3*3*9 + 4 = 85 parameters with 9 connections, not the 112 printed.
    assert check.deviation_problems(load_spec(path)) == [
        f"tiny.yaml:{line} deviations[2].paper_prints[0]: conv1 with type sparse_conv2d, connections 9 "
        "has params 85, but the paper prints 112 (Sec. 2)"
    ]


def test_the_summary_evaluates_each_layers_activation(tiny_summary):
    from keras_classics.spec.model_cache import ACTIVATION_POINTS

    assert tiny_summary.layers["conv1"].activation_values == [max(x, 0.0) for x in ACTIVATION_POINTS]
    assert tiny_summary.layers["merge"].activation_values is None


def test_activation_constants_are_checked_against_the_models_function():
    # lenet5.yaml records the paper's f(a) = 1.7159 tanh(2a/3); a model whose
    # squashing function had another amplitude must fail on its layers.
    import math
    from types import SimpleNamespace

    from keras_classics.spec.model_cache import ACTIVATION_POINTS

    spec = load_spec(SPEC_DIR / "lenet5.yaml")
    c1 = spec.layer("c1")

    def model_layer(amplitude, slope):
        return SimpleNamespace(activation_values=[amplitude * math.tanh(slope * x) for x in ACTIVATION_POINTS])

    assert check.activation_constant_problems(spec, c1, model_layer(1.7159, 2 / 3)) == []
    problems = check.activation_constant_problems(spec, c1, model_layer(1.7, 2 / 3))
    assert len(problems) == 1
    assert problems[0].startswith(f"lenet5.yaml:{c1.line} c1: activation scaled_tanh: the model's gives f(-2) = ")
    assert "A * tanh(S * x) with A = 1.7159, S = 2/3" in problems[0]
    assert check.activation_constant_problems(spec, c1, model_layer(1.7159, 0.6)) != []


def test_a_wrong_connection_table_with_the_right_count_fails_by_pair():
    # Table I read with one pair moved (C3 map 14 reading S2 map 4, not 5):
    # still 60 pairs and 1,516 parameters, so only the pairs tell.
    from types import SimpleNamespace

    spec = load_spec(SPEC_DIR / "lenet5.yaml")
    c3 = spec.layer("c3")
    table = [list(p) for p in c3.fields["connections"] if list(p) != [5, 14]] + [[4, 14]]
    config = {
        "kernel_size": [5, 5],
        "strides": [1, 1],
        "padding": "valid",
        "filters": 16,
        "connection_table": table,
        "activation": "keras_classics>scaled_tanh",
    }
    got = SimpleNamespace(
        class_name="SparseConv2D",
        class_module="test",
        config=config,
        calls=1,
        inbound=["s2"],
        output_shape=[10, 10, 16],
        params=1516,
        trainable_params=1516,
        activation_values=None,
    )
    summary = SimpleNamespace(name="lenet5", layers={"c3": got})
    assert check.model_problems(spec, c3, summary) == [
        f"lenet5.yaml:{c3.line} c3: connections: the model's table lacks [[5, 14]] and adds [[4, 14]] "
        "(pairs [input_map, output_map])"
    ]
