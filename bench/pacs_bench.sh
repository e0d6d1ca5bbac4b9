#!/usr/bin/env bash
# medpipe listen against DCMTK's storescp on the same data in the same run: instances per second
# received (both fed by DCMTK's storescu over loopback, in a network namespace of its own where root
# allows), peak memory of the receiver, and the time from the last instance to the pipeline start
# (goal: at most the idle time + 0.5 s). medpipe fsyncs every instance before answering; storescp
# does not (it has no such option), so the ratio includes the cost of durability.
# Usage: bash bench/pacs_bench.sh [WORKDIR]    (table on stdout and in bench/RESULTS-pacs.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
work=${1:-/tmp/medpipe-pacs-bench}
slices=${SLICES:-300}
idle=${IDLE:-1}
build_bench_targets medpipe
medpipe=$PWD/$medpipe
for tool in storescp storescu; do command -v $tool >/dev/null || { echo "bench: $tool (Debian dcmtk) is needed" >&2; exit 1; }; done
mkdir -p "$work"
[[ -d $work/ct/dicom ]] || "$medpipe" phantom -o "$work/ct" --size 256x256x"$slices" >/dev/null
cat > "$work/pipeline.yaml" <<'YAML'
input: ${input_dir}
steps:
  body: {stage: binary-threshold, input: input, lower: -200, upper: 3000}
outputs:
  - {step: body, file: body.nii.gz}
YAML

# In a network namespace of its own when we may (nothing but loopback), else the host's loopback.
inside=()
if [[ $(id -u) -eq 0 ]] && unshare -n true 2>/dev/null; then
  unshare -n sh -c 'ip link set lo up && exec sleep 3600' &
  holder=$!
  trap 'kill $holder 2>/dev/null' EXIT
  sleep 0.3
  inside=(nsenter -t "$holder" -n)
fi
port=21112

wait_up() {  # AET: bounded wait until C-ECHO succeeds
  for _ in $(seq 100); do "${inside[@]}" "$medpipe" pacs echo "$1@127.0.0.1:$port" --timeout 1 >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench: receiver $1 did not come up" >&2; return 1
}

# receive NAME: seconds storescu takes to send the series, median of RUNS; peak RSS (MB) of that receiver.
receive() {
  local name=$1 times=() rss=()
  for _ in $(seq "$runs"); do
    rm -rf "$work/rx" && mkdir -p "$work/rx"
    # nsenter execs the receiver, so $! is the receiver itself (its peak RSS is read from /proc).
    if [[ $name == storescp ]]; then
      "${inside[@]}" storescp -aet STORESCP -od "$work/rx" "$port" >/dev/null 2>&1 &
    else
      "${inside[@]}" "$medpipe" listen --aet MEDPIPE --port "$port" \
        --config "$work/pipeline.yaml" --output "$work/rx" --idle "$idle" >/dev/null 2>"$work/listen.log" &
    fi
    local pid=$! aet=STORESCP
    [[ $name == medpipe ]] && aet=MEDPIPE
    wait_up "$aet"
    local start end
    start=$(date +%s.%N)
    "${inside[@]}" storescu -aec "$aet" +sd +r 127.0.0.1 "$port" "$work/ct/dicom" >/dev/null 2>&1
    end=$(date +%s.%N)
    times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')")
    if [[ $name == medpipe ]]; then  # wait (bounded) for the pipeline start, then the delay it reports
      for _ in $(seq 300); do grep -q "pipeline starts" "$work/listen.log" && break; sleep 0.1; done
      sed -n 's/.*pipeline starts \([0-9.]*\) s after its last instance.*/\1/p' "$work/listen.log" >> "$work/delays.txt"
      for _ in $(seq 300); do grep -q "pipeline done\|pipeline failed" "$work/listen.log" && break; sleep 0.1; done
    fi
    rss+=("$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")")
    kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    local got
    got=$(find "$work/rx" -type f -name '*.dcm' -o -type f -name 'CT.*' | wc -l)
    [[ $got -eq $slices ]] || { echo "bench: $name received $got of $slices instances" >&2; return 1; }
  done
  local t m
  t=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  m=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
  echo "$t $((m / 1024))"
}

rm -f "$work/delays.txt"
read -r t_scp m_scp < <(receive storescp)
read -r t_mp m_mp < <(receive medpipe)
rate() { awk -v n="$slices" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
delay=$(sort -n "$work/delays.txt" | sed -n "$(( (runs + 1) / 2 ))p")
{
  echo "| receiver | instances | seconds | instances/s | peak MB | vs storescp |"
  echo "|---|---|---|---|---|---|"
  echo "| DCMTK storescp | $slices | $t_scp | $(rate "$t_scp") | $m_scp | 1.00 |"
  echo "| medpipe listen (fsync each) | $slices | $t_mp | $(rate "$t_mp") | $m_mp | $(ratio "$t_scp" "$t_mp") |"
  echo
  echo "Last instance to pipeline start: $delay s with --idle $idle (goal: at most $(awk -v i="$idle" 'BEGIN { print i + 0.5 }') s)."
} | tee "$work/table.md"
write_results bench/RESULTS-pacs.md "PACS receive throughput" "bash bench/pacs_bench.sh" \
  "storescu sends $slices CT instances of 256x256 (uncompressed, $(du -sm "$work/ct/dicom" | cut -f1) MB) over loopback; 'vs storescp' is storescp's time / ours (above 1: faster)." \
  "$work/table.md"
