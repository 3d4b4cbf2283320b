"""(to be written)"""

AE_SNAPSHOTS: dict = {}
AE_ORDINARY: dict = {}
