"""openEO back-ends: connecting, logging in, probing, and the HTTP under every call.

``backend`` connects and logs in (``device_login`` for OpenID Connect), ``probe``
says what is at a URL, ``transport`` and ``proxy`` are the HTTP adapters (a request
held back after a Stop is ``transport``'s ``NotSentError``); a run keeps each
back-end's login current with ``engine/logins``. A job's status enters the plugin
here, as the answer to the run's listing (``run/gateway``).
"""
