#!/usr/bin/env bash
# Runs one benchmark: builds it in Release, starts a throwaway PostgreSQL on the first free loopback port from its
# default (or BENCH_PG_PORT) with .ci/pg-start unless ConnectionStrings__Postgres names an existing server, runs it
# with the shared options (--postgres, --pg-data, --postgres-source, --results, --sdk, --command) and stops PostgreSQL.
# Usage: bash bench/bench.sh <foundation|deals|webhooks|list|ratelimit|escrow|delegations|emails|campaigns|campaigns-hangfire> [options for the benchmark]
# emails also starts smtp4dev (.ci/smtp4dev-start) unless SMTP4DEV_URL and SMTP4DEV_SMTP_PORT name a running one.
# Results: bench/results/<name>-<UTC>.json (foundation, deals, webhooks) and bench/results/<name>-latest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

name=${1:-}
shift || true
# name → project, default PostgreSQL port (empty: no database), projects it needs built besides its own
case "$name" in
  foundation) project=Bench;          default_port=55470; also="" ;;
  deals)      project=DealBench;      default_port=55520; also="Bench DealPeer" ;;   # raw Kestrel (foundation server) and the EF Core peer
  webhooks)   project=WebhookBench;   default_port=55490; also="" ;;
  list)       project=ListBench;      default_port=55500; also="" ;;
  ratelimit)  project=RateLimitBench; default_port="";    also="" ;;
  escrow)     project=EscrowBench;    default_port=55530; also="" ;;
  delegations) project=DelegationBench; default_port=55540; also="" ;;
  emails)     project=EmailBench;     default_port=55550; also="DealBench" ;;
  campaigns)  project=CampaignBench;  default_port=55475; also="" ;;   # our campaign shards: the burst and the spread
  campaigns-hangfire) project=CampaignPeer; default_port=55570; also="" ;;   # the campaign burst on a Hangfire delayed-job peer
  *) echo "usage: bash bench/bench.sh <foundation|deals|webhooks|list|ratelimit|escrow|delegations|emails|campaigns|campaigns-hangfire> [options]" >&2; exit 2 ;;
esac

echo "$name: building (Release)"
for p in $also $project; do
  dotnet build "bench/$p/$p.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly
done
dll="bench/$project/bin/Release/net10.0/$project.dll"

args=(--results bench/results --sdk "$(dotnet --version)" --command "bash bench/bench.sh $name${*:+ $*}")
pg_dir=""
smtp_dir=""
trap 'if [ -n "$pg_dir" ]; then .ci/pg-stop "$pg_dir"; fi; if [ -n "$smtp_dir" ]; then .ci/smtp4dev-stop "$smtp_dir"; rm -rf "$smtp_dir"; fi' EXIT
if [ "$name" = emails ]; then
  if [ -z "${SMTP4DEV_URL:-}" ] || [ -z "${SMTP4DEV_SMTP_PORT:-}" ]; then
    smtp_dir=$(mktemp -d /tmp/emails-bench-smtp4dev.XXXXXX)
    smtp_port=55560; http_port=55561
    while (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null || (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; do
      smtp_port=$((smtp_port + 2)); http_port=$((http_port + 2))
    done
    echo "$name: starting smtp4dev on 127.0.0.1:$smtp_port (HTTP $http_port)"
    while IFS= read -r line; do [ -n "$line" ] && export "${line?}"; done <<<"$(.ci/smtp4dev-start "$smtp_dir" "$smtp_port" "$http_port")"
  fi
  args+=(--smtp-port "$SMTP4DEV_SMTP_PORT" --smtp-url "$SMTP4DEV_URL")
fi
if [ -n "$default_port" ]; then
  if [ -n "${ConnectionStrings__Postgres:-}" ]; then
    conn=$ConnectionStrings__Postgres
    source_label="existing server (ConnectionStrings__Postgres)"
  else
    port=${BENCH_PG_PORT:-$default_port}
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    pg_dir=$(mktemp -d "/tmp/$name-bench-pg.XXXXXX")
    echo "$name: starting a throwaway PostgreSQL on 127.0.0.1:$port"
    conn=$(.ci/pg-start "$pg_dir" "$port")
    source_label="throwaway server started by bench/bench.sh (.ci/pg-start)"
    args+=(--pg-data "$pg_dir")
  fi
  args+=(--postgres "$conn" --postgres-source "$source_label")
  [ "$project" = DealBench ] && args+=(--bench-dll "$PWD/bench/Bench/bin/Release/net10.0/Bench.dll" --peer-dll "$PWD/bench/DealPeer/bin/Release/net10.0/DealPeer.dll")
fi

echo "$name: machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
dotnet "$dll" "${args[@]}" "$@" || status=$?
exit $status
