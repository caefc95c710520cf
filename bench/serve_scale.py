#!/usr/bin/env python3
"""How `kplab serve` copes with many runs: trains one small run, copies it into N run folders
(each with its own run-id, seed and best RMSE) under a scratch results folder, starts the
server, and reports the start-up time it prints, the time to fetch the runs table, its size,
the server's resident memory, and its CPU use while it watches the folders.

Usage: bench/serve_scale.py KPLAB [N=10000]
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

KPLAB = os.path.abspath(sys.argv[1])
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
EXPERIMENT = """name: tiny
seed: 1
data:
  synthetic: {count: 300, seed: 3}
  validation: {holdout: 60}
model:
  layers:
    - flatten
    - dense: 30
train:
  epochs: 30
  batch_size: 32
"""


def main():
    scratch = tempfile.mkdtemp(prefix="kplab-serve-scale-")
    server = None
    try:
        with open(os.path.join(scratch, "tiny.yaml"), "w") as file:
            file.write(EXPERIMENT)
        subprocess.run([KPLAB, "run", "tiny.yaml", "--out", "source", "--threads", "1", "--quiet"], cwd=scratch, check=True,
                       stdout=subprocess.DEVNULL)
        source = glob.glob(os.path.join(scratch, "source/tiny/*"))[0]
        record = json.load(open(os.path.join(source, "run.json")))
        config = open(os.path.join(source, "config.yaml")).read()
        metrics = open(os.path.join(source, "metrics.csv")).read()
        per_experiment = 500
        for n in range(COUNT):
            experiment = f"exp{n // per_experiment}"
            run_id = f"{experiment}-{n:08x}"
            folder = os.path.join(scratch, "results", experiment, run_id)
            os.makedirs(folder)
            copy = dict(record, run_id=run_id, experiment=experiment, best_val_rmse_px=2 + (n * 7919 % 1000) / 1000)
            with open(os.path.join(folder, "run.json"), "w") as file:
                json.dump(copy, file)
            with open(os.path.join(folder, "config.yaml"), "w") as file:
                file.write(config.replace("name: tiny", f"name: {experiment}").replace("seed: 1", f"seed: {n}"))
            with open(os.path.join(folder, "metrics.csv"), "w") as file:
                file.write(metrics)

        started = time.time()
        server = subprocess.Popen([KPLAB, "serve", "results", "--port", "0"], cwd=scratch, stdout=subprocess.PIPE, text=True)
        line = server.stdout.readline()
        ready = time.time() - started
        url = line.split()[2]
        fetch = time.time()
        table = urllib.request.urlopen(url + "api/runs").read()
        fetched = time.time() - fetch
        runs = len(json.loads(table)["runs"])
        rss = int(open(f"/proc/{server.pid}/status").read().split("VmRSS:")[1].split()[0]) // 1024
        ticks = lambda: sum(int(x) for x in open(f"/proc/{server.pid}/stat").read().split()[13:15])
        before = ticks()
        time.sleep(5)
        cpu = (ticks() - before) / os.sysconf("SC_CLK_TCK") / 5
        print(line.strip())
        print(f"runs={runs} ready_s={ready:.2f} first_table_s={fetched:.3f} table_bytes={len(table)} rss_mib={rss} "
              f"watching_cpu_share={cpu:.3f}")
    finally:
        if server:
            server.terminate()
            server.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
