"""`triage serve`: the API, the web inbox and the workers in one process."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the service (API, inbox and workers)")
    p.add_argument("--host", help="address to listen on (TRIAGE_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (TRIAGE_PORT, default 8080)")
    p.add_argument("--workers", type=int, help="worker threads (TRIAGE_WORKER_THREADS, default 2; 0 = API only)")
    p.set_defaults(func=run)


def run(args) -> int:
    import uvicorn

    from triage.app import create_app
    from triage.observability import setup_logging
    from triage.settings import load_settings

    overrides = {k: v for k, v in {"host": args.host, "port": args.port, "worker_threads": args.workers}.items()
                 if v is not None}
    settings = load_settings(**overrides)
    setup_logging(settings.log_level, settings.log_json)
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                timeout_graceful_shutdown=10)
    return 0
