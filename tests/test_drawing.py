"""The drawing helpers that the live panels and the report figures share."""

from __future__ import annotations

import numpy as np

from mlsp_studio.snapshots.drawing import (
    CLASS_COLOURS,
    UNKNOWN_CLASS,
    as_channels,
    blend_classes,
    boundary_picture,
    class_colour,
    finite_floats,
    hex_rgb,
    input_kind,
)
from mlsp_studio.snapshots.kinds import DecisionBoundary


def _grid(probs: np.ndarray, **kw) -> DecisionBoundary:
    h, w = probs.shape[:2]
    return DecisionBoundary(step=1, xs=np.linspace(-1, 1, w), ys=np.linspace(-1, 1, h),
                            probs=probs, **kw)


def test_palette_wraps_and_unknown_is_grey():
    assert class_colour(0) == CLASS_COLOURS[0]
    assert class_colour(len(CLASS_COLOURS) + 1) == CLASS_COLOURS[1]
    assert class_colour(-1) == UNKNOWN_CLASS
    assert hex_rgb("#ff0080") == (1.0, 0.0, 128 / 255)


def test_finite_floats_turns_infinities_into_nan_and_checks_rank():
    out = finite_floats([1, np.inf, -np.inf, np.nan])
    assert out.dtype == np.float64
    assert out[0] == 1.0 and np.isnan(out[1:]).all()
    assert finite_floats(np.zeros(3), ndim=2).shape == (0, 0)


def test_one_sigmoid_output_of_two_classes_is_expanded():
    p = np.full((3, 4), 0.8)  # (H, W): one output, read as P(class 1)
    pic = boundary_picture(_grid(p, points=np.zeros((2, 2)), labels=np.array([0, 1])))
    assert pic.has_grid and pic.n_classes == 2
    assert pic.probs.shape == (3, 4, 2)
    np.testing.assert_allclose(pic.probs[..., 0], 0.2)
    np.testing.assert_allclose(pic.probs[..., 1], 0.8)


def test_one_output_without_a_second_class_stays_one_column():
    pic = boundary_picture(_grid(np.full((3, 4, 1), 0.5)))
    assert pic.n_classes == 1 and pic.probs.shape == (3, 4, 1)


def test_nan_points_are_dropped_with_their_labels():
    points = np.array([[0.0, 0.0], [np.nan, 1.0], [1.0, np.inf], [0.5, -0.5]])
    pic = boundary_picture(DecisionBoundary(step=1, points=points, labels=np.array([0, 1, 2, 1])))
    np.testing.assert_array_equal(pic.points, [[0.0, 0.0], [0.5, -0.5]])
    np.testing.assert_array_equal(pic.labels, [0, 1])
    assert not pic.has_grid and pic.grid_extent is None


def test_labels_of_the_wrong_length_become_unknown():
    pic = boundary_picture(DecisionBoundary(step=1, points=np.zeros((3, 2)),
                                            labels=np.array([0, 1])))
    np.testing.assert_array_equal(pic.labels, [-1, -1, -1])
    assert pic.labels.dtype == np.int64


def test_descending_grid_is_flipped_and_extent_covers_the_cells():
    probs = np.zeros((2, 3, 2))
    probs[0, :, 0] = 1.0  # the first row (y = 1 here) is class 0
    probs[1, :, 1] = 1.0
    snap = DecisionBoundary(step=1, xs=np.array([0.0, 1.0, 2.0]), ys=np.array([1.0, 0.0]),
                            probs=probs)
    pic = boundary_picture(snap)
    np.testing.assert_array_equal(pic.ys, [0.0, 1.0])
    assert pic.probs[1, 0, 0] == 1.0 and pic.probs[0, 0, 1] == 1.0
    assert pic.grid_extent == (-0.5, 2.5, -0.5, 1.5)


def test_mismatched_grid_is_no_grid():
    snap = DecisionBoundary(step=1, xs=np.zeros(4), ys=np.zeros(3), probs=np.zeros((3, 5, 2)))
    assert not boundary_picture(snap).has_grid


def test_blend_shape_and_range():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=(5, 7))
    rgb = blend_classes(probs, 3)
    assert rgb.shape == (5, 7, 3)
    assert (rgb >= 0).all() and (rgb <= 1).all()
    assert blend_classes(np.full((2, 2, 1), 0.5), 1).shape == (2, 2, 3)


def test_blend_is_pale_when_unsure_and_leans_to_the_class_when_sure():
    unsure = blend_classes(np.full((1, 1, 2), 0.5), 2)[0, 0]
    sure = blend_classes(np.array([[[0.0, 1.0]]]), 2)[0, 0]
    blue = np.array(hex_rgb(class_colour(1)))
    # unsure: only the 0.12 floor of colour over white
    assert unsure.min() > 0.85
    # sure: white moved 0.55 of the way towards the class colour
    np.testing.assert_allclose(sure, 1.0 - 0.55 * (1.0 - blue))
    assert np.linalg.norm(sure - blue) < np.linalg.norm(unsure - blue)


def test_blend_treats_nan_and_all_zero_cells_as_unsure():
    probs = np.array([[[np.nan, np.nan], [0.0, 0.0]]])
    rgb = blend_classes(probs, 2)
    np.testing.assert_allclose(rgb[0, 0], rgb[0, 1])
    np.testing.assert_allclose(rgb[0, 0], blend_classes(np.full((1, 1, 2), 0.5), 2)[0, 0])


def test_channels_and_input_kind():
    assert as_channels(np.zeros(5)).shape == (1, 5)
    assert as_channels(np.zeros((2, 3, 4, 5))).shape == (6, 4, 5)
    assert input_kind(np.zeros(8))[0] == "signal"
    assert input_kind(np.zeros((1, 28)))[0] == "signal"
    assert input_kind(np.zeros((28, 28)))[0] == "gray"
    kind, rgb = input_kind(np.zeros((3, 8, 9)))
    assert kind == "rgb" and rgb.shape == (8, 9, 3)
    kind, gray = input_kind(np.zeros((2, 5, 8, 9)))
    assert kind == "gray" and gray.shape == (8, 9)
