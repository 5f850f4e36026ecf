"""A headless Chromium for tests, driven over the Chrome DevTools Protocol (CDP).

`HeadlessChromium` starts the distribution's Chromium (Debian's ``chromium`` package,
``/usr/bin/chromium``; ``RDL_CHROMIUM`` overrides the path) with a throwaway profile and a
free remote-debugging port, opens the page target's websocket (``websocket-client``), and
`HeadlessChromium.load` navigates to a URL and returns every console error, uncaught
exception and browser log error seen until the ``load`` event. Nothing is downloaded.

Usage::

    with HeadlessChromium() as browser:
        errors = browser.load(Path("report.html").resolve().as_uri())
        sizes = browser.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path(os.environ.get("RDL_CHROMIUM", "/usr/bin/chromium"))


def chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HeadlessChromium:
    """One headless Chromium process and a CDP session on its first page.

    Raises:
        RuntimeError: (from `start`) Chromium did not open its debugging port in time.
    """

    def __init__(self, timeout: float = 30.0):
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        self.profile: str | None = None
        self.ws = None
        self._ids = itertools.count(1)
        self.events: list[dict] = []

    def start(self) -> "HeadlessChromium":
        import websocket  # websocket-client (the test extra)

        self.profile = tempfile.mkdtemp(prefix="rdl-chromium-")
        port = _free_port()
        args = [str(CHROMIUM), "--headless", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions",
                f"--remote-debugging-port={port}", f"--user-data-dir={self.profile}",
                "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses root without it
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + self.timeout
        targets = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    targets = [t for t in json.load(r) if t.get("type") == "page"]
                if targets:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        if not targets:
            self.stop()
            raise RuntimeError(f"{CHROMIUM} did not open its debugging port {port} in "
                               f"{self.timeout:.0f} s")
        self.ws = websocket.create_connection(targets[0]["webSocketDebuggerUrl"],
                                              timeout=self.timeout, suppress_origin=True)
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        return self

    def send(self, method: str, params: dict | None = None) -> dict:
        """Call a CDP method and return its result (events met meanwhile are kept)."""
        msg_id = next(self._ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"CDP {method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def _wait_for(self, method: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {self.timeout:.0f} s")
            self.events.append(json.loads(self.ws.recv()))

    def load(self, url: str) -> list[str]:
        """Navigate to ``url``, wait for its ``load`` event; return the console errors,
        uncaught exceptions and browser log errors, one string each."""
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self._wait_for("Page.loadEventFired")
        self.evaluate("1")  # drain events queued up to here
        errors = []
        for e in self.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(f"exception: {p['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                     for a in p.get("args", [])))
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        return errors

    def evaluate(self, expression: str):
        """The JSON value of a JavaScript expression in the page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: str | Path) -> Path:
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def stop(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            except Exception:
                pass
            self.ws = None
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    def __enter__(self) -> "HeadlessChromium":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
