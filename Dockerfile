# linear_web production image: gunicorn (gthread workers, see gunicorn.conf.py) listening on 0.0.0.0:8000.
#   docker build -t linear_web .
#   docker run -e DATABASE_URL=postgresql://… -e SECRET_KEY=… -p 127.0.0.1:8000:8000 linear_web
# The entrypoint applies the migrations, then runs the command (gunicorn by default), so
#   docker run … linear_web flask --app wsgi seed-demo
# seeds demo data into the configured database.
FROM python:3.11-slim

# XDG_RUNTIME_DIR: gunicorn puts its control socket (for gunicornc) there; the home is read-only.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    INSTANCE_PATH=/app/instance \
    UPLOAD_DIR=/data/uploads \
    XDG_RUNTIME_DIR=/tmp \
    HOST=0.0.0.0 \
    PORT=8000

# libmagic1: python-magic tells upload types apart from their content.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The code stays owned by root (read-only for the app); only instance/ and the uploads are writable.
COPY . .
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin linear \
    && mkdir -p /app/instance /data/uploads \
    && chown linear:linear /app/instance /data/uploads
USER linear

VOLUME ["/data/uploads"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

ENTRYPOINT ["sh", "-c", "flask --app wsgi db upgrade && exec \"$@\"", "--"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
