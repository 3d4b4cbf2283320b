"""(to be written)"""

CONTRASTIVE_SNAPSHOTS: dict = {}
CONTRASTIVE_ORDINARY: dict = {}
