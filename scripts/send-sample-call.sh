#!/bin/sh
# Send one sample call to the sandbox started by `make run`: every webhook of
# the call (call.created ... call.ended), POSTed with curl to the bridge with
# the webhook token that `install` registered in the fake Aircall (read from
# its admin API). Then waits for the ticket in the fake Gorgias and prints it.
#
#   scripts/send-sample-call.sh [answered|missed|voicemail] [caller-number]
#
# The bodies are kept in var/sample-calls/ to replay by hand:
#   curl -X POST -H 'Content-Type: application/json' \
#        --data-binary @var/sample-calls/<file>.json http://127.0.0.1:8080/webhooks/aircall
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 scripts/sandbox.py send-call "$@"
