#!/usr/bin/env bash
# Bundles one benchmark (TypeScript, esbuild, packages left external) and runs it with node.
# Usage: bash bench/run.sh bench/peers/human.ts [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
src="$1"; shift
out="build/${src%.ts}.mjs"
npx esbuild "$src" --bundle --platform=node --format=esm --packages=external --outfile="$out" --log-level=warning
exec node "$out" "$@"
