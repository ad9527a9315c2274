"""Pages for people (server-rendered, no JavaScript)."""


def install(app, config):
    pass
