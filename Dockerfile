# The torihiki API image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
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
RUN pip install --no-cache-dir . && useradd --create-home torihiki
USER torihiki
EXPOSE 8000
CMD ["torihiki", "serve", "--host", "0.0.0.0", "--port", "8000"]
