"""`lvcai serve`: the HTTP API, the pages and the statistics, on FastAPI and uvicorn.

Imported only by the ``serve`` and ``publish`` commands, so the rest of lvcai runs without them."""
