"""Getting a plan in: bytes → a JSON document that is safe to validate, check and print.

Today plans are JSON (``read``); the spreadsheet readers will sit beside it. Whatever the source,
what comes out is either a document or a list of (pointer, problem) saying why it cannot be checked.
"""
from .json_ import parse, sanity_problems

__all__ = ["parse", "sanity_problems"]
