"""What a reader sees: the charts, the check before a report, the notebooks run by papermill
(package data), the HTML page and its PDF, the key figures and the batch. Imports every stage below."""
