#!/usr/bin/env bash
# Print the path of a working Python 3.12 interpreter, or fail with a hint.
# A `python3.12` on PATH may be a pyenv shim that exists but refuses to run when
# 3.12 isn't the selected version, so each candidate is tried, not just found.
set -euo pipefail

runs_python312() {
    "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1
}

real_executable() {
    "$1" -c 'import sys; print(sys.executable)'
}

if [[ -n "${PYTHON312:-}" ]]; then
    if runs_python312 "$PYTHON312"; then
        real_executable "$PYTHON312"
        exit 0
    fi
    echo "error: PYTHON312=$PYTHON312 is not a working Python 3.12" >&2
    exit 1
fi

if command -v python3.12 >/dev/null 2>&1 && runs_python312 python3.12; then
    real_executable python3.12
    exit 0
fi

if command -v pyenv >/dev/null 2>&1; then
    pyenv_root="$(pyenv root)"
    # Newest 3.12.x first.
    while IFS= read -r candidate; do
        if runs_python312 "$candidate"; then
            real_executable "$candidate"
            exit 0
        fi
    done < <(compgen -G "$pyenv_root/versions/3.12*/bin/python3.12" | sort -V -r)
fi

cat >&2 <<'MSG'
error: no working Python 3.12 found.
Tried `python3.12` on PATH and pyenv's $(pyenv root)/versions/3.12*/bin/python3.12.
Install Python 3.12 (e.g. `pyenv install 3.12`) or point PYTHON312 at one:
    make install PYTHON312=/path/to/python3.12
MSG
exit 1
