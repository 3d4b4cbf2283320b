"""Plain code copied into every exported script, never imported by the studio.

The names in capitals (``OPTIMIZER``, ``LR``, ``EPOCHS``, ``GRAD_CLIP``, ``DEVICE``, ...) are the
settings the script defines at its top, so ruff is told not to look for them here
(``pyproject.toml``); the scripts' parity tests run this code. What the studio itself runs
(``lr_factor``, ``new_optimizer``, ``attach_schedule``) is copied from ``paradigms/optim.py``
next to it.
"""


def make_optimizer(params, lr, total_steps, betas=None):
    """The optimiser of some weights as the studio makes it from the settings above, with the
    learning-rate schedule over total_steps steps (it moves on after every step)."""
    optimizer = new_optimizer(params, OPTIMIZER, lr, WEIGHT_DECAY, MOMENTUM, NESTEROV, betas)
    return attach_schedule(optimizer, SCHEDULE, WARMUP_STEPS, total_steps)


def learn(optimizer, loss, clipped=()):
    """One step of the optimiser down the loss; returns the loss as a number. With GRAD_CLIP
    above 0, the gradient of each collection of weights in `clipped` is first scaled down to
    that length when it is longer (each collection on its own)."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if GRAD_CLIP > 0:
        for weights in clipped:
            torch.nn.utils.clip_grad_norm_(weights, GRAD_CLIP)
    optimizer.step()
    return loss.item()


def report_epoch(epoch, loss, val_score=None):
    """Ten times over the training and after its last epoch: the epoch's mean training loss,
    then what `val_score()` says of the validation examples when it is given."""
    if epoch % max(1, EPOCHS // 10) == 0 or epoch == EPOCHS:
        line = f"epoch {epoch:4d}/{EPOCHS}  loss {loss:.4f}"
        if val_score is not None:
            line += "  " + val_score()
        print(line)
