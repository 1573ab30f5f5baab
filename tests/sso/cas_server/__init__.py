"""A tiny standalone Django project running django-cas-server, the CAS
server of the CAS sign-in tests (tests/sso/test_cas.py). It runs in its own
process with its own SQLite file::

    CAS_TEST_DB=/tmp/cas.sqlite3 CAS_TEST_ACCOUNTS='{"name": {...}}' \\
        python -m tests.sso.cas_server 8123

which migrates, allows duban's test service and serves on 127.0.0.1:8123.
Nothing here is imported by duban or by the tests' own process."""
