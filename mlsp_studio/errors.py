"""The errors the studio raises for a person, each carrying one plain sentence."""


class StudioError(Exception):
    """Base class: ``str(err)`` is a complete, one-line message for the person."""


class ParamError(StudioError, ValueError):
    """A setting or block parameter is missing, of the wrong type or out of its range."""


class ShapeError(StudioError, ValueError):
    """A block cannot take the shape(s) that reach it.

    With ``about_input`` (the default) the graph adds what the block receives and from whom:
    "Conv2d 3 needs a 4-D input (N, C, H, W)" + " but receives (N, 64) from Dense 2".
    """

    def __init__(self, message: str, about_input: bool = True) -> None:
        super().__init__(message)
        self.about_input = about_input


class GraphError(StudioError, ValueError):
    """A network graph is not valid (see ``Graph.problems``)."""


class ProjectError(StudioError, ValueError):
    """A project file cannot be read, or describes something the studio cannot run."""


class DataError(StudioError, ValueError):
    """A dataset cannot be made or a user's file does not fit."""
