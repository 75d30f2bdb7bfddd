"""Adding documents from the web: HUDOC, EUR-Lex and ELI addresses (sources.py), polite and SSRF-safe downloads
(download.py), and the fetch itself: download, keep a copy, ingest (fetcher.py)."""
