"""What quality managers read: datasets and their moments, the report of a survey (cached by
filter and data version), its bootstrap job, its charts, and the exports. Blueprints call what is named here."""
from .charts import report_with_charts
from .exports import (DIRECT_ROWS, EXPORT_KIND, MIMETYPES, as_csv, as_xlsx, export_file, export_size, index_csv,
                      prepare_export, response_counts, response_table)
from .reports import SurveyReport, bootstrap_report, build_report, filter_to_dict, parse_filter, report_of

__all__ = [
    "DIRECT_ROWS", "EXPORT_KIND", "MIMETYPES", "SurveyReport", "as_csv", "as_xlsx", "export_file", "export_size",
    "prepare_export", "bootstrap_report", "build_report", "filter_to_dict", "index_csv",
    "parse_filter", "report_of", "report_with_charts", "response_counts", "response_table",
]
