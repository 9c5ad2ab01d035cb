"""ACME (certbot, dehydrated) renewals run from cron: what the certificate authority says when it could
not validate the domain. Each log is quoted from the public thread named above it."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # The CA could not connect (firewall): https://github.com/JonasAlfredsson/docker-nginx-certbot/issues/309
    Case("acme_timeout_during_connect", "cron",
         "2025-02-15 10:21:41,200:INFO:certbot._internal.auth_handler:Challenge failed for domain some.example.com\n"
         "2025-02-15 10:21:41,201:INFO:certbot._internal.auth_handler:http-01 challenge for some.example.com\n"
         "Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:\n"
         "  Domain: some.example.com\n  Type:   connection\n"
         "  Detail: 87.197.163.137: Fetching http://some.example.com/.well-known/acme-challenge/kHb2BTLzDAjb4bAp2RRxlFp3OwqisVT3k7mPEu2Jib0: "
         "Timeout during connect (likely firewall problem)",
         "network_dns", ("some.example.com", "port 80"), ("getent hosts some.example.com",), 0.75, signature="acme_challenge_unreachable"),
    # The CA got a 404 for the challenge (webroot not served), from a cron container:
    # https://github.com/eugene-khyst/letsencrypt-docker-compose/issues/31
    Case("acme_invalid_response_404", "cron",
         "cron_1     | Renewing Let's Encrypt Certificates... (Wed Jan 11 02:00:00 UTC 2023)\n"
         "cron_1     | Processing /etc/letsencrypt/renewal/<DOMAIN>.conf\n"
         "cron_1     | Renewing an existing certificate for <DOMAIN> and www.<DOMAIN>\n"
         "cron_1     | Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:\n"
         "cron_1     |   Domain: <DOMAIN>\n"
         "cron_1     |   Type:   unauthorized\n"
         "cron_1     |   Detail: <IP>: Invalid response from http://<DOMAIN>/.well-known/acme-challenge/ZCAkhfiArMRJF7uLvXSEftoDzF4eN24_TXrolUxiv2I: 404",
         "missing_config_or_secret", ("HTTP 404", "webroot"), ("curl",), 0.65, 0.79, signature="acme_challenge_wrong_response"),
    # Only the summary (the fix was a firewall rule for port 80): https://github.com/elabftw/elabftw/issues/3452
    Case("certbot_some_challenges_failed", "cron",
         "Attempting to renew cert (tcbelab.com) from /etc/letsencrypt/renewal/tcbelab.com.conf produced an unexpected error: "
         "Some challenges have failed.. Skipping.\nAll renewal attempts failed. The following certs could not be renewed:\n"
         "  /etc/letsencrypt/live/tcbelab.com/fullchain.pem (failure)",
         "network_dns", ("port 80",), (), 0.5, 0.7, signature="acme_challenge_failed"),
    # https://github.com/nginx-le/nginx-le/issues/52
    Case("certbot_challenge_failed_for_domain", "cron",
         "Waiting for verification...\nChallenge failed for domain radio.thehiradio.com\nhttp-01 challenge for radio.thehiradio.com\n"
         "Cleaning up challenges\n"
         "Attempting to renew cert (radio.thehiradio.com) from /etc/letsencrypt/renewal/radio.thehiradio.com.conf produced an "
         "unexpected error: Some challenges have failed.. Skipping.",
         "network_dns", ("radio.thehiradio.com",), ("radio.thehiradio.com",), 0.5, 0.7, signature="acme_challenge_failed"),
    # dehydrated from cron: https://github.com/dehydrated-io/dehydrated/issues/793
    Case("dehydrated_validation_failed", "cron",
         " + Deploying challenge tokens...\n + Responding to challenge for [domain_name] authorization...\n"
         " + Cleaning challenge tokens...\n + Challenge validation has failed :(",
         "network_dns", (), (), 0.5, 0.7, signature="acme_challenge_failed"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_network_breadth2(case: Case) -> None:
    check_case(case)
