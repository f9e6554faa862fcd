"""Exceptions raised by the Rust extension."""


class ParamsError(ValueError):
    """Parameters that could not be used: the message names the file (or ``<params string>``)
    and the dotted key, as ``hft backtest`` reports them.

    Attributes: ``key`` (e.g. ``"strategy.zscore.entry"``), ``file`` and ``reason``.
    """

    def __init__(self, message, key="", file="", reason=""):
        super().__init__(message)
        self.key = key
        self.file = file
        self.reason = reason
