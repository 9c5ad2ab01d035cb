"""The one typed settings object, read once from TRIAGE_* variables and passed down.

Every part of triage reads its configuration from here. Fields are grouped by the part
they switch on; with none set, triage runs on SQLite, signatures only, web inbox only.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as EnvParseError


class AirflowInstance(BaseModel):
    """One Airflow deployment that reports to this service."""

    name: str = "default"
    url: str
    username: str | None = None
    password: SecretStr | None = None
    # 3 uses /api/v2 with a JWT from /auth/token; 2 uses /api/v1 with basic auth.
    api_version: int = 3
    timeout_seconds: float = 10.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore", populate_by_name=True)

    # --- service core -------------------------------------------------------------------
    database_url: str = "sqlite:///./triage.db"
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # Base URL people use to reach the inbox; used for links on cards.
    public_url: str = ""
    api_token: SecretStr | None = None
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    worker_threads: int = Field(2, ge=0, le=64)
    # A claimed triage is re-claimable after this long without a heartbeat (crash recovery).
    worker_lease_seconds: float = Field(30.0, gt=0)
    worker_poll_seconds: float = Field(0.25, gt=0)
    max_attempts: int = Field(5, ge=1)
    retry_backoff_seconds: float = Field(2.0, ge=0)
    log_level: str = "INFO"
    log_json: bool = True

    # --- engine -------------------------------------------------------------------------
    token_budget: int = Field(6000, ge=200)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TRIAGE_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_timeout_seconds: float = Field(60.0, gt=0)
    llm_max_retries: int = Field(2, ge=0)
    # USD per 1M tokens, for the cost estimate recorded with each triage.
    llm_price_prompt_per_mtok: float = 0.0
    llm_price_completion_per_mtok: float = 0.0

    # --- slack --------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TRIAGE_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TRIAGE_SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET")
    )
    slack_channel: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    # JSON mapping such as {"source:airflow": "#data-oncall", "namespace:payments": "#pay"}.
    slack_routes: dict[str, str] = Field(default_factory=dict)
    # Slack user ids (or a user group id) allowed to approve re-runs.
    approvers: list[str] = Field(default_factory=list)
    # Noise control: this many distinct jobs failing with one signature within the window
    # become one incident card; a new card waits slack_hold_seconds so a storm can be seen.
    slack_storm_threshold: int = Field(5, ge=2)
    slack_storm_window_seconds: float = Field(120.0, gt=0)
    slack_hold_seconds: float = Field(5.0, ge=0)
    # Slack accepts about one message per second per channel.
    slack_min_interval_seconds: float = Field(1.0, ge=0)
    # Published triages this recent that have no card yet are posted at start-up (crash recovery).
    slack_backfill_hours: float = Field(24.0, ge=0)

    # --- web inbox actions --------------------------------------------------------------
    # Users allowed to log into the inbox to act on cards, as "user:password" pairs.
    inbox_users: list[str] = Field(default_factory=list)
    session_secret: SecretStr | None = None

    # --- kubernetes ---------------------------------------------------------------------
    kubernetes_namespaces: list[str] = Field(default_factory=list)
    kubeconfig: str | None = None
    kubernetes_in_cluster: bool = False
    kubernetes_rerun_enabled: bool = False
    kubernetes_timeout_seconds: float = Field(10.0, gt=0)

    # --- alertmanager -------------------------------------------------------------------
    alertmanager_username: str | None = None
    alertmanager_password: SecretStr | None = None

    # --- airflow ------------------------------------------------------------------------
    airflow_url: str | None = None
    airflow_username: str | None = None
    airflow_password: SecretStr | None = None
    airflow_api_version: int = 3
    # JSON list of AirflowInstance objects, for several Airflows reporting to one service.
    airflow_instances: list[AirflowInstance] = Field(default_factory=list)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, v: str) -> str:
        if not v.startswith(("sqlite:", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return v

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, v: str) -> str:
        if v.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return v.upper()

    @cached_property
    def sqlalchemy_url(self) -> str:
        # psycopg 3 is the driver we ship; accept the plain libpq-style URL users write.
        url = self.database_url
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key) and bool(self.llm_model)

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    def airflow(self) -> list[AirflowInstance]:
        """All configured Airflow instances, the single-URL settings included."""
        out = list(self.airflow_instances)
        if self.airflow_url and not any(i.name == "default" for i in out):
            out.append(
                AirflowInstance(
                    name="default",
                    url=self.airflow_url,
                    username=self.airflow_username,
                    password=self.airflow_password,
                    api_version=self.airflow_api_version,
                )
            )
        return out


class SettingsError(Exception):
    """A setting is wrong; the message names the variable to fix."""


def load_settings(**overrides: Any) -> Settings:
    """Read settings once, turning validation errors into messages that name the variable."""
    try:
        return Settings(**overrides)
    except EnvParseError as exc:
        # A list or mapping setting (TRIAGE_APPROVERS...) is read as JSON before validation;
        # pydantic-settings names only the field, in its own exception.
        m = re.search(r'field "(\w+)"', str(exc))
        var = "TRIAGE_" + m.group(1).upper() if m else "a TRIAGE_* variable"
        raise SettingsError(f"invalid settings:\n  {var}: must be JSON, e.g. [\"U0123ABC\", \"alice\"] for a list "
                            f"or {{\"source:airflow\": \"#data-oncall\"}} for a mapping") from None
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            var = field if field.isupper() else "TRIAGE_" + field.upper()
            lines.append(f"{var}: {err['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
