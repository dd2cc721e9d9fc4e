"""OpenTelemetry: a tracer provider for the app, exporting by OTLP when an endpoint is set."""

from __future__ import annotations

import os

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from tunedin_api.settings import Settings


def build_tracer_provider(settings: Settings) -> TracerProvider:
    """Spans for requests, cache lookups and FAISS searches; OTLP/HTTP when
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (the exporter reads the standard OTEL_* variables)."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name}),
        sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio)),
    )
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider
