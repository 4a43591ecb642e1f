#!/usr/bin/env bash
# The AWS deployment's offline tests: the SAM template's checks, then the attach script's unit and ministack tests.
# Both run with the project's venv python (cargo xtask setup makes it). The last line sums them: `N passed, M failed`.
# HANDOFF_AWS_PYTHON overrides the interpreter (another venv with the same pinned packages).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="${HANDOFF_AWS_PYTHON:-$root/.tools/venv/bin/python}"
export PYTHONDONTWRITEBYTECODE=1

if [[ ! -x "$py" ]]; then
    echo "FAIL test-aws: $py is missing (run \`cargo xtask setup\`)"
    echo "test result: FAILED. 0 passed; 1 failed"
    echo "0 passed, 1 failed"
    exit 1
fi

passed=0
failed=0
for script in check_template.py test_attach.py; do
    out="$(mktemp)"
    "$py" "$root/deploy/aws/$script" 2>&1 | tee "$out"
    rc="${PIPESTATUS[0]}"
    summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)"
    rm -f "$out"
    if [[ -z "$summary" ]]; then
        echo "FAIL $script: ended without a summary line (exit $rc)"
        failed=$((failed + 1))
        continue
    fi
    p="${summary%% passed*}"
    f="${summary#*, }"
    f="${f%% failed}"
    passed=$((passed + p))
    failed=$((failed + f))
    if [[ "$rc" -ne 0 && "$f" -eq 0 ]]; then
        echo "FAIL $script: exit $rc although it counted no failure"
        failed=$((failed + 1))
    fi
done

# xtask's test runner counts libtest-style `test result:` lines (as the package step prints them); the plain line
# after it is this script's own summary for a person or another runner.
if [[ "$failed" -eq 0 ]]; then verdict="ok"; else verdict="FAILED"; fi
echo "test result: $verdict. $passed passed; $failed failed"
echo "$passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
