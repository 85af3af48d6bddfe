#!/usr/bin/env bash
# Checks for moto's server (moto_server, from the Python package moto[server]
# 5.2.1), which the params tests run against as SSM Parameter Store and
# Secrets Manager. It is not installed here: PyPI is not reachable from this
# project's machines and Debian has no package, so the machine image must
# bring it. Fails with a message naming what is missing.
set -euo pipefail
want=5.2.1
if ! command -v moto_server >/dev/null 2>&1; then
	echo "moto.sh: moto_server is not on PATH: the params integration tests need moto[server] $want (pip install 'moto[server]==$want'; PyPI is not reachable here, so the machine image must bring it)" >&2
	exit 1
fi
if ! moto_server -h >/dev/null 2>&1; then
	echo "moto.sh: $(command -v moto_server) does not run (moto_server -h failed): reinstall moto[server] $want" >&2
	exit 1
fi
# The version, from the interpreter of moto_server's script when it names
# one (a virtualenv), else from python3 (a pyenv shim).
py=$(head -1 "$(command -v moto_server)" | sed -n 's/^#!//p')
have=
if [[ $py == *python* && -x ${py%% *} ]]; then
	have=$($py -c 'import moto; print(moto.__version__)' 2>/dev/null || true)
fi
if [[ -z $have ]]; then
	have=$(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || true)
fi
if [[ -n $have && $have != "$want" ]]; then
	echo "moto.sh: moto $have found, the tests were written against $want" >&2
fi
echo "moto_server is on PATH: $(command -v moto_server)${have:+ (moto $have)}"
