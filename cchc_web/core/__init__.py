"""What has no web in it: configuration, the database handle, time, storage, the audit log.

Nothing here imports a blueprint, a route, or a request-bound global (request, session, g,
url_for, current_user).
"""
