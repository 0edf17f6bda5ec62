"""The litestar HTTP service: routes, upstream client, SSE streaming."""
