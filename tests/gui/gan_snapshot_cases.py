"""(to be written)"""

GAN_SNAPSHOTS: dict = {}
GAN_ORDINARY: dict = {}
