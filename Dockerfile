# The application image of the services mode (docker-compose.yml); `make run` does not use it.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_SETTINGS_MODULE=jonquils.settings
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs settings, not secrets: throwaway keys, kept in a throwaway directory.
RUN STATIC_MANIFEST=true JONQUILS_VAR_DIR=/tmp/build-var python manage.py collectstatic --noinput && rm -rf /tmp/build-var
EXPOSE 8000
