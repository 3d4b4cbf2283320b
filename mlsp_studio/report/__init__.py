"""Figures of a run as PNG files, drawn headless from metric records and snapshots
(``figures``), GIFs of them over training (``animation``), and what every figure shares
(``canvas``). Nothing is imported here, so a paradigm's ``figures`` module can use ``canvas``
while ``figures`` collects it."""
