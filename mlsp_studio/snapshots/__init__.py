"""The pictures a paradigm sends to panels and figures: frozen numpy dataclasses (``kinds``,
``lab`` and each paradigm folder's ``snapshots``), what every drawing of them shares
(``drawing``) and their history over training (``frames``)."""
