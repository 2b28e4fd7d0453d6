"""Exception types nnlab raises for user mistakes (all are ValueError/TypeError subclasses)."""


class ShapeError(ValueError):
    """A tensor arrived with a shape the layer or model cannot accept."""


class ConfigError(ValueError):
    """A saved model/weights file or a config cannot be used."""
