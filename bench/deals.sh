#!/usr/bin/env bash
# The deal benchmark (issue #5): builds bench/DealBench and the foundation bench (whose grain-write server is the
# baseline) in Release, starts a throwaway PostgreSQL on a free loopback port (unless ConnectionStrings__Postgres names
# an existing server), runs: plain grain write, the deal flow on a cluster-mode ApiHost, PostgreSQL round trips per deal
# request, deal GET on an embedded ApiHost; and stops PostgreSQL.
# Results: bench/results/deals-<UTC>.json and bench/results/deals-latest.md.
# Extra arguments go to the program, e.g.  bash bench/deals.sh --duration 30 --connections 64
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "deals: building (Release)"
dotnet build bench/Bench/Bench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build bench/DealBench/DealBench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dll=bench/DealBench/bin/Release/net10.0/DealBench.dll

source bench/postgres.sh
bench_postgres deals 55520

echo "deals: machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
dotnet "$dll" \
  --postgres "$conn" \
  ${pg_dir:+--pg-data "$pg_dir"} \
  --postgres-source "$source_label" \
  --bench-dll "$PWD/bench/Bench/bin/Release/net10.0/Bench.dll" \
  --results bench/results \
  --command "bash bench/deals.sh${*:+ $*}" \
  "$@" || status=$?
exit $status
