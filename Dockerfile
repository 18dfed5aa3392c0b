# The torihiki API image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY ingest ./ingest
COPY api ./api
COPY queries ./queries
RUN pip install --no-cache-dir . && useradd --create-home torihiki
USER torihiki
EXPOSE 8000
CMD ["torihiki", "serve", "--host", "0.0.0.0", "--port", "8000"]
