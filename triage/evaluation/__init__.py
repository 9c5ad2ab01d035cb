"""The eval suite: recorded real failures, run through the engine exactly as the service runs it.

cases       load and validate case files (evals/cases/*.yaml)
conversion  turn a case into the FailureEvent + Evidence the service would have collected
scoring     score one hypothesis against a case's expected answer; summarise a run
replay      record model exchanges, and serve them back on loopback for offline re-scoring
runner      run every case through triage.engine.analyze.analyze
report      print tables, write JSON, compare against a baseline
feedback    turn "Wrong cause" corrections into new case files
"""
