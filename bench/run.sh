#!/usr/bin/env bash
# The foundation benchmark: builds bench/Bench in Release, starts a throwaway PostgreSQL on a free loopback
# port (unless ConnectionStrings__Postgres names an existing server), runs the driver, stops PostgreSQL.
# Results: bench/results/foundation-<UTC>.json and bench/results/foundation-latest.md.
# Extra arguments go to the driver, e.g.  bash bench/run.sh --duration 30 --connections 32 --topology
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "bench: building (Release)"
dotnet build bench/Bench/Bench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dll=bench/Bench/bin/Release/net10.0/Bench.dll

source bench/postgres.sh
bench_postgres bench 55470

echo "bench: machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
dotnet "$dll" \
  --postgres "$conn" \
  --postgres-source "$source_label" \
  --results bench/results \
  --sdk "$(dotnet --version)" \
  --command "bash bench/run.sh${*:+ $*}" \
  "$@" || status=$?
exit $status
