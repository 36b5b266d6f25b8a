"""Result classes, their summaries and their plots (imported by estimators and tests)."""
