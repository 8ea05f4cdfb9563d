"""The analyses, each a function or a small class returning tidy frames: funnels (aggregate,
event-level, person-level), the content audit and its classifier, campaign impact, and the outcome
evidence (evidence/). Imports the stages below: core, loaders, tables, goals."""
