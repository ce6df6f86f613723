#!/usr/bin/env bash
# Installs what Sequence Hub needs and is missing, from the project's own pinned lists:
#   build/apt-packages.txt (Debian), requirements.txt (PyPI, into the project's .venv), package.json +
#   package-lock.json (npm). Nothing goes into the system's Python: Debian's is externally managed (PEP 668).
# Idempotent and quick when everything is there: each step is skipped when its stamp is newer than its list.
set -euo pipefail
cd "$(dirname "$0")/.."
stamps=.build/stamps
mkdir -p "$stamps"
SYSPY=${SYSPY:-python3}
VENV=${VENV:-.venv}
PY=$VENV/bin/python

need_apt=()
while read -r name version; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed"; then
    need_apt+=("$name=$version")
  fi
done < build/apt-packages.txt
if ((${#need_apt[@]})); then
  echo "install-deps: apt: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if ! apt-get install -y -qq "${need_apt[@]}"; then
    echo "install-deps: WARNING: a pinned Debian version is gone from the archive; installing the current one" >&2
    apt-get install -y -qq "${need_apt[@]%%=*}"
  fi
fi

if [[ ! -x $PY ]]; then
  echo "install-deps: $SYSPY -m venv $VENV"
  "$SYSPY" -m venv "$VENV"
  rm -f "$stamps/pip"
fi

if [[ ! -f $stamps/pip || requirements.txt -nt $stamps/pip ]]; then
  echo "install-deps: pip install -r requirements.txt (into $VENV)"
  "$PY" -m pip install -q -r requirements.txt
  touch "$stamps/pip"
fi

if [[ ! -d node_modules || package-lock.json -nt $stamps/npm || ! -f $stamps/npm ]]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamps/npm"
fi
