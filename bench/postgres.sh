#!/usr/bin/env bash
# Sourced by the bench scripts: the PostgreSQL they run against. With ConnectionStrings__Postgres set, that server;
# otherwise a throwaway one on the first free loopback port from $2 (or BENCH_PG_PORT), started with .ci/pg-start and
# stopped when the script exits. Sets: conn, source_label, pg_dir (empty for an existing server).
# Usage: bench_postgres <name> <default port>   (from the repository root)
bench_postgres() {
  local name=$1 default_port=$2
  pg_dir=""
  trap 'if [ -n "$pg_dir" ]; then .ci/pg-stop "$pg_dir"; fi' EXIT
  if [ -n "${ConnectionStrings__Postgres:-}" ]; then
    conn=$ConnectionStrings__Postgres
    source_label="existing server (ConnectionStrings__Postgres)"
    return
  fi
  local port=${BENCH_PG_PORT:-$default_port}
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  pg_dir=$(mktemp -d "/tmp/$name-bench-pg.XXXXXX")
  echo "$name: starting a throwaway PostgreSQL on 127.0.0.1:$port"
  conn=$(.ci/pg-start "$pg_dir" "$port")
  source_label="throwaway server started by bench/$name.sh (.ci/pg-start)"
}
