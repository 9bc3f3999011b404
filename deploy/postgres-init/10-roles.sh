#!/usr/bin/env bash
# Creates Kortisto's database and its two login roles. Idempotent.
#
# The postgres image runs this once, as its bootstrap superuser, when it initialises an empty
# data directory (files in /docker-entrypoint-initdb.d). Against an existing server (managed
# PostgreSQL, a second cluster) run it by hand as a role with CREATEROLE and CREATEDB, e.g.
#   PGHOST=db.example PGUSER=admin KORTISTO_OWNER_PASSWORD=... KORTISTO_APP_PASSWORD=... \
#     bash deploy/postgres-init/10-roles.sh
# Re-running it resets both passwords to the given values and re-applies the grants.
#
#   kortisto_owner  LOGIN CREATEROLE, may CREATE in the database: creates and owns schema
#                   `platform`, every tenant schema `t_<slug>` and every tenant role `t_<slug>_rw`.
#                   Used only by `kortisto migrate` and tenant provisioning (DATABASE_ADMIN_URL).
#   kortisto_app    LOGIN and nothing else, CONNECT only, owns nothing. The runtime role of
#                   serve/worker/scheduler (DATABASE_URL). Provisioning grants it each tenant role
#                   WITH INHERIT FALSE, SET TRUE, so it reads a tenant only after SET LOCAL ROLE.
#
# Needs PostgreSQL 16+ (GRANT ... WITH INHERIT FALSE, SET TRUE) and psql 15+ (\getenv).
# Passwords come from the environment, never from the command line (no `ps` exposure). They
# travel to the server as plain SQL literals: don't run this with log_statement = 'all'.
set -Eeo pipefail

: "${KORTISTO_OWNER_PASSWORD:?KORTISTO_OWNER_PASSWORD must be set}"
: "${KORTISTO_APP_PASSWORD:?KORTISTO_APP_PASSWORD must be set}"
export KORTISTO_DB_NAME="${KORTISTO_DB_NAME:-kortisto}"

psql_args=(-v ON_ERROR_STOP=1 --no-psqlrc --quiet)
# Inside the postgres image these name the bootstrap superuser and its database; by hand,
# psql's own PGUSER/PGDATABASE/PGHOST apply.
if [[ -n "${POSTGRES_USER:-}" ]]; then psql_args+=(--username "$POSTGRES_USER"); fi
if [[ -n "${POSTGRES_DB:-}" ]]; then psql_args+=(--dbname "$POSTGRES_DB"); fi

psql "${psql_args[@]}" <<'EOSQL'
\getenv owner_password KORTISTO_OWNER_PASSWORD
\getenv app_password KORTISTO_APP_PASSWORD
\getenv db KORTISTO_DB_NAME

DO $$
BEGIN
  IF current_setting('server_version_num')::int < 160000 THEN
    RAISE EXCEPTION 'Kortisto needs PostgreSQL 16 or newer, this is %', version()
      USING HINT = 'Tenant isolation uses GRANT ... WITH INHERIT FALSE, SET TRUE.';
  END IF;
END
$$;

-- Roles: create if missing, then (re)apply attributes and password either way.
SELECT 'CREATE ROLE kortisto_owner'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kortisto_owner') \gexec
SELECT format('ALTER ROLE kortisto_owner LOGIN CREATEROLE NOSUPERUSER NOCREATEDB'
              ' NOREPLICATION NOBYPASSRLS PASSWORD %L', :'owner_password') \gexec

SELECT 'CREATE ROLE kortisto_app'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kortisto_app') \gexec
SELECT format('ALTER ROLE kortisto_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'
              ' NOREPLICATION NOBYPASSRLS PASSWORD %L', :'app_password') \gexec

-- The database belongs to the bootstrap role, not to kortisto_owner: the owner role may
-- create schemas in it but cannot alter or drop the database itself.
SELECT format('CREATE DATABASE %I ENCODING %L TEMPLATE template0', :'db', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec

-- PUBLIC gets CONNECT and TEMPORARY on new databases by default: take both away.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %I TO kortisto_owner', :'db') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO kortisto_app', :'db') \gexec

\connect :db
-- Nothing lives in `public`: a query that forgot its tenant fails instead of finding a table.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
EOSQL

echo "10-roles.sh: database ${KORTISTO_DB_NAME} with roles kortisto_owner and kortisto_app ready"
