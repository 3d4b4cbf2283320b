"""Every catalogue block builds in torch, and its shape rule and parameter count match torch."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from block_cases_attention import CASES as ATT_CASES
from block_cases_generative import GEN_CASES, GEN_INVALID, class_ids
from block_cases_seq import CASES as SEQ_CASES
from block_cases_seq import token_ids
from block_cases_skip import SKIP_CASES, SKIP_INVALID
from block_helpers import NO_CTX, case
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsp_studio.errors import ShapeError
from mlsp_studio.model.blocks import BlockRegistry, Context, Shape, format_shape
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.nn import BUILDERS, BuilderRegistry, build_block

BATCH = 3


def data(given: Shape, **kw) -> tuple:
    """An Input block fed by a dataset whose ``x`` has the shape ``given``."""
    return case(kw, ctx=Context(inputs={"x": given}))


# Valid parameter sets and input shapes for every block (shapes without the batch axis).
CASES: dict[str, list[tuple]] = {
    "Input": [data((2,)), data((1, 28, 28)), data((3, 100)), data((5,), shape=(5,)),
              case({"source": "img", "shape": (3, 8, 8)}),
              case({"source": "y"}, ctx=Context(inputs={"y": (7, 2)}))],
    "Dense": [case({}, (2,)), case({"units": 1}, (10,)), case({"units": 7, "bias": False}, (5,)),
              case({"units": 3}, (4, 6)), case({"units": 33}, (2, 3, 9)),
              case({"units": 128}, (1,))],
    "ReLU": [case({}, (4,)), case({}, (3, 5)), case({}, (2, 4, 4)), case({}, (1,)),
             case({}, (6, 7, 1))],
    "LeakyReLU": [case({}, (4,)), case({"negative_slope": 0.2}, (3, 5)),
                  case({"negative_slope": 0.0}, (2, 4, 4)), case({"negative_slope": 1.0}, (9,)),
                  case({"negative_slope": 0.5}, (1, 1))],
    "GELU": [case({}, (4,)), case({}, (3, 5)), case({}, (2, 4, 4)), case({}, (1,)),
             case({}, (8, 3))],
    "Tanh": [case({}, (4,)), case({}, (3, 5)), case({}, (2, 4, 4)), case({}, (1,)),
             case({}, (5, 1, 2))],
    "Sigmoid": [case({}, (4,)), case({}, (3, 5)), case({}, (2, 4, 4)), case({}, (1,)),
                case({}, (2, 2))],
    "Softmax": [case({}, (4,)), case({}, (3, 5)), case({}, (2, 4, 4)), case({}, (1,)),
                case({}, (10,))],
    "Dropout": [case({}, (4,)), case({"p": 0.0}, (3, 5)), case({"p": 0.95}, (2, 4, 4)),
                case({"p": 0.1}, (1,)), case({"p": 0.3}, (16, 3))],
    "ClassifierHead": [case({}, (16,), ctx=Context(num_classes=10)),
                       case({"classes": 3}, (8,)), case({"classes": 2}, (5, 4)),
                       case({"classes": 0}, (1,), ctx=Context(num_classes=2)),
                       case({"classes": 100}, (7,), ctx=Context(num_classes=4))],
    "RegressionHead": [case({}, (16,), ctx=Context(num_targets=1)),
                       case({"outputs": 3}, (8,)), case({"outputs": 2}, (5, 4)),
                       case({"outputs": 0}, (1,), ctx=Context(num_targets=6)),
                       case({"outputs": 1}, (2, 3, 4))],
    "Output": [case({}, (4,)), case({}, (3, 5)), case({}, (2, 4, 4)), case({}, (1,)),
               case({}, (1, 1, 1))],
    "Conv1d": [case({}, (1, 32)), case({"out_channels": 8, "kernel_size": 5, "stride": 2},
                                       (3, 31)),
               case({"kernel_size": 3, "dilation": 4, "padding": 0}, (2, 20)),
               case({"out_channels": 6, "groups": 3, "bias": False}, (9, 17)),
               case({"out_channels": 8, "groups": 4, "kernel_size": 7, "padding": 3}, (4, 11)),
               case({"causal": True, "kernel_size": 4, "dilation": 2, "padding": 5}, (2, 16)),
               case({"causal": True, "kernel_size": 3, "stride": 2}, (1, 9)),
               case({"causal": True, "kernel_size": 1}, (3, 1)),
               case({"kernel_size": 1, "padding": 0}, (5, 1)),
               case({"kernel_size": 9, "padding": 0}, (2, 9))],
    "Conv2d": [case({}, (1, 28, 28)), case({"out_channels": 8, "kernel_size": 5, "stride": 2},
                                           (3, 15, 15)),
               case({"dilation": 2, "padding": 2}, (2, 9, 9)),
               case({"out_channels": 4, "groups": 4}, (4, 8, 8)),   # depthwise
               case({"out_channels": 12, "groups": 6, "padding": 0}, (6, 5, 7)),
               case({"out_channels": 16, "kernel_size": 1, "padding": 0}, (4, 6, 6)),
               case({"kernel_size": 4, "stride": 3, "padding": 0, "bias": False}, (2, 13, 10)),
               case({"kernel_size": 7, "padding": 0}, (1, 7, 7))],
    "ConvTranspose1d": [case({}, (4, 8)), case({"kernel_size": 3, "stride": 1, "padding": 1},
                                               (2, 9)),
                        case({"kernel_size": 4, "stride": 2, "padding": 1}, (3, 5)),
                        case({"kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
                             (8, 7)),
                        case({"out_channels": 1, "kernel_size": 5, "stride": 3, "bias": False},
                             (5, 1))],
    "ConvTranspose2d": [case({}, (4, 8, 8)),
                        case({"kernel_size": 3, "stride": 1, "padding": 1}, (2, 5, 7)),
                        case({"kernel_size": 4, "stride": 2, "padding": 1}, (3, 7, 7)),
                        case({"kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
                             (8, 4, 3)),
                        case({"out_channels": 3, "kernel_size": 5, "stride": 3, "bias": False},
                             (16, 1, 1))],
    "MaxPool1d": [case({}, (3, 16)), case({}, (2, 15)), case({"kernel_size": 3, "stride": 1},
                                                             (1, 10)),
                  case({"kernel_size": 3, "stride": 2, "padding": 1}, (4, 9)),
                  case({"kernel_size": 5}, (2, 5)), case({"kernel_size": 1}, (1, 1))],
    "AvgPool1d": [case({}, (3, 16)), case({}, (2, 15)), case({"kernel_size": 3, "stride": 1},
                                                             (1, 10)),
                  case({"kernel_size": 3, "stride": 2, "padding": 1}, (4, 9)),
                  case({"kernel_size": 5}, (2, 5)), case({"kernel_size": 4, "padding": 2},
                                                         (1, 3))],
    "MaxPool2d": [case({}, (3, 16, 16)), case({}, (2, 15, 9)),
                  case({"kernel_size": 3, "stride": 1}, (1, 10, 10)),
                  case({"kernel_size": 3, "stride": 2, "padding": 1}, (4, 7, 8)),
                  case({"kernel_size": 5}, (2, 5, 6)), case({"kernel_size": 1}, (1, 1, 1))],
    "AvgPool2d": [case({}, (3, 16, 16)), case({}, (2, 15, 9)),
                  case({"kernel_size": 3, "stride": 1}, (1, 10, 10)),
                  case({"kernel_size": 3, "stride": 2, "padding": 1}, (4, 7, 8)),
                  case({"kernel_size": 5}, (2, 5, 6)), case({"kernel_size": 2, "padding": 1},
                                                            (1, 1, 1))],
    "GlobalAvgPool1d": [case({}, (3, 16)), case({}, (1, 1)), case({}, (8, 7)), case({}, (2, 100)),
                        case({}, (64, 3))],
    "GlobalMaxPool1d": [case({}, (3, 16)), case({}, (1, 1)), case({}, (8, 7)), case({}, (2, 100)),
                        case({}, (64, 3))],
    "GlobalAvgPool2d": [case({}, (3, 16, 16)), case({}, (1, 1, 1)), case({}, (8, 7, 5)),
                        case({}, (2, 1, 9)), case({}, (64, 3, 3))],
    "GlobalMaxPool2d": [case({}, (3, 16, 16)), case({}, (1, 1, 1)), case({}, (8, 7, 5)),
                        case({}, (2, 1, 9)), case({}, (64, 3, 3))],
    "BatchNorm": [case({}, (8,)), case({}, (3, 20)), case({}, (4, 5, 5)),
                  case({"affine": False}, (6, 7)), case({"momentum": 1.0, "eps": 1e-3}, (1,)),
                  case({"momentum": 0.01}, (2, 1, 3))],
    "LayerNorm": [case({}, (8,)), case({}, (3, 20)), case({}, (4, 5, 5)),
                  case({"elementwise_affine": False}, (6, 7)), case({"eps": 1e-3}, (1, 2))],
    "Flatten": [case({}, (8,)), case({}, (3, 20)), case({}, (4, 5, 5)), case({}, (1, 1, 1)),
                case({}, (2, 3, 4))],
    "Reshape": [case({}, (8,)), case({"shape": (4, 5)}, (20,)), case({"shape": (-1,)},
                                                                     (4, 5, 5)),
                case({"shape": (2, -1, 3)}, (12,)), case({"shape": (1, 1, 1, 6)}, (2, 3)),
                case({"shape": (-1, 7)}, (7,))],
    "Upsample": [case({}, (3, 8)), case({}, (2, 4, 5)), case({"mode": "linear"}, (3, 8)),
                 case({"mode": "linear", "scale_factor": 3}, (2, 4, 5)),
                 case({"scale_factor": 1}, (1, 1)), case({"scale_factor": 8}, (1, 1, 2))],
    "Add": [case({}, (8,), (8,)), case({"inputs": 3}, (3, 5), (3, 5), (3, 5)),
            case({"inputs": 4}, (2, 4, 4), (2, 4, 4), (2, 4, 4), (2, 4, 4)),
            case({}, (1,), (1,)), case({}, (16, 7, 3), (16, 7, 3))],
    "Multiply": [case({}, (8,), (8,)), case({"inputs": 3}, (3, 5), (3, 5), (3, 5)),
                 case({"inputs": 4}, (2, 4, 4), (2, 4, 4), (2, 4, 4), (2, 4, 4)),
                 case({}, (1,), (1,)), case({}, (16, 7, 3), (16, 7, 3))],
    "Concat": [case({}, (8,), (3,)), case({"inputs": 3}, (3, 5), (1, 5), (2, 5)),
               case({"axis": 1}, (3, 5), (3, 2)), case({"axis": -1}, (2, 4, 4), (2, 4, 1)),
               case({"inputs": 4, "axis": 2}, (2, 4, 1), (2, 4, 2), (2, 4, 3), (2, 4, 4)),
               case({}, (16, 8, 8), (8, 8, 8))],
}
CASES.update(SEQ_CASES)
CASES.update(ATT_CASES)
CASES.update(GEN_CASES)
CASES.update(SKIP_CASES)

CONTRACT = [pytest.param(name, *c, id=f"{name}-{i}")
            for name in BLOCKS.names() for i, c in enumerate(CASES.get(name, ()))]


def run_block(name: str, raw: dict, in_shapes: list[Shape], ctx: Context):
    """Build the block and check torch agrees with its shape rule and parameter count."""
    spec = BLOCKS.get(name)
    params = spec.validate_params(raw)
    expected = spec.shape_rule(params, in_shapes, ctx)
    module = build_block(spec, params, in_shapes, ctx)
    tokens = None
    if in_shapes:
        tokens = token_ids(name, params, in_shapes[0], ctx, BATCH)
        tokens = class_ids(name, params, in_shapes[0], ctx, BATCH) if tokens is None else tokens
    if tokens is not None:
        inputs = [tokens]
    elif spec.ports(params):
        assert len(spec.ports(params)) == len(in_shapes)
        inputs = [torch.randn(BATCH, *s, requires_grad=True) for s in in_shapes]
    else:
        inputs = [torch.randn(BATCH, *expected, requires_grad=True)]
    for train in (False, True):
        module.train(train)
        out = module(*inputs)
        assert tuple(out.shape) == (BATCH, *expected), \
            f"{name}{params}: torch gives {tuple(out.shape)}, shape rule {expected}"
        assert torch.isfinite(out).all()
    out.square().sum().backward()
    assert all(x.grad is not None for x in inputs if x.requires_grad), \
        "a gradient does not reach every input"
    torch_count = sum(p.numel() for p in module.parameters())
    assert spec.param_count(params, in_shapes, ctx) == torch_count
    return module


@pytest.mark.parametrize(("name", "raw", "in_shapes", "ctx"), CONTRACT)
def test_block_matches_torch(name: str, raw: dict, in_shapes: list[Shape], ctx: Context) -> None:
    torch.manual_seed(0)
    module = run_block(name, raw, in_shapes, ctx)
    for p in module.parameters():
        assert p.grad is not None


def test_every_block_has_cases() -> None:
    missing = [name for name in BLOCKS.names() if len(CASES.get(name, ())) < 5]
    assert not missing, f"list at least 5 parameter sets in CASES for: {missing}"
    stale = sorted(set(CASES) - set(BLOCKS.names()))
    assert not stale, f"CASES names blocks that are not in the catalogue: {stale}"


def test_every_block_is_described() -> None:
    for spec in BLOCKS:
        assert spec.family in BUILDERS, f"{spec.type}: no builder for family {spec.family!r}"
        assert spec.doc.strip().endswith("."), spec.type
        spec.validate_params({})  # defaults are valid
        for param in spec.params:
            assert param.doc, f"{spec.type}.{param.name} has no doc"
            if param.kind in ("int", "float"):
                assert param.minimum is not None and param.maximum is not None, \
                    f"{spec.type}.{param.name} needs a range"


def test_merge_ports_follow_inputs() -> None:
    for name in ("Add", "Multiply", "Concat"):
        spec = BLOCKS.get(name)
        assert spec.ports(spec.validate_params({})) == ("in1", "in2")
        assert spec.ports(spec.validate_params({"inputs": 4})) == ("in1", "in2", "in3", "in4")


def test_causal_conv_ignores_the_future() -> None:
    torch.manual_seed(0)
    spec = BLOCKS.get("Conv1d")
    params = spec.validate_params({"causal": True, "kernel_size": 3, "dilation": 2})
    conv = build_block(spec, params, [(2, 12)], NO_CTX)
    x = torch.randn(1, 2, 12)
    y = x.clone()
    y[..., 7:] = torch.randn(1, 2, 5)
    with torch.no_grad():
        assert torch.allclose(conv(x)[..., :7], conv(y)[..., :7])
        assert not torch.allclose(conv(x)[..., 7:], conv(y)[..., 7:])


def test_batchnorm_running_stats_are_buffers() -> None:
    spec = BLOCKS.get("BatchNorm")
    params = spec.validate_params({})
    module = build_block(spec, params, [(4, 5, 5)], NO_CTX)
    assert isinstance(module, torch.nn.BatchNorm2d)
    assert {n for n, _ in module.named_parameters()} == {"weight", "bias"}
    assert {"running_mean", "running_var"} <= {n for n, _ in module.named_buffers()}
    assert isinstance(build_block(spec, params, [(4, 5)], NO_CTX), torch.nn.BatchNorm1d)


def bad(name: str, raw: dict, in_shapes: list[Shape], words: str,
        about_input: bool = True) -> tuple:
    """A shape (or setting) that does not fit, with words its message must contain."""
    return name, raw, in_shapes, words, about_input


INVALID = [
    bad("Conv2d", {}, [(64,)], "4-D input (N, C, H, W)"),
    bad("Conv1d", {}, [(3, 8, 8)], "3-D input (N, C, L)"),
    bad("Conv2d", {"groups": 3, "out_channels": 6}, [(8, 16, 16)],
        "groups (3) to divide both its input channels and out_channels (6)"),
    bad("Conv1d", {"groups": 4, "out_channels": 6}, [(8, 16)],
        "and out_channels (6 is not a multiple of 4)", about_input=False),
    bad("Conv1d", {"kernel_size": 9, "padding": 0}, [(2, 4)], "makes the length 0"),
    bad("Conv2d", {"kernel_size": 5, "padding": 0}, [(2, 10, 3)], "makes the width 0"),
    bad("Conv2d", {"kernel_size": 3, "dilation": 4, "padding": 0}, [(2, 8, 8)],
        "the kernel (9 wide with its dilation) is larger than the padded input (8)"),
    bad("ConvTranspose1d", {"stride": 2, "output_padding": 2}, [(2, 4)],
        "output_padding (2) smaller than stride (2)", about_input=False),
    bad("ConvTranspose2d", {"kernel_size": 1, "stride": 1, "padding": 3}, [(2, 3, 3)],
        "makes the height 0"),
    bad("MaxPool2d", {"kernel_size": 4}, [(3, 2, 8)], "makes the height 0: the window"),
    bad("AvgPool1d", {"kernel_size": 3, "padding": 2}, [(3, 20)],
        "at most half the window size", about_input=False),
    bad("GlobalAvgPool2d", {}, [(3, 20)], "4-D input (N, C, H, W)"),
    bad("BatchNorm", {}, [(2, 3, 4, 5)], "needs features (N, F), a signal"),
    bad("LayerNorm", {}, [()], "at least one feature axis"),
    bad("Reshape", {"shape": (3, 5)}, [(64,)], "needs 15 values per example to make (N, 3, 5)"),
    bad("Reshape", {"shape": (-1, 5)}, [(64,)], "multiple of 5"),
    bad("Reshape", {"shape": (-1, -1)}, [(64,)], "only one -1", about_input=False),
    bad("Reshape", {"shape": (0, 4)}, [(64,)], "positive size or -1", about_input=False),
    bad("Upsample", {}, [(64,)], "a signal (N, C, L) or an image (N, C, H, W)"),
    bad("Add", {}, [(64,), (32,)], "needs inputs of the same shape"),
    bad("Multiply", {"inputs": 3}, [(4, 4), (4, 4), (4, 5)], "needs inputs of the same shape"),
    bad("Concat", {}, [(8, 4, 4), (8, 5, 4)], "match on every axis except the one it joins along"),
    bad("Concat", {}, [(8, 4), (8, 4, 4)], "the same number of axes"),
    bad("Concat", {"axis": 2}, [(8, 4), (8, 4)], "an axis 2 to join along"),
    bad("ClassifierHead", {}, [(16,)], "set 'classes' or pick a dataset", about_input=False),
    *GEN_INVALID,
    *SKIP_INVALID,
]


@pytest.mark.parametrize(("name", "raw", "in_shapes", "words", "about_input"), INVALID,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(INVALID)])
def test_bad_shapes_are_explained(name: str, raw: dict, in_shapes: list[Shape], words: str,
                                  about_input: bool) -> None:
    spec = BLOCKS.get(name)
    params = spec.validate_params(raw)
    with pytest.raises(ShapeError) as err:
        spec.shape_rule(params, in_shapes, NO_CTX)
    message = str(err.value)
    assert words in message
    assert err.value.about_input == about_input
    # It reads as a clause after the block's name, before "but receives (N, ...) from ...".
    assert message[0].islower() and not message.endswith((".", ","))
    assert "torch" not in message and "Tensor" not in message
    received = " and ".join(f"{format_shape(s)} from Dense {i + 2}"
                            for i, s in enumerate(in_shapes))
    sentence = f"{name} 1 {message}" + (f" but receives {received}" if about_input else "")
    assert len(sentence) < 200
    with pytest.raises(ShapeError):
        build_block(spec, params, in_shapes, NO_CTX)


def test_registries_refuse_duplicates() -> None:
    blocks = BlockRegistry()
    blocks.register(BLOCKS.get("Dense"))
    with pytest.raises(ValueError, match="already registered"):
        blocks.register(BLOCKS.get("Dense"))
    builders = BuilderRegistry()
    builders.register("dense", BUILDERS.get("dense"))
    with pytest.raises(ValueError, match="already registered"):
        builders.register("dense", BUILDERS.get("dense"))
    with pytest.raises(ValueError, match="already registered"):
        BUILDERS.register("conv", BUILDERS.get("conv"))
    with pytest.raises(LookupError, match="no torch builder"):
        builders.get("nonexistent")


def test_spec_package_does_not_import_torch() -> None:
    code = "import sys, mlsp_studio.model.catalog; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


SIZES = st.integers(1, 12)


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d",
                             "MaxPool1d", "AvgPool1d", "MaxPool2d", "AvgPool2d"]),
       channels=st.integers(1, 4), sizes=st.tuples(SIZES, SIZES), out=st.integers(1, 4),
       kernel=st.integers(1, 6), stride=st.integers(0, 4), padding=st.integers(0, 3),
       dilation=st.integers(1, 3), groups=st.integers(1, 4), extra=st.integers(0, 3),
       causal=st.booleans())
def test_shape_rule_agrees_with_torch_or_explains(name, channels, sizes, out, kernel, stride,
                                                  padding, dilation, groups, extra,
                                                  causal) -> None:
    spec = BLOCKS.get(name)
    dims = 2 if name.endswith("2d") else 1
    raw = {"kernel_size": kernel, "stride": stride, "padding": padding}
    if name.startswith("Conv"):
        raw.update(out_channels=out * groups, stride=max(stride, 1))
    if name.startswith("ConvTranspose"):
        raw.update(output_padding=extra, out_channels=out)
    elif name.startswith("Conv"):
        raw.update(dilation=dilation, groups=groups)
        if dims == 1:
            raw["causal"] = causal
    params = spec.validate_params(raw)
    shape = (channels, *sizes[:dims])
    try:
        spec.shape_rule(params, [shape], NO_CTX)
    except ShapeError:
        # The rule refuses only what torch refuses or turns into an empty output.
        try:
            module = BUILDERS.get(spec.family)(spec, params, [shape], NO_CTX)
            result = module(torch.randn(BATCH, *shape))
        except (RuntimeError, ValueError):
            return
        assert result.numel() == 0, f"torch gives {tuple(result.shape)} for {params}"
        return
    torch.manual_seed(0)
    run_block(name, raw, [shape], NO_CTX)
