#!/usr/bin/env bash
# Telemetry cost on the foundation benchmark: runs the foundation benchmark (bench/bench.sh foundation) alternately with telemetry off
# (Telemetry__Enabled=false) and on as shipped (metrics, and traces at the default sampler, one new trace in ten,
# exported over OTLP/HTTP to a local stand-in receiver, bench/otlp-sink.py), PAIRS times, and writes the medians to
# bench/results/telemetry-<UTC>.md. Usage: bash bench/telemetry.sh [PAIRS] [extra foundation arguments]
# TELEMETRY_SAMPLE_RATIO=1 traces every request in "on" (any share: the SDK's OTEL_TRACES_SAMPLER=parentbased_traceidratio);
# TELEMETRY_ON_ENV replaces the "on" settings (e.g. Telemetry__Traces=Off: metrics only).
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
shift || true
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=$(mktemp -d)
sink_port=${OTLP_SINK_PORT:-54318}

python3 bench/otlp-sink.py "$sink_port" &
sink=$!
trap 'kill $sink 2>/dev/null || true; rm -rf "$work"' EXIT

off="Telemetry__Enabled=false"
on="Telemetry__Traces=On,OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$sink_port,OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
ratio=${TELEMETRY_SAMPLE_RATIO:-}
[ -n "$ratio" ] && on="$on,OTEL_TRACES_SAMPLER=parentbased_traceidratio,OTEL_TRACES_SAMPLER_ARG=$ratio"
on=${TELEMETRY_ON_ENV:-$on}
for i in $(seq 1 "$pairs"); do
  for mode in off on; do
    env_var=$off; [ "$mode" = on ] && env_var=$on
    echo "telemetry bench: pair $i, telemetry $mode"
    bash bench/bench.sh foundation --scenarios embedded,cluster --results "$work/$mode-$i" --server-env "$env_var" "$@" >"$work/$mode-$i.log" 2>&1 \
      || { tail -30 "$work/$mode-$i.log"; exit 1; }
  done
done
echo "telemetry bench: OTLP sink received (requests bytes): $(curl -s "http://127.0.0.1:$sink_port/")"

python3 - "$work" "$pairs" "$stamp" "$*" "$ratio" "${TELEMETRY_ON_ENV:-}" <<'PY'
import glob, json, statistics, sys
work, pairs, stamp, extra, ratio, custom = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
runs = {"off": [], "on": []}
for mode in runs:
    for i in range(1, pairs + 1):
        [path] = glob.glob(f"{work}/{mode}-{i}/foundation-*.json")
        runs[mode].append({s["name"]: s for s in json.load(open(path))["scenarios"]})
lines = [f"# Telemetry cost on the foundation benchmark ({stamp})", "",
         f"`bash bench/telemetry.sh {pairs}{' ' + extra if extra else ''}`: the foundation benchmark (scenarios embedded and cluster) alternately with",
         "telemetry **off** (`Telemetry__Enabled=false`: no OpenTelemetry at all) and **on** (metrics with the Prometheus",
         ("exporter, plus tracing at the default sampler: one new trace in ten" if not ratio else f"exporter, plus tracing of a {ratio} share of requests (parentbased_traceidratio)") +
         " — ASP.NET Core, grain calls, Npgsql — exported by OTLP/HTTP to a local",
         "stand-in receiver, `bench/otlp-sink.py`), in the server processes. Medians of the runs; each run's figures follow." +
         (f" **This run's \"on\" was `{custom}` instead.**" if custom else ""), "",
         "| scenario | off req/s | on req/s | cost | off p99 ms | on p99 ms | off server µs/req | on server µs/req | off B/req | on B/req |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
for name in runs["off"][0]:
    med = lambda mode, key: statistics.median(r[name][key] for r in runs[mode])
    off, on = med("off", "requestsPerSecond"), med("on", "requestsPerSecond")
    values = lambda mode: [r[name]["allocatedBytesPerRequest"] for r in runs[mode] if r[name].get("allocatedBytesPerRequest") is not None]
    alloc = lambda mode: f"{statistics.median(values(mode)):.0f}" if values(mode) else "–"
    lines.append(f"| {name} | {off:.0f} | {on:.0f} | {100 * (off - on) / off:+.1f}% | {med('off', 'p99Ms'):.2f} | {med('on', 'p99Ms'):.2f} | "
                 f"{med('off', 'serverCpuMicrosPerRequest'):.1f} | {med('on', 'serverCpuMicrosPerRequest'):.1f} | "
                 f"{alloc('off')} | {alloc('on')} |")
lines += ["", "Cost = (off − on) / off of the median throughput; the target is ≤ 5% on grain-get and grain-write. B/req: bytes the",
          "server allocated per request (`/bench/alloc`), which a busy machine does not inflate as it does CPU time.", "",
          "| run | " + " | ".join(runs["off"][0]) + " |", "|---|" + "---:|" * len(runs["off"][0])]
for i in range(pairs):
    for mode in ("off", "on"):
        lines.append(f"| {mode} {i + 1} | " + " | ".join(f"{runs[mode][i][n]['requestsPerSecond']:.0f}" for n in runs["off"][0]) + " |")
open(f"bench/results/telemetry-{stamp}.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
