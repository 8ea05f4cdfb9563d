"""A client's data as tables: client.yml and the Dataset of canonical tables, the user's labels,
the daily series, which funnel stages the data can feed. Imports core and loaders."""
