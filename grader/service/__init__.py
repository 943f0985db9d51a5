"""The autograding service: an API that takes submissions, a PostgreSQL database that keeps
them, a job queue (procrastinate, on the same database) and workers that grade them on the
warm sandbox workers, plus ``grade submit``, its client.

``grade serve`` runs all of it on one machine with an embedded PostgreSQL; with
``DATABASE_URL``, servers and workers on many machines share one database.
"""
