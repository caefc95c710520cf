#!/usr/bin/env python3
"""`kplab serve` in a real browser: Debian's chromium, headless, driven over the DevTools
protocol on a pipe (--remote-debugging-pipe: no WebSocket client, nothing beyond Python's
standard library).

It trains a small sweep into a scratch results folder, starts `kplab serve` on it, opens the
page and checks that
  - the table lists every run,
  - the chart draws one line per selected run, and follows the selection,
  - a run started while the page is open appears, and its new epochs show up live (row and
    chart) without a reload,
  - a run's page shows its faces and its curve, the sweeps page its progress,
  - odd URLs get 404 and writes 405,
and writes screenshots to OUT (default .build/test-output/dashboard) for people to look at.

Usage: dashboard_test.py KPLAB [OUT]
       dashboard_test.py --screenshot URL FILE.png [GROUP-BY]   (the README's picture, of a running server)
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

KPLAB = os.path.abspath(sys.argv[1]) if sys.argv[1] != "--screenshot" else None
OUT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".build/test-output/dashboard")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

TINY = """name: tiny
seed: 1
data:
  synthetic: {count: 300, seed: 3}
  validation: {holdout: 60}
model:
  init: {weights: he, distribution: normal, bias: 0}
  layers:
    - conv: {filters: 4, kernel: 5, stride: 2}
    - relu
    - maxpool: 2
    - flatten
    - dense: 30
train:
  epochs: 6
  batch_size: 32
  optimizer: adam
  learning_rate: 0.001
"""

SWEEP = """base: tiny.yaml
name: tiny-{model.init.weights}-{seed}
grid:
  model.init.weights: [he, xavier]
  seed: [1, 2]
"""

# The run started while the page is open: slower epochs (more faces), so several arrive live.
LIVE = TINY.replace("name: tiny", "name: live").replace("count: 300", "count: 2500").replace("epochs: 6", "epochs: 30")


class Browser:
    """Chromium with the DevTools protocol on file descriptors 3 (commands) and 4 (replies)."""

    def __init__(self, profile):
        commands_read, self.commands = os.pipe()
        self.replies, replies_write = os.pipe()

        def hand_over():
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--remote-debugging-pipe", "--user-data-dir=" + profile, "--window-size=1400,1000", "about:blank"],
            pass_fds=(3, 4), preexec_fn=hand_over, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(replies_write)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            if time.time() > deadline:
                raise RuntimeError(f"{method}: no reply in {timeout} s")
            chunk = os.read(self.replies, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its pipe")
            self.buffer += chunk

    def open(self, url):
        target = self.call("Target.createTarget", {"url": url}, session=False)
        self.session = self.call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        self.call("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout} s waiting for {what} ({expression})")

    def choose(self, select, option):
        """Picks the option of the <select id=select> whose text is `option`, as a person would."""
        self.evaluate(f"""(() => {{ const s = document.getElementById({json.dumps(select)});
            s.value = [...s.options].find((o) => o.textContent === {json.dumps(option)}).value;
            s.dispatchEvent(new Event('input')); }})()""")

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            metrics = self.call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": 1400, "height": min(4000, size["height"]), "scale": 1}
            params["captureBeyondViewport"] = True
        with open(path, "wb") as file:
            file.write(base64.b64decode(self.call("Page.captureScreenshot", params)["data"]))
        print(f"  screenshot: {path}")

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def status_of(url, method="GET"):
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("  ok:", message)


def main():
    if not CHROMIUM:
        print("dashboard_test: no chromium on the PATH (apt-get install chromium)", file=sys.stderr)
        return 1
    os.makedirs(OUT, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="kplab-browser-")
    server = live_run = browser = None
    try:
        for name, text in [("tiny.yaml", TINY), ("sweep.yaml", SWEEP), ("live.yaml", LIVE)]:
            with open(os.path.join(scratch, name), "w") as file:
                file.write(text)
        results = os.path.join(scratch, "results")
        subprocess.run([KPLAB, "sweep", "sweep.yaml", "--out", results, "--jobs", "2", "--threads", "1"],
                       cwd=scratch, check=True, stdout=subprocess.DEVNULL)

        server = subprocess.Popen([KPLAB, "serve", results, "--port", "0", "--poll", "0.3"], cwd=scratch,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = server.stdout.readline()
        check(line.startswith("kplab serve: http://127.0.0.1:"), f"serve prints its address: {line.strip()}")
        url = line.split()[2]

        # Only reads: odd URLs find nothing, writes are refused.
        for odd in ["../../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "api/run?id=../../../etc/passwd",
                    "api/curve?id=tiny", "api/faces.png?id=%00", "results/", "tiny/run.json"]:
            check(status_of(url + odd) == 404, f"GET /{odd} is 404")
        check(status_of(url + "api/runs", method="POST") == 405, "POST is refused (405)")
        check(status_of(url + "api/runs", method="DELETE") == 405, "DELETE is refused (405)")

        browser = Browser(os.path.join(scratch, "profile"))
        browser.open(url)
        rows = browser.wait_for("document.querySelectorAll('#runs tbody tr').length === 4 && 4", "the table's 4 runs")
        check(rows == 4, "the table lists the sweep's 4 runs")
        browser.wait_for("document.getElementById('live').className === 'on'", "the live feed to connect")
        checked = browser.wait_for("document.querySelectorAll('#runs tbody input:checked').length", "selected runs")
        lines = browser.wait_for(f"document.querySelectorAll('#chart path.series').length === {checked} && {checked}",
                                 "one line per selected run")
        check(lines == checked == 4, f"the chart has one line per selected run ({lines})")
        browser.evaluate("document.querySelector('#runs tbody tr:last-child input').click()")
        browser.wait_for("document.querySelectorAll('#chart path.series').length === 3", "3 lines once a run is unselected")
        check(True, "unselecting a run removes its line")
        check(browser.evaluate("!!document.querySelector('#chart line.meanface')"), "the chart draws the mean face")
        browser.screenshot(os.path.join(OUT, "runs.png"))

        # Grouping in the page: two groups (he, xavier), each a mean line with a ±1 std band.
        browser.choose("group-by", "model.init.weights")
        browser.wait_for("document.querySelectorAll('#runs tbody tr').length === 2 && "
                         "document.querySelectorAll('#chart polygon.band').length === 2", "two groups with bands")
        check(True, "group-by model.init.weights gives 2 rows and 2 bands")
        browser.screenshot(os.path.join(OUT, "groups.png"))
        # And by a second setting, as `compare --group-by a,b`: 4 groups of one run each (no band).
        browser.choose("group-by-2", "seed")
        browser.wait_for("document.querySelectorAll('#runs tbody tr').length === 4 && "
                         "document.querySelectorAll('#runs thead th').length === 6", "four groups by two settings")
        check(True, "group-by model.init.weights and seed gives 4 rows with both columns")
        browser.choose("group-by-2", "nothing")
        browser.choose("group-by", "nothing")

        # A run started now appears, and its epochs arrive live.
        live_run = subprocess.Popen([KPLAB, "run", "live.yaml", "--out", results, "--threads", "1", "--quiet"],
                                    cwd=scratch, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        browser.wait_for("[...document.querySelectorAll('#runs tbody tr')].some((r) => r.dataset.id.startsWith('live/'))",
                         "the new run's row", timeout=30)
        check(True, "a run started after the page opened appears in the table")
        browser.evaluate("(() => { const row = [...document.querySelectorAll('#runs tbody tr')]"
                         ".find((r) => r.dataset.id.startsWith('live/')); const box = row.querySelector('input');"
                         " if (!box.checked) box.click(); })()")
        epochs_cell = ("(() => { const row = [...document.querySelectorAll('#runs tbody tr')]"
                       ".find((r) => r.dataset.id.startsWith('live/')); const heads = [...document.querySelectorAll('#runs thead th')];"
                       " const i = heads.findIndex((h) => h.textContent.startsWith('epochs')); return Number(row.cells[i].textContent); })()")
        points = ("(() => { const p = [...document.querySelectorAll('#chart path.series')]"
                  ".find((p) => p.dataset.id.startsWith('live/')); return p ? Number(p.dataset.points) : 0; })()")
        first = browser.wait_for(f"{epochs_cell} >= 1 && {epochs_cell}", "a first live epoch", timeout=30)
        later = browser.wait_for(f"{epochs_cell} > {first} && {epochs_cell}", "a later live epoch", timeout=30)
        check(later > first, f"the new run's epochs advance live in the table ({first} → {later})")
        drawn = browser.wait_for(f"{points} >= {later} && {points}", "the live run's line to follow", timeout=10)
        check(drawn >= later, f"its line in the chart follows ({drawn} points)")
        browser.screenshot(os.path.join(OUT, "live.png"))
        live_run.wait(120)
        check(live_run.returncode == 0, "the live run completed")
        browser.wait_for("[...document.querySelectorAll('#runs tbody tr')].some((r) => r.dataset.id.startsWith('live/') "
                         "&& r.textContent.includes('completed'))", "the live run's row to say completed", timeout=15)
        check(True, "its row ends completed")

        # A run's page: the curve, faces with points, the diagnosis.
        run_id = browser.evaluate("document.querySelector('#runs tbody tr').dataset.id")
        browser.evaluate(f"location.hash = 'run=' + encodeURIComponent({json.dumps(run_id)})")
        browser.wait_for("(() => { const img = document.querySelector('#run-view img[alt=\"validation faces\"]');"
                         " return img && img.complete && img.naturalWidth > 0; })()", "the run's faces", timeout=30)
        check(browser.evaluate("document.querySelectorAll('#run-chart path.series').length") == 1, "the run page draws its curve")
        check("xavier" in browser.evaluate("document.querySelector('#run-view pre:last-of-type').textContent")
              or "he" in browser.evaluate("document.querySelector('#run-view pre:last-of-type').textContent"),
              "the run page shows its configuration")
        browser.screenshot(os.path.join(OUT, "run.png"))

        browser.evaluate("location.hash = 'sweeps'")
        counts = browser.wait_for("(() => { const c = document.querySelector('#sweeps-view .counts'); return c && c.textContent; })()",
                                  "the sweep's progress")
        check(counts.startswith("4 done"), f"the sweeps page shows the sweep's progress ({counts})")
        browser.screenshot(os.path.join(OUT, "sweeps.png"))
        return 0
    finally:
        if browser:
            browser.close()
        for process in [live_run, server]:
            if process and process.poll() is None:
                process.terminate()
                process.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)


def screenshot(url, path, group_by=None):
    """A picture of the page a server already serves, grouped by a column if asked."""
    profile = tempfile.mkdtemp(prefix="kplab-browser-")
    browser = Browser(profile)
    try:
        browser.open(url)
        browser.wait_for("document.querySelectorAll('#chart path.series').length > 0", "the chart")
        if group_by:
            browser.choose("group-by", group_by)
            browser.wait_for("document.querySelectorAll('#chart polygon.band').length > 0", "the groups' bands")
        time.sleep(0.5)
        browser.screenshot(os.path.abspath(path))
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1] == "--screenshot":
        screenshot(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
        sys.exit(0)
    try:
        sys.exit(main())
    except AssertionError as failure:
        print("FAILED:", failure, file=sys.stderr)
        sys.exit(1)
