"""What quality managers read: datasets and their moments, the report of a survey (cached by
filter and data version), its bootstrap job, its charts, and the exports. Blueprints call what is named here."""
from .charts import report_charts
from .exports import as_csv, as_xlsx, index_csv, response_counts, response_table
from .reports import SurveyReport, bootstrap_report, build_report, filter_to_dict, parse_filter, report_of

__all__ = [
    "SurveyReport", "as_csv", "as_xlsx", "bootstrap_report", "build_report", "filter_to_dict", "index_csv",
    "parse_filter", "report_charts", "report_of", "response_counts", "response_table",
]
