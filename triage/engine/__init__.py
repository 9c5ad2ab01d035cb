"""The triage engine: redact, condense, recognise, ask the model, guard the command."""
