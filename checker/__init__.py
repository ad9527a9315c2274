"""lvcai (绿采): checks government procurement plans against green-procurement obligations.

The library works without the command line: build a :class:`checker.api.Checker` once and call
:meth:`~checker.api.Checker.check` for each plan.
"""
__version__ = "0.1.0"
__all__ = ["__version__"]
