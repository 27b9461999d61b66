"""Deployment files: nginx, gunicorn and systemd examples, cron lines, and `cluster.py`
(`make run-cluster`), whose helpers the multi-host test and benchmark use too."""
