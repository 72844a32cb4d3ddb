#!/bin/bash
# curl/secrets.sh: secrets.sh with every request through libcurl (FLOWRUN_HTTP_ENGINE=curl).
# The plain script runs flowrun's default (auto: the lean HTTP path wherever it can);
# this one proves the libcurl path refuses file:// and CR/LF and leaks nothing the same way.
export FLOWRUN_HTTP_ENGINE=curl
exec bash "${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}/tests/e2e/secrets.sh"
