"""The functions' own log project and store (the only logs their role may write)."""

from __future__ import annotations

from constructs import Construct

from infra.resources import LogProject, LogStore


class FunctionLogs(Construct):
    def __init__(self, scope: Construct, id_: str, *, project_name: str, store_name: str, retention_days: int) -> None:
        super().__init__(scope, id_)
        self.project = LogProject(self, "project", project_name=project_name, description="oss-restore function logs")
        self.store = LogStore(
            self, "store", project=self.project, logstore_name=store_name, retention_period=retention_days
        )
        self.project_name = self.project.get_string_attribute("project_name")
        self.store_name = self.store.get_string_attribute("logstore_name")
