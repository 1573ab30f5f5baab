import socket, threading, time
import pytest
pytestmark = [pytest.mark.django_db, pytest.mark.real_clock]

def test_probe(client, settings):
    silent = socket.socket(); silent.bind(("127.0.0.1", 0)); silent.listen(8)
    settings.CAS_SERVER_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/cas/"
    settings.DUBAN_CAS_ON = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "duban.sso.backends.CASBackend"]
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("r", client.get("/login/cas/", {"ticket": "ST-x"})), daemon=True)
    start = time.monotonic(); t.start(); t.join(6)
    print("done" if "r" in out else "STILL WAITING", round(time.monotonic() - start, 1), out.get("r") and out["r"].get("Location"))
