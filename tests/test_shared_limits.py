"""Rate limits hold across processes: two app servers counting in one Redis."""
from __future__ import annotations

import os
import re
import uuid

import pytest
import redis
import requests

from tests.servers import gunicorn

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the machine's Redis, emptied afterwards. Required on CI."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("CI needs the Redis on 127.0.0.1:6379 (.ci/run starts it)")
        pytest.skip("no Redis on 127.0.0.1:6379; .ci/run starts one")
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def _wrong_sign_in(session: requests.Session, port: int, attempt: int) -> int:
    page = session.get(f"http://127.0.0.1:{port}/admin/login", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    # A different account each time: only the per-address limit is at work, not an account's lockout.
    answer = session.post(
        f"http://127.0.0.1:{port}/admin/login",
        data={"csrf_token": token, "email": f"nobody{attempt}@example.org", "password": "wrong password"},
        timeout=10,
    )
    return answer.status_code


def test_two_servers_share_one_count_of_wrong_passwords(migrated_database, redis_prefix):
    env = {"APP_ENV": "development", "DATABASE_URL": migrated_database, "SECRET_KEY": "shared-secret-for-this-test",
           "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix, "WEB_CONCURRENCY": "1"}
    with gunicorn(env) as (first, _), gunicorn(env) as (second, _):
        sessions = {first: requests.Session(), second: requests.Session()}
        # The limit is 5 wrong passwords a minute per address: alternating servers, each sees only 3.
        answers = [_wrong_sign_in(sessions[port], port, n) for n, port in enumerate([first, second] * 3)]
    assert 429 not in answers[:5], answers
    assert answers[5] == 429, answers
