"""Errors that end a run with exit code 2: bad input, bad rule or list data, bad options."""


class LvcaiError(Exception):
    """An error to show the user as one line (or a few), never as a traceback."""


class DataError(LvcaiError):
    """A rule, list, profile or other data file is invalid: ``file: /pointer: problem``."""

    def __init__(self, path, pointer, problem):
        self.path, self.pointer, self.problem = str(path), pointer, problem
        super().__init__(f"{self.path}: {pointer or '/'}: {problem}")


class UsageError(LvcaiError):
    """The command was called wrongly (bad option value, output over an input file, …)."""
