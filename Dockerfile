# The torihiki API image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    TORIHIKI_HOME=/home/torihiki/data
# What the credit memo's PDF needs (WeasyPrint draws text with Pango) and the
# Japanese font it names: without the font every Japanese character of the
# PDF is an empty box (scripts/system-packages installs the same for tests).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-ipaexfont \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY graph ./graph
COPY ingest ./ingest
COPY api ./api
COPY queries ./queries
COPY synthetic ./synthetic
# TORIHIKI_HOME (session key, rejected lines, uploads) in a folder the user owns, 0700; the
# compose file mounts a volume there (a new volume takes this folder's owner and mode).
RUN pip install --no-cache-dir . && useradd --create-home torihiki \
 && install -d -o torihiki -g torihiki -m 700 /home/torihiki/data
USER torihiki
EXPOSE 8000
CMD ["torihiki", "serve", "--host", "0.0.0.0", "--port", "8000"]
