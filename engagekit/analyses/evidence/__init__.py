"""Does engagement precede the outcome? The lead model (distributed lag, trend, verdicts), the
lagged correlations, Granger tests and the carryover fit, gathered in OutcomeEvidence."""
