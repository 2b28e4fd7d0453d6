"""Exception types nnlab raises for user mistakes (all are ValueError/TypeError subclasses)."""


class ShapeError(ValueError):
    """A tensor arrived with a shape the layer or model cannot accept."""


class ConfigError(ValueError):
    """A saved model/weights file or a config cannot be used."""


class FileWriteError(OSError):
    """A file could not be written (a full disk, a read-only folder...). An ``OSError``
    (``errno`` as the system gave it, ``filename`` the target) whose message names the
    file, the bytes needed and free when space ran out, and what was kept."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()
