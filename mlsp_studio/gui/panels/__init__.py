"""Live panels of the window: each draws metric records or frozen snapshots, never torch.

Importing this package registers in ``PANELS`` the shared panels here and the panels of
every paradigm folder (``paradigms/<name>/panels.py``), in the order the window shows them;
the window makes one of each with ``PANELS.create_all(parent)`` and routes each snapshot to
the panels whose ``kinds`` hold its kind.
"""

from __future__ import annotations

from ...model.plugins import load_role
from .base import PANELS, Panel, PanelRegistry, assert_gui_thread

# isort: off
from . import curves  # noqa: F401,E402  (registers; this order is the window's order)
from . import boundary  # noqa: F401,E402
from . import regression  # noqa: F401,E402
from . import confusion  # noqa: F401,E402
from . import features  # noqa: F401,E402
from . import layer_stats  # noqa: F401,E402
from . import receptive_field  # noqa: F401,E402
from . import units  # noqa: F401,E402
from . import attention  # noqa: F401,E402
from . import recurrent  # noqa: F401,E402
from . import bptt  # noqa: F401,E402
from . import pooling  # noqa: F401,E402
from . import patch_attention  # noqa: F401,E402
load_role("panels")  # each paradigm folder's own panels, in folder order
from . import math  # noqa: F401,E402  (opened by the person: after every picture)
from . import runs  # noqa: F401,E402
# isort: on

__all__ = ["PANELS", "Panel", "PanelRegistry", "assert_gui_thread"]
