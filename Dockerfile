# triage service image. Build: docker build -t triage .   Run: docker run -p 8080:8080 triage
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    TRIAGE_HOST=0.0.0.0 TRIAGE_PORT=8080 \
    TRIAGE_DATABASE_URL=sqlite:////var/lib/triage/triage.db \
    TIKTOKEN_CACHE_DIR=/var/lib/triage/tiktoken

WORKDIR /app
COPY pyproject.toml README.md ./
COPY triage ./triage
COPY prompts ./prompts
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/triage --create-home triage

USER triage
# Place tiktoken's files (shipped in the image, no download at run time).
RUN python -c "from triage.engine.tokens import encoding; encoding()"

EXPOSE 8080
VOLUME ["/var/lib/triage"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=4).status == 200 else 1)"
CMD ["triage", "serve"]
