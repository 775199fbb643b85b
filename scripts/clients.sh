#!/usr/bin/env bash
# Installs the protocol clients the tests drive Tributary with, when missing: clients no one here
# wrote, so a test proves what a shipper really sends works (Elastic's Python client for _bulk,
# the OpenTelemetry Python SDK for OTLP, python-logging-loki for Loki's push API).
set -euo pipefail
need() { python3 -c "import $1" >/dev/null 2>&1 || pip3 install --quiet --disable-pip-version-check $2; }
need elasticsearch 'elasticsearch==9.5.1'
need opentelemetry.exporter.otlp.proto.http 'opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp-proto-http==1.45.2'
need logging_loki 'python-logging-loki==0.3.1'
