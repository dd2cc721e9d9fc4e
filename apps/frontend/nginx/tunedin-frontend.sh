#!/bin/sh
# The frontend image's entrypoint: writes the /api location into $TMPDIR/nginx/api.conf (TMPDIR
# default /tmp, which nginx.conf includes), then runs nginx in the foreground ("$@" goes to nginx).
#   TUNEDIN_API_UPSTREAM=http://api:8000  proxy /api/* to that URL with the /api prefix stripped
#                                         (as the chart's ingress does); unset: /api/ answers 404
#   TUNEDIN_API_KEY=tdk_...               the API key the proxy sends (Authorization: Bearer ...)
#                                         in place of whatever the browser sent; unset: it sends
#                                         none. The browser never sees it.
# /api/metrics answers 404: Prometheus scrapes the API's pods, not the public proxy.
set -eu
dir="${TMPDIR:-/tmp}/nginx"
mkdir -p "$dir"
upstream=${TUNEDIN_API_UPSTREAM:-}
key=${TUNEDIN_API_KEY:-}
umask 077  # api.conf holds the key

if [ -z "$upstream" ]; then
  echo "location /api/ { return 404; }" > "$dir/api.conf"
else
  case "$upstream" in
    http://*|https://*) ;;
    *) echo "TUNEDIN_API_UPSTREAM must be an http(s) URL, got: $upstream" >&2; exit 1 ;;
  esac
  case "$upstream" in *[!A-Za-z0-9.:/_-]*) echo "TUNEDIN_API_UPSTREAM has characters nginx would misread: $upstream" >&2; exit 1 ;; esac
  authorization=""
  if [ -n "$key" ]; then
    # The key format of python -m tunedin_api.keys: tdk_<id>_<secret>, letters, digits, _ and -.
    case "$key" in
      tdk_*) ;;
      *) echo "TUNEDIN_API_KEY is not an API key (tdk_<id>_<secret>)" >&2; exit 1 ;;
    esac
    case "$key" in *[!A-Za-z0-9_-]*) echo "TUNEDIN_API_KEY has characters an API key never has" >&2; exit 1 ;; esac
    authorization="Bearer $key"
  fi
  # An empty value makes nginx drop the header: a browser's Authorization never reaches the API.
  printf '%s\n' \
    "location = /api/metrics { return 404; }" \
    "location /api/ {" \
    "  proxy_pass ${upstream%/}/;" \
    "  proxy_http_version 1.1;" \
    "  proxy_set_header Host \$proxy_host;" \
    "  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;" \
    "  proxy_set_header X-Forwarded-Proto \$scheme;" \
    "  proxy_set_header X-Forwarded-Host \$host;" \
    "  proxy_set_header Authorization \"$authorization\";" \
    "}" > "$dir/api.conf"
fi
exec nginx -e stderr -g "daemon off;" "$@"
