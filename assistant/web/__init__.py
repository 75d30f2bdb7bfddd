"""The web app: the page (app.py), what it shows (views.py), and the files users add through it (uploads.py)."""
