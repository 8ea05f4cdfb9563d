"""What the business wants: the goal spec (objective, KPIs, funnel, metrics under test), the
engagement-rate definitions and the commented templates. Imports core, loaders and tables."""
