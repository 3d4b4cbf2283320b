"""Training paradigms: one folder each (``<name>/``, its parts by role as listed in
``model/plugins.py``), and what they share: the protocol (``base``), the registry, batching,
optimisers, live settings and the training lab's measurements.

Nothing is imported here, so the window can load a paradigm's panels without torch.
"""
