"""The provider's HTTP API (the only package, with ``engines/cloud.py``, that talks to it).

- ``client.ProviderClient``: create / poll / download, the money and token rules.
- ``models.TaskReply`` and the reply parser; ``states.interpret_state`` for ``data.state``.
- ``form.build_form``: the create call's fields, validated before anything is sent.
- ``download.download_result``: the result image, checked; ``urls``: https-only rule.
- ``exchange``: one HTTP exchange on the standard library (kept-alive, watched, proxied).
- ``http_errors``: HTTP status -> typed error; ``transport``: was anything sent?
"""
