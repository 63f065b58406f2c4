"""Framework integrations: thin layers over the stores and adapters.

Each framework has one small module here, imported on its own and never by
``import websessions``:

- :mod:`websessions.integrations.wsgi` and :mod:`websessions.integrations.asgi`:
  middleware that saves every session a request opened when the response
  starts, for any WSGI or ASGI app.
- :mod:`websessions.integrations.flask`: ``Sessions(app, store=...)`` makes
  ``flask.session`` and ``flask.flash`` run on a websessions store.
- :mod:`websessions.integrations.starlette`: a drop-in ``SessionMiddleware``
  (``request.session``) for Starlette and FastAPI.
- :mod:`websessions.integrations.fastapi`: a dependency that yields a named
  session and saves it after the endpoint.
- :mod:`websessions.integrations.django`: a ``SESSION_ENGINE`` so
  ``request.session`` runs on a websessions store.
- :mod:`websessions.integrations.aiohttp`: saves a request's sessions as its
  response is prepared.
"""
