#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on loopback, starting them with the machine's documented commands when
# they are down. Used by .ci/run and handy on a developer machine. Exits non-zero if a service cannot be reached.
set -uo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null; }

wait_for() { # name check-fn
  for _ in $(seq 1 30); do "$2" && { echo "$1: up"; return 0; }; sleep 1; done
  echo "$1: still down after 30 s" >&2; return 1
}

status=0
if pg_up; then echo "postgresql: up"; else
  echo "postgresql: down, starting"
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  wait_for postgresql pg_up || status=1
fi

if redis_up; then echo "redis: up"; else
  echo "redis: down, starting"
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  wait_for redis redis_up || status=1
fi
exit $status
