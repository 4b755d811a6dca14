#!/usr/bin/env sh
# Installs the official UserSig libraries that `tests/interop.rs` checks us against:
#   - Python: tls-sig-api-v2 1.1 (PyPI, module `TLSSigAPIv2`)
#   - Node:   tls-sig-api-v2 1.0.2 (npm, `TLSSigAPIv2.js`)
#
# Usage: crates/usersig/interop/setup.sh [DIR]
# DIR defaults to `target/interop` under the workspace root. The script prints the two
# `export` lines that point the interop test at the installed libraries; run them (or
# `eval "$(crates/usersig/interop/setup.sh)"`) before
# `TIM_REQUIRE_INTEROP=1 cargo test -p tencent-im-usersig --test interop`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-"$here/../../../target/interop"}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps --upgrade \
    --target "$dir/python" 'tls-sig-api-v2==1.1' >&2
npm install --silent --no-audit --no-fund --no-package-lock \
    --prefix "$dir/node" 'tls-sig-api-v2@1.0.2' >&2

test -f "$dir/python/TLSSigAPIv2.py" || { echo "setup.sh: TLSSigAPIv2.py not found in $dir/python" >&2; exit 1; }
test -f "$dir/node/node_modules/tls-sig-api-v2/TLSSigAPIv2.js" || { echo "setup.sh: tls-sig-api-v2 not found in $dir/node/node_modules" >&2; exit 1; }

echo "export TIM_INTEROP_PYTHONPATH=$dir/python"
echo "export TIM_INTEROP_NODE_MODULES=$dir/node/node_modules"
