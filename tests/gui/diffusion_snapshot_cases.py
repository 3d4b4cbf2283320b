"""(to be written)"""

DIFFUSION_SNAPSHOTS: dict = {}
DIFFUSION_ORDINARY: dict = {}
