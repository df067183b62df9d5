# The application image of the services mode (docker-compose.yml); `make run` does not use it.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_SETTINGS_MODULE=jonquils.settings
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN STATIC_MANIFEST=true SECRET_KEY=build-only python manage.py collectstatic --noinput
EXPOSE 8000
