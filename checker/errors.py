"""Errors that end a run with exit code 2: bad input, bad rule or list data, bad options.

A message may be :class:`Words`: an English ``str`` (what library users, logs and the JSON
outputs see) that also knows its key in reports/messages.json and its parameters, so that the
command line says it in the user's language (``LvcaiError.in_lang``, :func:`say`)."""
from __future__ import annotations


class Words(str):
    """A sentence of ours: ``str(w)`` is English; ``w.in_lang(lang)`` the same in ``lang``.

    ``Words("key", a=1)`` takes the ``text`` entry ``key`` of messages.json; a parameter may itself be
    Words (said in the same language), or a tuple of them (joined with "; ")."""

    key: str | None
    params: dict

    def __new__(cls, key, **params):
        from .i18n import text
        self = super().__new__(cls, text(key, "en").format(**{k: say(v, "en") for k, v in params.items()}))
        self.key, self.params = key, params
        return self

    @classmethod
    def schema(cls, message: str) -> "Words":
        """A validator's (or parser's) English message, said in the user's language where
        messages.json's ``schema_messages`` patterns know it, else as it is."""
        self = str.__new__(cls, message)
        self.key, self.params = None, {}
        return self

    @classmethod
    def os_error(cls, e: OSError) -> "Words":
        """Why the system refused (``e.strerror``), in the user's language for the usual errnos."""
        import errno
        from .i18n import catalogue
        name = errno.errorcode.get(e.errno or -1, "")
        key = f"os_{name}"
        if name and key in catalogue()["text"]:
            return cls(key)
        return cls.schema(str(e.strerror or e))

    def in_lang(self, lang: str) -> str:
        from .i18n import schema_message, text
        if self.key is None:   # English as the validator wrote it; other languages where a pattern knows it
            return str(self) if lang == "en" else schema_message(str(self), lang)
        return text(self.key, lang).format(**{k: say(v, lang) for k, v in self.params.items()})

    def __reduce__(self):   # worker processes send skip and failure reasons back
        return (_words, (self.key, self.params, str(self)))


def _words(key, params, english):
    if key is None:
        return Words.schema(english)
    return Words(key, **params)


def say(value, lang: str) -> str:
    """``value`` in ``lang``: Words are said in it, a tuple is joined, anything else is shown as it is."""
    if isinstance(value, tuple):
        return ("；" if lang == "zh" else "; ").join(say(v, lang) for v in value)
    if hasattr(value, "in_lang"):
        return value.in_lang(lang)
    return str(value)


class LvcaiError(Exception):
    """An error to show the user as one line (or a few), never as a traceback. ``str(e)`` is
    English; ``e.in_lang(lang)`` says it in ``lang`` when its message is :class:`Words`."""

    def in_lang(self, lang: str) -> str:
        return say(self.args[0], lang) if len(self.args) == 1 else str(self)


class DataError(LvcaiError):
    """A rule, list, profile or other data file is invalid: ``file: /pointer: problem``."""

    def __init__(self, path, pointer, problem):
        self.path, self.pointer, self.problem = str(path), pointer, problem
        super().__init__(f"{self.path}: {pointer or '/'}: {problem}")

    def in_lang(self, lang: str) -> str:
        return f"{self.path}: {say(self.pointer or '/', lang)}: {say(self.problem, lang)}"


class UsageError(LvcaiError):
    """The command was called wrongly (bad option value, output over an input file, …)."""
