"""Getting a plan in: bytes → a JSON document that is safe to validate, check and print.

JSON plans (``json_``) are the contract; spreadsheets (``sheet``: .xlsx, .csv) are read into the same
document. ``kind_of(data, source)`` says which reader a file needs: a workbook by its bytes (a zip or
an OLE file, whatever its name), a CSV by its name, anything else as JSON. Whatever the source, what
comes out is either a document or a list of (place, problem) saying why it cannot be checked.
"""
from . import sheet
from .json_ import parse, sanity_problems
from .sheet import kind_of

__all__ = ["parse", "sanity_problems", "kind_of", "sheet"]
