#!/usr/bin/env bash
# KeypointLab's throughput table, optionally side by side with the peers
# (../shared/peers: PyTorch, Keras on TensorFlow), in interleaved passes so that a noisy
# stretch of a shared machine hits one pass rather than one contender.
#
#   bash bench/side_by_side.sh                                  # KeypointLab only
#   PEERS="kplab torch keras-tf" PASSES=3 bash bench/side_by_side.sh
#   ARCHS="nouri" THREADS="2" bash bench/side_by_side.sh
#   ARCHS="resnet" bash bench/side_by_side.sh                    # the residual net (no peer builds it)
#   KPLAB_BASE=/tmp/kplab-old PEERS="kplab kplab-base" bash bench/side_by_side.sh   # against an earlier build
#
# Each run appends "pass=N cfg=NAME <the bench's key=value line> maxrss_kb=K" to $OUT
# (default results/bench.txt); bench/summarize.py then prints the table of medians and
# KeypointLab's ratio to the best peer. 1-thread runs are pinned to CPU 0 (taskset -c 0);
# 2-thread runs are not pinned. Peak memory is the whole process's, from GNU time.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="${OUT:-$ROOT/results/bench.txt}"
PASSES="${PASSES:-3}"
ARCHS="${ARCHS:-mlp cnn-small cnn-large nouri}"
THREADS="${THREADS:-1 2}"
PEERS="${PEERS:-kplab}"
KPLAB="${KPLAB:-$ROOT/.build/release/kplab}"
PEERS_DIR="${PEERS_DIR:-$ROOT/../shared/peers}"
PEERS_HOME="${PEERS_HOME:-$HOME/.peers}"
[ -f "$PEERS_HOME/peers-env.sh" ] && . "$PEERS_HOME/peers-env.sh"

if [ ! -x "$KPLAB" ]; then
  echo "no kplab at $KPLAB: build it first (make build)" >&2
  exit 1
fi
if [ ! -x /usr/bin/time ]; then
  echo "GNU time (/usr/bin/time) is needed for peak memory: apt-get install time" >&2
  exit 1
fi

steps_for() {  # the peers' run_all.sh settings
  case "$1" in
    mlp) echo "--steps 50 --windows 5" ;;
    cnn-small|cnn-large) echo "--steps 10 --windows 5" ;;
    nouri) echo "--steps 3 --windows 5" ;;
    resnet) echo "--steps 3 --windows 5" ;;
  esac
}

cmd_for() {  # contender arch threads -> command line
  local s
  s="$(steps_for "$2")"
  case "$1" in
    kplab)    echo "$KPLAB bench --arch $2 --threads $3 $s" ;;
    kplab-base) echo "${KPLAB_BASE:?set KPLAB_BASE to the kplab binary to compare with} bench --arch $2 --threads $3 $s" ;;
    torch)    echo "${TORCH_PY:?run the peers setup.sh first} $PEERS_DIR/bench_torch.py --arch $2 --threads $3 $s" ;;
    torch-cl) echo "${TORCH_PY:?run the peers setup.sh first} $PEERS_DIR/bench_torch.py --arch $2 --threads $3 $s --channels-last" ;;
    keras-tf) echo "${TF_PY:?run the peers setup.sh first} $PEERS_DIR/bench_keras.py --backend tensorflow --arch $2 --threads $3 $s" ;;
    *) echo "unknown contender '$1' (kplab, kplab-base, torch, torch-cl, keras-tf)" >&2; exit 1 ;;
  esac
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
for pass in $(seq 1 "$PASSES"); do
  for arch in $ARCHS; do
    for t in $THREADS; do
      for who in $PEERS; do
        [ "$arch" = resnet ] && [ "$who" != kplab ] && continue  # the peers do not build it
        c="$(cmd_for "$who" "$arch" "$t")" || exit 1
        [ "$t" = 1 ] && c="taskset -c 0 $c"
        result="$( { /usr/bin/time -f 'maxrss_kb=%M' $c 2>&1 >&3 | grep '^maxrss_kb='; } 3>&1 )"
        line="$(echo "$result" | grep -E '^(peer=|arch=)' | head -1)"
        rss="$(echo "$result" | grep '^maxrss_kb=' | tail -1)"
        [ -z "$line" ] && line="arch=$arch threads=$t FAILED"
        echo "pass=$pass cfg=$who $line $rss" | tee -a "$OUT"
      done
    done
  done
done
python3 "$HERE/summarize.py" "$OUT"
