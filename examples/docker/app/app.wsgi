# The example image's application: replace /app with your own (see README.md).
import socket


def application(environ, start_response):
    body = f'Hello from express-wsgi on {socket.gethostname()}\n'.encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
