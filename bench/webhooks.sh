#!/usr/bin/env bash
# The webhook delivery benchmark (issue #4): builds bench/WebhookBench in Release, starts a throwaway PostgreSQL on a
# free loopback port (unless ConnectionStrings__Postgres names an existing server), runs raw POSTs vs signed, persisted
# deliveries from one cluster silo, then the 1,000-endpoint fan-out, and stops PostgreSQL.
# Results: bench/results/webhooks-<UTC>.json and bench/results/webhooks-latest.md.
# Extra arguments go to the program, e.g.  bash bench/webhooks.sh --duration 30 --partitions 8 --endpoints 50
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "webhooks: building (Release)"
dotnet build bench/WebhookBench/WebhookBench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dll=bench/WebhookBench/bin/Release/net10.0/WebhookBench.dll

source bench/postgres.sh
bench_postgres webhooks 55490

echo "webhooks: machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
dotnet "$dll" \
  --postgres "$conn" \
  ${pg_dir:+--pg-data "$pg_dir"} \
  --postgres-source "$source_label" \
  --results bench/results \
  --command "bash bench/webhooks.sh${*:+ $*}" \
  "$@" || status=$?
exit $status
