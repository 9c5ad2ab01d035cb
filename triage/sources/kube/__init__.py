"""The Kubernetes source's parts: API access, Job facts, evidence, the watcher and re-runs.

`triage.sources.kubernetes.KubernetesSource` is the plug-in; these modules do its work.
"""
