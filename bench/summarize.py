#!/usr/bin/env python3
"""Tabulates bench/side_by_side.sh output: medians over passes per contender, arch and
thread count, KeypointLab's training and inference GFLOP/s as a share of the measured peak
(one core's peak fp32 FMA rate × threads, as `kplab bench` reports it), and KeypointLab's
ratio to the best peer (the peer with the highest median), and to an earlier build of itself
when the run included one (contender kplab-base).

    python3 bench/summarize.py results/bench.txt
"""
import statistics
import sys
from collections import defaultdict

ARCHS = ["mlp", "cnn-small", "cnn-large", "nouri", "resnet"]


def parse(path):
    runs = defaultdict(list)  # (cfg, arch, threads) -> [dict per pass]
    for raw in open(path):
        if raw.startswith("#") or "FAILED" in raw:
            continue
        fields = dict(f.split("=", 1) for f in raw.split() if "=" in f)
        if "train_img_s" not in fields:
            continue
        key = (fields["cfg"], fields["arch"], int(fields["threads"]))
        runs[key].append({"pass": fields["pass"], "train": float(fields["train_img_s"]),
                          "infer": float(fields["infer_img_s"]),
                          "rss": float(fields.get("maxrss_kb", "nan")) / 1024,
                          "train_pct": float(fields.get("train_peak_pct", "nan")),
                          "infer_pct": float(fields.get("infer_peak_pct", "nan")),
                          "peak": float(fields.get("peak_gflop_s", "nan"))})
    return runs


def ratio_cell(runs, med, other, arch, t, metric):
    """KeypointLab's median ÷ `other`'s, with the range of the same-pass ratios: `1.13× [1.09–1.14]`."""
    by_pass = {r["pass"]: r[metric] for r in runs[(other, arch, t)]}
    pairs = [r[metric] / by_pass[r["pass"]] for r in runs[("kplab", arch, t)] if r["pass"] in by_pass]
    span = f" [{min(pairs):.2f}–{max(pairs):.2f}]" if pairs else ""
    return f"{med[('kplab', arch, t)][metric] / med[(other, arch, t)][metric]:.2f}×{span}"


def main(path):
    runs = parse(path)
    metrics = ("train", "infer", "rss", "train_pct", "infer_pct", "peak")
    med = {k: {m: statistics.median(r[m] for r in v) for m in metrics} | {"n": len(v)}
           for k, v in runs.items()}
    peers = sorted({k[0] for k in runs} - {"kplab", "kplab-base"})
    threads = sorted({k[2] for k in runs})
    peaks = [r["peak"] for (cfg, _, _), v in runs.items() if cfg == "kplab" for r in v if r["peak"] == r["peak"]]
    if peaks:
        print(f"Peak fp32 FMA rate of one core, measured by kplab bench: {statistics.median(peaks):.1f} GFLOP/s "
              f"(median of {len(peaks)} runs; range {min(peaks):.1f}–{max(peaks):.1f})")
        print()
    print("| arch | threads | contender | passes | train img/s | infer img/s | train % of peak | infer % of peak | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for arch in ARCHS:
        for t in threads:
            for cfg in ["kplab", "kplab-base"] + peers:
                m = med.get((cfg, arch, t))
                if m:
                    share = (f"{m['train_pct']:.0f}% | {m['infer_pct']:.0f}%" if m["train_pct"] == m["train_pct"]
                             else "– | –")
                    print(f"| {arch} | {t} | {cfg} | {m['n']} | {m['train']:.0f} | {m['infer']:.0f} | {share} | {m['rss']:.0f} |")
    if any(k[0] == "kplab-base" for k in runs):
        print()
        print("KeypointLab ÷ the earlier build (kplab-base): ratio of medians, [range of same-pass ratios]")
        print()
        print("| arch | threads | train | infer |")
        print("|---|---|---|---|")
        for arch in ARCHS:
            for t in threads:
                ours, base = med.get(("kplab", arch, t)), med.get(("kplab-base", arch, t))
                if not ours or not base:
                    continue
                cells = [ratio_cell(runs, med, "kplab-base", arch, t, metric) for metric in ("train", "infer")]
                print(f"| {arch} | {t} | " + " | ".join(cells) + " |")
    if not peers:
        return
    print()
    print("KeypointLab ÷ best peer (ratio of medians; in brackets the range of same-pass ratios)")
    print()
    print("| arch | threads | train | best peer (train) | infer | best peer (infer) | RSS MB: kplab / least peer |")
    print("|---|---|---|---|---|---|---|")
    for arch in ARCHS:
        for t in threads:
            ours = med.get(("kplab", arch, t))
            theirs = {p: med[(p, arch, t)] for p in peers if (p, arch, t) in med}
            if not ours or not theirs:
                continue
            cells = []
            for metric in ("train", "infer"):
                best = max(theirs, key=lambda p: theirs[p][metric])
                cells += [ratio_cell(runs, med, best, arch, t, metric), f"{best} {theirs[best][metric]:.0f}"]
            least = min(theirs, key=lambda p: theirs[p]["rss"])
            cells.append(f"{ours['rss']:.0f} / {theirs[least]['rss']:.0f} ({least})")
            print(f"| {arch} | {t} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/bench.txt")
