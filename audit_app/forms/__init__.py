"""Fixed forms, and the factory that builds a questionnaire theme's form."""
