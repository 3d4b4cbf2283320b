"""Snapshots of "What it computes" for the panel tests, made with numpy only (no torch).

``MATH_ORDINARY[kind](seed)`` is a realistic snapshot whose shapes do not depend on the
seed; ``MATH_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

from mlsp_studio.snapshots.kinds import Snapshot  # noqa: F401  (registers every kind first)
from mlsp_studio.snapshots.math import BlockValues, ValueTable, WorkedSum, table

NAN = np.nan


def dense(seed: int = 0, fan_in: int = 32, units: int = 16, node: int = 2) -> BlockValues:
    """Dense ``node`` of a spiral network on one example, with its first output worked out."""
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=fan_in), rng.normal(size=(units, fan_in)), rng.normal(size=units)
    y = w @ x + b
    shown = min(6, fan_in)
    return BlockValues(
        step=10 * seed, slot="model", node=node, label=f"Dense {node}", block_type="Dense",
        example="validation example 1, of class arm 2", in_shapes=((fan_in,),),
        out_shape=(units,), inputs=(table("input 1", x),),
        params=(table("weight", w), table("bias", b)), output=(table("output", y),),
        worked=WorkedSum(0, w[0, :shown], x[:shown], fan_in, float(w[0, shown:] @ x[shown:]),
                         float(b[0]), float(y[0])))


def lstm(seed: int = 0, steps: int = 20, hidden: int = 12) -> BlockValues:
    rng = np.random.default_rng(seed)
    gates = np.vstack([rng.random((3, hidden)), np.tanh(rng.normal(size=(3, hidden)))])
    return BlockValues(
        step=seed, slot="model", node=3, label="LSTM 3", block_type="LSTM",
        example='validation example 1, "abc"', in_shapes=((steps, 8),), out_shape=(hidden,),
        inputs=(table("input 1", rng.normal(size=(steps, 8))),),
        params=(table("rnn.weight_ih_l0", rng.normal(size=(4 * hidden, 8))),
                table("rnn.weight_hh_l0", rng.normal(size=(4 * hidden, hidden)))),
        output=(table("output", gates[-1]),),
        inside=(table("gates", gates, "the first layer at its last step",
                      ("i_t", "f_t", "o_t", "g_t", "c_t", "h_t")),))


MATH_ORDINARY = {"block_values": dense}
MATH_SNAPSHOTS = {
    "block_values": lambda: [
        dense(),
        BlockValues(step=1),
        BlockValues(step=2, slot="model", node=9, note="This block is not in the running "
                    "network: it was added after the run started."),
        lstm(),
        dense(seed=3, fan_in=3, units=2),
        BlockValues(step=4, label="Odd 4", block_type="NoSuchBlock",
                    inputs=(ValueTable("input 1", (0,), np.zeros((0, 0))),
                            ValueTable("input 2", (2, 3), np.full((2, 3), NAN)),
                            ValueTable("input 3", (), np.array([[np.inf]]), (0,), ("a", "b"))),
                    params=(ValueTable("weight", (5,), np.zeros(3)),),
                    output=(table("output", np.array([-np.inf, 1e9, -1e-9, 7.0])),),
                    worked=WorkedSum(0, np.zeros(0), np.zeros(0), 0)),
        BlockValues(step=5, block_type="Dense", worked=WorkedSum(
            0, np.array([NAN, 1.0]), np.array([2.0]), 5, NAN, NAN, NAN), more_params=3),
    ],
}
