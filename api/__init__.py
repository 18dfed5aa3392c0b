"""The outside: FastAPI app, the ``torihiki`` CLI, and HTML rendering.

Routes and commands are thin: they parse input, call :mod:`api.service`
(which fetches through :mod:`queries` and computes with :mod:`graph`), and
shape the answer.
"""
