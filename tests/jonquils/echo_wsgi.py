"""A WSGI app that answers 200 to anything: lets a test run gunicorn exactly as `make run` does."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
