#!/usr/bin/env bash
# Smoke test of the production image's file layout without Docker: rebuilds the Dockerfile's runtime stage as a
# directory (every COPY line of that stage, parsed from the Dockerfile, so a file missing from it is caught), starts
# `node dist/cli.js serve` from it with an empty environment, checks the health, readiness, browser bundle and
# Pyodide routes and a clean SIGTERM exit, then runs one real server-side code verification from the copied tree.
# No network: `npm ci --omit=dev` is replaced by a symlink to the repo's node_modules (so a runtime dependency
# listed only under devDependencies is NOT caught here).
#
# Usage: scripts/image-smoke.sh            (DOCKERFILE=path to check another Dockerfile; default ./Dockerfile)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
DOCKERFILE="${DOCKERFILE:-$REPO/Dockerfile}"
DOCKERFILE="$(cd "$(dirname "$DOCKERFILE")" && pwd)/$(basename "$DOCKERFILE")"
STARTED=$SECONDS
STEP=setup
SERVER_PID=

step() {
  STEP="$1"
  printf '== %s\n' "$1"
}
die() {
  printf 'image smoke: FAILED at step "%s": %s\n' "$STEP" "$*" >&2
  exit 1
}
trap 'printf "image smoke: FAILED at step \"%s\": command failed (line %s): %s\n" "$STEP" "$LINENO" "$BASH_COMMAND" >&2' ERR

TMP="$(mktemp -d "${TMPDIR:-/tmp}/image-smoke.XXXXXX")"
APP="$TMP/app"
BUILD="$TMP/build" # the build stage's /app, for the parts that are not plain repo files (dist)
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true # reaped quietly (no "Killed" job notice)
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$APP" "$BUILD" "$TMP/data"

[ -f "$DOCKERFILE" ] || die "no Dockerfile at $DOCKERFILE"

# ---------------------------------------------------------------------------------------------------------------
step "build: tsc -p tsconfig.build.json (into the temp dir, not ./dist)"
# The build stage's `npm run build` is this tsc; its /app/dist is what the runtime stage copies.
npx tsc -p tsconfig.build.json --outDir "$BUILD/dist" || die "tsc failed"
[ -f "$BUILD/dist/cli.js" ] || die "tsc produced no dist/cli.js"
if [ ! -f src/web/dist/index.html ]; then
  # The build stage runs `npm run build:web`; here `npm ci`'s prepare script normally did it already.
  echo "src/web/dist is missing: npm run build:web"
  npm run build:web || die "npm run build:web failed"
fi

# ---------------------------------------------------------------------------------------------------------------
step "layout: reproduce the runtime stage's COPY lines from $(basename "$DOCKERFILE")"

# Plain-path .dockerignore patterns (anchored at the context root, as Docker treats them); globs and `!` are noted.
IGNORED=()
if [ -f .dockerignore ]; then
  while IFS= read -r pat || [ -n "$pat" ]; do
    pat="${pat%%#*}"
    pat="$(printf '%s' "$pat" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')"
    [ -n "$pat" ] || continue
    case "$pat" in
      '!'* | *'*'* | *'?'* | *'['*) echo "note: .dockerignore pattern '$pat' is not applied by this script" ;;
      *) pat="${pat#/}"; pat="${pat#./}"; IGNORED+=("${pat%/}") ;;
    esac
  done < .dockerignore
fi

# The runtime stage's logical lines (continuations joined, comments dropped).
mapfile -t RUNTIME < <(awk '
  /^[[:space:]]*#/ { next }
  {
    line = $0
    if (sub(/\\[[:space:]]*$/, "", line)) { buf = buf line " "; next }
    line = buf line; buf = ""
    if (line ~ /^[[:space:]]*$/) next
    if (toupper(line) ~ /^[[:space:]]*FROM[[:space:]]/) {
      inrt = (toupper(line) ~ /[[:space:]]AS[[:space:]]+RUNTIME[[:space:]]*$/)
      next
    }
    if (inrt) print line
  }' "$DOCKERFILE")
[ "${#RUNTIME[@]}" -gt 0 ] || die "no 'FROM ... AS runtime' stage (or it is empty) in $DOCKERFILE"

WORKDIR=/
COPIES=0
# Where an image path (absolute, or relative to WORKDIR) lands in $APP; only /app is reproduced.
dest_path() {
  local d="$1"
  case "$d" in /*) ;; *) d="${WORKDIR%/}/$d" ;; esac
  case "$d" in
    /app | /app/) printf '%s/' "$APP" ;;
    /app/*) printf '%s' "$APP/${d#/app/}" ;;
    *) return 1 ;;
  esac
}
# Docker semantics: a directory's contents (not the directory) are copied; a file into a directory dest keeps its name.
copy_into() { # src dest dest-is-dir
  local src="$1" dst="$2" isdir="$3"
  if [ -d "$src" ]; then
    mkdir -p "$dst"
    cp -a "$src/." "$dst/"
  elif [ "$isdir" = 1 ] || [ -d "$dst" ]; then
    mkdir -p "$dst"
    cp -a "$src" "$dst/"
  else
    mkdir -p "$(dirname "$dst")"
    cp -a "$src" "$dst"
  fi
}
# Context-relative sources: refuse what .dockerignore excludes, drop excluded paths below a copied directory.
copy_context() { # rel dest dest-is-dir
  local rel="${1#./}" dst="$2" isdir="$3" p
  rel="${rel%/}"
  [ -n "$rel" ] || rel=.
  for p in "${IGNORED[@]}"; do
    if [ "$rel" = "$p" ] || [[ "$rel" == "$p"/* ]]; then
      die "COPY $1: excluded by .dockerignore ('$p'); Docker would fail with 'not found'"
    fi
  done
  [ -e "$REPO/$rel" ] || die "COPY $1: not found in the build context ($REPO/$rel)"
  copy_into "$REPO/$rel" "$dst" "$isdir"
  if [ -d "$REPO/$rel" ]; then
    for p in "${IGNORED[@]}"; do
      if [ "$rel" = . ]; then rm -rf "${dst%/}/$p"
      elif [[ "$p" == "$rel"/* ]]; then rm -rf "${dst%/}/${p#"$rel"/}"; fi
    done
  fi
}

for line in "${RUNTIME[@]}"; do
  read -ra words <<< "$line"
  instr="${words[0]^^}"
  case "$instr" in
    WORKDIR)
      case "${words[1]}" in /*) WORKDIR="${words[1]}" ;; *) WORKDIR="${WORKDIR%/}/${words[1]}" ;; esac
      [ "${WORKDIR%/}" = /app ] || die "WORKDIR $WORKDIR: this script only reproduces /app"
      ;;
    COPY)
      from=
      args=()
      for w in "${words[@]:1}"; do
        case "$w" in
          --from=*) from="${w#--from=}" ;;
          --chown=* | --chmod=* | --link | --link=*) ;;
          --*) die "COPY option $w is not supported by this script: $line" ;;
          *) args+=("$w") ;;
        esac
      done
      case "${args[0]:-}" in '['*) die "JSON-form COPY is not supported by this script: $line" ;; esac
      [ "${#args[@]}" -ge 2 ] || die "COPY needs a source and a destination: $line"
      dst_raw="${args[-1]}"
      srcs=("${args[@]:0:${#args[@]}-1}")
      dst="$(dest_path "$dst_raw")" || die "COPY destination $dst_raw is outside /app: $line"
      isdir=0
      if [ "${#srcs[@]}" -gt 1 ] || [[ "$dst_raw" == */ ]] || [ "$dst_raw" = . ]; then isdir=1; fi
      if [ -n "$from" ]; then
        [ "$from" = build ] || die "COPY --from=$from: only the build stage is known to this script: $line"
        for s in "${srcs[@]}"; do
          case "$s" in
            /app/dist | /app/dist/*) src="$BUILD/${s#/app/}" ;; # the tsc output of step 1
            /app/*) src="$REPO/${s#/app/}" ;;                    # made in the build stage from repo files (src/web/dist)
            *) die "COPY --from=build $s: only /app/... is known to this script" ;;
          esac
          [ -e "$src" ] || die "COPY --from=build $s: the build stage would not have it ($src is missing)"
          copy_into "$src" "$dst" "$isdir"
        done
      else
        for s in "${srcs[@]}"; do
          if [[ "$s" == *[\*\?\[]* ]]; then
            mapfile -t matches < <(cd "$REPO" && compgen -G "$s" || true)
            [ "${#matches[@]}" -gt 0 ] || die "COPY $s: no file in the build context matches"
            for m in "${matches[@]}"; do copy_context "$m" "$dst" 1; done
          else
            copy_context "$s" "$dst" "$isdir"
          fi
        done
      fi
      COPIES=$((COPIES + 1))
      echo "  COPY ${from:+--from=$from }${srcs[*]} -> $dst_raw"
      ;;
    ADD) die "ADD is not supported by this script: $line" ;;
    RUN) echo "  (skipped) $line" ;;
  esac
done
[ "$COPIES" -gt 0 ] || die "the runtime stage has no COPY line"
[ ! -e "$APP/node_modules" ] || die "the runtime stage copies node_modules; this script expects npm ci to make it"
# Stands in for `npm ci --omit=dev` (no network in checks).
ln -s "$REPO/node_modules" "$APP/node_modules"
FILES="$(find "$APP/" -type f | wc -l)"
echo "  $COPIES COPY lines, $FILES files in $APP"

# ---------------------------------------------------------------------------------------------------------------
step "serve: node dist/cli.js serve from the copied tree"
[ -f "$APP/dist/cli.js" ] || die "dist/cli.js is not in the copied tree (is the COPY of /app/dist missing?)"
PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
BASE="http://127.0.0.1:$PORT"
LOG="$TMP/serve.log"
(cd "$APP" && exec env -i PATH="$PATH" HOME="$HOME" NODE_ENV=development PORT="$PORT" DATA_DIR="$TMP/data" node dist/cli.js serve) > "$LOG" 2>&1 &
SERVER_PID=$!
server_log() {
  echo "---- server output (last 40 lines) ----" >&2
  tail -n 40 "$LOG" >&2 || true
  echo "----" >&2
}
# GET url expected-status out-file → prints nothing; dies with the status and the body's start otherwise.
get() {
  local url="$1" want="$2" out="$3" code
  code="$(curl -sS -o "$out" -w '%{http_code}' --max-time 10 "$BASE$url" 2>"$TMP/curl.err")" || code="000 ($(cat "$TMP/curl.err"))"
  if [ "$code" != "$want" ]; then
    echo "GET $url answered $code, not $want; body: $(head -c 400 "$out" 2>/dev/null)" >&2
    server_log
    die "GET $url answered $code, not $want"
  fi
}
deadline=$((SECONDS + 60))
until curl -sf -o /dev/null --max-time 2 "$BASE/health"; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    rc=0; wait "$SERVER_PID" || rc=$?
    SERVER_PID=
    server_log
    die "the server exited (code $rc) before /health answered: something it needs at run time is missing from the copied tree?"
  fi
  # src/cli.ts reports a failed start as `screenline: <stack>` (and the process may stay up: fail now, not in 60 s).
  fatal="$(grep -m1 '^screenline: ' "$LOG" || true)"
  if [ -n "$fatal" ]; then server_log; die "the server failed to start: ${fatal#screenline: }"; fi
  if [ "$SECONDS" -ge "$deadline" ]; then server_log; die "GET /health did not answer 200 within 60 s"; fi
  sleep 0.5
done
echo "  /health 200 after $((SECONDS - deadline + 60)) s"
get /health 200 "$TMP/health.json"
get /ready 200 "$TMP/ready.json"
echo "  /ready 200: $(cat "$TMP/ready.json")"

# The bundle's entry script, named in the copied index.html (the page /w/:token serves), must come back byte for byte.
INDEX="$APP/src/web/dist/index.html"
[ -f "$INDEX" ] || die "the browser bundle (src/web/dist/index.html) is not in the copied tree"
ASSET="$(grep -o 'src="/w/assets/[^"]*\.js"' "$INDEX" | head -n1 | sed -e 's/^src="//' -e 's/"$//')"
[ -n "$ASSET" ] || die "src/web/dist/index.html names no /w/assets/*.js script"
get "$ASSET" 200 "$TMP/asset.js"
cmp -s "$TMP/asset.js" "$APP/src/web/dist/${ASSET#/w/}" || die "GET $ASSET did not serve the copied bundle's file"
echo "  $ASSET 200 ($(wc -c < "$TMP/asset.js") bytes, same as the copied file)"
# An allow-listed Pyodide file (PYODIDE_FILES in src/workspace/web-assets.ts), the one the page's loader reads first.
get /w/pyodide/pyodide-lock.json 200 "$TMP/pyodide-lock.json"
node -e "JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')).packages || process.exit(1)" "$TMP/pyodide-lock.json" \
  || die "/w/pyodide/pyodide-lock.json is not Pyodide's lock file"
echo "  /w/pyodide/pyodide-lock.json 200 ($(wc -c < "$TMP/pyodide-lock.json") bytes)"

step "stop: SIGTERM, exit 0 within 30 s"
kill -TERM "$SERVER_PID"
deadline=$((SECONDS + 30))
while kill -0 "$SERVER_PID" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then server_log; die "the server did not exit within 30 s of SIGTERM"; fi
  sleep 0.2
done
rc=0; wait "$SERVER_PID" || rc=$?
SERVER_PID=
[ "$rc" -eq 0 ] || { server_log; die "the server exited $rc after SIGTERM, not 0"; }
echo "  exited 0"

# ---------------------------------------------------------------------------------------------------------------
step "verify: one reference solution through the server-side verifier, from the copied tree"
VERIFY_OUT="$TMP/verify.out"
vrc=0
(cd "$APP" && exec env -i PATH="$PATH" HOME="$HOME" timeout 120 node --input-type=module -e '
import { realpathSync } from "node:fs";
const app = realpathSync(process.cwd());
const { Verifier } = await import("./dist/workspace/verifier/verifier.js");
const { ProblemBank } = await import("./dist/workspace/problems.js");
// The default directory is found from dist/workspace, so it can only be the copied prompts/.
const bank = ProblemBank.load();
const problem = bank.problems[0];
const verifier = new Verifier({ warm: 0, concurrency: 1, niceness: 0 });
// The runner must be the copied one, not a file found elsewhere.
const runner = realpathSync(verifier.spec.runner);
console.log(`runner: ${runner}`);
if (!runner.startsWith(app + "/")) { console.error(`the verifier runs ${runner}, outside the copied tree`); process.exit(1); }
try {
  const r = await verifier.verify({ code: problem.reference, problem });
  console.log(`problem: ${problem.id} (${bank.problems.length} in the bank)`);
  console.log(`verdict: ${r.verdict} (${r.passed}/${r.total}) fromSnapshot: ${r.fromSnapshot} cold: ${r.cold} ${r.durationMs} ms${r.reason ? " reason: " + r.reason : ""}`);
  console.log(`RESULT ${problem.id} ${r.verdict} fromSnapshot=${r.fromSnapshot}`);
  process.exitCode = r.verdict === "passed" ? 0 : 1;
} finally {
  await verifier.close();
}
') > "$VERIFY_OUT" 2>&1 || vrc=$?
sed 's/^/  /' "$VERIFY_OUT"
[ "$vrc" -eq 0 ] || die "the verification did not pass from the copied tree (exit $vrc; output above)"
RESULT="$(grep '^RESULT ' "$VERIFY_OUT" | tail -n1)"
read -r _ PROBLEM VERDICT SNAP <<< "$RESULT"
[ "$VERDICT" = passed ] || die "verdict $VERDICT, not passed"

printf 'image smoke: OK (%s COPY lines, %s files; /health /ready %s /w/pyodide/pyodide-lock.json served; SIGTERM exit 0; %s verified %s, %s; %s s)\n' \
  "$COPIES" "$FILES" "$ASSET" "$PROBLEM" "$VERDICT" "$SNAP" "$((SECONDS - STARTED))"
