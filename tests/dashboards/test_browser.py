"""Every page in a real browser: `streamlit run` on a free localhost port, headless Debian chromium driven over
the Chrome DevTools protocol (the `websockets` package, already pinned), screenshots in test-output/screenshots/.

Needs /usr/bin/chromium (`apt-get install -y chromium`); skipped when it is absent.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dash_snapshot import write_snapshot

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,2400",
]
# url path -> text that must be on the rendered page (its title and one value computed from the snapshot).
PAGES = {
    "board": ("Board / CFO: rollout ROI", "<11"),
    "data-quality": ("Data quality of my locations", "LOC-003"),
    "readiness": ("Readiness and waves", "Readiness matrix"),
    "go-live": ("Go-live monitor", "Rollback triggers by day"),
    "location": ("Location drill-down", "Before and after go-live"),
    "overview": ("Rollout overview", "No-show baseline by location"),
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
]


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str):  # noqa: ANN001, ANN201 - tiny polling helper
    """Poll `check()` until it returns a truthy value (returned) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def start_dashboard(tmp_path: Path) -> Iterator:
    """Factory: `streamlit run` of the app on a free port against the test snapshot for a role; returns its URL."""
    snapshot = write_snapshot(tmp_path / "marts.duckdb")
    procs: list[subprocess.Popen] = []

    def start(role: str, region: str | None = None) -> str:
        port = free_port()
        env = {**os.environ, "DSO_PUBLISHED_PATH": str(snapshot), "DSO_DASHBOARD_ROLE": role,
               "DSO_DASHBOARD_AUTH": "env"}
        env.pop("DSO_DASHBOARD_REGION", None)
        if region:
            env["DSO_DASHBOARD_REGION"] = region
        log = (tmp_path / f"streamlit-{role}.log").open("w")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboards" / "streamlit_app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        ))
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok", 60,
                 "streamlit to answer")
        return base

    yield start
    for proc in procs:  # only the servers this fixture started, by their handle
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class DevTools:
    """Minimal Chrome DevTools protocol client over one page target's websocket."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self._connection = connect(ws_url, max_size=None, open_timeout=20)
        self.ws = self._connection.__enter__()  # the context-manager protocol websockets 17 expects
        self.next_id = 0

    def call(self, method: str, **params: object) -> dict:
        """Send one command and return its result (events in between are skipped)."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str) -> object:
        """Value of a JavaScript expression in the page."""
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def close(self) -> None:
        """Close the websocket."""
        self._connection.__exit__(None, None, None)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    """Headless chromium with a fresh profile; yields a DevTools client of its first tab."""
    profile = tmp_path / "chromium-profile"
    proc = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        port = wait_for(lambda: port_file.is_file() and port_file.read_text().split("\n")[0], 30, "chromium")
        targets = wait_for(
            lambda: [t for t in json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2))
                     if t.get("type") == "page"], 30, "a chromium tab")
        tools = DevTools(targets[0]["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Emulation.setDeviceMetricsOverride", width=1400, height=2400, deviceScaleFactor=1, mobile=False)
        yield tools
        tools.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


RENDER_STATE = """(() => ({
  text: document.body ? document.body.innerText : "",
  exceptions: document.querySelectorAll('[data-testid="stException"]').length,
  running: document.querySelectorAll('[data-testid="stStatusWidget"] button, [data-testid="stSkeleton"]').length,
  tables: document.querySelectorAll('[data-testid="stDataFrame"]').length,
  charts: document.querySelectorAll('[data-testid="stVegaLiteChart"]').length,
  downloads: document.querySelectorAll('[data-testid="stDownloadButton"]').length,
}))()"""


def open_page(browser: DevTools, url: str, *must_show: str) -> dict:
    """Navigate, wait until the page shows every text of `must_show` and a table, and the run is over."""
    browser.call("Page.navigate", url=url)

    def rendered() -> dict | None:
        state = browser.evaluate(RENDER_STATE)
        if not isinstance(state, dict) or state["running"] or state["tables"] < 1:
            return None
        return state if all(text in state["text"] for text in must_show) else None

    wait_for(rendered, 60, f"{url} to show {must_show}")
    time.sleep(1.0)  # let the charts finish drawing before the screenshot
    return browser.evaluate(RENDER_STATE)


def screenshot(browser: DevTools, name: str) -> Path:
    """Full-page PNG under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def test_every_page_renders_in_chromium(start_dashboard, browser: DevTools) -> None:  # noqa: ANN001
    base = start_dashboard("operations")
    for path, (title, expected) in PAGES.items():
        state = open_page(browser, f"{base}/{path}", title, expected)
        shot = screenshot(browser, f"operations-{path}")
        assert state["exceptions"] == 0, (path, state["text"][:2000])
        assert "Traceback" not in state["text"], path
        assert state["downloads"] >= state["tables"] >= 1, (path, state)
        if path in ("board", "data-quality", "readiness", "overview"):
            assert state["charts"] >= 1, (path, state)
        # The navigation of the operations role lists every page.
        for other_title in ("Board / CFO", "Regional data quality", "Go-live monitor", "Location drill-down"):
            assert other_title in state["text"], (path, other_title)
        assert shot.stat().st_size > 10_000


def test_regional_manager_cannot_reach_the_board_page_by_url(start_dashboard, browser: DevTools) -> None:  # noqa: ANN001
    base = start_dashboard("regional_manager", "East")
    # /board is not in this role's navigation: the role's default page opens instead.
    state = open_page(browser, f"{base}/board", "Data quality of my locations", "LOC-003")
    screenshot(browser, "regional-manager-board-url")
    assert "Board / CFO" not in state["text"] and "rollout ROI" not in state["text"]
    assert "LOC-002" not in state["text"]  # West's location
    assert state["exceptions"] == 0
