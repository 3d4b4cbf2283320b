"""Sequence to sequence: an encoder reads the source, a decoder writes the target token by token.

The network is one graph with two Inputs: source ``"x"`` (the source token ids, (Ls,)) and
source ``"dec"`` (the decoder's input, (Lt,)). Its output scores every vocabulary token at every
target position, (Lt, V): position i predicts target token i from the source and from the
decoder input up to position i. The decoder input is ``<bos>`` followed by the tokens written
so far.

Training shows the decoder the true previous tokens (teacher forcing: ``<bos>`` + the target
shifted right by one); on the share of steps that the ``teacher_forcing`` setting leaves over,
it shows the network's own greedy guesses instead, made without gradients. Evaluation never
shows the target: greedy decoding starts from ``<bos>`` alone, runs the network, writes its
best guess for position i into the decoder input at i + 1, and repeats for every position.
A network with no ``"dec"`` input writes the whole target in one pass.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ...errors import ProjectError
from ...model.project import Project
from ...nn.attention import capture_attention
from ...snapshots.kinds import AttentionLayer, AttentionMaps, Snapshot
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..seq_visuals import step_labels, token_texts
from ..update import TrainerBase
from .snapshots import Alignment

EVAL_TRAIN_SUBSET = 512   # training examples used for the train-split metrics
EVAL_BATCH = 1024         # examples decoded at once when evaluating
SOURCES = ("x", "dec")


def shift_right(target: torch.Tensor, bos_id: int) -> torch.Tensor:
    """The decoder input for ``target`` (N, Lt): ``<bos>`` then the target without its last
    token, so position i sees the tokens before target token i and never token i itself."""
    start = torch.full_like(target[:, :1], bos_id)
    return torch.cat([start, target[:, :-1]], 1)


def greedy_decode(run, x: torch.Tensor, length: int, bos_id: int, pad_id: int = 0,
                  reads_dec: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy decoding of ``length`` tokens for every source row of ``x`` (N, Ls), with
    ``run(x, dec)`` the network's scores (N, length, V).

    Returns the guesses (N, length) and the last decoder input (N, length): ``<bos>`` then
    the guesses shifted right. The decoder input starts as ``<bos>`` followed by padding;
    after each run of the network the guess at position i is written in at i + 1, so the
    network only ever sees its own earlier guesses. A network that does not read the decoder
    input (``reads_dec`` False) writes every position in one run."""
    n = len(x)
    dec = torch.full((n, length), pad_id, dtype=torch.long, device=x.device)
    dec[:, 0] = bos_id
    if not reads_dec:
        return run(x, dec).argmax(-1), dec
    pred = torch.empty((n, length), dtype=torch.long, device=x.device)
    for i in range(length):
        pred[:, i] = run(x, dec)[:, i].argmax(-1)             # the guess at position i
        if i + 1 < length:
            dec[:, i + 1] = pred[:, i]
    return pred, dec


def teacher_forced(share: float, generator: torch.Generator) -> bool:
    """Whether a training step shows the decoder the true previous tokens: always when
    ``share`` is 1, else a coin from ``generator`` that says yes on ``share`` of the steps."""
    if share >= 1.0:
        return True
    return torch.rand((), generator=generator).item() < share


def decoder_input(run, x: torch.Tensor, y: torch.Tensor, forced: bool, bos_id: int,
                  pad_id: int = 0, reads_dec: bool = True) -> torch.Tensor:
    """What the decoder reads in a training step on sources ``x`` and targets ``y`` (N, Lt):
    the shifted target (teacher forcing), or the network's own greedy guesses shifted the
    same way, made without gradients."""
    if forced:
        return shift_right(y, bos_id)
    with torch.no_grad():
        return greedy_decode(run, x, y.shape[1], bos_id, pad_id, reads_dec)[1]


def sequence_loss(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of every target position: scores (N, Lt, V) flattened to
    (N * Lt, V) against the target ids (N, Lt) flattened to (N * Lt,)."""
    return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), target.reshape(-1))


def token_accuracy(pred: torch.Tensor, target: torch.Tensor) -> float:
    """The share of target tokens predicted right, over every position of every example."""
    return (pred == target).float().mean().item()


def exact_match(pred: torch.Tensor, target: torch.Tensor) -> float:
    """The share of examples whose whole output sequence is right, every position."""
    return (pred == target).all(dim=1).float().mean().item()


@PARADIGMS.register("seq2seq")
class Seq2SeqParadigm(TrainerBase):
    """Learn source sequences → target sequences with one encoder–decoder graph (slot
    ``model``), teacher forcing while training and greedy decoding while testing."""

    name = "seq2seq"
    options = {"example_index": 0}

    # -- set-up --------------------------------------------------------------------------
    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        self._begin(project, data, device)
        self.model = nets["model"]
        self.sources = tuple(getattr(self.model, "sources", SOURCES))
        others = [s for s in self.sources if s not in SOURCES]
        if others or "x" not in self.sources:
            raise ProjectError("a sequence-to-sequence network reads the source from an Input "
                               "with source 'x' and the decoder's tokens from one with source "
                               f"'dec'; this one reads {', '.join(map(repr, self.sources))}")
        if "bos_id" not in data.extras:
            raise ProjectError(f"the {data.name} dataset has no start token (<bos>), so a "
                               "decoder cannot be started on it")
        self._behind = _sources_by_block(project.slots.get("model"))
        self.bos_id = int(data.extras["bos_id"])
        self.pad_id = int(getattr(data.tokenizer, "pad_id", 0) or 0)
        self.x, self.y = data.train.x, data.train.y
        n = len(self.x)
        self._common_setup(project, n, device)
        self.optimizer = make_optimizer(self.model.parameters(), self.hparams, self.total_steps)
        self._train_eval = self._fixed_rows(n, EVAL_TRAIN_SUBSET)
        self.visual_kinds = frozenset(self._find_visual_kinds())

    def _find_visual_kinds(self) -> set[str]:
        """Attention maps where the network has attention; the alignment where it has
        cross-attention. Found by running the network once on one example, which also checks
        that its output fits the target."""
        test = self.data.test if len(self.data.test) else self.data.train
        with torch.inference_mode():
            self.model.eval()
            dec = shift_right(test.y[:1], self.bos_id)
            out, records = capture_attention(self.model, *self._inputs(test.x[:1], dec))
            _check_output(out, dec.shape[1])
        kinds = {"attention"} if records else set()
        if any(r.mode == "cross" for r in records):
            kinds.add("alignment")
        return kinds

    # -- running the network -------------------------------------------------------------
    def _inputs(self, x: torch.Tensor, dec: torch.Tensor) -> list[torch.Tensor]:
        given = {"x": x, "dec": dec}
        return [given[s] for s in self.sources]

    def _run(self, x: torch.Tensor, dec: torch.Tensor) -> torch.Tensor:
        return _check_output(self.model(*self._inputs(x, dec)), dec.shape[1])

    def greedy(self, x: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy decoding of ``length`` tokens for every source row of ``x``: the guesses
        (N, length) and the last decoder input (see :func:`greedy_decode`)."""
        return greedy_decode(self._run, x, length, self.bos_id, self.pad_id,
                             "dec" in self.sources)

    # -- training ------------------------------------------------------------------------
    def step(self) -> dict[str, float]:
        if not self.model.training:  # train() walks every block: only when it changed
            self.model.train()
        idx = self._next_indices()
        x, y = self.x[idx], self.y[idx]
        forced = teacher_forced(self.hparams["teacher_forcing"], self.generator)
        dec = decoder_input(self._run, x, y, forced, self.bos_id, self.pad_id,
                            "dec" in self.sources)
        return {"loss": self._update(sequence_loss(self._run(x, dec), y))}

    def evaluate(self, split: str = "val") -> dict[str, float]:
        """Loss with teacher forcing; token accuracy and exact match with greedy decoding."""
        x, y = self._scored_rows(split, self._train_eval)
        if len(x) == 0:
            return {}
        with torch.inference_mode():
            self.model.eval()
            losses, preds = [], []
            for i in range(0, len(x), EVAL_BATCH):
                xb, yb = x[i:i + EVAL_BATCH], y[i:i + EVAL_BATCH]
                out = self._run(xb, shift_right(yb, self.bos_id))
                losses.append(sequence_loss(out, yb) * len(xb))
                preds.append(self.greedy(xb, yb.shape[1])[0])
            pred = torch.cat(preds)
            return {"loss": (sum(losses) / len(x)).item(),
                    "accuracy": token_accuracy(pred, y),
                    "exact_match": exact_match(pred, y)}

    # -- pictures ------------------------------------------------------------------------
    def _tokens(self, ids: torch.Tensor) -> tuple[str, ...]:
        return token_texts(self.data.vocab, ids)

    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        wanted = set(kinds) & self.visual_kinds
        if not wanted:
            return []
        test = self.data.test if len(self.data.test) else self.data.train
        try:
            index = int(self._options.get("example_index", 0)) % len(test)
        except (TypeError, ValueError):
            index = 0
        x, y = test.x[index:index + 1], test.y[index:index + 1]
        with torch.inference_mode():
            self.model.eval()
            pred, dec = self.greedy(x, y.shape[1])
            records = capture_attention(self.model, *self._inputs(x, dec))[1]
        tokens = {"x": self._tokens(x[0]), "dec": self._tokens(dec[0])}
        output, target = self._tokens(pred[0]), self._tokens(y[0])
        snaps: list[Snapshot] = []
        cross = [r for r in records if r.mode == "cross"]
        if "alignment" in wanted and cross:
            record = cross[-1]
            weights = record.weights[0].float().mean(0).cpu().numpy()
            snaps.append(Alignment(step=self.steps_done, index=index, weights=weights,
                                   source_tokens=tokens["x"], output_tokens=output,
                                   target_tokens=target, label=record.label))
        if "attention" in wanted:
            text = (f"{' '.join(tokens['x'])} → {' '.join(target)} "
                    f"(wrote {' '.join(output)})")
            layers = tuple(self._layer(r, tokens) for r in records)
            snaps.append(AttentionMaps(step=self.steps_done, index=index, text=text,
                                       layers=layers))
        return snaps

    def _layer(self, record, tokens: dict[str, tuple[str, ...]]) -> AttentionLayer:
        """One record as an AttentionLayer, rows and columns labelled with the tokens they
        stand for: the decoder's for cross-attention queries and for self-attention behind
        the decoder input, the source's otherwise."""
        weights = record.weights[0].float().cpu().numpy()
        reads_dec = "dec" in self._sources_behind(record.key)
        query_side = "dec" if record.mode == "cross" or reads_dec else "x"
        key_side = "x" if record.mode == "cross" else query_side
        lq, lk = weights.shape[-2], weights.shape[-1]
        return AttentionLayer(label=record.label, weights=weights,
                              query_tokens=_fit(tokens[query_side], lq),
                              key_tokens=_fit(tokens[key_side], lk),
                              causal=bool(record.causal), mode=record.mode)

    def _sources_behind(self, key: str) -> set[str]:
        """The data inputs a block's input depends on, from the graph (``key`` is a block
        name such as ``n7``, maybe with a part after a dot)."""
        name = str(key).split(".")[0].split(":")[0]
        return self._behind.get(name, set())


def _fit(tokens: tuple[str, ...], length: int) -> tuple[str, ...]:
    """Token labels for ``length`` rows, or position labels where the lengths differ."""
    return tokens if len(tokens) == length else step_labels(length)


def _check_output(out: torch.Tensor, length: int) -> torch.Tensor:
    """``out`` when it scores the vocabulary at each of the ``length`` target positions."""
    if isinstance(out, torch.Tensor) and out.dim() == 3 and out.shape[1] == length:
        return out
    shown = "several outputs" if not isinstance(out, torch.Tensor) else \
        "(" + ", ".join(["N", *map(str, out.shape[1:])]) + ")"
    raise ProjectError(f"the network's output is {shown}, but a sequence-to-sequence network "
                       f"must score every token at each of the {length} target positions, "
                       f"(N, {length}, vocabulary)")


def _sources_by_block(graph) -> dict[str, set[str]]:
    """For every block ``n<id>`` of ``graph``, the Input sources upstream of it (itself
    included), found by spreading each Input's source along the edges."""
    if graph is None:
        return {}
    found = {node_id: ({str(node.params.get("source", "x"))} if node.type == "Input" else set())
             for node_id, node in graph.nodes.items()}
    frontier = [node_id for node_id, sources in found.items() if sources]
    while frontier:
        node_id = frontier.pop()
        for edge in graph.consumers_of(node_id):
            if edge.dst in found and not found[node_id] <= found[edge.dst]:
                found[edge.dst] |= found[node_id]
                frontier.append(edge.dst)
    return {f"n{node_id}": sources for node_id, sources in found.items()}


__all__ = ["Seq2SeqParadigm", "decoder_input", "exact_match", "greedy_decode", "sequence_loss",
           "shift_right", "teacher_forced", "token_accuracy"]
