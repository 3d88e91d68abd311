"""The Streamlit pages (thin: they call package functions) and their shared state.

Only this sub-package imports Streamlit.
"""
