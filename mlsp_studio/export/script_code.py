"""Plain code copied into every exported script, never imported by the studio.

The names in capitals (``OPTIMIZER``, ``LR``, ``DEVICE``, ...) are the settings the script
defines at its top, so ruff is told not to look for them here (``pyproject.toml``); the
scripts' parity tests run this code. What the studio itself runs (``lr_factor``,
``new_optimizer``, ``attach_schedule``) is copied from ``paradigms/optim.py`` next to it.
"""


def make_optimizer(params, lr, total_steps, betas=None):
    """The optimiser of some weights as the studio makes it from the settings above, with the
    learning-rate schedule over total_steps steps (it moves on after every step)."""
    optimizer = new_optimizer(params, OPTIMIZER, lr, WEIGHT_DECAY, MOMENTUM, NESTEROV, betas)
    return attach_schedule(optimizer, SCHEDULE, WARMUP_STEPS, total_steps)
