"""Starts `pio serve` on a free loopback port for the scripts in this folder (stdlib only)."""
import os
import re
import signal
import subprocess
import time
import urllib.request


class PioServer:
    """`with PioServer(pio, model_dir, ...) as s:` runs `pio serve --port 0` and gives s.base_url."""

    def __init__(self, pio, model_dir=None, name="model", plugin_dirs=(), extra_args=()):
        self.args = [pio, "serve", "--port", "0", "--quiet"]
        for d in plugin_dirs:
            self.args += ["--plugin-dir", d]
        if model_dir:
            self.args += ["--model", model_dir, "--name", name]
        self.args += list(extra_args)
        self.process = None
        self.base_url = None

    def __enter__(self):
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"pio serve did not start: {line!r} (args {self.args})")
        self.base_url = match.group(1)
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return False


def wait_ready(base_url, headers=None, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            req = urllib.request.Request(base_url + "/ready", headers=headers or {})
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("server not ready")
