"""Streamlit entry (main.py) and the UI helpers the pages share."""
