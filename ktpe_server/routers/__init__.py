"""The API's routers, one per area (FastAPI's "bigger applications" layout).

* :mod:`.meta` -- ``/api/v1/health`` (no token);
* :mod:`.enrolment` -- ``POST /api/v1/enrollments``;
* :mod:`.sync` -- the device's sync routes under ``/api/v1/sync/`` (bearer token);
* :mod:`.admin` -- ``/api/v1/admin/...`` (``X-Admin-Token``).

:func:`ktpe_server.app.create_app` includes them; shared dependencies are in
:mod:`ktpe_server.deps`. A new area (the office console) is one more router
included there.
"""
