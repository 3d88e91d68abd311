"""Kursplaner — the Streamlit app. Only a router: every page lives in course_planner/ui/."""

import streamlit as st

from course_planner.errors import set_language
from course_planner.ui.state import t

st.set_page_config(page_title="Kursplaner", layout="wide")
st.sidebar.radio(
    "Sprache / Language",
    ["de", "en"],
    key="lang",
    format_func=lambda code: {"de": "Deutsch", "en": "English"}[code],
)
set_language(st.session_state["lang"])  # messages (errors, warnings) in the page's language
pages = [
    st.Page(
        "course_planner/ui/scenario_page.py",
        title=t("page_scenario"),
        default=True,
        url_path="szenario",
    ),
    st.Page("course_planner/ui/reach_page.py", title=t("page_reach"), url_path="erreichbarkeit"),
    st.Page("course_planner/ui/rotation_page.py", title=t("page_rotation"), url_path="rotation"),
    st.Page("course_planner/ui/siting_page.py", title=t("page_siting"), url_path="standortwahl"),
    st.Page("course_planner/ui/compare_page.py", title=t("page_compare"), url_path="vergleich"),
    st.Page("course_planner/ui/export_page.py", title=t("page_export"), url_path="export"),
]
st.navigation(pages).run()
