"""The shared optimisation update (paradigms/update.py): a non-finite loss stops before any
gradient or weight is touched, the value returned is the loss, the step moves the weights,
clipping caps the gradient's norm (over every parameter, or each ensemble member on its own),
and the trainer base's set-up and counters."""

from __future__ import annotations

import math

import pytest
import torch

from mlsp_studio.model.project import Project
from mlsp_studio.paradigms.base import NonFiniteLoss
from mlsp_studio.paradigms.update import TrainerBase, optimise


def _net(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))


def _loss(net: torch.nn.Module, scale: float = 1.0) -> torch.Tensor:
    x = torch.linspace(-1, 1, 15).reshape(5, 3)
    return scale * (net(x) - 1.0).pow(2).mean()


def _weights(net: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def _grad_norm(params) -> float:
    return float(torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(p.grad) for p in params])))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_loss_raises_and_touches_nothing(bad: float) -> None:
    net = _net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    optimise(_loss(net), optimizer)                    # grads and momentum now exist
    weights = _weights(net)
    grads = [p.grad.clone() for p in net.parameters()]
    state = {k: v["momentum_buffer"].clone() for k, v in optimizer.state.items()}
    with pytest.raises(NonFiniteLoss) as caught:
        optimise(_loss(net) * bad, optimizer, clip=1.0)
    assert math.isnan(caught.value.value) if math.isnan(bad) else caught.value.value == bad
    for p, w, g in zip(net.parameters(), weights, grads, strict=True):
        assert torch.equal(p.detach(), w)
        assert torch.equal(p.grad, g)                  # not zeroed, not set to None
    for k, v in optimizer.state.items():
        assert torch.equal(v["momentum_buffer"], state[k])


def test_a_non_finite_member_raises_before_any_update() -> None:
    nets = [_net(0), _net(1)]
    optimizer = torch.optim.Adam([p for n in nets for p in n.parameters()], lr=0.1)
    weights = [_weights(n) for n in nets]
    with pytest.raises(NonFiniteLoss):
        optimise([_loss(nets[0]), _loss(nets[1]) * math.nan], optimizer)
    for net, before in zip(nets, weights, strict=True):
        assert all(torch.equal(p.detach(), w) for p, w in zip(net.parameters(), before,
                                                              strict=True))
        assert all(p.grad is None for p in net.parameters())
    assert not optimizer.state


def test_the_value_is_the_loss_and_the_step_moves_the_weights() -> None:
    net = _net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = _loss(net)
    expected = loss.item()
    weights = _weights(net)
    reference = _net()                                 # the same update by hand
    ref_loss = _loss(reference)
    ref_loss.backward()
    with torch.no_grad():
        for p in reference.parameters():
            p -= 0.1 * p.grad
    value = optimise(loss, optimizer)
    assert isinstance(value, float) and value == expected
    assert any(not torch.equal(p.detach(), w) for p, w in zip(net.parameters(), weights,
                                                             strict=True))
    for p, q in zip(net.parameters(), reference.parameters(), strict=True):
        assert torch.allclose(p.detach(), q.detach())


def test_gradients_do_not_pile_up_between_updates() -> None:
    net = _net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.0)   # the weights stay: same gradient
    optimise(_loss(net), optimizer)
    first = [p.grad.clone() for p in net.parameters()]
    optimise(_loss(net), optimizer)
    assert all(torch.equal(p.grad, g) for p, g in zip(net.parameters(), first, strict=True))


def test_several_losses_give_their_mean_and_the_gradient_of_their_sum() -> None:
    nets = [_net(0), _net(1)]
    optimizer = torch.optim.SGD([p for n in nets for p in n.parameters()], lr=0.0)
    losses = [_loss(n) for n in nets]
    values = [loss.item() for loss in losses]
    assert optimise(losses, optimizer) == sum(values) / 2
    for net in nets:
        alone = _net(0 if net is nets[0] else 1)
        _loss(alone).backward()
        for p, q in zip(net.parameters(), alone.parameters(), strict=True):
            assert torch.allclose(p.grad, q.grad)


def test_clipping_caps_the_gradient_norm() -> None:
    net = _net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.0)
    optimise(_loss(net, 100.0), optimizer)
    assert _grad_norm(net.parameters()) > 1.0           # big enough to be clipped
    optimise(_loss(net, 100.0), optimizer, clip=0.5)
    assert _grad_norm(net.parameters()) == pytest.approx(0.5, rel=1e-4)
    optimise(_loss(net, 1e-4), optimizer, clip=0.5)     # a small gradient is left as it is
    small = _net()
    _loss(small, 1e-4).backward()
    assert all(torch.equal(p.grad, q.grad) for p, q in zip(net.parameters(), small.parameters(),
                                                           strict=True))


def test_clipping_takes_each_member_on_its_own() -> None:
    nets = [_net(0), _net(1)]
    optimizer = torch.optim.SGD([p for n in nets for p in n.parameters()], lr=0.0)
    optimise([_loss(nets[0], 100.0), _loss(nets[1], 1000.0)], optimizer, clip=0.5,
             params=nets)
    for net in nets:
        assert _grad_norm(net.parameters()) == pytest.approx(0.5, rel=1e-4)
    # over everything at once, the two together are capped and the small one gets less
    optimise([_loss(nets[0], 100.0), _loss(nets[1], 1000.0)], optimizer, clip=0.5)
    total = _grad_norm([p for n in nets for p in n.parameters()])
    assert total == pytest.approx(0.5, rel=1e-4)
    assert _grad_norm(nets[0].parameters()) < 0.5


def test_clipping_only_the_parameters_named() -> None:
    net = _net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.0)
    optimise(_loss(net, 100.0), optimizer)
    unclipped = net[2].weight.grad.clone()
    optimise(_loss(net, 100.0), optimizer, clip=0.5, params=net[0])
    assert _grad_norm(net[0].parameters()) == pytest.approx(0.5, rel=1e-4)
    assert torch.equal(net[2].weight.grad, unclipped)


class _Trainer(TrainerBase):
    name = "supervised"
    options = {"example_index": 0}


def test_the_trainer_base_sets_up_batches_and_counts_steps() -> None:
    trainer, other = _Trainer(), _Trainer()
    trainer.set_visual_option("example_index", 3)
    assert other._options == {"example_index": 0}      # each its own copy
    assert (trainer.epoch, trainer.steps_done, trainer.steps_per_epoch) == (0, 0, 1)
    project = Project(name="t", paradigm="supervised", dataset="spiral", slots={}, seed=5,
                      hparams={"batch_size": 64, "epochs": 3, "eval_every": 0})
    trainer._begin(project, None, torch.device("cpu"))
    assert (trainer.hparams["batch_size"], trainer.seed) == (64, 5)
    trainer._common_setup(project, 10, None)            # a batch at most the rows there are
    assert (trainer.batch_size, trainer.steps_per_epoch) == (10, 1)
    assert (trainer.total_steps, trainer.eval_every) == (3, 1)
    rows = torch.randperm(10, generator=torch.Generator().manual_seed(6))[:4]
    assert torch.equal(trainer._fixed_rows(10, 4), rows)   # seed + 1: not the batches' order
    expected = torch.randperm(10, generator=torch.Generator().manual_seed(5))
    assert torch.equal(trainer._next_indices(), expected)
    assert trainer.epoch == 1
    net = _net()
    trainer.optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    assert trainer._update(_loss(net)) > 0 and trainer.steps_done == 1
    trainer._common_setup(project, 10, None, batch_size=4, drop_last=True)
    assert (trainer.steps_per_epoch, trainer.total_steps) == (2, 6)
    trainer._schedule(7, before=5)
    assert (trainer.steps_per_epoch, trainer.total_steps, trainer.eval_every) == (7, 26, 7)


def test_the_loose_weights_are_those_no_shared_network_holds() -> None:
    from mlsp_studio.paradigms.update import AVERAGED, loose_parameters

    shared, own = _net(1), _net(2)
    for p in shared.parameters():
        setattr(p, AVERAGED, True)  # as the engine marks a network it shares
    first = torch.optim.Adam([*shared.parameters(), *own.parameters()])
    second = torch.optim.SGD(own.parameters(), lr=0.1)  # the same weights again: once
    loose = loose_parameters([first, second])
    assert [id(p) for p in loose] == [id(p) for p in own.parameters()]
