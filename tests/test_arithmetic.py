"""The arithmetic against brute-force definitions, algebraic laws, the
course's worked claims and bad arguments. Plain Python: no Keras here (the
comparison with real Keras layers is in test_arithmetic_keras.py)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from keras_classics import arithmetic as ar

sizes = st.integers(1, 64)
kernels = st.integers(1, 9)
strides = st.integers(1, 5)
dilations = st.integers(1, 3)
pads = st.integers(0, 4)


# --------------------------------------------------------------------------
# Brute-force definitions, written independently of the closed forms
# --------------------------------------------------------------------------


def windows_floor(padded: int, extent: int, stride: int) -> int:
    """Count the window positions that fit wholly inside the padded input."""
    return sum(1 for start in range(0, padded, stride) if start + extent <= padded)


def windows_ceil(size: int, before: int, after: int, pool: int, stride: int) -> int:
    """Caffe/PyTorch ceil mode by enumeration: add windows until the padded
    input is covered, but never start one past the input's last pixel."""
    padded = size + before + after
    starts = []
    start = 0
    while True:
        starts.append(start)
        if start + pool >= padded:
            break
        start += stride
    # A window starting in the trailing padding sees no input pixel.
    return sum(1 for s in starts if s - before < size)


def dependency_span(layers, index):
    """Input pixels that output unit ``index`` of a 1-D chain depends on,
    propagated tap by tap. Each layer is (kernel, stride, pad_before, dilation)."""
    units = {index}
    for kernel, stride, before, dilation in reversed(layers):
        units = {u * stride - before + tap * dilation for u in units for tap in range(kernel)}
    return min(units), max(units)


# --------------------------------------------------------------------------
# Output sizes
# --------------------------------------------------------------------------


@given(size=sizes, kernel=kernels, stride=strides, dilation=dilations, before=pads, after=pads)
def test_conv_output_size_counts_the_windows(size, kernel, stride, dilation, before, after):
    extent = dilation * (kernel - 1) + 1
    padded = size + before + after
    if extent > padded:
        with pytest.raises(ValueError, match="kernel"):
            ar.conv_output_size(size, kernel, stride, (before, after), dilation)
        return
    assert ar.conv_output_size(size, kernel, stride, (before, after), dilation) == windows_floor(padded, extent, stride)


@given(size=sizes, pool=st.integers(1, 5), stride=strides, pad=st.integers(0, 2))
def test_ceil_pooling_matches_enumeration(size, pool, stride, pad):
    assume(pool <= size + 2 * pad and pad <= pool // 2)
    assert ar.pool_output_size(size, pool, stride, pad, rounding="ceil") == windows_ceil(size, pad, pad, pool, stride)


@given(size=sizes, pool=st.integers(1, 5), stride=strides, pad=st.integers(0, 2))
def test_ceil_is_floor_or_one_more(size, pool, stride, pad):
    assume(pool <= size + 2 * pad and pad <= pool // 2)
    floor = ar.pool_output_size(size, pool, stride, pad)
    ceil = ar.pool_output_size(size, pool, stride, pad, rounding="ceil")
    assert floor <= ceil <= floor + 1
    if (size + 2 * pad - pool) % stride == 0:
        assert ceil == floor


@given(size=sizes, kernel=kernels, stride=strides, dilation=dilations)
def test_same_gives_ceil_of_size_over_stride(size, kernel, stride, dilation):
    assert ar.conv_output_size(size, kernel, stride, "same", dilation) == math.ceil(size / stride)


@given(size=sizes, kernel=kernels, dilation=dilations)
def test_same_at_stride_one_keeps_the_size(size, kernel, dilation):
    assert ar.conv_output_size(size, kernel, 1, "same", dilation) == size


@given(size=sizes, kernel=kernels, stride=strides, dilation=dilations)
def test_same_padding_puts_the_odd_pixel_after(size, kernel, stride, dilation):
    before, after = ar.same_padding(size, kernel, stride, dilation)
    assert after - before in (0, 1)
    # Explicit padding of those pixels gives the "same" size.
    assert ar.conv_output_size(size, kernel, stride, (before, after), dilation) == math.ceil(size / stride)


def test_same_padding_known_values():
    # TensorFlow SAME padding: 3x3 at stride 2 pads 0 before and 1 after; 7x7 pads 2 and 3.
    assert ar.same_padding(224, 3, 2) == (0, 1)
    assert ar.same_padding(224, 7, 2) == (2, 3)
    # AlexNet's conv1 under "same" at 224 gives 56, not 55.
    assert ar.conv_output_size(224, 11, 4, "same") == 56


@given(size=st.integers(1, 40), grow=st.integers(0, 20), kernel=kernels, stride=strides, pad=pads)
def test_output_never_shrinks_as_the_input_grows(size, grow, kernel, stride, pad):
    assume(kernel <= size + 2 * pad)
    small = ar.conv_output_size(size, kernel, stride, pad)
    large = ar.conv_output_size(size + grow, kernel, stride, pad)
    assert large >= small


@given(size=st.integers(1, 40), kernel=kernels, stride=strides, pad=pads)
def test_padding_never_shrinks_the_output(size, kernel, stride, pad):
    assume(kernel <= size)
    assert ar.conv_output_size(size, kernel, stride, pad) >= ar.conv_output_size(size, kernel, stride, 0)


@given(pool=st.integers(1, 5), stride=strides, pad=st.integers(0, 2), size=st.integers(1, 40))
def test_pool_stride_defaults_to_the_pool(pool, stride, pad, size):
    assume(pool <= size)
    assert ar.pool_output_size(size, pool) == ar.pool_output_size(size, pool, pool)


# --------------------------------------------------------------------------
# Parameters and cost
# --------------------------------------------------------------------------


@given(
    k=st.integers(1, 7),
    groups=st.sampled_from([1, 2, 3, 4]),
    in_mult=st.integers(1, 8),
    out_mult=st.integers(1, 8),
)
def test_grouped_conv_without_bias_has_one_gth_of_the_weights(k, groups, in_mult, out_mult):
    cin, cout = groups * in_mult, groups * out_mult
    dense = ar.conv_params(k, cin, cout, groups=1, use_bias=False)
    grouped = ar.conv_params(k, cin, cout, groups=groups, use_bias=False)
    assert grouped * groups == dense


@given(k=st.integers(1, 7), cin=st.integers(1, 32), cout=st.integers(1, 32))
def test_bias_adds_one_per_filter(k, cin, cout):
    assert ar.conv_params(k, cin, cout) - ar.conv_params(k, cin, cout, use_bias=False) == cout


@given(cin=st.integers(1, 64), cout=st.integers(1, 64), out=st.integers(1, 16))
def test_a_1x1_conv_is_a_dense_layer_per_pixel(cin, cout, out):
    assert ar.conv_params(1, cin, cout) == ar.dense_params(cin, cout)
    assert ar.conv_macs(out, 1, cin, cout) == out * out * ar.dense_macs(cin, cout)


@given(k=st.integers(1, 5), c=st.integers(1, 16), m=st.integers(1, 3))
def test_depthwise_is_a_conv_with_one_group_per_channel(k, c, m):
    assert ar.depthwise_conv_params(k, c, m) == ar.conv_params(k, c, c * m, groups=c)


@given(
    out=st.integers(1, 32),
    k=st.integers(1, 7),
    groups=st.sampled_from([1, 2, 4]),
    cin_mult=st.integers(1, 8),
    cout_mult=st.integers(1, 8),
)
def test_macs_are_weights_times_positions(out, k, groups, cin_mult, cout_mult):
    cin, cout = groups * cin_mult, groups * cout_mult
    # Every output value is one dot product over k*k*cin/groups inputs.
    assert ar.conv_macs(out, k, cin, cout, groups) == out * out * cout * k * k * (cin // groups)
    assert ar.conv_macs(out, k, cin, cout, groups) * groups == ar.conv_macs(out, k, cin, cout, 1)
    assert ar.flops(ar.conv_macs(out, k, cin, cout, groups)) == 2 * ar.conv_macs(out, k, cin, cout, groups)


def test_alexnet_conv1_macs_from_the_paper_shapes():
    # 55 x 55 x 96 outputs, each a dot product over 11 x 11 x 3 inputs.
    assert ar.conv_macs(55, 11, 3, 96) == 55 * 55 * 96 * 363


@given(c=st.integers(1, 512))
def test_batch_norm_keeps_statistics_apart(c):
    bn = ar.batch_norm_params(c)
    assert (bn.trainable, bn.non_trainable, bn.total) == (2 * c, 2 * c, 4 * c)
    assert ar.batch_norm_params(c, scale=False).trainable == c


# --------------------------------------------------------------------------
# Receptive fields
# --------------------------------------------------------------------------

layer_strategy = st.tuples(st.integers(1, 7), st.integers(1, 3), st.integers(0, 3), st.integers(1, 2))


@given(layers=st.lists(layer_strategy, min_size=1, max_size=5))
def test_receptive_field_matches_dependency_propagation(layers):
    rf = ar.receptive_field(layers)
    low0, high0 = dependency_span(layers, 0)
    low1, high1 = dependency_span(layers, 1)
    assert rf.size == high0 - low0 + 1
    assert rf.jump == low1 - low0
    assert rf.start == (low0 + high0) / 2


@given(n=st.integers(1, 12))
def test_n_stacked_3x3_convs_see_2n_plus_1(n):
    assert ar.receptive_field([(3, 1, 1)] * n).size == 2 * n + 1


@given(layers=st.lists(layer_strategy, min_size=1, max_size=4))
def test_jump_is_the_product_of_the_strides(layers):
    assert ar.receptive_field(layers).jump == math.prod(stride for _, stride, _, _ in layers)


def test_one_by_one_layers_leave_the_receptive_field_alone():
    base = ar.receptive_field([(5, 2, 2)])
    assert ar.receptive_field([(5, 2, 2), (1, 1, 0), (1, 1, 0)]) == base


# --------------------------------------------------------------------------
# Minimum input size
# --------------------------------------------------------------------------


@given(layers=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2)), min_size=1, max_size=4))
def test_min_input_size_is_the_first_size_that_passes(layers):
    smallest = ar.min_input_size(layers)

    def passes(size):
        try:
            for kernel, stride, pad in layers:
                size = ar.conv_output_size(size, kernel, stride, pad)
        except ValueError:
            return False
        return True

    assert passes(smallest)
    assert smallest == 1 or not passes(smallest - 1)


# --------------------------------------------------------------------------
# The course's worked claims
# --------------------------------------------------------------------------


def test_three_stacked_3x3_against_one_7x7():
    c = ar.stacked_3x3_comparison(3, 64)
    assert c.receptive_field == 7
    assert c.stacked_weights == 27 * 64**2
    assert c.single_weights == 49 * 64**2


@given(n=st.integers(1, 10), c=st.integers(1, 256))
def test_stacked_3x3_general_formula(n, c):
    comparison = ar.stacked_3x3_comparison(n, c)
    assert comparison.stacked_weights == 9 * n * c * c
    assert comparison.single_weights == (2 * n + 1) ** 2 * c * c
    # Stacking is never more expensive than the single large kernel.
    assert comparison.stacked_weights <= comparison.single_weights


def test_bottleneck_cuts_the_5x5_weights_about_fourfold():
    comparison = ar.bottleneck_comparison(128, 32, 256, 5)
    assert comparison.direct_weights == 5 * 5 * 128 * 256
    assert comparison.bottleneck_weights == 128 * 32 + 5 * 5 * 32 * 256
    assert 3.5 < comparison.ratio < 4.5


def test_alexnet_conv1_needs_227_for_55():
    assert ar.alexnet_conv1_output_size(227) == 55
    assert ar.alexnet_conv1_output_size(224) == 54


# --------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: ar.conv_output_size(5, 7), ["kernel 7", "larger", "at least 7"]),
        (lambda: ar.conv_output_size(5, 3, stride=0), ["stride", ">= 1"]),
        (lambda: ar.conv_output_size(-4, 3), ["size", ">= 1"]),
        (lambda: ar.conv_output_size(8, 3, padding="full"), ["padding", "'valid', 'same'"]),
        (lambda: ar.conv_output_size(8, 3, padding=-1), ["padding", ">= 0"]),
        (lambda: ar.conv_output_size(8, 3, dilation=0), ["dilation"]),
        (lambda: ar.pool_output_size(8, 3, rounding="round"), ["rounding", "'floor' or 'ceil'"]),
        (lambda: ar.pool_output_size(8, 2, 2, 2, rounding="ceil"), ["padding", "pool // 2"]),
        (lambda: ar.conv_params(3, 6, 8, groups=4), ["groups=4", "divide"]),
        (lambda: ar.conv_params(0, 6, 8), ["kernel"]),
        (lambda: ar.dense_params(10, 0), ["units"]),
        (lambda: ar.conv_output_size(8.5, 3), ["size", "integer"]),
        (lambda: ar.receptive_field([(3,)]), ["layer 0"]),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, words):
    with pytest.raises(ValueError) as error:
        call()
    for word in words:
        assert word in str(error.value)


def test_importing_the_arithmetic_does_not_import_tensorflow():
    code = (
        "import sys, keras_classics.arithmetic;"
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules];"
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@settings(max_examples=20)
@given(size=st.integers(1, 30), kernel=kernels)
def test_valid_is_zero_padding(size, kernel):
    assume(kernel <= size)
    assert ar.conv_output_size(size, kernel, 1, "valid") == ar.conv_output_size(size, kernel, 1, 0)
