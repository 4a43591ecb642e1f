#!/usr/bin/env bash
# Builds the trigger Lambda for provided.al2023 (x86_64) and packs it as a zip with `bootstrap` at its root.
#
#   triggers/package.sh [OUT.zip]     default: target/lambda/handoff-triggers.zip
#
# Amazon Linux 2023 ships glibc 2.34; this machine may have a newer one. The build is checked with objdump:
# it fails if the binary needs any glibc symbol version newer than 2.34, so a zip that would not start on
# Lambda is never produced.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/target/lambda/handoff-triggers.zip}"
max_glibc="2.34"

cd "$root"
# A failed build must stop here: an older bootstrap may still be on disk.
if ! cargo build --release -p handoff-triggers --bin bootstrap 2> >(grep -v '^\s*Compiling' >&2); then
    echo "package: cargo build of the trigger failed" >&2
    exit 1
fi
bin="$root/target/release/bootstrap"
[[ -x "$bin" ]] || { echo "package: build failed, no $bin" >&2; exit 1; }

needed="$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
if [[ "$(printf '%s\n%s\n' "$needed" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]]; then
    echo "package: bootstrap needs glibc $needed, provided.al2023 has $max_glibc" >&2
    exit 1
fi

mkdir -p "$(dirname "$out")"
python3 - "$bin" "$out" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo("bootstrap", date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 << 16)  # regular file, executable: Lambda runs it as is
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, open(src, "rb").read())
import os; os.replace(dst + ".tmp", dst)
PY
echo "package: $out (bootstrap $(stat -c %s "$bin") bytes, needs glibc <= $needed)" >&2
echo "$out"
