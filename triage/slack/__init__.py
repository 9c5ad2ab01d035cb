"""Slack: hypothesis cards (posted through a durable outbox), noise control, and buttons.

`install_slack` adds the publisher to the service when a bot token is set, and always
mounts `POST /v1/slack/actions` (which refuses every request that Slack did not sign).

Setting up the Slack app:
- Bot token scopes: `chat:write` (cards, threads, refusals), `usergroups:read` (when
  TRIAGE_APPROVERS names a user group), `channels:history` (optional: after a crash between
  posting and recording a card, lets triage find the message instead of posting it again).
  Invite the bot to each channel it posts to.
- Interactivity request URL: `{TRIAGE_PUBLIC_URL}/v1/slack/actions`; set
  TRIAGE_SLACK_SIGNING_SECRET from the app's Basic Information page. Without it cards are
  posted without buttons.
- TRIAGE_SLACK_CHANNEL is the default channel; TRIAGE_SLACK_ROUTES sends by `job:NAME`,
  `namespace:NS` or `source:NAME` (checked in that order).
"""

from __future__ import annotations

import logging

from triage.actions import TriageActions

log = logging.getLogger(__name__)


def install_slack(app, services, actions: TriageActions) -> None:
    from triage.slack.interactivity import SlackInteractions, slack_actions_router
    from triage.slack.publisher import SlackPublisher, make_client

    settings = services.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    client = make_client(settings) if settings.slack_enabled else None
    if client is not None:
        if not (settings.slack_channel or settings.slack_routes):
            log.warning("Slack token set but no channel: set TRIAGE_SLACK_CHANNEL (or TRIAGE_SLACK_ROUTES)")
        if secret is None:
            log.warning("no TRIAGE_SLACK_SIGNING_SECRET: Slack cards are posted without buttons; act in the inbox")
        publisher = SlackPublisher(settings, services.store, client, rerun_plan=actions.rerun_plan,
                                   buttons=secret is not None)
        services.publishers.append(publisher)
        services.extras["slack"] = publisher
        services.extras.setdefault("background", []).append(publisher)
        services.extras.setdefault("redelivery_hooks", []).append(publisher.note_redelivery)
        actions.listeners.append(publisher.refresh)
        actions.approvers.group_members = lambda group: set(client.usergroups_users_list(usergroup=group)["users"])
    app.include_router(slack_actions_router(secret, SlackInteractions(services.store, actions, client)))
